//! Plain data of the settings layers: where a file sits in the precedence
//! order, what it contributed, and the typed view of the keys rudder acts
//! on. No behaviour beyond small accessors; loading lives in `load.rs`.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §4.1 (files and precedence), §4.2
//! (keys), §3.2 (where `/path` rules are anchored), issue 9 (the
//! `providers` table, rudder's own key).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use rudder_protocol::PermissionMode;
use rudder_protocol::permission::{RuleBehavior, UpdateDestination};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::error::ConfigError;

/// A settings level, ordered by precedence: `User` is lowest, `Managed`
/// highest (`SettingsScope::Managed > SettingsScope::User`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SettingsScope {
    /// `~/.claude/settings.json`, `~/.rudder/settings.json`.
    User,
    /// `.claude/settings.json`, `.rudder/settings.json` (shared, committed).
    Project,
    /// `.claude/settings.local.json`, `.rudder/settings.local.json`.
    Local,
    /// `--settings <file-or-json>`.
    Cli,
    /// `/etc/claude-code/managed-settings.json` (+ `.d/`), `/etc/rudder/…`.
    Managed,
}

impl SettingsScope {
    /// Lower-case name used in messages: `user`, `project`, `local`, `cli`,
    /// `managed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Project => "project",
            Self::Local => "local",
            Self::Cli => "cli",
            Self::Managed => "managed",
        }
    }

    /// Whether files of this scope come from the project folder and so wait
    /// for workspace trust before their dangerous keys apply.
    pub fn is_from_project(self) -> bool {
        matches!(self, Self::Project | Self::Local)
    }
}

impl fmt::Display for SettingsScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which file a value came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SettingsOrigin {
    /// The file's level.
    pub scope: SettingsScope,
    /// The file; `--settings` for inline JSON given on the command line.
    pub path: PathBuf,
}

impl fmt::Display for SettingsOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.scope, self.path.display())
    }
}

/// One settings file as loaded: its valid keys, after trust gating.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingsLayer {
    /// Where it came from.
    pub origin: SettingsOrigin,
    /// The folder `/path` permission rules of this file are relative to:
    /// the project root for project and local files, the file's folder for
    /// user and managed files, the working directory for `--settings`
    /// (CLAUDE-CODE-INTERFACE.md §3.2).
    pub base_dir: PathBuf,
    /// The file's top-level keys, unknown ones included.
    pub values: Map<String, Value>,
}

/// A permission rule and the file that gave it. The rule text is kept as
/// written; `rudder-policy` parses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionRuleEntry {
    /// `allow`, `ask` or `deny`.
    pub behavior: RuleBehavior,
    /// The rule, e.g. `Bash(npm run test:*)` or `Read(/src/**)`.
    pub rule: String,
    /// The file it came from.
    pub origin: SettingsOrigin,
    /// Where a `/path` in the rule is anchored (see [`SettingsLayer::base_dir`]).
    pub base_dir: PathBuf,
    /// The permission-update destination this file is
    /// (`crate::settings::origin_destination`): `replaceRules` and
    /// `removeRules` for it change this rule. `None` for rudder's own
    /// files, `--settings` and managed files.
    pub destination: Option<UpdateDestination>,
}

/// An entry of `permissions.additionalDirectories` and the file that gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcedDirectory {
    /// The directory as written (may be relative or start with `~/`).
    pub path: String,
    /// The file it came from.
    pub origin: SettingsOrigin,
    /// The folder a relative `path` is resolved against.
    pub base_dir: PathBuf,
}

/// A key of a project file that was not applied because the folder is not
/// trusted (CVE-2025-59536, CVE-2026-21852).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithheldKey {
    /// The project or local settings file.
    pub path: PathBuf,
    /// Dotted key, e.g. `env` or `permissions.allow`.
    pub key: String,
}

impl fmt::Display for WithheldKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: `{}`", self.path.display(), self.key)
    }
}

/// One leaf of the merged settings and the file it came from. Array
/// elements are leaves of their own (`permissions.allow[2]`), since arrays
/// concatenate across files.
#[derive(Debug, Clone, PartialEq)]
pub struct ProvenanceEntry {
    /// Dotted key path with array indexes, e.g. `env.FOO`, `permissions.allow[0]`.
    pub key: String,
    /// The value (a scalar, an array element, or an empty object/array).
    pub value: Value,
    /// The file it came from.
    pub origin: SettingsOrigin,
}

/// Everything the settings loader produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadedSettings {
    /// The files that loaded, highest precedence first.
    pub layers: Vec<SettingsLayer>,
    /// All layers merged: scalars from the highest layer, arrays
    /// concatenated without duplicates, objects merged key by key. Unknown
    /// keys are kept.
    pub merged: Map<String, Value>,
    /// For each leaf of `merged`, in `merged` order, the file it came from.
    pub provenance: Vec<ProvenanceEntry>,
    /// The typed view of `merged`.
    pub settings: Settings,
    /// Every permission rule with its source, highest layer first.
    pub rules: Vec<PermissionRuleEntry>,
    /// Every `permissions.additionalDirectories` entry with its source.
    pub additional_directories: Vec<SourcedDirectory>,
    /// Keys of project files held back until the folder is trusted.
    pub withheld: Vec<WithheldKey>,
    /// Files or keys that could not be used (the rest loaded).
    pub warnings: Vec<ConfigError>,
}

/// The keys rudder acts on, from the merged settings (§4.2). Missing keys
/// are `None`/empty; the agent applies its own defaults. `hooks` are read
/// per layer by [`crate::hooks::hooks_from_settings`], permission rules are
/// in [`LoadedSettings::rules`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// `permissions` (mode and bypass switch; rules are kept with sources).
    pub permissions: PermissionSettings,
    /// `disableAllHooks`.
    pub disable_all_hooks: Option<bool>,
    /// `env`: variables applied to the session (numbers and booleans are
    /// turned into their JSON text).
    #[serde(deserialize_with = "env_map")]
    pub env: BTreeMap<String, String>,
    /// `model`: alias (`sonnet`) or full id.
    pub model: Option<String>,
    /// `apiKeyHelper`: shell command printing an API key.
    pub api_key_helper: Option<String>,
    /// `statusLine`.
    pub status_line: Option<StatusLineSetting>,
    /// `outputStyle`: the selected output style's name.
    pub output_style: Option<String>,
    /// `cleanupPeriodDays`: days transcripts are kept (Claude Code: 30).
    pub cleanup_period_days: Option<u32>,
    /// `includeCoAuthoredBy` (deprecated for `attribution`).
    pub include_co_authored_by: Option<bool>,
    /// `attribution`.
    pub attribution: Option<Attribution>,
    /// `enableAllProjectMcpServers`: approve every `.mcp.json` server.
    pub enable_all_project_mcp_servers: Option<bool>,
    /// `enabledMcpjsonServers`: approved `.mcp.json` servers.
    pub enabled_mcpjson_servers: Vec<String>,
    /// `disabledMcpjsonServers`: rejected `.mcp.json` servers.
    pub disabled_mcpjson_servers: Vec<String>,
    /// `sandbox`.
    pub sandbox: Option<SandboxSettings>,
    /// `autoCompactEnabled`.
    pub auto_compact_enabled: Option<bool>,
    /// `fallbackModel`.
    pub fallback_model: Option<String>,
    /// `providers` (rudder): model endpoints by name (issue 9).
    pub providers: BTreeMap<String, ProviderSettings>,
}

/// The `permissions` object without its rule lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PermissionSettings {
    /// `defaultMode`.
    pub default_mode: Option<PermissionMode>,
    /// `disableBypassPermissionsMode`: `"disable"` turns bypass mode off.
    pub disable_bypass_permissions_mode: Option<String>,
}

impl PermissionSettings {
    /// Whether `disableBypassPermissionsMode` is `"disable"`.
    pub fn bypass_disabled(&self) -> bool {
        self.disable_bypass_permissions_mode.as_deref() == Some("disable")
    }
}

/// `statusLine`: a command whose first output line is the status line (§9.5).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StatusLineSetting {
    /// `type`: always `command` in Claude Code's format.
    #[serde(rename = "type")]
    pub kind: String,
    /// The shell command; it reads [`crate::status_line::status_line_input`]
    /// JSON on stdin.
    pub command: String,
    /// `padding`: extra columns around the text.
    #[serde(default)]
    pub padding: Option<u16>,
}

/// `attribution`: the texts added to commits and pull requests; an empty
/// string means none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Attribution {
    /// Trailer for commit messages.
    pub commit: Option<String>,
    /// Footer for pull request descriptions.
    pub pr: Option<String>,
}

/// `sandbox` (§4.2); enforced by `rudder-policy`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SandboxSettings {
    /// `enabled`.
    pub enabled: Option<bool>,
    /// `autoAllowBashIfSandboxed` (Claude Code default true).
    pub auto_allow_bash_if_sandboxed: Option<bool>,
    /// `excludedCommands`: commands run outside the sandbox.
    pub excluded_commands: Vec<String>,
    /// `allowUnsandboxedCommands` (Claude Code default true): when false,
    /// the Bash tool's `dangerouslyDisableSandbox` is ignored.
    pub allow_unsandboxed_commands: Option<bool>,
    /// `network`.
    pub network: Option<SandboxNetwork>,
    /// `enableWeakerNestedSandbox`.
    pub enable_weaker_nested_sandbox: Option<bool>,
}

/// `sandbox.network`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SandboxNetwork {
    /// `allowUnixSockets`: socket paths reachable from the sandbox.
    pub allow_unix_sockets: Vec<String>,
    /// `allowLocalBinding`.
    pub allow_local_binding: Option<bool>,
    /// `httpProxyPort`.
    pub http_proxy_port: Option<u16>,
    /// `socksProxyPort`.
    pub socks_proxy_port: Option<u16>,
    /// `allowedDomains`.
    pub allowed_domains: Vec<String>,
}

/// Wire format a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Anthropic Messages API.
    Anthropic,
    /// OpenAI Chat Completions.
    Openai,
}

/// One entry of rudder's `providers` table (issue 9), e.g.
/// `"ollama": {"kind": "openai", "baseUrl": "http://localhost:11434/v1",
/// "apiKeyEnv": "OLLAMA_API_KEY", "models": {"qwen3": {"contextWindow": 32768}}}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderSettings {
    /// `kind`: `anthropic` or `openai`.
    pub kind: ProviderKind,
    /// `baseUrl`: endpoint root; the client's default when absent.
    #[serde(default)]
    pub base_url: Option<String>,
    /// `apiKeyEnv`: name of the environment variable holding the key.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// `models`: known models by name.
    #[serde(default)]
    pub models: BTreeMap<String, ProviderModel>,
}

/// A model of a provider.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProviderModel {
    /// `contextWindow`, in tokens.
    pub context_window: Option<u64>,
    /// `maxOutputTokens`, in tokens.
    pub max_output_tokens: Option<u64>,
    /// `price`; absent means unpriced (never shown as free).
    pub price: Option<ModelPrice>,
}

/// Prices in US dollars per million tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ModelPrice {
    /// `input`: uncached input.
    pub input: f64,
    /// `output`.
    pub output: f64,
    /// `cacheRead`: cache hits.
    pub cache_read: Option<f64>,
    /// `cacheWrite`: cache writes (5-minute TTL).
    pub cache_write: Option<f64>,
}

/// A value of the `env` object: strings as they are, numbers and booleans
/// as their JSON text (`1`, `true`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub(crate) enum EnvValue {
    /// A string.
    Text(String),
    /// A number.
    Number(serde_json::Number),
    /// A boolean.
    Flag(bool),
}

impl EnvValue {
    /// The value as the environment would hold it.
    pub(crate) fn into_text(self) -> String {
        match self {
            Self::Text(text) => text,
            Self::Number(number) => number.to_string(),
            Self::Flag(flag) => flag.to_string(),
        }
    }
}

fn env_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let raw = BTreeMap::<String, EnvValue>::deserialize(deserializer)?;
    Ok(raw
        .into_iter()
        .map(|(name, value)| (name, value.into_text()))
        .collect())
}

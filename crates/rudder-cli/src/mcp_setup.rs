//! Which MCP servers a run uses and how they are started: configuration
//! files, project approval, the manager's options, and the start itself.
//!
//! Contract (CLAUDE-CODE-INTERFACE.md §6, §1.1; issue 7): servers come from
//! `--mcp-config` values, the local and user scopes (`~/.rudder/mcp.json`,
//! then Claude Code's `~/.claude.json`) and the project's `.mcp.json`
//! (only when `--setting-sources` includes `project`); `--strict-mcp-config`
//! keeps the `--mcp-config` ones only. Project servers start only when the
//! folder is trusted (ARCHITECTURE.md "Nothing runs before trust" — rudder
//! is stricter than Claude Code's `-p` here) and approved: by
//! `enableAllProjectMcpServers` / `enabledMcpjsonServers`, or — in headless
//! runs of a trusted folder, where nobody can be asked — all of them unless
//! listed in `disabledMcpjsonServers` (Claude Code connects `.mcp.json`
//! servers without asking in `-p`); in interactive runs the others are
//! listed for the start-up approval dialog ([`McpPlan::awaiting_approval`]).
//! The start-up reaper runs at every start, also when no server is
//! configured, so a killed session's servers never outlive the next run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rudder_config::SourceSet;
use rudder_config::settings::LoadedSettings;
use rudder_core::mcp::{McpSession, McpSettings};
use rudder_core::permissions::PermissionGate;
use rudder_mcp::config::load::{ConfigSources, LoadedConfig, ProjectApproval, load_servers};
use rudder_mcp::config::{Approval, ConfiguredServer, Scope};
use rudder_mcp::{McpManager, McpOptions};

/// What a run needs to know about MCP before it starts.
pub struct McpPlan {
    /// The winning server definitions (unapproved ones included: they are
    /// reported as pending or disabled, never started).
    pub servers: Vec<ConfiguredServer>,
    /// The manager's options.
    pub options: McpOptions,
    /// The agent-side knobs.
    pub settings: McpSettings,
    /// Project servers of a trusted folder that no setting approves or
    /// rejects, in an interactive run: the start-up dialog asks about them
    /// (`interactive::mcp_approval`). Empty in headless runs.
    pub awaiting_approval: Vec<ConfiguredServer>,
}

/// Inputs of [`plan`].
pub struct PlanInput<'a> {
    /// `--mcp-config` values.
    pub mcp_config: &'a [String],
    /// `--strict-mcp-config`.
    pub strict: bool,
    /// The working directory (absolute).
    pub cwd: &'a Path,
    /// `~/.rudder` or `$RUDDER_HOME`.
    pub rudder_home: &'a Path,
    /// The merged settings (approval keys; project ones withheld until trust).
    pub loaded: &'a LoadedSettings,
    /// Whether the folder is trusted.
    pub trusted: bool,
    /// Whether the run is headless (nobody to ask about project servers).
    pub headless: bool,
    /// `--setting-sources`.
    pub sources: SourceSet,
    /// Variable lookup (settings `env` over the process).
    pub lookup: &'a dyn Fn(&str) -> Option<String>,
    /// Session id (names the PID record).
    pub session_id: &'a str,
    /// Where oversize MCP output is written.
    pub spill_dir: PathBuf,
    /// Environment for child processes (settings `env`, `CLAUDE_PROJECT_DIR`).
    pub child_env: &'a [(String, String)],
}

/// The state directory of PID records (`<rudder_home>/mcp-pids`).
pub fn state_dir(rudder_home: &Path) -> PathBuf {
    rudder_home.join("mcp-pids")
}

/// The files MCP servers are read from, in Claude Code's layout plus
/// rudder's own user file (written by `rudder mcp add`), which wins.
pub fn config_sources(input: &PlanInput<'_>) -> ConfigSources {
    let home = (input.lookup)("HOME").filter(|home| !home.is_empty());
    let claude_json = (input.lookup)("CLAUDE_CONFIG_DIR")
        .filter(|dir| !dir.is_empty())
        .map(|dir| PathBuf::from(dir).join(".claude.json"))
        .or_else(|| home.map(|home| PathBuf::from(home).join(".claude.json")));
    let mut user_files = vec![rudder_user_file(input.rudder_home)];
    user_files.extend(claude_json);
    ConfigSources {
        project_dir: input.cwd.to_owned(),
        project_file: input.sources.project.then(|| input.cwd.join(".mcp.json")),
        user_files,
        mcp_config: input.mcp_config.to_vec(),
        strict: input.strict,
    }
}

/// rudder's own file of user- and local-scope servers:
/// `<rudder_home>/mcp.json`.
pub fn rudder_user_file(rudder_home: &Path) -> PathBuf {
    rudder_home.join("mcp.json")
}

/// The approval state of project servers (see the module doc).
pub fn project_approval(loaded: &LoadedSettings, trusted: bool, headless: bool) -> ProjectApproval {
    let settings = &loaded.settings;
    ProjectApproval {
        enable_all: settings.enable_all_project_mcp_servers == Some(true) || headless,
        enabled: settings.enabled_mcpjson_servers.clone(),
        disabled: settings.disabled_mcpjson_servers.clone(),
        folder_trusted: trusted,
    }
}

/// Reads the configuration and prepares the manager's options. Returns the
/// plan and notices (files that could not be read). Errors: a malformed
/// `--mcp-config` value (the user typed it).
pub fn plan(input: &PlanInput<'_>) -> Result<(McpPlan, Vec<String>), String> {
    let approval = project_approval(input.loaded, input.trusted, input.headless);
    let LoadedConfig {
        servers,
        diagnostics,
        ..
    } = load_servers(&config_sources(input), &approval, input.lookup)
        .map_err(|error| error.to_string())?;
    let notices = diagnostics.iter().map(ToString::to_string).collect();
    let mut options = McpOptions::new(
        input.session_id,
        input.cwd.to_owned(),
        input.spill_dir.clone(),
    )
    .with_env(input.lookup);
    options.state_dir = Some(state_dir(input.rudder_home));
    options.child_env = child_env(input.child_env);
    let awaiting_approval = if input.trusted && !input.headless {
        servers
            .iter()
            .filter(|server| {
                server.scope == Scope::Project && matches!(server.approval, Approval::Pending(_))
            })
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    let plan = McpPlan {
        awaiting_approval,
        servers,
        options,
        settings: McpSettings::from_env(input.lookup),
    };
    Ok((plan, notices))
}

/// Variables every stdio server gets before its own `env`.
fn child_env(base: &[(String, String)]) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = base.iter().cloned().collect();
    env.insert("CLAUDECODE".to_owned(), "1".to_owned());
    env
}

impl McpPlan {
    /// Starts every approved server in the background (returns at once)
    /// and wraps the manager for the session; `None` when no server is
    /// configured — then only the start-up reaper runs. Errors: outside a
    /// tokio runtime.
    pub fn start(self, gate: Arc<dyn PermissionGate>) -> Result<Option<McpSession>, String> {
        if self.servers.is_empty() {
            if let Some(dir) = &self.options.state_dir {
                rudder_mcp::reaper::reap_stale(dir);
            }
            return Ok(None);
        }
        let manager =
            McpManager::start(self.servers, self.options).map_err(|error| error.to_string())?;
        Ok(Some(McpSession::new(
            Arc::new(manager),
            gate,
            self.settings,
        )))
    }
}

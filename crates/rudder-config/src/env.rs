//! Environment variables Claude Code users set, read into typed values.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §4.3. Variables are read through an
//! injected lookup (the binary passes the process environment overlaid
//! with the settings `env` block, see [`effective_lookup`]; tests pass a
//! map). A value that does not parse is reported with the variable's name
//! and left unset — never a panic, never a silent zero. Empty values count
//! as unset.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::ConfigError;
use crate::settings::Settings;

/// The variables rudder reads. `None`/`false` means unset: the consumer
/// applies its own default (given in each field's doc).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvOverrides {
    /// `ANTHROPIC_MODEL`: the main model (beats the `model` setting, loses
    /// to `--model`).
    pub model: Option<String>,
    /// `ANTHROPIC_DEFAULT_HAIKU_MODEL`, else the deprecated
    /// `ANTHROPIC_SMALL_FAST_MODEL`: the small, fast model.
    pub small_fast_model: Option<String>,
    /// `BASH_DEFAULT_TIMEOUT_MS`: Bash tool default timeout in milliseconds
    /// (Claude Code: 120000).
    pub bash_default_timeout_ms: Option<u64>,
    /// `BASH_MAX_TIMEOUT_MS`: largest Bash timeout the model may ask for, in
    /// milliseconds (600000).
    pub bash_max_timeout_ms: Option<u64>,
    /// `BASH_MAX_OUTPUT_LENGTH`: Bash output kept, in characters (30000).
    pub bash_max_output_length: Option<u64>,
    /// `DISABLE_PROMPT_CACHING`: send no cache breakpoints.
    pub disable_prompt_caching: bool,
    /// `MAX_THINKING_TOKENS`: extended-thinking budget in tokens (0 = off).
    pub max_thinking_tokens: Option<u64>,
    /// `CLAUDE_CODE_MAX_OUTPUT_TOKENS`: `max_tokens` of requests.
    pub max_output_tokens: Option<u64>,
    /// `DISABLE_AUTO_COMPACT`: never compact automatically.
    pub disable_auto_compact: bool,
    /// `CLAUDE_AUTOCOMPACT_PCT_OVERRIDE`: compact at this percentage of the
    /// context window (1–100; may only lower the default).
    pub autocompact_pct_override: Option<u64>,
    /// `MAX_MCP_OUTPUT_TOKENS`: largest MCP tool result, in tokens (25000).
    pub max_mcp_output_tokens: Option<u64>,
    /// `MCP_TIMEOUT`: MCP server start-up timeout in milliseconds (30000).
    pub mcp_timeout_ms: Option<u64>,
    /// `MCP_TOOL_TIMEOUT`: MCP tool call timeout in milliseconds.
    pub mcp_tool_timeout_ms: Option<u64>,
    /// `CLAUDE_CODE_MAX_TOOL_USE_CONCURRENCY`: read-only tool calls run at
    /// once (10).
    pub max_tool_use_concurrency: Option<u64>,
    /// `CLAUDE_CONFIG_DIR`: replaces `~/.claude`.
    pub claude_config_dir: Option<PathBuf>,
    /// `RUDDER_HOME`: replaces `~/.rudder`.
    pub rudder_home: Option<PathBuf>,
}

/// The smallest and largest value a number variable accepts.
struct Range {
    min: u64,
    max: u64,
    what: &'static str,
}

const MILLISECONDS: Range = Range {
    min: 1,
    max: u64::MAX,
    what: "a whole number of milliseconds above 0",
};
const POSITIVE: Range = Range {
    min: 1,
    max: u64::MAX,
    what: "a whole number above 0",
};
const TOKENS: Range = Range {
    min: 0,
    max: u64::MAX,
    what: "a whole number of tokens",
};
const PERCENT: Range = Range {
    min: 1,
    max: 100,
    what: "a whole percentage from 1 to 100",
};

/// Reads every variable of [`EnvOverrides`] through `lookup`. Returns the
/// values that parsed and one [`ConfigError::EnvVar`] per variable that did
/// not (that variable is left unset).
pub fn env_overrides(lookup: &dyn Fn(&str) -> Option<String>) -> (EnvOverrides, Vec<ConfigError>) {
    let mut errors = Vec::new();
    let text = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
    let mut number = |name: &str, range: Range| -> Option<u64> {
        let value = text(name)?;
        match value.trim().parse::<u64>() {
            Ok(number) if (range.min..=range.max).contains(&number) => Some(number),
            _ => {
                errors.push(ConfigError::EnvVar {
                    name: name.into(),
                    value,
                    expected: range.what.into(),
                });
                None
            }
        }
    };
    let bash_default_timeout_ms = number("BASH_DEFAULT_TIMEOUT_MS", MILLISECONDS);
    let bash_max_timeout_ms = number("BASH_MAX_TIMEOUT_MS", MILLISECONDS);
    let bash_max_output_length = number("BASH_MAX_OUTPUT_LENGTH", POSITIVE);
    let max_thinking_tokens = number("MAX_THINKING_TOKENS", TOKENS);
    let max_output_tokens = number("CLAUDE_CODE_MAX_OUTPUT_TOKENS", POSITIVE);
    let autocompact_pct_override = number("CLAUDE_AUTOCOMPACT_PCT_OVERRIDE", PERCENT);
    let max_mcp_output_tokens = number("MAX_MCP_OUTPUT_TOKENS", POSITIVE);
    let mcp_timeout_ms = number("MCP_TIMEOUT", MILLISECONDS);
    let mcp_tool_timeout_ms = number("MCP_TOOL_TIMEOUT", MILLISECONDS);
    let max_tool_use_concurrency = number("CLAUDE_CODE_MAX_TOOL_USE_CONCURRENCY", POSITIVE);
    let mut flag = |name: &str| -> bool {
        let Some(value) = text(name) else {
            return false;
        };
        match value.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => {
                errors.push(ConfigError::EnvVar {
                    name: name.into(),
                    value,
                    expected: "1, true, yes, on (or 0, false, no, off)".into(),
                });
                false
            }
        }
    };
    let disable_prompt_caching = flag("DISABLE_PROMPT_CACHING");
    let disable_auto_compact = flag("DISABLE_AUTO_COMPACT");
    let overrides = EnvOverrides {
        model: text("ANTHROPIC_MODEL"),
        small_fast_model: text("ANTHROPIC_DEFAULT_HAIKU_MODEL")
            .or_else(|| text("ANTHROPIC_SMALL_FAST_MODEL")),
        bash_default_timeout_ms,
        bash_max_timeout_ms,
        bash_max_output_length,
        disable_prompt_caching,
        max_thinking_tokens,
        max_output_tokens,
        disable_auto_compact,
        autocompact_pct_override,
        max_mcp_output_tokens,
        mcp_timeout_ms,
        mcp_tool_timeout_ms,
        max_tool_use_concurrency,
        claude_config_dir: text("CLAUDE_CONFIG_DIR").map(PathBuf::from),
        rudder_home: text("RUDDER_HOME").map(PathBuf::from),
    };
    (overrides, errors)
}

/// A lookup where the settings `env` block (already merged and
/// trust-gated) wins over `process`, as Claude Code applies that block to
/// its own environment at start-up (which is why a project's `env` must
/// wait for trust: CVE-2026-21852).
pub fn effective_lookup<'a>(
    settings_env: &'a BTreeMap<String, String>,
    process: &'a dyn Fn(&str) -> Option<String>,
) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| settings_env.get(name).cloned().or_else(|| process(name))
}

/// The main model: `--model`, else `ANTHROPIC_MODEL`, else the `model`
/// setting (§1.1, §4.3). `None`: the agent's default.
pub fn resolve_model(
    cli_model: Option<&str>,
    env: &EnvOverrides,
    settings: &Settings,
) -> Option<String> {
    cli_model
        .filter(|model| !model.is_empty())
        .map(str::to_owned)
        .or_else(|| env.model.clone())
        .or_else(|| settings.model.clone())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(vars: &[(&str, &str)]) -> (EnvOverrides, Vec<ConfigError>) {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        env_overrides(&move |name: &str| map.get(name).cloned())
    }

    #[test]
    fn parses_every_variable() {
        let (env, errors) = read(&[
            ("ANTHROPIC_MODEL", "claude-opus-4-5"),
            ("ANTHROPIC_SMALL_FAST_MODEL", "old-haiku"),
            ("ANTHROPIC_DEFAULT_HAIKU_MODEL", "new-haiku"),
            ("BASH_DEFAULT_TIMEOUT_MS", "90000"),
            ("BASH_MAX_TIMEOUT_MS", " 600000 "),
            ("BASH_MAX_OUTPUT_LENGTH", "50000"),
            ("DISABLE_PROMPT_CACHING", "1"),
            ("MAX_THINKING_TOKENS", "0"),
            ("CLAUDE_CODE_MAX_OUTPUT_TOKENS", "32000"),
            ("DISABLE_AUTO_COMPACT", "true"),
            ("CLAUDE_AUTOCOMPACT_PCT_OVERRIDE", "70"),
            ("MAX_MCP_OUTPUT_TOKENS", "25000"),
            ("MCP_TIMEOUT", "30000"),
            ("MCP_TOOL_TIMEOUT", "120000"),
            ("CLAUDE_CODE_MAX_TOOL_USE_CONCURRENCY", "4"),
            ("CLAUDE_CONFIG_DIR", "/c"),
            ("RUDDER_HOME", "/r"),
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(env.model.as_deref(), Some("claude-opus-4-5"));
        assert_eq!(env.small_fast_model.as_deref(), Some("new-haiku"));
        assert_eq!(env.bash_default_timeout_ms, Some(90_000));
        assert_eq!(env.bash_max_timeout_ms, Some(600_000));
        assert_eq!(env.bash_max_output_length, Some(50_000));
        assert!(env.disable_prompt_caching && env.disable_auto_compact);
        assert_eq!(env.max_thinking_tokens, Some(0));
        assert_eq!(env.max_output_tokens, Some(32_000));
        assert_eq!(env.autocompact_pct_override, Some(70));
        assert_eq!(env.max_mcp_output_tokens, Some(25_000));
        assert_eq!(env.mcp_timeout_ms, Some(30_000));
        assert_eq!(env.mcp_tool_timeout_ms, Some(120_000));
        assert_eq!(env.max_tool_use_concurrency, Some(4));
        assert_eq!(env.claude_config_dir, Some(PathBuf::from("/c")));
        assert_eq!(env.rudder_home, Some(PathBuf::from("/r")));
    }

    #[test]
    fn bad_values_name_the_variable_and_stay_unset() {
        let (env, errors) = read(&[
            ("BASH_DEFAULT_TIMEOUT_MS", "2m"),
            ("CLAUDE_AUTOCOMPACT_PCT_OVERRIDE", "150"),
            ("MCP_TIMEOUT", "-5"),
            ("DISABLE_PROMPT_CACHING", "maybe"),
            ("MAX_THINKING_TOKENS", "99999999999999999999999"),
            ("BASH_MAX_TIMEOUT_MS", ""),
        ]);
        assert_eq!(env, EnvOverrides::default());
        let names: Vec<String> = errors
            .iter()
            .map(|error| match error {
                ConfigError::EnvVar { name, .. } => name.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            names,
            [
                "BASH_DEFAULT_TIMEOUT_MS",
                "MAX_THINKING_TOKENS",
                "CLAUDE_AUTOCOMPACT_PCT_OVERRIDE",
                "MCP_TIMEOUT",
                "DISABLE_PROMPT_CACHING"
            ]
        );
        assert!(
            errors[0]
                .to_string()
                .starts_with("environment variable BASH_DEFAULT_TIMEOUT_MS=\"2m\"")
        );
    }

    #[test]
    fn settings_env_wins_and_model_precedence() {
        let settings_env =
            BTreeMap::from([("ANTHROPIC_MODEL".to_owned(), "from-settings".to_owned())]);
        let process = |name: &str| {
            (name == "ANTHROPIC_MODEL" || name == "HOME").then(|| "from-shell".to_owned())
        };
        let lookup = effective_lookup(&settings_env, &process);
        assert_eq!(lookup("ANTHROPIC_MODEL").as_deref(), Some("from-settings"));
        assert_eq!(lookup("HOME").as_deref(), Some("from-shell"));
        let settings = Settings {
            model: Some("sonnet".into()),
            ..Settings::default()
        };
        let (env, _) = env_overrides(&lookup);
        assert_eq!(
            resolve_model(Some("opus"), &env, &settings).as_deref(),
            Some("opus")
        );
        assert_eq!(
            resolve_model(None, &env, &settings).as_deref(),
            Some("from-settings")
        );
        assert_eq!(
            resolve_model(None, &EnvOverrides::default(), &settings).as_deref(),
            Some("sonnet")
        );
    }
}

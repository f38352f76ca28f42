//! Knobs of the MCP manager, with Claude Code's environment variables.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §4.3 — `MCP_TIMEOUT` (server start-up,
//! ms, default 30 000), `MCP_TOOL_TIMEOUT` (per tool call, ms),
//! `MAX_MCP_OUTPUT_TOKENS` (default 25 000). rudder adds
//! `RUDDER_MCP_RLIMIT_AS` (bytes, `0` = off), `RUDDER_MCP_RLIMIT_CPU`
//! (seconds, `0` = off) and `RUDDER_MCP_MAX_RESTARTS`; remote servers are
//! reached through the proxies of `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`.
//!
//! Plain data; reading variables goes through a caller-given lookup.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use rudder_model::proxy::ProxyConfig;

use crate::output::OutputLimit;
use crate::process::spawn::ResourceLimits;

/// Everything the manager needs besides the server list.
#[derive(Debug, Clone)]
pub struct McpOptions {
    /// Session id; names the PID record file `<state_dir>/<session>.json`.
    pub session_id: String,
    /// Absolute project directory: default working directory of stdio servers.
    pub project_dir: PathBuf,
    /// Directory for PID records (e.g. `<rudder_home>/mcp-pids`). `None`
    /// disables records and the start-up reaper.
    pub state_dir: Option<PathBuf>,
    /// Start-up timeout per server (spawn + `initialize` + `tools/list`);
    /// `MCP_TIMEOUT` in ms, default 30 s. A server's own `timeout` key wins.
    pub startup_timeout: Duration,
    /// Timeout of one `tools/call` (and of resource and prompt requests);
    /// `MCP_TOOL_TIMEOUT` in ms, default 10 min (Bash's maximum).
    pub tool_timeout: Duration,
    /// Output cap and spill directory for tool results.
    pub output: OutputLimit,
    /// Variables set for every stdio server before its own `env`
    /// (e.g. `CLAUDECODE=1`, `CLAUDE_PROJECT_DIR`).
    pub child_env: BTreeMap<String, String>,
    /// rlimits applied to every stdio server.
    pub limits: ResourceLimits,
    /// Restarts after a crash before the server stays `failed`; default 3.
    pub max_restarts: u32,
    /// First restart delay; doubles per restart up to 8 s. Default 500 ms.
    pub restart_backoff: Duration,
    /// Time a server gets after stdin closes before SIGTERM; default 500 ms.
    pub eof_wait: Duration,
    /// Time between SIGTERM and SIGKILL of a server's group; default 2 s.
    pub shutdown_grace: Duration,
    /// Proxies of the requests to HTTP and SSE servers (the same
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY` … as the model API's), set by
    /// [`McpOptions::with_env`]; by default they connect directly.
    pub proxy: ProxyConfig,
}

impl McpOptions {
    /// Defaults for a session in `project_dir`, spilling oversize output to
    /// `spill_dir`, without PID records (set [`McpOptions::state_dir`]).
    pub fn new(session_id: impl Into<String>, project_dir: PathBuf, spill_dir: PathBuf) -> Self {
        Self {
            session_id: session_id.into(),
            project_dir,
            state_dir: None,
            startup_timeout: Duration::from_millis(30_000),
            tool_timeout: Duration::from_millis(600_000),
            output: OutputLimit {
                max_tokens: 25_000,
                spill_dir,
                preview_bytes: 2_000,
            },
            child_env: BTreeMap::new(),
            limits: ResourceLimits::default(),
            max_restarts: 3,
            restart_backoff: Duration::from_millis(500),
            eof_wait: Duration::from_millis(500),
            shutdown_grace: Duration::from_secs(2),
            proxy: ProxyConfig::default(),
        }
    }

    /// Applies the environment variables listed in the module doc and the
    /// proxy variables ([`ProxyConfig::from_env`]), read through `lookup`. Unparseable values are ignored with a warning.
    pub fn with_env(mut self, lookup: &dyn Fn(&str) -> Option<String>) -> Self {
        let number = |name: &str| -> Option<u64> {
            let text = lookup(name)?;
            match text.trim().parse::<u64>() {
                Ok(value) => Some(value),
                Err(_) => {
                    tracing::warn!("ignoring {name}={text}: not a whole number");
                    None
                }
            }
        };
        if let Some(ms) = number("MCP_TIMEOUT").filter(|ms| *ms > 0) {
            self.startup_timeout = Duration::from_millis(ms);
        }
        if let Some(ms) = number("MCP_TOOL_TIMEOUT").filter(|ms| *ms > 0) {
            self.tool_timeout = Duration::from_millis(ms);
        }
        if let Some(tokens) = number("MAX_MCP_OUTPUT_TOKENS").filter(|t| *t > 0) {
            self.output.max_tokens = usize::try_from(tokens).unwrap_or(usize::MAX);
        }
        if let Some(bytes) = number("RUDDER_MCP_RLIMIT_AS") {
            self.limits.address_space_bytes = (bytes > 0).then_some(bytes);
        }
        if let Some(seconds) = number("RUDDER_MCP_RLIMIT_CPU") {
            self.limits.cpu_seconds = (seconds > 0).then_some(seconds);
        }
        if let Some(restarts) = number("RUDDER_MCP_MAX_RESTARTS") {
            self.max_restarts = u32::try_from(restarts).unwrap_or(u32::MAX);
        }
        self.proxy = ProxyConfig::from_env(lookup);
        self
    }

    /// The longest one unit takes to end its process group:
    /// `eof_wait + shutdown_grace + 3 s` (2 s after SIGKILL plus reaping).
    pub fn stop_bound(&self) -> Duration {
        self.eof_wait + self.shutdown_grace + Duration::from_secs(3)
    }

    /// Delay before restart number `attempt` (1-based): `restart_backoff ×
    /// 2^(attempt-1)`, at most 8 s.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(16);
        self.restart_backoff
            .saturating_mul(factor)
            .min(Duration::from_secs(8))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_defaults() {
        let env = |name: &str| match name {
            "MCP_TIMEOUT" => Some("1500".to_owned()),
            "MCP_TOOL_TIMEOUT" => Some("nope".to_owned()),
            "MAX_MCP_OUTPUT_TOKENS" => Some("100".to_owned()),
            "RUDDER_MCP_RLIMIT_AS" => Some("0".to_owned()),
            "RUDDER_MCP_RLIMIT_CPU" => Some("60".to_owned()),
            _ => None,
        };
        let options = McpOptions::new("s", "/p".into(), "/tmp".into()).with_env(&env);
        assert_eq!(options.startup_timeout, Duration::from_millis(1500));
        assert_eq!(options.tool_timeout, Duration::from_millis(600_000));
        assert_eq!(options.output.max_tokens, 100);
        assert_eq!(options.limits.address_space_bytes, None);
        assert_eq!(options.limits.cpu_seconds, Some(60));
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let options = McpOptions::new("s", "/p".into(), "/tmp".into());
        assert_eq!(options.backoff(1), Duration::from_millis(500));
        assert_eq!(options.backoff(3), Duration::from_secs(2));
        assert_eq!(options.backoff(30), Duration::from_secs(8));
    }
}

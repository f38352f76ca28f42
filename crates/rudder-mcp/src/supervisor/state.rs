//! What the manager knows about each server, as callers see it
//! ([`ServerStatus`]) and as the supervisor tasks publish it ([`UnitState`]).
//!
//! Contract: `system/init.mcp_servers` and `/mcp` statuses (`pending`,
//! `connected`, `failed`, `needs-auth`, `disabled`; CLAUDE-CODE-INTERFACE.md
//! §6, §10). Plain data; no I/O.

use std::sync::Arc;

use rudder_protocol::event::McpServerStatus;

use crate::client::Link;
use crate::config::Scope;
use crate::tools::ServerTool;

/// Where a server is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerPhase {
    /// Starting, restarting, or waiting for approval (see the detail).
    Pending,
    /// Initialized; its tools are listed.
    Connected,
    /// Could not start, timed out, crashed too often, or its config is bad.
    Failed,
    /// The server answered HTTP 401/403; OAuth is not done by rudder yet.
    NeedsAuth,
    /// Rejected by the user (`disabledMcpjsonServers`) or disabled in `/mcp`.
    Disabled,
}

impl ServerPhase {
    /// The status string of `system/init.mcp_servers`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Connected => "connected",
            Self::Failed => "failed",
            Self::NeedsAuth => "needs-auth",
            Self::Disabled => "disabled",
        }
    }
}

/// One server's state for `/mcp`, `rudder mcp list` and `system/init`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerStatus {
    /// Name from the configuration.
    pub name: String,
    /// Current phase.
    pub phase: ServerPhase,
    /// Error text for `failed`/`needs-auth`, the reason for a pending or
    /// disabled server, `None` when connected.
    pub detail: Option<String>,
    /// Scope the definition came from.
    pub scope: Scope,
    /// `stdio`, `http` or `sse` (`unknown` when the entry did not parse).
    pub transport: &'static str,
    /// PID (= process group id) of a running stdio server.
    pub pid: Option<u32>,
    /// Restarts after crashes since the last successful (re)connect request.
    pub restarts: u32,
    /// Number of tools the server lists (0 unless connected).
    pub tool_count: usize,
}

impl ServerStatus {
    /// The protocol record (`{"name":…,"status":…}`).
    pub fn to_protocol(&self) -> McpServerStatus {
        McpServerStatus {
            name: self.name.clone(),
            status: self.phase.as_str().to_owned(),
        }
    }
}

/// What a supervisor task publishes about its process/connection.
#[derive(Clone)]
pub(crate) struct UnitState {
    pub phase: ServerPhase,
    pub detail: Option<String>,
    /// Request handle while connected.
    pub link: Option<Link>,
    /// Tools as the server listed them, while connected.
    pub tools: Arc<Vec<ServerTool>>,
    pub pid: Option<i32>,
    pub restarts: u32,
}

impl UnitState {
    /// The state of a unit that has not reported yet.
    pub fn starting() -> Self {
        Self {
            phase: ServerPhase::Pending,
            detail: Some("starting".to_owned()),
            link: None,
            tools: Arc::new(Vec::new()),
            pid: None,
            restarts: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_use_the_init_status_strings() {
        let names: Vec<_> = [
            ServerPhase::Pending,
            ServerPhase::Connected,
            ServerPhase::Failed,
            ServerPhase::NeedsAuth,
            ServerPhase::Disabled,
        ]
        .iter()
        .map(|phase| phase.as_str())
        .collect();
        assert_eq!(
            names,
            ["pending", "connected", "failed", "needs-auth", "disabled"]
        );
    }
}

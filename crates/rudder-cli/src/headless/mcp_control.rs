//! The Agent SDK's MCP control requests: `mcp_status`, `mcp_reconnect`
//! and `mcp_toggle`.
//!
//! Contract (CLAUDE-CODE-INTERFACE.md §10.3; the SDK's `McpServerStatus`
//! shape): `mcp_status` → `{"mcpServers": [{name, status, scope, error?,
//! tools?}]}` (rudder adds `transport` and `restarts`); `mcp_reconnect
//! {serverName}` ends the server's process and starts it again;
//! `mcp_toggle {serverName, enabled}` disables a server for the session or
//! starts it again from its configuration. Other `mcp_*` requests
//! (`mcp_set_servers`, `mcp_message`) are answered with an error.

use rudder_core::mcp::McpSession;
use rudder_mcp::ServerPhase;
use rudder_mcp::config::ConfiguredServer;
use rudder_protocol::headless::{ControlRequest, OutputRecord};
use serde_json::{Value, json};

use super::control;

/// What the MCP control requests act on.
pub struct McpControl {
    /// The session's servers.
    pub mcp: McpSession,
    /// Their configuration (to start a toggled-off server again).
    pub servers: Vec<ConfiguredServer>,
}

/// Answers one `mcp_*` control request; `control` is `None` when the
/// session has no MCP servers.
pub fn answer(request: &ControlRequest, control: Option<&McpControl>) -> OutputRecord {
    let id = &request.request_id;
    let subtype = request
        .request
        .get("subtype")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let server = request
        .request
        .get("serverName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match (subtype, control) {
        ("mcp_status", None) => control::success(id, json!({"mcpServers": []})),
        ("mcp_status", Some(mcp)) => control::success(id, json!({"mcpServers": status(mcp)})),
        ("mcp_reconnect" | "mcp_toggle", None) => {
            control::failure(id, format!("no MCP server named `{server}` is configured"))
        }
        ("mcp_reconnect", Some(mcp)) => match mcp.mcp.manager().reconnect(server) {
            Ok(()) => control::success(id, json!({})),
            Err(error) => control::failure(id, error.to_string()),
        },
        ("mcp_toggle", Some(mcp)) => {
            let enabled = request
                .request
                .get("enabled")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            toggle(id, mcp, server, enabled)
        }
        (other, _) => control::failure(
            id,
            format!("rudder does not support the control request `{other}` yet"),
        ),
    }
}

fn toggle(id: &str, control_state: &McpControl, server: &str, enabled: bool) -> OutputRecord {
    let manager = control_state.mcp.manager();
    if !enabled {
        return match manager.disable(server) {
            Ok(()) => control::success(id, json!({})),
            Err(error) => control::failure(id, error.to_string()),
        };
    }
    match control_state
        .servers
        .iter()
        .find(|configured| configured.name == server)
    {
        Some(configured) => {
            manager.add_server(configured.clone());
            control::success(id, json!({}))
        }
        None => control::failure(id, format!("no MCP server named `{server}` is configured")),
    }
}

/// The status list, sorted by name.
fn status(control_state: &McpControl) -> Vec<Value> {
    let manager = control_state.mcp.manager();
    let tools = manager.tools();
    manager
        .status()
        .into_iter()
        .map(|status| {
            let mut entry = json!({
                "name": status.name,
                "status": status.phase.as_str(),
                "scope": status.scope.as_str(),
                "transport": status.transport,
                "restarts": status.restarts,
            });
            match status.phase {
                ServerPhase::Connected => {
                    let names: Vec<Value> = tools
                        .iter()
                        .filter(|tool| tool.server == status.name)
                        .map(|tool| json!({"name": tool.tool}))
                        .collect();
                    entry["tools"] = Value::Array(names);
                }
                _ => {
                    if let Some(detail) = status.detail {
                        entry["error"] = Value::String(detail);
                    }
                }
            }
            entry
        })
        .collect()
}

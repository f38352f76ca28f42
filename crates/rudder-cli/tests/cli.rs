//! Behaviour of the `rudder` binary and the workspace rules it ships under.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "cli/agent_sdk.rs"]
mod agent_sdk;
#[path = "cli/approvals.rs"]
mod approvals;
#[path = "cli/background_agents.rs"]
mod background_agents;
#[path = "cli/commands.rs"]
mod commands;
#[path = "cli/doctor.rs"]
mod doctor;
#[path = "cli/e2e.rs"]
mod e2e;
#[path = "cli/fallback.rs"]
mod fallback;
#[path = "cli/faults.rs"]
mod faults;
#[path = "cli/hook_support.rs"]
mod hook_support;
#[path = "cli/hooks_session.rs"]
mod hooks_session;
#[path = "cli/hooks_tools.rs"]
mod hooks_tools;
#[path = "cli/key_helper.rs"]
mod key_helper;
#[path = "cli/layering.rs"]
mod layering;
#[path = "cli/mcp_agent.rs"]
mod mcp_agent;
#[path = "cli/mcp_cmd.rs"]
mod mcp_cmd;
#[path = "cli/mcp_ending.rs"]
mod mcp_ending;
#[path = "cli/mcp_flow.rs"]
mod mcp_flow;
#[path = "cli/mcp_support.rs"]
mod mcp_support;
#[path = "cli/openai.rs"]
mod openai;
#[path = "cli/permission_updates.rs"]
mod permission_updates;
#[path = "cli/proxy.rs"]
mod proxy;
#[path = "cli/read_deny.rs"]
mod read_deny;
#[path = "cli/rewind_files.rs"]
mod rewind_files;
#[path = "cli/sandbox.rs"]
mod sandbox;
#[path = "cli/sandbox_escape.rs"]
mod sandbox_escape;
#[path = "cli/sdk_driver.rs"]
mod sdk_driver;
#[path = "cli/sessions.rs"]
mod sessions;
#[path = "cli/subagents.rs"]
mod subagents;
#[path = "cli/support.rs"]
mod support;
#[path = "cli/tmux_support.rs"]
mod tmux_support;
#[path = "cli/trust_gate.rs"]
mod trust_gate;
#[path = "cli/tui.rs"]
mod tui;
#[path = "cli/tui_clipboard.rs"]
mod tui_clipboard;
#[path = "cli/tui_mcp.rs"]
mod tui_mcp;
#[path = "cli/tui_pickers.rs"]
mod tui_pickers;

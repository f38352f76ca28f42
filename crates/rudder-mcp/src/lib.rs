//! rudder's MCP client and server, with supervised, bounded server processes.
//!
//! Contract: the Model Context Protocol through the official Rust SDK
//! `rmcp` 3.11 (legacy `initialize` lifecycle; rmcp negotiates revisions
//! 2024-11-05 … 2025-11-25 with the peer; message shapes as in spec
//! 2025-06-18), wrapped so rmcp types never leave this crate; Claude Code's
//! MCP behaviour (CLAUDE-CODE-INTERFACE.md §6, §4.3); issue 7.
//!
//! Map:
//! - [`config`]: `.mcp.json` / user / local / `--mcp-config` loading, scope
//!   precedence, project approval, and `mcp add|add-json|remove` edits;
//!   [`expand`]: `${VAR}` / `${VAR:-default}`.
//! - [`McpManager`]: servers started concurrently in the background, one
//!   process group per distinct stdio spec, rlimits, restarts with backoff,
//!   bounded shutdown; [`reaper`]: PID records and the start-up reaper.
//! - [`McpTool`] snapshots (`mcp__<server>__<tool>`, sorted, verbatim
//!   schemas), [`McpManager::call_tool`] with timeout, cancellation and the
//!   output cap ([`output`]); resources and prompts; [`search`]: deferral
//!   decision and keyword search for a tool-search tool.
//! - Transports: stdio and streamable HTTP through rmcp; the legacy
//!   HTTP+SSE transport of spec 2024-11-05 (`"type": "sse"`), which rmcp
//!   lacks, in the private `sse` module, plugged into rmcp as a transport.
//! - [`serve`]: `rudder mcp serve` over stdio.
//!
//! Depends on `rudder-protocol` only among rudder crates. Never prints.
//!
//! Usage sketch (the agent):
//! ```no_run
//! # async fn demo(loaded: rudder_mcp::config::load::LoadedConfig) -> Result<(), rudder_mcp::McpError> {
//! use rudder_mcp::{McpManager, McpOptions};
//! let options = McpOptions::new("session-id", "/project".into(), "/tmp/spill".into())
//!     .with_env(&|name| std::env::var(name).ok());
//! let manager = McpManager::start(loaded.servers, options)?; // returns at once
//! let tools = manager.tools(); // snapshot for the request frame; never waits
//! let cancel = tokio_util::sync::CancellationToken::new();
//! let result = manager
//!     .call_tool("mcp__fs__read_file", serde_json::json!({"path": "a"}), &cancel)
//!     .await?;
//! manager.shutdown().await; // bounded; drop also kills every server
//! # let _ = (tools, result); Ok(()) }
//! ```

mod client;
pub mod config;
mod content;
pub mod error;
pub mod expand;
pub mod naming;
pub mod options;
pub mod output;
pub mod process;
pub mod reaper;
pub mod search;
pub mod serve;
mod sse;
mod supervisor;
pub mod tools;

pub use error::{ConfigError, McpError};
pub use options::McpOptions;
pub use process::spawn::ResourceLimits;
pub use serve::{ServeHandler, serve_io, serve_stdio};
pub use supervisor::{
    McpManager, McpPrompt, McpPromptArgument, McpPromptMessage, McpPromptResult, McpResource,
    ServerPhase, ServerStatus, parse_resource_mention,
};
pub use tools::{McpTool, McpToolResult};

//! The errors this crate returns.
//!
//! Owns [`McpError`] (runtime: connecting, calling, shutting down) and
//! [`ConfigError`] (reading and editing MCP configuration). Messages say what
//! failed, on what input, and what to do. No rmcp type appears here, so rmcp's
//! churn never reaches callers.

use std::path::PathBuf;

/// A failure at run time: an unknown tool, a server that is not connected, a
/// timeout, a cancelled call, or an error the server or transport reported.
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    /// No connected server exposes a tool with this qualified name
    /// (`mcp__<server>__<tool>`).
    #[error("unknown MCP tool `{0}` (no connected server exposes it)")]
    UnknownTool(String),
    /// No server with this name is configured.
    #[error("unknown MCP server `{0}`")]
    UnknownServer(String),
    /// The server exists but is not connected; `status` is its current status
    /// (`pending`, `failed`, `needs-auth`, `disabled`) and `detail` the reason.
    #[error("MCP server `{server}` is {status}{}", detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    NotConnected {
        /// Server name.
        server: String,
        /// Status string as in `system/init.mcp_servers`.
        status: String,
        /// Error text or reason, if any.
        detail: Option<String>,
    },
    /// The request did not finish in time (`MCP_TOOL_TIMEOUT` for tool calls).
    #[error("MCP server `{server}`: `{what}` timed out after {timeout_ms} ms")]
    Timeout {
        /// Server name.
        server: String,
        /// What was asked, e.g. `tools/call echo`.
        what: String,
        /// The limit that was hit, in milliseconds.
        timeout_ms: u64,
    },
    /// The caller cancelled the request; `notifications/cancelled` was sent.
    #[error("MCP request `{what}` to server `{server}` was cancelled")]
    Cancelled {
        /// Server name.
        server: String,
        /// What was asked.
        what: String,
    },
    /// The server answered with a JSON-RPC error.
    #[error("MCP server `{server}` returned error {code}: {message}")]
    Server {
        /// Server name.
        server: String,
        /// JSON-RPC error code.
        code: i32,
        /// The server's message.
        message: String,
    },
    /// The connection failed or the server sent something unusable.
    #[error("MCP server `{server}`: {message}")]
    Transport {
        /// Server name.
        server: String,
        /// What went wrong, from the transport.
        message: String,
    },
    /// Writing an oversize tool result to its spill file failed.
    #[error("cannot write oversize MCP output to {path}: {source}")]
    Spill {
        /// The file that could not be written.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A manager or server was started outside a tokio runtime.
    #[error("rudder-mcp needs a running tokio runtime: {0}")]
    NoRuntime(String),
    /// Serving over stdio failed (`rudder mcp serve`).
    #[error("MCP serve failed: {0}")]
    Serve(String),
}

/// A failure reading or editing MCP configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file or `--mcp-config` value is not the expected JSON.
    #[error("{origin}: invalid MCP configuration: {message}")]
    Invalid {
        /// File path or `--mcp-config #<n>`.
        origin: String,
        /// What is wrong, with the JSON position when known.
        message: String,
    },
    /// `rudder mcp add` arguments are inconsistent (e.g. `-e` on an HTTP server).
    #[error("{0}")]
    Usage(String),
    /// `add` found the name already present in that scope.
    #[error("MCP server `{name}` already exists in {scope} config ({path})")]
    Exists {
        /// Server name.
        name: String,
        /// Scope name: `local`, `project` or `user`.
        scope: String,
        /// The file edited.
        path: PathBuf,
    },
    /// `remove` did not find the name in that scope.
    #[error("no MCP server named `{name}` in {scope} config ({path})")]
    NotFound {
        /// Server name.
        name: String,
        /// Scope name.
        scope: String,
        /// The file looked at.
        path: PathBuf,
    },
}

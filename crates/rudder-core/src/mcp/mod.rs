//! The session's MCP side: which MCP tools the model sees, how tools that
//! appear later reach it without touching the cached prefix, and how calls
//! run. The servers themselves are `rudder-mcp`'s [`McpManager`].
//!
//! Design (docs/mcp.md; ARCHITECTURE.md "Cache-exact prefixes"; issue 7):
//! - **The tools block is frozen.** A session with MCP servers gets four
//!   fixed tools from its start ([`meta`]: `CallMcpTool`,
//!   `ListMcpResourcesTool`, `ReadMcpResourceTool`, `ToolSearch`, with
//!   static descriptions). At the first request of a new session,
//!   [`McpSession::freeze`] adds the tools of the servers connected by then,
//!   sorted — or none of them when their schemas would take more than the
//!   defer share of the context window (default 10 %). It never waits for a
//!   server. The frame is written to the transcript, so a resumed session
//!   sends the same tools.
//! - **Late tools are announced, not inserted.** Tools outside the frame (a
//!   server that connected after the freeze, a reconnect with new tools,
//!   deferred schemas) are named in a system reminder appended to the next
//!   user message ([`McpSession::take_note`]): after the last breakpoint,
//!   and frozen into the transcript with that message. `ToolSearch` shows
//!   their schemas; `CallMcpTool` (or the plain `mcp__…` name) calls them.
//! - **One path for every call.** A call to an MCP tool — listed, named
//!   through `CallMcpTool`, or called by name — is judged by the session's
//!   permission gate under its `mcp__<server>__<tool>` name and runs through
//!   the same executor as built-in tools (output cap, spill, errors as
//!   `is_error` results).
//!
//! Never prints; never blocks a request on a server the model did not ask
//! for (only `ToolSearch`, resource tools, calls, `@` mentions and prompt
//! commands wait, each bounded by [`McpSettings::wait`]).

mod call;
pub mod meta;
mod notes;
pub mod prompt;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rudder_mcp::naming::normalize;
use rudder_mcp::search::{DEFAULT_DEFER_SHARE, schema_bytes, should_defer};
use rudder_mcp::{McpManager, McpTool, ServerPhase};
use rudder_protocol::ToolDefinition;
use rudder_tools::Tool;
use tokio::time::Instant;

use crate::permissions::PermissionGate;

pub use call::unwrap_proxy_call;
pub use notes::Told;

/// Knobs of the MCP side of a session.
#[derive(Debug, Clone, PartialEq)]
pub struct McpSettings {
    /// Share of the context window (0.0–1.0) the MCP tool schemas may take
    /// in the frozen tools block before they are deferred behind
    /// `ToolSearch`; `RUDDER_MCP_DEFER_SHARE` in percent, default 10 %.
    pub defer_share: f64,
    /// Longest a call, a search, a resource read, a mention or a prompt
    /// command waits for a server that is still starting; default 30 s
    /// (`MCP_TIMEOUT`, plus a second for the handshake to be reported).
    pub wait: Duration,
}

impl Default for McpSettings {
    fn default() -> Self {
        Self {
            defer_share: DEFAULT_DEFER_SHARE,
            wait: Duration::from_secs(31),
        }
    }
}

impl McpSettings {
    /// Defaults adjusted by `RUDDER_MCP_DEFER_SHARE` (percent, 0–100; `0`
    /// defers every MCP tool, `100` lists them whenever they fit the window)
    /// and `MCP_TIMEOUT` (ms), read through `lookup`. Unparseable values are
    /// ignored with a warning.
    pub fn from_env(lookup: &dyn Fn(&str) -> Option<String>) -> Self {
        let mut settings = Self::default();
        if let Some(text) = lookup("RUDDER_MCP_DEFER_SHARE") {
            match text.trim().parse::<f64>() {
                Ok(percent) if (0.0..=100.0).contains(&percent) => {
                    settings.defer_share = percent / 100.0;
                }
                _ => tracing::warn!("ignoring RUDDER_MCP_DEFER_SHARE={text}: not a percentage"),
            }
        }
        if let Some(ms) = lookup("MCP_TIMEOUT").and_then(|text| text.trim().parse::<u64>().ok())
            && ms > 0
        {
            settings.wait = Duration::from_millis(ms) + Duration::from_secs(1);
        }
        settings
    }
}

struct Inner {
    manager: Arc<McpManager>,
    gate: Arc<dyn PermissionGate>,
    settings: McpSettings,
}

/// The MCP servers of one session as the agent uses them. Cheap to clone
/// (shared state).
#[derive(Clone)]
pub struct McpSession {
    inner: Arc<Inner>,
}

impl McpSession {
    /// Wraps the session's running `manager`. `gate` hides the tools that a
    /// bare-name deny rule removes (e.g. `--disallowedTools mcp__github`)
    /// from the frame, from notes and from `ToolSearch`.
    pub fn new(
        manager: Arc<McpManager>,
        gate: Arc<dyn PermissionGate>,
        settings: McpSettings,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                manager,
                gate,
                settings,
            }),
        }
    }

    /// The manager (statuses, reconnects, shutdown).
    pub fn manager(&self) -> &Arc<McpManager> {
        &self.inner.manager
    }

    /// Ends every server (bounded; see [`McpManager::shutdown`]).
    pub async fn shutdown(&self) {
        self.inner.manager.shutdown().await;
    }

    /// The definitions of the fixed MCP tools for the frame, sorted by name,
    /// minus those a bare-name deny rule removes.
    pub fn meta_definitions(&self) -> Vec<ToolDefinition> {
        meta::definitions()
            .into_iter()
            .filter(|tool| !self.inner.gate.removes_tool(&tool.name))
            .collect()
    }

    /// Freezes the MCP part of a new session's tools block at its first
    /// request: the definitions of every tool of the servers connected now
    /// (sorted by name), or none when their schemas exceed the defer share
    /// of `context_window_tokens` (they are then announced as deferred by
    /// the next note). Records in `told` (the session's own) what the model
    /// now knows. Never waits.
    pub fn freeze(&self, told: &mut Told, context_window_tokens: u64) -> Vec<ToolDefinition> {
        let tools = self.visible_tools();
        let window = usize::try_from(context_window_tokens).unwrap_or(usize::MAX);
        if should_defer(
            schema_bytes(&tools),
            window,
            self.inner.settings.defer_share,
        ) {
            told.defer(schema_bytes(&tools), self.inner.settings.defer_share);
            return Vec::new();
        }
        told.know(tools.iter().map(|tool| tool.definition.name.clone()));
        tools.into_iter().map(|tool| tool.definition).collect()
    }

    /// What the model of the session whose record is `told` has not been
    /// told yet: new tools outside the frame, servers still connecting,
    /// servers that failed. `None` when nothing changed. The text goes into
    /// a system reminder at the end of the next user message.
    pub fn take_note(&self, told: &mut Told) -> Option<String> {
        let statuses = self.inner.manager.status();
        let tools = self.visible_tools();
        told.compose(&statuses, &tools)
    }

    /// A tool object for `name` when it is one of the fixed MCP tools or an
    /// `mcp__<server>__…` name of a configured server, not removed by a deny
    /// rule; `None` otherwise. A tool of a server that is not connected
    /// still resolves: its call waits for the server, then says what is
    /// wrong.
    pub fn tool(&self, name: &str) -> Option<Arc<dyn Tool>> {
        if self.inner.gate.removes_tool(name) {
            return None;
        }
        if let Some(kind) = meta::MetaKind::from_name(name) {
            return Some(Arc::new(meta::MetaTool::new(kind, self.clone())));
        }
        if !name.starts_with("mcp__") || self.server_of(name).is_none() {
            return None;
        }
        let read_only = self
            .inner
            .manager
            .tools()
            .iter()
            .any(|tool| tool.definition.name == name && tool.read_only);
        Some(Arc::new(call::McpToolHandle::new(
            name.to_owned(),
            read_only,
            self.clone(),
        )))
    }

    /// Calls the MCP tool `qualified` with `arguments`, first waiting
    /// (bounded by [`McpSettings::wait`]) for its server when it is still
    /// starting. No permission check: callers judge the call first (the
    /// agent's executor, or a permission-prompt tool the user named).
    /// Errors: as [`McpManager::call_tool`].
    pub async fn call_tool(
        &self,
        qualified: &str,
        arguments: serde_json::Value,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<rudder_mcp::McpToolResult, rudder_mcp::McpError> {
        let manager = self.manager();
        let live = manager
            .tools()
            .iter()
            .any(|tool| tool.definition.name == qualified);
        if !live && let Some(server) = self.server_of(qualified) {
            tokio::select! {
                () = self.wait_for(&server) => {}
                () = cancel.cancelled() => {}
            }
        }
        manager.call_tool(qualified, arguments, cancel).await
    }

    /// Whether `qualified` names a tool of a configured server (connected or
    /// not).
    pub fn has_server_for(&self, qualified: &str) -> bool {
        self.server_of(qualified).is_some()
    }

    /// Connected tools minus those a bare-name deny rule removes, sorted.
    fn visible_tools(&self) -> Vec<McpTool> {
        self.inner
            .manager
            .tools()
            .into_iter()
            .filter(|tool| !self.inner.gate.removes_tool(&tool.definition.name))
            .collect()
    }

    /// The configured server a qualified tool name belongs to (the longest
    /// `mcp__<server>__` prefix that matches).
    fn server_of(&self, qualified: &str) -> Option<String> {
        self.inner
            .manager
            .status()
            .into_iter()
            .map(|status| status.name)
            .filter(|server| qualified.starts_with(&format!("mcp__{}__", normalize(server))))
            .max_by_key(String::len)
    }

    /// Waits (bounded by [`McpSettings::wait`]) until `server` is no longer
    /// starting. Unknown servers return at once.
    async fn wait_for(&self, server: &str) {
        let deadline = Instant::now() + self.inner.settings.wait;
        let _ = self.inner.manager.wait_for(server, deadline).await;
    }

    /// Waits (bounded) until no server is starting.
    async fn wait_all(&self) {
        let deadline = Instant::now() + self.inner.settings.wait;
        let _ = self.inner.manager.wait_all(deadline).await;
    }

    /// Every server that is not connected, with its status and why
    /// (`pending: starting`, `failed: …`), by name.
    fn unavailable(&self) -> BTreeMap<String, String> {
        self.inner
            .manager
            .status()
            .into_iter()
            .filter(|status| status.phase != ServerPhase::Connected)
            .map(|status| {
                let why = match status.detail {
                    Some(detail) => format!("{}: {detail}", status.phase.as_str()),
                    None => status.phase.as_str().to_owned(),
                };
                (status.name, why)
            })
            .collect()
    }
}

//! The `Tool` trait every built-in tool implements, and what a tool is given
//! when it runs.
//!
//! A tool is a name, a static description, a frozen JSON Schema, a
//! read-only flag and an `execute` function. Tools never decide permissions
//! (the agent asks `rudder-policy` before calling `execute`) and never print.

use std::path::PathBuf;
use std::sync::Arc;

use futures::future::BoxFuture;
use rudder_protocol::{AssistantMessage, ToolResultContent};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::state::SessionToolState;
use crate::walk::WalkFilter;

/// What a tool call produced.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    /// The `tool_result` content sent to the model.
    pub content: ToolResultContent,
    /// True when the call failed; `content` says why and what to do.
    pub is_error: bool,
    /// Structured result for stream-json `tool_use_result` and PostToolUse
    /// hooks (e.g. Bash `{stdout, stderr, interrupted, isImage}`), when the
    /// tool has one.
    pub structured: Option<Value>,
}

impl ToolOutput {
    /// A successful text result.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            content: ToolResultContent::Text(text.into()),
            is_error: false,
            structured: None,
        }
    }

    /// A failed call; `message` tells the model what went wrong and what to do.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            content: ToolResultContent::Text(message.into()),
            is_error: true,
            structured: None,
        }
    }

    /// Adds the structured result.
    pub fn with_structured(mut self, structured: Value) -> Self {
        self.structured = Some(structured);
        self
    }
}

/// Limits a tool call must respect. Defaults follow Claude Code
/// (CLAUDE-CODE-INTERFACE.md §2.2, §4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolLimits {
    /// Bash timeout when the call gives none, ms (`BASH_DEFAULT_TIMEOUT_MS`, 120 000).
    pub bash_default_timeout_ms: u64,
    /// Largest Bash timeout a call may ask for, ms (`BASH_MAX_TIMEOUT_MS`, 600 000).
    pub bash_max_timeout_ms: u64,
    /// Bash output kept inline, in characters (`BASH_MAX_OUTPUT_LENGTH`, 30 000).
    pub bash_max_output_chars: usize,
    /// Largest tool result placed in a request, in bytes; the rest is
    /// written to a file and replaced by a head/tail preview.
    pub max_result_bytes: usize,
    /// Read tool: approximate token cap of one result (bytes / 4 estimate).
    pub read_max_tokens: usize,
}

impl Default for ToolLimits {
    fn default() -> Self {
        Self {
            bash_default_timeout_ms: 120_000,
            bash_max_timeout_ms: 600_000,
            bash_max_output_chars: 30_000,
            max_result_bytes: 100_000,
            read_max_tokens: 25_000,
        }
    }
}

/// A one-shot model request made on a tool's behalf (WebFetch applying its
/// `prompt`, WebSearch running the API's server-side search). The agent
/// answers it, so the call is logged in the transcript with its purpose and
/// its usage counted like every other model call.
#[derive(Debug, Clone, PartialEq)]
pub struct SideRequest {
    /// Purpose tag recorded with the call, e.g. `web-fetch`, `web-search`.
    pub purpose: String,
    /// System prompt text.
    pub system: String,
    /// The user message text.
    pub prompt: String,
    /// Server tools to offer, e.g. `{"type":"web_search_20250305","name":"web_search",…}`.
    pub server_tools: Vec<Value>,
    /// Use the small, fast model rather than the session model.
    pub small_model: bool,
}

/// Model access for tools; implemented by the agent.
pub trait SideQuery: Send + Sync {
    /// Runs `request` to completion. Returns the assistant message, or a
    /// message saying why the call failed.
    fn query<'a>(&'a self, request: SideRequest)
    -> BoxFuture<'a, Result<AssistantMessage, String>>;
}

/// Everything a tool call may use.
#[derive(Clone)]
pub struct ToolContext {
    /// The session's project directory (absolute, canonical).
    pub project_dir: PathBuf,
    /// Directory where oversized outputs are written (created on demand).
    pub spill_dir: PathBuf,
    /// State shared by the tool calls of one session.
    pub state: Arc<SessionToolState>,
    /// Cancelled when the user interrupts or the session ends.
    pub cancel: CancellationToken,
    /// The `tool_use` id of this call.
    pub tool_use_id: String,
    /// Limits in force.
    pub limits: ToolLimits,
    /// Small-model access for tools that need it.
    pub side_query: Option<Arc<dyn SideQuery>>,
    /// Extra environment for child processes (settings `env`, `CLAUDE_PROJECT_DIR`, …).
    pub env: Vec<(String, String)>,
    /// When set, Bash runs its shell under this argv prefix (e.g. a
    /// `bwrap … --` sandbox invocation built by the policy for this call).
    pub sandbox_prefix: Option<Vec<String>>,
    /// What directory walks (Grep, Glob, LS) must leave out: the policy's
    /// `Read(...)` deny rules (CLAUDE-CODE-INTERFACE.md §3.2). `None`
    /// hides nothing.
    pub walk_filter: Option<Arc<dyn WalkFilter>>,
}

/// A built-in tool.
pub trait Tool: Send + Sync {
    /// The API name, e.g. `Read`; also the name in permission rules and hook matchers.
    fn name(&self) -> &str;

    /// Static description sent to the model. Must not depend on time,
    /// machine, directory or session: it sits in the cached prefix.
    fn description(&self) -> &str;

    /// JSON Schema of the input, frozen (the same bytes every call).
    fn input_schema(&self) -> Value;

    /// Whether the tool never changes anything outside the session
    /// (read-only calls of one message run concurrently).
    fn is_read_only(&self) -> bool;

    /// Runs the call. Input that does not fit the schema and every failure
    /// come back as [`ToolOutput::error`], never as a panic.
    fn execute<'a>(&'a self, input: Value, ctx: &'a ToolContext) -> BoxFuture<'a, ToolOutput>;
}

//! What the agent reports to its front ends while it works.
//!
//! `rudder-core` never prints: it sends [`AgentEvent`]s, and each front end
//! (headless printers, the TUI) renders them. Every event that describes a
//! transcript change is sent after the record is on disk.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::hook::{HookRunFinished, HookRunStarted};
use crate::message::{AssistantMessage, Message};
use crate::permission::{ApprovalRequest, PermissionMode};
use crate::stream::StreamEvent;
use crate::usage::Usage;

/// What a session announces once it is ready (the stream-json `system/init`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Session id (a UUID).
    pub session_id: String,
    /// Working directory (absolute).
    pub cwd: String,
    /// Model id requests are sent with.
    pub model: String,
    /// Tool names offered to the model, in request order.
    pub tools: Vec<String>,
    /// Permission mode in force.
    pub permission_mode: PermissionMode,
    /// MCP servers and their status (`connected`, `pending`, `failed`, …).
    pub mcp_servers: Vec<McpServerStatus>,
    /// Slash commands a prompt may start with.
    pub slash_commands: Vec<String>,
    /// Subagent types available to the Task tool.
    pub agents: Vec<String>,
    /// Skills listed to the model.
    pub skills: Vec<String>,
    /// Where the API key came from: `ANTHROPIC_API_KEY`, `apiKeyHelper`, `none`, …
    pub api_key_source: String,
    /// Output style name.
    pub output_style: String,
    /// Path of the transcript file.
    pub transcript_path: String,
}

/// One MCP server's state as shown in `system/init` and `/mcp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpServerStatus {
    /// Server name from the configuration.
    pub name: String,
    /// `pending`, `connected`, `failed`, `needs-auth` or `disabled`.
    pub status: String,
}

/// Per-model totals, as the result record's `modelUsage` (camelCase on the wire).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelUsage {
    /// Uncached input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Cache-read input tokens.
    pub cache_read_input_tokens: u64,
    /// Cache-write input tokens.
    pub cache_creation_input_tokens: u64,
    /// Server-side web searches.
    pub web_search_requests: u64,
    /// Cost in US dollars.
    #[serde(rename = "costUSD")]
    pub cost_usd: f64,
    /// Context window of the model in tokens.
    pub context_window: u64,
}

/// A tool call the permission policy or the user refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermissionDenial {
    /// Tool name.
    pub tool_name: String,
    /// The call's `tool_use` id.
    pub tool_use_id: String,
    /// The call's input.
    pub tool_input: Value,
}

/// How a turn (one user prompt and all the model requests it caused) ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TurnStop {
    /// The model ended its turn.
    Completed,
    /// `--max-turns` was reached.
    MaxTurns {
        /// The limit.
        limit: u32,
    },
    /// `--max-budget-usd` was reached.
    MaxBudget {
        /// The limit in US dollars.
        limit_usd: f64,
    },
    /// The user or the caller interrupted.
    Interrupted,
    /// The model API failed and retries did not help.
    ApiError {
        /// The API's own message (or the transport's).
        message: String,
        /// HTTP status, when there was one.
        status: Option<u16>,
    },
    /// The model refused (`stop_reason: refusal`).
    Refusal,
    /// The output hit `max_tokens` and could not continue.
    MaxTokens,
    /// A denied tool call stopped the task (deny with interrupt, or a hook).
    Denied {
        /// Why.
        message: String,
    },
    /// Something else failed (transcript I/O, a hook stopping the run).
    Failed {
        /// What failed.
        message: String,
    },
}

impl TurnStop {
    /// Whether the task completed.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Completed)
    }
}

/// The summary of a finished turn, enough for the headless `result` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnOutcome {
    /// Why the turn ended.
    pub stop: TurnStop,
    /// Final assistant text of the turn.
    pub result_text: String,
    /// Model requests made for this turn's agentic steps.
    pub num_turns: u32,
    /// Wall time of the turn in milliseconds.
    pub duration_ms: u64,
    /// Time spent waiting on the model API in milliseconds.
    pub duration_api_ms: u64,
    /// Usage summed over every model call of the session so far.
    pub usage: Usage,
    /// Per-model totals of the session so far.
    pub model_usage: BTreeMap<String, ModelUsage>,
    /// Total cost of the session so far in US dollars.
    pub total_cost_usd: f64,
    /// Calls refused during the session.
    pub permission_denials: Vec<PermissionDenial>,
    /// The last `stop_reason` the model gave, if any.
    pub stop_reason: Option<String>,
}

/// Severity of a [`AgentEvent::Notice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeLevel {
    /// Information.
    Info,
    /// Something degraded but the run goes on.
    Warning,
    /// Something failed.
    Error,
}

/// Where a cache miss was found (see `cache` module).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheMiss {
    /// Tokens the previous request made cacheable.
    pub expected_read_tokens: u64,
    /// Tokens the API reported reading from cache.
    pub actual_read_tokens: u64,
    /// First differing byte offset in cache order, if the prefix changed.
    pub first_difference: Option<usize>,
    /// Which part changed: `system[1]`, `tools[3]`, `messages[4].content[0]`, …
    pub changed_part: Option<String>,
}

/// Everything the agent reports. Serialized only for logs and tests; front
/// ends map it to their own output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentEvent {
    /// The session is ready.
    SessionReady(SessionInfo),
    /// A raw model stream event (text, thinking and tool-input deltas).
    Stream {
        /// The event.
        event: StreamEvent,
        /// The Task tool call this comes from, for subagent output.
        parent_tool_use_id: Option<String>,
    },
    /// A user message (prompt or tool results) was appended to the transcript.
    UserMessage {
        /// Transcript record uuid.
        uuid: String,
        /// The message as sent to the model.
        message: Message,
        /// Structured tool output (`tool_use_result`) when the message holds
        /// exactly one tool result.
        tool_use_result: Option<Value>,
        /// The Task tool call this comes from, for subagent messages.
        parent_tool_use_id: Option<String>,
    },
    /// A complete assistant message was appended to the transcript.
    AssistantMessage {
        /// Transcript record uuid.
        uuid: String,
        /// The message.
        message: AssistantMessage,
        /// The Task tool call this comes from, for subagent messages.
        parent_tool_use_id: Option<String>,
    },
    /// A tool call passed the policy and starts running.
    ToolStarted {
        /// The call's id.
        tool_use_id: String,
        /// Tool name.
        name: String,
        /// Input it runs with (after any hook rewrite).
        input: Value,
    },
    /// A tool call ended (its result is in the next `UserMessage`).
    ToolFinished {
        /// The call's id.
        tool_use_id: String,
        /// Tool name.
        name: String,
        /// Whether it failed.
        is_error: bool,
        /// Run time in milliseconds.
        duration_ms: u64,
    },
    /// A call needs approval; the answer comes through the session's prompter.
    ApprovalRequested(ApprovalRequest),
    /// A call was refused.
    PermissionDenied(PermissionDenial),
    /// A model request failed and will be retried after `delay_ms`.
    ApiRetry {
        /// 1 for the first retry.
        attempt: u32,
        /// Retries allowed in all.
        max_retries: u32,
        /// Wait before the retry in milliseconds.
        delay_ms: u64,
        /// What failed.
        error: String,
        /// HTTP status, when there was one.
        status: Option<u16>,
    },
    /// The request goes to a fallback model from now on.
    ModelFallback {
        /// The model that failed.
        from: String,
        /// The model used instead.
        to: String,
        /// Why.
        reason: String,
    },
    /// Context was compacted or trimmed.
    CompactBoundary {
        /// `manual` or `auto`.
        trigger: String,
        /// Context tokens before.
        pre_tokens: u64,
    },
    /// The prompt cache missed although the prefix should have matched.
    CacheMiss(CacheMiss),
    /// The todo list changed (TodoWrite).
    TodosUpdated {
        /// The whole list.
        todos: Value,
    },
    /// A hook command started (see [`crate::hook`]).
    HookStarted(HookRunStarted),
    /// A hook command finished; its effects are in the events that follow.
    HookFinished(HookRunFinished),
    /// A message for the person, not the model.
    Notice {
        /// Severity.
        level: NoticeLevel,
        /// Text.
        message: String,
    },
    /// The turn ended.
    TurnEnded(TurnOutcome),
}

//! Hook runs as front ends see them: one [`HookRunStarted`] when a hook
//! command starts and one [`HookRunFinished`] when it is done, carried by
//! [`crate::AgentEvent::HookStarted`] / [`crate::AgentEvent::HookFinished`].
//!
//! Contract: the Agent SDK's `system/hook_started` and
//! `system/hook_response` messages (`hook_id`, `hook_name` such as
//! `PreToolUse:Bash`, `hook_event`, `stdout`, `stderr`, `exit_code`,
//! `outcome`: `success` | `error` | `cancelled`), which headless output
//! prints under `--include-hook-events` (CLAUDE-CODE-INTERFACE.md §10.1).
//! Plain data.

use serde::{Deserialize, Serialize};

/// A hook command started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookRunStarted {
    /// Id shared with the matching [`HookRunFinished`].
    pub hook_id: String,
    /// `<Event>` or `<Event>:<subject>`, e.g. `PreToolUse:Bash`,
    /// `SessionStart:startup`, `Stop`.
    pub hook_name: String,
    /// The event's wire name, e.g. `PreToolUse`.
    pub hook_event: String,
    /// The shell command as configured.
    pub command: String,
}

/// How a hook run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HookRunOutcome {
    /// Exit 0.
    Success,
    /// Another exit code, a timeout, or the command could not start.
    Error,
    /// Killed because the turn was interrupted.
    Cancelled,
}

/// A hook command finished (or was killed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookRunFinished {
    /// Id shared with the matching [`HookRunStarted`].
    pub hook_id: String,
    /// As in [`HookRunStarted::hook_name`].
    pub hook_name: String,
    /// The event's wire name.
    pub hook_event: String,
    /// The shell command as configured.
    pub command: String,
    /// The exit code; `None` when the hook timed out, was killed by a
    /// signal, or could not start.
    pub exit_code: Option<i32>,
    /// How it ended.
    pub outcome: HookRunOutcome,
    /// True when it was killed for running past its timeout.
    pub timed_out: bool,
    /// Captured stdout (lossy UTF-8, capped); empty when the hook asked
    /// for `suppressOutput`.
    pub stdout: String,
    /// Captured stderr (lossy UTF-8, capped).
    pub stderr: String,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// What the run did to the session, in words (`blocked: …`, `added
    /// context`, `rewrote the tool input`, …); `None` when it decided
    /// nothing.
    pub effect: Option<String>,
}

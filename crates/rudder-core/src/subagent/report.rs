//! How a subagent ended, as its parent sees it: the Task call's result
//! text and its structured form (`tool_use_result`: `status`, `agentId`,
//! `agentType`, `totalTokens`, `totalToolUseCount`, `totalDurationMs`,
//! `usage`, `transcriptPath`), the same for a subagent run in the
//! foreground and one run in the background.
//!
//! A subagent that did not complete passes back what it wrote so far (the
//! newest [`MAX_PARTIAL_CHARS`] characters), followed by a note saying what
//! stopped it. Reads the finished child session only; never writes.

use std::time::Instant;

use rudder_protocol::event::{TurnOutcome, TurnStop};
use rudder_protocol::{Role, Usage};
use rudder_tools::ToolOutput;
use serde_json::{Value, json};

use crate::session::Session;

/// Most characters of a stopped subagent's partial text passed back (its
/// newest part is kept).
const MAX_PARTIAL_CHARS: usize = 20_000;

/// What a Task call that ran was about, for its result.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TaskFacts<'a> {
    /// The call's `description`.
    pub description: &'a str,
    /// The call's `prompt`.
    pub prompt: &'a str,
    /// The subagent type that ran.
    pub agent_type: &'a str,
    /// When the subagent was started.
    pub started: Instant,
}

/// A finished subagent's result.
#[derive(Debug, Clone)]
pub(crate) struct Finished {
    /// `completed`, `stopped`, `killed`, `interrupted` or `failed`.
    pub status: &'static str,
    /// The result text.
    pub text: String,
    /// Whether the result is an error.
    pub is_error: bool,
    /// The structured result (`tool_use_result`).
    pub structured: Value,
}

impl Finished {
    /// The Task call's output: the text, flagged as an error when it is
    /// one, with the structured result.
    pub fn to_output(&self) -> ToolOutput {
        let output = if self.is_error {
            ToolOutput::error(self.text.clone())
        } else {
            ToolOutput::text(self.text.clone())
        };
        output.with_structured(self.structured.clone())
    }

    /// Appends `note` to the text (and to the structured `content`).
    pub fn append_note(&mut self, note: &str) {
        self.text.push_str(note);
        self.structured["content"] = json!([{"type": "text", "text": self.text}]);
    }

    /// A subagent whose runner ended without a result (it panicked).
    pub fn lost(agent_id: &str, facts: TaskFacts<'_>) -> Self {
        let text = "[rudder: the subagent ended unexpectedly without a result (an internal \
                    error). Do the work yourself.]"
            .to_owned();
        Self {
            status: "failed",
            structured: json!({
                "status": "failed",
                "agentId": agent_id,
                "agentType": facts.agent_type,
                "description": facts.description,
                "prompt": facts.prompt,
                "content": [{"type": "text", "text": text}],
            }),
            text,
            is_error: true,
        }
    }
}

/// The result of `child`, which ended with `outcome`. `killed_because`
/// says why the parent stopped it (TaskStop, the end of the turn or of the
/// session), when it did.
pub(crate) fn finish(
    child: &Session,
    outcome: &TurnOutcome,
    facts: TaskFacts<'_>,
    killed_because: Option<&str>,
) -> Finished {
    let report = Report::of(child, &outcome.stop, &outcome.result_text, killed_because);
    let transcript = child
        .log()
        .lock()
        .ok()
        .and_then(|log| log.transcript_path().map(|path| path.display().to_string()));
    let (usage, tool_uses) = totals(child);
    let agent_id = child
        .subagent_link()
        .map(|link| link.agent_id.clone())
        .unwrap_or_default();
    let structured = json!({
        "status": report.status,
        "agentId": agent_id,
        "agentType": facts.agent_type,
        "description": facts.description,
        "prompt": facts.prompt,
        "content": [{"type": "text", "text": report.text}],
        "totalDurationMs": u64::try_from(facts.started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "totalTokens": usage.total_input_tokens() + usage.output_tokens,
        "totalToolUseCount": tool_uses,
        "usage": usage,
        "transcriptPath": transcript,
    });
    Finished {
        status: report.status,
        text: report.text,
        is_error: report.is_error,
        structured,
    }
}

/// How the subagent ended, as the parent sees it.
struct Report {
    status: &'static str,
    text: String,
    is_error: bool,
}

impl Report {
    fn of(child: &Session, stop: &TurnStop, final_text: &str, killed: Option<&str>) -> Self {
        let stopped = child
            .subagent_link()
            .and_then(|link| link.stopped.get().cloned());
        let partial = partial_text(child);
        let with_note = |note: String| {
            let body = if partial.is_empty() {
                "(The subagent had not written anything yet.)".to_owned()
            } else {
                partial.clone()
            };
            format!(
                "{body}\n\n[rudder: {note}. The text above is its partial result; check it and \
                 finish the work yourself if needed.]"
            )
        };
        match (stop, stopped, killed) {
            (TurnStop::Completed, _, _) => Self {
                status: "completed",
                text: if final_text.trim().is_empty() {
                    "(The subagent ended without a final message.)".to_owned()
                } else {
                    final_text.to_owned()
                },
                is_error: false,
            },
            (_, Some(note), _) => Self {
                status: "stopped",
                text: with_note(note),
                is_error: false,
            },
            (TurnStop::Interrupted, None, Some(why)) => Self {
                status: "killed",
                text: with_note(format!("the subagent was stopped {why}")),
                is_error: false,
            },
            (TurnStop::MaxTurns { limit }, None, _) => Self {
                status: "stopped",
                text: with_note(format!(
                    "the subagent was stopped after {limit} turns, its type's maxTurns"
                )),
                is_error: false,
            },
            (TurnStop::Interrupted, None, None) => Self {
                status: "interrupted",
                text: with_note("the subagent was interrupted".to_owned()),
                is_error: true,
            },
            (other, None, _) => Self {
                status: "failed",
                text: with_note(format!("the subagent failed: {}", describe(other))),
                is_error: true,
            },
        }
    }
}

/// What ended a subagent's turn, in words.
fn describe(stop: &TurnStop) -> String {
    match stop {
        TurnStop::ApiError { message, .. }
        | TurnStop::Denied { message }
        | TurnStop::Failed { message } => message.clone(),
        TurnStop::Refusal => "the model declined to continue".to_owned(),
        TurnStop::MaxTokens => "its reply hit the output token limit".to_owned(),
        other => format!("{other:?}"),
    }
}

/// Everything the subagent wrote, newest part kept when long.
fn partial_text(child: &Session) -> String {
    let texts: Vec<String> = child
        .messages()
        .iter()
        .filter(|message| message.role == Role::Assistant)
        .map(rudder_protocol::Message::text)
        .filter(|text| !text.trim().is_empty())
        .collect();
    let joined = texts.join("\n\n");
    let count = joined.chars().count();
    if count <= MAX_PARTIAL_CHARS {
        return joined;
    }
    let tail: String = joined.chars().skip(count - MAX_PARTIAL_CHARS).collect();
    format!("[…]{tail}")
}

/// The subagent's usage and how many tool calls it made.
fn totals(child: &Session) -> (Usage, usize) {
    let usage = child
        .log()
        .lock()
        .map(|log| log.accounting().usage().clone())
        .unwrap_or_default();
    let tool_uses = child
        .messages()
        .iter()
        .map(|message| message.tool_uses().count())
        .sum();
    (usage, tool_uses)
}

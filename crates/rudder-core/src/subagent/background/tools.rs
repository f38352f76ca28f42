//! TaskOutput and TaskStop for background subagents.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (TaskOutput: `task_id`,
//! `block`, `timeout` ms; TaskStop: `task_id`, deprecated `shell_id`) —
//! the tools that also read and stop background shells. The frame offers
//! them under their older names BashOutput and KillShell, and the tool
//! registry maps the new names to those; a call of any of the four whose id
//! (`task_id`, `bash_id` or `shell_id`) names a background subagent of the
//! session (`agent_N`, or its `agentId`) is answered here, anything else
//! goes on to the shell tools.
//!
//! For a subagent, `block` defaults to true: the call waits until it ends,
//! up to `timeout` ms (default [`DEFAULT_BLOCK_MS`], at most
//! [`MAX_BLOCK_MS`]), or until the turn is interrupted. A finished
//! subagent's output is its report, and the model is then not given it
//! again unasked; a running one's is its progress and newest text.
//! `filter` applies to shells only; the output says it was ignored. Stopping a
//! subagent needs no permission: it ends work the model itself started and
//! changes nothing else ([`stops_agent`]).

use std::time::Duration;

use rudder_tools::ToolOutput;
use rudder_tools::file_tool::{optional_count, parse_input, tool_error};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::{Entry, STOP_WAIT, notes};
use crate::session::Session;

/// Wait of a blocking TaskOutput call without a timeout, ms.
pub const DEFAULT_BLOCK_MS: u64 = 30_000;

/// Longest wait of a blocking TaskOutput call, ms.
pub const MAX_BLOCK_MS: u64 = 600_000;

/// The tools that read a background task.
const OUTPUT_TOOLS: [&str; 2] = ["BashOutput", "TaskOutput"];

/// The tools that stop a background task.
const STOP_TOOLS: [&str; 2] = ["KillShell", "TaskStop"];

/// The prefix of background subagents' task ids.
const TASK_ID_PREFIX: &str = "agent_";

/// The input of the four tools, as far as a subagent is concerned.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskInput {
    #[serde(default)]
    task_id: Option<String>,
    #[serde(default)]
    bash_id: Option<String>,
    #[serde(default)]
    shell_id: Option<String>,
    #[serde(default)]
    block: Option<bool>,
    #[serde(default, deserialize_with = "optional_count")]
    timeout: Option<u64>,
    #[serde(default)]
    filter: Option<String>,
}

/// The id a call of one of the four tools names, from whichever field.
fn named_id(input: &Value) -> Option<&str> {
    ["task_id", "bash_id", "shell_id"]
        .iter()
        .find_map(|field| input.get(*field).and_then(Value::as_str))
}

/// Whether the call `name(input)` stops one of the session's background
/// subagents (the permission policy then treats it as read-only).
pub(crate) fn stops_agent(session: &Session, name: &str, input: &Value) -> bool {
    STOP_TOOLS.contains(&name)
        && named_id(input).is_some_and(|id| session.background().find(id).is_some())
}

/// Answers `name(input)` when it reads or stops a background subagent;
/// `None` when the call is for the shell tools.
pub(crate) async fn call(
    session: &Session,
    name: &str,
    input: &Value,
    cancel: &CancellationToken,
) -> Option<ToolOutput> {
    let reads = OUTPUT_TOOLS.contains(&name);
    if !reads && !STOP_TOOLS.contains(&name) {
        return None;
    }
    let id = named_id(input)?;
    let Some(entry) = session.background().find(id) else {
        return id.starts_with(TASK_ID_PREFIX).then(|| unknown(session, id));
    };
    let input: TaskInput = match parse_input(name, input.clone()) {
        Ok(input) => input,
        Err(output) => return Some(output),
    };
    if [&input.task_id, &input.bash_id, &input.shell_id]
        .into_iter()
        .flatten()
        .any(|other| other != id)
    {
        return Some(tool_error(
            "The id fields name different tasks; give one of them.",
        ));
    }
    Some(if reads {
        read(&entry, &input, cancel).await
    } else {
        stop(&entry).await
    })
}

/// The error for an `agent_N` id the session does not know.
fn unknown(session: &Session, id: &str) -> ToolOutput {
    let known: Vec<String> = session
        .background()
        .entries()
        .iter()
        .map(|entry| format!("{} ({})", entry.task_id, entry.status()))
        .collect();
    let known = if known.is_empty() {
        "No background subagents were started in this session.".to_owned()
    } else {
        format!("Background subagents: {}.", known.join(", "))
    };
    tool_error(format!(
        "There is no background subagent with id {id}. {known}"
    ))
}

/// TaskOutput of a subagent.
async fn read(entry: &Entry, input: &TaskInput, cancel: &CancellationToken) -> ToolOutput {
    let block = input.block.unwrap_or(true);
    if block && entry.is_running() {
        let wait_ms = input.timeout.unwrap_or(DEFAULT_BLOCK_MS).min(MAX_BLOCK_MS);
        tokio::select! {
            _ = entry.wait(Duration::from_millis(wait_ms)) => {}
            () = cancel.cancelled() => {}
        }
    }
    let snapshot = entry.snapshot();
    let mut header = format!(
        "<task_id>{}</task_id>\n<status>{}</status>",
        entry.task_id,
        entry.status()
    );
    if input.filter.is_some() {
        header.push_str("\n(filter applies to shell output only; it was ignored.)");
    }
    let task = |output: &str| {
        json!({
            "task_id": entry.task_id,
            "task_type": "local_agent",
            "agentId": entry.agent_id,
            "agentType": entry.agent_type,
            "description": entry.description,
            "status": entry.status(),
            "output": output,
            "totalTokens": snapshot.tokens,
            "transcriptPath": entry.transcript,
        })
    };
    if let Some(finished) = &snapshot.finished {
        entry.mark_delivered();
        let mut task = task(&finished.text);
        task["result"] = finished.structured.clone();
        return ToolOutput::text(format!(
            "{header}\n\n<result>\n{}\n</result>",
            finished.text
        ))
        .with_structured(json!({"retrieval_status": "success", "task": task}));
    }
    let latest = &snapshot.progress.last_text;
    let mut text = format!(
        "{header}\n\nSubagent {} ({}: {}) is still working: {}.",
        entry.task_id,
        entry.agent_type,
        entry.description,
        notes::progress_line(&snapshot)
    );
    if !latest.trim().is_empty() {
        text.push_str(&format!("\n\nIts latest message:\n{latest}"));
    }
    let retrieval = if block { "timeout" } else { "not_ready" };
    ToolOutput::text(text).with_structured(json!({
        "retrieval_status": retrieval,
        "task": task(latest),
    }))
}

/// TaskStop of a subagent: stops it and returns what it wrote so far.
async fn stop(entry: &Entry) -> ToolOutput {
    if !entry.is_running() {
        return tool_error(format!(
            "Subagent {} is not running (status: {}), so there is nothing to stop. Read its report \
             with BashOutput (TaskOutput).",
            entry.task_id,
            entry.status()
        ));
    }
    entry.stop("by TaskStop");
    entry.wait(STOP_WAIT).await;
    let finished = entry.snapshot().finished;
    let message = match &finished {
        Some(finished) => {
            entry.mark_delivered();
            format!(
                "Stopped background subagent {} ({}: {}).\n\n{}",
                entry.task_id, entry.agent_type, entry.description, finished.text
            )
        }
        None => format!(
            "Asked background subagent {} to stop; it has not ended yet. BashOutput (TaskOutput) \
             shows when it has.",
            entry.task_id
        ),
    };
    ToolOutput::text(message.clone()).with_structured(json!({
        "message": message,
        "task_id": entry.task_id,
        "task_type": "local_agent",
    }))
}

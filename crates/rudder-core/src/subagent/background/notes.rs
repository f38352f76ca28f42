//! What the model and the person are told about background subagents: the
//! Task call's result when one starts, a finished one's report, the
//! reminder when a turn would end with some still running, and the notice
//! when one is stopped. Pure text; no I/O.

use super::{BackgroundPolicy, Entry, Snapshot};
use crate::prompt::system_reminder;
use crate::subagent::report::Finished;

/// `agent_1 (Explore: Survey the API)`.
fn name(entry: &Entry) -> String {
    format!(
        "{} ({}: {})",
        entry.task_id, entry.agent_type, entry.description
    )
}

/// `2 requests, 1 tool call, 1234 tokens so far`.
pub(super) fn progress_line(snapshot: &Snapshot) -> String {
    let plural = |count: usize, word: &str| {
        if count == 1 {
            format!("1 {word}")
        } else {
            format!("{count} {word}s")
        }
    };
    let progress = &snapshot.progress;
    format!(
        "{}, {}, {} tokens so far",
        plural(progress.requests as usize, "model request"),
        plural(progress.tool_uses, "tool call"),
        snapshot.tokens
    )
}

/// The Task call's result when the subagent starts in the background.
pub(super) fn launched(entry: &Entry) -> String {
    let transcript = entry
        .transcript
        .as_deref()
        .map(|path| format!(" Its transcript is {path}."))
        .unwrap_or_default();
    format!(
        "Started subagent {} in the background with task id {id}. It works while you go on; \
         when it finishes, its report is given to you with the next message. To wait for its \
         report now, call BashOutput with bash_id \"{id}\" (the same tool as TaskOutput with \
         task_id); to stop it, call KillShell with shell_id \"{id}\" (TaskStop).{transcript}",
        name(entry),
        id = entry.task_id
    )
}

/// A finished subagent's report, for a message to the model.
pub(super) fn report(entry: &Entry, finished: &Finished) -> String {
    system_reminder(&format!(
        "Background subagent {} has finished (status: {}). Its report:\n\n{}",
        name(entry),
        finished.status,
        finished.text
    ))
}

/// The reminder given when the model ends its turn while `running` still
/// work.
pub(super) fn still_running(running: &[(&Entry, Snapshot)], policy: BackgroundPolicy) -> String {
    let list: Vec<String> = running
        .iter()
        .map(|(entry, snapshot)| format!("- {}: running, {}", name(entry), progress_line(snapshot)))
        .collect();
    let then = match policy {
        BackgroundPolicy::StopAtTurnEnd => {
            "When your turn ends they will be stopped, and only what they wrote so far is kept. \
             If you need their reports, wait for them with BashOutput (bash_id: the task id; \
             TaskOutput is the same tool); stop the ones you no longer need with KillShell \
             (shell_id: the task id; TaskStop). Then end your turn."
        }
        BackgroundPolicy::OutliveTurn => {
            "They keep working after your turn ends, and each report is given to you with the \
             next message once it is ready. If you need a report in this reply, wait for it with \
             BashOutput (bash_id: the task id; TaskOutput is the same tool); stop the ones you no \
             longer need with KillShell (shell_id: the task id; TaskStop)."
        }
    };
    system_reminder(&format!(
        "You are ending your turn while background subagents you started are still running:\n{}\n\n{then}",
        list.join("\n")
    ))
}

/// The notice for the person when a subagent is stopped `why` (e.g.
/// `because the turn ended`).
pub(super) fn stopped(entry: &Entry, why: &str) -> String {
    let transcript = entry
        .transcript
        .as_deref()
        .map(|path| format!(" Transcript: {path}."))
        .unwrap_or_default();
    format!(
        "Background subagent {} was still running and was stopped {why}, after using {} \
         tokens.{transcript}",
        name(entry),
        entry.tokens()
    )
}

/// The notice for the person when a subagent that may outlive the turn
/// finishes.
pub(super) fn finished(entry: &Entry, status: &str) -> String {
    format!(
        "Background subagent {} finished ({status}). Its report goes to the model with the \
         conversation's next message.",
        name(entry)
    )
}

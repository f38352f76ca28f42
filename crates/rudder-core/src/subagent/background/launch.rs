//! Starting a background subagent: its child session moves into a tokio
//! task of its own, the Task call returns at once with the task id, and
//! the runner records the report when the subagent ends (or its panic as a
//! failed result, so nobody waits forever).
//!
//! The child is the same session a foreground Task call runs — same
//! context, tools, gate, budgets, hooks, sidechain transcript and events
//! with `parent_tool_use_id` — with its own cancellation token, so the
//! parent's turn ending or being interrupted does not end it; only TaskStop,
//! the turn's end under [`BackgroundPolicy::StopAtTurnEnd`], or the
//! session's end do.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use futures::FutureExt;
use rudder_protocol::ContentBlock;
use rudder_protocol::event::NoticeLevel;
use rudder_tools::ToolOutput;
use serde_json::json;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::{BackgroundPolicy, Entry, EntryState, Reservation, notes};
use crate::events::EventSink;
use crate::session::Session;
use crate::subagent::report::{self, Finished, TaskFacts};

/// The Task call a background subagent runs, owned by its runner.
pub(crate) struct BackgroundTask {
    /// The call's `description`.
    pub description: String,
    /// The call's `prompt`: the subagent's first message.
    pub prompt: String,
    /// The subagent type.
    pub agent_type: String,
    /// When it was started.
    pub started: Instant,
}

impl BackgroundTask {
    fn facts(&self) -> TaskFacts<'_> {
        TaskFacts {
            description: &self.description,
            prompt: &self.prompt,
            agent_type: &self.agent_type,
            started: self.started,
        }
    }
}

/// Starts `child` (built for this Task call, with the reservation's
/// progress) in the background of `session`, using `reservation`; returns
/// the Task call's result: the task id and how to read and stop it.
pub(crate) fn launch(
    session: &Session,
    reservation: Reservation<'_>,
    child: Session,
    task: BackgroundTask,
) -> ToolOutput {
    let transcript = child
        .log()
        .lock()
        .ok()
        .and_then(|log| log.transcript_path().map(|path| path.display().to_string()));
    let agent_id = child
        .subagent_link()
        .map(|link| link.agent_id.clone())
        .unwrap_or_default();
    let (done, _) = watch::channel(false);
    let entry = Arc::new(Entry {
        task_id: reservation.task_id.clone(),
        agent_id,
        agent_type: task.agent_type.clone(),
        description: task.description.clone(),
        transcript,
        progress: Arc::clone(&reservation.progress),
        child_log: Arc::clone(child.log()),
        cancel: CancellationToken::new(),
        kill_reason: OnceLock::new(),
        state: Mutex::new(EntryState::default()),
        done,
    });
    let structured = json!({
        "isAsync": true,
        "status": "async_launched",
        "taskId": entry.task_id,
        "agentId": entry.agent_id,
        "agentType": entry.agent_type,
        "description": task.description,
        "prompt": task.prompt,
        "outputFile": entry.transcript,
        "transcriptPath": entry.transcript,
    });
    session
        .background()
        .register(reservation, Arc::clone(&entry));
    let events = session.deps().events.clone();
    let notify =
        (session.config().background_subagents == BackgroundPolicy::OutliveTurn).then_some(events);
    let text = notes::launched(&entry);
    tokio::spawn(run(entry, child, task, notify));
    ToolOutput::text(text).with_structured(structured)
}

/// Runs the subagent to its end and records its report; tells the person
/// through `notify`, when given, that it finished by itself.
async fn run(
    entry: Arc<Entry>,
    mut child: Session,
    task: BackgroundTask,
    notify: Option<EventSink>,
) {
    let facts = task.facts();
    let ran = AssertUnwindSafe(async {
        let prompt = vec![ContentBlock::text(task.prompt.clone())];
        let outcome = child.run_turn(prompt, &entry.cancel).await;
        child.shutdown().await;
        let killed = entry.kill_reason.get().map(String::as_str);
        report::finish(&child, &outcome, facts, killed)
    })
    .catch_unwind()
    .await;
    let finished = ran.unwrap_or_else(|_| Finished::lost(&entry.agent_id, facts));
    let status = finished.status;
    // The report is recorded before the person hears of it, so a prompt
    // sent on the notice always carries it.
    entry.finish(finished);
    // One stopped on purpose was reported by whoever stopped it.
    if let Some(events) = notify
        && entry.kill_reason.get().is_none()
    {
        events.notice(NoticeLevel::Info, notes::finished(&entry, status));
    }
}

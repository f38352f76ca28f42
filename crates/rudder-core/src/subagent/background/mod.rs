//! Background subagents: Task calls with `run_in_background: true`
//! (CLAUDE-CODE-INTERFACE.md §2.2 `Task`/`Agent`, `TaskOutput`,
//! `TaskStop`).
//!
//! Such a call returns at once with a task id; the subagent works in its
//! own tokio task while the parent's turn goes on ([`launch`]). The model
//! reads its progress and report with TaskOutput and stops it with TaskStop
//! ([`tools`]) — the tools that read and stop background shells; shells are
//! `bash_N` and background subagents `agent_N` in one id space per
//! session (the subagent's `agentId` is accepted too). Reports the model
//! has not read reach it in the next message the parent sends, and a turn
//! that would end while subagents still run tells the model first
//! ([`turn_points`], texts in [`notes`]). Whether subagents outlive the
//! turn is the session's [`BackgroundPolicy`].
//!
//! Owns: the registry of one session's background subagents. Every one
//! belongs to exactly one session: at most [`MAX_RUNNING`] run at once,
//! the session's end stops them and waits (bounded) until their
//! transcripts are closed, and dropping the registry cancels any still
//! running. Budgets apply as to any subagent (`super::limit_reached`).
//! Must never: change a message already sent — everything it tells the
//! model goes into a new message, after the last cache breakpoint.

mod launch;
mod notes;
pub(crate) mod tools;
pub(crate) mod turn_points;

use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use rudder_protocol::{AssistantMessage, ContentBlock};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::report::Finished;
use crate::session::SessionLog;

pub(crate) use launch::{BackgroundTask, launch};

/// Most background subagents running at once in one session.
pub const MAX_RUNNING: usize = 8;

/// Most background subagents remembered per session; beyond it the oldest
/// finished ones whose report the model has seen are forgotten.
pub const MAX_KEPT: usize = 32;

/// How long stopping background subagents may take before the caller stops
/// waiting (their runners end on their own soon after).
const STOP_WAIT: Duration = Duration::from_secs(10);

/// What happens to background subagents still running when a turn ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BackgroundPolicy {
    /// They are stopped before the turn's outcome is reported, so the
    /// outcome's usage includes them and nothing runs between turns
    /// (headless runs and the Agent SDK: a deterministic end).
    #[default]
    StopAtTurnEnd,
    /// They keep working; their reports reach the model with the next
    /// message (the interactive UI). The session's end stops them.
    OutliveTurn,
}

/// Why a background subagent could not be started.
#[derive(Debug, thiserror::Error)]
pub enum BackgroundError {
    /// [`MAX_RUNNING`] are already running.
    #[error(
        "No subagent was started: {limit} background subagents are already running in this \
         session. Wait for one with BashOutput (TaskOutput) or stop one with KillShell (TaskStop) \
         first, or run this one in the foreground (without run_in_background)."
    )]
    TooMany {
        /// The limit.
        limit: usize,
    },
}

/// What a running subagent has done so far, updated after each of its
/// model requests (see `super::Link::observe`).
#[derive(Debug, Default)]
pub(crate) struct Progress {
    state: Mutex<ProgressState>,
}

/// A copy of [`Progress`].
#[derive(Debug, Clone, Default)]
pub(crate) struct ProgressState {
    /// Model replies received.
    pub requests: u32,
    /// Tool calls made.
    pub tool_uses: usize,
    /// The text of its newest reply that had text.
    pub last_text: String,
}

impl Progress {
    /// Counts a reply of the subagent's model.
    pub fn observe(&self, message: &AssistantMessage) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.requests += 1;
        state.tool_uses += message
            .content
            .iter()
            .filter(|block| matches!(block, ContentBlock::ToolUse { .. }))
            .count();
        let text = message.text();
        if !text.trim().is_empty() {
            state.last_text = text;
        }
    }

    fn get(&self) -> ProgressState {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// One background subagent, shared by the registry, its runner and the
/// tools that read it.
#[derive(Debug)]
pub(crate) struct Entry {
    /// `agent_N`: the id TaskOutput and TaskStop take.
    pub task_id: String,
    /// Its `agentId` (sidechain transcript `agent-<id>.jsonl`).
    pub agent_id: String,
    /// Its type.
    pub agent_type: String,
    /// The Task call's `description`.
    pub description: String,
    /// Its sidechain transcript, when the session persists.
    pub transcript: Option<String>,
    progress: Arc<Progress>,
    /// The subagent's log, for its usage so far.
    child_log: Arc<Mutex<SessionLog>>,
    cancel: CancellationToken,
    /// Why the parent stopped it, once it did (`by TaskStop`, …).
    kill_reason: OnceLock<String>,
    state: Mutex<EntryState>,
    done: watch::Sender<bool>,
}

#[derive(Debug, Default)]
struct EntryState {
    finished: Option<Finished>,
    /// Whether the model has been given the report.
    delivered: bool,
}

/// Where a background subagent is, as TaskOutput shows it.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    /// Its progress.
    pub progress: ProgressState,
    /// Tokens it used so far (all input kinds plus output).
    pub tokens: u64,
    /// Its result, once it ended.
    pub finished: Option<Finished>,
}

impl Entry {
    fn lock(&self) -> MutexGuard<'_, EntryState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `running`, or how it ended (see [`Finished::status`]).
    pub fn status(&self) -> &'static str {
        self.lock()
            .finished
            .as_ref()
            .map_or("running", |finished| finished.status)
    }

    /// Whether it still runs.
    pub fn is_running(&self) -> bool {
        self.lock().finished.is_none()
    }

    /// Its progress, usage and result as of now.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            progress: self.progress.get(),
            tokens: self.tokens(),
            finished: self.lock().finished.clone(),
        }
    }

    /// Tokens it used so far.
    pub fn tokens(&self) -> u64 {
        self.child_log
            .lock()
            .map(|log| {
                let usage = log.accounting().usage();
                usage.total_input_tokens() + usage.output_tokens
            })
            .unwrap_or(0)
    }

    /// Records its result and wakes whoever waits for it.
    fn finish(&self, finished: Finished) {
        self.lock().finished = Some(finished);
        self.done.send_replace(true);
    }

    /// Asks it to stop, saying why (`by TaskStop`); the first reason
    /// given is kept. Returns at once; see [`Entry::wait`].
    pub fn stop(&self, why: &str) {
        let _ = self.kill_reason.set(why.to_owned());
        self.cancel.cancel();
    }

    /// Waits up to `limit` for it to end; whether it has.
    pub async fn wait(&self, limit: Duration) -> bool {
        let mut done = self.done.subscribe();
        tokio::time::timeout(limit, done.wait_for(|finished| *finished))
            .await
            .is_ok_and(|waited| waited.is_ok())
    }

    /// Marks its report as given to the model.
    pub fn mark_delivered(&self) {
        self.lock().delivered = true;
    }

    /// Its result, if it ended and the model has not been given it yet;
    /// marks it given.
    fn take_undelivered(&self) -> Option<Finished> {
        let mut state = self.lock();
        if state.delivered {
            return None;
        }
        let finished = state.finished.clone()?;
        state.delivered = true;
        Some(finished)
    }
}

/// A place for one more running subagent, held while it is being started.
/// Dropping it unused gives the place back.
pub(crate) struct Reservation<'a> {
    registry: &'a BackgroundAgents,
    /// The task id the subagent will have.
    pub task_id: String,
    /// Its progress, to hand to its session.
    pub progress: Arc<Progress>,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut inner = self.registry.lock();
        inner.reserved = inner.reserved.saturating_sub(1);
    }
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    /// Places reserved by subagents being started.
    reserved: usize,
    entries: Vec<Arc<Entry>>,
}

/// The background subagents of one session.
#[derive(Debug, Default)]
pub struct BackgroundAgents {
    inner: Mutex<Inner>,
}

impl BackgroundAgents {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reserves a place for one more running subagent.
    ///
    /// Errors: [`BackgroundError::TooMany`] when [`MAX_RUNNING`] run or are
    /// being started.
    pub(crate) fn reserve(&self) -> Result<Reservation<'_>, BackgroundError> {
        let mut inner = self.lock();
        let running = inner
            .entries
            .iter()
            .filter(|entry| entry.is_running())
            .count();
        if running + inner.reserved >= MAX_RUNNING {
            return Err(BackgroundError::TooMany { limit: MAX_RUNNING });
        }
        inner.reserved += 1;
        inner.next_id += 1;
        let task_id = format!("agent_{}", inner.next_id);
        drop(inner);
        Ok(Reservation {
            registry: self,
            task_id,
            progress: Arc::new(Progress::default()),
        })
    }

    /// Adds a started subagent, using its reservation; forgets the oldest
    /// finished and delivered ones beyond [`MAX_KEPT`].
    fn register(&self, reservation: Reservation<'_>, entry: Arc<Entry>) {
        let mut inner = self.lock();
        inner.entries.push(entry);
        while inner.entries.len() > MAX_KEPT {
            let Some(index) = inner
                .entries
                .iter()
                .position(|entry| !entry.is_running() && entry.lock().delivered)
            else {
                break;
            };
            inner.entries.remove(index);
        }
        drop(inner);
        drop(reservation);
    }

    /// The subagent with task id or agent id `id`.
    pub(crate) fn find(&self, id: &str) -> Option<Arc<Entry>> {
        self.lock()
            .entries
            .iter()
            .find(|entry| entry.task_id == id || entry.agent_id == id)
            .cloned()
    }

    /// Every subagent remembered, oldest first.
    pub(crate) fn entries(&self) -> Vec<Arc<Entry>> {
        self.lock().entries.clone()
    }

    /// The ones still running, oldest first.
    pub(crate) fn running(&self) -> Vec<Arc<Entry>> {
        self.lock()
            .entries
            .iter()
            .filter(|entry| entry.is_running())
            .cloned()
            .collect()
    }

    /// The ones that ended and whose report the model has not been given,
    /// with their results; marks those reports given.
    pub(crate) fn take_news(&self) -> Vec<(Arc<Entry>, Finished)> {
        self.entries()
            .into_iter()
            .filter_map(|entry| {
                let finished = entry.take_undelivered()?;
                Some((entry, finished))
            })
            .collect()
    }

    /// Stops every running subagent, saying `why`, and waits until they have
    /// ended (each closes its transcript) — [`STOP_WAIT`] at most. Returns
    /// the ones it stopped.
    pub(crate) async fn stop_all(&self, why: &str) -> Vec<Arc<Entry>> {
        let running = self.running();
        for entry in &running {
            entry.stop(why);
        }
        futures::future::join_all(running.iter().map(|entry| entry.wait(STOP_WAIT))).await;
        running
    }
}

impl Drop for BackgroundAgents {
    fn drop(&mut self) {
        for entry in &self.lock().entries {
            entry.cancel.cancel();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_bounded_and_given_back_when_a_start_fails() {
        let registry = BackgroundAgents::default();
        let held: Vec<Reservation<'_>> = (0..MAX_RUNNING)
            .map(|_| registry.reserve().unwrap())
            .collect();
        assert_eq!(held[0].task_id, "agent_1");
        assert_eq!(
            held[MAX_RUNNING - 1].task_id,
            format!("agent_{MAX_RUNNING}")
        );
        let refused = registry.reserve().err().unwrap().to_string();
        assert!(
            refused.contains("8 background subagents are already running")
                && refused.contains("KillShell (TaskStop)"),
            "{refused}"
        );
        drop(held);
        let again = registry.reserve().unwrap();
        assert_eq!(
            again.task_id,
            format!("agent_{}", MAX_RUNNING + 1),
            "ids are not reused"
        );
    }

    #[test]
    fn progress_counts_replies_tool_calls_and_keeps_the_newest_text() {
        let progress = Progress::default();
        let reply = |content: Vec<ContentBlock>| AssistantMessage {
            id: "msg_1".into(),
            kind: "message".into(),
            role: rudder_protocol::Role::Assistant,
            model: "m".into(),
            content,
            stop_reason: None,
            stop_sequence: None,
            usage: rudder_protocol::Usage::default(),
        };
        progress.observe(&reply(vec![
            ContentBlock::text("Looking."),
            ContentBlock::ToolUse {
                id: "t1".into(),
                name: "LS".into(),
                input: serde_json::json!({}),
                cache_control: None,
            },
        ]));
        progress.observe(&reply(Vec::new()));
        let state = progress.get();
        assert_eq!((state.requests, state.tool_uses), (2, 1));
        assert_eq!(state.last_text, "Looking.");
    }
}

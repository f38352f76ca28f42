//! Where the turn loop meets the checkpoint store: a checkpoint begins
//! with each user turn, file tools save their target before they write,
//! and Bash calls are bracketed by working-tree snapshots
//! (`crate::checkpoint` has the design and its bounds).
//!
//! Checkpointing never stops a tool: when the store fails, the person is
//! told that `/rewind` may not restore that change, and the call runs.
//! The store's blocking I/O runs on tokio's blocking pool.

use std::path::PathBuf;
use std::sync::Arc;

use rudder_protocol::event::NoticeLevel;
use serde_json::Value;

use super::Session;
use crate::checkpoint::{CheckpointError, CheckpointStore};

/// What must happen after a tool call for its checkpoint to be complete.
pub(super) enum After {
    /// Nothing.
    Nothing,
    /// Compare the working tree with its pre-call snapshot.
    Bash(Arc<CheckpointStore>),
}

/// Files the file tools write, by tool name and input.
fn written_file(session: &Session, tool: &str, input: &Value) -> Option<PathBuf> {
    let key = match tool {
        "Edit" | "MultiEdit" | "Write" => "file_path",
        "NotebookEdit" => "notebook_path",
        _ => return None,
    };
    let path = PathBuf::from(input.get(key)?.as_str()?);
    Some(if path.is_absolute() {
        path
    } else {
        session.config.cwd.join(path)
    })
}

/// Starts the checkpoint of the user turn whose message is `turn`. A
/// subagent's first message starts none: its edits belong to the parent's
/// turn, whose store it shares.
pub(super) async fn begin_turn(session: &Session, turn: &str) {
    if session.subagent_link().is_some() {
        return;
    }
    if let Some(store) = session.checkpoints.clone() {
        let turn = turn.to_owned();
        run(session, move || {
            store.begin_turn(&turn).map(|()| Vec::new())
        })
        .await;
    }
}

/// Saves what `tool` is about to change; returns what to do after it ran.
pub(super) async fn before_tool(session: &Session, tool: &str, input: &Value) -> After {
    let Some(store) = session.checkpoints.clone() else {
        return After::Nothing;
    };
    if tool == "Bash" {
        let snapshot = Arc::clone(&store);
        run(session, move || snapshot.before_bash()).await;
        return After::Bash(store);
    }
    if let Some(path) = written_file(session, tool, input) {
        run(session, move || store.save_before_write(&path)).await;
    }
    After::Nothing
}

/// Completes the checkpoint of a tool call.
pub(super) async fn after_tool(session: &Session, after: After) {
    if let After::Bash(store) = after {
        run(session, move || store.after_bash()).await;
    }
}

/// Runs a store operation on the blocking pool and tells the person what
/// it reported.
async fn run<F>(session: &Session, operation: F)
where
    F: FnOnce() -> Result<Vec<String>, CheckpointError> + Send + 'static,
{
    let events = &session.deps.events;
    match tokio::task::spawn_blocking(operation).await {
        Ok(Ok(messages)) => {
            for message in messages {
                events.notice(NoticeLevel::Warning, message);
            }
        }
        Ok(Err(error)) => events.notice(
            NoticeLevel::Warning,
            format!("Checkpoint not saved ({error}); /rewind may not undo this change."),
        ),
        Err(error) => events.notice(
            NoticeLevel::Warning,
            format!(
                "Checkpoint not saved (the task failed: {error}); /rewind may not undo this change."
            ),
        ),
    }
}

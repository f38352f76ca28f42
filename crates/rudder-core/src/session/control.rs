//! What a front end may do to a session between turns: list the user
//! messages a rewind can return to, rewind code and/or conversation,
//! switch the model, and reach the steering inbox and the checkpoint
//! store.
//!
//! Every change is appended to the transcript (a `rudder-rewind` record,
//! a new `rudder-frame` record), never written over it, and `resume`
//! rebuilds the same state from those records.

use std::path::PathBuf;
use std::sync::{Arc, PoisonError};

use rudder_protocol::{ContentBlock, Message, Role, Usage};

use super::hook_points::STOP_FEEDBACK_PREFIX;
use super::{Session, SteerInbox, frame_record};
use crate::checkpoint::{CheckpointError, CheckpointStore, RestoreReport};
use crate::transcript::{Record, TranscriptError};

/// Text blocks the session adds for the model, not typed by the person.
const REMINDER_PREFIX: &str = "<system-reminder>";
/// The output block of a `!command` run (its input block is the preview).
const SHELL_OUTPUT_PREFIX: &str = "<bash-stdout>";

/// A user message a rewind can go back to (state before it was sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewindPoint {
    /// The message's transcript uuid (the SDK's `user_message_id`).
    pub uuid: String,
    /// What the person typed, on one line.
    pub preview: String,
    /// Whether a file checkpoint exists for it (code can be rewound).
    pub has_checkpoint: bool,
    /// Files a code rewind to it would consider (changed since).
    pub files: Vec<PathBuf>,
}

/// What a rewind restores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RewindScope {
    /// Files only; the conversation goes on.
    Code,
    /// The conversation only; files stay as they are.
    Conversation,
    /// Both.
    Both,
}

impl RewindScope {
    fn code(self) -> bool {
        matches!(self, Self::Code | Self::Both)
    }

    fn conversation(self) -> bool {
        matches!(self, Self::Conversation | Self::Both)
    }
}

/// What a rewind did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RewindOutcome {
    /// The file restore, when code was rewound.
    pub files: Option<RestoreReport>,
    /// The text of the dropped user message, when the conversation was
    /// rewound (a front end offers it for editing).
    pub prompt: Option<String>,
    /// Messages dropped from the conversation.
    pub dropped_messages: usize,
}

/// Why a rewind did not happen. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum RewindError {
    /// The uuid is not a user message of this conversation.
    #[error("{0} is not a user message of the current conversation")]
    UnknownMessage(String),
    /// Code rewind asked, but checkpoints are off or none exists for it.
    #[error(
        "no file checkpoint exists for that message (checkpoints are off, or it was sent before they were); \
         rewind the conversation only"
    )]
    NoCheckpoint,
    /// The checkpoint store failed.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The rewind record could not be appended.
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
}

/// What the person typed in a user message, on one line; `None` for tool
/// results and Stop hook feedback (not rewind points).
fn typed_text(message: &Message) -> Option<String> {
    let not_typed = |block: &ContentBlock| match block {
        ContentBlock::ToolResult { .. } => true,
        ContentBlock::Text { text, .. } => text.starts_with(STOP_FEEDBACK_PREFIX),
        _ => false,
    };
    if message.role != Role::User || message.content.iter().any(not_typed) {
        return None;
    }
    let parts: Vec<String> = message
        .content
        .iter()
        .filter_map(|block| match block {
            ContentBlock::Text { text, .. }
                if text.trim_start().starts_with(REMINDER_PREFIX)
                    || text.starts_with(SHELL_OUTPUT_PREFIX) =>
            {
                None
            }
            ContentBlock::Text { text, .. } => Some(shell_preview(text)),
            ContentBlock::Image { .. } => Some("[Image]".to_owned()),
            _ => None,
        })
        .collect();
    // A compaction summary holds only harness context: not a rewind point.
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// `<bash-input>cmd</bash-input>` (a `!cmd` run) shows as `!cmd`.
fn shell_preview(text: &str) -> String {
    text.strip_prefix("<bash-input>")
        .and_then(|rest| rest.split_once("</bash-input>"))
        .map_or_else(|| text.to_owned(), |(command, _)| format!("!{command}"))
}

impl Session {
    /// The user messages of the conversation, oldest first, with what a
    /// code rewind to each would touch. Reads the checkpoint journal.
    pub fn rewind_points(&self) -> Vec<RewindPoint> {
        self.messages
            .iter()
            .zip(&self.uuids)
            .filter_map(|(message, uuid)| {
                let preview = typed_text(message)?;
                let files = self
                    .checkpoints
                    .as_ref()
                    .and_then(|store| store.changed_since(uuid).ok());
                Some(RewindPoint {
                    uuid: uuid.clone(),
                    preview: preview.split_whitespace().collect::<Vec<_>>().join(" "),
                    has_checkpoint: files.is_some(),
                    files: files.unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Rewinds to the state before the user message `uuid`: files (byte
    /// for byte, from the checkpoint), conversation (a `rudder-rewind`
    /// record is appended; the message and everything after it leave the
    /// context, and resume honours it), or both. Code is restored first,
    /// so a failure there leaves the conversation untouched.
    ///
    /// Errors: [`RewindError`]; files that could not be restored are listed
    /// in the outcome instead.
    pub fn rewind(&mut self, uuid: &str, scope: RewindScope) -> Result<RewindOutcome, RewindError> {
        let index = self
            .uuids
            .iter()
            .position(|known| known == uuid)
            .filter(|index| self.messages.get(*index).and_then(typed_text).is_some())
            .ok_or_else(|| RewindError::UnknownMessage(uuid.to_owned()))?;
        let mut outcome = RewindOutcome::default();
        if scope.code() {
            let store = self
                .checkpoints
                .as_ref()
                .filter(|store| store.has_turn(uuid))
                .ok_or(RewindError::NoCheckpoint)?;
            outcome.files = Some(store.rewind(uuid, false)?);
        }
        if scope.conversation() {
            let parent = index
                .checked_sub(1)
                .and_then(|before| self.uuids.get(before).cloned());
            self.log
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .append_rewind(uuid, parent)?;
            let dropped = &self.messages[index];
            outcome.prompt = typed_text(dropped);
            if index == 0 {
                // The first message carried the session's context; the next
                // prompt must carry it again.
                self.pending_context = dropped.content.iter().find_map(|block| match block {
                    ContentBlock::Text { text, .. }
                        if text.trim_start().starts_with(REMINDER_PREFIX) =>
                    {
                        Some(text.clone())
                    }
                    _ => None,
                });
            }
            outcome.dropped_messages = self.messages.len() - index;
            self.messages.truncate(index);
            self.uuids.truncate(index);
            self.context_rewritten();
        }
        Ok(outcome)
    }

    /// Switches the model of the next requests. The request frame changes,
    /// so a new frame record is appended (resume uses the last one) and the
    /// prompt cache starts over.
    ///
    /// Errors: the frame record cannot be written; the model is unchanged.
    pub fn switch_model(&mut self, model: &str) -> Result<(), TranscriptError> {
        let mut frame = self.frame.clone();
        model.clone_into(&mut frame.model);
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .append_raw(&Record::Frame(frame_record(
                &self.config.session_id,
                &frame,
            )))?;
        self.frame = frame;
        self.context_rewritten();
        Ok(())
    }

    /// The inbox of steered messages (delivered at the next tool boundary).
    pub fn steer_inbox(&self) -> SteerInbox {
        self.steer.clone()
    }

    /// The checkpoint store, when checkpoints are on.
    pub fn checkpoints(&self) -> Option<Arc<CheckpointStore>> {
        self.checkpoints.clone()
    }

    /// Usage and cost summed over the session (all logged model calls).
    pub fn totals(&self) -> (Usage, f64) {
        let log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        let accounting = log.accounting();
        (accounting.usage().clone(), accounting.cost_usd())
    }

    /// The session's configuration.
    pub fn config(&self) -> &super::SessionConfig {
        &self.config
    }
}

//! Steering: messages the person sends while a turn runs, delivered to the
//! model at the turn's next tool boundary (USER-PAINS.md §7 "Queue vs
//! steer").
//!
//! The inbox is shared between the front end (which pushes while the turn
//! holds the session) and the turn loop, which appends what it holds as
//! text after the tool results of the step that just ran, so the next
//! request carries it. What is still in the inbox when the turn ends was
//! never seen by the model; the front end decides what to do with it
//! (start a turn with it, or give it back).
//!
//! Owns: the inbox only. Must never: block (both sides hold it for a
//! push or a take).

use std::sync::{Arc, Mutex, PoisonError};

use rudder_protocol::ContentBlock;

/// Messages waiting for the next tool boundary. Cloning shares the inbox.
#[derive(Debug, Clone, Default)]
pub struct SteerInbox {
    waiting: Arc<Mutex<Vec<Vec<ContentBlock>>>>,
}

impl SteerInbox {
    /// Adds a message (its content blocks) to deliver.
    pub fn push(&self, prompt: Vec<ContentBlock>) {
        self.waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(prompt);
    }

    /// Takes every waiting message, oldest first.
    pub fn take(&self) -> Vec<Vec<ContentBlock>> {
        std::mem::take(&mut *self.waiting.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }
}

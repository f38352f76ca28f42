//! The TodoWrite tool's item type.

use serde::{Deserialize, Serialize};

/// Status of a todo item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TodoStatus {
    /// Not started.
    Pending,
    /// Being worked on (at most one at a time, by convention).
    InProgress,
    /// Done.
    Completed,
}

/// One item of the todo list, as Claude Code's TodoWrite schema defines it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TodoItem {
    /// Imperative description, e.g. "Run the tests".
    pub content: String,
    /// Status.
    pub status: TodoStatus,
    /// Present-continuous form shown while in progress, e.g. "Running the tests".
    pub active_form: String,
}

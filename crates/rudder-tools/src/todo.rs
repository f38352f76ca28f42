//! The TodoWrite tool's item type (CLAUDE-CODE-INTERFACE.md §2.2:
//! `{content, status: pending|in_progress|completed, activeForm}`, no
//! other fields). Plain data; the tool lives in `todo_write.rs`.

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
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TodoItem {
    /// Imperative description, e.g. "Run the tests".
    pub content: String,
    /// Status.
    pub status: TodoStatus,
    /// Present-continuous form shown while in progress, e.g. "Running the tests".
    pub active_form: String,
}

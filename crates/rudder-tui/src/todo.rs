//! The todo list the agent keeps with TodoWrite: parsing and display.
//!
//! Owns: the plain `Todo` record, reading it from the tool's JSON
//! (`[{content, status, activeForm}]`, CLAUDE-CODE-INTERFACE.md §2) and the
//! `☐`/`☒` lines Claude Code shows. Must never: change the list; only the
//! agent does.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use serde_json::Value;

use crate::render::{dim, sanitize};

/// Where one todo item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TodoStatus {
    /// Not started.
    Pending,
    /// Being worked on.
    InProgress,
    /// Done.
    Completed,
}

/// One todo item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Todo {
    /// What to do (imperative).
    pub(crate) content: String,
    /// Where it stands.
    pub(crate) status: TodoStatus,
    /// What is being done (present continuous), shown while in progress.
    pub(crate) active_form: String,
}

/// Reads a TodoWrite list (the `todos` array, or an object holding one).
/// Items without `content` are skipped; unknown statuses count as pending.
pub(crate) fn parse_todos(value: &Value) -> Vec<Todo> {
    let items = value
        .get("todos")
        .unwrap_or(value)
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    items
        .iter()
        .filter_map(|item| {
            let content = item.get("content")?.as_str()?.to_owned();
            let status = match item.get("status").and_then(Value::as_str) {
                Some("in_progress") => TodoStatus::InProgress,
                Some("completed") => TodoStatus::Completed,
                _ => TodoStatus::Pending,
            };
            let active_form = item
                .get("activeForm")
                .and_then(Value::as_str)
                .unwrap_or(&content)
                .to_owned();
            Some(Todo {
                content,
                status,
                active_form,
            })
        })
        .collect()
}

/// One line per item: `☒` struck through when done, `☐` bold while in
/// progress, `☐` otherwise.
pub(crate) fn todo_lines(todos: &[Todo]) -> Vec<Line<'static>> {
    todos
        .iter()
        .map(|todo| {
            let text = sanitize(&todo.content);
            match todo.status {
                TodoStatus::Completed => Line::from(vec![
                    Span::styled("☒ ", dim()),
                    Span::styled(text, dim().add_modifier(Modifier::CROSSED_OUT)),
                ]),
                TodoStatus::InProgress => Line::from(vec![
                    Span::styled("☐ ", Style::new().add_modifier(Modifier::BOLD)),
                    Span::styled(text, Style::new().add_modifier(Modifier::BOLD)),
                ]),
                TodoStatus::Pending => Line::from(vec![Span::raw("☐ "), Span::raw(text)]),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_todowrite_shape() {
        let todos = parse_todos(&serde_json::json!({"todos": [
            {"content": "Write tests", "status": "in_progress", "activeForm": "Writing tests"},
            {"content": "Ship", "status": "pending"},
            {"status": "completed"}
        ]}));
        assert_eq!(todos.len(), 2);
        assert_eq!(todos[0].status, TodoStatus::InProgress);
        assert_eq!(todos[0].active_form, "Writing tests");
        assert_eq!(todos[1].active_form, "Ship");
    }
}

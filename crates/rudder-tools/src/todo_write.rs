//! The TodoWrite tool: replaces the session's todo list.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (TodoWrite: `todos` R, an
//! array of `{content, status, activeForm}` with non-empty strings; the
//! whole list is replaced on each call; the list is session state).
//! The structured result is `{oldTodos, newTodos}`. It changes session
//! state only, never the file system, so it is marked read-only and may
//! run alongside other read-only calls.

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::file_tool::{parse_input, tool_error};
use crate::todo::{TodoItem, TodoStatus};
use crate::tool::{Tool, ToolContext, ToolOutput};

const DESCRIPTION: &str = "\
Keeps a structured todo list for the current task, visible to the user.

- Each call replaces the whole list, so send every item each time.
- Each item has content (what to do, in the imperative: \"Run the tests\"), activeForm (the same in the present continuous, shown while it is in progress: \"Running the tests\") and status: pending, in_progress or completed.
- Use it for work with three or more steps, or when the user gives several tasks. Skip it for a single, simple request.
- Keep exactly one item in_progress while working. Mark an item completed as soon as it is done, not in batches, and only when it is fully done (tests pass, nothing left half-finished). Add items that come up along the way; remove ones that no longer apply.";

/// Input of the TodoWrite tool.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TodoWriteInput {
    todos: Vec<TodoItem>,
}

/// The `TodoWrite` tool.
#[derive(Debug, Default, Clone, Copy)]
pub struct TodoWriteTool;

impl Tool for TodoWriteTool {
    fn name(&self) -> &str {
        "TodoWrite"
    }

    fn description(&self) -> &str {
        DESCRIPTION
    }

    fn input_schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "todos": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "content": {"type": "string", "minLength": 1},
                            "status": {
                                "type": "string",
                                "enum": ["pending", "in_progress", "completed"]
                            },
                            "activeForm": {"type": "string", "minLength": 1}
                        },
                        "required": ["content", "status", "activeForm"],
                        "additionalProperties": false
                    },
                    "description": "The whole updated todo list"
                }
            },
            "required": ["todos"],
            "additionalProperties": false,
            "$schema": "http://json-schema.org/draft-07/schema#"
        })
    }

    fn is_read_only(&self) -> bool {
        true
    }

    fn execute<'a>(&'a self, input: Value, ctx: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let input = match parse_input::<TodoWriteInput>("TodoWrite", input) {
                Ok(input) => input,
                Err(output) => return output,
            };
            if let Some(index) = input
                .todos
                .iter()
                .position(|item| item.content.is_empty() || item.active_form.is_empty())
            {
                return tool_error(format!(
                    "todos[{index}] has an empty content or activeForm; both must be non-empty text."
                ));
            }
            let count = |status| {
                input
                    .todos
                    .iter()
                    .filter(|item| item.status == status)
                    .count()
            };
            let summary = format!(
                "The todo list was updated: {} items ({} pending, {} in progress, {} completed). Keep it current as you work: mark an item in_progress when you start it and completed as soon as it is done.",
                input.todos.len(),
                count(TodoStatus::Pending),
                count(TodoStatus::InProgress),
                count(TodoStatus::Completed)
            );
            let old = {
                let mut todos = ctx
                    .state
                    .todos
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                std::mem::replace(&mut *todos, input.todos.clone())
            };
            ToolOutput::text(summary).with_structured(json!({
                "oldTodos": old,
                "newTodos": input.todos,
            }))
        })
    }
}

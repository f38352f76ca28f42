//! What a session has done that must survive compaction verbatim: the
//! files it modified, its recent tool failures and its todo list.
//!
//! Derived from the conversation alone (each `tool_use` paired with its
//! `tool_result`), so a live session and one restored from its transcript
//! derive the same facts. Facts of messages a compaction removed are
//! carried forward ([`SessionFacts::observe`] them before they go).

use std::collections::{HashMap, VecDeque};

use rudder_protocol::{ContentBlock, Message};
use serde_json::Value;

/// Recent tool failures kept.
pub const MAX_FAILURES: usize = 5;

/// Bytes of a failed call's input and error kept in the summary message.
const INPUT_BYTES: usize = 300;
const ERROR_BYTES: usize = 600;

/// Tools that modify the file named in their input, and the input field.
const FILE_TOOLS: &[(&str, &str)] = &[
    ("Edit", "file_path"),
    ("MultiEdit", "file_path"),
    ("Write", "file_path"),
    ("NotebookEdit", "notebook_path"),
];

/// One failed tool call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolFailure {
    /// Tool name.
    pub tool: String,
    /// The call's input as JSON, shortened.
    pub input: String,
    /// The error text, shortened.
    pub error: String,
}

/// The facts of a session so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionFacts {
    /// Files modified by the file tools, first modification first.
    pub modified_files: Vec<String>,
    /// The last [`MAX_FAILURES`] failed calls, oldest first.
    pub failures: VecDeque<ToolFailure>,
    /// The todo list given by the last successful TodoWrite, if any.
    pub todos: Option<Value>,
}

impl SessionFacts {
    /// Adds the facts of `messages` (in order) to these.
    pub fn observe(&mut self, messages: &[Message]) {
        let mut calls: HashMap<&str, (&str, &Value)> = HashMap::new();
        for message in messages {
            for block in &message.content {
                match block {
                    ContentBlock::ToolUse {
                        id, name, input, ..
                    } => {
                        calls.insert(id, (name, input));
                    }
                    ContentBlock::ToolResult {
                        tool_use_id,
                        content,
                        is_error,
                        ..
                    } => {
                        if let Some((name, input)) = calls.get(tool_use_id.as_str()) {
                            self.record(name, input, *is_error, &content.text());
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// These facts plus those of `messages`, leaving these untouched.
    pub fn with(&self, messages: &[Message]) -> Self {
        let mut facts = self.clone();
        facts.observe(messages);
        facts
    }

    fn record(&mut self, tool: &str, input: &Value, is_error: bool, output: &str) {
        if is_error {
            self.failures.push_back(ToolFailure {
                tool: tool.to_owned(),
                input: shorten(&input.to_string(), INPUT_BYTES),
                error: shorten(output, ERROR_BYTES),
            });
            while self.failures.len() > MAX_FAILURES {
                self.failures.pop_front();
            }
            return;
        }
        if tool == "TodoWrite"
            && let Some(todos) = input.get("todos")
        {
            self.todos = Some(todos.clone());
        }
        let path = FILE_TOOLS
            .iter()
            .find(|(name, _)| *name == tool)
            .and_then(|(_, field)| input.get(*field))
            .and_then(Value::as_str);
        if let Some(path) = path
            && !self.modified_files.iter().any(|known| known == path)
        {
            self.modified_files.push(path.to_owned());
        }
    }
}

/// `text` cut to at most `max` bytes on a character boundary, with `…`.
pub fn shorten(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let cut = (0..=max)
        .rev()
        .find(|index| text.is_char_boundary(*index))
        .unwrap_or(0);
    format!("{}…", &text[..cut])
}

#[cfg(test)]
mod tests {
    use rudder_protocol::Role;
    use serde_json::json;

    use super::*;

    fn call(id: &str, name: &str, input: Value) -> Message {
        Message::new(
            Role::Assistant,
            vec![ContentBlock::ToolUse {
                id: id.into(),
                name: name.into(),
                input,
                cache_control: None,
            }],
        )
    }

    fn result(id: &str, text: &str, is_error: bool) -> Message {
        Message::new(
            Role::User,
            vec![ContentBlock::tool_result(id, text, is_error)],
        )
    }

    #[test]
    fn collects_modified_files_failures_and_the_last_todo_list() {
        let messages = vec![
            call("1", "Edit", json!({"file_path": "/r/a.rs"})),
            result("1", "ok", false),
            call("2", "Write", json!({"file_path": "/r/b.rs"})),
            result("2", "denied", true),
            call("3", "TodoWrite", json!({"todos": [{"content": "x"}]})),
            result("3", "ok", false),
            call("4", "Edit", json!({"file_path": "/r/a.rs"})),
            result("4", "ok", false),
            call("5", "Bash", json!({"command": "cargo test"})),
            result("5", &"e".repeat(2000), true),
        ];
        let facts = SessionFacts::default().with(&messages);
        assert_eq!(facts.modified_files, ["/r/a.rs"]);
        assert_eq!(facts.todos, Some(json!([{"content": "x"}])));
        assert_eq!(facts.failures.len(), 2);
        assert_eq!(facts.failures[0].tool, "Write");
        assert!(facts.failures[1].error.len() <= ERROR_BYTES + 3);
        assert!(facts.failures[1].input.contains("cargo test"));
    }

    #[test]
    fn observing_in_two_parts_equals_observing_at_once() {
        let messages: Vec<Message> = (0..8)
            .flat_map(|i| {
                let id = i.to_string();
                [
                    call(&id, "Write", json!({"file_path": format!("/r/{i}")})),
                    result(&id, "bad", i % 2 == 0),
                ]
            })
            .collect();
        let whole = SessionFacts::default().with(&messages);
        let mut parts = SessionFacts::default();
        parts.observe(&messages[..6]);
        parts.observe(&messages[6..]);
        assert_eq!(parts, whole);
        assert_eq!(whole.failures.len(), 4);
    }
}

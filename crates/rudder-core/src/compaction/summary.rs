//! The summary request and the message that opens the compacted context.
//!
//! The request carries no tools (a summarizer that calls tools fails, the
//! cause of 2.79 % of Claude Code's failed compactions — USER-PAINS.md
//! §2.4). The conversation is rendered as text into the system prompt,
//! each tool result and input shortened, the oldest entries dropped first
//! when the whole does not fit the budget (§3.2: the summarizer's input
//! always fits). The user message holds only the instruction, which
//! starts with [`SUMMARY_INSTRUCTION`].
//!
//! Both builders are pure: the same inputs give the same bytes.

use rudder_protocol::{ContentBlock, Message, MessagesRequest, Role};

use super::facts::{SessionFacts, shorten};
use crate::prompt::system_reminder;

/// The start of every summary instruction (tests match requests on it).
pub const SUMMARY_INSTRUCTION: &str = "Write a summary of the conversation above";

/// Largest output of a summary, in tokens.
pub const SUMMARY_MAX_TOKENS: u32 = 16_000;

const ROLE_PROMPT: &str = "You summarize a coding session between a user and an AI coding assistant, so that \
the assistant can continue the work in a fresh context with only your summary, the files on disk and \
the most recent messages. You cannot use tools. Answer with the summary text only.";

/// Bytes kept of each tool result, tool input and text block in the
/// rendering.
const RESULT_BYTES: usize = 2_000;
const INPUT_BYTES: usize = 1_000;
const TEXT_BYTES: usize = 8_000;

/// Renders the `indices` of `messages` as a plain-text conversation of at
/// most about `budget_bytes` bytes: when it is longer, the oldest entries
/// after the first are dropped and a line says how many.
pub fn render_conversation(messages: &[Message], indices: &[usize], budget_bytes: usize) -> String {
    let mut entries: Vec<String> = Vec::new();
    for &index in indices {
        let Some(message) = messages.get(index) else {
            continue;
        };
        for block in &message.content {
            let entry = match (message.role, block) {
                (Role::User, ContentBlock::Text { text, .. }) => {
                    format!("User: {}", shorten(text, TEXT_BYTES))
                }
                (Role::Assistant, ContentBlock::Text { text, .. }) => {
                    format!("Assistant: {}", shorten(text, TEXT_BYTES))
                }
                (_, ContentBlock::ToolUse { name, input, .. }) => format!(
                    "Assistant called {name}: {}",
                    shorten(&input.to_string(), INPUT_BYTES)
                ),
                (
                    _,
                    ContentBlock::ToolResult {
                        content, is_error, ..
                    },
                ) => format!(
                    "{}: {}",
                    if *is_error {
                        "Tool error"
                    } else {
                        "Tool result"
                    },
                    shorten(&content.text(), RESULT_BYTES)
                ),
                (_, ContentBlock::Image { .. }) => "(an image)".to_owned(),
                _ => continue,
            };
            entries.push(entry);
        }
    }
    let mut total: usize = entries.iter().map(|entry| entry.len() + 2).sum();
    let mut dropped = 0;
    while total > budget_bytes && entries.len() > 2 + dropped {
        total -= entries[1 + dropped].len() + 2;
        dropped += 1;
    }
    if dropped > 0 {
        entries.drain(1..1 + dropped);
        entries.insert(
            1,
            format!("({dropped} earlier entries omitted to fit the summarizer's input)"),
        );
    }
    entries.join("\n\n")
}

/// The summary request: no tools, the conversation in the system prompt,
/// the instruction (and the user's own, for `/compact <instructions>`) as
/// the only message.
pub fn summary_request(
    model: &str,
    max_tokens: u32,
    conversation: &str,
    instructions: Option<&str>,
) -> MessagesRequest {
    let mut instruction = format!(
        "{SUMMARY_INSTRUCTION} for the assistant that will continue it. Cover: what the user asked for \
         and why, in their words where it matters; decisions made and their reasons; what was done \
         (files read and changed, commands run and what they showed); errors met and whether they were \
         solved; the current state of the work; and the next step that was about to be taken. Keep file \
         paths, names, commands and error messages exact."
    );
    if let Some(extra) = instructions.map(str::trim).filter(|text| !text.is_empty()) {
        instruction.push_str(&format!(
            "\n\nThe user's instructions for this summary: {extra}"
        ));
    }
    MessagesRequest {
        model: model.to_owned(),
        max_tokens: max_tokens.min(SUMMARY_MAX_TOKENS),
        system: vec![
            ContentBlock::text(ROLE_PROMPT),
            ContentBlock::text(format!("<conversation>\n{conversation}\n</conversation>")),
        ],
        messages: vec![Message::user_text(instruction)],
        tools: Vec::new(),
        thinking: None,
        metadata: None,
        stream: true,
    }
}

/// What the first message of a compacted context is made of.
#[derive(Debug, Clone, Copy)]
pub struct SummaryParts<'a> {
    /// `manual` or `auto`.
    pub trigger: &'a str,
    /// Context tokens before the compaction.
    pub pre_tokens: u64,
    /// The transcript file holding the removed messages (empty when the
    /// session is not persisted).
    pub transcript: &'a str,
    /// The environment block, re-captured.
    pub environment: &'a str,
    /// The memory files, re-read from disk and rendered (may be empty).
    pub memory: &'a str,
    /// The model's summary.
    pub summary: &'a str,
    /// Modified files, failures and todos of the whole session.
    pub facts: &'a SessionFacts,
    /// Context a `SessionStart` hook (source `compact`) added, if any.
    pub hook_context: Option<&'a str>,
}

/// The user message that opens the compacted context, one text block in a
/// `<system-reminder>`: what happened, the environment, the summary, the
/// memory files, the todo list, the files modified and recent failures.
pub fn summary_message(parts: SummaryParts<'_>) -> Message {
    let mut sections = vec![format!(
        "This conversation was compacted ({} trigger, about {} tokens before). The summary below replaces \
         the earlier messages{}; the most recent messages follow it unchanged.",
        parts.trigger,
        parts.pre_tokens,
        if parts.transcript.is_empty() {
            String::new()
        } else {
            format!(
                ", which remain in the session transcript {}",
                parts.transcript
            )
        }
    )];
    sections.push(parts.environment.to_owned());
    sections.push(format!("<summary>\n{}\n</summary>", parts.summary.trim()));
    if !parts.memory.is_empty() {
        sections.push(parts.memory.to_owned());
    }
    if let Some(todos) = &parts.facts.todos {
        sections.push(format!("The todo list, as last written:\n{todos}"));
    }
    if !parts.facts.modified_files.is_empty() {
        sections.push(format!(
            "Files modified in this session:\n{}",
            parts
                .facts
                .modified_files
                .iter()
                .map(|path| format!("- {path}"))
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    if !parts.facts.failures.is_empty() {
        sections.push(format!(
            "Recent tool failures (do not repeat them blindly):\n{}",
            parts
                .facts
                .failures
                .iter()
                .map(|failure| format!("- {} {}: {}", failure.tool, failure.input, failure.error))
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    if let Some(context) = parts.hook_context {
        sections.push(format!(
            "SessionStart:compact hook additional context:\n{context}"
        ));
    }
    Message::user_text(system_reminder(&sections.join("\n\n")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::compaction::facts::ToolFailure;

    fn conversation() -> Vec<Message> {
        vec![
            Message::user_text("fix the bug"),
            Message::new(
                Role::Assistant,
                vec![
                    ContentBlock::text("Looking."),
                    ContentBlock::ToolUse {
                        id: "t1".into(),
                        name: "Read".into(),
                        input: json!({"file_path": "/r/a.rs"}),
                        cache_control: None,
                    },
                ],
            ),
            Message::new(
                Role::User,
                vec![ContentBlock::tool_result("t1", "z".repeat(50_000), false)],
            ),
        ]
    }

    #[test]
    fn the_request_has_no_tools_and_the_conversation_in_the_system_prompt() {
        let messages = conversation();
        let text = render_conversation(&messages, &[0, 1, 2], 100_000);
        assert!(text.starts_with("User: fix the bug"));
        assert!(text.contains("Assistant called Read: {\"file_path\":\"/r/a.rs\"}"));
        assert!(
            text.len() < RESULT_BYTES + 200,
            "tool results are shortened"
        );
        let request = summary_request("m", 32_000, &text, Some("focus on the parser"));
        assert!(request.tools.is_empty());
        assert_eq!(request.max_tokens, SUMMARY_MAX_TOKENS);
        assert_eq!(request.messages.len(), 1);
        let instruction = request.messages[0].text();
        assert!(instruction.starts_with(SUMMARY_INSTRUCTION));
        assert!(instruction.contains("focus on the parser"));
        assert!(
            !instruction.contains("fix the bug"),
            "the conversation is not in the message"
        );
    }

    #[test]
    fn an_input_over_budget_drops_the_oldest_entries_but_the_first() {
        let messages: Vec<Message> = (0..50)
            .map(|i| Message::user_text(format!("entry {i} {}", "x".repeat(100))))
            .collect();
        let indices: Vec<usize> = (0..50).collect();
        let text = render_conversation(&messages, &indices, 1_500);
        assert!(text.len() < 1_800, "{}", text.len());
        assert!(text.starts_with("User: entry 0 "));
        assert!(text.contains("earlier entries omitted"));
        assert!(text.ends_with(&format!("entry 49 {}", "x".repeat(100))));
    }

    #[test]
    fn the_summary_message_keeps_every_fact_verbatim() {
        let facts = SessionFacts {
            modified_files: vec!["/r/a.rs".into()],
            failures: [ToolFailure {
                tool: "Bash".into(),
                input: "{\"command\":\"make\"}".into(),
                error: "make: *** No rule".into(),
            }]
            .into(),
            todos: Some(json!([{"content": "ship it", "status": "pending"}])),
        };
        let parts = SummaryParts {
            trigger: "auto",
            pre_tokens: 1234,
            transcript: "/h/s.jsonl",
            environment: "<env>\nToday's date: 2026-01-02\n</env>",
            memory: "<memory>\nuse tabs\n</memory>",
            summary: "We fixed the parser.",
            facts: &facts,
            hook_context: Some("hooked"),
        };
        let message = summary_message(parts);
        let text = message.text();
        for needle in [
            "auto trigger, about 1234 tokens",
            "/h/s.jsonl",
            "Today's date: 2026-01-02",
            "<summary>\nWe fixed the parser.\n</summary>",
            "use tabs",
            "ship it",
            "- /r/a.rs",
            "- Bash {\"command\":\"make\"}: make: *** No rule",
            "hook additional context:\nhooked",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in {text}");
        }
        assert_eq!(summary_message(parts), message, "deterministic");
    }
}

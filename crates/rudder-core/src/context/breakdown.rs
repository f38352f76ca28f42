//! The `/context` breakdown: how many tokens the system prompt, the tools,
//! the memory files, the messages and the tool results take, estimated from
//! the bytes each part is sent as (JSON, as in the request body).
//!
//! Pure functions over the frame and the messages; the same state always
//! gives the same numbers.

use rudder_protocol::{ContentBlock, Message};
use serde::Serialize;

use super::{ContextPart, estimate_tokens};
use crate::request::RequestFrame;

fn json_len(value: &impl Serialize) -> usize {
    serde_json::to_vec(value).map_or(0, |bytes| bytes.len())
}

/// Bytes of `messages` as sent: each block's JSON, plus a few bytes per
/// message for its role.
pub fn messages_bytes(messages: &[Message]) -> usize {
    messages
        .iter()
        .map(|message| 20 + message.content.iter().map(json_len).sum::<usize>())
        .sum()
}

/// Estimated tokens of the whole request built from `frame` and `messages`.
pub fn estimate_request_tokens(frame: &RequestFrame, messages: &[Message]) -> u64 {
    estimate_tokens(json_len(&frame.system) + json_len(&frame.tools) + messages_bytes(messages))
}

/// The parts of the context, in this order: `System prompt`, `System
/// tools`, `Memory files`, `Messages`, `Tool results`. `memory_bytes` are
/// the bytes of the memory files inside the messages (counted once, under
/// `Memory files`).
pub fn parts(frame: &RequestFrame, messages: &[Message], memory_bytes: u64) -> Vec<ContextPart> {
    let mut results = 0usize;
    let mut other = 0usize;
    for message in messages {
        other += 20;
        for block in &message.content {
            match block {
                ContentBlock::ToolResult { .. } => results += json_len(block),
                _ => other += json_len(block),
            }
        }
    }
    let memory = usize::try_from(memory_bytes)
        .unwrap_or(usize::MAX)
        .min(other);
    let part = |name: &str, bytes: usize| ContextPart {
        name: name.to_owned(),
        tokens: estimate_tokens(bytes),
    };
    vec![
        part("System prompt", json_len(&frame.system)),
        part("System tools", json_len(&frame.tools)),
        part("Memory files", memory),
        part("Messages", other - memory),
        part("Tool results", results),
    ]
}

#[cfg(test)]
mod tests {
    use rudder_protocol::{Role, ToolDefinition, ToolSpec};
    use serde_json::json;

    use super::*;

    #[test]
    fn tool_results_and_memory_are_their_own_parts() {
        let frame = RequestFrame {
            model: "m".into(),
            max_tokens: 10,
            thinking: None,
            system: vec![ContentBlock::text("s".repeat(400))],
            tools: vec![ToolSpec::Custom(ToolDefinition {
                name: "Read".into(),
                description: "d".repeat(800),
                input_schema: json!({}),
                cache_control: None,
            })],
        };
        let messages = vec![
            Message::user_text(format!("{}question", "m".repeat(1000))),
            Message::new(
                Role::User,
                vec![ContentBlock::tool_result("t1", "r".repeat(4000), false)],
            ),
        ];
        let parts = parts(&frame, &messages, 1000);
        let names: Vec<&str> = parts.iter().map(|part| part.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "System prompt",
                "System tools",
                "Memory files",
                "Messages",
                "Tool results"
            ]
        );
        assert_eq!(parts[2].tokens, 250);
        assert!(
            parts[4].tokens > 1000 && parts[4].tokens < 1050,
            "{parts:?}"
        );
        assert!(parts[3].tokens < 50, "{parts:?}");
        let total: u64 = parts.iter().map(|part| part.tokens).sum();
        let estimate = estimate_request_tokens(&frame, &messages);
        assert!(total.abs_diff(estimate) <= 5, "{total} vs {estimate}");
    }
}

//! The deterministic fallback when no summary can be had: the oldest tool
//! results are replaced, visibly, by a stub that names the call, until
//! enough bytes are free.
//!
//! Invariants: the results of the newest tool-results message are never
//! touched (the model is about to act on them); a stub says what was
//! removed and where it still is (the transcript, under its
//! `tool_use_id`); [`apply`] gives the same bytes live and on resume.

use rudder_protocol::{ContentBlock, Message, ToolResultContent};

/// How every stub starts.
pub const STUB_PREFIX: &str = "[Tool result removed to free context";

/// The text that replaces a removed result of `bytes` bytes.
pub fn stub(tool_use_id: &str, bytes: usize) -> String {
    format!(
        "{STUB_PREFIX}: {bytes} bytes. The full result stays in the session transcript under tool_use_id \
         {tool_use_id}.]"
    )
}

fn is_stub(content: &ToolResultContent) -> bool {
    matches!(content, ToolResultContent::Text(text) if text.starts_with(STUB_PREFIX))
}

/// The `tool_use_id`s whose results to remove, oldest first, until about
/// `bytes_to_free` bytes are freed. Results already stubbed and those of the
/// newest message holding results are skipped. Empty when nothing can go.
pub fn choose(messages: &[Message], bytes_to_free: usize) -> Vec<String> {
    let newest = messages.iter().rposition(|message| {
        message
            .content
            .iter()
            .any(|block| matches!(block, ContentBlock::ToolResult { .. }))
    });
    let mut chosen = Vec::new();
    let mut freed = 0usize;
    for (index, message) in messages.iter().enumerate() {
        if Some(index) == newest || freed >= bytes_to_free {
            break;
        }
        for block in &message.content {
            if let ContentBlock::ToolResult {
                tool_use_id,
                content,
                ..
            } = block
                && !is_stub(content)
            {
                let size = content.byte_len();
                let saved = size.saturating_sub(stub(tool_use_id, size).len());
                if saved == 0 {
                    continue;
                }
                freed += saved;
                chosen.push(tool_use_id.clone());
                if freed >= bytes_to_free {
                    break;
                }
            }
        }
    }
    chosen
}

/// Replaces the results of `tool_use_ids` in `messages` with their stubs
/// (the `is_error` flag is kept). Returns how many were replaced.
pub fn apply(messages: &mut [Message], tool_use_ids: &[String]) -> usize {
    let mut replaced = 0;
    for message in messages {
        for block in &mut message.content {
            if let ContentBlock::ToolResult {
                tool_use_id,
                content,
                ..
            } = block
                && tool_use_ids.contains(tool_use_id)
                && !is_stub(content)
            {
                *content = ToolResultContent::Text(stub(tool_use_id, content.byte_len()));
                replaced += 1;
            }
        }
    }
    replaced
}

#[cfg(test)]
mod tests {
    use rudder_protocol::Role;

    use super::*;

    fn results(ids: &[&str], size: usize) -> Message {
        Message::new(
            Role::User,
            ids.iter()
                .map(|id| ContentBlock::tool_result(*id, "r".repeat(size), false))
                .collect(),
        )
    }

    #[test]
    fn removes_the_oldest_results_first_and_never_the_newest() {
        let answer = Message::new(Role::Assistant, vec![ContentBlock::text("ok")]);
        let mut messages = vec![
            Message::user_text("go"),
            results(&["a", "b"], 1000),
            answer.clone(),
            results(&["c"], 1000),
            answer,
            results(&["d"], 1000),
        ];
        assert_eq!(choose(&messages, 1500), ["a", "b"]);
        assert_eq!(
            choose(&messages, 100_000),
            ["a", "b", "c"],
            "d is the newest"
        );
        let ids = choose(&messages, 1500);
        let before = messages.clone();
        assert_eq!(apply(&mut messages, &ids), 2);
        let ContentBlock::ToolResult { content, .. } = &messages[1].content[0] else {
            panic!("not a result");
        };
        assert_eq!(
            content.text(),
            "[Tool result removed to free context: 1000 bytes. The full result stays in the session \
             transcript under tool_use_id a.]"
        );
        assert_eq!(messages[3], before[3]);
        assert_eq!(
            choose(&messages, 1500),
            ["c"],
            "stubs are not removed twice"
        );
        let mut again = before;
        apply(&mut again, &ids);
        assert_eq!(again, messages, "deterministic");
    }
}

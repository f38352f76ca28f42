//! Building a Messages request from a session's persisted state.
//!
//! Invariant (ARCHITECTURE.md, "Cache-exact prefixes"): the request is a pure
//! function of the frame frozen at session start and the messages in the
//! transcript. The same state always yields the same bytes; appending a
//! message only appends bytes after the previous request's last breakpoint.
//!
//! Consecutive messages of the same role (a prompt after a failed request,
//! a continuation after `pause_turn`) are merged into one message, as the
//! API itself would read them; the merge only appends blocks, so it keeps
//! earlier prefixes intact.
//!
//! Breakpoints (at most 3 of the API's 4): the last tool, the last system
//! block, and the last cacheable block of the newest message. Providers with
//! automatic prefix caching get no markers (same bytes otherwise).

use rudder_protocol::request::ThinkingConfig;
use rudder_protocol::{CacheControl, ContentBlock, Message, MessagesRequest, ToolSpec};
use serde_json::Value;

/// The part of every request fixed when the session starts.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestFrame {
    /// Model id.
    pub model: String,
    /// Output token cap.
    pub max_tokens: u32,
    /// Extended thinking, when on.
    pub thinking: Option<ThinkingConfig>,
    /// System prompt blocks (no markers).
    pub system: Vec<ContentBlock>,
    /// Tools in request order (sorted by name; no markers).
    pub tools: Vec<ToolSpec>,
}

/// Per-request options that do not change the cached content.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuildOptions {
    /// Place `cache_control` markers (false for automatic-caching providers
    /// and with `DISABLE_PROMPT_CACHING`).
    pub cache_breakpoints: bool,
    /// `metadata` object, e.g. `{"user_id": …}`.
    pub metadata: Option<Value>,
}

/// Builds the request for `frame` and `messages`.
pub fn build_request(
    frame: &RequestFrame,
    messages: &[Message],
    options: &BuildOptions,
) -> MessagesRequest {
    let mut request = MessagesRequest {
        model: frame.model.clone(),
        max_tokens: frame.max_tokens,
        system: frame.system.clone(),
        messages: merge_same_role(messages),
        tools: frame.tools.clone(),
        thinking: frame.thinking.clone(),
        metadata: options.metadata.clone(),
        stream: true,
    };
    if options.cache_breakpoints {
        place_breakpoints(&mut request);
    }
    request
}

fn merge_same_role(messages: &[Message]) -> Vec<Message> {
    let mut merged: Vec<Message> = Vec::with_capacity(messages.len());
    for message in messages {
        match merged.last_mut() {
            Some(last) if last.role == message.role => {
                last.content.extend(message.content.iter().cloned())
            }
            _ => merged.push(message.clone()),
        }
    }
    merged
}

fn place_breakpoints(request: &mut MessagesRequest) {
    let marker = Some(CacheControl::ephemeral());
    if let Some(tool) = request.tools.last_mut() {
        tool.set_cache_control(marker.clone());
    }
    if let Some(block) = request.system.last_mut() {
        block.set_cache_control(marker.clone());
    }
    if let Some(block) = request.messages.last_mut().and_then(|message| {
        message
            .content
            .iter_mut()
            .rev()
            .find(|block| block.is_cacheable())
    }) {
        block.set_cache_control(marker);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rudder_protocol::cache::cache_order;
    use rudder_protocol::{Role, ToolDefinition};
    use serde_json::json;

    fn frame() -> RequestFrame {
        RequestFrame {
            model: "claude-test".into(),
            max_tokens: 1000,
            thinking: None,
            system: vec![ContentBlock::text("You are a test.")],
            tools: vec![ToolSpec::Custom(ToolDefinition {
                name: "Read".into(),
                description: "Reads.".into(),
                input_schema: json!({"type": "object"}),
                cache_control: None,
            })],
        }
    }

    fn cached() -> BuildOptions {
        BuildOptions {
            cache_breakpoints: true,
            metadata: None,
        }
    }

    #[test]
    fn places_three_breakpoints() {
        let request = build_request(&frame(), &[Message::user_text("hi")], &cached());
        assert_eq!(request.breakpoint_count(), 3);
        assert!(request.tools[0].has_cache_control());
        assert!(request.system[0].cache_control().is_some());
        assert!(request.messages[0].content[0].cache_control().is_some());
    }

    #[test]
    fn no_markers_without_caching_and_same_cache_bytes() {
        let messages = [Message::user_text("hi")];
        let plain = build_request(&frame(), &messages, &BuildOptions::default());
        assert_eq!(plain.breakpoint_count(), 0);
        let marked = build_request(&frame(), &messages, &cached());
        assert_eq!(cache_order(&plain).bytes, cache_order(&marked).bytes);
    }

    #[test]
    fn the_marker_skips_thinking_blocks() {
        let messages = [
            Message::user_text("hi"),
            Message::new(
                Role::Assistant,
                vec![
                    ContentBlock::text("partial"),
                    ContentBlock::Thinking {
                        thinking: "t".into(),
                        signature: "s".into(),
                    },
                ],
            ),
        ];
        let request = build_request(&frame(), &messages, &cached());
        assert!(request.messages[1].content[0].cache_control().is_some());
    }

    #[test]
    fn consecutive_user_messages_merge_without_moving_earlier_bytes() {
        let mut messages = vec![Message::user_text("first")];
        let first = cache_order(&build_request(&frame(), &messages, &cached()));
        messages.push(Message::user_text("second"));
        let request = build_request(&frame(), &messages, &cached());
        assert_eq!(request.messages.len(), 1);
        assert_eq!(request.messages[0].content.len(), 2);
        let second = cache_order(&request);
        let end = first.last_breakpoint();
        assert_eq!(&second.bytes[..end], &first.bytes[..end]);
    }

    #[test]
    fn a_longer_conversation_extends_the_previous_prefix() {
        let mut messages = vec![Message::user_text("one")];
        let first = cache_order(&build_request(&frame(), &messages, &cached()));
        messages.push(Message::new(
            Role::Assistant,
            vec![ContentBlock::text("ok")],
        ));
        messages.push(Message::user_text("two"));
        let second = cache_order(&build_request(&frame(), &messages, &cached()));
        let end = first.last_breakpoint();
        assert_eq!(&second.bytes[..end], &first.bytes[..end]);
    }
}

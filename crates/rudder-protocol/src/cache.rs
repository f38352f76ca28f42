//! The prompt-cache view of a request: its bytes in cache order and where
//! its breakpoints end.
//!
//! The Anthropic API caches a request's prefix in the order tools → system →
//! messages, up to and including a block marked with `cache_control`
//! (<https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching>).
//! The marker itself is not part of the cached content. [`cache_order`]
//! renders a request the same way: every element serialized without its
//! marker, in cache order, with each marker recorded as an end offset.
//!
//! The invariant rudder holds (ARCHITECTURE.md, "Cache-exact prefixes"):
//! for consecutive requests N and N+1 of a session, and for a resumed
//! session, `cache_order(N+1).bytes` starts with `cache_order(N).bytes` up to
//! N's last breakpoint. The request builder, the cache-health report and the
//! testkit's usage model all read requests through this one function.

use serde::Serialize;

use crate::request::MessagesRequest;

/// One element of the cache-order rendering and where its bytes lie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Where the element sits in the request: `model`, `tools[2]`,
    /// `system[1]`, `messages[4]` (role header) or `messages[4].content[0]`.
    pub location: String,
    /// First byte of the element in [`CacheOrder::bytes`].
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
}

/// A request rendered in cache order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheOrder {
    /// Canonical bytes: one JSON value per element, each followed by `\n`.
    pub bytes: Vec<u8>,
    /// The elements in order.
    pub segments: Vec<Segment>,
    /// End offsets (exclusive) of the elements that carry `cache_control`,
    /// ascending.
    pub breakpoints: Vec<usize>,
}

impl CacheOrder {
    /// End offset of the last breakpoint, or 0 when the request has none.
    pub fn last_breakpoint(&self) -> usize {
        self.breakpoints.last().copied().unwrap_or(0)
    }

    /// The location of the element holding byte `offset`.
    pub fn location_of(&self, offset: usize) -> Option<&str> {
        self.segments
            .iter()
            .find(|segment| segment.start <= offset && offset < segment.end)
            .map(|segment| segment.location.as_str())
    }

    /// Length of the longest common prefix of `self.bytes` and `other.bytes`.
    pub fn common_prefix_len(&self, other: &CacheOrder) -> usize {
        self.bytes
            .iter()
            .zip(&other.bytes)
            .take_while(|(a, b)| a == b)
            .count()
    }

    fn push(&mut self, location: String, value: &impl Serialize, marked: bool) {
        let start = self.bytes.len();
        // Serializing plain data into a Vec cannot fail; an empty element
        // would only make a later comparison stricter.
        let _ = serde_json::to_writer(&mut self.bytes, value);
        self.bytes.push(b'\n');
        let end = self.bytes.len();
        if marked {
            self.breakpoints.push(end);
        }
        self.segments.push(Segment {
            location,
            start,
            end,
        });
    }
}

/// Renders `request` in cache order with every `cache_control` removed.
///
/// The model id comes first: a cache never survives a model switch.
pub fn cache_order(request: &MessagesRequest) -> CacheOrder {
    let mut order = CacheOrder::default();
    order.push("model".to_owned(), &request.model, false);
    for (i, tool) in request.tools.iter().enumerate() {
        let marked = tool.has_cache_control();
        let mut bare = tool.clone();
        bare.set_cache_control(None);
        order.push(format!("tools[{i}]"), &bare, marked);
    }
    for (i, block) in request.system.iter().enumerate() {
        let marked = block.cache_control().is_some();
        let mut bare = block.clone();
        bare.set_cache_control(None);
        order.push(format!("system[{i}]"), &bare, marked);
    }
    for (i, message) in request.messages.iter().enumerate() {
        order.push(format!("messages[{i}]"), &message.role, false);
        for (j, block) in message.content.iter().enumerate() {
            let marked = block.cache_control().is_some();
            let mut bare = block.clone();
            bare.set_cache_control(None);
            order.push(format!("messages[{i}].content[{j}]"), &bare, marked);
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{CacheControl, ContentBlock};
    use crate::message::Message;

    fn request(messages: Vec<Message>) -> MessagesRequest {
        MessagesRequest {
            model: "m".into(),
            max_tokens: 10,
            system: vec![ContentBlock::text("sys")],
            messages,
            tools: vec![],
            thinking: None,
            metadata: None,
            stream: true,
        }
    }

    #[test]
    fn markers_do_not_change_bytes_but_record_breakpoints() {
        let plain = request(vec![Message::user_text("a")]);
        let mut marked = plain.clone();
        marked.messages[0].content[0].set_cache_control(Some(CacheControl::ephemeral()));
        let (plain, marked) = (cache_order(&plain), cache_order(&marked));
        assert_eq!(plain.bytes, marked.bytes);
        assert!(plain.breakpoints.is_empty());
        assert_eq!(marked.breakpoints, vec![marked.bytes.len()]);
        assert_eq!(
            marked.location_of(marked.bytes.len() - 2),
            Some("messages[0].content[0]")
        );
    }

    #[test]
    fn an_appended_turn_extends_the_prefix() {
        let first = request(vec![Message::user_text("a")]);
        let mut second = first.clone();
        second.messages.push(Message::user_text("b"));
        let (first, second) = (cache_order(&first), cache_order(&second));
        assert_eq!(first.common_prefix_len(&second), first.bytes.len());
    }
}

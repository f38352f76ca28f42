//! Cache health: after each response, did the prompt cache read what the
//! previous request made cacheable — and if not, where did the prefix
//! change?
//!
//! The rule (ARCHITECTURE.md, "Cache-exact prefixes"): request N+1 starts
//! with request N's bytes, in cache order
//! ([`rudder_protocol::cache::cache_order`]), up to N's last breakpoint, so
//! it should read at least what N read and wrote. A miss is reported when
//! the prefix changed (with the first differing byte offset and the part
//! that holds it: `tools[3]`, `system[0]`, `messages[4].content[1]`, …), or
//! when it did not change but the API read less than expected (an expired
//! cache, a provider that did not cache). A deliberate change — a
//! compaction — resets the baseline first, so it is never reported.
//!
//! Memory: one request's cache-order bytes are kept, the size of the
//! context, which compaction bounds.

use rudder_protocol::cache::{CacheOrder, cache_order};
use rudder_protocol::event::CacheMiss;
use rudder_protocol::{MessagesRequest, Usage};

/// The previous request, as far as the next one is compared with it.
#[derive(Debug, Clone, Default)]
pub struct CacheHealth {
    previous: Option<Previous>,
}

#[derive(Debug, Clone)]
struct Previous {
    order: CacheOrder,
    /// Tokens it read from and wrote to the cache.
    cacheable: u64,
}

impl CacheHealth {
    /// Compares `request` and its `usage` with the previous request, then
    /// makes it the baseline. Returns the miss to report, if any. Requests
    /// without breakpoints (caching off, automatic-caching providers) are
    /// never judged.
    pub fn observe(&mut self, request: &MessagesRequest, usage: &Usage) -> Option<CacheMiss> {
        let order = cache_order(request);
        if order.breakpoints.is_empty() {
            self.previous = None;
            return None;
        }
        let miss = self.previous.as_ref().and_then(|previous| {
            let end = previous.order.last_breakpoint();
            let common = previous.order.common_prefix_len(&order);
            let expected = previous.cacheable;
            let actual = usage.cache_read_input_tokens;
            if common < end {
                let part = order
                    .location_of(common)
                    .or_else(|| previous.order.location_of(common))
                    .map(str::to_owned);
                return Some(CacheMiss {
                    expected_read_tokens: expected,
                    actual_read_tokens: actual,
                    first_difference: Some(common),
                    changed_part: part,
                });
            }
            (actual < expected).then_some(CacheMiss {
                expected_read_tokens: expected,
                actual_read_tokens: actual,
                first_difference: None,
                changed_part: None,
            })
        });
        self.previous = Some(Previous {
            order,
            cacheable: usage.cache_read_input_tokens + usage.cache_creation_input_tokens,
        });
        miss
    }

    /// Forgets the baseline: the next request is not judged (after a
    /// compaction, which changes the prefix on purpose).
    pub fn reset(&mut self) {
        self.previous = None;
    }
}

#[cfg(test)]
mod tests {
    use rudder_protocol::{ContentBlock, Message, Role};

    use super::*;
    use crate::request::{BuildOptions, RequestFrame, build_request};

    fn frame(system: &str) -> RequestFrame {
        RequestFrame {
            model: "m".into(),
            max_tokens: 10,
            thinking: None,
            system: vec![ContentBlock::text(system)],
            tools: vec![],
        }
    }

    fn request(system: &str, messages: &[Message]) -> MessagesRequest {
        build_request(
            &frame(system),
            messages,
            &BuildOptions {
                cache_breakpoints: true,
                metadata: None,
            },
        )
    }

    fn usage(read: u64, written: u64) -> Usage {
        Usage {
            cache_read_input_tokens: read,
            cache_creation_input_tokens: written,
            ..Usage::default()
        }
    }

    fn grow(messages: &mut Vec<Message>) {
        messages.push(Message::new(
            Role::Assistant,
            vec![ContentBlock::text("ok")],
        ));
        messages.push(Message::user_text("more"));
    }

    #[test]
    fn a_hit_is_quiet_and_a_short_read_is_reported() {
        let mut health = CacheHealth::default();
        let mut messages = vec![Message::user_text("hi")];
        assert_eq!(
            health.observe(&request("s", &messages), &usage(0, 100)),
            None
        );
        grow(&mut messages);
        assert_eq!(
            health.observe(&request("s", &messages), &usage(100, 20)),
            None
        );
        grow(&mut messages);
        let miss = health
            .observe(&request("s", &messages), &usage(0, 140))
            .unwrap();
        assert_eq!(
            (miss.expected_read_tokens, miss.actual_read_tokens),
            (120, 0)
        );
        assert_eq!(miss.first_difference, None, "the prefix itself was intact");
    }

    #[test]
    fn a_changed_prefix_names_the_offset_and_the_part() {
        let mut health = CacheHealth::default();
        let mut messages = vec![Message::user_text("hi")];
        health.observe(&request("s", &messages), &usage(0, 100));
        grow(&mut messages);
        let changed = request("s2", &messages);
        let miss = health.observe(&changed, &usage(0, 120)).unwrap();
        let offset = miss.first_difference.unwrap();
        assert_eq!(miss.changed_part.as_deref(), Some("system[0]"));
        assert_eq!(cache_order(&changed).location_of(offset), Some("system[0]"));
    }

    #[test]
    fn after_a_reset_nothing_is_judged() {
        let mut health = CacheHealth::default();
        health.observe(&request("s", &[Message::user_text("hi")]), &usage(0, 100));
        health.reset();
        assert_eq!(
            health.observe(&request("other", &[Message::user_text("x")]), &usage(0, 5)),
            None
        );
    }
}

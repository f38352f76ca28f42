//! The token and prompt-cache model behind the usage the server reports.
//!
//! Not Anthropic's tokenizer: a token is 4 bytes of canonical request text,
//! rounded up. What it models exactly is *which bytes would hit the cache*,
//! because that is what rudder's cache-exactness tests measure.
//!
//! Anthropic (explicit breakpoints, see
//! <https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching>):
//! every earlier request leaves its prefixes `bytes[..bp]`, one per
//! breakpoint, in the cache. A request reads the longest remembered prefix
//! that its own bytes start with and that ends at or before its last
//! breakpoint; it writes the rest up to that breakpoint; the bytes after it
//! are plain input. Prefixes are remembered as (length, 128-bit hash), so the
//! memory used does not grow with request size.
//!
//! OpenAI (automatic prefix caching,
//! <https://platform.openai.com/docs/guides/prompt-caching>): the cached part
//! is the longest common prefix with any earlier request, in tokens rounded
//! down to a multiple of 4.

use std::collections::{BTreeSet, HashSet};

use rudder_protocol::Usage;
use rudder_protocol::cache::CacheOrder;
use rudder_protocol::usage::CacheCreation;

use crate::ids::Fnv128;

/// Tokens in `bytes` bytes: `ceil(bytes / 4)`.
pub(crate) fn tokens(bytes: usize) -> u64 {
    (bytes as u64).div_ceil(4)
}

/// Prefixes that earlier Anthropic requests left in the cache.
#[derive(Debug, Default)]
pub(crate) struct AnthropicCache {
    /// Every remembered prefix length, ascending.
    lengths: BTreeSet<usize>,
    /// `(length, hash of bytes[..length])` of every remembered prefix.
    prefixes: HashSet<(usize, u128)>,
}

impl AnthropicCache {
    /// The input side of the usage for `order` (`output_tokens` 0), then
    /// remembers `order`'s breakpoint prefixes for later requests.
    pub(crate) fn measure(&mut self, order: &CacheOrder) -> Usage {
        let last = order.last_breakpoint();
        let read = self.longest_hit(&order.bytes[..last]);
        let cached = tokens(last);
        let read_tokens = tokens(read);
        let created = cached.saturating_sub(read_tokens);
        self.remember(order);
        Usage {
            input_tokens: tokens(order.bytes.len()).saturating_sub(cached),
            cache_creation_input_tokens: created,
            cache_read_input_tokens: read_tokens,
            output_tokens: 0,
            cache_creation: Some(CacheCreation {
                ephemeral_5m_input_tokens: created,
                ephemeral_1h_input_tokens: 0,
            }),
            server_tool_use: None,
            service_tier: Some("standard".to_owned()),
        }
    }

    /// Length of the longest remembered prefix of `bytes` (0 when none).
    fn longest_hit(&self, bytes: &[u8]) -> usize {
        if bytes.is_empty() {
            return 0;
        }
        let mut hash = Fnv128::new();
        let mut hashed = 0;
        let mut best = 0;
        for &length in self.lengths.range(1..=bytes.len()) {
            hash.write(&bytes[hashed..length]);
            hashed = length;
            if self.prefixes.contains(&(length, hash.value())) {
                best = length;
            }
        }
        best
    }

    fn remember(&mut self, order: &CacheOrder) {
        let mut hash = Fnv128::new();
        let mut hashed = 0;
        for &end in &order.breakpoints {
            hash.write(&order.bytes[hashed..end]);
            hashed = end;
            self.lengths.insert(end);
            self.prefixes.insert((end, hash.value()));
        }
    }
}

/// Earlier OpenAI requests, as canonical bytes. A request that another one
/// extends is dropped: every later prefix match with it is also one with
/// the longer request.
#[derive(Debug, Default)]
pub(crate) struct OpenAiCache {
    earlier: Vec<Vec<u8>>,
}

/// OpenAI prompt token counts of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PromptTokens {
    /// `prompt_tokens`: all input tokens.
    pub(crate) prompt: u64,
    /// `prompt_tokens_details.cached_tokens`.
    pub(crate) cached: u64,
}

impl OpenAiCache {
    /// Measures `bytes` against the earlier requests, then remembers it.
    pub(crate) fn measure(&mut self, bytes: Vec<u8>) -> PromptTokens {
        let common = self
            .earlier
            .iter()
            .map(|earlier| common_prefix(earlier, &bytes))
            .max()
            .unwrap_or(0);
        let prompt = tokens(bytes.len());
        let cached = tokens(common) / 4 * 4;
        self.earlier.retain(|earlier| !bytes.starts_with(earlier));
        self.earlier.push(bytes);
        PromptTokens { prompt, cached }
    }
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::anthropic_cache_order;
    use serde_json::{Value, json};

    fn request(system: &str, turns: usize) -> Value {
        let mut messages = Vec::new();
        for i in 0..turns {
            messages.push(json!({"role": "user", "content": [{"type": "text", "text": format!("question {i} {}", "x".repeat(40))}]}));
            messages.push(json!({"role": "assistant", "content": [{"type": "text", "text": format!("answer {i}")}]}));
        }
        messages.push(json!({"role": "user", "content": [{"type": "text", "text": "last", "cache_control": {"type": "ephemeral"}}]}));
        json!({
            "model": "m", "max_tokens": 10,
            "system": [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
            "messages": messages,
        })
    }

    #[test]
    fn tokens_round_up() {
        assert_eq!((tokens(0), tokens(1), tokens(4), tokens(5)), (0, 1, 1, 2));
    }

    #[test]
    fn a_first_request_writes_everything_up_to_its_last_breakpoint() {
        let order = anthropic_cache_order(&request("sys", 0));
        let usage = AnthropicCache::default().measure(&order);
        assert_eq!(usage.cache_read_input_tokens, 0);
        assert_eq!(usage.cache_creation_input_tokens, tokens(order.bytes.len()));
        assert_eq!(usage.input_tokens, 0);
        assert_eq!(
            usage.cache_creation.unwrap().ephemeral_5m_input_tokens,
            usage.cache_creation_input_tokens
        );
    }

    #[test]
    fn an_extended_request_reads_the_earlier_breakpoint_prefix() {
        let mut cache = AnthropicCache::default();
        let first = anthropic_cache_order(&request("sys", 1));
        cache.measure(&first);
        // The second request keeps the first's messages (the old last block
        // loses its marker, as a request builder moves it forward).
        let mut body = request("sys", 2);
        body["messages"][2]["content"][0]["text"] = json!("last");
        let second = anthropic_cache_order(&body);
        assert!(second.bytes.starts_with(&first.bytes));
        let usage = cache.measure(&second);
        assert_eq!(
            usage.cache_read_input_tokens,
            tokens(first.last_breakpoint())
        );
        assert_eq!(
            usage.cache_read_input_tokens + usage.cache_creation_input_tokens,
            tokens(second.last_breakpoint())
        );
        assert_eq!(usage.input_tokens, 0);
    }

    #[test]
    fn a_changed_system_prompt_reads_nothing() {
        let mut cache = AnthropicCache::default();
        cache.measure(&anthropic_cache_order(&request("sys one", 1)));
        let usage = cache.measure(&anthropic_cache_order(&request("sys two", 1)));
        assert_eq!(usage.cache_read_input_tokens, 0);
    }

    #[test]
    fn a_repeated_request_reads_it_all_and_text_after_the_breakpoint_is_input() {
        let mut cache = AnthropicCache::default();
        let mut body = request("sys", 1);
        body["messages"]
            .as_array_mut()
            .unwrap()
            .push(json!({"role": "assistant", "content": "unmarked tail text"}));
        let order = anthropic_cache_order(&body);
        cache.measure(&order);
        let usage = cache.measure(&order);
        assert_eq!(
            usage.cache_read_input_tokens,
            tokens(order.last_breakpoint())
        );
        assert_eq!(usage.cache_creation_input_tokens, 0);
        assert_eq!(
            usage.input_tokens,
            tokens(order.bytes.len()) - tokens(order.last_breakpoint())
        );
    }

    #[test]
    fn without_breakpoints_everything_is_input() {
        let body = json!({"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": "hello"}]});
        let order = anthropic_cache_order(&body);
        let mut cache = AnthropicCache::default();
        cache.measure(&order);
        let usage = cache.measure(&order);
        assert_eq!(usage.input_tokens, tokens(order.bytes.len()));
        assert_eq!(
            usage.cache_read_input_tokens + usage.cache_creation_input_tokens,
            0
        );
    }

    #[test]
    fn a_request_without_breakpoints_after_cached_ones_reads_nothing() {
        let mut cache = AnthropicCache::default();
        cache.measure(&anthropic_cache_order(&request("sys", 1)));
        let plain =
            json!({"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}]});
        let usage = cache.measure(&anthropic_cache_order(&plain));
        assert_eq!(usage.cache_read_input_tokens, 0);
        assert!(usage.input_tokens > 0);
    }

    #[test]
    fn openai_caches_the_longest_common_prefix_in_steps_of_four_tokens() {
        let mut cache = OpenAiCache::default();
        let first = vec![b'a'; 100];
        assert_eq!(cache.measure(first.clone()).cached, 0);
        let mut second = first.clone();
        second.extend_from_slice(&[b'b'; 30]);
        assert_eq!(
            cache.measure(second.clone()),
            PromptTokens {
                prompt: 33,
                cached: 24
            }
        );
        assert_eq!(
            cache.earlier.len(),
            1,
            "the extended request replaced the first"
        );
        let mut other = vec![b'a'; 50];
        other.push(b'c');
        assert_eq!(cache.measure(other).cached, 12);
    }
}

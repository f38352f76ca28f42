//! Token usage as the Anthropic API reports it, and its sum over a session.
//!
//! Contract: the `usage` object of Messages API responses and of the
//! `message_start` / `message_delta` stream events. All counts are tokens.

use serde::{Deserialize, Serialize};

/// Split of cache writes by time to live (tokens).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheCreation {
    /// Tokens written with the 5-minute TTL.
    #[serde(default)]
    pub ephemeral_5m_input_tokens: u64,
    /// Tokens written with the 1-hour TTL.
    #[serde(default)]
    pub ephemeral_1h_input_tokens: u64,
}

/// Server-side tool calls billed per request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerToolUsage {
    /// `web_search` calls the API made.
    #[serde(default)]
    pub web_search_requests: u64,
    /// `web_fetch` calls the API made.
    #[serde(default)]
    pub web_fetch_requests: u64,
}

/// Token usage of one request, or a sum of several.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Uncached input tokens (after the last cache breakpoint that hit).
    #[serde(default)]
    pub input_tokens: u64,
    /// Input tokens written to the prompt cache.
    #[serde(default)]
    pub cache_creation_input_tokens: u64,
    /// Input tokens read from the prompt cache.
    #[serde(default)]
    pub cache_read_input_tokens: u64,
    /// Generated tokens.
    #[serde(default)]
    pub output_tokens: u64,
    /// Cache writes split by TTL, when the API reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_creation: Option<CacheCreation>,
    /// Server tool calls, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_tool_use: Option<ServerToolUsage>,
    /// `standard`, `priority` or `batch`, when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
}

impl Usage {
    /// Adds `other` into `self`, field by field. Counts saturate at
    /// `u64::MAX`: they come from the server, and no value it sends may
    /// overflow.
    pub fn add(&mut self, other: &Usage) {
        let sum = |ours: &mut u64, theirs: u64| *ours = ours.saturating_add(theirs);
        sum(&mut self.input_tokens, other.input_tokens);
        sum(
            &mut self.cache_creation_input_tokens,
            other.cache_creation_input_tokens,
        );
        sum(
            &mut self.cache_read_input_tokens,
            other.cache_read_input_tokens,
        );
        sum(&mut self.output_tokens, other.output_tokens);
        if let Some(theirs) = other.cache_creation {
            let ours = self
                .cache_creation
                .get_or_insert_with(CacheCreation::default);
            sum(
                &mut ours.ephemeral_5m_input_tokens,
                theirs.ephemeral_5m_input_tokens,
            );
            sum(
                &mut ours.ephemeral_1h_input_tokens,
                theirs.ephemeral_1h_input_tokens,
            );
        }
        if let Some(theirs) = other.server_tool_use {
            let ours = self
                .server_tool_use
                .get_or_insert_with(ServerToolUsage::default);
            sum(&mut ours.web_search_requests, theirs.web_search_requests);
            sum(&mut ours.web_fetch_requests, theirs.web_fetch_requests);
        }
        if other.service_tier.is_some() {
            self.service_tier.clone_from(&other.service_tier);
        }
    }

    /// Merges a `message_delta` usage into the `message_start` usage: the
    /// API sends cumulative counts in the delta, so any non-zero field
    /// replaces the earlier value.
    pub fn merge_delta(&mut self, delta: &Usage) {
        let replace = |ours: &mut u64, theirs: u64| {
            if theirs != 0 {
                *ours = theirs;
            }
        };
        replace(&mut self.input_tokens, delta.input_tokens);
        replace(
            &mut self.cache_creation_input_tokens,
            delta.cache_creation_input_tokens,
        );
        replace(
            &mut self.cache_read_input_tokens,
            delta.cache_read_input_tokens,
        );
        replace(&mut self.output_tokens, delta.output_tokens);
        if delta.cache_creation.is_some() {
            self.cache_creation = delta.cache_creation;
        }
        if delta.server_tool_use.is_some() {
            self.server_tool_use = delta.server_tool_use;
        }
    }

    /// All input tokens of the request: uncached + cache write + cache read
    /// (saturating at `u64::MAX`).
    pub fn total_input_tokens(&self) -> u64 {
        self.input_tokens
            .saturating_add(self.cache_creation_input_tokens)
            .saturating_add(self.cache_read_input_tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_sums_every_field() {
        let mut total = Usage::default();
        let one = Usage {
            input_tokens: 1,
            cache_creation_input_tokens: 2,
            cache_read_input_tokens: 3,
            output_tokens: 4,
            cache_creation: Some(CacheCreation {
                ephemeral_5m_input_tokens: 2,
                ephemeral_1h_input_tokens: 0,
            }),
            server_tool_use: None,
            service_tier: Some("standard".into()),
        };
        total.add(&one);
        total.add(&one);
        assert_eq!(total.total_input_tokens(), 12);
        assert_eq!(total.output_tokens, 8);
        assert_eq!(total.cache_creation.unwrap().ephemeral_5m_input_tokens, 4);
    }

    #[test]
    fn counts_a_server_reports_beyond_reason_saturate_instead_of_overflowing() {
        let huge = Usage {
            input_tokens: u64::MAX,
            cache_read_input_tokens: 1,
            cache_creation: Some(CacheCreation {
                ephemeral_5m_input_tokens: u64::MAX,
                ephemeral_1h_input_tokens: 0,
            }),
            server_tool_use: Some(ServerToolUsage {
                web_search_requests: u64::MAX,
                web_fetch_requests: 0,
            }),
            ..Usage::default()
        };
        assert_eq!(huge.total_input_tokens(), u64::MAX);
        let mut total = huge.clone();
        total.add(&huge);
        assert_eq!(total.input_tokens, u64::MAX);
        assert_eq!(
            total.cache_creation.unwrap().ephemeral_5m_input_tokens,
            u64::MAX
        );
        assert_eq!(total.server_tool_use.unwrap().web_search_requests, u64::MAX);
    }

    #[test]
    fn delta_replaces_only_reported_fields() {
        let mut usage = Usage {
            input_tokens: 10,
            cache_read_input_tokens: 5,
            output_tokens: 1,
            ..Usage::default()
        };
        usage.merge_delta(&Usage {
            output_tokens: 42,
            ..Usage::default()
        });
        assert_eq!(
            (
                usage.input_tokens,
                usage.cache_read_input_tokens,
                usage.output_tokens
            ),
            (10, 5, 42)
        );
    }
}

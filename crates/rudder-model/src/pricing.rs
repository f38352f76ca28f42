//! What a model call costs, from its usage.
//!
//! Prices are US dollars per million tokens, from Anthropic's pricing page
//! (<https://platform.claude.com/docs/en/about-claude/pricing>, "Model
//! pricing" table, stored copy of 2026): base input, 5-minute cache writes,
//! 1-hour cache writes, cache hits, output. Models are matched by id
//! family, so dated ids (`claude-sonnet-4-5-20250929`), provider prefixes
//! (`anthropic/…`) and the `[1m]` context suffix price like their family.
//! Long-context surcharges and batch discounts are not modelled. A model not
//! in the table has no price: callers show it as unpriced, never as free.

use rudder_protocol::Usage;

/// Prices of one model family, US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    /// Uncached input tokens.
    pub input: f64,
    /// Cache writes with the 5-minute TTL (the default).
    pub cache_write_5m: f64,
    /// Cache writes with the 1-hour TTL.
    pub cache_write_1h: f64,
    /// Cache hits and refreshes.
    pub cache_read: f64,
    /// Output tokens.
    pub output: f64,
}

const FABLE_5_1: Price = Price {
    input: 10.0,
    cache_write_5m: 12.5,
    cache_write_1h: 20.0,
    cache_read: 0.25,
    output: 50.0,
};
const FABLE_5: Price = Price {
    input: 10.0,
    cache_write_5m: 12.5,
    cache_write_1h: 20.0,
    cache_read: 1.0,
    output: 50.0,
};
const OPUS_4_5: Price = Price {
    input: 5.0,
    cache_write_5m: 6.25,
    cache_write_1h: 10.0,
    cache_read: 0.5,
    output: 25.0,
};
const OPUS_4: Price = Price {
    input: 15.0,
    cache_write_5m: 18.75,
    cache_write_1h: 30.0,
    cache_read: 1.5,
    output: 75.0,
};
/// Sonnet 5: $2 / $10 per the models overview page; cache rates follow the
/// standard multipliers (1.25×, 2×, 0.1× of input).
const SONNET_5: Price = Price {
    input: 2.0,
    cache_write_5m: 2.5,
    cache_write_1h: 4.0,
    cache_read: 0.2,
    output: 10.0,
};
const SONNET_4: Price = Price {
    input: 3.0,
    cache_write_5m: 3.75,
    cache_write_1h: 6.0,
    cache_read: 0.3,
    output: 15.0,
};
const HAIKU_4_5: Price = Price {
    input: 1.0,
    cache_write_5m: 1.25,
    cache_write_1h: 2.0,
    cache_read: 0.1,
    output: 5.0,
};
const HAIKU_3_5: Price = Price {
    input: 0.8,
    cache_write_5m: 1.0,
    cache_write_1h: 1.6,
    cache_read: 0.08,
    output: 4.0,
};
const HAIKU_3: Price = Price {
    input: 0.25,
    cache_write_5m: 0.3,
    cache_write_1h: 0.5,
    cache_read: 0.03,
    output: 1.25,
};

/// Family prefixes in match order: more specific ids first.
const TABLE: &[(&[&str], Price)] = &[
    (&["claude-fable-5-1", "claude-mythos-5-1"], FABLE_5_1),
    (&["claude-fable-5", "claude-mythos-5"], FABLE_5),
    (
        &[
            "claude-opus-5",
            "claude-opus-4-8",
            "claude-opus-4-7",
            "claude-opus-4-6",
            "claude-opus-4-5",
        ],
        OPUS_4_5,
    ),
    (&["claude-opus-4", "claude-3-opus"], OPUS_4),
    (&["claude-sonnet-5"], SONNET_5),
    (
        &["claude-sonnet-4", "claude-3-7-sonnet", "claude-3-5-sonnet"],
        SONNET_4,
    ),
    (&["claude-haiku-4"], HAIKU_4_5),
    (&["claude-3-5-haiku"], HAIKU_3_5),
    (&["claude-3-haiku"], HAIKU_3),
];

/// Context window when the id says nothing else, in tokens.
pub const DEFAULT_CONTEXT_WINDOW: u64 = 200_000;

/// Context window of the `[1m]` variants, in tokens.
pub const LONG_CONTEXT_WINDOW: u64 = 1_000_000;

/// The model id without a provider prefix (`anthropic/`) or a `[…]` suffix.
fn family_id(model: &str) -> &str {
    let model = model.rsplit('/').next().unwrap_or(model);
    model.split('[').next().unwrap_or(model)
}

/// The price of `model`, or `None` when it is not in the table.
pub fn price(model: &str) -> Option<Price> {
    let id = family_id(model);
    TABLE
        .iter()
        .find(|(prefixes, _)| prefixes.iter().any(|prefix| id.starts_with(prefix)))
        .map(|(_, price)| *price)
}

/// Cost of one call's `usage` with `price`, in US dollars. Cache writes
/// are split by TTL when the usage reports the split; otherwise they are
/// priced at the 5-minute rate (the API default).
pub fn cost_with(price: &Price, usage: &Usage) -> f64 {
    let (write_5m, write_1h) = match usage.cache_creation {
        Some(split)
            if split
                .ephemeral_5m_input_tokens
                .checked_add(split.ephemeral_1h_input_tokens)
                == Some(usage.cache_creation_input_tokens) =>
        {
            (
                split.ephemeral_5m_input_tokens,
                split.ephemeral_1h_input_tokens,
            )
        }
        _ => (usage.cache_creation_input_tokens, 0),
    };
    let per_token = |count: u64, dollars_per_million: f64| count as f64 * dollars_per_million / 1e6;
    per_token(usage.input_tokens, price.input)
        + per_token(write_5m, price.cache_write_5m)
        + per_token(write_1h, price.cache_write_1h)
        + per_token(usage.cache_read_input_tokens, price.cache_read)
        + per_token(usage.output_tokens, price.output)
}

/// Cost of one call of `model` with `usage`, in US dollars; `None` when
/// the model has no known price.
pub fn cost_usd(model: &str, usage: &Usage) -> Option<f64> {
    price(model).map(|price| cost_with(&price, usage))
}

/// Context window of `model` in tokens: 1 000 000 for ids ending in
/// `[1m]`, else 200 000.
pub fn context_window(model: &str) -> u64 {
    if model.ends_with("[1m]") {
        LONG_CONTEXT_WINDOW
    } else {
        DEFAULT_CONTEXT_WINDOW
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rudder_protocol::usage::CacheCreation;

    #[test]
    fn a_split_that_overflows_is_not_trusted_and_does_not_panic() {
        let usage = Usage {
            cache_creation_input_tokens: 10,
            cache_creation: Some(CacheCreation {
                ephemeral_5m_input_tokens: u64::MAX,
                ephemeral_1h_input_tokens: 11,
            }),
            ..Usage::default()
        };
        let cost = cost_with(&SONNET_4, &usage);
        assert!((cost - 10.0 * SONNET_4.cache_write_5m / 1e6).abs() < 1e-12);
    }

    #[test]
    fn families_match_dated_prefixed_and_suffixed_ids() {
        assert_eq!(price("claude-sonnet-4-5-20250929"), Some(SONNET_4));
        assert_eq!(price("anthropic/claude-opus-4-8[1m]"), Some(OPUS_4_5));
        assert_eq!(price("claude-opus-4-1-20250805"), Some(OPUS_4));
        assert_eq!(price("claude-opus-4-20250514"), Some(OPUS_4));
        assert_eq!(price("claude-haiku-4-5"), Some(HAIKU_4_5));
        assert_eq!(price("claude-3-5-haiku-latest"), Some(HAIKU_3_5));
        assert_eq!(price("llama3:8b"), None);
    }

    #[test]
    fn every_usage_field_is_priced() {
        let usage = Usage {
            input_tokens: 1_000_000,
            cache_creation_input_tokens: 1_000_000,
            cache_read_input_tokens: 1_000_000,
            output_tokens: 1_000_000,
            ..Usage::default()
        };
        let cost = cost_usd("claude-sonnet-4-5", &usage).unwrap();
        assert!((cost - (3.0 + 3.75 + 0.3 + 15.0)).abs() < 1e-9, "{cost}");
    }

    #[test]
    fn the_ttl_split_prices_one_hour_writes_higher() {
        let usage = Usage {
            cache_creation_input_tokens: 2_000_000,
            cache_creation: Some(CacheCreation {
                ephemeral_5m_input_tokens: 1_000_000,
                ephemeral_1h_input_tokens: 1_000_000,
            }),
            ..Usage::default()
        };
        let cost = cost_usd("claude-haiku-4-5", &usage).unwrap();
        assert!((cost - (1.25 + 2.0)).abs() < 1e-9, "{cost}");
    }

    #[test]
    fn long_context_ids_have_the_long_window() {
        assert_eq!(context_window("claude-opus-4-8[1m]"), 1_000_000);
        assert_eq!(context_window("claude-opus-4-8"), 200_000);
    }
}

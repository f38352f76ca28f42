//! Usage and cost totals of a session.
//!
//! Every model call — turns and side calls alike — is added here exactly
//! once, right after its usage is written to the transcript, so the totals
//! in the headless `result` record equal the sum of the logged usages
//! (USER-PAINS.md §2.6). Costs come from `rudder_model::pricing`.

use std::collections::BTreeMap;

use rudder_model::pricing;
use rudder_protocol::Usage;
use rudder_protocol::event::ModelUsage;

/// Running totals for one session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Accounting {
    usage: Usage,
    per_model: BTreeMap<String, ModelUsage>,
    cost_usd: f64,
    unpriced_models: Vec<String>,
}

impl Accounting {
    /// Adds one call's `usage`, made with `model`.
    pub fn record(&mut self, model: &str, usage: &Usage) {
        self.usage.add(usage);
        let cost = pricing::cost_usd(model, usage);
        if cost.is_none() && !self.unpriced_models.iter().any(|known| known == model) {
            self.unpriced_models.push(model.to_owned());
        }
        let cost = cost.unwrap_or(0.0);
        self.cost_usd += cost;
        let entry = self
            .per_model
            .entry(model.to_owned())
            .or_insert_with(|| ModelUsage {
                context_window: pricing::context_window(model),
                ..ModelUsage::default()
            });
        entry.input_tokens += usage.input_tokens;
        entry.output_tokens += usage.output_tokens;
        entry.cache_read_input_tokens += usage.cache_read_input_tokens;
        entry.cache_creation_input_tokens += usage.cache_creation_input_tokens;
        entry.web_search_requests += usage
            .server_tool_use
            .map_or(0, |server| server.web_search_requests);
        entry.cost_usd += cost;
    }

    /// Usage summed over every call.
    pub fn usage(&self) -> &Usage {
        &self.usage
    }

    /// Per-model totals (the result record's `modelUsage`).
    pub fn per_model(&self) -> &BTreeMap<String, ModelUsage> {
        &self.per_model
    }

    /// Total cost in US dollars (models without a known price count 0).
    pub fn cost_usd(&self) -> f64 {
        self.cost_usd
    }

    /// Models used that have no price in the table.
    pub fn unpriced_models(&self) -> &[String] {
        &self.unpriced_models
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_equal_the_sum_of_recorded_calls() {
        let mut accounting = Accounting::default();
        let call = Usage {
            input_tokens: 100,
            output_tokens: 50,
            cache_read_input_tokens: 1000,
            ..Usage::default()
        };
        accounting.record("claude-sonnet-4-5", &call);
        accounting.record("claude-sonnet-4-5", &call);
        accounting.record("claude-haiku-4-5", &call);
        assert_eq!(accounting.usage().input_tokens, 300);
        assert_eq!(
            accounting.per_model()["claude-sonnet-4-5"].output_tokens,
            100
        );
        let sum: f64 = accounting
            .per_model()
            .values()
            .map(|model| model.cost_usd)
            .sum();
        assert!((sum - accounting.cost_usd()).abs() < 1e-12);
        assert!(accounting.cost_usd() > 0.0);
    }

    #[test]
    fn unknown_models_are_listed_not_priced() {
        let mut accounting = Accounting::default();
        accounting.record("local-llama", &Usage::default());
        assert_eq!(accounting.unpriced_models(), ["local-llama"]);
    }
}

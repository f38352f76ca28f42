//! Combining the outcomes of the hooks of one event, which ran in
//! parallel, into the one outcome the agent acts on. Pure.
//!
//! Rules (deterministic: they depend only on configuration order, never on
//! which hook finished first — CLAUDE-CODE-INTERFACE.md §5.1 says matching
//! hooks run in parallel but not how their answers combine, so rudder
//! picks the strictest reading):
//! - decision: any `Block` wins (the reasons of every blocking hook, joined
//!   by newlines, audience of the first); else any `Ask` (first reason);
//!   else any `Allow` (first reason); else none;
//! - `continue_session` is false if any hook said `"continue": false`;
//!   `stop_reason` is the first such hook's;
//! - `additional_context` and `system_message` are concatenated (newline
//!   separated) in configuration order;
//! - `updated_input`: the last hook (in configuration order) that gave one
//!   wins; `updated_permissions` are concatenated;
//! - `interrupt` and `timed_out` are true if any hook's is.
//!
//! Per-run fields (`transcript_output`, `user_warning`, `suppress_output`)
//! are reported per run by the runner; the merged outcome leaves them
//! empty.

use rudder_config::hooks::{HookDecision, HookOutcome};

/// Merges `outcomes`, given in configuration order.
pub(super) fn merge(outcomes: &[HookOutcome]) -> HookOutcome {
    let mut merged = HookOutcome {
        decision: merge_decisions(outcomes),
        ..HookOutcome::default()
    };
    for outcome in outcomes {
        if !outcome.continue_session && merged.continue_session {
            merged.continue_session = false;
            merged.stop_reason = outcome.stop_reason.clone();
        }
        append(
            &mut merged.system_message,
            outcome.system_message.as_deref(),
        );
        append(
            &mut merged.additional_context,
            outcome.additional_context.as_deref(),
        );
        if outcome.updated_input.is_some() {
            merged.updated_input = outcome.updated_input.clone();
        }
        merged
            .updated_permissions
            .extend(outcome.updated_permissions.iter().cloned());
        merged.interrupt |= outcome.interrupt;
        merged.timed_out |= outcome.timed_out;
    }
    merged
}

fn merge_decisions(outcomes: &[HookOutcome]) -> HookDecision {
    let blocks: Vec<&HookDecision> = outcomes
        .iter()
        .map(|outcome| &outcome.decision)
        .filter(|decision| matches!(decision, HookDecision::Block { .. }))
        .collect();
    if let Some(HookDecision::Block { audience, .. }) = blocks.first() {
        let reasons: Vec<&str> = blocks
            .iter()
            .filter_map(|decision| match decision {
                HookDecision::Block { reason, .. } => Some(reason.as_str()),
                _ => None,
            })
            .collect();
        return HookDecision::Block {
            reason: reasons.join("\n"),
            audience: *audience,
        };
    }
    let first = |wanted: fn(&HookDecision) -> bool| {
        outcomes
            .iter()
            .map(|outcome| &outcome.decision)
            .find(|decision| wanted(decision))
            .cloned()
    };
    first(|decision| matches!(decision, HookDecision::Ask { .. }))
        .or_else(|| first(|decision| matches!(decision, HookDecision::Allow { .. })))
        .unwrap_or(HookDecision::None)
}

fn append(target: &mut Option<String>, text: Option<&str>) {
    let Some(text) = text.filter(|text| !text.trim().is_empty()) else {
        return;
    };
    match target {
        Some(existing) => {
            existing.push('\n');
            existing.push_str(text);
        }
        None => *target = Some(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use rudder_config::hooks::Audience;
    use serde_json::json;

    use super::*;

    fn with(decision: HookDecision) -> HookOutcome {
        HookOutcome {
            decision,
            ..HookOutcome::default()
        }
    }

    fn block(reason: &str) -> HookDecision {
        HookDecision::Block {
            reason: reason.into(),
            audience: Audience::Model,
        }
    }

    #[test]
    fn any_block_wins_with_every_reason_in_configuration_order() {
        let merged = merge(&[
            with(HookDecision::Allow { reason: None }),
            with(block("first")),
            with(HookDecision::Ask { reason: None }),
            with(block("second")),
        ]);
        assert_eq!(merged.decision, block("first\nsecond"));
    }

    #[test]
    fn ask_beats_allow_and_none_is_neutral() {
        let merged = merge(&[
            HookOutcome::default(),
            with(HookDecision::Allow {
                reason: Some("ok".into()),
            }),
            with(HookDecision::Ask {
                reason: Some("check".into()),
            }),
        ]);
        assert_eq!(
            merged.decision,
            HookDecision::Ask {
                reason: Some("check".into())
            }
        );
        assert_eq!(
            merge(&[HookOutcome::default()]).decision,
            HookDecision::None
        );
    }

    #[test]
    fn contexts_concatenate_and_the_last_updated_input_wins() {
        let merged = merge(&[
            HookOutcome {
                additional_context: Some("one".into()),
                updated_input: Some(json!({"command": "a"})),
                ..HookOutcome::default()
            },
            HookOutcome {
                additional_context: Some("two".into()),
                updated_input: Some(json!({"command": "b"})),
                continue_session: false,
                stop_reason: Some("enough".into()),
                ..HookOutcome::default()
            },
            HookOutcome {
                continue_session: false,
                stop_reason: Some("later".into()),
                ..HookOutcome::default()
            },
        ]);
        assert_eq!(merged.additional_context.as_deref(), Some("one\ntwo"));
        assert_eq!(merged.updated_input, Some(json!({"command": "b"})));
        assert!(!merged.continue_session);
        assert_eq!(merged.stop_reason.as_deref(), Some("enough"));
    }
}

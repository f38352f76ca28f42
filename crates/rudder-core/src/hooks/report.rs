//! What running the hooks of one event gave: the merged outcome the agent
//! acts on, and one summary per run for the stream and the transcript.

use rudder_config::hooks::{HookDecision, HookOutcome};
use rudder_protocol::hook::HookRunFinished;

/// The result of [`super::HookRunner::run`].
#[derive(Debug, Clone, Default)]
pub struct HookReport {
    /// The merged outcome (see `merge.rs` for the rules); the default
    /// outcome (no decision, continue) when no hook ran.
    pub outcome: HookOutcome,
    /// One summary per hook run, in configuration order.
    pub runs: Vec<HookRunFinished>,
}

impl HookReport {
    /// The block reason, when a hook blocked.
    pub fn block_reason(&self) -> Option<&str> {
        match &self.outcome.decision {
            HookDecision::Block { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// The reason to stop the run, when a hook said `"continue": false`
    /// (its `stopReason`, or a plain sentence naming the event).
    pub fn stop_request(&self) -> Option<String> {
        if self.outcome.continue_session {
            return None;
        }
        let event = self.runs.first().map_or("a", |run| run.hook_name.as_str());
        Some(match &self.outcome.stop_reason {
            Some(reason) => format!("Stopped by the {event} hook: {reason}"),
            None => format!("Stopped by the {event} hook (\"continue\": false)"),
        })
    }
}

/// What one run did, in words, for [`HookRunFinished::effect`]; `None`
/// when it decided and added nothing.
pub(super) fn effect_of(outcome: &HookOutcome) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    match &outcome.decision {
        HookDecision::None => {}
        HookDecision::Allow { .. } => parts.push("allowed the call".to_owned()),
        HookDecision::Ask { .. } => parts.push("asked for approval".to_owned()),
        HookDecision::Block { reason, .. } => parts.push(format!("blocked: {reason}")),
    }
    if !outcome.continue_session {
        parts.push(match &outcome.stop_reason {
            Some(reason) => format!("stopped the run: {reason}"),
            None => "stopped the run".to_owned(),
        });
    }
    if outcome.updated_input.is_some() {
        parts.push("rewrote the tool input".to_owned());
    }
    if outcome.additional_context.is_some() {
        parts.push("added context".to_owned());
    }
    if outcome.timed_out {
        parts.push("timed out".to_owned());
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

#[cfg(test)]
mod tests {
    use rudder_config::hooks::Audience;

    use super::*;

    #[test]
    fn effects_name_what_the_hook_did() {
        assert_eq!(effect_of(&HookOutcome::default()), None);
        let outcome = HookOutcome {
            decision: HookDecision::Block {
                reason: "no rm".into(),
                audience: Audience::Model,
            },
            additional_context: Some("x".into()),
            ..HookOutcome::default()
        };
        assert_eq!(
            effect_of(&outcome).as_deref(),
            Some("blocked: no rm; added context")
        );
    }
}

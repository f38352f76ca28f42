//! Decisions for the file tools: Read, Grep, Glob, LS (reads) and Edit,
//! Write, MultiEdit, NotebookEdit (writes). Pure.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §3.2 — reads inside the working
//! directories need no prompt, writes outside always prompt; acceptEdits
//! auto-accepts edits inside them; `Read(...)`/`Edit(...)` path rules;
//! protected paths; §3.1 plan mode refuses edits.

use rudder_protocol::permission::{PermissionMode, RuleBehavior};

use super::paths::{approved, blocked, protected, rule_hit, secret, show};
use super::rules::{first_rule, path_rule};
use super::{Decision, plan_refusal, suggest};
use crate::call::{FileTarget, ResolvedCall};
use crate::policy::Policy;
use crate::rule::Specifier;

/// Decides a file-tool call.
pub(super) fn decide(call: &ResolvedCall, target: &FileTarget, policy: &Policy) -> Decision {
    let tool = call.tool_name.as_str();
    let writes = target.writes;
    let bypass = policy.mode == PermissionMode::BypassPermissions;

    // 1. Deny rules.
    if let Some(rule) = first_rule(policy, RuleBehavior::Deny, tool, |s| {
        matches!(s, Specifier::Any)
    }) {
        return Decision::Deny {
            reason: format!("`{tool}` is denied by rule {}", rule.describe()),
        };
    }
    for path in &target.paths {
        if let Some(reason) = rule_hit(policy, RuleBehavior::Deny, writes, path) {
            return Decision::Deny { reason };
        }
    }
    // 2. Plan mode.
    if writes && policy.mode == PermissionMode::Plan {
        return plan_refusal(&format!("`{tool}` edits files"));
    }
    // 3. Ask rules.
    if let Some(rule) = first_rule(policy, RuleBehavior::Ask, tool, |s| {
        matches!(s, Specifier::Any)
    }) {
        return Decision::ask(format!(
            "`{tool}` needs approval under rule {}",
            rule.describe()
        ));
    }
    for path in &target.paths {
        if let Some(reason) = rule_hit(policy, RuleBehavior::Ask, writes, path) {
            return Decision::Ask {
                reason,
                suggestions: Vec::new(),
                blocked_path: Some(blocked(path)),
            };
        }
    }
    // 4. Built-in protections.
    for path in &target.paths {
        if let Some(reason) = secret(policy, path, writes) {
            return Decision::Deny { reason };
        }
    }
    if !bypass {
        if let Some(why) = &target.unresolved {
            return Decision::ask(format!("`{tool}`: {why}"));
        }
        if writes {
            for path in &target.paths {
                if let Some(reason) = protected(policy, path) {
                    return Decision::Ask {
                        reason,
                        suggestions: Vec::new(),
                        blocked_path: Some(blocked(path)),
                    };
                }
                if !approved(policy, path, true) {
                    return Decision::Ask {
                        reason: format!("{} is outside the working directories", show(path)),
                        suggestions: vec![suggest::add_directory(path)],
                        blocked_path: Some(blocked(path)),
                    };
                }
            }
        }
    }
    // 5. bypassPermissions.
    if bypass {
        return Decision::Allow {
            reason: "bypassPermissions mode".into(),
        };
    }
    // 6. Allow rules, scope, acceptEdits.
    if let Some(rule) = first_rule(policy, RuleBehavior::Allow, tool, |s| {
        matches!(s, Specifier::Any)
    }) {
        return Decision::Allow {
            reason: format!("allowed by rule {}", rule.describe()),
        };
    }
    if !target.paths.is_empty()
        && let Some(rule) = target
            .paths
            .iter()
            .map(|p| path_rule(policy, RuleBehavior::Allow, writes, p))
            .collect::<Option<Vec<_>>>()
            .and_then(|rules| rules.first().copied())
    {
        return Decision::Allow {
            reason: format!("allowed by rule {}", rule.describe()),
        };
    }
    if !writes {
        return match target.paths.iter().find(|p| !approved(policy, p, false)) {
            None => Decision::Allow {
                reason: "reads inside the working directories".into(),
            },
            Some(path) => Decision::Ask {
                reason: format!("{} is outside the working directories", show(path)),
                suggestions: vec![suggest::add_directory(path)],
                blocked_path: Some(blocked(path)),
            },
        };
    }
    if policy.mode == PermissionMode::AcceptEdits {
        return Decision::Allow {
            reason: "acceptEdits mode: edits inside the working directories".into(),
        };
    }
    // 7. Ask.
    let shown = target
        .paths
        .first()
        .map(show)
        .unwrap_or_else(|| "a file".into());
    Decision::Ask {
        reason: format!("`{tool}` wants to change {shown}"),
        suggestions: vec![suggest::accept_edits()],
        blocked_path: None,
    }
}

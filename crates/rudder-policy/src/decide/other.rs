//! Decisions for tools that touch no local path: WebFetch (by host), Agent
//! (by subagent type), Skill (by name), MCP tools (by name) and any other
//! tool (by name and `param:value` rules). Pure.
//!
//! Network and MCP tools are never allowed by the tool's own read-only
//! claim (CVE-2025-55284: network egress is never implicit); other tools
//! that say they are read-only (TodoWrite, ExitPlanMode, …) run without
//! asking.

use rudder_protocol::permission::{PermissionMode, RuleBehavior};
use serde_json::Value;

use super::rules::first_rule;
use super::{Decision, plan_refusal, suggest};
use crate::call::{ResolvedCall, Target};
use crate::policy::Policy;
use crate::rule::Specifier;
use crate::tools::{self, ToolKind};

/// Decides a call that is neither a file tool nor Bash.
pub(super) fn decide(call: &ResolvedCall, policy: &Policy) -> Decision {
    let tool = call.tool_name.as_str();
    let matches = |spec: &Specifier| specifier_matches(spec, call);
    if let Some(rule) = first_rule(policy, RuleBehavior::Deny, tool, matches) {
        return Decision::Deny {
            reason: format!("`{tool}` is denied by rule {}", rule.describe()),
        };
    }
    let kind = tools::kind_of(tool);
    let self_read_only =
        call.read_only && matches!(kind, ToolKind::Other | ToolKind::Agent | ToolKind::Skill);
    if policy.mode == PermissionMode::Plan && !call.read_only {
        return plan_refusal(&format!("`{tool}` is not a read-only tool"));
    }
    if let Some(rule) = first_rule(policy, RuleBehavior::Ask, tool, matches) {
        return Decision::ask(format!(
            "`{tool}` needs approval under rule {}",
            rule.describe()
        ));
    }
    if policy.mode == PermissionMode::BypassPermissions {
        return Decision::Allow {
            reason: "bypassPermissions mode".into(),
        };
    }
    if let Some(rule) = first_rule(policy, RuleBehavior::Allow, tool, matches) {
        return Decision::Allow {
            reason: format!("allowed by rule {}", rule.describe()),
        };
    }
    if self_read_only {
        return Decision::Allow {
            reason: format!("`{tool}` is read-only"),
        };
    }
    let (what, suggestion) = match &call.target {
        Target::Web { host: Some(host) } => (
            format!("fetching from {host}"),
            Some(format!("domain:{host}")),
        ),
        Target::Web { host: None } => ("fetching a URL that does not parse".to_string(), None),
        _ => (format!("using `{tool}`"), None),
    };
    let suggestions = match (&call.target, suggestion) {
        (Target::Web { .. }, Some(content)) => {
            vec![suggest::allow_rules(tool, vec![Some(content)])]
        }
        (Target::Web { .. }, None) => Vec::new(),
        _ => vec![suggest::allow_rules(tool, vec![None])],
    };
    Decision::Ask {
        reason: format!("{what} needs approval"),
        suggestions,
        blocked_path: None,
    }
}

/// Whether a rule's specifier covers this call.
fn specifier_matches(spec: &Specifier, call: &ResolvedCall) -> bool {
    match (spec, &call.target) {
        (Specifier::Any, _) => true,
        (Specifier::Domain(pattern), Target::Web { host: Some(host) }) => pattern.matches(host),
        (
            Specifier::Exact(kind),
            Target::Agent {
                subagent_type: Some(t),
            },
        ) => kind == t,
        (Specifier::Command(pattern), Target::Skill { text }) => pattern.matches(text),
        (Specifier::Param { key, pattern }, _) => match call.input.get(key) {
            Some(Value::String(s)) => pattern.matches(s),
            Some(Value::Number(n)) => pattern.matches(&n.to_string()),
            Some(Value::Bool(b)) => pattern.matches(&b.to_string()),
            _ => false,
        },
        _ => false,
    }
}

//! The decision engine: a resolved call and a policy in, a decision out.
//!
//! PURE: no filesystem, no process, no clock, no randomness, no hash-map
//! iteration — the same input always gives the same output (tested). All
//! I/O happened in [`crate::resolve`] and the policy builder.
//!
//! Order (CLAUDE-CODE-INTERFACE.md §3.2 "deny → ask → allow, first match
//! wins regardless of specificity", across all sources; §3.1 modes):
//! 1. deny rules (a deny anywhere beats an allow anywhere);
//! 2. plan mode's refusals (edits and non-read-only commands);
//! 3. ask rules;
//! 4. built-in protections: secrets (deny unless a rule names the path),
//!    critical `rm`, leaving the sandbox and whole-tree reads (`grep -r`)
//!    reaching an entry a `Read(...)` deny rule covers (ask in every
//!    mode), protected paths, writes outside the working directories,
//!    whole-tree reads reaching secrets and commands that cannot be
//!    analysed (ask unless bypassPermissions);
//! 5. bypassPermissions allows;
//! 6. allow rules, the read-only set, acceptEdits;
//! 7. otherwise ask — except that a Bash call running inside the sandbox
//!    is allowed when `sandbox.autoAllowBashIfSandboxed` is on (it also
//!    lifts the step-4 asks the sandbox contains: unanalysable commands,
//!    writes outside the working directories or to protected paths) —
//!    and dontAsk turns every ask into a deny.
//!
//! Tested through the public API in `tests/` (modes, rules, CVEs, corpus,
//! determinism).

mod bash;
mod files;
mod other;
mod paths;
mod rules;
mod suggest;

use rudder_protocol::permission::{PermissionMode, PermissionUpdate, RuleBehavior};

use crate::call::{ResolvedCall, Target};
use crate::path::ResolvedPath;
use crate::policy::Policy;
use crate::rule::{PathPattern, Specifier, ToolMatcher};

/// The policy's answer for one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Run the call without asking. `reason` says which rule, set or mode
    /// allowed it (for logs and `--verbose`).
    Allow {
        /// Why, naming the rule and its source when a rule decided.
        reason: String,
    },
    /// Put the call to the user (or the headless approver). `reason` is
    /// for the person reading the prompt; `suggestions` are the updates
    /// "always allow" would apply (Agent SDK `permission_suggestions`);
    /// `blocked_path` is the resolved path that triggered a path-based ask
    /// (SDK `blocked_path`).
    Ask {
        /// Why approval is needed.
        reason: String,
        /// Updates that would allow calls like this one from now on.
        suggestions: Vec<PermissionUpdate>,
        /// The resolved path outside the allowed area, if a path decided.
        blocked_path: Option<String>,
    },
    /// Refuse the call; `reason` goes back to the model as the tool error.
    Deny {
        /// Why, naming the rule and its source, the protection or the mode.
        reason: String,
    },
}

impl Decision {
    /// An ask with no suggestions and no path.
    pub(crate) fn ask(reason: impl Into<String>) -> Self {
        Self::Ask {
            reason: reason.into(),
            suggestions: Vec::new(),
            blocked_path: None,
        }
    }

    /// Whether the call may run without asking.
    pub fn is_allow(&self) -> bool {
        matches!(self, Self::Allow { .. })
    }
}

/// Decides `call` under `policy`. Pure and deterministic.
pub fn decide(call: &ResolvedCall, policy: &Policy) -> Decision {
    let decision = match &call.target {
        Target::Bash(target) => bash::decide(target, policy),
        Target::Files(target) => files::decide(call, target, policy),
        _ => other::decide(call, policy),
    };
    finish(decision, policy.mode)
}

/// Whether a `Read(...)` deny rule covers reading `path` — matched as for
/// a Read call naming it (anchors, gitignore syntax, the link or its
/// target). Directory walks of Grep, Glob and LS leave such entries out:
/// Claude Code applies Read deny rules to their results
/// (CLAUDE-CODE-INTERFACE.md §3.2). Pure.
pub fn read_denied(path: &ResolvedPath, policy: &Policy) -> bool {
    rules::path_rule(policy, RuleBehavior::Deny, false, path).is_some()
}

/// Whether `policy` holds any rule [`read_denied`] could match: without
/// one, walks need no filter. Pure.
pub fn has_read_deny_rules(policy: &Policy) -> bool {
    read_deny_patterns(policy).next().is_some()
}

/// The path patterns of `policy`'s `Read(...)` deny rules, in load order:
/// the rules [`read_denied`] matches. Pure.
pub(crate) fn read_deny_patterns(policy: &Policy) -> impl Iterator<Item = &PathPattern> {
    policy
        .rules
        .with_behavior(RuleBehavior::Deny)
        .filter_map(|rule| match (&rule.tool, &rule.specifier) {
            (ToolMatcher::Name(name), Specifier::Path(pattern)) if name == "Read" => Some(pattern),
            _ => None,
        })
}

/// Whether one of `patterns` (from [`read_deny_patterns`]) covers `path`
/// as a deny rule does ([`rules::restricts`]). Pure.
pub(crate) fn read_deny_covers(patterns: &[PathPattern], path: &ResolvedPath) -> bool {
    patterns
        .iter()
        .any(|pattern| rules::restricts(pattern, path))
}

/// dontAsk: whatever would ask is denied (CLAUDE-CODE-INTERFACE.md §3.1).
fn finish(decision: Decision, mode: PermissionMode) -> Decision {
    match (decision, mode) {
        (Decision::Ask { reason, .. }, PermissionMode::DontAsk) => Decision::Deny {
            reason: format!(
                "{reason}. The dontAsk permission mode denies whatever is not allowed beforehand"
            ),
        },
        (decision, _) => decision,
    }
}

/// "plan mode" refusal text.
pub(crate) fn plan_refusal(what: &str) -> Decision {
    Decision::Deny {
        reason: format!(
            "plan mode: {what}. In plan mode only read-only tools and commands run; \
             present the plan (ExitPlanMode) and run it once it is approved"
        ),
    }
}

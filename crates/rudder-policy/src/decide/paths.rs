//! Judging one resolved path against rules and the built-in protections.
//! Shared by file tools and Bash. Pure.

use rudder_protocol::permission::RuleBehavior;

use super::rules::path_rule;
use crate::path::ResolvedPath;
use crate::path::protect;
use crate::policy::Policy;

/// How to name a path in messages: the requested form, and the real one
/// when it differs.
pub(super) fn show(path: &ResolvedPath) -> String {
    if path.requested == path.canonical {
        path.requested.display().to_string()
    } else {
        format!(
            "{} (→ {})",
            path.requested.display(),
            path.canonical.display()
        )
    }
}

/// The path to report as `blocked_path`.
pub(super) fn blocked(path: &ResolvedPath) -> String {
    path.canonical.display().to_string()
}

/// A deny or ask path rule that applies, as a reason.
pub(super) fn rule_hit(
    policy: &Policy,
    behavior: RuleBehavior,
    writes: bool,
    path: &ResolvedPath,
) -> Option<String> {
    path_rule(policy, behavior, writes, path).map(|rule| {
        let verb = if writes { "writing" } else { "reading" };
        let what = if behavior == RuleBehavior::Deny {
            "is denied by"
        } else {
            "needs approval under"
        };
        format!("{verb} {} {what} rule {}", show(path), rule.describe())
    })
}

/// Why `path` is a secret that may not be read or written, unless an allow
/// rule names it (which lifts the list for that path).
pub(super) fn secret(policy: &Policy, path: &ResolvedPath, writes: bool) -> Option<String> {
    let why = path
        .forms()
        .into_iter()
        .find_map(|form| protect::secret_reason(form, &policy.home))?;
    if path_rule(policy, RuleBehavior::Allow, writes, path).is_some() {
        return None;
    }
    Some(format!(
        "{} is on the built-in secrets list ({why}); an allow rule such as `Read({})` lifts this for that path",
        show(path),
        rule_path(path, policy)
    ))
}

/// Why writing `path` is never auto-approved (link or target protected).
pub(super) fn protected(policy: &Policy, path: &ResolvedPath) -> Option<String> {
    let why = path
        .forms()
        .into_iter()
        .find_map(|form| protect::protected_reason(form, &policy.home))?;
    Some(format!("writing {} needs approval: {why}", show(path)))
}

/// Whether `path` really is inside a working directory.
pub(super) fn in_scope(policy: &Policy, path: &ResolvedPath) -> bool {
    path.complete && protect::is_inside(&path.canonical, &policy.working_dirs)
}

/// Whether `path` may be used without asking as far as scope goes: inside
/// the working directories, or named by an allow rule.
pub(super) fn approved(policy: &Policy, path: &ResolvedPath, writes: bool) -> bool {
    in_scope(policy, path) || path_rule(policy, RuleBehavior::Allow, writes, path).is_some()
}

/// Whether removing `path` (or emptying it) hits a critical path.
pub(super) fn critical(policy: &Policy, path: &ResolvedPath) -> bool {
    path.forms()
        .into_iter()
        .any(|form| protect::is_critical_removal(form, &policy.home, &policy.working_dirs))
}

/// A rule-syntax path for `path`: `~/…` under home, `//abs` otherwise.
pub(super) fn rule_path(path: &ResolvedPath, policy: &Policy) -> String {
    match path.canonical.strip_prefix(&policy.home) {
        Ok(rel) => format!("~/{}", rel.display()),
        Err(_) => format!("/{}", path.canonical.display()),
    }
}

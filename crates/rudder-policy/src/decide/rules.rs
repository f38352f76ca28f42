//! Matching rules against the parts of a resolved call. Pure.
//!
//! Symlink contract (CVE-2025-59829, CVE-2026-25724): a deny or ask path
//! rule matches when the requested path (the link) OR its real path (the
//! target) matches; an allow path rule needs BOTH, and a path whose
//! resolution did not complete is never allowed by a rule.

use rudder_protocol::permission::RuleBehavior;

use crate::path::ResolvedPath;
use crate::policy::Policy;
use crate::rule::{CommandPattern, PathPattern, Rule, Specifier, ToolMatcher};
use crate::tools;

/// A file name no real entry has: matching `dir/ANY_ENTRY` means a pattern
/// covers every entry of `dir`.
const ANY_ENTRY: &str = "\u{1}";

/// The first rule of `behavior` covering `tool` whose specifier satisfies
/// `accept`.
pub(super) fn first_rule<'p>(
    policy: &'p Policy,
    behavior: RuleBehavior,
    tool: &str,
    accept: impl Fn(&Specifier) -> bool,
) -> Option<&'p Rule> {
    policy
        .rules
        .with_behavior(behavior)
        .find(|rule| rule.tool.covers(tool) && accept(&rule.specifier))
}

/// Whether a command pattern matches a view; for commands whose arguments
/// are appended at run time, an allow pattern must also match with an extra
/// argument (so `Bash(rm foo)` never covers `xargs rm foo`).
pub(super) fn command_matches(
    pattern: &CommandPattern,
    view: &str,
    appends: bool,
    behavior: RuleBehavior,
) -> bool {
    if !pattern.matches(view) {
        return false;
    }
    behavior != RuleBehavior::Allow || !appends || pattern.matches(&format!("{view} \u{1}"))
}

/// The first Bash rule of `behavior` matching one of `views`.
pub(super) fn bash_rule<'p>(
    policy: &'p Policy,
    behavior: RuleBehavior,
    views: &[String],
    appends: bool,
) -> Option<&'p Rule> {
    first_rule(policy, behavior, tools::BASH, |spec| match spec {
        Specifier::Any => true,
        Specifier::Command(pattern) => views
            .iter()
            .any(|view| command_matches(pattern, view, appends, behavior)),
        _ => false,
    })
}

/// The first Read/Edit path rule of `behavior` that applies to `path` used
/// for reading (`writes == false`) or writing.
///
/// Which rules apply: deny/ask — `Read(...)` always (a Read deny also
/// blocks edits, 2.1) and `Edit(...)` for writes; allow — `Edit(...)` for
/// writes, `Read(...)` or `Edit(...)` for reads (an Edit allow implies
/// Read).
pub(super) fn path_rule<'p>(
    policy: &'p Policy,
    behavior: RuleBehavior,
    writes: bool,
    path: &ResolvedPath,
) -> Option<&'p Rule> {
    policy.rules.with_behavior(behavior).find(|rule| {
        let Specifier::Path(pattern) = &rule.specifier else {
            return false;
        };
        let ToolMatcher::Name(name) = &rule.tool else {
            return false;
        };
        let applies = match (behavior, name.as_str(), writes) {
            (RuleBehavior::Allow, "Edit", _) => true,
            (RuleBehavior::Allow, "Read", false) => true,
            (RuleBehavior::Allow, _, _) => false,
            (_, "Read", _) => true,
            (_, "Edit", true) => true,
            _ => false,
        };
        if !applies {
            return false;
        }
        match behavior {
            RuleBehavior::Allow => {
                let [link, target] = path.forms();
                path.complete && pattern.matches(link) && pattern.matches(target)
            }
            _ => restricts(pattern, path),
        }
    })
}

/// Whether a deny or ask path rule with `pattern` covers `path`: the link
/// or its target matches, or the path is a directory whose every entry
/// the pattern covers (`Read(./secret/**)` covers `secret`: searching it
/// reads only denied files). Shared with the scan of trees a command reads
/// whole ([`crate::resolve`]), so it reports what a call naming the entry
/// would be refused. Pure.
pub(crate) fn restricts(pattern: &PathPattern, path: &ResolvedPath) -> bool {
    path.forms()
        .into_iter()
        .any(|form| pattern.matches(form) || pattern.matches(&form.join(ANY_ENTRY)))
}

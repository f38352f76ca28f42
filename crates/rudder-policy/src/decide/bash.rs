//! Decisions for the Bash tool: every simple command must pass on its own,
//! every path it names and every redirection target is judged, and what the
//! analysis could not decide is never allowed. Pure.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §3.2 (compound commands: every
//! subcommand must match; wrappers; redirections judged as writes; the
//! read-only set), §3.1 (modes), §4.2 (`sandbox.autoAllowBashIfSandboxed`),
//! USER-PAINS.md §5.2 and the shell CVEs of §12.

use rudder_protocol::permission::{PermissionMode, RuleBehavior};

use super::paths::{approved, blocked, critical, in_scope, protected, rule_hit, secret, show};
use super::rules::{bash_rule, path_rule};
use super::{Decision, plan_refusal, suggest};
use crate::bash::classify::{Access, CommandClass};
use crate::bash::{Role, SimpleCommand, join_words};
use crate::call::{BashTarget, PathUse, ResolvedCommand};
use crate::path::{ResolvedPath, protect};
use crate::policy::Policy;
use crate::sandbox::scope;

/// Decides a Bash call.
pub(super) fn decide(target: &BashTarget, policy: &Policy) -> Decision {
    if let Some(decision) = deny_rules(target, policy) {
        return decision;
    }
    if policy.mode == PermissionMode::Plan
        && let Some(what) = not_read_only(target)
    {
        return plan_refusal(&what);
    }
    if let Some(decision) = ask_rules(target, policy) {
        return decision;
    }
    if let Some(decision) = fixed_protections(target, policy) {
        return decision;
    }
    if let Some(decision) = tree_denied(target, policy) {
        return decision;
    }
    if policy.mode == PermissionMode::BypassPermissions {
        return Decision::Allow {
            reason: "bypassPermissions mode".into(),
        };
    }
    if let Some(decision) = tree_secrets(target, policy) {
        return decision;
    }
    let decision =
        contained_protections(target, policy).unwrap_or_else(|| allow_or_ask(target, policy));
    sandbox_auto_allow(decision, target, policy)
}

/// `sandbox.autoAllowBashIfSandboxed` (CLAUDE-CODE-INTERFACE.md §4.2): a
/// call that runs inside the sandbox is allowed instead of asked about.
/// Reached only past deny and ask rules and the protections the sandbox
/// does not contain (secrets, critical `rm`, leaving the sandbox, whole
/// trees holding secrets); a call that leaves the sandbox
/// (`dangerouslyDisableSandbox`, `sandbox.excludedCommands`) or a session
/// whose sandbox could not start keeps the ordinary answer.
fn sandbox_auto_allow(decision: Decision, target: &BashTarget, policy: &Policy) -> Decision {
    let Decision::Ask { reason, .. } = &decision else {
        return decision;
    };
    let commands: Vec<&SimpleCommand> = target.commands.iter().map(|c| &c.command).collect();
    if !(policy.sandbox_auto_allow
        && scope::runs_sandboxed(policy, target.leaves_sandbox, &commands))
    {
        return decision;
    }
    Decision::Allow {
        reason: format!(
            "runs in the sandbox, which autoAllowBashIfSandboxed lets run without asking \
             (otherwise: {reason})"
        ),
    }
}

/// Every path use of the call: operands, then redirections.
fn uses(target: &BashTarget) -> impl Iterator<Item = &PathUse> {
    target
        .commands
        .iter()
        .flat_map(|c| c.paths.iter())
        .chain(target.redirects.iter())
}

fn label(command: &ResolvedCommand) -> String {
    let inner = command.command.inner_text();
    if inner.is_empty() {
        command.command.text.clone()
    } else {
        inner
    }
}

/// Views deny and ask rules may match only loosely: the tails of the argv
/// of programs that may run their arguments (`watch rm x`), or of every
/// command when the analysis is incomplete.
fn loose_views(command: &ResolvedCommand, undecidable: bool) -> Vec<String> {
    if !(command.class.may_run_arguments || undecidable) {
        return Vec::new();
    }
    (1..command.command.argv.len())
        .map(|start| join_words(&command.command.argv[start..]))
        .collect()
}

fn deny_rules(target: &BashTarget, policy: &Policy) -> Option<Decision> {
    let whole = [target.command.trim().to_string()];
    if let Some(rule) = bash_rule(policy, RuleBehavior::Deny, &whole, false) {
        return Some(Decision::Deny {
            reason: format!("`{}` is denied by rule {}", whole[0], rule.describe()),
        });
    }
    for command in &target.commands {
        let views = command.command.deny_views();
        if let Some(rule) = bash_rule(
            policy,
            RuleBehavior::Deny,
            &views,
            command.command.appends_args,
        ) {
            return Some(Decision::Deny {
                reason: format!("`{}` is denied by rule {}", label(command), rule.describe()),
            });
        }
    }
    for used in uses(target) {
        let writes = used.access.is_write();
        for path in used.paths.iter().chain(used.emptied_dirs.iter()) {
            if let Some(reason) = rule_hit(policy, RuleBehavior::Deny, writes, path) {
                return Some(Decision::Deny { reason });
            }
        }
    }
    None
}

/// What makes the call more than read-only, for plan mode.
fn not_read_only(target: &BashTarget) -> Option<String> {
    if let Some(why) = target.undecidable.first() {
        return Some(format!(
            "the command cannot be shown to be read-only ({why})"
        ));
    }
    for command in &target.commands {
        let ok = command.command.role == Role::ShellEntry
            || matches!(
                command.class.class,
                CommandClass::ReadOnly | CommandClass::ShellState
            );
        if !ok {
            return Some(format!("`{}` is not a read-only command", label(command)));
        }
    }
    uses(target)
        .find(|u| u.access.is_write())
        .map(|u| format!("the command writes `{}`", u.word))
}

fn ask_rules(target: &BashTarget, policy: &Policy) -> Option<Decision> {
    let undecidable = !target.undecidable.is_empty();
    for command in &target.commands {
        let views = command.command.deny_views();
        if let Some(rule) = bash_rule(
            policy,
            RuleBehavior::Ask,
            &views,
            command.command.appends_args,
        ) {
            return Some(Decision::ask(format!(
                "`{}` needs approval under rule {}",
                label(command),
                rule.describe()
            )));
        }
        let loose = loose_views(command, undecidable);
        for behavior in [RuleBehavior::Deny, RuleBehavior::Ask] {
            if let Some(rule) = bash_rule(policy, behavior, &loose, false) {
                return Some(Decision::ask(format!(
                    "`{}` may run a command that rule {} covers",
                    label(command),
                    rule.describe()
                )));
            }
        }
    }
    for used in uses(target) {
        let writes = used.access.is_write();
        for path in &used.paths {
            if let Some(reason) = rule_hit(policy, RuleBehavior::Ask, writes, path) {
                return Some(Decision::Ask {
                    reason,
                    suggestions: Vec::new(),
                    blocked_path: Some(blocked(path)),
                });
            }
        }
    }
    None
}

/// Protections that hold in every mode and inside the sandbox: secrets,
/// critical `rm`, leaving the sandbox.
fn fixed_protections(target: &BashTarget, policy: &Policy) -> Option<Decision> {
    for used in uses(target) {
        if used.access == Access::Metadata {
            continue;
        }
        for path in &used.paths {
            if let Some(reason) = secret(policy, path, used.access.is_write()) {
                return Some(Decision::Deny { reason });
            }
        }
    }
    for used in uses(target).filter(|u| u.access == Access::Delete) {
        if let Some(path) = used
            .paths
            .iter()
            .chain(used.emptied_dirs.iter())
            .find(|p| critical(policy, p))
        {
            return Some(Decision::Ask {
                reason: format!(
                    "removing `{}` reaches {}, a critical path (`/`, a top-level directory, \
                     home, or a working directory or one above it); this always needs approval",
                    used.word,
                    show(path)
                ),
                suggestions: Vec::new(),
                blocked_path: Some(blocked(path)),
            });
        }
    }
    if let Some(command) = target
        .commands
        .iter()
        .find(|c| c.class.removes && c.class.unresolved.is_some())
    {
        return Some(Decision::ask(format!(
            "`{}` removes files it names only at run time, which may reach a critical path; \
             this always needs approval",
            label(command)
        )));
    }
    if policy.sandboxed && scope::leaves_on_request(policy, target.leaves_sandbox) {
        return Some(Decision::ask(
            "the command asks to run outside the sandbox (dangerouslyDisableSandbox); leaving the sandbox always needs a fresh approval",
        ));
    }
    None
}

/// Protections whose harm the sandbox contains (it keeps writes inside the
/// working directories and protected paths read-only): commands that
/// cannot be analysed, writes that are unknown, protected or outside the
/// working directories.
fn contained_protections(target: &BashTarget, policy: &Policy) -> Option<Decision> {
    if !target.undecidable.is_empty() {
        return Some(Decision::ask(format!(
            "the command cannot be analysed statically: {}",
            target.undecidable.join("; ")
        )));
    }
    for used in uses(target).filter(|u| u.access.is_write()) {
        if let Some(why) = &used.unresolved {
            return Some(Decision::ask(format!(
                "cannot tell what the command writes: {why}"
            )));
        }
        for path in &used.paths {
            if let Some(reason) = protected(policy, path) {
                return Some(Decision::Ask {
                    reason,
                    suggestions: Vec::new(),
                    blocked_path: Some(blocked(path)),
                });
            }
            if !approved(policy, path, true) {
                return Some(Decision::Ask {
                    reason: format!(
                        "the command writes {}, outside the working directories",
                        show(path)
                    ),
                    suggestions: vec![suggest::add_directory(path)],
                    blocked_path: Some(blocked(path)),
                });
            }
        }
    }
    None
}

/// A command that reads whole trees (`grep -r`, `rg`, `diff -r`) would
/// read an entry a `Read(...)` deny rule covers, or a tree too large to
/// check while such rules exist: ask. Like an ask rule, this holds in
/// every mode (bypassPermissions too) and inside the sandbox, which does
/// not hide what the rules deny; a call naming such an entry is refused
/// by [`deny_rules`] instead.
fn tree_denied(target: &BashTarget, policy: &Policy) -> Option<Decision> {
    for used in uses(target).filter(|u| u.access == Access::Read) {
        if let Some((path, rule)) = used
            .guarded_below
            .iter()
            .find_map(|p| path_rule(policy, RuleBehavior::Deny, false, p).map(|rule| (p, rule)))
        {
            return Some(Decision::Ask {
                reason: format!(
                    "the command reads every file below `{}`, {} among them, which rule {} \
                     denies reading; the Grep tool searches such a tree without reading it",
                    used.word,
                    show(path),
                    rule.describe()
                ),
                suggestions: Vec::new(),
                blocked_path: Some(blocked(path)),
            });
        }
        if let Some(why) = &used.tree_unchecked
            && super::has_read_deny_rules(policy)
        {
            return Some(Decision::ask(format!(
                "the command reads a whole tree that may hold files a Read deny rule covers: \
                 {why}; the Grep tool searches it without reading them"
            )));
        }
    }
    None
}

/// A command that reads whole trees (`grep -r`, `rg`, `diff -r`) would
/// read a file on the secrets list that no rule names, or a tree too large
/// to check: ask.
fn tree_secrets(target: &BashTarget, policy: &Policy) -> Option<Decision> {
    for used in uses(target).filter(|u| u.access == Access::Read) {
        if let Some((path, why)) = used
            .guarded_below
            .iter()
            .filter(|p| path_rule(policy, RuleBehavior::Allow, false, p).is_none())
            .find_map(|p| {
                p.forms()
                    .into_iter()
                    .find_map(|form| protect::secret_reason(form, &policy.home))
                    .map(|why| (p, why))
            })
        {
            return Some(Decision::Ask {
                reason: format!(
                    "the command reads every file below `{}`, {} among them, which is on the \
                     built-in secrets list ({why}); the Grep tool searches such a tree \
                     without reading those files",
                    used.word,
                    show(path)
                ),
                suggestions: Vec::new(),
                blocked_path: Some(blocked(path)),
            });
        }
        if let Some(why) = &used.tree_unchecked {
            return Some(Decision::ask(format!(
                "the command reads a whole tree that may hold secret files: {why}; \
                 the Grep tool searches it without reading them"
            )));
        }
    }
    None
}

/// Whether a command's reads and listings are all known and approved.
fn reads_approved(command: &ResolvedCommand, policy: &Policy) -> bool {
    command.class.unresolved.is_none()
        && command
            .paths
            .iter()
            .filter(|u| !u.access.is_write())
            .all(|u| u.unresolved.is_none() && u.paths.iter().all(|p| approved(policy, p, false)))
}

fn allow_or_ask(target: &BashTarget, policy: &Policy) -> Decision {
    let accept_edits = policy.mode == PermissionMode::AcceptEdits;
    let mut allowed = Vec::new();
    let mut pending: Vec<&ResolvedCommand> = Vec::new();
    for command in &target.commands {
        if command.command.role == Role::ShellEntry {
            continue;
        }
        let views = command.command.allow_views();
        if let Some(rule) = bash_rule(
            policy,
            RuleBehavior::Allow,
            &views,
            command.command.appends_args,
        ) {
            allowed.push(format!("`{}` by rule {}", label(command), rule.describe()));
            continue;
        }
        let class = command.class.class;
        let read_only = matches!(class, CommandClass::ReadOnly | CommandClass::ShellState);
        let edit = accept_edits && class == CommandClass::FileEdit;
        if (read_only || edit) && reads_approved(command, policy) {
            let why = if read_only {
                "read-only"
            } else {
                "acceptEdits"
            };
            allowed.push(format!("`{}` ({why})", label(command)));
        } else {
            pending.push(command);
        }
    }
    let mut blocked_read = None;
    let mut pending_redirects = Vec::new();
    for used in &target.redirects {
        if used.access.is_write() {
            let by_rule = used
                .paths
                .iter()
                .all(|p| path_rule(policy, RuleBehavior::Allow, true, p).is_some());
            if !(accept_edits || by_rule) {
                pending_redirects.push(used);
            }
        } else if used.unresolved.is_some()
            || used.paths.iter().any(|p| !approved(policy, p, false))
        {
            blocked_read =
                blocked_read.or_else(|| used.paths.iter().find(|p| !in_scope(policy, p)));
            pending_redirects.push(used);
        }
    }
    if pending.is_empty() && pending_redirects.is_empty() {
        let reason = if allowed.is_empty() {
            "nothing to run".to_string()
        } else {
            format!("allowed: {}", allowed.join(", "))
        };
        return Decision::Allow { reason };
    }
    ask_for(policy, &pending, &pending_redirects, blocked_read)
}

fn ask_for(
    policy: &Policy,
    pending: &[&ResolvedCommand],
    pending_redirects: &[&PathUse],
    blocked_read: Option<&ResolvedPath>,
) -> Decision {
    let mut parts = Vec::new();
    let mut suggestions = Vec::new();
    let mut blocked_path = blocked_read.map(blocked);
    let mut rules = Vec::new();
    let mut edits = pending_redirects.iter().any(|u| u.access.is_write());
    for command in pending {
        let mut part = format!("`{}`", label(command));
        if let Some(note) = &command.class.note {
            part.push_str(&format!(" ({note})"));
        } else if let Some(why) = &command.class.unresolved {
            part.push_str(&format!(" ({why})"));
        } else if let Some(path) = command
            .paths
            .iter()
            .flat_map(|u| u.paths.iter())
            .find(|p| !approved(policy, p, false))
        {
            part.push_str(&format!(
                " (reads {} outside the working directories)",
                show(path)
            ));
            blocked_path = blocked_path.or_else(|| Some(blocked(path)));
            suggestions.push(suggest::add_directory(path));
        }
        parts.push(part);
        edits |= command.class.class == CommandClass::FileEdit;
        let view = command.command.allow_views().pop();
        if let Some(view) = view.filter(|v| !v.contains('*') && !command.command.appends_args)
            && rules.len() < suggest::MAX_BASH_RULES
            && !rules.contains(&Some(view.clone()))
        {
            rules.push(Some(view));
        }
    }
    for used in pending_redirects {
        let verb = if used.access.is_write() {
            "writing"
        } else {
            "reading"
        };
        parts.push(format!("{verb} `{}` through a redirection", used.word));
    }
    if !rules.is_empty() {
        suggestions.insert(0, suggest::allow_rules(crate::tools::BASH, rules));
    }
    if edits && policy.mode != PermissionMode::AcceptEdits {
        suggestions.push(suggest::accept_edits());
    }
    Decision::Ask {
        reason: format!("needs approval: {}", parts.join(", ")),
        suggestions,
        blocked_path,
    }
}

//! Which Bash calls run inside the sandbox: every call of a sandboxed
//! session except one that asks to leave it (`dangerouslyDisableSandbox`,
//! unless `sandbox.allowUnsandboxedCommands` is false) and one that runs a
//! command listed in `sandbox.excludedCommands`.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (Bash `dangerouslyDisableSandbox`)
//! and §4.2 (`sandbox.excludedCommands`: commands run outside the
//! sandbox; `sandbox.allowUnsandboxedCommands`, default true: when false,
//! Claude Code ignores `dangerouslyDisableSandbox` completely and the
//! command runs sandboxed — excluded commands still run outside).
//! Decision (rudder's reading of Claude Code's examples such as
//! `"excludedCommands": ["docker"]`): an entry without `*` names a command
//! with any arguments (`docker` covers `docker ps`, not `dockerd`); an
//! entry with `*` or a trailing `:*` is matched as a `Bash(...)` rule
//! pattern. Every simple command of a compound is checked, through
//! wrappers (`timeout 5 docker ps`), as deny rules are: one excluded
//! command takes the whole call out of the sandbox. Pure: no I/O.

use serde_json::Value;

use crate::bash::{SimpleCommand, analyze};
use crate::policy::Policy;
use crate::rule::CommandPattern;

/// One `sandbox.excludedCommands` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExcludedCommand {
    /// The entry as written, for messages.
    pub text: String,
    /// `None`: the entry is `*` and covers every command.
    pattern: Option<CommandPattern>,
}

impl ExcludedCommand {
    /// Parses one entry. Returns `None` for an empty entry, which names no
    /// command.
    pub fn parse(text: &str) -> Option<Self> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return None;
        }
        let pattern = if trimmed.contains('*') {
            CommandPattern::parse(trimmed)
        } else {
            CommandPattern::parse(&format!("{trimmed} *"))
        };
        Some(Self {
            text: trimmed.to_owned(),
            pattern,
        })
    }

    /// Whether the entry covers `command` (any of its deny-rule views).
    pub fn covers(&self, command: &SimpleCommand) -> bool {
        match &self.pattern {
            None => true,
            Some(pattern) => command
                .deny_views()
                .iter()
                .any(|view| pattern.matches(view)),
        }
    }
}

/// The first of `excluded` that covers one of `commands`.
pub fn excluded_by<'e>(
    commands: &[&SimpleCommand],
    excluded: &'e [ExcludedCommand],
) -> Option<&'e ExcludedCommand> {
    excluded
        .iter()
        .find(|entry| commands.iter().any(|command| entry.covers(command)))
}

/// Whether a call whose `dangerouslyDisableSandbox` is `asked` leaves the
/// sandbox for that reason: only when `sandbox.allowUnsandboxedCommands`
/// is not false ([`Policy::sandbox_allow_unsandboxed`]); otherwise the
/// flag is ignored.
pub fn leaves_on_request(policy: &Policy, asked: bool) -> bool {
    asked && policy.sandbox_allow_unsandboxed
}

/// Whether a Bash call runs inside the sandbox under `policy`: the session
/// is sandboxed ([`Policy::sandboxed`]: `sandbox.enabled` and bubblewrap
/// started), the call does not leave on request (`leaves`, its
/// `dangerouslyDisableSandbox`, see [`leaves_on_request`]), and none of
/// `commands` is excluded.
pub fn runs_sandboxed(policy: &Policy, leaves: bool, commands: &[&SimpleCommand]) -> bool {
    policy.sandboxed
        && !leaves_on_request(policy, leaves)
        && excluded_by(commands, &policy.sandbox_excluded).is_none()
}

/// [`runs_sandboxed`] for a Bash tool `input` (`command`,
/// `dangerouslyDisableSandbox`), analysing the command with the policy's
/// limits. The Bash tool wraps exactly these calls in bubblewrap, so the
/// policy's sandbox auto-allow and the sandbox the call really gets agree.
pub fn bash_runs_sandboxed(policy: &Policy, input: &Value) -> bool {
    let leaves = input
        .get("dangerouslyDisableSandbox")
        .and_then(Value::as_bool)
        == Some(true);
    if !policy.sandboxed || leaves_on_request(policy, leaves) {
        return false;
    }
    let command = input.get("command").and_then(Value::as_str).unwrap_or("");
    let analysis = analyze(command, &policy.analyze);
    let commands: Vec<&SimpleCommand> = analysis.commands.iter().collect();
    runs_sandboxed(policy, leaves, &commands)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bash::{AnalyzeOptions, analyze};

    fn excluded(entries: &[&str], command: &str) -> bool {
        let entries: Vec<ExcludedCommand> = entries
            .iter()
            .filter_map(|e| ExcludedCommand::parse(e))
            .collect();
        let analysis = analyze(command, &AnalyzeOptions::default());
        let commands: Vec<&SimpleCommand> = analysis.commands.iter().collect();
        excluded_by(&commands, &entries).is_some()
    }

    #[test]
    fn a_plain_entry_names_a_command_with_any_arguments() {
        assert!(excluded(&["docker"], "docker ps -a"));
        assert!(excluded(&["docker"], "docker"));
        assert!(!excluded(&["docker"], "dockerd --debug"));
        assert!(excluded(&["docker compose"], "docker compose up"));
        assert!(!excluded(&["docker compose"], "docker ps"));
    }

    #[test]
    fn every_part_of_a_compound_and_wrapped_commands_count() {
        assert!(excluded(&["docker"], "ls && docker ps"));
        assert!(excluded(&["docker"], "timeout 5 docker ps"));
        assert!(!excluded(&["docker"], "ls && echo docker"));
    }

    #[test]
    fn entries_with_a_star_are_rule_patterns_and_empty_ones_name_nothing() {
        assert!(excluded(&["git push:*"], "git push origin main"));
        assert!(!excluded(&["git push:*"], "git status"));
        assert!(excluded(&["* --version"], "node --version"));
        assert!(!excluded(&["", "  "], "ls"));
        assert!(excluded(&["*"], "ls"));
    }
}

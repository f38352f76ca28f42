//! The permission gate a subagent runs under: the session's own gate —
//! same rules, same approver, same updates — narrowed by the subagent's
//! definition, never widened.
//!
//! Narrowing, in order: a type with a `tools` list refuses tools it does
//! not name (MCP tools, which are looked up by name, included); a
//! read-only type (Explore, Plan) refuses every
//! call the policy would not let through plan mode with no rules at all;
//! a tool listed only with scopes (`tools: Bash(npm run test:*)`) refuses
//! calls outside those scopes; the definition's `permissionMode` decides
//! in place of the session's mode, except that it never leaves plan mode
//! and never enters bypassPermissions unless the session is already in it.
//! What is left goes to the session's gate; everything else (updates,
//! the sandbox, turn rules, the rule listing) is the session gate's own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rudder_protocol::PermissionMode;
use rudder_protocol::permission::PermissionUpdate;
use rudder_tools::walk::WalkFilter;
use serde_json::Value;

use crate::permissions::{CallToCheck, Decision, PermissionGate};

/// A session's gate narrowed for one subagent.
pub struct SubagentGate {
    base: Arc<dyn PermissionGate>,
    /// The subagent type, for refusal messages.
    agent_type: String,
    read_only: bool,
    /// Tool name → the scoped entries that limit it.
    scopes: BTreeMap<String, Vec<String>>,
    /// The definition's `tools` entries (`None`: every tool).
    listed: Option<Vec<String>>,
    mode: Option<PermissionMode>,
}

impl SubagentGate {
    /// Narrows `base` for subagent type `agent_type`. `tools` are the
    /// definition's `tools` entries (a tool listed bare is not limited);
    /// `mode` its `permissionMode`.
    pub fn new(
        base: Arc<dyn PermissionGate>,
        agent_type: &str,
        read_only: bool,
        tools: Option<&[String]>,
        mode: Option<PermissionMode>,
    ) -> Self {
        Self {
            base,
            agent_type: agent_type.to_owned(),
            read_only,
            scopes: scopes(tools.unwrap_or_default()),
            listed: tools.map(<[String]>::to_vec),
            mode,
        }
    }

    /// The mode the subagent's calls are decided in.
    fn effective_mode(&self) -> PermissionMode {
        let session = self.base.mode();
        match (session, self.mode) {
            (_, None) | (PermissionMode::Plan, _) => session,
            (PermissionMode::BypassPermissions, Some(mode)) => mode,
            (_, Some(PermissionMode::BypassPermissions)) => session,
            (_, Some(mode)) => mode,
        }
    }
}

/// The tool name of a rule entry: the text before `(`, with `Agent` read
/// as `Task`.
pub fn entry_tool(entry: &str) -> &str {
    let name = entry.split('(').next().unwrap_or(entry).trim();
    if name == "Agent" { "Task" } else { name }
}

/// Whether `entries` name `tool`: by name, or `mcp__server` for every tool
/// of that server.
pub fn lists(entries: &[String], tool: &str) -> bool {
    entries.iter().any(|entry| {
        let listed = entry_tool(entry);
        listed == tool || (listed.starts_with("mcp__") && tool.starts_with(&format!("{listed}__")))
    })
}

/// Tool → scoped entries, for tools that are listed only with scopes.
fn scopes(entries: &[String]) -> BTreeMap<String, Vec<String>> {
    let mut scoped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let bare: Vec<&str> = entries
        .iter()
        .filter(|entry| {
            let entry = entry.trim();
            !entry.contains('(') || entry.ends_with("(*)") || entry.ends_with("()")
        })
        .map(|entry| entry_tool(entry))
        .collect();
    for entry in entries {
        let tool = entry_tool(entry);
        if entry.contains('(') && !bare.contains(&tool) {
            scoped
                .entry(tool.to_owned())
                .or_default()
                .push(entry.trim().to_owned());
        }
    }
    scoped
}

impl SubagentGate {
    /// The definition's refusal of `call`, before any rule is consulted.
    fn narrowed(&self, call: CallToCheck<'_>) -> Option<Decision> {
        if let Some(listed) = &self.listed
            && !lists(listed, call.tool_name)
        {
            return Some(Decision::Deny {
                reason: format!(
                    "The {} subagent may not use {}; its tools are {}",
                    self.agent_type,
                    call.tool_name,
                    listed.join(", ")
                ),
            });
        }
        if self.read_only
            && let Some(reason) = self.base.read_only_refusal(call)
        {
            return Some(Decision::Deny {
                reason: format!(
                    "The {} subagent only reads, and this call would not: {reason}",
                    self.agent_type
                ),
            });
        }
        if let Some(scope) = self.scopes.get(call.tool_name)
            && !self.base.within_scope(scope, call)
        {
            return Some(Decision::Deny {
                reason: format!(
                    "The {} subagent may use {} only as {}",
                    self.agent_type,
                    call.tool_name,
                    scope.join(", ")
                ),
            });
        }
        None
    }

    /// Whether the definition's mode replaces the session's.
    fn own_mode(&self) -> Option<PermissionMode> {
        let mode = self.effective_mode();
        (mode != self.base.mode()).then_some(mode)
    }
}

impl PermissionGate for SubagentGate {
    fn check(&self, call: CallToCheck<'_>) -> Decision {
        if let Some(refusal) = self.narrowed(call) {
            return refusal;
        }
        match self.own_mode() {
            Some(mode) => self.base.check_in_mode(mode, call),
            None => self.base.check(call),
        }
    }

    /// A PreToolUse hook's allow skips the prompt as for the session, never
    /// the definition's narrowing (nor, in the definition's own mode, the
    /// rules of that mode).
    fn check_hook_allowed(&self, call: CallToCheck<'_>) -> Decision {
        if let Some(refusal) = self.narrowed(call) {
            return refusal;
        }
        match self.own_mode() {
            Some(mode) => self.base.check_in_mode(mode, call),
            None => self.base.check_hook_allowed(call),
        }
    }

    fn apply(&self, update: &PermissionUpdate) {
        self.base.apply(update);
    }

    fn mode(&self) -> PermissionMode {
        self.effective_mode()
    }

    fn sandbox_prefix(&self, input: &Value, cwd: &Path) -> Option<Vec<String>> {
        self.base.sandbox_prefix(input, cwd)
    }

    fn walk_filter(&self) -> Option<Arc<dyn WalkFilter>> {
        self.base.walk_filter()
    }

    fn removes_tool(&self, tool_name: &str) -> bool {
        self.base.removes_tool(tool_name)
    }

    fn rules(&self) -> Vec<(&'static str, String)> {
        self.base.rules()
    }

    fn sandbox_created_paths(&self) -> Vec<PathBuf> {
        self.base.sandbox_created_paths()
    }

    fn set_turn_rules(&self, label: &str, rules: &[String]) -> Vec<String> {
        self.base.set_turn_rules(label, rules)
    }

    fn clear_turn_rules(&self) {
        self.base.clear_turn_rules();
    }

    fn check_with_allow(&self, label: &str, extra: &[String], call: CallToCheck<'_>) -> Decision {
        match self.check(call) {
            Decision::Deny { reason } => Decision::Deny { reason },
            _ => self.base.check_with_allow(label, extra, call),
        }
    }

    fn read_only_refusal(&self, call: CallToCheck<'_>) -> Option<String> {
        self.base.read_only_refusal(call)
    }

    fn within_scope(&self, scope: &[String], call: CallToCheck<'_>) -> bool {
        self.base.within_scope(scope, call)
    }

    fn check_in_mode(&self, mode: PermissionMode, call: CallToCheck<'_>) -> Decision {
        self.base.check_in_mode(mode, call)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rudder_policy::PolicyBuilder;
    use serde_json::json;

    use crate::permissions::PolicyGate;

    fn base(dir: &Path, mode: PermissionMode) -> Arc<dyn PermissionGate> {
        let (policy, errors) = PolicyBuilder::new(dir, dir).mode(mode).build();
        assert!(errors.is_empty(), "{errors:?}");
        Arc::new(PolicyGate::new(policy, None))
    }

    fn bash<'a>(input: &'a Value, dir: &'a Path) -> CallToCheck<'a> {
        CallToCheck {
            tool_name: "Bash",
            input,
            read_only: false,
            cwd: dir,
        }
    }

    #[test]
    fn a_read_only_agent_refuses_writes_even_when_bypassing() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path().canonicalize().unwrap();
        let gate = SubagentGate::new(
            base(&dir, PermissionMode::BypassPermissions),
            "Explore",
            true,
            None,
            None,
        );
        let write = json!({"command": "rm -rf build"});
        let decision = gate.check(bash(&write, &dir));
        assert!(
            matches!(&decision, Decision::Deny { reason } if reason.contains("Explore subagent only reads")),
            "{decision:?}"
        );
        let read = json!({"command": "git log --oneline -3"});
        assert!(gate.check(bash(&read, &dir)).is_allow());
    }

    #[test]
    fn scoped_tools_limit_but_never_grant() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path().canonicalize().unwrap();
        let tools = vec!["Read".to_owned(), "Bash(npm run test:*)".to_owned()];
        let gate = SubagentGate::new(
            base(&dir, PermissionMode::Default),
            "test-runner",
            false,
            Some(&tools),
            None,
        );
        let outside = json!({"command": "npm publish"});
        assert!(matches!(
            gate.check(bash(&outside, &dir)),
            Decision::Deny { reason } if reason.contains("only as Bash(npm run test:*)")
        ));
        let inside = json!({"command": "npm run test -- --ci"});
        assert!(
            matches!(gate.check(bash(&inside, &dir)), Decision::Ask { .. }),
            "in scope, but the session's rules still decide"
        );
    }

    #[test]
    fn a_definition_mode_never_escalates_to_bypass_or_leaves_plan() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path().canonicalize().unwrap();
        let gate = |session, agent| {
            SubagentGate::new(base(&dir, session), "x", false, None, Some(agent)).mode()
        };
        use PermissionMode::*;
        assert_eq!(gate(Default, AcceptEdits), AcceptEdits);
        assert_eq!(gate(Default, BypassPermissions), Default);
        assert_eq!(gate(Plan, AcceptEdits), Plan);
        assert_eq!(gate(BypassPermissions, AcceptEdits), AcceptEdits);
    }

    #[test]
    fn a_tools_list_refuses_unlisted_tools_mcp_ones_included() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path().canonicalize().unwrap();
        let tools = vec!["Read".to_owned(), "mcp__github".to_owned()];
        let gate = SubagentGate::new(
            base(&dir, PermissionMode::BypassPermissions),
            "reviewer",
            false,
            Some(&tools),
            None,
        );
        let call = |tool_name| CallToCheck {
            tool_name,
            input: &Value::Null,
            read_only: true,
            cwd: &dir,
        };
        assert!(gate.check(call("mcp__github__get_issue")).is_allow());
        assert!(matches!(
            gate.check(call("mcp__slack__post")),
            Decision::Deny { reason } if reason.contains("may not use mcp__slack__post")
        ));
        assert!(lists(&tools, "Read") && !lists(&tools, "Grep"));
    }

    #[test]
    fn entries_name_their_tool() {
        assert_eq!(entry_tool("Bash(git log:*)"), "Bash");
        assert_eq!(entry_tool(" Read "), "Read");
        assert_eq!(entry_tool("Agent(Explore)"), "Task");
        let entries = vec!["Bash(git:*)".to_owned(), "Bash".to_owned()];
        assert!(scopes(&entries).is_empty(), "a bare entry lifts the scope");
    }
}

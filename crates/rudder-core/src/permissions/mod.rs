//! How the agent asks whether a tool call may run, and who answers when the
//! answer is "ask".
//!
//! The [`PermissionGate`] gives the policy's [`Decision`] for one call;
//! [`PolicyGate`] is the real one, over `rudder-policy` (resolve the call's
//! paths and command, then decide — no prompt ever decides). An `Ask` is
//! put to the session's [`Approver`]: the TUI asks the person, headless runs
//! answer from `--permission-prompt-tool` or deny with a reason — never
//! wait on a human who is not there (USER-PAINS.md §6.7).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use futures::future::BoxFuture;
use rudder_policy::rule::{RuleEntry, RuleSet};
use rudder_policy::{Policy, RuleSource, SandboxPlan};
use rudder_protocol::PermissionMode;
use rudder_protocol::permission::RuleBehavior;
use rudder_protocol::permission::{ApprovalDecision, ApprovalRequest, PermissionUpdate};
use rudder_tools::walk::WalkFilter;
use serde_json::Value;

pub use rudder_policy::Decision;

use crate::sandbox_net::SandboxNetwork;

/// One tool call as the policy sees it.
#[derive(Debug, Clone, Copy)]
pub struct CallToCheck<'a> {
    /// Tool name as the model called it.
    pub tool_name: &'a str,
    /// The call's input.
    pub input: &'a Value,
    /// Whether the tool is read-only.
    pub read_only: bool,
    /// The directory relative paths of the call resolve against: the Bash
    /// tool's current directory (which persists between calls).
    pub cwd: &'a Path,
}

/// The permission policy, as the agent uses it.
pub trait PermissionGate: Send + Sync {
    /// Decides one call.
    fn check(&self, call: CallToCheck<'_>) -> Decision;

    /// Decides a call a PreToolUse hook allowed (CLAUDE-CODE-INTERFACE.md
    /// §5.4: `allow` skips the permission prompt). Deny rules, ask rules and
    /// the prompts every mode keeps still decide; only the prompt shown
    /// for want of a rule is skipped. The default is [`Self::check`]
    /// (the hook's allow changes nothing).
    fn check_hook_allowed(&self, call: CallToCheck<'_>) -> Decision {
        self.check(call)
    }

    /// Applies an update the user approved (e.g. "always allow" rules or a
    /// mode change) to the running session. Saving it to the settings file
    /// its destination names is the session's job (`crate::approvals`).
    fn apply(&self, update: &PermissionUpdate);

    /// The permission mode in force.
    fn mode(&self) -> PermissionMode;

    /// The argv prefix to sandbox this Bash call with (run in `cwd`), if any.
    fn sandbox_prefix(&self, _input: &Value, _cwd: &Path) -> Option<Vec<String>> {
        None
    }

    /// What Grep, Glob and LS walks must leave out: the entries `Read(...)`
    /// deny rules cover (CLAUDE-CODE-INTERFACE.md §3.2), as the policy
    /// stands now. `None` (the default) hides nothing.
    fn walk_filter(&self) -> Option<Arc<dyn WalkFilter>> {
        None
    }

    /// Tool names removed from the request entirely (bare-name deny rules).
    fn removes_tool(&self, _tool_name: &str) -> bool {
        false
    }

    /// The rules in force, for `/permissions`: `(list, rule)` pairs such as
    /// `("allow", "`Bash(npm test:*)` from --allowedTools")`, in load order.
    fn rules(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// Protected paths (`.mcp.json`, `.envrc`, `.git/hooks`, …) that a
    /// sandboxed command created since the last call, each reported once;
    /// the session warns about them. Empty without a sandbox.
    fn sandbox_created_paths(&self) -> Vec<PathBuf> {
        Vec::new()
    }

    /// Adds `rules` as allow rules until [`Self::clear_turn_rules`]: a
    /// slash command's `allowed-tools`, for that command's turn only
    /// (CLAUDE-CODE-INTERFACE.md §8). Deny and ask rules still win over
    /// them. `label` names their source in decisions. Returns one message
    /// per rule that was not added; a gate that cannot hold rules (the
    /// default) returns one for each.
    fn set_turn_rules(&self, label: &str, rules: &[String]) -> Vec<String> {
        rules
            .iter()
            .map(|rule| {
                format!(
                    "{label}: `{rule}` was not added (this permission gate cannot hold extra rules)"
                )
            })
            .collect()
    }

    /// Removes the rules added by [`Self::set_turn_rules`].
    fn clear_turn_rules(&self) {}

    /// Decides `call` as [`Self::check`] would with `extra` allow rules
    /// added (labelled `label`) — for the `` !`…` `` spans of a command or
    /// skill, judged with its `allowed-tools`. Deny and ask rules still
    /// win. The default ignores `extra`.
    fn check_with_allow(&self, _label: &str, _extra: &[String], call: CallToCheck<'_>) -> Decision {
        self.check(call)
    }

    /// Decides `call` as [`Self::check`] would in permission `mode` (a
    /// subagent whose definition sets `permissionMode`). The default
    /// ignores `mode`.
    fn check_in_mode(&self, _mode: PermissionMode, call: CallToCheck<'_>) -> Decision {
        self.check(call)
    }

    /// Why `call` does not only read — the refusal plan mode would give it
    /// with no rules at all — or `None` when it only reads. Read-only
    /// subagents (Explore, Plan) refuse such calls whatever the mode. The
    /// default trusts the tool's own claim.
    fn read_only_refusal(&self, call: CallToCheck<'_>) -> Option<String> {
        (!call.read_only).then(|| format!("`{}` changes things", call.tool_name))
    }

    /// Whether `call` stays within `scope`, the scoped entries a subagent
    /// definition lists for this tool (`tools: Bash(npm test:*)`): it
    /// matches one of them, or the policy would allow it with no rule at
    /// all (read-only commands). Grants nothing: the caller still asks
    /// [`Self::check`]. The default refuses what it cannot check.
    fn within_scope(&self, _scope: &[String], _call: CallToCheck<'_>) -> bool {
        false
    }
}

/// The gate over `rudder-policy`: the session's [`Policy`] (changed by
/// approved updates) and, when Bash runs sandboxed, the session's
/// bubblewrap plan and, with `sandbox.network.allowedDomains`, its
/// filtered network.
#[derive(Debug)]
pub struct PolicyGate {
    policy: RwLock<Policy>,
    sandbox: Option<SandboxPlan>,
    network: Option<SandboxNetwork>,
    /// Created protected paths already reported.
    reported: Mutex<Vec<PathBuf>>,
    /// Source of the rules added for the current turn, if any.
    turn_source: Mutex<Option<Arc<RuleSource>>>,
}

impl PolicyGate {
    /// A gate deciding with `policy`; Bash calls run under `sandbox` when set.
    pub fn new(policy: Policy, sandbox: Option<SandboxPlan>) -> Self {
        Self {
            policy: RwLock::new(policy),
            sandbox,
            network: None,
            reported: Mutex::new(Vec::new()),
            turn_source: Mutex::new(None),
        }
    }

    /// The gate with sandboxed commands reaching the network through
    /// `network`'s filtering proxy (otherwise they have no network). The
    /// gate owns it: the proxy ends when the gate (the session) does.
    pub fn with_network(mut self, network: SandboxNetwork) -> Self {
        self.network = Some(network);
        self
    }

    /// A copy of the policy with no rules, for probes that must not depend
    /// on what the user allowed.
    fn bare_copy(&self, mode: PermissionMode) -> Policy {
        let mut probe = self
            .policy
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        probe.mode = mode;
        probe.rules = RuleSet::default();
        probe
    }

    /// The working directories (cwd first, then added ones).
    pub fn working_dirs(&self) -> Vec<PathBuf> {
        self.policy
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .working_dirs
            .clone()
    }
}

impl PermissionGate for PolicyGate {
    fn check(&self, call: CallToCheck<'_>) -> Decision {
        let policy = self.policy.read().unwrap_or_else(PoisonError::into_inner);
        rudder_policy::check(
            &policy,
            call.cwd,
            call.tool_name,
            call.input,
            call.read_only,
        )
    }

    /// The call is judged as in bypassPermissions mode when the normal
    /// answer would be an ask (or dontAsk's deny of one): rules and the
    /// always-ask protections remain, the prompt for want of a rule goes.
    fn check_hook_allowed(&self, call: CallToCheck<'_>) -> Decision {
        let policy = self.policy.read().unwrap_or_else(PoisonError::into_inner);
        let decide = |policy: &Policy| {
            rudder_policy::check(policy, call.cwd, call.tool_name, call.input, call.read_only)
        };
        let normal = decide(&policy);
        let would_ask = match &normal {
            Decision::Ask { .. } => true,
            Decision::Deny { .. } => policy.mode == PermissionMode::DontAsk,
            Decision::Allow { .. } => false,
        };
        if !would_ask {
            return normal;
        }
        let mut bypass = policy.clone();
        bypass.mode = PermissionMode::BypassPermissions;
        match (decide(&bypass), policy.mode) {
            (Decision::Allow { reason }, _) => Decision::Allow {
                reason: format!("a PreToolUse hook allowed it ({reason})"),
            },
            // dontAsk: what still needs a prompt stays denied.
            (Decision::Ask { .. }, PermissionMode::DontAsk) => normal,
            (decision, _) => decision,
        }
    }

    fn apply(&self, update: &PermissionUpdate) {
        let mut policy = self.policy.write().unwrap_or_else(PoisonError::into_inner);
        for error in policy.apply(update) {
            tracing::warn!(%error, "part of a permission update was not applied");
        }
    }

    fn mode(&self) -> PermissionMode {
        self.policy
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .mode
    }

    /// The sandbox prefix, unless the call leaves the sandbox: it asks to
    /// (`dangerouslyDisableSandbox`, which the policy makes ask first;
    /// ignored when `sandbox.allowUnsandboxedCommands` is false) or runs a
    /// command of `sandbox.excludedCommands`
    /// ([`rudder_policy::sandbox::scope::bash_runs_sandboxed`], the same
    /// test the policy's sandbox auto-allow uses). With a filtered network
    /// the command goes through its proxy (started here the first time);
    /// if the proxy cannot start, the command runs with no network.
    fn sandbox_prefix(&self, input: &Value, cwd: &Path) -> Option<Vec<String>> {
        let plan = self.sandbox.as_ref()?;
        let sandboxed = {
            let policy = self.policy.read().unwrap_or_else(PoisonError::into_inner);
            rudder_policy::sandbox::scope::bash_runs_sandboxed(&policy, input)
        };
        if !sandboxed {
            return None;
        }
        let route = self.network.as_ref().and_then(|network| {
            network
                .route()
                .inspect_err(|error| tracing::warn!(%error, "the sandboxed command has no network"))
                .ok()
        });
        Some(plan.prefix(cwd, route.as_ref()))
    }

    fn walk_filter(&self) -> Option<Arc<dyn WalkFilter>> {
        crate::walk_filter::read_deny_filter(
            &self.policy.read().unwrap_or_else(PoisonError::into_inner),
        )
    }

    fn removes_tool(&self, tool_name: &str) -> bool {
        self.policy
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .removes_tool(tool_name)
    }

    fn rules(&self) -> Vec<(&'static str, String)> {
        self.policy
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .rules
            .iter()
            .map(|rule| {
                (
                    rudder_policy::rule::list_name(rule.behavior),
                    rule.describe(),
                )
            })
            .collect()
    }

    /// [`SandboxPlan::created_protected_paths`], minus those reported before.
    fn sandbox_created_paths(&self) -> Vec<PathBuf> {
        let Some(plan) = &self.sandbox else {
            return Vec::new();
        };
        let mut reported = self.reported.lock().unwrap_or_else(PoisonError::into_inner);
        let fresh: Vec<PathBuf> = plan
            .created_protected_paths()
            .into_iter()
            .filter(|path| !reported.contains(path))
            .collect();
        reported.extend(fresh.iter().cloned());
        fresh
    }

    fn set_turn_rules(&self, label: &str, rules: &[String]) -> Vec<String> {
        self.clear_turn_rules();
        if rules.is_empty() {
            return Vec::new();
        }
        let mut policy = self.policy.write().unwrap_or_else(PoisonError::into_inner);
        let source = Arc::new(RuleSource::new(label, policy.cwd.clone()));
        let (set, errors) = RuleSet::load(allow_entries(rules, &source), &policy.cwd, &policy.home);
        for rule in set.iter() {
            policy.rules.push(rule.clone());
        }
        *self
            .turn_source
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(source);
        errors.iter().map(ToString::to_string).collect()
    }

    fn clear_turn_rules(&self) {
        let Some(source) = self
            .turn_source
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        else {
            return;
        };
        let mut policy = self.policy.write().unwrap_or_else(PoisonError::into_inner);
        let mut kept = RuleSet::default();
        for rule in policy
            .rules
            .iter()
            .filter(|rule| !Arc::ptr_eq(&rule.source, &source))
        {
            kept.push(rule.clone());
        }
        policy.rules = kept;
    }

    fn check_with_allow(&self, label: &str, extra: &[String], call: CallToCheck<'_>) -> Decision {
        if extra.is_empty() {
            return self.check(call);
        }
        let mut policy = self
            .policy
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let source = Arc::new(RuleSource::new(label, policy.cwd.clone()));
        let (set, _) = RuleSet::load(allow_entries(extra, &source), &policy.cwd, &policy.home);
        for rule in set.iter() {
            policy.rules.push(rule.clone());
        }
        rudder_policy::check(
            &policy,
            call.cwd,
            call.tool_name,
            call.input,
            call.read_only,
        )
    }

    fn check_in_mode(&self, mode: PermissionMode, call: CallToCheck<'_>) -> Decision {
        let mut policy = self
            .policy
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        policy.mode = mode;
        rudder_policy::check(
            &policy,
            call.cwd,
            call.tool_name,
            call.input,
            call.read_only,
        )
    }

    fn read_only_refusal(&self, call: CallToCheck<'_>) -> Option<String> {
        let probe = self.bare_copy(PermissionMode::Plan);
        match rudder_policy::check(&probe, call.cwd, call.tool_name, call.input, call.read_only) {
            Decision::Deny { reason } => Some(reason),
            _ => None,
        }
    }

    fn within_scope(&self, scope: &[String], call: CallToCheck<'_>) -> bool {
        let mut probe = self.bare_copy(PermissionMode::DontAsk);
        let source = Arc::new(RuleSource::new("subagent tools", probe.cwd.clone()));
        let (set, _) = RuleSet::load(allow_entries(scope, &source), &probe.cwd, &probe.home);
        probe.rules = set;
        rudder_policy::check(&probe, call.cwd, call.tool_name, call.input, call.read_only)
            .is_allow()
    }
}

/// `rules` as allow entries of `source`.
fn allow_entries<'a>(
    rules: &'a [String],
    source: &'a Arc<RuleSource>,
) -> impl Iterator<Item = RuleEntry> + 'a {
    rules.iter().enumerate().map(|(index, text)| RuleEntry {
        text: text.clone(),
        behavior: RuleBehavior::Allow,
        source: Arc::clone(source),
        index,
    })
}

/// Answers approval requests.
pub trait Approver: Send + Sync {
    /// Decides `request`. May take as long as a person needs; the agent
    /// waits (and is interruptible through its cancellation token).
    fn decide<'a>(&'a self, request: &'a ApprovalRequest) -> BoxFuture<'a, ApprovalDecision>;
}

#[cfg(test)]
mod tests;

//! Building the session's permission policy from flags and settings, and
//! the folder trust answer.
//!
//! Mode: `--dangerously-skip-permissions`, else `--permission-mode`, else
//! the `permissions.defaultMode` setting (a project file's value only once
//! the folder is trusted — the settings loader withholds it before), else
//! `default`. bypassPermissions is refused as root outside a sandbox unless
//! `IS_SANDBOX=1` (Claude Code's escape hatch), and whenever a settings
//! file says `disableBypassPermissionsMode: "disable"`.
//!
//! Rules: every settings rule with its file (for messages and the `/`
//! anchor) and the update destination that file is (so `replaceRules` and
//! `removeRules` in an approval reach its rules), then `--allowedTools` and
//! `--disallowedTools` anchored at the working directory. A rule that does
//! not parse is reported with its source and position; the others still
//! apply.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rudder_config::settings::LoadedSettings;
use rudder_core::permissions::{PermissionGate, PolicyGate};
use rudder_core::sandbox_net::SandboxNetwork;
use rudder_policy::rule::RuleSource;
use rudder_policy::sandbox::domains::DomainFilter;
use rudder_policy::sandbox::{self, SandboxConfig, SandboxPlan, SandboxStatus};
use rudder_policy::{PolicyBuilder, TrustStore, bypass_allowed, running_as_root};
use rudder_protocol::PermissionMode;
use rudder_protocol::permission::RuleBehavior;

use crate::args::Args;

/// The gate and what the person should know about it.
pub struct BuiltGate {
    /// The policy the session decides with.
    pub gate: Arc<dyn PermissionGate>,
    /// The mode in force (for `system/init`).
    pub mode: PermissionMode,
    /// Rules that did not parse, directories that do not exist, a sandbox
    /// that cannot start.
    pub notices: Vec<String>,
}

/// Whether project files may take effect: `--trust` for this run, or the
/// folder is in the user's trust store (`<rudder_home>/trust.json`, keyed
/// on the canonical repository root — never read from the repository).
pub fn is_trusted(args: &Args, rudder_home: &Path, cwd: &Path) -> bool {
    args.trust
        || TrustStore::new(rudder_home)
            .is_trusted(cwd)
            .unwrap_or(false)
}

/// Builds the policy. `sandbox_writable` are directories a sandboxed Bash
/// call must be able to write besides the working directories (the
/// session's record of the shell's final directory).
///
/// Errors: an unknown `--permission-mode`, or bypassPermissions where it is
/// not allowed — with a message that says why and what to do.
pub fn build(
    args: &Args,
    loaded: &LoadedSettings,
    cwd: &Path,
    lookup: &dyn Fn(&str) -> Option<String>,
    sandbox_writable: &[PathBuf],
) -> Result<BuiltGate, String> {
    let mode = mode(args, loaded)?;
    if mode == PermissionMode::BypassPermissions {
        if loaded.settings.permissions.bypass_disabled() {
            return Err(
                "bypassPermissions is disabled by the disableBypassPermissionsMode setting"
                    .to_owned(),
            );
        }
        let forced = lookup("IS_SANDBOX").as_deref() == Some("1");
        bypass_allowed(running_as_root(), false, forced)?;
    }
    let home = lookup("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| cwd.to_owned());
    let mut builder = PolicyBuilder::new(cwd, &home).mode(mode);
    for entry in &loaded.rules {
        builder = builder.rules(
            RuleSource::new(entry.origin.to_string(), &entry.base_dir)
                .with_destination(entry.destination),
            entry.behavior,
            [entry.rule.as_str()],
        );
    }
    builder = builder
        .rules(
            RuleSource::new("--allowedTools", cwd),
            RuleBehavior::Allow,
            args.allowed_tools.iter().map(String::as_str),
        )
        .rules(
            RuleSource::new("--disallowedTools", cwd),
            RuleBehavior::Deny,
            args.disallowed_tools.iter().map(String::as_str),
        );
    for dir in &args.add_dir {
        builder = builder.add_dir(cwd.join(dir));
    }
    for dir in &loaded.additional_directories {
        builder = builder.add_dir(expand_home(&dir.path, &home, &dir.base_dir));
    }
    let mut notices = Vec::new();
    let plan = sandbox_plan(loaded, &mut notices);
    let network = plan
        .as_ref()
        .and_then(|_| sandbox_network(loaded, &mut notices));
    let (policy, errors) = builder
        .sandboxed(plan.is_some())
        .sandbox_allow_unsandboxed(
            loaded
                .settings
                .sandbox
                .as_ref()
                .and_then(|sandbox| sandbox.allow_unsandboxed_commands)
                .unwrap_or(true),
        )
        .sandbox_auto_allow(sandbox_auto_allow(loaded))
        .sandbox_excluded_commands(
            loaded
                .settings
                .sandbox
                .iter()
                .flat_map(|sandbox| &sandbox.excluded_commands),
        )
        .build();
    notices.extend(errors.iter().map(ToString::to_string));
    let plan = plan.map(|(bwrap, config)| {
        let mut writable = policy.working_dirs.clone();
        writable.extend(sandbox_writable.iter().cloned());
        SandboxPlan::new(bwrap, &writable, &home, config)
    });
    let mut gate = PolicyGate::new(policy, plan);
    if let Some(network) = network {
        gate = gate.with_network(network);
    }
    Ok(BuiltGate {
        gate: Arc::new(gate),
        mode,
        notices,
    })
}

fn mode(args: &Args, loaded: &LoadedSettings) -> Result<PermissionMode, String> {
    if args.dangerously_skip_permissions {
        return Ok(PermissionMode::BypassPermissions);
    }
    match &args.permission_mode {
        Some(text) => text.parse(),
        None => Ok(loaded.settings.permissions.default_mode.unwrap_or_default()),
    }
}

/// `~/x` against `home`, a relative path against the settings file's base.
fn expand_home(dir: &str, home: &Path, base: &Path) -> PathBuf {
    match dir.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None => base.join(dir),
    }
}

/// `sandbox.autoAllowBashIfSandboxed` (Claude Code default: true). It
/// holds with `sandbox.network.allowedDomains` too: sandboxed commands
/// reach only the listed domains, through the session's filtering proxy.
fn sandbox_auto_allow(loaded: &LoadedSettings) -> bool {
    loaded
        .settings
        .sandbox
        .as_ref()
        .and_then(|sandbox| sandbox.auto_allow_bash_if_sandboxed)
        .unwrap_or(true)
}

/// With `sandbox.network.allowedDomains` set (in a sandboxed session): the
/// filtered network, its unusable entries added to `notices`. `None`
/// leaves sandboxed commands without network: no list, or no path to the
/// `rudder` binary for the bridge (with a notice).
fn sandbox_network(loaded: &LoadedSettings, notices: &mut Vec<String>) -> Option<SandboxNetwork> {
    let entries = &loaded
        .settings
        .sandbox
        .as_ref()?
        .network
        .as_ref()?
        .allowed_domains;
    if entries.is_empty() {
        return None;
    }
    let (filter, errors) = DomainFilter::new(entries.iter().map(String::as_str));
    notices.extend(errors.iter().map(ToString::to_string));
    match std::env::current_exe() {
        Ok(rudder) => Some(SandboxNetwork::new(filter, rudder)),
        Err(error) => {
            notices.push(format!(
                "sandboxed Bash commands have no network: sandbox.network.allowedDomains needs \
                 rudder's own binary as the sandbox's network bridge, and its path is unknown \
                 ({error})"
            ));
            None
        }
    }
}

/// When the `sandbox.enabled` setting is on: bwrap and its configuration,
/// or a notice saying why Bash runs unsandboxed (the policy then asks
/// before commands it would have allowed inside the sandbox).
fn sandbox_plan(
    loaded: &LoadedSettings,
    notices: &mut Vec<String>,
) -> Option<(PathBuf, SandboxConfig)> {
    let settings = loaded.settings.sandbox.as_ref()?;
    if settings.enabled != Some(true) {
        return None;
    }
    match sandbox::detect() {
        SandboxStatus::Available { bwrap } => Some((bwrap, SandboxConfig::default())),
        SandboxStatus::Unavailable { reason } => {
            notices.push(format!(
                "the Bash sandbox is enabled in settings but cannot start: {reason}"
            ));
            None
        }
    }
}

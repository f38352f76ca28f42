//! `sandbox.autoAllowBashIfSandboxed` and `sandbox.excludedCommands`
//! (CLAUDE-CODE-INTERFACE.md §4.2): a Bash call that runs inside the
//! sandbox is allowed where the policy would ask; explicit deny and ask
//! rules still decide; calls that leave the sandbox are judged as before.

mod common;

use common::{Env, kind, reason};
use rudder_policy::sandbox::scope::bash_runs_sandboxed;
use rudder_policy::{Policy, RuleSource, check};
use rudder_protocol::permission::{PermissionMode, RuleBehavior};
use serde_json::json;

/// A policy whose Bash calls run sandboxed (`sandboxed`), with
/// `auto_allow`, `excluded` commands and the given rules.
fn policy(
    env: &Env,
    mode: PermissionMode,
    sandboxed: bool,
    auto_allow: bool,
    excluded: &[&str],
    rules: &[(RuleBehavior, &str)],
) -> Policy {
    let mut builder = env
        .builder()
        .mode(mode)
        .sandboxed(sandboxed)
        .sandbox_auto_allow(auto_allow)
        .sandbox_excluded_commands(excluded.iter().copied());
    for (behavior, rule) in rules {
        builder = builder.rules(
            RuleSource::new("test-settings", &env.proj),
            *behavior,
            [*rule],
        );
    }
    let (policy, errors) = builder.build();
    assert!(errors.is_empty(), "{errors:?}");
    policy
}

/// A sandboxed policy with auto-allow, in the default mode.
fn sandboxed(env: &Env) -> Policy {
    policy(env, PermissionMode::Default, true, true, &[], &[])
}

/// A sandboxed policy with auto-allow in `mode`.
fn policy_in(env: &Env, mode: PermissionMode) -> Policy {
    policy(env, mode, true, true, &[], &[])
}

#[test]
fn a_sandboxed_command_the_policy_would_ask_about_runs_without_asking() {
    let env = Env::new();
    let policy = sandboxed(&env);
    for command in [
        "npm install",
        "mkdir build && touch build/x",
        "echo x > /etc/motd",
        "eval \"$CMD\"",
    ] {
        let decision = env.bash(&policy, command);
        assert_eq!(kind(&decision), "allow", "{command}: {decision:?}");
        assert!(reason(&decision).contains("autoAllowBashIfSandboxed"));
    }
    // dontAsk denies what would ask; the sandbox's allow comes first.
    let dont_ask = policy_in(&env, PermissionMode::DontAsk);
    assert_eq!(kind(&env.bash(&dont_ask, "npm install")), "allow");
}

#[test]
fn explicit_deny_and_ask_rules_still_apply_in_the_sandbox() {
    let env = Env::new();
    let policy = policy(
        &env,
        PermissionMode::Default,
        true,
        true,
        &[],
        &[
            (RuleBehavior::Deny, "Bash(curl *)"),
            (RuleBehavior::Ask, "Bash(npm publish *)"),
            (RuleBehavior::Deny, "Read(./private/**)"),
        ],
    );
    assert_eq!(kind(&env.bash(&policy, "curl https://example.com")), "deny");
    assert_eq!(kind(&env.bash(&policy, "npm publish --tag next")), "ask");
    assert_eq!(kind(&env.bash(&policy, "cat private/notes.txt")), "deny");
    // Rules that do not match leave the auto-allow in place.
    assert_eq!(kind(&env.bash(&policy, "npm install")), "allow");
}

#[test]
fn protections_the_sandbox_does_not_contain_still_hold() {
    let env = Env::new();
    let policy = sandboxed(&env);
    // The built-in secrets list: the sandbox does not hide project files.
    assert_eq!(kind(&env.bash(&policy, "cat .env")), "deny");
    // Critical removals: the working directory is writable inside.
    assert_eq!(kind(&env.bash(&policy, "rm -rf .")), "ask");
    // A whole-tree read that would take in a secret file.
    assert_eq!(kind(&env.bash(&policy, "grep -r KEY .")), "ask");
    // Plan mode still refuses what is not read-only.
    let plan = policy_in(&env, PermissionMode::Plan);
    assert_eq!(kind(&env.bash(&plan, "npm install")), "deny");
}

#[test]
fn leaving_the_sandbox_needs_a_fresh_approval() {
    let env = Env::new();
    let policy = sandboxed(&env);
    let input = json!({"command": "npm install", "dangerouslyDisableSandbox": true});
    let decision = check(&policy, &env.proj, "Bash", &input, false);
    assert_eq!(kind(&decision), "ask");
    assert!(reason(&decision).contains("outside the sandbox"));
    assert!(!bash_runs_sandboxed(&policy, &input));
    assert!(bash_runs_sandboxed(
        &policy,
        &json!({"command": "npm install"})
    ));
}

#[test]
fn excluded_commands_run_outside_the_sandbox_and_are_judged_as_before() {
    let env = Env::new();
    let policy = policy(
        &env,
        PermissionMode::Default,
        true,
        true,
        &["docker"],
        &[(RuleBehavior::Allow, "Bash(docker ps)")],
    );
    for command in ["docker run --rm alpine", "npm install && docker build ."] {
        assert_eq!(kind(&env.bash(&policy, command)), "ask", "{command}");
        assert!(!bash_runs_sandboxed(
            &policy,
            &json!({ "command": command })
        ));
    }
    // An allow rule still allows an excluded command, as without a sandbox.
    assert_eq!(kind(&env.bash(&policy, "docker ps")), "allow");
    // Read-only commands stay allowed; other commands stay sandboxed.
    assert_eq!(kind(&env.bash(&policy, "ls")), "allow");
    assert_eq!(kind(&env.bash(&policy, "dockerd --version")), "allow");
    assert!(bash_runs_sandboxed(
        &policy,
        &json!({"command": "dockerd --version"})
    ));
}

#[test]
fn without_a_running_sandbox_or_with_auto_allow_off_commands_are_asked_about() {
    let env = Env::new();
    // `sandbox.enabled` but bubblewrap could not start: Bash runs unsandboxed.
    let fallback = policy(&env, PermissionMode::Default, false, true, &[], &[]);
    assert_eq!(kind(&env.bash(&fallback, "npm install")), "ask");
    assert!(!bash_runs_sandboxed(
        &fallback,
        &json!({"command": "npm install"})
    ));
    let off = policy(&env, PermissionMode::Default, true, false, &[], &[]);
    assert_eq!(kind(&env.bash(&off, "npm install")), "ask");
    assert!(bash_runs_sandboxed(
        &off,
        &json!({"command": "npm install"})
    ));
}

/// `sandbox.allowUnsandboxedCommands: false` (Claude Code: the
/// `dangerouslyDisableSandbox` parameter is then ignored): a call asking
/// to leave the sandbox runs inside it, judged as any sandboxed call;
/// excluded commands still run outside.
#[test]
fn without_allow_unsandboxed_commands_asking_to_leave_runs_sandboxed() {
    let env = Env::new();
    let (locked, errors) = env
        .builder()
        .sandboxed(true)
        .sandbox_allow_unsandboxed(false)
        .sandbox_excluded_commands(["docker"])
        .build();
    assert!(errors.is_empty(), "{errors:?}");
    let leave = |command: &str| json!({"command": command, "dangerouslyDisableSandbox": true});
    for command in ["npm install", "ls"] {
        let decision = check(&locked, &env.proj, "Bash", &leave(command), false);
        assert_eq!(kind(&decision), "allow", "{command}: {decision:?}");
        assert!(!reason(&decision).contains("outside the sandbox"));
        assert!(bash_runs_sandboxed(&locked, &leave(command)), "{command}");
    }
    assert!(!bash_runs_sandboxed(&locked, &leave("docker ps")));
    assert_eq!(
        kind(&check(
            &locked,
            &env.proj,
            "Bash",
            &leave("docker ps"),
            false
        )),
        "ask"
    );
    // Left at its default, the same request leaves the sandbox and asks.
    let open = sandboxed(&env);
    assert!(!bash_runs_sandboxed(&open, &leave("ls")));
    assert_eq!(
        kind(&check(&open, &env.proj, "Bash", &leave("ls"), false)),
        "ask"
    );
}

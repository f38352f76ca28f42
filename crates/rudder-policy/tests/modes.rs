//! Each permission mode with Claude Code's meaning
//! (CLAUDE-CODE-INTERFACE.md §3.1).

mod common;

use common::{Env, kind, reason};
use rudder_policy::Decision;
use rudder_protocol::permission::{PermissionMode, PermissionUpdate};
use serde_json::json;

#[test]
fn default_mode() {
    let env = Env::new();
    let policy = env.mode(PermissionMode::Default);
    assert!(env.read(&policy, &env.proj.join("src/main.rs")).is_allow());
    assert!(env.bash(&policy, "ls -la && git status").is_allow());
    let edit = env.write(&policy, &env.proj.join("src/new.rs"));
    match &edit {
        Decision::Ask { suggestions, .. } => assert!(suggestions.iter().any(|s| matches!(
            s,
            PermissionUpdate::SetMode {
                mode: PermissionMode::AcceptEdits,
                ..
            }
        ))),
        other => panic!("{other:?}"),
    }
    assert_eq!(kind(&env.bash(&policy, "npm install")), "ask");
    assert_eq!(kind(&env.bash(&policy, "mkdir build")), "ask");
    assert_eq!(kind(&env.read(&policy, &env.root.join("elsewhere"))), "ask");
    // Tools without specific knowledge run when they say they are read-only.
    let todo = rudder_policy::check(&policy, &env.proj, "TodoWrite", &json!({"todos": []}), true);
    assert!(todo.is_allow());
    let unknown = rudder_policy::check(&policy, &env.proj, "Deploy", &json!({}), false);
    assert_eq!(kind(&unknown), "ask");
}

#[test]
fn accept_edits_mode() {
    let env = Env::new();
    let policy = env.mode(PermissionMode::AcceptEdits);
    assert!(env.write(&policy, &env.proj.join("src/new.rs")).is_allow());
    assert!(
        env.tool(
            &policy,
            "Edit",
            json!({"file_path": env.proj.join("README.md"), "old_string": "a", "new_string": "b"})
        )
        .is_allow()
    );
    for command in [
        "mkdir -p build/out && touch build/out/x",
        "cp README.md README.bak",
        "mv README.bak docs.md",
        "rm -f docs.md",
        "rmdir build/out",
        "echo x > notes.txt",
        "rm -rf build",
    ] {
        let decision = env.bash(&policy, command);
        assert!(decision.is_allow(), "{command}: {}", reason(&decision));
    }
    // Not edits, outside, protected, critical.
    assert_eq!(kind(&env.bash(&policy, "npm install")), "ask");
    assert_eq!(
        kind(&env.write(&policy, &env.root.join("outside.txt"))),
        "ask"
    );
    assert_eq!(kind(&env.bash(&policy, "touch ../outside.txt")), "ask");
    assert_eq!(
        kind(&env.write(&policy, &env.proj.join(".git/config"))),
        "ask"
    );
    assert_eq!(kind(&env.bash(&policy, "rm -rf .")), "ask");
    assert_eq!(kind(&env.bash(&policy, "rm -rf *")), "ask");
    assert_eq!(kind(&env.bash(&policy, "rm -rf ..")), "ask");
    // Secrets stay denied.
    assert_eq!(kind(&env.write(&policy, &env.proj.join(".env"))), "deny");
}

#[test]
fn plan_mode() {
    let env = Env::new();
    let policy = env.mode(PermissionMode::Plan);
    assert!(env.read(&policy, &env.proj.join("src/main.rs")).is_allow());
    assert!(env.bash(&policy, "git log -3 && ls src").is_allow());
    for decision in [
        env.write(&policy, &env.proj.join("src/new.rs")),
        env.bash(&policy, "touch x"),
        env.bash(&policy, "npm install"),
        env.bash(&policy, "echo x > out.txt"),
        env.bash(&policy, "$CMD"),
    ] {
        assert_eq!(kind(&decision), "deny", "{decision:?}");
        assert!(
            reason(&decision).contains("plan mode"),
            "{}",
            reason(&decision)
        );
    }
}

#[test]
fn dont_ask_mode() {
    let env = Env::new();
    let policy = env.policy(
        PermissionMode::DontAsk,
        &["Bash(npm test:*)"],
        &["Bash(git push:*)"],
        &[],
    );
    assert!(env.bash(&policy, "npm test").is_allow());
    assert!(env.bash(&policy, "ls").is_allow());
    for decision in [
        env.bash(&policy, "npm install"),
        env.bash(&policy, "git push"),
        env.write(&policy, &env.proj.join("src/new.rs")),
        env.tool(
            &policy,
            "WebFetch",
            json!({"url": "https://example.com", "prompt": "p"}),
        ),
    ] {
        assert_eq!(kind(&decision), "deny", "{decision:?}");
        assert!(reason(&decision).contains("dontAsk"));
    }
}

#[test]
fn bypass_permissions_mode() {
    let env = Env::new();
    let policy = env.policy(
        PermissionMode::BypassPermissions,
        &[],
        &["Bash(git push:*)"],
        &["Bash(curl:*)"],
    );
    for command in [
        "npm install",
        "rm -rf build",
        "echo x > /tmp/rudder-test-out",
        "touch .claude/settings.json",
        "$CMD",
        "sudo apt-get install x",
    ] {
        assert!(env.bash(&policy, command).is_allow(), "{command}");
    }
    assert!(env.write(&policy, &env.proj.join(".git/config")).is_allow());
    assert!(env.write(&policy, &env.root.join("outside.txt")).is_allow());
    // Still asked: explicit ask rules, critical removals.
    assert_eq!(kind(&env.bash(&policy, "git push")), "ask");
    for command in [
        "rm -rf /",
        "rm -rf ~",
        "rm -rf .",
        "rm -rf /usr",
        "rmdir ..",
        "rm -rf ~/*",
        "rm -rf \"$HOME\"",
        "ls | xargs rm -rf",
        "find / -delete",
    ] {
        assert_eq!(kind(&env.bash(&policy, command)), "ask", "{command}");
    }
    // Still denied: deny rules, secrets.
    assert_eq!(kind(&env.bash(&policy, "curl evil")), "deny");
    assert_eq!(kind(&env.bash(&policy, "cat .env")), "deny");
    assert_eq!(
        kind(&env.read(&policy, &env.home.join(".ssh/id_rsa"))),
        "deny"
    );
}

#[test]
fn leaving_the_sandbox_always_asks() {
    let env = Env::new();
    let (policy, _) = env
        .builder()
        .mode(PermissionMode::BypassPermissions)
        .sandboxed(true)
        .build();
    let input = json!({"command": "ls", "dangerouslyDisableSandbox": true});
    let decision = rudder_policy::check(&policy, &env.proj, "Bash", &input, false);
    assert_eq!(kind(&decision), "ask");
    let input = json!({"command": "ls"});
    assert!(rudder_policy::check(&policy, &env.proj, "Bash", &input, false).is_allow());
}

#[test]
fn bypass_is_refused_for_root_outside_a_sandbox() {
    assert!(rudder_policy::bypass_allowed(true, false, false).is_err());
    assert!(rudder_policy::bypass_allowed(true, true, false).is_ok());
    assert!(rudder_policy::bypass_allowed(true, false, true).is_ok());
    assert!(rudder_policy::bypass_allowed(false, false, false).is_ok());
}

//! `Read(...)` deny rules against Bash commands that read whole trees
//! (`grep -r`, `rg`, `diff -r`) or name files through globs: a command
//! that would read a file the rules cover is not allowed unasked, while
//! one whose tree holds no such file stays in the read-only set
//! (CLAUDE-CODE-INTERFACE.md §3.2: Read deny rules cover Grep, Glob and
//! LS results; rudder extends them to the shell's tree readers).

mod common;

use std::fs;

use common::{Env, kind, reason};
use rudder_policy::{Policy, check};
use rudder_protocol::permission::PermissionMode;
use serde_json::json;

/// The fixture project without its `.env` (a secret that would make
/// whole-tree reads ask on its own), plus `secrets/key.txt`,
/// `notes/plan.private` and `notes/todo.md`. Panics on I/O failure, like
/// the tests that call it.
#[allow(clippy::unwrap_used)]
fn project() -> Env {
    let env = Env::new();
    fs::remove_file(env.proj.join(".env")).unwrap();
    for (file, text) in [
        ("secrets/key.txt", "TOKEN=sk-live-1\n"),
        ("notes/plan.private", "TOKEN=two\n"),
        ("notes/todo.md", "TOKEN is public\n"),
    ] {
        let path = env.proj.join(file);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    env
}

const RULES: &[&str] = &["Read(./secrets/**)", "Read(**/*.private)"];

fn denying(env: &Env, mode: PermissionMode) -> Policy {
    env.policy(mode, &[], &[], RULES)
}

#[test]
fn whole_tree_reads_reaching_a_read_denied_file_ask() {
    let env = project();
    let policy = denying(&env, PermissionMode::Default);
    for (command, reached) in [
        ("grep -r TOKEN .", ""),
        ("grep -rn TOKEN", ""),
        ("grep --recursive TOKEN secrets/..", "secrets"),
        ("rg TOKEN", ""),
        ("rg -n TOKEN notes", "plan.private"),
        ("cd src && grep -r TOKEN ..", ""),
        ("grep -r TOKEN . | head -5", ""),
        ("diff -r notes src", "plan.private"),
    ] {
        let decision = env.bash(&policy, command);
        assert_eq!(kind(&decision), "ask", "{command}: {decision:?}");
        let why = reason(&decision);
        assert!(why.contains("denies reading"), "{command}: {why}");
        assert!(why.contains(reached), "{command}: {why}");
        assert!(
            why.contains("secrets") || why.contains("plan.private"),
            "{command}: {why}"
        );
    }
}

#[test]
fn globs_that_expand_to_a_read_denied_file_are_refused() {
    let env = project();
    let policy = denying(&env, PermissionMode::Default);
    for command in [
        "cat secrets/*",
        "head -n 3 notes/*",
        "cat */*.txt",
        "grep -r TOKEN *",
    ] {
        let decision = env.bash(&policy, command);
        assert_eq!(kind(&decision), "deny", "{command}: {decision:?}");
        assert!(reason(&decision).contains("is denied by rule"), "{command}");
    }
}

#[test]
fn other_tree_readers_are_not_in_the_read_only_set() {
    let env = project();
    let policy = denying(&env, PermissionMode::Default);
    for command in [
        "git grep TOKEN",
        "find . -name '*.txt' -exec cat {} +",
        "tar cf - .",
    ] {
        assert!(!env.bash(&policy, command).is_allow(), "{command}");
    }
}

#[test]
fn trees_without_a_read_denied_file_stay_read_only() {
    let env = project();
    let policy = denying(&env, PermissionMode::Default);
    for command in [
        "grep -r TOKEN src",
        "rg TOKEN src",
        "grep -r TOKEN notes/todo.md",
        "cat notes/todo.md",
        "diff -r src src",
        "ls -R",
    ] {
        let decision = env.bash(&policy, command);
        assert!(decision.is_allow(), "{command}: {decision:?}");
    }
    // A rule that covers nothing in the tree leaves the whole project
    // searchable.
    let elsewhere = env.policy(PermissionMode::Default, &[], &[], &["Read(**/*.pem)"]);
    for command in ["grep -r TOKEN .", "rg TOKEN"] {
        assert!(env.bash(&elsewhere, command).is_allow(), "{command}");
    }
}

#[test]
fn hidden_denied_entries_count_only_for_readers_that_read_hidden_files() {
    let env = project();
    fs::create_dir_all(env.proj.join(".vault")).unwrap();
    fs::write(env.proj.join(".vault/k.txt"), "TOKEN\n").unwrap();
    let policy = env.policy(PermissionMode::Default, &[], &[], &["Read(./.vault/**)"]);
    assert!(env.bash(&policy, "rg TOKEN").is_allow());
    for command in ["rg --hidden TOKEN", "grep -r TOKEN ."] {
        let decision = env.bash(&policy, command);
        assert_eq!(kind(&decision), "ask", "{command}: {decision:?}");
        assert!(reason(&decision).contains(".vault"), "{command}");
    }
}

#[test]
fn a_link_into_a_denied_tree_counts_as_the_file_it_reaches() {
    let env = project();
    std::os::unix::fs::symlink(
        env.proj.join("secrets/key.txt"),
        env.proj.join("src/key-link.txt"),
    )
    .unwrap();
    let policy = denying(&env, PermissionMode::Default);
    let decision = env.bash(&policy, "grep -R TOKEN src");
    assert_eq!(kind(&decision), "ask", "{decision:?}");
    assert!(reason(&decision).contains("key-link.txt"), "{decision:?}");
}

#[test]
fn the_ask_holds_in_every_mode_and_inside_the_sandbox() {
    let env = project();
    let bypass = denying(&env, PermissionMode::BypassPermissions);
    assert_eq!(kind(&env.bash(&bypass, "grep -r TOKEN .")), "ask");
    assert!(env.bash(&bypass, "npm install").is_allow());
    let dont_ask = denying(&env, PermissionMode::DontAsk);
    assert_eq!(kind(&env.bash(&dont_ask, "grep -r TOKEN .")), "deny");
    let plan = denying(&env, PermissionMode::Plan);
    assert_eq!(kind(&env.bash(&plan, "rg TOKEN")), "ask");
    let (sandboxed, _) = env
        .builder()
        .rules(
            rudder_policy::RuleSource::new("test-settings", &env.proj),
            rudder_protocol::permission::RuleBehavior::Deny,
            RULES.iter().copied(),
        )
        .sandboxed(true)
        .build();
    let input = json!({"command": "grep -r TOKEN ."});
    assert_eq!(
        kind(&check(&sandboxed, &env.proj, "Bash", &input, false)),
        "ask"
    );
    // An allow rule naming the file does not lift a deny rule.
    let allowed = env.policy(
        PermissionMode::Default,
        &["Read(./secrets/key.txt)"],
        &[],
        RULES,
    );
    assert_eq!(kind(&env.bash(&allowed, "grep -r TOKEN secrets/..")), "ask");
}

//! The built-in secrets list against commands that read whole directory
//! trees (`grep -r`, `rg`): the policy judges the directory they name, so
//! the secret files below it are looked for before such a command runs
//! unasked (USER-PAINS.md §5.4).

mod common;

use std::fs;

use common::{Env, kind, reason};
use rudder_protocol::permission::PermissionMode;

#[test]
fn recursive_reads_that_would_reach_a_secret_file_ask() {
    // The fixture project holds `.env` (a secret) and `.env.example`.
    let env = Env::new();
    let policy = env.mode(PermissionMode::Default);
    for command in [
        "grep -r KEY .",
        "grep -R KEY",
        "grep -rn KEY",
        "grep --recursive KEY .",
        "grep -d recurse KEY .",
        "egrep -r KEY .",
        "rg --hidden KEY",
        "rg -uu KEY .",
        "cd src && grep -r KEY ..",
    ] {
        let decision = env.bash(&policy, command);
        assert_eq!(kind(&decision), "ask", "{command}");
        assert!(
            reason(&decision).contains(".env"),
            "{command}: {decision:?}"
        );
    }
    // Nothing secret below `src`; `rg` skips hidden files unless told;
    // without -r, grep reads only the files it names.
    for command in [
        "grep -r main src",
        "rg main",
        "rg -n main src",
        "grep KEY README.md",
    ] {
        assert!(env.bash(&policy, command).is_allow(), "{command}");
    }
}

#[test]
fn a_secret_that_rg_does_not_skip_counts_for_rg_too() {
    let env = Env::new();
    fs::create_dir_all(env.proj.join("certs")).unwrap();
    fs::write(env.proj.join("certs/server.key"), "PRIVATE").unwrap();
    let policy = env.mode(PermissionMode::Default);
    let decision = env.bash(&policy, "rg PRIVATE");
    assert_eq!(kind(&decision), "ask");
    assert!(reason(&decision).contains("server.key"), "{decision:?}");
}

#[test]
fn a_read_rule_naming_the_secret_lifts_it_for_recursive_reads_too() {
    let env = Env::new();
    let policy = env.policy(PermissionMode::Default, &["Read(./.env)"], &[], &[]);
    assert!(env.bash(&policy, "grep -r KEY .").is_allow());
}

#[test]
fn dont_ask_refuses_and_bypass_allows() {
    let env = Env::new();
    let dont_ask = env.mode(PermissionMode::DontAsk);
    assert_eq!(kind(&env.bash(&dont_ask, "grep -r KEY .")), "deny");
    let bypass = env.mode(PermissionMode::BypassPermissions);
    assert!(env.bash(&bypass, "grep -r KEY .").is_allow());
}

#[test]
fn a_committed_secret_named_as_rev_colon_path_is_a_secret_read() {
    let env = Env::new();
    let policy = env.mode(PermissionMode::Default);
    for command in [
        "git show HEAD:.env",
        "git show :.env",
        "git diff HEAD:.env HEAD~1:.env",
    ] {
        assert_eq!(kind(&env.bash(&policy, command)), "deny", "{command}");
    }
    for command in [
        "git show HEAD:README.md",
        "git show HEAD:",
        "git log --oneline",
    ] {
        assert!(env.bash(&policy, command).is_allow(), "{command}");
    }
}

//! `replaceRules`, `removeRules` and `removeDirectories` applied to a
//! running session's policy: each changes only its destination's lists,
//! and the next decision shows it.

mod common;

use std::fs;

use common::{Env, kind};
use rudder_policy::{Policy, PolicyError, RuleSource};
use rudder_protocol::permission::{
    PermissionMode, PermissionUpdate, RuleBehavior, RuleValue, UpdateDestination,
};

fn bash(content: &str) -> RuleValue {
    RuleValue {
        tool_name: "Bash".into(),
        rule_content: Some(content.into()),
    }
}

/// A policy whose `localSettings` file allows `make` and denies `rm *` and
/// `curl *`, with `--allowedTools Bash(make)` and a managed deny of
/// `Bash(curl *)` beside it.
fn layered(env: &Env) -> Policy {
    let local = || {
        RuleSource::new("local .claude/settings.local.json", &env.proj)
            .with_destination(Some(UpdateDestination::LocalSettings))
    };
    let (policy, errors) = env
        .builder()
        .mode(PermissionMode::Default)
        .rules(
            local(),
            RuleBehavior::Allow,
            ["Bash(make)", "Bash(npm test)"],
        )
        .rules(local(), RuleBehavior::Deny, ["Bash(rm *)", "Bash(curl *)"])
        .rules(
            RuleSource::new("--allowedTools", &env.proj),
            RuleBehavior::Allow,
            ["Bash(ls -la)"],
        )
        .rules(
            RuleSource::new("managed", "/"),
            RuleBehavior::Deny,
            ["Bash(curl *)"],
        )
        .build();
    assert!(errors.is_empty(), "{errors:?}");
    policy
}

#[test]
fn a_removed_allow_rule_asks_again() {
    let env = Env::new();
    let mut policy = env.mode(PermissionMode::Default);
    let add = PermissionUpdate::AddRules {
        rules: vec![bash("make build")],
        behavior: RuleBehavior::Allow,
        destination: UpdateDestination::Session,
    };
    assert!(policy.apply(&add).is_empty());
    assert!(env.bash(&policy, "make build").is_allow());
    let remove = PermissionUpdate::RemoveRules {
        rules: vec![bash("make build")],
        behavior: RuleBehavior::Allow,
        destination: UpdateDestination::Session,
    };
    assert!(policy.apply(&remove).is_empty());
    assert_eq!(kind(&env.bash(&policy, "make build")), "ask");
}

#[test]
fn remove_rules_touches_only_its_destination_and_behavior() {
    let env = Env::new();
    let mut policy = layered(&env);
    assert!(env.bash(&policy, "make").is_allow());
    // Wrong destination, then wrong behavior: nothing changes.
    for (behavior, destination) in [
        (RuleBehavior::Allow, UpdateDestination::UserSettings),
        (RuleBehavior::Deny, UpdateDestination::LocalSettings),
    ] {
        policy.apply(&PermissionUpdate::RemoveRules {
            rules: vec![bash("make")],
            behavior,
            destination,
        });
        assert!(env.bash(&policy, "make").is_allow());
    }
    policy.apply(&PermissionUpdate::RemoveRules {
        rules: vec![bash("make"), bash("ls -la")],
        behavior: RuleBehavior::Allow,
        destination: UpdateDestination::LocalSettings,
    });
    assert_eq!(kind(&env.bash(&policy, "make")), "ask");
    assert!(
        env.bash(&policy, "npm test").is_allow(),
        "the other local rule stays"
    );
    assert!(
        env.bash(&policy, "ls -la").is_allow(),
        "the flag's rule stays"
    );
}

#[test]
fn a_replaced_deny_list_is_exactly_the_new_rules() {
    let env = Env::new();
    let mut policy = layered(&env);
    assert_eq!(kind(&env.bash(&policy, "rm -rf build")), "deny");
    let replace = PermissionUpdate::ReplaceRules {
        rules: vec![bash("git push *")],
        behavior: RuleBehavior::Deny,
        destination: UpdateDestination::LocalSettings,
    };
    assert!(policy.apply(&replace).is_empty());
    assert_eq!(
        kind(&env.bash(&policy, "rm -rf build")),
        "ask",
        "the old local deny is gone"
    );
    assert_eq!(kind(&env.bash(&policy, "git push origin")), "deny");
    assert_eq!(
        kind(&env.bash(&policy, "curl example.com")),
        "deny",
        "the managed deny stays"
    );
    assert!(
        env.bash(&policy, "make").is_allow(),
        "the allow list is untouched"
    );
    let denies: Vec<String> = policy
        .rules
        .with_behavior(RuleBehavior::Deny)
        .map(|rule| rule.text.clone())
        .collect();
    assert_eq!(denies, ["Bash(curl *)", "Bash(git push *)"]);

    let emptied = PermissionUpdate::ReplaceRules {
        rules: Vec::new(),
        behavior: RuleBehavior::Allow,
        destination: UpdateDestination::LocalSettings,
    };
    assert!(policy.apply(&emptied).is_empty());
    assert_eq!(kind(&env.bash(&policy, "make")), "ask");
    assert!(env.bash(&policy, "ls -la").is_allow());
}

#[test]
fn a_removed_directory_is_outside_again_and_the_cwd_stays() {
    let env = Env::new();
    let extra = env.root.join("extra");
    fs::create_dir_all(&extra).unwrap();
    let mut policy = env.mode(PermissionMode::AcceptEdits);
    let add = PermissionUpdate::AddDirectories {
        directories: vec![extra.display().to_string()],
        destination: UpdateDestination::Session,
    };
    assert!(policy.apply(&add).is_empty());
    assert!(env.write(&policy, &extra.join("a.txt")).is_allow());
    let remove = PermissionUpdate::RemoveDirectories {
        directories: vec![
            extra.display().to_string(),
            env.proj.display().to_string(),
            "relative".into(),
        ],
        destination: UpdateDestination::Session,
    };
    let errors = policy.apply(&remove);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        matches!(&errors[0], PolicyError::DirectoryKept { problem, .. } if problem.contains("working directory"))
    );
    assert_eq!(policy.working_dirs, vec![env.proj.clone()]);
    assert_eq!(kind(&env.write(&policy, &extra.join("a.txt"))), "ask");
    assert!(env.write(&policy, &env.proj.join("src/x.rs")).is_allow());
}

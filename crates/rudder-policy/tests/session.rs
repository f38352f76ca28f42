//! Session updates, suggestions, path scoping through the public API, and
//! the determinism of `decide`.

mod common;

use std::fs;
use std::os::unix::fs::symlink;

use common::{Env, kind};
use rudder_policy::{Decision, PolicyError, decide, resolve_call};
use rudder_protocol::permission::{
    PermissionMode, PermissionUpdate, RuleBehavior, RuleValue, UpdateDestination,
};
use serde_json::json;

fn suggestions(decision: &Decision) -> &[PermissionUpdate] {
    match decision {
        Decision::Ask { suggestions, .. } => suggestions,
        other => panic!("not an ask: {other:?}"),
    }
}

#[test]
fn bash_suggestions_one_rule_per_subcommand() {
    let env = Env::new();
    let policy = env.mode(PermissionMode::Default);
    let decision = env.bash(&policy, "npm install && touch f && git status");
    let updates = suggestions(&decision);
    let PermissionUpdate::AddRules {
        rules,
        behavior,
        destination,
    } = &updates[0]
    else {
        panic!("{updates:?}")
    };
    assert_eq!(*behavior, RuleBehavior::Allow);
    assert_eq!(*destination, UpdateDestination::LocalSettings);
    let contents: Vec<_> = rules.iter().map(|r| r.rule_content.as_deref()).collect();
    assert_eq!(contents, [Some("npm install"), Some("touch f")]);
    assert!(
        updates
            .iter()
            .any(|u| matches!(u, PermissionUpdate::SetMode { .. }))
    );
    let many = (0..8)
        .map(|i| format!("tool{i}"))
        .collect::<Vec<_>>()
        .join("; ");
    let decision = env.bash(&policy, &many);
    let PermissionUpdate::AddRules { rules, .. } = &suggestions(&decision)[0] else {
        panic!()
    };
    assert_eq!(rules.len(), 5);
}

#[test]
fn applying_suggestions_allows_the_call() {
    let env = Env::new();
    let mut policy = env.mode(PermissionMode::Default);
    let decision = env.bash(&policy, "npm install && make");
    for update in suggestions(&decision).to_vec() {
        if matches!(update, PermissionUpdate::AddRules { .. }) {
            assert!(policy.apply(&update).is_empty());
        }
    }
    assert!(env.bash(&policy, "npm install && make").is_allow());

    let outside = env.root.join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("f"), "f").unwrap();
    let decision = env.read(&policy, &outside.join("f"));
    let Decision::Ask {
        suggestions,
        blocked_path,
        ..
    } = &decision
    else {
        panic!("{decision:?}")
    };
    assert_eq!(
        blocked_path.as_deref(),
        Some(outside.join("f").to_str().unwrap())
    );
    assert!(policy.apply(&suggestions[0]).is_empty());
    assert!(env.read(&policy, &outside.join("f")).is_allow());

    assert!(
        policy
            .apply(&PermissionUpdate::SetMode {
                mode: PermissionMode::AcceptEdits,
                destination: UpdateDestination::Session,
            })
            .is_empty()
    );
    assert!(env.write(&policy, &env.proj.join("src/x.rs")).is_allow());
}

#[test]
fn bad_updates_are_reported() {
    let env = Env::new();
    let mut policy = env.mode(PermissionMode::Default);
    let errors = policy.apply(&PermissionUpdate::AddRules {
        rules: vec![
            RuleValue {
                tool_name: "Write".into(),
                rule_content: Some("src/**".into()),
            },
            RuleValue {
                tool_name: "Bash".into(),
                rule_content: Some("make".into()),
            },
        ],
        behavior: RuleBehavior::Allow,
        destination: UpdateDestination::LocalSettings,
    });
    assert_eq!(errors.len(), 1);
    assert!(matches!(&errors[0], PolicyError::Rule(e) if e.origin.contains("localSettings")));
    assert!(env.bash(&policy, "make").is_allow());
    let errors = policy.apply(&PermissionUpdate::AddDirectories {
        directories: vec!["/definitely/not/here".into(), "relative".into()],
        destination: UpdateDestination::Session,
    });
    assert_eq!(errors.len(), 2);
}

#[test]
fn working_dirs_and_symlinked_cwd() {
    let env = Env::new();
    let extra = env.root.join("extra");
    fs::create_dir_all(&extra).unwrap();
    symlink(&env.proj, env.root.join("proj-link")).unwrap();
    let (policy, errors) = rudder_policy::PolicyBuilder::new(env.root.join("proj-link"), &env.home)
        .mode(PermissionMode::AcceptEdits)
        .add_dir(&extra)
        .add_dir(env.root.join("missing"))
        .build();
    assert_eq!(errors.len(), 1);
    assert_eq!(policy.working_dirs, vec![env.proj.clone(), extra.clone()]);
    assert!(env.write(&policy, &extra.join("a.txt")).is_allow());
    assert!(
        env.write(&policy, &env.root.join("proj-link/src/b.rs"))
            .is_allow()
    );
    assert_eq!(
        kind(&env.write(&policy, &env.root.join("extra_evil/a"))),
        "ask"
    );
}

#[test]
fn glob_tool_patterns_cannot_escape() {
    let env = Env::new();
    let policy = env.mode(PermissionMode::Default);
    let glob = |pattern: &str| env.tool(&policy, "Glob", json!({"pattern": pattern}));
    assert!(glob("**/*.rs").is_allow());
    assert_eq!(kind(&glob("../../**/*")), "ask");
    assert_eq!(kind(&glob("/etc/*")), "ask");
}

#[test]
fn decide_is_deterministic() {
    let env = Env::new();
    let policy = env.policy(
        PermissionMode::Default,
        &["Bash(git status:*)", "Read(./src/**)"],
        &["Bash(git push:*)"],
        &["Bash(rm -rf:*)"],
    );
    let calls = [
        (
            "Bash",
            json!({"command": "git status && npm install; touch a b c"}),
        ),
        (
            "Bash",
            json!({"command": "cd src; cat main.rs > ../out; rm -rf /"}),
        ),
        ("Bash", json!({"command": "$X; eval \"$Y\""})),
        ("Read", json!({"file_path": env.proj.join(".env")})),
        (
            "Write",
            json!({"file_path": env.root.join("x"), "content": ""}),
        ),
        (
            "WebFetch",
            json!({"url": "https://example.com", "prompt": "p"}),
        ),
    ];
    for (tool, input) in calls {
        let call = resolve_call(tool, &input, false, &policy.resolve_env(&env.proj));
        let again = resolve_call(tool, &input, false, &policy.resolve_env(&env.proj));
        assert_eq!(call, again);
        let first = decide(&call, &policy);
        for _ in 0..3 {
            assert_eq!(decide(&call, &policy), first, "{tool} {input}");
        }
    }
}

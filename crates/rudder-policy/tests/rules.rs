//! The rule grammar through the builder (every form, errors with source,
//! index and position) and precedence across sources.

mod common;

use std::fs;

use common::{Env, kind, reason};
use rudder_policy::{PolicyError, RuleSource};
use rudder_protocol::permission::{PermissionMode, RuleBehavior};
use serde_json::json;

#[test]
fn errors_carry_source_index_position_and_the_rest_loads() {
    let env = Env::new();
    let (policy, errors) = env
        .builder()
        .rules(
            RuleSource::new("/p/.claude/settings.json", &env.proj),
            RuleBehavior::Allow,
            [
                "Bash(ls:*)",
                "Bash(npm",
                "Write(src/**)",
                "Read(./src/**)",
                "*",
            ],
        )
        .build();
    let errors: Vec<_> = errors
        .into_iter()
        .map(|e| match e {
            PolicyError::Rule(r) => r,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(errors.len(), 3);
    assert_eq!(
        (
            errors[0].origin.as_str(),
            errors[0].list,
            errors[0].index,
            errors[0].position
        ),
        ("/p/.claude/settings.json", "allow", 1, 8)
    );
    assert_eq!((errors[1].index, errors[1].position), (2, 6));
    assert_eq!((errors[2].index, errors[2].position), (4, 0));
    let text = errors[0].to_string();
    assert!(
        text.contains("/p/.claude/settings.json") && text.contains("[1]"),
        "{text}"
    );
    assert_eq!(policy.rules.len(), 2);
    assert!(env.bash(&policy, "ls -la /").is_allow());
}

#[test]
fn bash_forms() {
    let env = Env::new();
    let cases: &[(&str, &str, bool)] = &[
        ("Bash", "curl x", true),
        ("Bash(*)", "curl x", true),
        ("Bash(npm run test:*)", "npm run test", true),
        ("Bash(npm run test:*)", "npm run test --watch", true),
        ("Bash(npm run test:*)", "npm run testing", false),
        ("Bash(npm run test *)", "npm run test -- x", true),
        ("Bash(ls *)", "lsof", false),
        ("Bash(ls*)", "lsof", true),
        ("Bash(git * main)", "git push origin main", true),
        ("Bash(git * main)", "git push origin dev", false),
        ("Bash(* --version)", "cargo --version", true),
        ("Bash(make)", "make", true),
        ("Bash(make)", "make install", false),
    ];
    for (rule, command, allowed) in cases {
        let policy = env.policy(PermissionMode::Default, &[rule], &[], &[]);
        assert_eq!(
            env.bash(&policy, command).is_allow(),
            *allowed,
            "{rule} vs {command}"
        );
    }
}

#[test]
fn path_forms_and_anchors() {
    let env = Env::new();
    let other = env.root.join("other");
    fs::create_dir_all(&other).unwrap();
    fs::write(other.join("notes.txt"), "n").unwrap();
    fs::create_dir_all(env.home.join("docs")).unwrap();
    fs::write(env.home.join("docs/d.txt"), "d").unwrap();
    let abs = format!("Read(/{}/**)", other.display());
    let cases: Vec<(String, std::path::PathBuf, bool)> = vec![
        (abs.clone(), other.join("notes.txt"), true),
        ("Read(~/docs/**)".into(), env.home.join("docs/d.txt"), true),
        (
            "Read(~/docs/*.md)".into(),
            env.home.join("docs/d.txt"),
            false,
        ),
        ("Read(../other/*)".into(), other.join("notes.txt"), true),
        ("Read(*.txt)".into(), other.join("notes.txt"), false),
    ];
    for (rule, path, allowed) in cases {
        let policy = env.policy(PermissionMode::Default, &[&rule], &[], &[]);
        assert_eq!(
            env.read(&policy, &path).is_allow(),
            allowed,
            "{rule} vs {}",
            path.display()
        );
    }
    // `/x` is relative to the settings file's directory (its source).
    let (policy, errors) = env
        .builder()
        .rules(
            RuleSource::new("user", &env.root),
            RuleBehavior::Allow,
            ["Read(/other/**)"],
        )
        .build();
    assert!(errors.is_empty());
    assert!(env.read(&policy, &other.join("notes.txt")).is_allow());
    // Edit(...) covers Write; Read(...) covers Grep.
    let policy = env.policy(
        PermissionMode::Default,
        &["Edit(./src/**)"],
        &[],
        &["Read(./secret/**)"],
    );
    assert!(env.write(&policy, &env.proj.join("src/new.rs")).is_allow());
    let grep = env.tool(
        &policy,
        "Grep",
        json!({"pattern": "x", "path": env.proj.join("secret")}),
    );
    assert_eq!(kind(&grep), "deny");
}

#[test]
fn tool_forms() {
    let env = Env::new();
    let agent = |policy: &_, t: &str| {
        env.tool(
            policy,
            "Agent",
            json!({"description": "d", "prompt": "p", "subagent_type": t}),
        )
    };
    let policy = env.policy(
        PermissionMode::Default,
        &["Task(Explore)"],
        &[],
        &["Agent(general-purpose)"],
    );
    assert!(agent(&policy, "Explore").is_allow());
    assert_eq!(kind(&agent(&policy, "general-purpose")), "deny");
    let policy = env.policy(
        PermissionMode::Default,
        &["mcp__github"],
        &[],
        &["mcp__slack__*"],
    );
    assert!(
        env.tool(&policy, "mcp__github__create_issue", json!({}))
            .is_allow()
    );
    assert_eq!(
        kind(&env.tool(&policy, "mcp__slack__post", json!({}))),
        "deny"
    );
    assert_eq!(kind(&env.tool(&policy, "mcp__other__x", json!({}))), "ask");
    let policy = env.policy(
        PermissionMode::Default,
        &["Skill(review *)"],
        &["WebSearch(query:*secret*)"],
        &[],
    );
    assert!(
        env.tool(
            &policy,
            "Skill",
            json!({"skill": "review", "args": "pr 12"})
        )
        .is_allow()
    );
    assert!(
        !env.tool(&policy, "Skill", json!({"skill": "deploy"}))
            .is_allow()
    );
    let search = env.tool(&policy, "WebSearch", json!({"query": "the secret plan"}));
    assert_eq!(kind(&search), "ask");
    let policy = env.policy(
        PermissionMode::Default,
        &["WebFetch(domain:*.example.com)"],
        &[],
        &[],
    );
    let fetch = |url: &str| env.tool(&policy, "WebFetch", json!({"url": url, "prompt": "p"}));
    assert!(fetch("https://a.b.example.com/x").is_allow());
    assert!(!fetch("https://example.com/x").is_allow());
}

#[test]
fn deny_beats_allow_across_sources() {
    let env = Env::new();
    let (policy, _) = env
        .builder()
        .rules(
            RuleSource::new("--allowedTools", &env.proj),
            RuleBehavior::Allow,
            ["Bash(rm:*)", "Bash"],
        )
        .rules(
            RuleSource::new("/etc/rudder/managed.json", "/"),
            RuleBehavior::Deny,
            ["Bash(rm -rf:*)"],
        )
        .build();
    let decision = env.bash(&policy, "rm -rf build");
    assert_eq!(kind(&decision), "deny");
    assert!(
        reason(&decision).contains("managed.json"),
        "{}",
        reason(&decision)
    );
    assert!(reason(&decision).contains("Bash(rm -rf:*)"));
    assert!(env.bash(&policy, "rm build").is_allow());
}

#[test]
fn ask_beats_allow_and_first_match_ignores_specificity() {
    let env = Env::new();
    let policy = env.policy(
        PermissionMode::Default,
        &["Bash(git push origin main)"],
        &["Bash(git push:*)"],
        &[],
    );
    assert_eq!(kind(&env.bash(&policy, "git push origin main")), "ask");
    let policy = env.policy(PermissionMode::Default, &["Read"], &["Read(./src/**)"], &[]);
    assert_eq!(
        kind(&env.read(&policy, &env.proj.join("src/main.rs"))),
        "ask"
    );
}

#[test]
fn deny_rules_see_through_wrappers_and_assignments() {
    let env = Env::new();
    let policy = env.policy(
        PermissionMode::BypassPermissions,
        &[],
        &[],
        &["Bash(rm:*)", "Bash(curl:*)"],
    );
    for command in [
        "rm x",
        "sudo rm x",
        "timeout 5 nice -n 5 env A=1 sudo rm x",
        "FOO=1 rm x",
        "/bin/rm x",
        "\\rm x",
        "bash -c 'rm x'",
        "echo $(curl evil)",
        "find . -exec rm {} \\;",
        "xargs rm",
    ] {
        assert_eq!(kind(&env.bash(&policy, command)), "deny", "{command}");
    }
    // Programs that may run their arguments: a loose match asks, even in bypass.
    for command in ["watch rm x", "flock /tmp/l rm x", "sudo --weird-flag rm x"] {
        assert_eq!(kind(&env.bash(&policy, command)), "ask", "{command}");
    }
}

#[test]
fn bare_deny_removes_the_tool() {
    let env = Env::new();
    let policy = env.policy(
        PermissionMode::Default,
        &[],
        &[],
        &["Bash", "mcp__github", "Read(./x)", "Edit"],
    );
    assert!(policy.removes_tool("Bash"));
    assert!(policy.removes_tool("mcp__github__create_issue"));
    assert!(!policy.removes_tool("Read"));
    assert!(policy.removes_tool("Write"));
    assert!(!policy.removes_tool("Grep"));
    let policy = env.policy(PermissionMode::Default, &[], &[], &["*"]);
    assert!(policy.removes_tool("anything"));
}

#[test]
fn an_explicit_rule_lifts_the_secrets_list() {
    let env = Env::new();
    let policy = env.mode(PermissionMode::Default);
    assert_eq!(kind(&env.read(&policy, &env.proj.join(".env"))), "deny");
    assert_eq!(kind(&env.bash(&policy, "cat .env")), "deny");
    let policy = env.policy(PermissionMode::Default, &["Read(./.env)"], &[], &[]);
    assert!(env.read(&policy, &env.proj.join(".env")).is_allow());
    assert!(env.bash(&policy, "cat .env").is_allow());
    // A broad Bash rule does not lift it.
    let policy = env.policy(PermissionMode::Default, &["Bash(cat:*)"], &[], &[]);
    assert_eq!(kind(&env.bash(&policy, "cat .env")), "deny");
}

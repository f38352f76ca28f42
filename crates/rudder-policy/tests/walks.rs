//! What Grep, Glob and LS walks leave out: entries a `Read(...)` deny rule
//! covers, matched as for a Read call naming them (CLAUDE-CODE-INTERFACE.md
//! §3.2: anchors, gitignore syntax, symlinks judged by link and target).

mod common;

use std::fs;

use common::Env;
use rudder_policy::{Policy, RuleSource, has_read_deny_rules, walk_hides};
use rudder_protocol::permission::RuleBehavior;

fn deny(env: &Env, base: &std::path::Path, rules: &[&str]) -> Policy {
    let (policy, errors) = env
        .builder()
        .rules(
            RuleSource::new("test-settings", base),
            RuleBehavior::Deny,
            rules.iter().copied(),
        )
        .build();
    assert!(errors.is_empty(), "{errors:?}");
    policy
}

#[test]
fn read_deny_rules_hide_matching_entries_and_nothing_else() {
    let env = Env::new();
    fs::create_dir_all(env.proj.join("secrets/nested")).unwrap();
    fs::create_dir_all(env.proj.join("certs")).unwrap();
    let policy = deny(&env, &env.proj, &["Read(./secrets/**)", "Read(**/*.pem)"]);
    assert!(has_read_deny_rules(&policy));
    for hidden in [
        "secrets",
        "secrets/nested/api.txt",
        "certs/server.pem",
        "server.pem",
    ] {
        assert!(walk_hides(&policy, &env.proj.join(hidden)), "{hidden}");
    }
    for shown in [
        "src/main.rs",
        "certs/server.crt",
        "README.md",
        "not-secrets/x",
    ] {
        assert!(!walk_hides(&policy, &env.proj.join(shown)), "{shown}");
    }
}

#[test]
fn a_slash_rule_is_anchored_at_its_settings_file_not_the_cwd() {
    let env = Env::new();
    // The session runs in `proj/src`; the rule comes from a file whose
    // base is the project root.
    let (policy, _) = rudder_policy::PolicyBuilder::new(env.proj.join("src"), &env.home)
        .rules(
            RuleSource::new("project", &env.proj),
            RuleBehavior::Deny,
            ["Read(/config/**)"],
        )
        .build();
    assert!(walk_hides(&policy, &env.proj.join("config/prod.toml")));
    assert!(!walk_hides(&policy, &env.proj.join("src/config/prod.toml")));
}

#[test]
fn a_link_is_hidden_when_its_target_is_denied() {
    let env = Env::new();
    fs::create_dir_all(env.proj.join("secrets")).unwrap();
    fs::write(env.proj.join("secrets/api.txt"), "TOKEN\n").unwrap();
    std::os::unix::fs::symlink(
        env.proj.join("secrets/api.txt"),
        env.proj.join("innocent.txt"),
    )
    .unwrap();
    let policy = deny(&env, &env.proj, &["Read(./secrets/**)"]);
    assert!(walk_hides(&policy, &env.proj.join("innocent.txt")));
}

#[test]
fn edit_deny_and_bash_rules_hide_nothing_from_reads() {
    let env = Env::new();
    let policy = deny(&env, &env.proj, &["Edit(./src/**)", "Bash(rm *)"]);
    assert!(!has_read_deny_rules(&policy));
    assert!(!walk_hides(&policy, &env.proj.join("src/main.rs")));
}

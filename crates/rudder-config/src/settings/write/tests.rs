//! Saving permission updates: merged, never clobbering, safe under
//! concurrent writers, and read back by the loader.

use std::os::unix::fs::PermissionsExt;

use rudder_protocol::PermissionMode;
use rudder_protocol::permission::{RuleBehavior, RuleValue};
use serde_json::json;

use super::*;
use crate::paths::SourceSet;
use crate::settings::{SettingsRequest, load_settings};

fn paths(root: &Path) -> ConfigPaths {
    let home = root.join("home");
    let project = root.join("project");
    fs::create_dir_all(&project).unwrap();
    let env = move |name: &str| (name == "HOME").then(|| home.display().to_string());
    ConfigPaths::from_env(&project, &env)
}

fn allow(rule: &str, destination: UpdateDestination) -> PermissionUpdate {
    let (tool, content) = match rule.split_once('(') {
        Some((tool, rest)) => (tool, Some(rest.trim_end_matches(')').to_owned())),
        None => (rule, None),
    };
    PermissionUpdate::AddRules {
        rules: vec![RuleValue {
            tool_name: tool.to_owned(),
            rule_content: content,
        }],
        behavior: RuleBehavior::Allow,
        destination,
    }
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn local_rules_go_to_the_projects_local_file_and_merge_with_it() {
    let root = tempfile::tempdir().unwrap();
    let paths = paths(root.path());
    let file = paths.project_root.join(".claude/settings.local.json");
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(
        &file,
        r#"{"model": "opus", "permissions": {"deny": ["Read(.env)"], "allow": ["Bash(ls:*)"]}, "env": {"A": "1"}}"#,
    )
    .unwrap();
    let saved = save_permission_update(
        &paths,
        &allow("Bash(npm test:*)", UpdateDestination::LocalSettings),
    )
    .unwrap();
    assert_eq!(saved.as_deref(), Some(file.as_path()));
    let again = save_permission_update(
        &paths,
        &allow("Bash(npm test:*)", UpdateDestination::LocalSettings),
    );
    assert!(again.is_ok());
    let value = read(&file);
    assert_eq!(
        value,
        json!({"model": "opus",
               "permissions": {"deny": ["Read(.env)"], "allow": ["Bash(ls:*)", "Bash(npm test:*)"]},
               "env": {"A": "1"}})
    );
    let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["model", "permissions", "env"], "key order is kept");
}

#[test]
fn every_destination_has_its_file_and_session_writes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let paths = paths(root.path());
    let user = save_permission_update(&paths, &allow("WebSearch", UpdateDestination::UserSettings))
        .unwrap()
        .unwrap();
    assert_eq!(user, root.path().join("home/.claude/settings.json"));
    let project = save_permission_update(
        &paths,
        &PermissionUpdate::SetMode {
            mode: PermissionMode::AcceptEdits,
            destination: UpdateDestination::ProjectSettings,
        },
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        read(&project),
        json!({"permissions": {"defaultMode": "acceptEdits"}})
    );
    let dirs = PermissionUpdate::AddDirectories {
        directories: vec!["/srv/data".into()],
        destination: UpdateDestination::LocalSettings,
    };
    let local = save_permission_update(&paths, &dirs).unwrap().unwrap();
    assert_eq!(
        read(&local),
        json!({"permissions": {"additionalDirectories": ["/srv/data"]}})
    );
    let session = save_permission_update(&paths, &allow("Read", UpdateDestination::Session));
    assert!(matches!(session, Ok(None)));
    assert_eq!(
        fs::metadata(&local).unwrap().permissions().mode() & 0o777,
        0o600,
        "a new file is private"
    );
}

#[test]
fn concurrent_writers_never_lose_each_others_rules() {
    let root = tempfile::tempdir().unwrap();
    let paths = paths(root.path());
    let threads: Vec<_> = (0..12)
        .map(|index| {
            let paths = paths.clone();
            std::thread::spawn(move || {
                save_permission_update(
                    &paths,
                    &allow(
                        &format!("Bash(task{index}:*)"),
                        UpdateDestination::LocalSettings,
                    ),
                )
                .unwrap();
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let file = paths.project_root.join(".claude/settings.local.json");
    let allow = read(&file)["permissions"]["allow"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(allow, 12);
    let leftovers: Vec<_> = fs::read_dir(file.parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|entry| entry.file_name() != "settings.local.json")
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary or lock files remain: {leftovers:?}"
    );
}

#[test]
fn a_file_it_cannot_merge_is_left_untouched() {
    let root = tempfile::tempdir().unwrap();
    let paths = paths(root.path());
    let file = paths.project_root.join(".claude/settings.local.json");
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    for (text, expected) in [
        ("{\"permissions\": {\"allow\": [", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        (
            "{\"permissions\": {\"allow\": \"Bash\"}}",
            "`permissions.allow` is not an array",
        ),
        ("{\"permissions\": true}", "`permissions` is not an object"),
    ] {
        fs::write(&file, text).unwrap();
        let error =
            save_permission_update(&paths, &allow("Read", UpdateDestination::LocalSettings))
                .unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
        assert_eq!(fs::read_to_string(&file).unwrap(), text);
    }
}

#[test]
fn a_symbolic_link_is_never_written_through() {
    let root = tempfile::tempdir().unwrap();
    let paths = paths(root.path());
    let target = root.path().join("elsewhere.json");
    fs::write(&target, "{}").unwrap();
    let file = paths.project_root.join(".claude/settings.local.json");
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&target, &file).unwrap();
    let error = save_permission_update(&paths, &allow("Read", UpdateDestination::LocalSettings))
        .unwrap_err();
    assert!(error.to_string().contains("symbolic link"), "{error}");
    assert_eq!(fs::read_to_string(&target).unwrap(), "{}");
}

#[test]
fn a_saved_rule_is_what_the_loader_reads_back() {
    let root = tempfile::tempdir().unwrap();
    let paths = paths(root.path());
    save_permission_update(
        &paths,
        &allow("Bash(make build)", UpdateDestination::LocalSettings),
    )
    .unwrap();
    let loaded = load_settings(&SettingsRequest {
        paths: &paths,
        sources: SourceSet::ALL,
        cli: None,
        trusted: true,
    });
    let rules: Vec<&str> = loaded.rules.iter().map(|rule| rule.rule.as_str()).collect();
    assert_eq!(rules, ["Bash(make build)"]);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}

fn rules(texts: &[&str]) -> Vec<RuleValue> {
    texts
        .iter()
        .map(|text| match text.split_once('(') {
            Some((tool, rest)) => RuleValue {
                tool_name: tool.to_owned(),
                rule_content: Some(rest.trim_end_matches(')').to_owned()),
            },
            None => RuleValue {
                tool_name: (*text).to_owned(),
                rule_content: None,
            },
        })
        .collect()
}

fn keys(value: &Value) -> Vec<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn replace_and_remove_change_only_their_list_and_keep_everything_else() {
    let root = tempfile::tempdir().unwrap();
    let paths = paths(root.path());
    let file = paths.project_root.join(".claude/settings.local.json");
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(
        &file,
        r#"{"model": "opus",
            "permissions": {"deny": ["Read(.env)", "Bash(rm *)"],
                            "allow": ["Bash(ls:*)", "Bash(make)", "WebSearch", "Bash(npm test)"],
                            "additionalDirectories": ["/srv/a", "~/notes", "/srv/b"],
                            "defaultMode": "plan"},
            "env": {"A": "1"}}"#,
    )
    .unwrap();
    let local = UpdateDestination::LocalSettings;
    let updates = [
        PermissionUpdate::RemoveRules {
            rules: rules(&["Bash(make)", "WebSearch", "Bash(not there)"]),
            behavior: RuleBehavior::Allow,
            destination: local,
        },
        PermissionUpdate::ReplaceRules {
            rules: rules(&["Bash(git push *)", "WebFetch"]),
            behavior: RuleBehavior::Deny,
            destination: local,
        },
        PermissionUpdate::RemoveDirectories {
            directories: vec!["/srv/a".into()],
            destination: local,
        },
        PermissionUpdate::ReplaceRules {
            rules: rules(&["Bash(cargo test:*)"]),
            behavior: RuleBehavior::Ask,
            destination: local,
        },
    ];
    for update in &updates {
        let saved = save_permission_update(&paths, update).unwrap();
        assert_eq!(saved.as_deref(), Some(file.as_path()), "{update:?}");
    }
    let value = read(&file);
    assert_eq!(
        value,
        json!({"model": "opus",
               "permissions": {"deny": ["Bash(git push *)", "WebFetch"],
                               "allow": ["Bash(ls:*)", "Bash(npm test)"],
                               "additionalDirectories": ["~/notes", "/srv/b"],
                               "defaultMode": "plan",
                               "ask": ["Bash(cargo test:*)"]},
               "env": {"A": "1"}})
    );
    assert_eq!(keys(&value), ["model", "permissions", "env"]);
    assert_eq!(
        keys(&value["permissions"]),
        [
            "deny",
            "allow",
            "additionalDirectories",
            "defaultMode",
            "ask"
        ],
        "a replaced list keeps its place"
    );
    let emptied = PermissionUpdate::ReplaceRules {
        rules: Vec::new(),
        behavior: RuleBehavior::Allow,
        destination: local,
    };
    save_permission_update(&paths, &emptied).unwrap();
    assert_eq!(read(&file)["permissions"]["allow"], json!([]));
}

#[test]
fn a_removal_with_nothing_to_remove_writes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let paths = paths(root.path());
    let remove = PermissionUpdate::RemoveRules {
        rules: rules(&["Bash(make)"]),
        behavior: RuleBehavior::Allow,
        destination: UpdateDestination::LocalSettings,
    };
    assert!(matches!(save_permission_update(&paths, &remove), Ok(None)));
    assert!(
        !paths.project_root.join(".claude").exists(),
        "no folder is created to remove nothing"
    );
    let file = paths.project_root.join(".claude/settings.local.json");
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    let text = "{\"model\":   \"opus\", \"permissions\": {\"allow\": [\"Read\"]}}";
    fs::write(&file, text).unwrap();
    let dirs = PermissionUpdate::RemoveDirectories {
        directories: vec!["/srv/a".into()],
        destination: UpdateDestination::LocalSettings,
    };
    for update in [&remove, &dirs] {
        assert!(matches!(save_permission_update(&paths, update), Ok(None)));
        assert_eq!(fs::read_to_string(&file).unwrap(), text, "byte for byte");
    }
}

#[test]
fn replace_and_remove_refuse_what_they_cannot_merge_and_symbolic_links() {
    let root = tempfile::tempdir().unwrap();
    let paths = paths(root.path());
    let file = paths.project_root.join(".claude/settings.local.json");
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    let updates = [
        PermissionUpdate::RemoveRules {
            rules: rules(&["Read"]),
            behavior: RuleBehavior::Allow,
            destination: UpdateDestination::LocalSettings,
        },
        PermissionUpdate::ReplaceRules {
            rules: rules(&["Read"]),
            behavior: RuleBehavior::Allow,
            destination: UpdateDestination::LocalSettings,
        },
    ];
    for update in &updates {
        for (text, expected) in [
            (
                "{\"permissions\": {\"allow\": \"Read\"}}",
                "`permissions.allow` is not an array",
            ),
            (
                "{\"permissions\": [\"Read\"]}",
                "`permissions` is not an object",
            ),
        ] {
            fs::write(&file, text).unwrap();
            let error = save_permission_update(&paths, update).unwrap_err();
            assert!(error.to_string().contains(expected), "{error}");
            assert_eq!(fs::read_to_string(&file).unwrap(), text);
        }
    }
    let target = root.path().join("elsewhere.json");
    let original = r#"{"permissions": {"allow": ["Read"]}}"#;
    fs::write(&target, original).unwrap();
    fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(&target, &file).unwrap();
    for update in &updates {
        let error = save_permission_update(&paths, update).unwrap_err();
        assert!(error.to_string().contains("symbolic link"), "{error}");
        assert_eq!(fs::read_to_string(&target).unwrap(), original);
    }
}

#[test]
fn loaded_rules_know_which_destination_their_file_is() {
    let root = tempfile::tempdir().unwrap();
    let paths = paths(root.path());
    for (file, rule) in [
        (".claude/settings.local.json", "Bash(local)"),
        (".rudder/settings.local.json", "Bash(rudder-local)"),
        (".claude/settings.json", "Bash(project)"),
    ] {
        let path = paths.project_root.join(file);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, json!({"permissions": {"allow": [rule]}}).to_string()).unwrap();
    }
    let user = paths.claude_user_dir.clone().unwrap().join("settings.json");
    fs::create_dir_all(user.parent().unwrap()).unwrap();
    fs::write(&user, r#"{"permissions": {"deny": ["Bash(user)"]}}"#).unwrap();
    let loaded = load_settings(&SettingsRequest {
        paths: &paths,
        sources: SourceSet::ALL,
        cli: None,
        trusted: true,
    });
    let found: Vec<(&str, Option<UpdateDestination>)> = loaded
        .rules
        .iter()
        .map(|rule| (rule.rule.as_str(), rule.destination))
        .collect();
    assert_eq!(
        found,
        [
            ("Bash(rudder-local)", None),
            ("Bash(local)", Some(UpdateDestination::LocalSettings)),
            ("Bash(project)", Some(UpdateDestination::ProjectSettings)),
            ("Bash(user)", Some(UpdateDestination::UserSettings)),
        ]
    );
}

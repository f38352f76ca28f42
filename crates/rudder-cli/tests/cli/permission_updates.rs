//! `replaceRules`, `removeRules` and unreadable updates in an Agent SDK
//! answer, end to end over the control protocol
//! (CLAUDE-CODE-INTERFACE.md §10.3): the running session changes at once,
//! the settings file the destination names is rewritten with every other
//! key kept, and an update rudder cannot read denies the call with a
//! message that says which entry and why.

use std::fs;

use rudder_testkit::{MockServer, Scenario};
use serde_json::{Value, json};

use super::sdk_driver::{SdkRun, drive};
use super::support::{Workspace, stderr};

fn scenario(turns: Value) -> Scenario {
    Scenario::from_json_str(&json!({ "turns": turns }).to_string()).unwrap()
}

fn touch(name: &str) -> Value {
    json!({"type": "tool_use", "name": "Bash", "input": {"command": format!("touch {name}"), "description": "Create a file"}})
}

fn done() -> Value {
    json!({"content": [{"type": "text", "text": "Done."}]})
}

/// A trusted workspace whose `.claude/settings.local.json` holds `settings`.
fn trusted_with_local_settings(server: &MockServer, settings: &Value) -> Workspace {
    let workspace = Workspace::git(&[("README.md", "hi\n")]);
    let file = workspace.repo.join(".claude/settings.local.json");
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(&file, serde_json::to_string_pretty(settings).unwrap()).unwrap();
    let trust = workspace.rudder(server).arg("trust").output().unwrap();
    assert!(trust.status.success(), "{}", stderr(&trust));
    workspace
}

fn local_settings(workspace: &Workspace) -> Value {
    let text = fs::read_to_string(workspace.repo.join(".claude/settings.local.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn asked_commands(run: &SdkRun) -> Vec<&str> {
    run.asked
        .iter()
        .map(|request| request["input"]["command"].as_str().unwrap_or_default())
        .collect()
}

fn tool_error_texts(run: &SdkRun) -> Vec<String> {
    run.records
        .iter()
        .filter(|record| record["type"] == "user")
        .flat_map(|record| {
            record["message"]["content"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|block| block["is_error"] == true)
        .map(|block| block["content"].to_string())
        .collect()
}

/// Allows the call; the first answer also carries `updates`.
fn allow_with(updates: Value) -> impl FnMut(&Value) -> Value {
    let mut first = Some(updates);
    move |request| {
        let mut answer = json!({"behavior": "allow", "updatedInput": request["input"]});
        if let Some(updates) = first.take() {
            answer["updatedPermissions"] = updates;
        }
        answer
    }
}

#[test]
fn a_removed_allow_rule_asks_again_and_leaves_the_file() {
    let server = MockServer::spawn(scenario(json!([
        {"content": [touch("b.txt")]},
        {"content": [touch("a.txt")]},
        done()
    ])))
    .unwrap();
    let workspace = trusted_with_local_settings(
        &server,
        &json!({"model": "sonnet",
                "permissions": {"allow": ["Bash(touch a.txt)", "Bash(ls:*)"], "deny": ["Read(.env)"]},
                "env": {"A": "1"}}),
    );
    let run = drive(
        workspace.rudder(&server),
        "touch them",
        allow_with(
            json!([{"type": "removeRules", "rules": [{"toolName": "Bash", "ruleContent": "touch a.txt"}],
                           "behavior": "allow", "destination": "localSettings"}]),
        ),
    );
    assert_eq!(run.result()["subtype"], "success", "{}", run.stderr);
    assert_eq!(
        asked_commands(&run),
        ["touch b.txt", "touch a.txt"],
        "the removed rule no longer allows `touch a.txt`"
    );
    assert!(workspace.repo.join("a.txt").exists() && workspace.repo.join("b.txt").exists());
    let saved = local_settings(&workspace);
    assert_eq!(
        saved,
        json!({"model": "sonnet",
               "permissions": {"allow": ["Bash(ls:*)"], "deny": ["Read(.env)"]},
               "env": {"A": "1"}})
    );
    let keys: Vec<&String> = saved.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["model", "permissions", "env"]);
}

#[test]
fn a_replaced_deny_list_denies_the_new_rule_and_frees_the_old_one() {
    let server = MockServer::spawn(scenario(json!([
        {"content": [touch("b.txt")]},
        {"content": [touch("a.txt")]},
        {"content": [touch("c.txt")]},
        done()
    ])))
    .unwrap();
    let workspace = trusted_with_local_settings(
        &server,
        &json!({"permissions": {"deny": ["Bash(touch a.txt)"], "allow": ["Bash(ls:*)"]}}),
    );
    let run = drive(
        workspace.rudder(&server),
        "touch them",
        allow_with(
            json!([{"type": "replaceRules", "rules": [{"toolName": "Bash", "ruleContent": "touch c.txt"}],
                           "behavior": "deny", "destination": "localSettings"}]),
        ),
    );
    assert_eq!(run.result()["subtype"], "success", "{}", run.stderr);
    assert_eq!(
        asked_commands(&run),
        ["touch b.txt", "touch a.txt"],
        "`touch a.txt` is no longer denied; `touch c.txt` is denied without asking"
    );
    assert!(workspace.repo.join("a.txt").exists());
    assert!(!workspace.repo.join("c.txt").exists());
    let denials = &run.result()["permission_denials"];
    assert_eq!(denials.as_array().map(Vec::len), Some(1), "{denials}");
    assert_eq!(denials[0]["tool_input"]["command"], "touch c.txt");
    assert_eq!(
        local_settings(&workspace),
        json!({"permissions": {"deny": ["Bash(touch c.txt)"], "allow": ["Bash(ls:*)"]}})
    );
}

#[test]
fn an_update_of_unknown_type_denies_the_call_and_says_why() {
    let server = MockServer::spawn(scenario(json!([
        {"content": [touch("x.txt")]},
        done()
    ])))
    .unwrap();
    let workspace = Workspace::git(&[("README.md", "hi\n")]);
    let run = drive(
        workspace.rudder(&server),
        "touch it",
        allow_with(json!([{"type": "grantEverything", "destination": "session"}])),
    );
    assert!(
        !workspace.repo.join("x.txt").exists(),
        "an unreadable answer never allows"
    );
    let errors = tool_error_texts(&run);
    assert_eq!(errors.len(), 1, "{errors:?}");
    for text in [errors[0].as_str(), run.stderr.as_str()] {
        assert!(
            text.contains(
                "updatedPermissions[0]: unknown permission update type `grantEverything`"
            ) && text.contains("removeDirectories"),
            "{text}"
        );
    }
    assert!(!workspace.repo.join(".claude/settings.local.json").exists());
}

//! Approvals end to end (issue 4 item 7): an "always allow" answered with
//! `updatedPermissions` holds at once and, saved to
//! `.claude/settings.local.json`, in a later resumed run; a denial is
//! listed in `permission_denials` and, when it stopped the task, makes the
//! run an error.

use rudder_testkit::{MockServer, Scenario};
use serde_json::{Value, json};

use super::sdk_driver::{SdkRun, drive};
use super::support::{Workspace, result_of, stderr};

fn scenario(turns: Value) -> Scenario {
    Scenario::from_json_str(&json!({ "turns": turns }).to_string()).unwrap()
}

fn touch(name: &str) -> Value {
    json!({"type": "tool_use", "name": "Bash", "input": {"command": format!("touch {name}"), "description": "Create a file"}})
}

fn always_allow(request: &Value) -> Value {
    let command = request["input"]["command"].as_str().unwrap_or_default();
    json!({"behavior": "allow", "updatedInput": request["input"], "updatedPermissions": [
        {"type": "addRules", "rules": [{"toolName": "Bash", "ruleContent": command}],
         "behavior": "allow", "destination": "localSettings"}]})
}

fn tool_errors(run: &SdkRun) -> Vec<Value> {
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
        .collect()
}

#[test]
fn always_allow_holds_at_once_and_after_resume() {
    let workspace = Workspace::git(&[("README.md", "hi\n")]);
    let server = MockServer::spawn(scenario(json!([
        {"content": [touch("built.txt")]},
        {"content": [touch("built.txt")]},
        {"content": [{"type": "text", "text": "Built twice."}]},
        {"when": "again", "content": [touch("built.txt")]},
        {"content": [{"type": "text", "text": "Built again."}]}
    ])))
    .unwrap();
    let trust = workspace.rudder(&server).arg("trust").output().unwrap();
    assert!(trust.status.success(), "{}", stderr(&trust));

    let first = drive(workspace.rudder(&server), "build it", always_allow);
    assert_eq!(first.result()["subtype"], "success", "{}", first.stderr);
    assert_eq!(
        first.asked.len(),
        1,
        "asked once, the second call was allowed by the new rule"
    );
    assert_eq!(first.asked[0]["input"]["command"], "touch built.txt");
    assert!(tool_errors(&first).is_empty(), "{:?}", tool_errors(&first));
    let saved: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace.repo.join(".claude/settings.local.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        saved,
        json!({"permissions": {"allow": ["Bash(touch built.txt)"]}})
    );
    let notices = first.system("notice");
    assert!(
        notices.iter().any(|notice| notice["message"]
            .as_str()
            .unwrap_or_default()
            .contains("settings.local.json")),
        "the save is reported: {notices:?}"
    );

    let session_id = first.result()["session_id"].as_str().unwrap().to_owned();
    let mut resumed = workspace.rudder(&server);
    resumed.arg(format!("--resume={session_id}"));
    let second = drive(
        resumed,
        "build it again",
        |request| json!({"behavior": "deny", "message": format!("not expected: {request}")}),
    );
    assert_eq!(second.result()["subtype"], "success", "{}", second.stderr);
    assert!(
        second.asked.is_empty(),
        "the resumed run did not ask: {:?}",
        second.asked
    );
    assert!(
        tool_errors(&second).is_empty(),
        "{:?}",
        tool_errors(&second)
    );
    assert_eq!(second.result()["result"], "Built again.");
}

#[test]
fn in_an_untrusted_folder_the_saved_rule_says_it_waits_for_trust() {
    let workspace = Workspace::git(&[("README.md", "hi\n")]);
    let server = MockServer::spawn(scenario(json!([
        {"content": [touch("a.txt")]},
        {"content": [{"type": "text", "text": "Done."}]}
    ])))
    .unwrap();
    let run = drive(workspace.rudder(&server), "touch it", always_allow);
    assert_eq!(run.result()["subtype"], "success", "{}", run.stderr);
    assert!(workspace.repo.join(".claude/settings.local.json").is_file());
    let waits = run.system("notice").into_iter().any(|notice| {
        notice["level"] == "warning"
            && notice["message"]
                .as_str()
                .unwrap_or_default()
                .contains("rudder trust")
    });
    assert!(waits, "{:?}", run.system("notice"));
}

#[test]
fn a_denial_that_interrupts_makes_the_run_an_error_and_is_listed() {
    let workspace = Workspace::git(&[("README.md", "hi\n")]);
    let server = MockServer::spawn(scenario(json!([
        {"content": [touch("nope.txt")]},
        {"content": [{"type": "text", "text": "never sent"}]}
    ])))
    .unwrap();
    let run = drive(
        workspace.rudder(&server),
        "touch it",
        |_| json!({"behavior": "deny", "message": "The user said no.", "interrupt": true}),
    );
    let result = run.result();
    assert_eq!(result["is_error"], true, "{result}");
    assert_eq!(result["subtype"], "error_during_execution");
    assert_eq!(result["permission_denials"][0]["tool_name"], "Bash");
    assert_eq!(
        result["permission_denials"][0]["tool_input"]["command"],
        "touch nope.txt"
    );
    assert!(
        result["errors"].to_string().contains("The user said no."),
        "{result}"
    );
    assert_eq!(run.code, Some(1));
    assert!(!workspace.repo.join("nope.txt").exists());
    assert_eq!(server.requests().len(), 1, "the turn stopped at the denial");
}

#[test]
fn a_denial_the_model_works_around_is_listed_but_the_run_succeeds() {
    let workspace = Workspace::git(&[("README.md", "hi\n")]);
    let server = MockServer::spawn(scenario(json!([
        {"content": [touch("nope.txt")]},
        {"when": "Not that file", "content": [{"type": "text", "text": "Understood, left it alone."}]}
    ])))
    .unwrap();
    let run = drive(
        workspace.rudder(&server),
        "touch it",
        |_| json!({"behavior": "deny", "message": "Not that file."}),
    );
    let result = run.result();
    assert_eq!(result["is_error"], false, "{result}");
    assert_eq!(
        result["permission_denials"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(run.code, Some(0));
}

#[test]
fn a_headless_call_nobody_can_approve_is_denied_listed_and_fails_the_run() {
    let workspace = Workspace::git(&[("README.md", "hi\n")]);
    let server = MockServer::spawn(scenario(json!([
        {"content": [touch("nope.txt")]},
        {"when": "was not granted", "content": [{"type": "text", "text": "I could not create it."}]}
    ])))
    .unwrap();
    let output = workspace
        .rudder(&server)
        .args([
            "-p",
            "touch it",
            "--output-format",
            "stream-json",
            "--verbose",
        ])
        .output()
        .unwrap();
    let result = result_of(&output);
    assert_eq!(result["is_error"], true, "{result}");
    assert_eq!(result["subtype"], "error_during_execution");
    assert_eq!(
        result["permission_denials"][0]["tool_input"]["command"],
        "touch nope.txt"
    );
    assert!(
        result["errors"]
            .to_string()
            .contains("no one could be asked"),
        "{result}"
    );
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(!workspace.repo.join("nope.txt").exists());
}

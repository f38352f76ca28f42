//! `--fallback-model` end to end (issue 9): when the model is overloaded
//! (529 three times in a row) or keeps failing with 5xx until the retries
//! run out, the request goes to the next fallback model; the stream says
//! so, the model named on the wire is the one in the records and the
//! accounting, and a resumed session stays on the fallback. Side calls —
//! the compaction summary, WebFetch's prompt — fall back the same way.

use rudder_testkit::{Fault, MockServer, Scenario, ScriptedTurn};
use serde_json::{Value, json};

use super::support::{Workspace, records, result_of, stderr, transcript_lines};

fn faulted(fault: Value, times: u32) -> Scenario {
    let turns = json!({"turns": [
        {"fault": fault, "fault_times": times, "content": [{"type": "text", "text": "Answered."}]},
        {"when": "and now?", "content": [{"type": "text", "text": "Still here."}]}
    ]});
    Scenario::from_json_str(&turns.to_string()).unwrap()
}

/// A headless run allowing `retries` retries per model.
fn run(
    workspace: &Workspace,
    server: &MockServer,
    retries: &str,
    extra: &[&str],
) -> std::process::Output {
    workspace
        .rudder(server)
        .env("RUDDER_MAX_RETRIES", retries)
        .args(["-p", "hello", "--output-format", "stream-json", "--verbose"])
        .args(extra)
        .output()
        .unwrap()
}

fn wire_models(server: &MockServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter_map(|request| request.json.as_ref()?["model"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn overload_switches_to_the_fallback_and_says_so() {
    let workspace = Workspace::git(&[("a.txt", "a\n")]);
    let server = MockServer::spawn(faulted(json!({"kind": "status", "status": 529}), 3)).unwrap();
    let output = run(
        &workspace,
        &server,
        "5",
        &["--fallback-model", "claude-haiku-4-5,claude-opus-4-5"],
    );
    let result = result_of(&output);
    assert_eq!(
        result["subtype"],
        "success",
        "{result}\nstderr: {}",
        stderr(&output)
    );
    assert_eq!(
        wire_models(&server),
        [
            "claude-sonnet-4-5",
            "claude-sonnet-4-5",
            "claude-sonnet-4-5",
            "claude-haiku-4-5"
        ],
        "three overloads, then the first fallback"
    );
    let records = records(&output);
    let switched: Vec<&Value> = records
        .iter()
        .filter(|record| record["subtype"] == "model_fallback")
        .collect();
    assert_eq!(switched.len(), 1);
    assert_eq!(switched[0]["from"], "claude-sonnet-4-5");
    assert_eq!(switched[0]["to"], "claude-haiku-4-5");
    assert!(
        switched[0]["reason"].to_string().contains("529"),
        "{}",
        switched[0]
    );
    let assistant = records
        .iter()
        .find(|record| record["type"] == "assistant")
        .unwrap();
    assert_eq!(assistant["message"]["model"], "claude-haiku-4-5");
    let usage_models: Vec<&String> = result["modelUsage"].as_object().unwrap().keys().collect();
    assert_eq!(
        usage_models,
        ["claude-haiku-4-5"],
        "accounting names the model used"
    );

    let session_id = result["session_id"].as_str().unwrap().to_owned();
    let resumed = workspace
        .rudder(&server)
        .args([
            "-p",
            "and now?",
            "--output-format",
            "json",
            "--resume",
            &session_id,
        ])
        .args(["--fallback-model", "claude-haiku-4-5,claude-opus-4-5"])
        .output()
        .unwrap();
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert_eq!(
        wire_models(&server).last().map(String::as_str),
        Some("claude-haiku-4-5"),
        "the resumed session stays on the fallback"
    );
    let transcript = transcript_lines(&workspace.transcripts()[0]);
    let frames: Vec<&Value> = transcript
        .iter()
        .filter(|line| line["type"] == "rudder-frame")
        .collect();
    assert_eq!(frames.len(), 2, "the switch is recorded");
    assert_eq!(frames[1]["model"], "claude-haiku-4-5");
}

#[test]
fn server_errors_fall_back_only_after_the_retries_and_the_setting_works_too() {
    let workspace = Workspace::git(&[("a.txt", "a\n")]);
    let server = MockServer::spawn(faulted(json!({"kind": "status", "status": 500}), 2)).unwrap();
    let output = run(
        &workspace,
        &server,
        "1",
        &["--settings", r#"{"fallbackModel": "haiku"}"#],
    );
    let result = result_of(&output);
    assert_eq!(
        result["subtype"],
        "success",
        "{result}\nstderr: {}",
        stderr(&output)
    );
    assert_eq!(
        wire_models(&server),
        ["claude-sonnet-4-5", "claude-sonnet-4-5", "claude-haiku-4-5"],
        "one retry on the model, then the fallback (the alias resolved)"
    );
}

#[test]
fn without_a_fallback_an_overload_is_retried_and_then_an_error() {
    let workspace = Workspace::git(&[("a.txt", "a\n")]);
    let server = MockServer::spawn(faulted(json!({"kind": "status", "status": 529}), 5)).unwrap();
    let output = run(&workspace, &server, "1", &[]);
    let result = result_of(&output);
    assert_eq!(result["is_error"], true, "{result}");
    assert_eq!(
        wire_models(&server),
        ["claude-sonnet-4-5", "claude-sonnet-4-5"]
    );
    assert!(
        records(&output)
            .iter()
            .all(|record| record["subtype"] != "model_fallback")
    );
}

/// Three 529s in a row, the overload that makes a call fall back.
fn overloaded(turn: ScriptedTurn) -> ScriptedTurn {
    turn.with_fault(
        Fault::Status {
            status: 529,
            retry_after_secs: None,
            error_type: Some("overloaded_error".into()),
            message: Some("Overloaded".into()),
        },
        3,
    )
}

fn fallback_records(output: &std::process::Output) -> Vec<Value> {
    records(output)
        .into_iter()
        .filter(|record| record["subtype"] == "model_fallback")
        .collect()
}

#[test]
fn an_overloaded_compaction_summary_is_written_by_the_fallback() {
    const SUMMARY: &str = "Write a summary of the conversation above";
    let workspace = Workspace::git(&[("a.txt", "alpha\n")]);
    let server = MockServer::spawn(Scenario::new(vec![
        overloaded(ScriptedTurn::text("SUMMARY: read a.txt").when(SUMMARY)),
        ScriptedTurn::tool_use("Read", json!({"file_path": workspace.path("a.txt")})),
        ScriptedTurn::text("It says alpha."),
        ScriptedTurn::text("Still alpha."),
    ]))
    .unwrap();
    let fallback = ["--fallback-model", "claude-haiku-4-5"];
    let first = run(&workspace, &server, "5", &fallback);
    let id = result_of(&first)["session_id"].as_str().unwrap().to_owned();
    let second = workspace
        .rudder(&server)
        .env("RUDDER_MAX_RETRIES", "5")
        .args(["-p", "and now?", "--resume", &id, "--output-format", "json"])
        .args(fallback)
        .output()
        .unwrap();
    assert!(second.status.success(), "{}", stderr(&second));
    let compacted = workspace
        .rudder(&server)
        .env("RUDDER_MAX_RETRIES", "5")
        .args(["-p", "/compact", "--resume", &id])
        .args(["--output-format", "stream-json", "--verbose"])
        .args(fallback)
        .output()
        .unwrap();
    let result = result_of(&compacted);
    assert_eq!(
        result["is_error"],
        false,
        "{result}\nstderr: {}",
        stderr(&compacted)
    );
    assert!(
        result["result"].as_str().unwrap().starts_with("Compacted"),
        "{result}"
    );
    assert_eq!(
        wire_models(&server)[3..],
        [
            "claude-sonnet-4-5",
            "claude-sonnet-4-5",
            "claude-sonnet-4-5",
            "claude-haiku-4-5"
        ],
        "three overloaded summary requests, then the fallback"
    );
    let switched = fallback_records(&compacted);
    assert_eq!(switched.len(), 1, "{switched:?}");
    assert_eq!(switched[0]["from"], "claude-sonnet-4-5");
    assert_eq!(switched[0]["to"], "claude-haiku-4-5");
    let haiku = &result["modelUsage"]["claude-haiku-4-5"];
    assert!(
        haiku["outputTokens"].as_u64().unwrap_or(0) > 0,
        "the summary is counted under the model that wrote it: {}",
        result["modelUsage"]
    );
    let transcript = transcript_lines(&workspace.transcripts()[0]);
    let calls: Vec<&Value> = transcript
        .iter()
        .filter(|line| line["type"] == "rudder-model-call" && line["purpose"] == "compaction")
        .collect();
    assert_eq!(
        calls.last().map(|call| &call["model"]),
        Some(&json!("claude-haiku-4-5")),
        "{calls:?}"
    );
}

#[test]
fn an_overloaded_webfetch_prompt_is_answered_by_the_fallback() {
    let workspace = Workspace::git(&[("a.txt", "a\n")]);
    // Another testkit serves the page: `GET /` answers a line of text.
    let page = MockServer::spawn(Scenario::new(Vec::new())).unwrap();
    let server = MockServer::spawn(Scenario::new(vec![
        overloaded(ScriptedTurn::text("The page names the testkit.").when("WHAT-DOES-IT-SAY")),
        ScriptedTurn::tool_use(
            "WebFetch",
            json!({"url": format!("{}/", page.base_url()), "prompt": "WHAT-DOES-IT-SAY"}),
        ),
        ScriptedTurn::text("Fetched."),
    ]))
    .unwrap();
    let output = run(
        &workspace,
        &server,
        "5",
        &[
            "--fallback-model",
            "claude-opus-4-5",
            "--allowedTools",
            "WebFetch",
        ],
    );
    let result = result_of(&output);
    assert_eq!(
        result["subtype"],
        "success",
        "{result}\nstderr: {}",
        stderr(&output)
    );
    let switched = fallback_records(&output);
    assert_eq!(switched.len(), 1, "{switched:?}");
    assert_eq!(switched[0]["from"], "claude-haiku-4-5");
    assert_eq!(switched[0]["to"], "claude-opus-4-5");
    let usage = result["modelUsage"].as_object().unwrap();
    assert!(usage.contains_key("claude-opus-4-5"), "{usage:?}");
    assert!(!usage.contains_key("claude-haiku-4-5"), "{usage:?}");
}

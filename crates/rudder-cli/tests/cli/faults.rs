//! Every fault the testkit can inject, through the real binary: the run
//! either recovers (and says it retried) or ends with a clear error,
//! `is_error: true`, a non-zero exit and a transcript that holds every
//! step completed before the failure. Bad input from the model or the
//! user's setup never crashes it.

use rudder_testkit::{MockServer, Scenario};
use serde_json::{Value, json};

use super::support::{Provider, Workspace, records, result_of, stderr, transcript_lines};

/// The faults, as scenario JSON, with a name for messages.
fn faults() -> Vec<(&'static str, Value)> {
    vec![
        (
            "429 with retry-after",
            json!({"kind": "status", "status": 429, "retry_after_secs": 1}),
        ),
        ("529 overloaded", json!({"kind": "status", "status": 529})),
        ("500", json!({"kind": "status", "status": 500})),
        (
            "stream cut mid-block",
            json!({"kind": "cut_mid_stream", "after_events": 3}),
        ),
        (
            "stall",
            json!({"kind": "stall", "after_events": 2, "ms": 4000}),
        ),
        (
            "malformed event",
            json!({"kind": "malformed_event", "after_events": 2}),
        ),
        (
            "overloaded error event",
            json!({"kind": "stream_error", "error_type": "overloaded_error", "message": "Overloaded"}),
        ),
    ]
}

/// A completed step (a Read), then the faulted final answer.
fn scenario(workspace: &Workspace, fault: &Value, times: u32) -> Scenario {
    let turns = json!({"turns": [
        {"content": [{"type": "tool_use", "name": "Read", "input": {"file_path": workspace.path("notes.txt")}}]},
        {"fault": fault, "fault_times": times, "content": [{"type": "text", "text": "All read."}]}
    ]});
    Scenario::from_json_str(&turns.to_string()).expect("scenario parses")
}

fn run(workspace: &Workspace, server: &MockServer, max_retries: &str) -> std::process::Output {
    run_with(workspace, server, max_retries, Provider::Anthropic)
}

fn run_with(
    workspace: &Workspace,
    server: &MockServer,
    max_retries: &str,
    provider: Provider,
) -> std::process::Output {
    workspace
        .rudder_with(server, provider)
        .env("RUDDER_MAX_RETRIES", max_retries)
        .env("RUDDER_STALL_TIMEOUT_MS", "500")
        .args([
            "-p",
            "read the notes",
            "--output-format",
            "stream-json",
            "--verbose",
        ])
        .output()
        .expect("rudder runs")
}

#[test]
fn every_injected_fault_is_retried_and_reported() {
    faults_are_retried_and_reported(Provider::Anthropic);
}

/// Every fault, injected once over `provider`'s format, is retried.
pub fn faults_are_retried_and_reported(provider: Provider) {
    for (name, fault) in faults() {
        let workspace = Workspace::git(&[("notes.txt", "remember the milk\n")]);
        let server = MockServer::spawn(scenario(&workspace, &fault, 1)).expect("server starts");
        let output = run_with(&workspace, &server, "3", provider);
        let result = result_of(&output);
        assert_eq!(
            result["subtype"],
            "success",
            "{name}: {result}\nstderr: {}",
            stderr(&output)
        );
        assert_eq!(result["result"], "All read.", "{name}");
        assert!(output.status.success(), "{name}: exit {:?}", output.status);
        let retries = records(&output)
            .into_iter()
            .filter(|record| record["type"] == "system" && record["subtype"] == "api_retry")
            .count();
        assert_eq!(retries, 1, "{name}: one retry is reported");
    }
}

#[test]
fn a_fault_that_persists_ends_the_run_as_an_error_and_keeps_the_transcript() {
    persistent_faults_end_the_run_cleanly(Provider::Anthropic);
}

/// Every fault, injected until the retries run out over `provider`'s
/// format, ends the run as an error with the earlier steps on disk.
pub fn persistent_faults_end_the_run_cleanly(provider: Provider) {
    for (name, fault) in faults() {
        let workspace = Workspace::git(&[("notes.txt", "remember the milk\n")]);
        let server = MockServer::spawn(scenario(&workspace, &fault, 50)).expect("server starts");
        let output = run_with(&workspace, &server, "1", provider);
        let result = result_of(&output);
        assert_eq!(result["is_error"], true, "{name}: {result}");
        assert_eq!(result["subtype"], "error_during_execution", "{name}");
        let errors = result["errors"].as_array().cloned().unwrap_or_default();
        assert!(!errors.is_empty(), "{name}: the result says what failed");
        assert_eq!(
            output.status.code(),
            Some(1),
            "{name}: stderr {}",
            stderr(&output)
        );

        let transcripts = workspace.transcripts();
        assert_eq!(transcripts.len(), 1, "{name}");
        let lines = transcript_lines(&transcripts[0]);
        let conversation: Vec<&str> = lines
            .iter()
            .filter_map(|line| line["type"].as_str())
            .filter(|kind| *kind == "user" || *kind == "assistant")
            .collect();
        assert_eq!(
            conversation,
            ["user", "assistant", "user"],
            "{name}: prompt, Read call and its result are kept"
        );
    }
}

#[test]
fn a_client_error_fails_at_once_with_the_apis_message() {
    let workspace = Workspace::git(&[("notes.txt", "x\n")]);
    let fault = json!({"kind": "status", "status": 400, "error_type": "invalid_request_error", "message": "max_tokens: too large"});
    let turns = json!({"turns": [{"fault": fault, "fault_times": 5, "content": [{"type": "text", "text": "never"}]}]});
    let server = MockServer::spawn(Scenario::from_json_str(&turns.to_string()).unwrap()).unwrap();
    let output = run(&workspace, &server, "3");
    let result = result_of(&output);
    assert_eq!(result["is_error"], true);
    assert!(
        result["errors"]
            .to_string()
            .contains("max_tokens: too large"),
        "{result}"
    );
    assert_eq!(server.requests().len(), 1, "a 400 is not retried");
}

#[test]
fn a_tool_call_with_broken_json_is_sent_back_as_a_tool_error() {
    broken_tool_json_goes_back_as_a_tool_error(Provider::Anthropic);
}

/// A call whose arguments are not JSON, over `provider`'s format, becomes
/// a tool error that shows the model what it sent.
pub fn broken_tool_json_goes_back_as_a_tool_error(provider: Provider) {
    let workspace = Workspace::git(&[("notes.txt", "x\n")]);
    let turns = json!({"turns": [
        {"content": [{"type": "tool_use", "name": "Read", "raw_input": "{\"file_path\": oops"}]},
        {"when": "not valid JSON", "content": [{"type": "text", "text": "Sorry, retrying is not needed."}]}
    ]});
    let server = MockServer::spawn(Scenario::from_json_str(&turns.to_string()).unwrap()).unwrap();
    let output = run_with(&workspace, &server, "0", provider);
    let result = result_of(&output);
    assert_eq!(
        result["subtype"],
        "success",
        "{result}\nstderr: {}",
        stderr(&output)
    );
    let tool_result = records(&output)
        .into_iter()
        .find(|record| record["type"] == "user")
        .map(|record| record["message"]["content"][0].clone())
        .unwrap_or_default();
    assert_eq!(tool_result["is_error"], true, "{tool_result}");
    assert!(
        tool_result["content"].to_string().contains("oops"),
        "the model sees what it sent: {tool_result}"
    );
}

#[test]
fn a_missing_api_key_is_named_before_any_request() {
    let workspace = Workspace::git(&[("notes.txt", "x\n")]);
    let server = MockServer::spawn(Scenario::from_json_str(r#"{"turns": []}"#).unwrap()).unwrap();
    let output = workspace
        .rudder(&server)
        .env_remove("ANTHROPIC_API_KEY")
        .args(["-p", "hello"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("ANTHROPIC_API_KEY") && message.contains("ANTHROPIC_AUTH_TOKEN"),
        "{message}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn an_unwritable_transcript_directory_fails_before_any_request() {
    let workspace = Workspace::git(&[("notes.txt", "x\n")]);
    let blocker = workspace.home.join("not-a-dir");
    std::fs::write(&blocker, "").unwrap();
    let server = MockServer::spawn(Scenario::from_json_str(r#"{"turns": []}"#).unwrap()).unwrap();
    let output = workspace
        .rudder(&server)
        .env("RUDDER_HOME", &blocker)
        .args(["-p", "hello"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("transcript"),
        "{}",
        stderr(&output)
    );
    assert!(
        server.requests().is_empty(),
        "no request is sent when nothing could be saved"
    );
}

//! The end-to-end scenarios over the OpenAI Chat Completions format
//! (issue 9 acceptance): `--provider openai` against the testkit's
//! `/v1/chat/completions`, with the same results on disk as over the
//! Anthropic format — the fixed file, the transcript's shape, the faults
//! recovered or reported, broken tool calls sent back as errors — and a
//! small model's three broken attempts at a tool call (bad JSON, an
//! unknown tool, a call written as text) followed by a good one.

use rudder_testkit::{MockServer, Scenario};
use serde_json::{Value, json};

use super::e2e::fix_a_failing_test;
use super::faults::{
    broken_tool_json_goes_back_as_a_tool_error, faults_are_retried_and_reported,
    persistent_faults_end_the_run_cleanly,
};
use super::support::{Provider, Workspace, model_bodies, records, result_of, stderr};

#[test]
fn fixes_a_failing_test_over_the_openai_format() {
    fix_a_failing_test(Provider::OpenAi);
}

#[test]
fn every_injected_fault_is_retried_over_the_openai_format() {
    faults_are_retried_and_reported(Provider::OpenAi);
}

#[test]
fn a_persistent_fault_fails_cleanly_over_the_openai_format() {
    persistent_faults_end_the_run_cleanly(Provider::OpenAi);
}

#[test]
fn broken_tool_json_is_a_tool_error_over_the_openai_format() {
    broken_tool_json_goes_back_as_a_tool_error(Provider::OpenAi);
}

fn three_broken_calls_then_a_good_one(workspace: &Workspace) -> Scenario {
    let notes = workspace.path("notes.txt");
    let text_call = format!(
        "I will read it.\n<tool_call>\n{{\"name\": \"Read\", \"arguments\": {{\"file_path\": \"{notes}\"}}}}\n</tool_call>"
    );
    let turns = json!({"turns": [
        {"content": [{"type": "tool_use", "name": "Read", "raw_input": "{\"file_path\": "}]},
        {"when": "not valid JSON", "content": [{"type": "tool_use", "name": "read_file", "input": {"file_path": notes}}]},
        {"when": "No such tool", "content": [{"type": "text", "text": text_call}]},
        {"when": "as text, so nothing ran", "content": [{"type": "tool_use", "name": "Read", "input": {"file_path": notes}}]},
        {"when": "remember the milk", "content": [{"type": "text", "text": "The notes say: remember the milk."}]}
    ]});
    Scenario::from_json_str(&turns.to_string()).unwrap()
}

fn recovers_from_three_broken_calls(provider: Provider) {
    let workspace = Workspace::git(&[("notes.txt", "remember the milk\n")]);
    let server = MockServer::spawn(three_broken_calls_then_a_good_one(&workspace)).unwrap();
    let output = workspace
        .rudder_with(&server, provider)
        .args([
            "-p",
            "what do the notes say?",
            "--output-format",
            "stream-json",
            "--verbose",
        ])
        .output()
        .unwrap();
    let result = result_of(&output);
    assert_eq!(
        result["subtype"],
        "success",
        "{result}\nstderr: {}",
        stderr(&output)
    );
    assert_eq!(result["result"], "The notes say: remember the milk.");
    assert_eq!(result["num_turns"], 5);
    assert!(output.status.success());
    let user_blocks: Vec<Value> = records(&output)
        .into_iter()
        .filter(|record| record["type"] == "user")
        .flat_map(|record| {
            record["message"]["content"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    let errors: Vec<bool> = user_blocks
        .iter()
        .map(|block| block["is_error"] == true)
        .collect();
    assert_eq!(
        errors,
        [true, true, false],
        "bad JSON, unknown tool, then the good Read"
    );
    let bodies = model_bodies(&server, provider);
    assert_eq!(bodies.len(), 5);
    let correction = bodies[3].to_string();
    assert!(
        correction.contains("wrote a call to Read as text"),
        "the model was told about the text call: {correction}"
    );
}

#[test]
fn a_model_that_breaks_three_tool_calls_then_gets_one_right_completes() {
    recovers_from_three_broken_calls(Provider::OpenAi);
}

#[test]
fn the_same_broken_calls_over_the_anthropic_format_complete_too() {
    recovers_from_three_broken_calls(Provider::Anthropic);
}

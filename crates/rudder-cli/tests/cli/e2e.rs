//! The main job, end to end: the real binary, the scripted model server and
//! a throwaway repository with a failing test. The model greps, reads,
//! edits, runs the test with Bash and answers; the file must really be
//! fixed and the test must really pass afterwards.

use std::process::Command;

use rudder_testkit::{MockServer, Scenario};
use serde_json::json;

use super::support::{
    Provider, Workspace, assert_prefixes_extend, assert_requests_extend, model_bodies,
    model_requests, records, result_of, stderr, transcript_lines,
};

const CALC: &str = "def add(a, b):\n    return a - b\n";
const TEST: &str =
    "from calc import add\n\nassert add(2, 3) == 5, \"add(2, 3) should be 5\"\nprint(\"ok\")\n";

fn fix_the_test_scenario(workspace: &Workspace) -> Scenario {
    let turns = json!({"turns": [
        {"content": [{"type": "text", "text": "Let me find add."},
                     {"type": "tool_use", "name": "Grep", "input": {"pattern": "def add", "path": workspace.path(""), "output_mode": "content", "-n": true}}]},
        {"when": "calc.py", "content": [{"type": "tool_use", "name": "Read", "input": {"file_path": workspace.path("calc.py")}}]},
        {"when": "return a - b", "content": [{"type": "tool_use", "name": "Edit", "input": {
            "file_path": workspace.path("calc.py"), "old_string": "return a - b", "new_string": "return a + b"}}]},
        {"content": [{"type": "tool_use", "name": "Bash", "input": {"command": "python3 test_calc.py", "description": "Run the test"}}]},
        {"when": "ok", "content": [{"type": "text", "text": "Fixed: add() subtracted instead of adding. The test passes now."}]}
    ]});
    Scenario::from_json_str(&turns.to_string()).expect("scenario parses")
}

#[test]
fn fixes_a_failing_test_in_a_real_repository() {
    fix_a_failing_test(Provider::Anthropic);
}

/// The scenario over `provider`'s wire format; the results on disk must be
/// the same whatever the format (issue 9).
pub fn fix_a_failing_test(provider: Provider) {
    let workspace = Workspace::git(&[("calc.py", CALC), ("test_calc.py", TEST)]);
    let server = MockServer::spawn(fix_the_test_scenario(&workspace)).expect("server starts");
    let output = workspace
        .rudder_with(&server, provider)
        .args([
            "-p",
            "fix the failing test",
            "--output-format",
            "stream-json",
            "--verbose",
        ])
        .args(["--allowedTools", "Edit", "Bash(python3 test_calc.py)"])
        .output()
        .expect("rudder runs");
    let result = result_of(&output);
    assert_eq!(
        result["subtype"],
        "success",
        "{result}\nstderr: {}",
        stderr(&output)
    );
    assert_eq!(result["is_error"], false);
    assert_eq!(result["num_turns"], 5);
    assert_eq!(
        result["result"],
        "Fixed: add() subtracted instead of adding. The test passes now."
    );
    assert!(output.status.success(), "exit {:?}", output.status);

    assert_eq!(
        std::fs::read_to_string(workspace.repo.join("calc.py")).unwrap(),
        "def add(a, b):\n    return a + b\n"
    );
    let test = Command::new("python3")
        .arg("test_calc.py")
        .current_dir(&workspace.repo)
        .output()
        .unwrap();
    assert!(
        test.status.success(),
        "the test still fails: {}",
        String::from_utf8_lossy(&test.stderr)
    );

    let records = records(&output);
    assert_eq!(records[0]["type"], "system");
    assert_eq!(records[0]["subtype"], "init");
    let tool_results: Vec<_> = records
        .iter()
        .filter(|record| record["type"] == "user")
        .flat_map(|record| {
            record["message"]["content"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(tool_results.len(), 4);
    assert!(
        tool_results.iter().all(|block| block["is_error"] != true),
        "{tool_results:?}"
    );

    assert_eq!(model_bodies(&server, provider).len(), 5);
    assert_requests_extend(&server, provider);

    let transcripts = workspace.transcripts();
    assert_eq!(transcripts.len(), 1);
    let lines = transcript_lines(&transcripts[0]);
    let kinds: Vec<&str> = lines
        .iter()
        .filter_map(|line| line["type"].as_str())
        .collect();
    assert_eq!(kinds.iter().filter(|kind| **kind == "assistant").count(), 5);
    assert_eq!(kinds.iter().filter(|kind| **kind == "user").count(), 5);
    assert!(lines.iter().all(|line| line["type"] == "rudder-frame" || line["sessionId"] == result["session_id"]));
}

/// Issue 2 acceptance: over a 20-request session, request N+1 begins with
/// request N's exact bytes up to N's last cache breakpoint, and the
/// testkit's cache model (which mirrors the API's) reads that prefix back.
#[test]
fn twenty_consecutive_requests_extend_each_others_cached_prefix() {
    let workspace = Workspace::git(&[("a.txt", "alpha\n"), ("b.txt", "beta\n")]);
    let mut turns: Vec<serde_json::Value> = (0..19)
        .map(|step| {
            let file = if step % 2 == 0 { "a.txt" } else { "b.txt" };
            json!({"content": [
                {"type": "text", "text": format!("Step {step}.")},
                {"type": "tool_use", "name": "Read", "input": {"file_path": workspace.path(file)}}
            ]})
        })
        .collect();
    turns.push(json!({"content": [{"type": "text", "text": "Done reading."}]}));
    let scenario = Scenario::from_json_str(&json!({ "turns": turns }).to_string()).unwrap();
    let server = MockServer::spawn(scenario).unwrap();
    let output = workspace
        .rudder(&server)
        .args(["-p", "read both files ten times", "--output-format", "json"])
        .output()
        .unwrap();
    let result: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
            panic!(
                "json output ({error}): {}\nstderr: {}",
                String::from_utf8_lossy(&output.stdout),
                stderr(&output)
            )
        });
    assert_eq!(result["is_error"], false, "{result}");
    assert_eq!(result["num_turns"], 20);
    let requests = model_requests(&server);
    assert_eq!(requests.len(), 20);
    assert_prefixes_extend(&requests);
    let reads: Vec<u64> = server
        .requests()
        .iter()
        .filter_map(|request| {
            request
                .usage
                .as_ref()
                .map(|usage| usage.cache_read_input_tokens)
        })
        .collect();
    assert_eq!(reads[0], 0);
    assert!(
        reads[1..].iter().all(|read| *read > 0),
        "every later request reads the cache: {reads:?}"
    );
    assert_eq!(
        result["usage"]["cache_read_input_tokens"].as_u64(),
        Some(reads.iter().sum::<u64>()),
        "the result's usage is the sum of what the API reported"
    );
}

/// `--resume <id>` continues the same transcript under the same session id,
/// and its first request extends the last request of the earlier run up to
/// that request's last breakpoint — the cache hit Claude Code misses
/// (PEERS-MEASURED.md "Resume: the prefix is not byte-identical").
#[test]
fn a_resumed_session_continues_the_cached_prefix_and_the_same_transcript() {
    let workspace = Workspace::git(&[("a.txt", "alpha\n")]);
    let turns = json!({"turns": [
        {"content": [{"type": "tool_use", "name": "Read", "input": {"file_path": workspace.path("a.txt")}}]},
        {"content": [{"type": "text", "text": "It says alpha."}]},
        {"when": "and now?", "content": [{"type": "text", "text": "Still alpha."}]}
    ]});
    let server = MockServer::spawn(Scenario::from_json_str(&turns.to_string()).unwrap()).unwrap();
    let first = workspace
        .rudder(&server)
        .args(["-p", "what does a.txt say?", "--output-format", "json"])
        .output()
        .unwrap();
    let first: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    let session_id = first["session_id"].as_str().unwrap().to_owned();

    let second = workspace
        .rudder(&server)
        .args([
            "-p",
            "and now?",
            "--output-format",
            "json",
            "--resume",
            &session_id,
        ])
        .output()
        .unwrap();
    let second_result: serde_json::Value = serde_json::from_slice(&second.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", stderr(&second)));
    assert_eq!(second_result["result"], "Still alpha.");
    assert_eq!(second_result["session_id"], session_id.as_str());

    let requests = model_requests(&server);
    assert_eq!(requests.len(), 3);
    assert_prefixes_extend(&requests);
    let reads: Vec<u64> = server
        .requests()
        .iter()
        .filter_map(|request| {
            request
                .usage
                .as_ref()
                .map(|usage| usage.cache_read_input_tokens)
        })
        .collect();
    assert!(
        reads[2] > 0,
        "the resumed request reads the cache: {reads:?}"
    );

    let transcripts = workspace.transcripts();
    assert_eq!(transcripts.len(), 1, "resume appends to the same file");
    let lines = transcript_lines(&transcripts[0]);
    assert!(
        lines
            .iter()
            .filter(|line| line["type"] == "user")
            .all(|line| line["sessionId"] == session_id.as_str())
    );
}

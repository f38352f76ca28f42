//! Background subagents (Task with `run_in_background`), end to end through
//! the real binary: the parent goes on while one works (overlap measured
//! against a slow model), TaskOutput waits for its report, BashOutput shows
//! a running one's progress and TaskStop ends one that loops, a report the model did not wait for arrives with its
//! next message, and a headless run whose turn ends with one still running
//! stops it, says so before the result, and counts its usage — all without
//! breaking the parent's cache prefix.

use std::time::{Duration, Instant};

use rudder_protocol::{ContentBlock, Role};
use rudder_testkit::MockServer;
use serde_json::{Value, json};

use super::subagents::{
    jsonl_below, millis, parent_requests, project, scenario, tool_result_record,
};
use super::support::{
    Workspace, assert_prefixes_extend, last_user_text, model_requests, records, result_of, stderr,
    transcript_lines,
};

/// A Task call that starts `subagent_type` in the background.
fn background_task(description: &str, prompt: &str, subagent_type: &str) -> Value {
    json!({"type": "tool_use", "name": "Task", "input": {
        "description": description, "prompt": prompt, "subagent_type": subagent_type,
        "run_in_background": true}})
}

/// Runs `prompt` headless with stream-json output.
fn run(workspace: &Workspace, server: &MockServer, prompt: &str) -> std::process::Output {
    workspace
        .rudder(server)
        .args(["-p", prompt, "--output-format", "stream-json", "--verbose"])
        .arg("--trust")
        .output()
        .unwrap()
}

/// The id of the first call of `tool` in the stream-json records.
fn call_id(records: &[Value], tool: &str) -> String {
    records
        .iter()
        .find_map(|record| {
            record["message"]["content"]
                .as_array()?
                .iter()
                .find(|block| block["type"] == "tool_use" && block["name"] == tool)
                .map(|block| block["id"].as_str().unwrap_or_default().to_owned())
        })
        .unwrap_or_else(|| panic!("no {tool} call"))
}

/// The text of a tool result record.
fn result_text(record: &Value) -> String {
    let content = &record["message"]["content"][0]["content"];
    match content.as_str() {
        Some(text) => text.to_owned(),
        None => content.to_string(),
    }
}

/// Output tokens the server reported, over the requests answered by a
/// scripted turn other than `skipped`.
fn reported_output_tokens(server: &MockServer, skipped: Option<usize>) -> u64 {
    server
        .requests()
        .iter()
        .filter(|request| request.turn.is_some() && request.turn != skipped)
        .filter_map(|request| request.usage.as_ref().map(|usage| usage.output_tokens))
        .sum()
}

/// The first and last timestamps of the sidechain transcripts.
fn sidechain_spans(workspace: &Workspace) -> Vec<(i64, i64)> {
    jsonl_below(&workspace.home.join(".rudder/projects"))
        .iter()
        .filter(|path| path.to_string_lossy().contains("/subagents/"))
        .map(|path| {
            let stamps: Vec<i64> = transcript_lines(path)
                .iter()
                .filter_map(|line| line["timestamp"].as_str().map(millis))
                .collect();
            (stamps[0], stamps[stamps.len() - 1])
        })
        .collect()
}

#[test]
fn the_parent_works_while_a_background_subagent_runs_and_task_output_waits_for_its_report() {
    let workspace = project(&[("notes.txt", "parent-notes\n")]);
    let server = MockServer::spawn(scenario(json!([
        {"when": "survey in the background", "content": [
            {"type": "text", "text": "Starting the survey."},
            background_task("Survey alpha", "Survey area alpha", "Explore")]},
        {"when": "Survey area alpha", "delay_ms": 3000, "content": [
            {"type": "text", "text": "alpha report: 3 modules"}]},
        {"when": "task id agent_1", "delay_ms": 2000, "content": [
            {"type": "tool_use", "name": "Read", "input": {"file_path": workspace.path("notes.txt")}}]},
        {"when": "parent-notes", "content": [
            {"type": "tool_use", "name": "TaskOutput", "input": {
                "task_id": "agent_1", "block": true, "timeout": 30000}}]},
        {"when": "alpha report: 3 modules", "content": [
            {"type": "text", "text": "The survey found 3 modules."}]}
    ])))
    .unwrap();
    let output = run(&workspace, &server, "survey in the background");
    let result = result_of(&output);
    assert_eq!(
        result["result"],
        "The survey found 3 modules.",
        "{result}\n{}",
        stderr(&output)
    );

    let records = records(&output);
    let task_id = call_id(&records, "Task");
    let launched = tool_result_record(&records, &task_id);
    assert_eq!(launched["tool_use_result"]["status"], "async_launched");
    assert_eq!(launched["tool_use_result"]["taskId"], "agent_1");
    assert!(
        launched["tool_use_result"]["transcriptPath"]
            .as_str()
            .unwrap()
            .contains("/subagents/agent-")
    );
    assert!(result_text(launched).contains("TaskOutput"));
    let read = tool_result_record(&records, &call_id(&records, "TaskOutput"));
    let text = result_text(read);
    assert!(
        text.contains("<status>completed</status>") && text.contains("alpha report: 3 modules"),
        "{text}"
    );
    assert_eq!(read["tool_use_result"]["retrieval_status"], "success");
    assert!(
        records.iter().any(|record| record["type"] == "assistant"
            && record["parent_tool_use_id"] == task_id.as_str()),
        "the subagent's messages carry the Task id"
    );

    // The parent's slow second request was served while the subagent ran.
    let main = transcript_lines(&workspace.transcripts()[0]);
    let stamp = |line: &Value| millis(line["timestamp"].as_str().unwrap());
    let launch = main
        .iter()
        .find(|line| line["toolUseResult"]["status"] == "async_launched")
        .map(stamp)
        .expect("the launch is in the transcript");
    let read_call = main
        .iter()
        .find(|line| line["type"] == "assistant" && line.to_string().contains("notes.txt"))
        .map(stamp)
        .expect("the parent's Read call is in the transcript");
    let spans = sidechain_spans(&workspace);
    assert_eq!(spans.len(), 1);
    let overlap = read_call.min(spans[0].1) - launch.max(spans[0].0);
    assert!(
        overlap >= 1500,
        "the parent's 2 s request ran beside the subagent: parent {launch}..{read_call}, \
         subagent {:?}",
        spans[0]
    );

    assert_eq!(
        result["usage"]["output_tokens"].as_u64(),
        Some(reported_output_tokens(&server, None)),
        "the totals include the subagent's"
    );
    assert_prefixes_extend(&parent_requests(&server));
}

#[test]
fn task_stop_ends_a_looping_background_subagent() {
    let workspace = project(&[("loop-marker.txt", "x\n")]);
    let ls = json!({"type": "tool_use", "name": "LS", "input": {"path": workspace.path("")}});
    let mut turns = vec![
        json!({"when": "loop in the background", "content": [
            background_task("Endless search", "Search everywhere for the needle", "Explore")]}),
        json!({"when": "Search everywhere for the needle", "content": [
            {"type": "text", "text": "Searching (1)."}, ls]}),
        json!({"when": "task id agent_1", "delay_ms": 1500, "content": [
            {"type": "tool_use", "name": "BashOutput", "input": {"bash_id": "agent_1", "block": false}}]}),
        json!({"when": "<status>running</status>", "content": [
            {"type": "tool_use", "name": "TaskStop", "input": {"task_id": "agent_1"}}]}),
        json!({"when": "Stopped background subagent agent_1", "content": [
            {"type": "text", "text": "Stopped the search."}]}),
    ];
    for _ in 0..40 {
        turns.push(
            json!({"when": "loop-marker.txt", "delay_ms": 100, "content": [
            {"type": "text", "text": "Still searching."}, ls]}),
        );
    }
    let server = MockServer::spawn(scenario(json!(turns))).unwrap();
    let output = run(&workspace, &server, "loop in the background");
    let result = result_of(&output);
    assert_eq!(
        result["result"],
        "Stopped the search.",
        "{result}\n{}",
        stderr(&output)
    );
    assert_eq!(result["subtype"], "success");

    let records = records(&output);
    let progress = result_text(tool_result_record(
        &records,
        &call_id(&records, "BashOutput"),
    ));
    assert!(
        progress.contains("is still working")
            && (progress.contains("Its latest message:\nStill searching.")
                || progress.contains("Its latest message:\nSearching (1).")),
        "BashOutput shows a running subagent's progress: {progress}"
    );
    let stopped = tool_result_record(&records, &call_id(&records, "TaskStop"));
    let text = result_text(stopped);
    assert!(
        text.starts_with("Stopped background subagent agent_1")
            && text.contains("Searching (1).")
            && text.contains("stopped by TaskStop"),
        "{text}"
    );
    assert_ne!(
        stopped["message"]["content"][0]["is_error"], true,
        "stopping needs no permission in a headless run"
    );
    let children = model_requests(&server).len() - parent_requests(&server).len();
    assert!(
        (2..40).contains(&children),
        "it looped, then stopped long before the script ran out: {children}"
    );
    assert!(
        !records.iter().any(|record| record["subtype"] == "notice"),
        "nothing was left running at the end of the turn"
    );
}

#[test]
fn a_report_the_model_did_not_wait_for_arrives_with_its_next_message() {
    let workspace = project(&[("notes.txt", "parent-notes\n")]);
    let server = MockServer::spawn(scenario(json!([
        {"when": "check in the background", "content": [
            background_task("Quick check", "Check the config quickly", "Explore")]},
        {"when": "Check the config quickly", "content": [
            {"type": "text", "text": "config report: all good"}]},
        {"when": "task id agent_1", "delay_ms": 1500, "content": [
            {"type": "tool_use", "name": "Read", "input": {"file_path": workspace.path("notes.txt")}}]},
        {"when": "config report: all good", "content": [
            {"type": "text", "text": "Checked."}]}
    ])))
    .unwrap();
    let output = run(&workspace, &server, "check in the background");
    let result = result_of(&output);
    assert_eq!(
        result["result"],
        "Checked.",
        "{result}\n{}",
        stderr(&output)
    );

    let parents = parent_requests(&server);
    assert_eq!(parents.len(), 3);
    let last = parents[2].messages.last().unwrap();
    assert_eq!(last.role, Role::User);
    assert!(
        matches!(last.content[0], ContentBlock::ToolResult { .. }),
        "the Read result comes first"
    );
    let news = last_user_text(&parents[2]);
    assert!(
        news.contains("Background subagent agent_1 (Explore: Quick check) has finished")
            && news.contains("config report: all good"),
        "{news}"
    );
    assert_prefixes_extend(&parents);
}

#[test]
fn a_headless_turn_that_ends_with_a_subagent_running_stops_it_reports_it_and_counts_it() {
    let workspace = project(&[("slow-marker.txt", "x\n")]);
    let server = MockServer::spawn(scenario(json!([
        {"when": "start the slow survey", "content": [
            background_task("Slow survey", "Survey everything slowly", "Explore")]},
        {"when": "Survey everything slowly", "content": [
            {"type": "text", "text": "Surveying."},
            {"type": "tool_use", "name": "LS", "input": {"path": workspace.path("")}}]},
        {"when": "slow-marker.txt", "delay_ms": 60000, "content": [
            {"type": "text", "text": "never delivered"}]},
        {"when": "task id agent_1", "delay_ms": 1500, "content": [
            {"type": "text", "text": "I will not wait."}]},
        {"when": "still running", "content": [{"type": "text", "text": "Ending anyway."}]}
    ])))
    .unwrap();
    let started = Instant::now();
    let output = run(&workspace, &server, "start the slow survey");
    let elapsed = started.elapsed();
    let result = result_of(&output);
    assert_eq!(
        result["result"],
        "Ending anyway.",
        "{result}\n{}",
        stderr(&output)
    );
    assert_eq!(result["subtype"], "success");
    assert!(
        elapsed < Duration::from_secs(30),
        "the run did not wait for the subagent's 60 s request: {elapsed:?}"
    );

    let parents = parent_requests(&server);
    assert_eq!(parents.len(), 3, "told once, then the turn ended");
    let reminder = last_user_text(&parents[2]);
    assert!(
        reminder.contains("agent_1 (Explore: Slow survey): running, 1 model request, 1 tool call")
            && reminder.contains("When your turn ends they will be stopped"),
        "{reminder}"
    );

    let records = records(&output);
    let notice = records
        .iter()
        .position(|record| {
            record["subtype"] == "notice"
                && record["message"].as_str().is_some_and(|text| {
                    text.contains("agent_1") && text.contains("stopped because the turn ended")
                })
        })
        .unwrap_or_else(|| panic!("no notice of the stopped subagent: {records:?}"));
    let result_at = records
        .iter()
        .position(|record| record["type"] == "result")
        .unwrap();
    assert!(notice < result_at, "the notice comes before the result");

    assert_eq!(
        result["usage"]["output_tokens"].as_u64(),
        Some(reported_output_tokens(&server, Some(2))),
        "the totals include what the stopped subagent used"
    );
    let sidechain = jsonl_below(&workspace.home.join(".rudder/projects"))
        .into_iter()
        .find(|path| path.to_string_lossy().contains("/subagents/"))
        .expect("a sidechain transcript");
    let lines = transcript_lines(&sidechain);
    assert!(
        lines.iter().any(|line| line["type"] == "assistant"),
        "its transcript holds its work"
    );
    assert_prefixes_extend(&parents);
}

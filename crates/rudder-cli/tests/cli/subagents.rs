//! Subagents through the Task tool, end to end: a custom agent from the
//! realistic fixture with its own context, tools, model and sidechain
//! transcript; two subagents running at once against a slow model; a
//! looping subagent stopped by its token budget; and the parent's cache
//! prefix across a session that uses a command, a skill and a subagent.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rudder_protocol::MessagesRequest;
use rudder_testkit::{MockServer, Scenario};
use serde_json::{Value, json};

use super::support::{
    Workspace, assert_prefixes_extend, install_realistic_definitions, last_user_text,
    model_requests, records, result_of, run_with_stdin, stderr, transcript_lines, user_line,
};

pub(super) fn scenario(turns: Value) -> Scenario {
    Scenario::from_json_str(&json!({ "turns": turns }).to_string()).expect("scenario parses")
}

pub(super) fn project(files: &[(&str, &str)]) -> Workspace {
    let workspace = Workspace::git(files);
    install_realistic_definitions(&workspace);
    workspace
}

pub(super) fn tool_names(request: &MessagesRequest) -> Vec<String> {
    request
        .tools
        .iter()
        .map(|tool| tool.name().to_owned())
        .collect()
}

/// The main conversation's requests: those that offer the Task tool.
pub(super) fn parent_requests(server: &MockServer) -> Vec<MessagesRequest> {
    model_requests(server)
        .into_iter()
        .filter(|request| tool_names(request).iter().any(|name| name == "Task"))
        .collect()
}

pub(super) fn task(description: &str, prompt: &str, subagent_type: &str) -> Value {
    json!({"type": "tool_use", "name": "Task", "input": {
        "description": description, "prompt": prompt, "subagent_type": subagent_type}})
}

/// Every `*.jsonl` below `dir`.
pub(super) fn jsonl_below(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(jsonl_below(&path));
        } else if path.extension().is_some_and(|ext| ext == "jsonl") {
            found.push(path);
        }
    }
    found
}

/// The stream-json user record carrying the result of call `id`.
pub(super) fn tool_result_record<'a>(records: &'a [Value], id: &str) -> &'a Value {
    records
        .iter()
        .find(|record| {
            record["type"] == "user" && record["message"]["content"][0]["tool_use_id"] == id
        })
        .unwrap_or_else(|| panic!("no result for {id}"))
}

#[test]
fn a_custom_agent_works_in_its_own_context_with_its_own_tools_and_transcript() {
    let workspace = project(&[("src/app.txt", "hello\n")]);
    let server = MockServer::spawn(scenario(json!([
        {"when": "review my change", "content": [
            {"type": "text", "text": "Delegating."},
            task("Review the app", "Review src/app.txt for bugs", "code-reviewer")]},
        {"when": "Review src/app.txt for bugs", "content": [
            {"type": "tool_use", "name": "Read", "input": {"file_path": workspace.path("src/app.txt")}}]},
        {"when": "hello", "content": [{"type": "text", "text": "LGTM: one nit."}]},
        {"when": "LGTM: one nit.", "content": [{"type": "text", "text": "The reviewer found one nit."}]}
    ])))
    .unwrap();
    let output = workspace
        .rudder(&server)
        .args([
            "-p",
            "review my change",
            "--output-format",
            "stream-json",
            "--verbose",
        ])
        .arg("--trust")
        .output()
        .unwrap();
    let result = result_of(&output);
    assert_eq!(
        result["subtype"],
        "success",
        "{result}\n{}",
        stderr(&output)
    );
    assert_eq!(result["result"], "The reviewer found one nit.");

    let requests = model_requests(&server);
    assert_eq!(requests.len(), 4);
    let child = &requests[1];
    assert_eq!(
        tool_names(child),
        ["Bash", "Glob", "Grep", "Read"],
        "its tools, no Task"
    );
    assert_eq!(child.model, "claude-sonnet-4-6", "model: sonnet, resolved");
    assert_eq!(requests[0].model, "claude-sonnet-4-5");
    let system = child.system[0].as_text().unwrap_or_default();
    assert!(system.starts_with("You are a senior reviewer."), "{system}");
    let first = last_user_text(child);
    assert!(
        first.contains("Review src/app.txt for bugs") && !first.contains("review my change"),
        "its own context: {first}"
    );

    let records = records(&output);
    let task_id = records
        .iter()
        .find_map(|record| {
            record["message"]["content"]
                .as_array()?
                .iter()
                .find(|block| block["name"] == "Task")
                .map(|block| block["id"].as_str().unwrap_or_default().to_owned())
        })
        .unwrap();
    let child_assistants = records
        .iter()
        .filter(|record| {
            record["type"] == "assistant" && record["parent_tool_use_id"] == task_id.as_str()
        })
        .count();
    assert_eq!(
        child_assistants, 2,
        "the subagent's messages carry the Task id"
    );
    assert!(
        records.iter().any(|record| record["type"] == "user"
            && record["parent_tool_use_id"] == task_id.as_str()
            && record["message"]
                .to_string()
                .contains("Review src/app.txt for bugs")),
        "the subagent's prompt is shown with the Task id"
    );
    let outcome = tool_result_record(&records, &task_id);
    assert_eq!(outcome["parent_tool_use_id"], Value::Null);
    assert_eq!(
        outcome["message"]["content"][0]["content"],
        "LGTM: one nit."
    );
    let report = &outcome["tool_use_result"];
    assert_eq!(report["status"], "completed");
    assert_eq!(report["agentType"], "code-reviewer");
    assert_eq!(report["totalToolUseCount"], 1);

    let session_id = result["session_id"].as_str().unwrap();
    let all = jsonl_below(&workspace.home.join(".rudder/projects"));
    let sidechain = all
        .iter()
        .find(|path| path.to_string_lossy().contains("/subagents/agent-"))
        .unwrap_or_else(|| panic!("no sidechain transcript in {all:?}"));
    assert!(
        sidechain
            .to_string_lossy()
            .contains(&format!("/{session_id}/subagents/"))
    );
    let lines = transcript_lines(sidechain);
    let chain: Vec<&Value> = lines
        .iter()
        .filter(|line| line["type"] == "user" || line["type"] == "assistant")
        .collect();
    assert_eq!(chain.len(), 4, "prompt, Read call, its result, report");
    assert!(chain.iter().all(|line| line["isSidechain"] == true
        && line["agentId"] == report["agentId"]
        && line["sessionId"] == session_id));

    let main = workspace.transcripts();
    let forwarded = transcript_lines(&main[0])
        .into_iter()
        .filter(|line| {
            line["type"] == "rudder-model-call" && line["purpose"] == "subagent:code-reviewer"
        })
        .count();
    assert_eq!(
        forwarded, 2,
        "each subagent request is counted in the parent's transcript"
    );
    let models = result["modelUsage"].as_object().unwrap();
    assert!(models.contains_key("claude-sonnet-4-5") && models.contains_key("claude-sonnet-4-6"));
    let reported: u64 = server
        .requests()
        .iter()
        .filter_map(|request| request.usage.as_ref().map(|usage| usage.output_tokens))
        .sum();
    assert_eq!(
        result["usage"]["output_tokens"].as_u64(),
        Some(reported),
        "the parent's totals include the subagent's"
    );
    assert_prefixes_extend(&parent_requests(&server));
}

#[test]
fn sibling_subagents_run_at_the_same_time() {
    let workspace = project(&[("a.txt", "a\n")]);
    let server = MockServer::spawn(scenario(json!([
        {"when": "survey both", "content": [
            task("Survey alpha", "Survey area alpha", "Explore"),
            task("Survey beta", "Survey area beta", "Explore")]},
        {"when": "Survey area alpha", "delay_ms": 2000, "content": [{"type": "text", "text": "alpha done"}]},
        {"when": "Survey area beta", "delay_ms": 3000, "content": [{"type": "text", "text": "beta done"}]},
        {"when": "alpha done", "content": [{"type": "text", "text": "Both surveyed."}]}
    ])))
    .unwrap();
    let started = Instant::now();
    let output = workspace
        .rudder(&server)
        .args([
            "-p",
            "survey both",
            "--output-format",
            "stream-json",
            "--verbose",
        ])
        .arg("--trust")
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let result = result_of(&output);
    assert_eq!(result["result"], "Both surveyed.", "{result}");
    let last = last_user_text(model_requests(&server).last().unwrap());
    assert!(
        last.contains("alpha done") && last.contains("beta done"),
        "{last}"
    );
    let intervals: Vec<(i64, i64)> = jsonl_below(&workspace.home.join(".rudder/projects"))
        .iter()
        .filter(|path| path.to_string_lossy().contains("/subagents/"))
        .map(|path| {
            let stamps: Vec<i64> = transcript_lines(path)
                .iter()
                .filter_map(|line| line["timestamp"].as_str().map(millis))
                .collect();
            (stamps[0], stamps[stamps.len() - 1])
        })
        .collect();
    assert_eq!(intervals.len(), 2, "two sidechain transcripts");
    let overlap = intervals[0].1.min(intervals[1].1) - intervals[0].0.max(intervals[1].0);
    assert!(
        overlap >= 1500,
        "the two subagents ran side by side: {intervals:?}"
    );
    let one_after_the_other: i64 = intervals.iter().map(|(start, end)| end - start).sum();
    assert!(elapsed >= Duration::from_millis(3000), "{elapsed:?}");
    assert!(
        (elapsed.as_millis() as i64) < one_after_the_other,
        "2 s and 3 s subagents take about 3 s together, not {one_after_the_other} ms: {elapsed:?}"
    );
}

/// Milliseconds since the start of the month of a transcript timestamp
/// (`2026-11-22T10:00:00.123Z`, the form rudder writes); enough to compare
/// times a few seconds apart.
pub(super) fn millis(stamp: &str) -> i64 {
    let number = |range: std::ops::Range<usize>| -> i64 {
        stamp
            .get(range)
            .and_then(|digits| digits.parse().ok())
            .unwrap_or_else(|| panic!("not a transcript timestamp: {stamp}"))
    };
    ((number(8..10) * 24 + number(11..13)) * 60 + number(14..16)) * 60_000
        + number(17..19) * 1000
        + number(20..23)
}

#[test]
fn a_looping_subagent_is_stopped_by_its_budget_and_the_parent_gets_its_partial_result() {
    let workspace = project(&[("loop-marker.txt", "x\n")]);
    let mut turns = vec![
        json!({"when": "find the needle", "content": [
            task("Find the needle", "Search everywhere for the needle", "Explore")]}),
        json!({"when": "Search everywhere for the needle", "content": [
            {"type": "text", "text": "Still searching (1)."},
            {"type": "tool_use", "name": "LS", "input": {"path": workspace.path("")}}]}),
    ];
    for _ in 0..48 {
        turns.push(json!({"when": "loop-marker.txt", "content": [
            {"type": "text", "text": "Still searching."},
            {"type": "tool_use", "name": "LS", "input": {"path": workspace.path("")}}]}));
    }
    turns.push(json!({"when": "partial result", "content": [
        {"type": "text", "text": "The search ran out of budget."}]}));
    let server = MockServer::spawn(scenario(json!(turns))).unwrap();
    let output = workspace
        .rudder(&server)
        .env("RUDDER_SUBAGENT_TOKEN_BUDGET", "20000")
        .args([
            "-p",
            "find the needle",
            "--output-format",
            "stream-json",
            "--verbose",
        ])
        .arg("--trust")
        .output()
        .unwrap();
    let result = result_of(&output);
    assert_eq!(
        result["result"], "The search ran out of budget.",
        "{result}"
    );

    let children = model_requests(&server).len() - parent_requests(&server).len();
    assert!(
        (2..48).contains(&children),
        "stopped after a few requests, not after the script ran out: {children}"
    );
    let records = records(&output);
    let outcome = records
        .iter()
        .find(|record| record["type"] == "user" && record["tool_use_result"]["status"].is_string())
        .unwrap();
    let text = outcome["message"]["content"][0]["content"]
        .as_str()
        .unwrap_or_default();
    assert!(text.starts_with("Still searching (1)."), "{text}");
    assert!(
        text.contains("stopped after using") && text.contains("budget of 20000 tokens"),
        "{text}"
    );
    assert_eq!(outcome["tool_use_result"]["status"], "stopped");
    assert_ne!(
        outcome["message"]["content"][0]["is_error"], true,
        "a partial result is a result"
    );
}

#[test]
fn the_parents_cache_prefix_holds_across_a_command_a_skill_and_a_subagent() {
    let workspace = project(&[("src/app.txt", "hello\n")]);
    let server = MockServer::spawn(scenario(json!([
        {"when": "Summarise what changed in src/app.txt", "content": [
            {"type": "text", "text": "Changes summarised."}]},
        {"when": "convert the report", "content": [
            {"type": "tool_use", "name": "Skill", "input": {"skill": "pdf-tools"}}]},
        {"when": "To extract text from", "content": [{"type": "text", "text": "Skill followed."}]},
        {"when": "review my change", "content": [
            task("Review the app", "Review src/app.txt for bugs", "code-reviewer")]},
        {"when": "Review src/app.txt for bugs", "content": [{"type": "text", "text": "LGTM."}]},
        {"when": "LGTM.", "content": [{"type": "text", "text": "Reviewed."}]}
    ])))
    .unwrap();
    let mut command = workspace.rudder(&server);
    command.args([
        "--input-format",
        "stream-json",
        "--output-format",
        "stream-json",
        "--verbose",
        "--trust",
    ]);
    let output = run_with_stdin(
        &mut command,
        &[
            user_line("/changes src/app.txt"),
            user_line("convert the report"),
            user_line("review my change"),
        ],
    );
    let results: Vec<Value> = records(&output)
        .into_iter()
        .filter(|record| record["type"] == "result")
        .collect();
    let texts: Vec<&str> = results
        .iter()
        .map(|result| result["result"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        texts,
        ["Changes summarised.", "Skill followed.", "Reviewed."],
        "stderr: {}",
        stderr(&output)
    );
    let parents = parent_requests(&server);
    assert_eq!(parents.len(), 5);
    assert_eq!(model_requests(&server).len(), 6);
    assert_prefixes_extend(&parents);
}

/// Subagent types defined through the Python Agent SDK (sent in
/// `initialize`) run through Task, and `initialize` lists commands and
/// agents. Skipped like the other SDK check when the SDK is missing.
#[test]
fn the_python_agent_sdk_defines_an_agent_and_sees_the_listings() {
    if !super::agent_sdk::sdk_available() {
        return;
    }
    let workspace = project(&[("a.txt", "a\n")]);
    let server = MockServer::spawn(scenario(json!([
        {"when": "delegate the greeting", "content": [task("Greet", "Greet Ada warmly", "greeter")]},
        {"when": "Greet Ada warmly", "content": [{"type": "text", "text": "Hello, Ada!"}]},
        {"when": "Hello, Ada!", "content": [{"type": "text", "text": "Greeted."}]}
    ])))
    .unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/py/agent_sdk_subagents.py"
    );
    let output = std::process::Command::new("python3")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_rudder"))
        .arg(&workspace.repo)
        .env("ANTHROPIC_BASE_URL", server.base_url())
        .env("RUDDER_HOME", workspace.home.join(".rudder"))
        .env("HOME", &workspace.home)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the Agent SDK run failed\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let requests = model_requests(&server);
    assert_eq!(requests.len(), 3);
    assert!(
        last_user_text(&requests[0]).contains("- greeter: Greets people by name"),
        "the SDK's agent is in the frozen listing"
    );
    assert_eq!(requests[1].model, "claude-haiku-4-5");
    assert!(
        requests[1].system[0]
            .as_text()
            .unwrap_or_default()
            .starts_with("You greet people.")
    );
    assert_eq!(tool_names(&requests[1]), ["Read"]);
}

/// SubagentStop hooks (matched on the subagent type) run where a subagent
/// would end, see its id, type and transcript, and can keep it going;
/// UserPromptSubmit hooks see the person's prompt, not the Task prompt.
#[test]
fn subagent_stop_hooks_see_the_subagent_and_can_keep_it_going() {
    use super::hook_support::{group, script, user_hooks};
    let workspace = project(&[("src/app.txt", "hello\n")]);
    let seen = workspace.home.join("subagent-stop.jsonl");
    let prompts = workspace.home.join("prompts.jsonl");
    let stop = script(
        &workspace,
        "subagent-stop.sh",
        &format!(
            "cat >> {seen}\necho >> {seen}\nif [ ! -f {seen}.once ]; then touch {seen}.once; \
             echo '{{\"decision\": \"block\", \"reason\": \"Also check the tests.\"}}'; fi\n",
            seen = seen.display()
        ),
    );
    let log_prompt = script(
        &workspace,
        "prompt.sh",
        &format!("cat >> {0}\necho >> {0}\n", prompts.display()),
    );
    user_hooks(
        &workspace,
        json!({
            "SubagentStop": [group(Some("code-reviewer"), &stop, None), group(Some("Explore"), "false", None)],
            "UserPromptSubmit": [group(None, &log_prompt, None)]
        }),
    );
    let server = MockServer::spawn(scenario(json!([
        {"when": "review my change", "content": [task("Review the app", "Review src/app.txt for bugs", "code-reviewer")]},
        {"when": "Review src/app.txt for bugs", "content": [{"type": "text", "text": "Looks fine."}]},
        {"when": "Also check the tests.", "content": [{"type": "text", "text": "Tests look fine too."}]},
        {"when": "Tests look fine too.", "content": [{"type": "text", "text": "Reviewed."}]}
    ])))
    .unwrap();
    let output = workspace
        .rudder(&server)
        .args(["-p", "review my change", "--output-format", "json"])
        .output()
        .unwrap();
    let result: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", stderr(&output)));
    assert_eq!(result["result"], "Reviewed.", "{result}");

    let runs: Vec<Value> = std::fs::read_to_string(&seen)
        .unwrap()
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(runs.len(), 2, "blocked once, then let it stop: {runs:?}");
    assert_eq!(runs[0]["hook_event_name"], "SubagentStop");
    assert_eq!(runs[0]["stop_hook_active"], false);
    assert_eq!(runs[1]["stop_hook_active"], true);
    assert_eq!(runs[0]["agent_type"], "code-reviewer");
    assert!(
        runs[0]["agent_transcript_path"]
            .as_str()
            .unwrap()
            .contains("/subagents/agent-")
    );
    assert_eq!(
        runs[0]["transcript_path"].as_str().unwrap(),
        workspace.transcripts()[0].display().to_string(),
        "hooks are told the session's transcript"
    );
    let prompts = std::fs::read_to_string(&prompts).unwrap();
    assert_eq!(prompts.lines().filter(|line| !line.is_empty()).count(), 1);
    assert!(prompts.contains("review my change"));
}

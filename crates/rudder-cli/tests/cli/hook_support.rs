//! Helpers of the hook tests: settings with hooks, hook scripts, a
//! stream-json run with hook events, and readers for what hooks left in the
//! output, the transcript and the requests.

use std::process::Output;

use rudder_protocol::MessagesRequest;
use rudder_testkit::{MockServer, Scenario};
use serde_json::{Value, json};

use super::support::{Workspace, records, stderr, transcript_lines};

/// Writes `{"hooks": hooks}` as the user's `~/.claude/settings.json` (a
/// layer that needs no trust).
pub fn user_hooks(workspace: &Workspace, hooks: Value) {
    let dir = workspace.home.join(".claude");
    std::fs::create_dir_all(&dir).expect("user settings dir");
    std::fs::write(
        dir.join("settings.json"),
        json!({ "hooks": hooks }).to_string(),
    )
    .expect("user settings");
}

/// Writes a hook script outside the repository; returns the command that
/// runs it.
pub fn script(workspace: &Workspace, name: &str, body: &str) -> String {
    let dir = workspace.home.join("hook-scripts");
    std::fs::create_dir_all(&dir).expect("script dir");
    let path = dir.join(name);
    std::fs::write(&path, body).expect("script");
    format!("sh {}", path.display())
}

/// One matcher group with one command hook.
pub fn group(matcher: Option<&str>, command: &str, timeout: Option<f64>) -> Value {
    let mut hook = json!({"type": "command", "command": command});
    if let Some(timeout) = timeout {
        hook["timeout"] = json!(timeout);
    }
    match matcher {
        Some(matcher) => json!({"matcher": matcher, "hooks": [hook]}),
        None => json!({"hooks": [hook]}),
    }
}

/// A scenario from its JSON turns.
pub fn scenario(turns: Value) -> Scenario {
    Scenario::from_json_str(&json!({ "turns": turns }).to_string()).expect("scenario parses")
}

/// `rudder -p <prompt>` with stream-json output and hook events, plus
/// `extra` arguments.
pub fn run(workspace: &Workspace, server: &MockServer, prompt: &str, extra: &[&str]) -> Output {
    workspace
        .rudder(server)
        .args([
            "-p",
            prompt,
            "--output-format",
            "stream-json",
            "--verbose",
            "--include-hook-events",
        ])
        .args(extra)
        .output()
        .expect("rudder runs")
}

/// The `system` records of `subtype` in a run's output.
pub fn system_records(output: &Output, subtype: &str) -> Vec<Value> {
    records(output)
        .into_iter()
        .filter(|record| record["type"] == "system" && record["subtype"] == subtype)
        .collect()
}

/// Every `tool_result` block the run printed.
pub fn tool_results(output: &Output) -> Vec<Value> {
    records(output)
        .iter()
        .filter(|record| record["type"] == "user")
        .flat_map(|record| {
            record["message"]["content"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|block| block["type"] == "tool_result")
        .collect()
}

/// The single transcript's lines.
pub fn transcript(workspace: &Workspace) -> Vec<Value> {
    let files = workspace.transcripts();
    assert_eq!(files.len(), 1, "one transcript: {files:?}");
    transcript_lines(&files[0])
}

/// The transcript's `rudder-hook` lines.
pub fn hook_lines(workspace: &Workspace) -> Vec<Value> {
    transcript(workspace)
        .into_iter()
        .filter(|line| line["type"] == "rudder-hook")
        .collect()
}

/// The whole request as JSON text (to look for text anywhere in it).
pub fn request_text(request: &MessagesRequest) -> String {
    serde_json::to_string(request).expect("request serializes")
}

/// The text of the last user message of `request`.
pub fn last_user_text(request: &MessagesRequest) -> String {
    let last = request.messages.last().expect("a message");
    serde_json::to_string(&last.content).expect("content serializes")
}

/// Fails with the run's stderr when it did not end with a successful
/// result.
pub fn assert_success(output: &Output) -> Value {
    let result = super::support::result_of(output);
    assert_eq!(
        result["subtype"],
        "success",
        "{result}\nstderr: {}",
        stderr(output)
    );
    result
}

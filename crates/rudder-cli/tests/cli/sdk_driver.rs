//! A stand-in for the Agent SDK written in the test itself: it runs
//! `rudder` in stream-json mode with `--permission-prompt-tool stdio`,
//! sends one user message, answers every `can_use_tool` control request
//! with a callback, and collects the records up to the `result`. Needs no
//! Python, so the control-protocol behaviour is tested everywhere; the
//! official SDK's own run is in `agent_sdk.rs`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

/// What one SDK-driven run produced.
pub struct SdkRun {
    /// Every stdout record, in order.
    pub records: Vec<Value>,
    /// The `can_use_tool` requests rudder sent (their `request` objects).
    pub asked: Vec<Value>,
    /// The process exit code.
    pub code: Option<i32>,
    /// stderr as text.
    pub stderr: String,
}

impl SdkRun {
    /// The `result` record.
    pub fn result(&self) -> &Value {
        self.records
            .iter()
            .rev()
            .find(|record| record["type"] == "result")
            .unwrap_or_else(|| panic!("no result record; stderr: {}", self.stderr))
    }

    /// The `system` records of one subtype.
    pub fn system(&self, subtype: &str) -> Vec<&Value> {
        self.records
            .iter()
            .filter(|record| record["type"] == "system" && record["subtype"] == subtype)
            .collect()
    }
}

/// Runs `command` (a prepared `rudder`) as the SDK would: stream-json in
/// and out, permission prompts over stdio. `answer` gets each
/// `can_use_tool` request and returns the response body
/// (`{"behavior": …}`).
pub fn drive(
    mut command: Command,
    prompt: &str,
    mut answer: impl FnMut(&Value) -> Value,
) -> SdkRun {
    let mut child = command
        .args([
            "--output-format",
            "stream-json",
            "--verbose",
            "--input-format",
            "stream-json",
            "--permission-prompt-tool",
            "stdio",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let user = json!({"type": "user", "message": {"role": "user", "content": prompt},
                      "parent_tool_use_id": null, "session_id": "default"});
    writeln!(stdin, "{user}").unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut records = Vec::new();
    let mut asked = Vec::new();
    let mut stdin = Some(stdin);
    for line in stdout.lines() {
        let line = line.unwrap();
        if line.trim().is_empty() {
            continue;
        }
        let record: Value = serde_json::from_str(&line).unwrap();
        if record["type"] == "control_request" && record["request"]["subtype"] == "can_use_tool" {
            asked.push(record["request"].clone());
            let response = json!({"type": "control_response", "response": {
                "subtype": "success", "request_id": record["request_id"],
                "response": answer(&record["request"])}});
            if let Some(stdin) = stdin.as_mut() {
                writeln!(stdin, "{response}").unwrap();
            }
        }
        let done = record["type"] == "result";
        records.push(record);
        if done {
            // Closing stdin ends the session after this turn.
            stdin = None;
        }
    }
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    SdkRun {
        records,
        asked,
        code: output.status.code(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

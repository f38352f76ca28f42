//! MCP in a live stream-json session (the Agent SDK's mode): `mcp_status`
//! reports real statuses and tools, `/mcp__<server>__<prompt> args` runs
//! the server's prompt, an `@server:uri` mention attaches the resource,
//! `mcp_reconnect` and `mcp_toggle` act on the server; and
//! `--permission-prompt-tool mcp__…` lets an MCP tool allow or deny calls.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rudder_testkit::{MockServer, Scenario};
use serde_json::{Value, json};

use super::mcp_support::{
    last_user_text, mcp_config, node_server, python_mcp_available, require_server, result_text,
    tool_results,
};
use super::support::{Workspace, model_requests, records, result_of, stderr};

/// A running stream-json session: its stdin and a channel of stdout records.
pub struct Live {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<Value>,
    next_id: u32,
}

impl Live {
    /// Starts `command` (already pointed at the workspace) in stream-json mode.
    pub fn start(mut command: std::process::Command) -> Self {
        let mut child = command
            .args([
                "-p",
                "--input-format",
                "stream-json",
                "--output-format",
                "stream-json",
                "--verbose",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("rudder starts");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(value) = serde_json::from_str::<Value>(&line)
                    && sender.send(value).is_err()
                {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Self {
            child,
            stdin,
            lines,
            next_id: 0,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn send(&mut self, value: &Value) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{value}").expect("write to rudder");
        stdin.flush().expect("flush");
    }

    /// Sends a user message and returns the records up to its `result`.
    pub fn prompt(&mut self, text: &str) -> Vec<Value> {
        self.send(
            &json!({"type": "user", "message": {"role": "user", "content": text},
            "parent_tool_use_id": null, "session_id": "default"}),
        );
        self.until(|record| record["type"] == "result")
    }

    /// Sends a control request and returns its answer's `response` object.
    pub fn control(&mut self, request: Value) -> Value {
        self.next_id += 1;
        let id = format!("test_{}", self.next_id);
        self.send(&json!({"type": "control_request", "request_id": id, "request": request}));
        let records = self.until(|record| {
            record["type"] == "control_response" && record["response"]["request_id"] == id.as_str()
        });
        records.last().cloned().unwrap_or(Value::Null)["response"].clone()
    }

    /// Polls `mcp_status` until `server` has `status`, for up to 90 s.
    pub fn wait_status(&mut self, server: &str, status: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let answer = self.control(json!({"subtype": "mcp_status"}));
            let entry = answer["response"]["mcpServers"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|entry| entry["name"] == server)
                .cloned()
                .unwrap_or(Value::Null);
            if entry["status"] == status {
                return entry;
            }
            assert!(
                Instant::now() < deadline,
                "{server} never became {status}: {entry}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn until(&mut self, done: impl Fn(&Value) -> bool) -> Vec<Value> {
        let mut seen = Vec::new();
        loop {
            let record = self
                .lines
                .recv_timeout(Duration::from_secs(120))
                .unwrap_or_else(|_| panic!("no more output; saw {seen:?}"));
            let finished = done(&record);
            seen.push(record);
            if finished {
                return seen;
            }
        }
    }

    /// Closes stdin and waits for the exit; returns the exit code.
    pub fn finish(mut self) -> Option<i32> {
        drop(self.stdin.take());
        self.child.wait().expect("rudder exits").code()
    }

    /// Waits for the process to exit (after a signal); returns it.
    pub fn wait(mut self) -> std::process::ExitStatus {
        self.child.wait().expect("rudder exits")
    }
}

#[test]
fn prompts_mentions_status_reconnect_and_toggle_in_a_live_session() {
    let Some(everything) = require_server("server-everything") else {
        return;
    };
    let workspace = Workspace::git(&[("README.md", "demo\n")]);
    let server = MockServer::spawn(
        Scenario::from_json_str(
            &json!({"turns": [
                {"when": "weather in Paris", "content": [{"type": "text", "text": "Sunny."}]},
                {"when": "<mcp-resource server=\"everything\"", "content": [{"type": "text", "text": "Read."}]}
            ]})
            .to_string(),
        )
        .unwrap(),
    )
    .unwrap();
    let mut command = workspace.rudder(&server);
    command.args([
        "--mcp-config",
        &mcp_config(json!({"everything": node_server(&everything, &["stdio"])})),
    ]);
    let mut live = Live::start(command);
    let connected = live.wait_status("everything", "connected");
    assert_eq!(connected["scope"], "dynamic");
    assert!(
        connected["tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|tool| tool["name"] == "echo"),
        "{connected}"
    );

    let first = live.prompt("/mcp__everything__args-prompt Paris");
    assert_eq!(first.last().unwrap()["result"], "Sunny.", "{first:?}");
    let second =
        live.prompt("summarize @everything:demo://resource/static/document/architecture.md please");
    assert_eq!(second.last().unwrap()["result"], "Read.", "{second:?}");

    let answer = live.control(json!({"subtype": "mcp_reconnect", "serverName": "everything"}));
    assert_eq!(answer["subtype"], "success", "{answer}");
    live.wait_status("everything", "connected");
    let answer = live
        .control(json!({"subtype": "mcp_toggle", "serverName": "everything", "enabled": false}));
    assert_eq!(answer["subtype"], "success", "{answer}");
    live.wait_status("everything", "disabled");
    let answer =
        live.control(json!({"subtype": "mcp_toggle", "serverName": "everything", "enabled": true}));
    assert_eq!(answer["subtype"], "success", "{answer}");
    live.wait_status("everything", "connected");
    let answer = live.control(json!({"subtype": "mcp_reconnect", "serverName": "nope"}));
    assert_eq!(answer["subtype"], "error", "{answer}");
    assert_eq!(live.finish(), Some(0));

    let requests = model_requests(&server);
    assert_eq!(requests.len(), 2);
    let expanded = last_user_text(&requests[0]);
    assert!(expanded.contains("What's weather in Paris?"), "{expanded}");
    assert!(
        !expanded.contains("/mcp__everything__args-prompt"),
        "{expanded}"
    );
    let attached = last_user_text(&requests[1]);
    assert!(
        attached.contains(
            "<mcp-resource server=\"everything\" uri=\"demo://resource/static/document/architecture.md\">"
        ),
        "{attached}"
    );
}

const APPROVER: &str = r#"
import json
try:
    from mcp.server.mcpserver import MCPServer as Server  # mcp 2.x
except ImportError:
    from mcp.server.fastmcp import FastMCP as Server  # mcp 1.x

mcp = Server("approver")

@mcp.tool()
def approve(tool_name: str, input: dict, tool_use_id: str) -> str:
    """Allows every call, touching a different file than asked."""
    changed = dict(input)
    changed["command"] = "touch approved-by-mcp.txt"
    return json.dumps({"behavior": "allow", "updatedInput": changed})

@mcp.tool()
def refuse(tool_name: str, input: dict, tool_use_id: str) -> str:
    """Denies every call."""
    return json.dumps({"behavior": "deny", "message": f"{tool_name} refused by policy bot ({tool_use_id})"})

mcp.run()
"#;

#[test]
fn an_mcp_permission_prompt_tool_allows_with_updated_input_and_denies() {
    if !python_mcp_available() {
        return;
    }
    let workspace = Workspace::git(&[("README.md", "demo\n")]);
    std::fs::write(workspace.home.join("approver.py"), APPROVER).unwrap();
    let config = mcp_config(json!({"approver": {"command": "python3",
        "args": [workspace.home.join("approver.py").display().to_string()]}}));
    for (tool, allowed) in [
        ("mcp__approver__approve", true),
        ("mcp__approver__refuse", false),
    ] {
        let server = MockServer::spawn(
            Scenario::from_json_str(
                &json!({"turns": [
                    {"content": [{"type": "tool_use", "name": "Bash",
                        "input": {"command": "touch asked.txt", "description": "Touch"}}]},
                    {"content": [{"type": "text", "text": "Finished."}]}
                ]})
                .to_string(),
            )
            .unwrap(),
        )
        .unwrap();
        let output = workspace
            .rudder(&server)
            .args([
                "-p",
                "touch a file",
                "--output-format",
                "stream-json",
                "--verbose",
            ])
            .args(["--mcp-config", &config, "--permission-prompt-tool", tool])
            .output()
            .expect("rudder runs");
        let result = result_of(&output);
        assert_eq!(
            result["subtype"],
            "success",
            "{result}\nstderr: {}",
            stderr(&output)
        );
        let results = tool_results(&records(&output));
        if allowed {
            assert!(
                workspace.repo.join("approved-by-mcp.txt").exists(),
                "{results:?}"
            );
            assert!(!workspace.repo.join("asked.txt").exists());
            assert_eq!(result["permission_denials"], json!([]));
        } else {
            assert_eq!(results[0]["is_error"], true);
            let text = result_text(&results[0]);
            assert!(
                text.starts_with("Bash refused by policy bot (toolu_"),
                "{text}"
            );
            assert_eq!(result["permission_denials"][0]["tool_name"], "Bash");
        }
    }
}

#[test]
fn a_permission_prompt_tool_of_no_configured_server_is_a_usage_error() {
    let workspace = Workspace::git(&[("README.md", "demo\n")]);
    let server = MockServer::spawn(Scenario::new(Vec::new())).unwrap();
    let output = workspace
        .rudder(&server)
        .args([
            "-p",
            "hi",
            "--permission-prompt-tool",
            "mcp__nowhere__approve",
        ])
        .output()
        .expect("rudder runs");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("mcp__nowhere__approve"));
}

#[test]
fn tools_connected_before_the_first_request_are_listed_unless_their_schemas_are_deferred() {
    let Some(everything) = require_server("server-everything") else {
        return;
    };
    for (share, listed) in [("10", true), ("0", false)] {
        let workspace = Workspace::git(&[("README.md", "demo\n")]);
        let server = MockServer::spawn(
            Scenario::from_json_str(
                &json!({"turns": [
                    {"content": [{"type": "tool_use", "name": "mcp__everything__echo", "input": {"message": "listed"}}]},
                    {"when": "Echo: listed", "content": [{"type": "text", "text": "ok"}]}
                ]})
                .to_string(),
            )
            .unwrap(),
        )
        .unwrap();
        let mut command = workspace.rudder(&server);
        command.env("RUDDER_MCP_DEFER_SHARE", share).args([
            "--mcp-config",
            &mcp_config(json!({"everything": node_server(&everything, &["stdio"])})),
            "--allowedTools",
            "mcp__everything__echo",
        ]);
        let mut live = Live::start(command);
        live.wait_status("everything", "connected");
        let records = live.prompt("echo something");
        assert_eq!(records.last().unwrap()["result"], "ok", "{records:?}");
        assert_eq!(live.finish(), Some(0));
        let requests = model_requests(&server);
        let names: Vec<&str> = requests[0].tools.iter().map(|tool| tool.name()).collect();
        assert_eq!(
            names.contains(&"mcp__everything__echo"),
            listed,
            "share {share}: {names:?}"
        );
        let opening = last_user_text(&requests[0]);
        assert_eq!(
            opening.contains("The MCP tools are deferred"),
            !listed,
            "share {share}: {opening}"
        );
        super::support::assert_prefixes_extend(&requests);
    }
}

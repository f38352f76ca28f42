//! Helpers of the MCP end-to-end tests: finding the npm servers (skip or
//! fail as `RUDDER_REQUIRE_MCP_SERVERS` says), `--mcp-config` values, the
//! tool results of a run, and a census of the processes a run left behind
//! (every descendant inherits a marker variable, found in
//! `/proc/<pid>/environ` wherever the process was reparented to).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The global `dist/index.js` of `@modelcontextprotocol/<name>`; `None`
/// when not installed.
pub fn npm_server(name: &str) -> Option<PathBuf> {
    let output = std::process::Command::new("npm")
        .args(["root", "-g"])
        .output()
        .ok()?;
    let root = String::from_utf8(output.stdout).ok()?;
    let entry = Path::new(root.trim())
        .join("@modelcontextprotocol")
        .join(name)
        .join("dist/index.js");
    entry.is_file().then_some(entry)
}

/// The server's entry point, or `None` after a skip notice; a failure when
/// `RUDDER_REQUIRE_MCP_SERVERS=1` (CI).
pub fn require_server(name: &str) -> Option<String> {
    match npm_server(name) {
        Some(path) => Some(path.display().to_string()),
        None => {
            assert!(
                std::env::var("RUDDER_REQUIRE_MCP_SERVERS").as_deref() != Ok("1"),
                "@modelcontextprotocol/{name} is not installed and RUDDER_REQUIRE_MCP_SERVERS=1"
            );
            eprintln!(
                "SKIPPED: @modelcontextprotocol/{name} is not installed \
                 (npm install -g @modelcontextprotocol/server-everything @modelcontextprotocol/server-filesystem)"
            );
            None
        }
    }
}

/// Whether the official Python MCP SDK is importable; a failure when it is
/// not and `RUDDER_REQUIRE_PY_SDKS=1` (CI), else a skip notice.
pub fn python_mcp_available() -> bool {
    let found = std::process::Command::new("python3")
        .args(["-c", "import mcp"])
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        assert!(
            std::env::var("RUDDER_REQUIRE_PY_SDKS").as_deref() != Ok("1"),
            "the Python MCP SDK is not installed but RUDDER_REQUIRE_PY_SDKS=1"
        );
        eprintln!("SKIPPED: the Python MCP SDK is not installed (pip install mcp)");
    }
    found
}

/// A `--mcp-config` value holding `servers` (`{"name": {entry}}`).
pub fn mcp_config(servers: Value) -> String {
    json!({ "mcpServers": servers }).to_string()
}

/// A stdio server entry running `node <entry> <args…>`.
pub fn node_server(entry: &str, args: &[&str]) -> Value {
    let mut argv = vec![entry.to_owned()];
    argv.extend(args.iter().map(|arg| (*arg).to_owned()));
    json!({"command": "node", "args": argv})
}

/// The `tool_result` blocks of a stream-json run, in order.
pub fn tool_results(records: &[Value]) -> Vec<Value> {
    records
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

/// A `tool_result`'s text (string content, or its text blocks joined).
pub fn result_text(block: &Value) -> String {
    match &block["content"] {
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .filter_map(|item| item["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The text of the last user message of a request body (its text blocks
/// and tool results).
pub fn last_user_text(request: &rudder_protocol::MessagesRequest) -> String {
    let value = serde_json::to_value(request).expect("request serializes");
    let messages = value["messages"].as_array().cloned().unwrap_or_default();
    let last = messages.last().cloned().unwrap_or(Value::Null);
    last["content"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|block| match block["type"].as_str() {
            Some("text") => block["text"].as_str().unwrap_or_default().to_owned(),
            Some("tool_result") => result_text(block),
            _ => String::new(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A marker unique to one test run, to set as `RUDDER_E2E_MARKER`.
pub fn new_marker() -> String {
    format!("rudder-e2e-{}", uuid::Uuid::new_v4().simple())
}

/// Live processes (not zombies) whose environment holds
/// `RUDDER_E2E_MARKER=<marker>`.
pub fn marked_processes(marker: &str) -> Vec<i32> {
    let needle = format!("RUDDER_E2E_MARKER={marker}");
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        if environ
            .split(|byte| *byte == 0)
            .any(|item| item == needle.as_bytes())
        {
            let zombie = std::fs::read_to_string(entry.path().join("stat"))
                .ok()
                .and_then(|stat| {
                    stat.rsplit_once(')')
                        .map(|(_, rest)| rest.trim_start().starts_with('Z'))
                })
                .unwrap_or(false);
            if !zombie {
                found.push(pid);
            }
        }
    }
    found
}

/// Polls until no marked process is left, for at most `limit`; returns the
/// survivors with their command lines (empty on success).
pub fn wait_unmarked(marker: &str, limit: Duration) -> Vec<String> {
    let deadline = Instant::now() + limit;
    loop {
        let left = marked_processes(marker);
        if left.is_empty() {
            return Vec::new();
        }
        if Instant::now() >= deadline {
            return left
                .iter()
                .map(|pid| {
                    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
                        .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " "))
                        .unwrap_or_default();
                    format!("{pid}: {cmdline}")
                })
                .collect();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

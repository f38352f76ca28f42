//! MCP tools through the agent, end to end (issue 7 acceptance): the real
//! binary, the scripted model and the real npm servers over stdio,
//! streamable HTTP and legacy SSE. The model finds tools with ToolSearch and
//! calls them with CallMcpTool or by name; a long-running and a large-output
//! tool run; a server that connects late never changes the cached prefix
//! (also across a resume); a hanging server does not delay the first
//! request, and a crashing one is reported to the model after its restarts.

use std::process::Stdio;
use std::time::{Duration, Instant};

use rudder_protocol::MessagesRequest;
use rudder_testkit::{MockServer, Scenario};
use serde_json::{Value, json};

use super::mcp_support::{
    last_user_text, mcp_config, node_server, require_server, result_text, tool_results,
};
use super::support::{
    Workspace, assert_prefixes_extend, model_requests, records, result_of, stderr,
};

fn scenario(turns: Value) -> Scenario {
    Scenario::from_json_str(&json!({ "turns": turns }).to_string()).expect("scenario parses")
}

/// The tools array of a request, serialized without cache markers.
fn tools_bytes(request: &MessagesRequest) -> String {
    let mut value = serde_json::to_value(&request.tools).expect("tools serialize");
    for tool in value.as_array_mut().into_iter().flatten() {
        if let Some(object) = tool.as_object_mut() {
            object.remove("cache_control");
        }
    }
    value.to_string()
}

/// Asserts every request sent the same tools block.
fn assert_same_tools(requests: &[MessagesRequest]) {
    let first = tools_bytes(&requests[0]);
    for (index, request) in requests.iter().enumerate() {
        assert_eq!(
            tools_bytes(request),
            first,
            "request {index} changed the tools block"
        );
    }
}

#[test]
fn everything_tools_through_the_agent_over_stdio() {
    let Some(everything) = require_server("server-everything") else {
        return;
    };
    let workspace = Workspace::git(&[("README.md", "demo\n")]);
    let server = MockServer::spawn(scenario(json!([
        {"content": [{"type": "tool_use", "name": "ToolSearch", "input": {"query": "echo"}}]},
        {"when": "mcp__everything__echo", "content": [{"type": "tool_use", "name": "CallMcpTool",
            "input": {"name": "mcp__everything__echo", "arguments": {"message": "from rudder"}}}]},
        {"when": "Echo: from rudder", "content": [{"type": "tool_use",
            "name": "mcp__everything__trigger-long-running-operation", "input": {"duration": 2, "steps": 2}}]},
        {"when": "completed", "content": [{"type": "tool_use", "name": "CallMcpTool",
            "input": {"name": "mcp__everything__get-sum", "arguments": {"a": 2, "b": 3}}}]},
        {"content": [{"type": "text", "text": "All done."}]}
    ])))
    .expect("server starts");
    let started = Instant::now();
    let output = workspace
        .rudder(&server)
        .args([
            "-p",
            "use the everything server",
            "--output-format",
            "stream-json",
            "--verbose",
        ])
        .args([
            "--mcp-config",
            &mcp_config(json!({"everything": node_server(&everything, &["stdio"])})),
        ])
        .args(["--allowedTools", "mcp__everything"])
        .output()
        .expect("rudder runs");
    let result = result_of(&output);
    assert_eq!(
        result["subtype"],
        "success",
        "{result}\nstderr: {}",
        stderr(&output)
    );
    assert_eq!(result["result"], "All done.");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "the long-running tool ran"
    );

    let records = records(&output);
    assert_eq!(records[0]["mcp_servers"][0]["name"], "everything");
    let tools: Vec<&str> = records[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for fixed in [
        "CallMcpTool",
        "ListMcpResourcesTool",
        "ReadMcpResourceTool",
        "ToolSearch",
    ] {
        assert!(tools.contains(&fixed), "{tools:?}");
    }
    let results = tool_results(&records);
    assert_eq!(results.len(), 4, "{results:?}");
    assert!(
        results.iter().all(|block| block["is_error"] != true),
        "{results:?}"
    );
    let search = result_text(&results[0]);
    assert!(
        search.contains("\"name\":\"mcp__everything__echo\""),
        "{search}"
    );
    assert!(search.contains("\"input_schema\""), "{search}");
    assert_eq!(result_text(&results[1]), "Echo: from rudder");
    assert!(
        result_text(&results[2]).contains("completed"),
        "{}",
        result_text(&results[2])
    );
    assert!(
        result_text(&results[3]).contains('5'),
        "{}",
        result_text(&results[3])
    );

    let requests = model_requests(&server);
    assert_eq!(requests.len(), 5);
    assert_prefixes_extend(&requests);
    assert_same_tools(&requests);
}

#[test]
fn a_large_filesystem_output_is_capped_and_spilled() {
    let Some(filesystem) = require_server("server-filesystem") else {
        return;
    };
    let big: String = (0..8000)
        .map(|i| format!("line {i:05} of a big file\n"))
        .collect();
    let workspace = Workspace::git(&[("data/big.txt", big.as_str())]);
    let data = workspace.path("data");
    let server = MockServer::spawn(scenario(json!([
        {"content": [{"type": "tool_use", "name": "CallMcpTool", "input": {
            "name": "mcp__fs__read_text_file", "arguments": {"path": workspace.path("data/big.txt")}}}]},
        {"content": [{"type": "text", "text": "Read it."}]}
    ])))
    .expect("server starts");
    let output = workspace
        .rudder(&server)
        .env("MAX_MCP_OUTPUT_TOKENS", "10000")
        .args([
            "-p",
            "read the big file",
            "--output-format",
            "stream-json",
            "--verbose",
        ])
        .args([
            "--mcp-config",
            &mcp_config(json!({"fs": node_server(&filesystem, &[&data])})),
        ])
        .args(["--allowedTools", "mcp__fs__read_text_file"])
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
    let text = result_text(&results[0]);
    assert!(
        text.starts_with("[Output too large"),
        "{}",
        &text[..text.len().min(300)]
    );
    assert!(text.contains("line 00000") && text.contains("line 07999"));
    assert!(
        text.len() < 5_000,
        "the preview is short: {} bytes",
        text.len()
    );
    let path = text
        .split_whitespace()
        .find(|word| word.contains("tool-results/mcp-fs-read_text_file"))
        .map(|word| word.trim_end_matches(['.', ';']))
        .expect("the spill path is named");
    assert_eq!(std::fs::read_to_string(path).unwrap(), big);
}

/// server-everything serving `mode` (`streamableHttp` or `sse`) on a free
/// port (its `PORT` variable), once it listens.
fn everything_listening(everything: &str, mode: &str) -> (std::process::Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap();
    let child = std::process::Command::new("node")
        .args([everything, mode])
        .env("PORT", port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the {mode} server did not listen"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (child, port)
}

/// Runs the agent with one remote server `web` (`entry`) whose `echo` tool
/// the model finds with ToolSearch and calls by name; returns the text of
/// that call's result.
fn echo_through_the_agent(entry: Value, message: &str) -> String {
    let workspace = Workspace::git(&[("README.md", "demo\n")]);
    let echoed = format!("Echo: {message}");
    let server = MockServer::spawn(scenario(json!([
        {"content": [{"type": "tool_use", "name": "ToolSearch", "input": {"query": "select:mcp__web__echo"}}]},
        {"when": "mcp__web__echo", "content": [{"type": "tool_use", "name": "mcp__web__echo",
            "input": {"message": message}}]},
        {"when": echoed, "content": [{"type": "text", "text": "Remote works."}]}
    ])))
    .expect("server starts");
    let output = workspace
        .rudder(&server)
        .args([
            "-p",
            "echo through the remote server",
            "--output-format",
            "stream-json",
            "--verbose",
        ])
        .args(["--mcp-config", &mcp_config(json!({ "web": entry }))])
        .args(["--allowedTools", "mcp__web__echo"])
        .output()
        .expect("rudder runs");
    let result = result_of(&output);
    assert_eq!(
        result["subtype"],
        "success",
        "{result}\nstderr: {}",
        stderr(&output)
    );
    assert_eq!(result["result"], "Remote works.");
    let results = tool_results(&records(&output));
    result_text(&results[1])
}

#[test]
fn everything_over_streamable_http() {
    echo_over_remote("streamableHttp", "http", "/mcp");
}

#[test]
fn everything_over_legacy_sse() {
    echo_over_remote("sse", "sse", "/sse");
}

/// Serves server-everything over its `transport` (`streamableHttp` or
/// `sse`) and has the agent call its echo tool through an MCP config of
/// `kind` (`http` or `sse`) pointing at `path`.
fn echo_over_remote(transport: &str, kind: &str, path: &str) {
    let Some(everything) = require_server("server-everything") else {
        return;
    };
    let (mut server, port) = everything_listening(&everything, transport);
    let url = format!("http://127.0.0.1:{port}{path}");
    let message = format!("over {kind}");
    let echoed = echo_through_the_agent(json!({"type": kind, "url": url}), &message);
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(echoed, format!("Echo: {message}"));
}

#[test]
fn a_late_server_never_changes_the_cached_prefix_even_across_a_resume() {
    let Some(everything) = require_server("server-everything") else {
        return;
    };
    let workspace = Workspace::git(&[("README.md", "demo\n")]);
    let late = json!({"late": {"command": "sh",
        "args": ["-c", format!("sleep 3; exec node {everything} stdio")]}});
    let server = MockServer::spawn(scenario(json!([
        {"content": [{"type": "tool_use", "name": "ToolSearch", "input": {"query": "echo"}}]},
        {"when": "mcp__late__echo", "content": [{"type": "tool_use", "name": "CallMcpTool",
            "input": {"name": "mcp__late__echo", "arguments": {"message": "late"}}}]},
        {"when": "Echo: late", "content": [{"type": "text", "text": "first done"}]},
        {"when": "again", "content": [{"type": "tool_use", "name": "mcp__late__echo",
            "input": {"message": "after resume"}}]},
        {"when": "Echo: after resume", "content": [{"type": "text", "text": "second done"}]}
    ])))
    .expect("server starts");
    let config = mcp_config(late);
    let first = workspace
        .rudder(&server)
        .args([
            "-p",
            "use the late server",
            "--output-format",
            "stream-json",
            "--verbose",
        ])
        .args(["--mcp-config", &config, "--allowedTools", "mcp__late"])
        .output()
        .expect("rudder runs");
    let result = result_of(&first);
    assert_eq!(
        result["subtype"],
        "success",
        "{result}\nstderr: {}",
        stderr(&first)
    );
    let requests = model_requests(&server);
    assert_eq!(requests.len(), 3);
    let opening = last_user_text(&requests[0]);
    assert!(
        opening.contains("MCP server `late` is not connected yet"),
        "{opening}"
    );
    let announced = last_user_text(&requests[1]);
    assert!(
        announced.contains("MCP tools available now that are not in your tool list")
            && announced.contains("`mcp__late__echo`"),
        "{announced}"
    );
    assert!(!tools_bytes(&requests[0]).contains("mcp__late__"));

    let session_id = result["session_id"].as_str().unwrap().to_owned();
    let resumed = workspace
        .rudder(&server)
        .args(["-p", "again", "--resume", &session_id])
        .args(["--output-format", "stream-json", "--verbose"])
        .args(["--mcp-config", &config, "--allowedTools", "mcp__late"])
        .output()
        .expect("rudder runs");
    let result = result_of(&resumed);
    assert_eq!(
        result["subtype"],
        "success",
        "{result}\nstderr: {}",
        stderr(&resumed)
    );
    let requests = model_requests(&server);
    assert_eq!(requests.len(), 5);
    assert_prefixes_extend(&requests);
    assert_same_tools(&requests);
}

#[test]
fn a_hanging_server_does_not_delay_the_first_request_and_a_crashing_one_is_reported() {
    let workspace = Workspace::git(&[("README.md", "demo\n")]);
    let server = MockServer::spawn(scenario(json!([
        {"content": [{"type": "tool_use", "name": "Bash", "input": {"command": "sleep 4", "description": "Wait"}}]},
        {"when": "gave up after 2 restarts", "content": [{"type": "text", "text": "The crash server is down."}]}
    ])))
    .expect("server starts");
    let config = mcp_config(json!({
        "hang": {"command": "sh", "args": ["-c", "exec sleep 600"]},
        "crash": {"command": "sh", "args": ["-c", "echo broken >&2; exit 3"]}
    }));
    let started = Instant::now();
    let output = workspace
        .rudder(&server)
        .env("MCP_TIMEOUT", "120000")
        .env("RUDDER_MCP_MAX_RESTARTS", "2")
        .args(["-p", "hello", "--output-format", "stream-json", "--verbose"])
        .args(["--mcp-config", &config, "--allowedTools", "Bash(sleep 4)"])
        .output()
        .expect("rudder runs");
    let elapsed = started.elapsed();
    let result = result_of(&output);
    assert_eq!(
        result["subtype"],
        "success",
        "{result}\nstderr: {}",
        stderr(&output)
    );
    assert!(elapsed < Duration::from_secs(15), "took {elapsed:?}");
    let requests = model_requests(&server);
    let opening = last_user_text(&requests[0]);
    assert!(
        opening.contains("MCP server `hang` is not connected yet"),
        "{opening}"
    );
    let report = last_user_text(&requests[1]);
    assert!(
        report.contains("MCP server `crash` is unavailable (failed: ")
            && report.contains("exit status: 3"),
        "{report}"
    );
}

#[test]
fn an_mcp_call_nobody_allowed_is_denied_under_its_own_name() {
    let Some(everything) = require_server("server-everything") else {
        return;
    };
    let workspace = Workspace::git(&[("README.md", "demo\n")]);
    let server = MockServer::spawn(scenario(json!([
        {"content": [{"type": "tool_use", "name": "CallMcpTool",
            "input": {"name": "mcp__everything__echo", "arguments": {"message": "no"}}}]},
        {"content": [{"type": "text", "text": "Denied, as expected."}]}
    ])))
    .expect("server starts");
    let output = workspace
        .rudder(&server)
        .args(["-p", "echo", "--output-format", "stream-json", "--verbose"])
        .args([
            "--mcp-config",
            &mcp_config(json!({"everything": node_server(&everything, &["stdio"])})),
        ])
        .output()
        .expect("rudder runs");
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let result = result_of(&output);
    assert_eq!(
        result["permission_denials"],
        json!([{"tool_name": "mcp__everything__echo",
                "tool_use_id": result["permission_denials"][0]["tool_use_id"],
                "tool_input": {"message": "no"}}])
    );
    let results = tool_results(&records(&output));
    assert_eq!(results[0]["is_error"], true);
    assert!(
        result_text(&results[0]).contains("mcp__everything__echo"),
        "{results:?}"
    );
}

/// A subagent that inherits the session's MCP servers shares them: when it
/// ends, they keep serving the main conversation.
#[test]
fn the_servers_outlive_a_subagent_that_inherited_them() {
    let Some(everything) = require_server("server-everything") else {
        return;
    };
    let workspace = Workspace::git(&[("README.md", "demo\n")]);
    let server = MockServer::spawn(scenario(json!([
        {"when": "delegate, then echo", "content": [{"type": "tool_use", "name": "Task", "input": {
            "description": "Greet the team", "prompt": "Say hi to the team",
            "subagent_type": "general-purpose"}}]},
        {"when": "Say hi to the team", "content": [{"type": "text", "text": "Hi team."}]},
        {"when": "Hi team.", "content": [{"type": "tool_use", "name": "CallMcpTool",
            "input": {"name": "mcp__everything__echo", "arguments": {"message": "after the subagent"}}}]},
        {"when": "Echo: after the subagent", "content": [{"type": "text", "text": "Still connected."}]}
    ])))
    .expect("server starts");
    let output = workspace
        .rudder(&server)
        .args(["-p", "delegate, then echo", "--output-format", "json"])
        .args([
            "--mcp-config",
            &mcp_config(json!({"everything": node_server(&everything, &["stdio"])})),
        ])
        .args(["--allowedTools", "mcp__everything"])
        .output()
        .expect("rudder runs");
    let result: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", stderr(&output)));
    assert_eq!(result["result"], "Still connected.", "{result}");
}

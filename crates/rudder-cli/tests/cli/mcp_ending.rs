//! No process outlives its session (issue 7 acceptance, USER-PAINS.md
//! §4.1): with server-everything launched through `npx` (which adds its own
//! process layers) and a server that ignores stdin EOF, zero descendants of
//! rudder remain 5 s after the session ends — by a normal exit, SIGINT,
//! SIGTERM or SIGHUP — and after a parent SIGKILL, 5 s after the next
//! start, whose reaper cleans up.

use std::time::Duration;

use rudder_testkit::{MockServer, Scenario};
use serde_json::json;

use super::mcp_flow::Live;
use super::mcp_support::{marked_processes, mcp_config, new_marker, require_server, wait_unmarked};
use super::support::{Workspace, result_of, stderr};

/// Sends `signal` (`INT`, `TERM`, `HUP`, `KILL`) to `pid` with kill(1).
fn send(signal: &str, pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-s", signal, &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -s {signal} {pid}");
}

/// The servers of every ending test.
fn servers() -> String {
    mcp_config(json!({
        "everything": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-everything", "stdio"]},
        "stubborn": {"command": "sh", "args": ["-c", "sleep 300 & sleep 300 & wait"]}
    }))
}

/// A session in stream-json mode, with everything connected.
fn live_session(workspace: &Workspace, server: &MockServer, marker: &str) -> Live {
    let mut command = workspace.rudder(server);
    command
        .env("RUDDER_E2E_MARKER", marker)
        .args(["--mcp-config", &servers()]);
    let mut live = Live::start(command);
    live.wait_status("everything", "connected");
    assert!(
        marked_processes(marker).len() >= 4,
        "rudder, npx's layers, node and the stubborn shell should be running"
    );
    live
}

fn idle_server() -> MockServer {
    MockServer::spawn(Scenario::new(Vec::new())).expect("server starts")
}

#[test]
fn nothing_is_left_after_a_normal_exit() {
    if require_server("server-everything").is_none() {
        return;
    }
    let workspace = Workspace::git(&[("README.md", "demo\n")]);
    let server = MockServer::spawn(
        Scenario::from_json_str(
            &json!({"turns": [
                {"content": [{"type": "tool_use", "name": "ToolSearch", "input": {"query": "select:mcp__everything__echo"}}]},
                {"content": [{"type": "text", "text": "Bye."}]}
            ]})
            .to_string(),
        )
        .unwrap(),
    )
    .unwrap();
    let marker = new_marker();
    let output = workspace
        .rudder(&server)
        .env("RUDDER_E2E_MARKER", &marker)
        .args(["-p", "hi", "--output-format", "stream-json", "--verbose"])
        .args(["--mcp-config", &servers()])
        .output()
        .expect("rudder runs");
    let result = result_of(&output);
    assert_eq!(
        result["subtype"],
        "success",
        "{result}\nstderr: {}",
        stderr(&output)
    );
    assert_eq!(
        wait_unmarked(&marker, Duration::from_secs(5)),
        Vec::<String>::new()
    );
}

fn nothing_is_left_after(signal: &str) {
    if require_server("server-everything").is_none() {
        return;
    }
    let workspace = Workspace::git(&[("README.md", "demo\n")]);
    let server = idle_server();
    let marker = new_marker();
    let live = live_session(&workspace, &server, &marker);
    send(signal, live.pid());
    let status = live.wait();
    assert_eq!(status.code(), Some(1), "{signal}: {status:?}");
    assert_eq!(
        wait_unmarked(&marker, Duration::from_secs(5)),
        Vec::<String>::new(),
        "{signal}"
    );
}

#[test]
fn nothing_is_left_after_sigint() {
    nothing_is_left_after("INT");
}

#[test]
fn nothing_is_left_after_sigterm() {
    nothing_is_left_after("TERM");
}

#[test]
fn nothing_is_left_after_sighup() {
    nothing_is_left_after("HUP");
}

#[test]
fn the_next_start_reaps_what_a_sigkilled_session_left() {
    if require_server("server-everything").is_none() {
        return;
    }
    let workspace = Workspace::git(&[("README.md", "demo\n")]);
    let server = idle_server();
    let marker = new_marker();
    let live = live_session(&workspace, &server, &marker);
    send("KILL", live.pid());
    live.wait();
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !marked_processes(&marker).is_empty(),
        "the stubborn server ignores stdin EOF, so a SIGKILLed rudder leaves it behind"
    );

    let next = MockServer::spawn(
        Scenario::from_json_str(
            &json!({"turns": [{"content": [{"type": "text", "text": "hi"}]}]}).to_string(),
        )
        .unwrap(),
    )
    .unwrap();
    let output = workspace
        .rudder(&next)
        .args(["-p", "hello"])
        .output()
        .expect("rudder runs");
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        wait_unmarked(&marker, Duration::from_secs(5)),
        Vec::<String>::new()
    );
}

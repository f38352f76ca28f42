//! The project MCP server dialog in a real terminal (tmux), against the
//! scripted model server: a `.mcp.json` server no setting approves is put
//! to the person at start-up, does not run before the answer, and once
//! approved starts in the same session and its tool answers the model
//! (CLAUDE-CODE-INTERFACE.md §6 "Project server approval"). Skipped, with
//! a note, where tmux is not installed.

use std::time::Duration;

use serde_json::{Value, json};

use super::support::Workspace;
use super::tmux_support::Tmux;
use super::tui::scenario;

#[test]
fn an_approved_project_server_starts_in_the_session_and_its_tool_works() {
    // The server is rudder's own `mcp serve`, behind a shell that leaves a
    // mark when it starts.
    let rudder = env!("CARGO_BIN_EXE_rudder");
    let mcp_json = json!({"mcpServers": {"own": {"command": "sh",
        "args": ["-c", "touch mcp-started.txt && exec \"$0\" mcp serve", rudder]}}});
    let workspace = Workspace::git(&[
        (".mcp.json", &mcp_json.to_string()),
        ("notes.txt", "the answer is note-42\n"),
    ]);
    let notes = workspace.path("notes.txt");
    let server = scenario(json!([
        {"when": "read the note", "content": [{"type": "tool_use", "name": "CallMcpTool",
            "input": {"name": "mcp__own__Read", "arguments": {"file_path": notes}}}]},
        {"when": "note-42", "content": [{"type": "text", "text": "The MCP server read it."}]}
    ]));
    let Some(tmux) = Tmux::start(
        &workspace,
        &server,
        &["--trust", "--allowedTools", "mcp__own"],
        "mcp-dialog",
    ) else {
        return;
    };
    let dialog = tmux.wait_for("New MCP server found in .mcp.json: own");
    assert!(dialog.contains("mcp serve"), "{dialog}");
    assert!(
        dialog.contains("3. Continue without using this MCP server"),
        "{dialog}"
    );
    std::thread::sleep(Duration::from_millis(500));
    let started = workspace.repo.join("mcp-started.txt");
    assert!(!started.exists(), "the server ran before the answer");

    tmux.keys(&["2"]);
    tmux.wait_for("Using the MCP server own; starting it");
    let settings: Value = serde_json::from_slice(&super::tui::read(
        workspace.repo.join(".claude/settings.local.json"),
    ))
    .unwrap();
    assert_eq!(settings, json!({"enabledMcpjsonServers": ["own"]}));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !started.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the approved server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    tmux.type_then("read the note", "Enter");
    tmux.wait_for("The MCP server read it.");
    tmux.keys(&["C-d"]);
    tmux.wait_for("rudder exited with 0");
}

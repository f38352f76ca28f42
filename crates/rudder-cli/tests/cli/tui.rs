//! The real `rudder` binary in a real terminal (tmux), against the scripted
//! model server: the interactive UI end to end (issue 8 acceptance). Keys
//! go in with `send-keys`, the screen comes back with `capture-pane`, and
//! the files on disk and the requests the server received are checked.
//! Skipped, with a note, where tmux is not installed.

use std::path::Path;
use std::time::Duration;

use rudder_testkit::{MockServer, Scenario};
use serde_json::{Value, json};

use super::support::{Workspace, model_requests};
use super::tmux_support::Tmux;

pub(crate) fn scenario(turns: Value) -> MockServer {
    MockServer::spawn(Scenario::from_json_str(&json!({ "turns": turns }).to_string()).unwrap())
        .unwrap()
}

pub(crate) fn read(path: impl AsRef<Path>) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

const CALC: &str = "def add(a, b):\n    return a - b\n";

#[test]
fn prompt_approve_deny_interrupt_steer_rewind_and_exit() {
    let workspace = Workspace::git(&[("calc.py", CALC)]);
    let calc = workspace.path("calc.py");
    let server = scenario(json!([
        {"when": "fix the bug", "content": [
            {"type": "text", "text": "Let me **look** at calc.py first."},
            {"type": "tool_use", "name": "Read", "input": {"file_path": calc}}]},
        {"when": "return a - b", "content": [{"type": "tool_use", "name": "Edit", "input": {
            "file_path": calc, "old_string": "return a - b", "new_string": "return a + b"}}]},
        {"when": "Edited", "content": [{"type": "text", "text": "Fixed: add now adds."}]},
        {"when": "rename it", "content": [{"type": "tool_use", "name": "Edit", "input": {
            "file_path": calc, "old_string": "def add", "new_string": "def plus"}}]},
        {"when": "keep the name", "content": [{"type": "text", "text": "Leaving the name alone."}]},
        {"when": "slow job", "content": [
            {"type": "tool_use", "name": "Bash", "input": {"command": "touch started.txt"}},
            {"type": "tool_use", "name": "Bash", "input": {"command": "sleep 30"}}]},
        {"when": "count files", "content": [{"type": "tool_use", "name": "Bash", "input": {"command": "sleep 2"}}]},
        {"when": "only python", "content": [{"type": "text", "text": "Steered: only python files counted."}]},
        {"when": "what is in calc", "content": [{"type": "text", "text": "It subtracts."}]}
    ]));
    let Some(tmux) = Tmux::start(
        &workspace,
        &server,
        &[
            "--trust",
            "--allowedTools",
            "Bash(touch:*)",
            "Bash(sleep:*)",
        ],
        "main",
    ) else {
        return;
    };
    tmux.wait_for("✻ rudder");

    // A prompt streams, then an edit waits for approval and is allowed.
    tmux.type_then("fix the bug", "Enter");
    tmux.wait_for("Let me look at calc.py first.");
    tmux.wait_for("Do you want to make this edit to calc.py?");
    tmux.keys(&["1"]);
    tmux.wait_for("Fixed: add now adds.");
    assert_eq!(read(&calc), b"def add(a, b):\n    return a + b\n");

    // Denied with feedback: the file stays, the model reads the feedback.
    tmux.type_then("rename it", "Enter");
    tmux.wait_for("Do you want to make this edit to calc.py?");
    tmux.keys(&["3"]);
    tmux.type_then("keep the name", "Enter");
    tmux.wait_for("Leaving the name alone.");
    assert_eq!(read(&calc), b"def add(a, b):\n    return a + b\n");

    // Esc interrupts a running command; what was done stays.
    tmux.type_then("run the slow job", "Enter");
    tmux.wait_for("sleep 30");
    std::thread::sleep(Duration::from_millis(300));
    tmux.keys(&["Escape"]);
    tmux.wait_for("Interrupted by user");
    assert!(workspace.repo.join("started.txt").exists());

    // Alt+Enter steers: delivered after the running command, same turn.
    tmux.type_then("count files", "Enter");
    tmux.wait_for("sleep 2");
    tmux.type_then("only python", "M-Enter");
    tmux.wait_for("Steering: delivered at the next tool boundary.");
    tmux.wait_for("Steered: only python files counted.");

    // Esc Esc opens the rewind picker (newest first); rewinding to before
    // the first message restores code and conversation.
    tmux.double_escape();
    let picker = tmux.wait_for("Rewind to before one of your messages");
    assert!(picker.contains("4. fix the bug"), "{picker}");
    tmux.keys(&["Down", "Down", "Down", "Enter"]);
    tmux.wait_for("Rewind to before this message?");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Rewound code and conversation.");
    assert_eq!(
        read(&calc),
        CALC.as_bytes(),
        "calc.py is not byte-identical"
    );
    assert!(!workspace.repo.join("started.txt").exists());
    tmux.type_then("what is in calc.py", "Enter");
    tmux.wait_for("It subtracts.");
    let requests = model_requests(&server);
    let last = serde_json::to_string(&requests.last().unwrap().messages).unwrap();
    assert!(
        !last.contains("fix the bug"),
        "the rewound turn was sent: {last}"
    );

    tmux.keys(&["C-d"]);
    tmux.wait_for("rudder exited with 0");
}

/// A project whose settings set an env variable and a hook.
fn project_with_settings() -> Workspace {
    let settings = json!({
        "env": {"RUDDER_E2E_MARK": "from-project"},
        "hooks": {"SessionStart": [{"hooks": [{"type": "command", "command": "touch hook-ran.txt"}]}]}
    });
    Workspace::git(&[(".claude/settings.json", &settings.to_string())])
}

fn env_scenario() -> MockServer {
    scenario(json!([
        {"when": "show the mark", "content": [{"type": "tool_use", "name": "Bash",
            "input": {"command": "echo \"mark=$RUDDER_E2E_MARK\" > mark.txt"}}]},
        {"when": "(No output)", "content": [{"type": "text", "text": "Wrote the mark."}]}
    ]))
}

#[test]
fn declining_trust_withholds_project_env_and_hooks() {
    let workspace = project_with_settings();
    let server = env_scenario();
    let Some(tmux) = Tmux::start(
        &workspace,
        &server,
        &["--permission-mode", "bypassPermissions"],
        "decline",
    ) else {
        return;
    };
    let screen = tmux.wait_for("Do you trust the files in this folder?");
    assert!(screen.contains("hooks and MCP servers"), "{screen}");
    assert!(!workspace.repo.join("hook-ran.txt").exists());
    tmux.keys(&["2"]);
    let screen = tmux.wait_for("✻ rudder");
    assert!(
        screen.contains("Not applied until you trust this folder"),
        "{screen}"
    );
    tmux.type_then("show the mark", "Enter");
    tmux.wait_for("Wrote the mark.");
    assert_eq!(read(workspace.repo.join("mark.txt")), b"mark=\n");
    assert!(!workspace.repo.join("hook-ran.txt").exists());
    let store = read(workspace.home.join(".rudder/trust.json"));
    assert!(!String::from_utf8_lossy(&store).contains(&*workspace.repo.to_string_lossy()));
    tmux.keys(&["C-d"]);
    tmux.wait_for("rudder exited with 0");
}

#[test]
fn trusting_the_folder_applies_project_env_and_hooks_and_is_remembered() {
    let workspace = project_with_settings();
    let server = env_scenario();
    let Some(tmux) = Tmux::start(
        &workspace,
        &server,
        &["--permission-mode", "bypassPermissions"],
        "accept",
    ) else {
        return;
    };
    tmux.wait_for("Do you trust the files in this folder?");
    tmux.keys(&["Enter"]);
    tmux.wait_for("✻ rudder");
    tmux.type_then("show the mark", "Enter");
    tmux.wait_for("Wrote the mark.");
    assert_eq!(
        read(workspace.repo.join("mark.txt")),
        b"mark=from-project\n"
    );
    assert!(
        workspace.repo.join("hook-ran.txt").exists(),
        "the trusted project's SessionStart hook did not run"
    );
    let store =
        String::from_utf8_lossy(&read(workspace.home.join(".rudder/trust.json"))).into_owned();
    assert!(
        store.contains(&*workspace.repo.to_string_lossy()),
        "{store}"
    );
    tmux.keys(&["C-d"]);
    tmux.wait_for("rudder exited with 0");
}

#[test]
fn resume_without_an_id_picks_a_session_of_this_directory() {
    let workspace = Workspace::git(&[("a.txt", "a\n")]);
    let server = scenario(json!([
        {"when": "remember the number 42", "content": [{"type": "text", "text": "Noted."}]},
        {"when": "which number", "content": [{"type": "text", "text": "It was 42."}]}
    ]));
    let headless = workspace
        .rudder(&server)
        .args(["-p", "remember the number 42"])
        .output()
        .unwrap();
    assert!(headless.status.success(), "{headless:?}");
    let Some(tmux) = Tmux::start(&workspace, &server, &["--trust", "--resume"], "resume") else {
        return;
    };
    let picker = tmux.wait_for("Resume which session?");
    assert!(picker.contains("remember the number 42"), "{picker}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("✻ rudder");
    tmux.type_then("which number was it?", "Enter");
    tmux.wait_for("It was 42.");
    let requests = model_requests(&server);
    let last = serde_json::to_string(&requests.last().unwrap().messages).unwrap();
    assert!(last.contains("remember the number 42"), "{last}");
    assert_eq!(
        workspace.transcripts().len(),
        1,
        "resumed into the same transcript"
    );
    tmux.keys(&["C-d"]);
    tmux.wait_for("rudder exited with 0");
}

#[test]
fn without_a_terminal_the_interactive_ui_refuses_before_anything_runs() {
    let workspace = Workspace::git(&[("a.txt", "a\n")]);
    let server = scenario(json!([]));
    let output = workspace.rudder(&server).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("needs a terminal") && stderr.contains("-p"),
        "{stderr}"
    );
    assert!(workspace.transcripts().is_empty());
    assert!(server.requests().is_empty());
}

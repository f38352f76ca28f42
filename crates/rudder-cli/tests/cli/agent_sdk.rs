//! The official Claude Agent SDK for Python (`claude-agent-sdk` on PyPI),
//! given rudder as its CLI, completes a task: stream-json in and out, the
//! control protocol's `initialize`, and `can_use_tool` permission prompts
//! (issue 2 acceptance). The script is `tests/py/agent_sdk.py`.
//!
//! Skipped with a notice when the SDK is not installed, unless
//! `RUDDER_REQUIRE_PY_SDKS=1` (CI), which makes a missing SDK a failure.

use std::process::Command;

use rudder_testkit::{MockServer, Scenario};
use serde_json::json;

use super::support::Workspace;

/// Whether the SDK is installed (a missing SDK fails under
/// `RUDDER_REQUIRE_PY_SDKS=1`).
pub(super) fn sdk_available() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import claude_agent_sdk"])
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        assert!(
            std::env::var("RUDDER_REQUIRE_PY_SDKS").as_deref() != Ok("1"),
            "claude-agent-sdk is not installed but RUDDER_REQUIRE_PY_SDKS=1"
        );
        eprintln!("SKIPPED: claude-agent-sdk is not installed (pip install claude-agent-sdk)");
    }
    found
}

#[test]
fn the_python_agent_sdk_drives_rudder_with_permission_prompts() {
    if !sdk_available() {
        return;
    }
    let workspace = Workspace::git(&[("hello.txt", "hello\n")]);
    let turns = json!({"turns": [
        {"content": [{"type": "tool_use", "name": "Read", "input": {"file_path": workspace.path("hello.txt")}}]},
        {"content": [{"type": "tool_use", "name": "Edit", "input": {
            "file_path": workspace.path("hello.txt"), "old_string": "hello", "new_string": "goodbye"}}]},
        {"content": [{"type": "text", "text": "Renamed."}]}
    ]});
    let server = MockServer::spawn(Scenario::from_json_str(&turns.to_string()).unwrap()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/agent_sdk.py");
    let output = Command::new("python3")
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
    assert_eq!(
        std::fs::read_to_string(workspace.repo.join("hello.txt")).unwrap(),
        "goodbye\n"
    );
}

/// USER-PAINS.md §7 "fewer, remembered approvals", through the official
/// SDK: its "always allow" answer (`updatedPermissions` to localSettings)
/// is saved and holds in the same run and in a resumed one
/// (`tests/py/always_allow.py`). The folder is trusted first, as a headless
/// user does with `rudder trust`: a project's allow rules apply only then.
#[test]
fn the_python_agent_sdk_always_allow_is_remembered_after_resume() {
    if !sdk_available() {
        return;
    }
    let workspace = Workspace::git(&[("README.md", "hi\n")]);
    let touch = json!({"type": "tool_use", "name": "Bash",
                       "input": {"command": "touch built.txt", "description": "Create a file"}});
    let turns = json!({"turns": [
        {"content": [touch]},
        {"content": [touch]},
        {"content": [{"type": "text", "text": "Built twice."}]},
        {"when": "again", "content": [touch]},
        {"content": [{"type": "text", "text": "Built again."}]}
    ]});
    let server = MockServer::spawn(Scenario::from_json_str(&turns.to_string()).unwrap()).unwrap();
    let trust = workspace.rudder(&server).arg("trust").output().unwrap();
    assert!(trust.status.success());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/always_allow.py");
    let output = Command::new("python3")
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
    assert!(
        std::fs::read_to_string(workspace.repo.join(".claude/settings.local.json"))
            .unwrap()
            .contains("Bash(touch built.txt)")
    );
}

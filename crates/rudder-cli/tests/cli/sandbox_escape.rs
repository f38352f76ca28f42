//! `sandbox.allowUnsandboxedCommands: false` end to end (Claude Code: the
//! Bash tool's `dangerouslyDisableSandbox` is then ignored and every
//! command runs sandboxed): a call asking to leave the sandbox is neither
//! asked about nor refused — it runs inside it, so a write outside the
//! working directory fails while one inside works. Skipped, saying why,
//! where bubblewrap cannot run.

use rudder_policy::sandbox::{SandboxStatus, detect};
use rudder_testkit::{MockServer, Scenario};
use serde_json::{Value, json};

use super::support::{Workspace, result_of, stderr, tool_outcomes};

fn leave(command: &str) -> Value {
    json!({"type": "tool_use", "name": "Bash", "input": {
        "command": command, "description": "Write a file", "dangerouslyDisableSandbox": true
    }})
}

#[test]
fn asking_to_leave_the_sandbox_runs_sandboxed_when_unsandboxed_commands_are_off() {
    if let SandboxStatus::Unavailable { reason } = detect() {
        eprintln!("SKIPPED: the sandbox cannot run here: {reason}");
        return;
    }
    let workspace = Workspace::git(&[("README.md", "")]);
    let outside_dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let outside = outside_dir.path().canonicalize().unwrap();
    let user_settings = workspace.home.join(".claude/settings.json");
    std::fs::create_dir_all(user_settings.parent().unwrap()).unwrap();
    std::fs::write(
        &user_settings,
        r#"{"sandbox": {"enabled": true, "allowUnsandboxedCommands": false}}"#,
    )
    .unwrap();
    let escaped = outside.join("escaped.txt");
    let turns = json!({"turns": [
        {"content": [leave("touch inside.txt")]},
        {"content": [leave(&format!("touch {}", escaped.display()))]},
        {"content": [{"type": "text", "text": "Done."}]}
    ]});
    let server = MockServer::spawn(Scenario::from_json_str(&turns.to_string()).unwrap()).unwrap();
    let output = workspace.run_stream_json(&server, "write files");
    let results: Vec<(bool, String)> = tool_outcomes(&output);
    assert_eq!(results.len(), 2, "{results:?}\nstderr: {}", stderr(&output));
    assert!(
        !results[0].0 && workspace.repo.join("inside.txt").exists(),
        "the call ran without an approval: {:?}",
        results[0]
    );
    assert!(
        results[1].0 && !escaped.exists(),
        "the call ran inside the sandbox, whose file system is read-only there: {:?}",
        results[1]
    );
    let result = result_of(&output);
    assert_eq!(result["permission_denials"], json!([]), "{result}");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
}

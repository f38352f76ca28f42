//! The Agent SDK's `rewind_files` control request against the real binary
//! in stream-json mode: with `CLAUDE_CODE_ENABLE_SDK_FILE_CHECKPOINTING`
//! the files a turn changed go back byte for byte; without it the request
//! is refused with a message that says how to turn it on.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdout, Stdio};

use rudder_testkit::{MockServer, Scenario};
use serde_json::{Value, json};

use super::support::Workspace;

/// A running `rudder` in SDK mode, fed line by line.
struct SdkRun {
    child: Child,
    lines: std::io::Lines<BufReader<ChildStdout>>,
}

impl SdkRun {
    fn start(workspace: &Workspace, server: &MockServer, checkpoints: bool) -> Self {
        let mut command = workspace.rudder(server);
        command.args([
            "--input-format",
            "stream-json",
            "--output-format",
            "stream-json",
            "--verbose",
            "--replay-user-messages",
            "--permission-mode",
            "bypassPermissions",
        ]);
        command.env("IS_SANDBOX", "1");
        if checkpoints {
            command.env("CLAUDE_CODE_ENABLE_SDK_FILE_CHECKPOINTING", "true");
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        Self {
            child,
            lines: BufReader::new(stdout).lines(),
        }
    }

    fn send(&mut self, line: &Value) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Reads records until one satisfies `pick`.
    fn until(&mut self, pick: impl Fn(&Value) -> bool) -> Value {
        for line in self.lines.by_ref() {
            let record: Value = serde_json::from_str(&line.unwrap()).unwrap();
            if pick(&record) {
                return record;
            }
        }
        panic!("rudder's output ended before the awaited record");
    }

    fn finish(mut self) {
        drop(self.child.stdin.take());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status:?}");
    }
}

fn rewind_request(message: &str) -> Value {
    json!({"type": "control_request", "request_id": "req_rewind",
           "request": {"subtype": "rewind_files", "user_message_id": message}})
}

#[test]
fn rewind_files_restores_what_the_turn_changed() {
    let workspace = Workspace::git(&[("notes.txt", "original\n")]);
    let turns = json!({"turns": [
        {"content": [
            {"type": "tool_use", "name": "Bash", "input": {"command": "printf 'scribbled' > notes.txt"}},
            {"type": "tool_use", "name": "Write", "input": {"file_path": workspace.path("new.txt"), "content": "new\n"}}
        ]},
        {"content": [{"type": "text", "text": "Done."}]}
    ]});
    let server = MockServer::spawn(Scenario::from_json_str(&turns.to_string()).unwrap()).unwrap();
    let mut run = SdkRun::start(&workspace, &server, true);
    run.send(
        &json!({"type": "user", "message": {"role": "user", "content": "scribble"},
                     "parent_tool_use_id": null, "session_id": "default"}),
    );
    let prompt = run.until(|record| {
        record["type"] == "user"
            && record["message"]["content"]
                .to_string()
                .contains("scribble")
    });
    let message = prompt["uuid"].as_str().unwrap().to_owned();
    run.until(|record| record["type"] == "result");
    assert_eq!(
        std::fs::read_to_string(workspace.repo.join("notes.txt")).unwrap(),
        "scribbled"
    );

    run.send(&rewind_request(&message));
    let answer = run.until(|record| record["type"] == "control_response");
    let body = &answer["response"];
    assert_eq!(body["subtype"], "success", "{answer}");
    assert_eq!(body["response"]["canRewind"], true, "{answer}");
    assert_eq!(
        body["response"]["filesChanged"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        std::fs::read_to_string(workspace.repo.join("notes.txt")).unwrap(),
        "original\n"
    );
    assert!(!workspace.repo.join("new.txt").exists());

    run.send(&rewind_request("no-such-message"));
    let unknown = run.until(|record| record["type"] == "control_response");
    assert_eq!(
        unknown["response"]["response"]["canRewind"], false,
        "{unknown}"
    );
    run.finish();
}

#[test]
fn rewind_files_without_checkpointing_says_how_to_turn_it_on() {
    let workspace = Workspace::git(&[("a.txt", "a\n")]);
    let server = MockServer::spawn(Scenario::new(Vec::new())).unwrap();
    let mut run = SdkRun::start(&workspace, &server, false);
    run.send(&rewind_request("anything"));
    let answer = run.until(|record| record["type"] == "control_response");
    assert_eq!(answer["response"]["subtype"], "error");
    assert!(
        answer["response"]["error"]
            .as_str()
            .unwrap()
            .contains("CLAUDE_CODE_ENABLE_SDK_FILE_CHECKPOINTING=true"),
        "{answer}"
    );
    run.finish();
}

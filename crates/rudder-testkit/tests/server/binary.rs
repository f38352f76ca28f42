//! The `rudder-mock` binary: prints its address, serves the scenario file,
//! logs requests as JSON lines.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::common::{anthropic_body, post};

/// Kills the child when the test ends, pass or fail.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn rudder_mock_serves_a_scenario_file_and_logs_requests() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("demo.yaml");
    std::fs::write(
        &scenario,
        "turns:\n  - content:\n      - {type: text, text: hello from the mock}\n",
    )
    .unwrap();
    let log = dir.path().join("requests.jsonl");
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_rudder-mock"))
            .arg("--scenario")
            .arg(&scenario)
            .arg("--log")
            .arg(&log)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");

    let response = post(&base, "/v1/messages", &anthropic_body("hi", false)).await;
    let message: Value = response.json().await.unwrap();
    assert_eq!(message["content"][0]["text"], "hello from the mock");

    let logged: Value = serde_json::from_str(
        std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(logged["path"], "/v1/messages");
    assert_eq!(logged["turn"], 0);
    assert_eq!(logged["body"]["messages"][0]["content"][0]["text"], "hi");
    assert!(logged["usage"]["output_tokens"].as_u64().unwrap() > 0);
    drop(child);
}

#[test]
fn a_bad_scenario_file_is_a_clear_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("bad.json");
    std::fs::write(
        &scenario,
        r#"{"turns": [{"content": [{"type": "txt", "text": "x"}]}]}"#,
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_rudder-mock"))
        .arg("--scenario")
        .arg(&scenario)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("scenario file {}", scenario.display())),
        "{stderr}"
    );
    assert!(stderr.contains("unknown variant `txt`"), "{stderr}");
}

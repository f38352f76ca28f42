//! `Read(...)` deny rules reach the walks of Grep and Glob end to end
//! (CLAUDE-CODE-INTERFACE.md §3.2: Claude Code applies Read deny rules to
//! their results): a recursive search of the whole project does not reveal
//! a denied file's lines or name, while the rest of the tree is searched.

use rudder_testkit::{MockServer, Scenario};
use serde_json::json;

use super::support::{Workspace, records, result_of, stderr};

#[test]
fn recursive_grep_and_glob_do_not_reveal_files_a_read_deny_rule_covers() {
    let workspace = Workspace::git(&[
        (
            ".claude/settings.json",
            r#"{"permissions": {"deny": ["Read(./secrets/**)", "Read(**/*.private)"]}}"#,
        ),
        ("src/main.rs", "const TOKEN: &str = \"public\";\n"),
        ("secrets/api.txt", "TOKEN=sk-live-hidden-one\n"),
        ("notes/plan.private", "TOKEN=hidden-two\n"),
    ]);
    let turns = json!({"turns": [
        {"content": [{"type": "tool_use", "name": "Grep",
                      "input": {"pattern": "TOKEN", "output_mode": "content"}}]},
        {"content": [{"type": "tool_use", "name": "Grep", "input": {"pattern": "TOKEN"}}]},
        {"content": [{"type": "tool_use", "name": "Glob", "input": {"pattern": "**/*"}}]},
        {"content": [{"type": "text", "text": "Done."}]}
    ]});
    let server = MockServer::spawn(Scenario::from_json_str(&turns.to_string()).unwrap()).unwrap();
    let output = workspace
        .rudder(&server)
        .args([
            "-p",
            "find the token",
            "--output-format",
            "stream-json",
            "--verbose",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let results: Vec<String> = records(&output)
        .into_iter()
        .filter(|record| record["type"] == "user")
        .flat_map(|record| {
            record["message"]["content"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|block| block["content"].to_string())
        .collect();
    assert_eq!(results.len(), 3, "{results:?}");
    for text in &results {
        assert!(text.contains("main.rs"), "the rest is searched: {text}");
        for hidden in ["hidden-one", "hidden-two", "api.txt", "plan.private"] {
            assert!(!text.contains(hidden), "{hidden} revealed: {text}");
        }
    }
    assert_eq!(result_of(&output)["is_error"], false);
}

//! `Read(...)` deny rules reach the walks of Grep and Glob end to end
//! (CLAUDE-CODE-INTERFACE.md §3.2: Claude Code applies Read deny rules to
//! their results): a recursive search of the whole project does not reveal
//! a denied file's lines or name, while the rest of the tree is searched;
//! a Bash command reading such a tree whole is not allowed unasked.

use rudder_testkit::{MockServer, Scenario};
use serde_json::json;

use super::support::{Workspace, records, result_of, stderr, tool_outcomes};

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
    let output = workspace.run_stream_json(&server, "find the token");
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

/// A Bash command that reads the whole tree (`grep -r`) would read a file
/// a Read deny rule covers: it is not in the read-only set then, so a
/// headless run refuses it (listed in `permission_denials`, exit status 3)
/// and the file's lines never reach the model, while the same search of a
/// subtree without such a file runs unasked.
#[test]
fn recursive_bash_grep_over_a_read_denied_file_is_not_auto_allowed() {
    let workspace = Workspace::git(&[
        (
            ".claude/settings.json",
            r#"{"permissions": {"deny": ["Read(./secrets/**)"]}}"#,
        ),
        ("src/main.rs", "const TOKEN: &str = \"public\";\n"),
        ("secrets/api.txt", "TOKEN=sk-live-hidden-one\n"),
    ]);
    let bash = |command: &str| {
        json!({"type": "tool_use", "name": "Bash",
               "input": {"command": command, "description": "Search"}})
    };
    let turns = json!({"turns": [
        {"content": [bash("grep -rn TOKEN .")]},
        {"content": [bash("grep -rn TOKEN src")]},
        {"content": [{"type": "text", "text": "Done."}]}
    ]});
    let server = MockServer::spawn(Scenario::from_json_str(&turns.to_string()).unwrap()).unwrap();
    let output = workspace.run_stream_json(&server, "find the token");
    let results: Vec<(bool, String)> = tool_outcomes(&output);
    assert_eq!(results.len(), 2, "{results:?}\nstderr: {}", stderr(&output));
    assert!(
        results[0].0 && results[0].1.contains("Read(./secrets/**)"),
        "the whole-tree grep is refused, naming the rule: {:?}",
        results[0]
    );
    assert!(
        !results[1].0 && results[1].1.contains("main.rs"),
        "the subtree grep runs: {:?}",
        results[1]
    );
    for (_, text) in &results {
        assert!(!text.contains("sk-live-hidden-one"), "revealed: {text}");
    }
    let result = result_of(&output);
    let denials = result["permission_denials"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(denials.len(), 1, "{result}");
    assert_eq!(denials[0]["tool_input"]["command"], "grep -rn TOKEN .");
    assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
}

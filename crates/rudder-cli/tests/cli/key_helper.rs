//! `apiKeyHelper` end to end (CLAUDE-CODE-INTERFACE.md §4.2, §4.3): the
//! helper's output is sent as `x-api-key` and as a bearer token, fetched
//! again after `CLAUDE_CODE_API_KEY_HELPER_TTL_MS` and at once after a 401,
//! reported as `apiKeySource: "apiKeyHelper"`; a key variable wins over it,
//! and a failing helper fails the run before any request.

use rudder_testkit::{MockServer, Scenario};
use serde_json::json;

use super::support::{Workspace, records, result_of, stderr};

/// A helper that counts its runs in `count` and prints `key-<run>`.
fn counting_helper(workspace: &Workspace) -> std::path::PathBuf {
    let count = workspace.home.join("helper-runs");
    let command = format!(
        "echo run >> {0}; echo key-$(wc -l < {0} | tr -d ' ')",
        count.display()
    );
    let user = workspace.home.join(".claude/settings.json");
    std::fs::create_dir_all(user.parent().unwrap()).unwrap();
    std::fs::write(&user, json!({"apiKeyHelper": command}).to_string()).unwrap();
    count
}

fn runs(count: &std::path::Path) -> usize {
    std::fs::read_to_string(count).map_or(0, |text| text.lines().count())
}

/// A listing of `dir` (allowed without asking), then an answer.
fn two_requests(dir: &str, first_fault: Option<serde_json::Value>) -> Scenario {
    let mut first =
        json!({"content": [{"type": "tool_use", "name": "LS", "input": {"path": dir}}]});
    if let Some(fault) = first_fault {
        first["fault"] = fault;
    }
    let turns = json!({"turns": [first, {"content": [{"type": "text", "text": "Listed."}]}]});
    Scenario::from_json_str(&turns.to_string()).unwrap()
}

fn keys(server: &MockServer) -> Vec<(String, String)> {
    server
        .requests()
        .iter()
        .map(|request| {
            (
                request.header("x-api-key").unwrap_or_default().to_owned(),
                request
                    .header("authorization")
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_key_is_fetched_again_when_its_time_to_live_is_over() {
    let workspace = Workspace::git(&[("README.md", "hi\n")]);
    let count = counting_helper(&workspace);
    let server = MockServer::spawn(two_requests(&workspace.path(""), None)).unwrap();
    let output = workspace
        .rudder(&server)
        .env_remove("ANTHROPIC_API_KEY")
        .env("CLAUDE_CODE_API_KEY_HELPER_TTL_MS", "0")
        .args(["-p", "list", "--output-format", "stream-json", "--verbose"])
        .output()
        .unwrap();
    let result = result_of(&output);
    assert_eq!(
        result["subtype"],
        "success",
        "{result}\nstderr: {}",
        stderr(&output)
    );
    assert_eq!(runs(&count), 2);
    assert_eq!(
        keys(&server),
        [
            ("key-1".to_owned(), "Bearer key-1".to_owned()),
            ("key-2".to_owned(), "Bearer key-2".to_owned())
        ]
    );
    let init = records(&output).into_iter().next().unwrap();
    assert_eq!(init["apiKeySource"], "apiKeyHelper");
}

#[test]
fn a_rejected_key_is_replaced_at_once_and_kept_otherwise() {
    let workspace = Workspace::git(&[("README.md", "hi\n")]);
    let count = counting_helper(&workspace);
    let fault = json!({"kind": "status", "status": 401, "error_type": "authentication_error", "message": "invalid x-api-key"});
    let server = MockServer::spawn(two_requests(&workspace.path(""), Some(fault))).unwrap();
    let output = workspace
        .rudder(&server)
        .env_remove("ANTHROPIC_API_KEY")
        .args(["-p", "list", "--output-format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        runs(&count),
        2,
        "one fetch at start, one after the 401; then kept"
    );
    let sent: Vec<String> = keys(&server).into_iter().map(|(key, _)| key).collect();
    assert_eq!(sent, ["key-1", "key-2", "key-2"]);
}

#[test]
fn a_key_variable_wins_and_a_failing_helper_fails_before_any_request() {
    let workspace = Workspace::git(&[("README.md", "hi\n")]);
    let count = counting_helper(&workspace);
    let server = MockServer::spawn(two_requests(&workspace.path(""), None)).unwrap();
    let output = workspace
        .rudder(&server)
        .args(["-p", "list", "--output-format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        runs(&count),
        0,
        "ANTHROPIC_API_KEY is used, the helper never runs"
    );

    let user = workspace.home.join(".claude/settings.json");
    std::fs::write(
        &user,
        r#"{"apiKeyHelper": "echo vault sealed >&2; exit 4"}"#,
    )
    .unwrap();
    let server = MockServer::spawn(two_requests(&workspace.path(""), None)).unwrap();
    let output = workspace
        .rudder(&server)
        .env_remove("ANTHROPIC_API_KEY")
        .args(["-p", "list", "--output-format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        result["errors"].to_string().contains("apiKeyHelper failed")
            && result["errors"].to_string().contains("vault sealed"),
        "{result}"
    );
    assert!(server.requests().is_empty());
}

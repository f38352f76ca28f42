//! `rudder mcp add|add-json|list|get|remove` with Claude Code's flags, and
//! `rudder mcp serve` driven by the official Python MCP SDK (issue 7
//! acceptance: the SDK lists and calls rudder's tools; a call the policy
//! would ask about is refused with the reason).

use std::process::{Command, Output};

use serde_json::{Value, json};

use super::mcp_support::{python_mcp_available, require_server};
use super::support::{Workspace, stderr};

/// `rudder mcp <args>` in the workspace, with its private home.
fn mcp(workspace: &Workspace, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rudder"))
        .current_dir(&workspace.repo)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &workspace.home)
        .env("RUDDER_HOME", workspace.home.join(".rudder"))
        .arg("mcp")
        .args(args)
        .output()
        .expect("rudder runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json_file(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("file exists")).expect("JSON")
}

#[test]
fn add_add_json_and_remove_edit_each_scope_in_claude_codes_format() {
    let workspace = Workspace::git(&[("README.md", "demo\n")]);
    let repo = workspace.repo.display().to_string();
    let added = mcp(
        &workspace,
        &[
            "add",
            "tools",
            "-e",
            "API_KEY=${KEY}",
            "--",
            "npx",
            "-y",
            "some-server",
            "--flag",
        ],
    );
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(
        stdout(&added).contains("Added stdio MCP server tools"),
        "{}",
        stdout(&added)
    );
    let added = mcp(
        &workspace,
        &[
            "add",
            "-s",
            "user",
            "-t",
            "http",
            "web",
            "https://example.invalid/mcp",
            "-H",
            "Authorization: Bearer ${TOKEN}",
        ],
    );
    assert!(added.status.success(), "{}", stderr(&added));
    let added = mcp(
        &workspace,
        &[
            "add-json",
            "-s",
            "project",
            "shared",
            r#"{"type":"sse","url":"https://example.invalid/sse"}"#,
        ],
    );
    assert!(added.status.success(), "{}", stderr(&added));

    let user_file = json_file(&workspace.home.join(".rudder/mcp.json"));
    assert_eq!(
        user_file["projects"][&repo]["mcpServers"]["tools"],
        json!({"type": "stdio", "command": "npx", "args": ["-y", "some-server", "--flag"], "env": {"API_KEY": "${KEY}"}})
    );
    assert_eq!(
        user_file["mcpServers"]["web"],
        json!({"type": "http", "url": "https://example.invalid/mcp", "headers": {"Authorization": "Bearer ${TOKEN}"}})
    );
    assert_eq!(
        json_file(&workspace.repo.join(".mcp.json"))["mcpServers"]["shared"]["type"],
        "sse"
    );

    let again = mcp(&workspace, &["add", "tools", "--", "other"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already exists in local config"),
        "{}",
        stderr(&again)
    );
    let bad = mcp(&workspace, &["add", "-s", "global", "x", "cmd"]);
    assert_eq!(bad.status.code(), Some(2));
    let mixed = mcp(
        &workspace,
        &["add", "-e", "A=1", "-t", "http", "x", "https://h/mcp"],
    );
    assert_eq!(mixed.status.code(), Some(2), "{}", stderr(&mixed));

    std::fs::write(
        workspace.home.join(".claude.json"),
        json!({"mcpServers": {"web": {"command": "claude-web"}}, "numStartups": 3}).to_string(),
    )
    .unwrap();
    let wrong_scope = mcp(&workspace, &["remove", "tools", "-s", "user"]);
    assert_eq!(
        wrong_scope.status.code(),
        Some(1),
        "{}",
        stderr(&wrong_scope)
    );
    for scope in ["local", "project"] {
        let added = mcp(&workspace, &["add", "-s", scope, "dup", "--", "true"]);
        assert!(added.status.success(), "{}", stderr(&added));
    }
    let ambiguous = mcp(&workspace, &["remove", "dup"]);
    assert_eq!(ambiguous.status.code(), Some(2), "{}", stderr(&ambiguous));
    assert!(stderr(&ambiguous).contains("several scopes (local, project)"));
    let removed = mcp(&workspace, &["remove", "-s", "project", "dup"]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    let removed = mcp(&workspace, &["remove", "web"]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    assert_eq!(
        stdout(&removed)
            .matches("Removed MCP server web from user config")
            .count(),
        2
    );
    let claude = json_file(&workspace.home.join(".claude.json"));
    assert_eq!(claude, json!({"mcpServers": {}, "numStartups": 3}));
    let removed = mcp(&workspace, &["remove", "tools"]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    let missing = mcp(&workspace, &["remove", "tools"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("No MCP server found with name: tools"));
}

#[test]
fn list_and_get_report_health_and_keep_variables_unexpanded() {
    let Some(everything) = require_server("server-everything") else {
        return;
    };
    let workspace = Workspace::git(&[("README.md", "demo\n")]);
    for args in [
        vec![
            "add",
            "ev",
            "-e",
            "SECRET=${MY_SECRET:-x}",
            "--",
            "node",
            &everything,
            "stdio",
        ],
        vec!["add", "-s", "user", "broken", "--", "sh", "-c", "exit 3"],
        vec![
            "add",
            "-s",
            "project",
            "untrusted",
            "--",
            "sh",
            "-c",
            "exit 0",
        ],
    ] {
        let added = mcp(&workspace, &args);
        assert!(added.status.success(), "{}", stderr(&added));
    }
    let listed = mcp(&workspace, &["list"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let text = stdout(&listed);
    let line = |name: &str| {
        text.lines()
            .find(|line| line.starts_with(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no line for {name}: {text}"))
            .to_owned()
    };
    assert!(line("ev").contains("✓ Connected"), "{text}");
    assert!(line("broken").contains("✗ Failed to connect"), "{text}");
    assert!(
        line("untrusted").contains("Pending: the project folder is not trusted yet"),
        "{text}"
    );

    let shown = mcp(&workspace, &["get", "ev"]);
    assert!(shown.status.success(), "{}", stderr(&shown));
    let text = stdout(&shown);
    assert!(text.contains("Scope: local"), "{text}");
    assert!(text.contains("Status: ✓ Connected"), "{text}");
    assert!(text.contains("SECRET=${MY_SECRET:-x}"), "{text}");
    let missing = mcp(&workspace, &["get", "nope"]);
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn the_python_mcp_sdk_lists_and_calls_rudder_mcp_serve() {
    if !python_mcp_available() {
        return;
    }
    let workspace = Workspace::git(&[("hello.txt", "hello\n")]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/mcp_serve.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_rudder"))
        .arg(&workspace.repo)
        .env("RUDDER_HOME", workspace.home.join(".rudder"))
        .env("HOME", &workspace.home)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "stdout: {}\nstderr: {}",
        stdout(&output),
        stderr(&output)
    );
    let seen: Value = serde_json::from_str(stdout(&output).trim()).expect("one JSON line");
    let tools: Vec<&str> = seen["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for tool in ["Bash", "Edit", "Glob", "Grep", "Read", "Write"] {
        assert!(tools.contains(&tool), "{tools:?}");
    }
    assert!(!tools.contains(&"WebSearch"));
    assert_eq!(seen["read_required"], json!(["file_path"]));
    assert_eq!(seen["read"]["is_error"], false);
    assert!(
        seen["read"]["text"].as_str().unwrap().contains("hello"),
        "{seen}"
    );
    assert_eq!(seen["bash"]["is_error"], true);
    let refusal = seen["bash"]["text"].as_str().unwrap();
    assert!(
        refusal.starts_with("Refused: the permission policy asks"),
        "{refusal}"
    );
    assert!(!workspace.repo.join("created-by-mcp.txt").exists());
}

#[test]
fn reset_project_choices_forgets_the_dialogs_answers_and_keeps_the_rest() {
    let workspace = Workspace::git(&[
        (
            ".claude/settings.local.json",
            r#"{"enabledMcpjsonServers": ["notes"], "permissions": {"allow": ["Read"]},
                "disabledMcpjsonServers": ["db"], "enableAllProjectMcpServers": false}"#,
        ),
        (
            ".mcp.json",
            r#"{"mcpServers": {"notes": {"command": "notes-server"}}}"#,
        ),
    ]);
    let file = workspace.repo.join(".claude/settings.local.json");
    let reset = mcp(&workspace, &["reset-project-choices"]);
    assert!(reset.status.success(), "{}", stderr(&reset));
    assert!(
        stdout(&reset).contains("Removed the project MCP server approvals and rejections"),
        "{}",
        stdout(&reset)
    );
    assert_eq!(
        json_file(&file),
        json!({"permissions": {"allow": ["Read"]}})
    );

    let again = mcp(&workspace, &["reset-project-choices"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("No project MCP server choices to reset"),
        "{}",
        stdout(&again)
    );
    assert_eq!(
        json_file(&file),
        json!({"permissions": {"allow": ["Read"]}})
    );
}

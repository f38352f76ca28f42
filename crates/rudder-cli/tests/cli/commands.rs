//! Custom slash commands, skills and output styles from a project shaped
//! like real `.claude/` folders (rudder-config's realistic fixture), end to
//! end: the real binary, the testkit server, a throwaway repository.

use std::process::Command;

use rudder_testkit::{MockServer, Scenario};
use serde_json::{Value, json};

use super::support::{
    Workspace, commit_file, install_realistic_definitions, last_user_text, model_requests, records,
    result_of, run_with_stdin, stderr, user_line,
};

fn scenario(turns: Value) -> Scenario {
    Scenario::from_json_str(&json!({ "turns": turns }).to_string()).expect("scenario parses")
}

/// A repository with the realistic definitions and `outputStyle: Teaching`.
fn project(files: &[(&str, &str)]) -> Workspace {
    let workspace = Workspace::git(files);
    install_realistic_definitions(&workspace);
    std::fs::write(
        workspace.repo.join(".claude/settings.json"),
        r#"{"outputStyle": "Teaching"}"#,
    )
    .unwrap();
    workspace
}

fn names(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|name| name.as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn the_realistic_definitions_load_without_warnings_and_are_listed() {
    let workspace = project(&[("src/app.txt", "hello\n")]);
    let server = MockServer::spawn(Scenario::new(vec![])).unwrap();
    let output = workspace
        .rudder(&server)
        .args(["-p", "/cost", "--output-format", "stream-json", "--verbose"])
        .arg("--trust")
        .output()
        .unwrap();
    assert!(
        !stderr(&output).contains("rudder:"),
        "warnings: {}",
        stderr(&output)
    );
    let records = records(&output);
    let init = &records[0];
    assert_eq!(init["subtype"], "init");
    let commands = names(&init["slash_commands"]);
    for name in [
        "context",
        "cost",
        "changes",
        "commit",
        "component",
        "deploy",
        "review",
        "standup",
        "validate",
        "pdf-tools",
        "release-notes",
    ] {
        assert!(
            commands.contains(&name.to_owned()),
            "{name} in {commands:?}"
        );
    }
    assert_eq!(
        names(&init["agents"]),
        [
            "Explore",
            "Plan",
            "code-reviewer",
            "general-purpose",
            "researcher",
            "test-runner"
        ]
    );
    assert_eq!(
        names(&init["skills"]),
        ["internal-only", "pdf-tools", "release-notes"]
    );
    assert_eq!(init["output_style"], "Teaching");
    let tools = names(&init["tools"]);
    assert!(tools.contains(&"Task".to_owned()) && tools.contains(&"Skill".to_owned()));

    let result = result_of(&output);
    assert_eq!(result["subtype"], "success", "{result}");
    assert_eq!(result["num_turns"], 0);
    assert!(
        result["result"]
            .as_str()
            .unwrap()
            .starts_with("Total cost: $0.0000"),
        "{result}"
    );
    assert!(model_requests(&server).is_empty(), "/cost asks no model");
}

#[test]
fn a_command_inlines_its_arguments_and_its_shell_output() {
    let workspace = project(&[("src/app.txt", "hello\n")]);
    commit_file(&workspace, "src/app.txt", "hello, name\n", "Greet by name");
    let server = MockServer::spawn(scenario(json!([
        {"when": "Summarise what changed in src/app.txt and why.",
         "content": [{"type": "text", "text": "It now greets by name."}]}
    ])))
    .unwrap();
    let output = workspace
        .rudder(&server)
        .args(["-p", "/changes src/app.txt", "--output-format", "json"])
        .arg("--trust")
        .output()
        .unwrap();
    let result: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", stderr(&output)));
    assert_eq!(result["result"], "It now greets by name.", "{result}");

    let requests = model_requests(&server);
    assert_eq!(requests.len(), 1);
    let sent = last_user_text(&requests[0]);
    assert!(
        sent.contains(
            "<command-name>/changes</command-name>\n<command-args>src/app.txt</command-args>"
        ),
        "{sent}"
    );
    assert!(
        sent.contains("Commits touching it: Greet by name\ninit"),
        "the !`git log` span ran and its output replaced it: {sent}"
    );
    let system = requests[0].system[0]
        .as_text()
        .unwrap_or_default()
        .to_owned();
    assert!(
        system.contains("You are an AI coding assistant")
            && system.ends_with("Explain each change as you would to a new team member."),
        "the Teaching style keeps the coding instructions and follows them: {system}"
    );
}

#[test]
fn a_commands_allowed_tools_hold_for_its_own_turn_only() {
    let workspace = project(&[("src/app.txt", "hello\n")]);
    std::fs::write(workspace.repo.join("notes.txt"), "notes\n").unwrap();
    std::fs::write(workspace.repo.join("other.txt"), "other\n").unwrap();
    let server = MockServer::spawn(scenario(json!([
        {"when": "Create a single commit",
         "content": [{"type": "tool_use", "name": "Bash", "input": {"command": "git add notes.txt"}}]},
        {"content": [{"type": "text", "text": "Staged notes.txt."}]},
        {"when": "stage the other file too",
         "content": [{"type": "tool_use", "name": "Bash", "input": {"command": "git add other.txt"}}]},
        {"content": [{"type": "text", "text": "I was not allowed to."}]}
    ])))
    .unwrap();
    let mut command = workspace.rudder(&server);
    command.args([
        "--input-format",
        "stream-json",
        "--output-format",
        "stream-json",
        "--verbose",
        "--trust",
    ]);
    let output = run_with_stdin(
        &mut command,
        &[user_line("/commit"), user_line("stage the other file too")],
    );
    let results: Vec<Value> = records(&output)
        .into_iter()
        .filter(|record| record["type"] == "result")
        .collect();
    assert_eq!(results.len(), 2, "stderr: {}", stderr(&output));
    assert_eq!(results[0]["subtype"], "success", "{}", results[0]);
    assert_eq!(results[0]["permission_denials"], json!([]));
    assert_eq!(
        results[1]["permission_denials"][0]["tool_input"]["command"], "git add other.txt",
        "the command's Bash(git add:*) ended with its turn: {}",
        results[1]
    );

    let staged = Command::new("git")
        .args(["diff", "--cached", "--name-only"])
        .current_dir(&workspace.repo)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&staged.stdout), "notes.txt\n");
    let first = last_user_text(&model_requests(&server)[0]);
    assert!(
        first.contains("- Current status: On branch main") && first.contains("notes.txt"),
        "the command's !`git status` output was inlined: {first}"
    );
}

#[test]
fn a_refused_shell_span_fails_the_command_before_anything_runs_or_is_sent() {
    let workspace = project(&[("src/lib.ts", "export {};\n")]);
    let bin = workspace.home.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let marker = workspace.home.join("gh-ran");
    let gh = bin.join("gh");
    std::fs::write(&gh, format!("#!/bin/sh\ntouch {}\n", marker.display())).unwrap();
    std::fs::set_permissions(&gh, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let server = MockServer::spawn(Scenario::new(vec![])).unwrap();
    let output = workspace
        .rudder(&server)
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .args([
            "-p",
            "/review 12 high",
            "--output-format",
            "json",
            "--trust",
        ])
        .output()
        .unwrap();
    let result: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", stderr(&output)));
    assert_eq!(result["is_error"], true, "{result}");
    let errors = result["errors"][0].as_str().unwrap_or_default();
    assert!(
        errors.contains("`!gh pr diff 12` did not run"),
        "the reason names the span: {result}"
    );
    assert!(!marker.exists(), "the refused command never ran");
    assert!(model_requests(&server).is_empty(), "nothing was sent");
    assert!(!output.status.success());
    assert!(
        result["errors"].to_string().contains("needed permission"),
        "{result}"
    );
    assert!(
        stderr(&output).contains("`model: claude-sonnet-4-5` is not applied"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_unknown_slash_name_is_sent_as_plain_text() {
    let workspace = project(&[("a.txt", "a\n")]);
    let server = MockServer::spawn(scenario(json!([
        {"when": "/nonsense please", "content": [{"type": "text", "text": "Plain."}]}
    ])))
    .unwrap();
    let output = workspace
        .rudder(&server)
        .args([
            "-p",
            "/nonsense please",
            "--output-format",
            "json",
            "--trust",
        ])
        .output()
        .unwrap();
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["result"], "Plain.", "{result}");
}

#[test]
fn a_skill_is_listed_by_description_and_loaded_in_full_by_the_skill_tool() {
    let workspace = project(&[("report.txt", "a report\n")]);
    let server = MockServer::spawn(scenario(json!([
        {"when": "convert the report",
         "content": [{"type": "tool_use", "name": "Skill", "input": {"skill": "pdf-tools", "args": "report.pdf"}}]},
        {"when": "To extract text from report.pdf",
         "content": [{"type": "tool_use", "name": "Skill", "input": {"skill": "internal-only"}}]},
        {"when": "can only be run by the user",
         "content": [{"type": "text", "text": "Done."}]}
    ])))
    .unwrap();
    let output = workspace
        .rudder(&server)
        .args([
            "-p",
            "convert the report",
            "--output-format",
            "json",
            "--trust",
        ])
        .output()
        .unwrap();
    let result: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", stderr(&output)));
    assert_eq!(result["result"], "Done.", "{result}");

    let requests = model_requests(&server);
    assert_eq!(requests.len(), 3);
    let first = last_user_text(&requests[0]);
    assert!(
        first.contains("Skills you can load with the Skill tool")
            && first.contains("- pdf-tools: Extract text and tables from PDF files")
            && first.contains("- release-notes: Drafts release notes"),
        "{first}"
    );
    assert!(
        !first.contains("internal-only") && !first.contains("To extract text from"),
        "only names and descriptions, and not the user-only skill: {first}"
    );
    let loaded = last_user_text(&requests[1]);
    let dir = workspace.repo.join(".claude/skills/pdf-tools");
    assert!(
        loaded.contains(&format!(
            "python3 {}/scripts/extract.py report.pdf",
            dir.display()
        )),
        "the full SKILL.md with its folder and arguments: {loaded}"
    );
    super::support::assert_prefixes_extend(&requests);
}

#[test]
fn disabled_slash_commands_are_sent_as_text_and_skills_are_not_offered() {
    let workspace = project(&[("a.txt", "a\n")]);
    let server = MockServer::spawn(scenario(json!([
        {"when": "/changes a.txt", "content": [{"type": "text", "text": "Just text."}]}
    ])))
    .unwrap();
    let output = workspace
        .rudder(&server)
        .args([
            "-p",
            "/changes a.txt",
            "--output-format",
            "stream-json",
            "--verbose",
        ])
        .args(["--trust", "--disable-slash-commands"])
        .output()
        .unwrap();
    let result = result_of(&output);
    assert_eq!(result["result"], "Just text.", "{result}");
    let init = &records(&output)[0];
    assert_eq!(names(&init["skills"]), Vec::<String>::new());
    assert!(!names(&init["tools"]).contains(&"Skill".to_owned()));
    assert!(names(&init["slash_commands"]).contains(&"cost".to_owned()));
}

//! `/init`, `/hooks`, `/config`, `/agents`, `/memory`, the rewind picker's
//! rows and target, and pasted images, through the driver over a real
//! session and the scripted model server.

use std::path::PathBuf;

use rudder_protocol::event::TurnStop;
use rudder_protocol::permission::PermissionMode;
use rudder_protocol::{ContentBlock, ImageSource};
use rudder_tui::{Driver, DriverCommand, ImageError};
use serde_json::json;

use super::harness::{Harness, Project};
use super::{allow, write};

fn other(name: &str) -> DriverCommand {
    DriverCommand::Other {
        name: name.into(),
        args: String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_is_a_turn_whose_write_of_claude_md_needs_approval() {
    let mut harness = Harness::build(
        |repo| {
            json!([
                {"when": "read them first: .cursorrules", "content": [
                    write(repo, "CLAUDE.md", "# CLAUDE.md\n\nRun `make test`; use tabs.\n")
                ]},
                {"content": [{"type": "text", "text": "Wrote CLAUDE.md."}]}
            ])
        },
        PermissionMode::Default,
        &[],
        &Project {
            files: &[(".cursorrules", "Always use tabs.\n")],
            ..Project::default()
        },
    )
    .await;
    harness.submit("/init");
    assert_eq!(harness.answer_approval(allow()).await, "Write");
    let outcome = harness.turn_end().await;
    assert_eq!(outcome.stop, TurnStop::Completed);
    assert_eq!(outcome.result_text, "Wrote CLAUDE.md.");
    assert_eq!(
        std::fs::read_to_string(harness.path("CLAUDE.md")).unwrap(),
        "# CLAUDE.md\n\nRun `make test`; use tabs.\n"
    );
    let first: serde_json::Value =
        serde_json::from_slice(&harness.server.requests()[0].body).unwrap();
    let sent = first["messages"].to_string();
    assert!(
        sent.contains("<command-name>/init</command-name>"),
        "{sent}"
    );
    assert!(sent.contains("Write a CLAUDE.md file"), "{sent}");
    assert!(sent.contains("Cursor or Copilot"), "{sent}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_refused_leaves_no_file() {
    let mut harness = Harness::new(
        |repo| {
            json!([
                {"when": "Write a CLAUDE.md", "content": [write(repo, "CLAUDE.md", "# x\n")]},
                {"content": [{"type": "text", "text": "Understood."}]}
            ])
        },
        PermissionMode::Default,
        &[],
    )
    .await;
    harness.submit("/init");
    harness
        .answer_approval(rudder_protocol::permission::ApprovalDecision::Deny {
            message: "not now".into(),
            interrupt: false,
        })
        .await;
    harness.turn_end().await;
    assert!(!harness.path("CLAUDE.md").exists());
}

const SETTINGS: &str = r#"{
  "model": "opus",
  "hooks": {
    "PreToolUse": [{"matcher": "Edit|Write", "hooks": [{"type": "command", "command": "./check.sh", "timeout": 5}]}],
    "SessionStart": [{"hooks": [{"type": "command", "command": "echo hi"}]}]
  }
}"#;

const USER_SETTINGS: &str = r#"{
  "permissions": {"deny": ["WebFetch"]},
  "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}]}
}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hooks_lists_each_hook_with_its_file_and_withholds_untrusted_ones() {
    let files = [
        (".claude/settings.json", SETTINGS),
        ("~/.claude/settings.json", USER_SETTINGS),
    ];
    let trusted = Harness::build(
        |_| json!([]),
        PermissionMode::Default,
        &[],
        &Project {
            files: &files,
            trusted: true,
            ..Project::default()
        },
    )
    .await;
    let listed = trusted.driver.command(other("hooks")).await.unwrap();
    assert!(listed.starts_with("Hooks in force (3;"), "{listed}");
    assert!(
        listed.contains("PreToolUse [Edit|Write] ./check.sh"),
        "{listed}"
    );
    assert!(listed.contains("timeout 5s · project "), "{listed}");
    assert!(listed.contains("SessionStart [*] echo hi"), "{listed}");
    assert!(listed.contains("Stop [*] notify-send done"), "{listed}");
    assert!(listed.contains(".claude/settings.json"), "{listed}");

    let untrusted = Harness::build(
        |_| json!([]),
        PermissionMode::Default,
        &[],
        &Project {
            files: &files,
            ..Project::default()
        },
    )
    .await;
    let listed = untrusted.driver.command(other("hooks")).await.unwrap();
    assert!(listed.starts_with("Hooks in force (1;"), "{listed}");
    assert!(!listed.contains("./check.sh"), "{listed}");
    assert!(
        listed.contains("Not applied until you trust this folder")
            && listed.contains("settings.json (hooks)"),
        "{listed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_shows_each_value_with_its_file() {
    let files = [
        (".claude/settings.json", SETTINGS),
        ("~/.claude/settings.json", USER_SETTINGS),
    ];
    let harness = Harness::build(
        |_| json!([]),
        PermissionMode::Default,
        &[],
        &Project {
            files: &files,
            trusted: true,
            ..Project::default()
        },
    )
    .await;
    let shown = harness.driver.command(other("config")).await.unwrap();
    let line = |key: &str| {
        shown
            .lines()
            .find(|line| line.starts_with(key))
            .unwrap_or_else(|| panic!("no {key} in:\n{shown}"))
            .to_owned()
    };
    assert!(line("model = \"opus\"").contains("# project "), "{shown}");
    assert!(
        line("permissions.deny[0] = \"WebFetch\"").contains("# user "),
        "{shown}"
    );
    assert!(shown.contains("rudder config"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_lists_types_by_origin_with_tools_and_model() {
    let reviewer = "---\nname: reviewer\ndescription: Reviews diffs\ntools: Read, Grep\nmodel: haiku\n---\nReview.\n";
    let helper = "---\nname: helper\ndescription: Helps\n---\nHelp.\n";
    let harness = Harness::build(
        |_| json!([]),
        PermissionMode::Default,
        &[],
        &Project {
            files: &[
                (".claude/agents/reviewer.md", reviewer),
                ("~/.claude/agents/helper.md", helper),
            ],
            trusted: true,
            cli_agents: Some(
                r#"{"sdk-bot": {"description": "From the SDK", "prompt": "Be brief.", "model": "opus"}}"#,
            ),
        },
    )
    .await;
    let listed = harness.driver.command(other("agents")).await.unwrap();
    let after = |title: &str, name: &str| {
        let start = listed
            .find(title)
            .unwrap_or_else(|| panic!("no {title}:\n{listed}"));
        listed[start..].contains(name)
    };
    assert!(
        after("Project (.claude/agents):", "  reviewer · "),
        "{listed}"
    );
    assert!(listed.contains("tools: Read, Grep"), "{listed}");
    assert!(
        listed.contains("model: haiku → claude-haiku-4-5"),
        "{listed}"
    );
    assert!(listed.contains("model: opus → claude-opus-4-8"), "{listed}");
    assert!(after("User (~/.claude/agents):", "  helper"), "{listed}");
    assert!(
        listed.contains("model: inherit (claude-sonnet-4-5)"),
        "{listed}"
    );
    assert!(
        after("Command line / Agent SDK (--agents):", "  sdk-bot"),
        "{listed}"
    );
    assert!(after("Built-in:", "  general-purpose"), "{listed}");
    assert!(listed.contains("(read-only)"), "{listed}");
    assert!(!listed.contains("not offered"), "{listed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_offers_the_standard_places_and_lists_without_an_editor() {
    let harness = Harness::build(
        |_| json!([]),
        PermissionMode::Default,
        &[],
        &Project {
            files: &[("CLAUDE.md", "# Project rules\n")],
            ..Project::default()
        },
    )
    .await;
    let files = harness.driver.memory_files();
    let rows: Vec<(&str, bool)> = files
        .iter()
        .map(|file| (file.label.as_str(), file.exists))
        .collect();
    assert_eq!(
        rows,
        [
            ("Project memory", true),
            ("Project memory (local)", false),
            ("User memory", false)
        ]
    );
    assert_eq!(files[0].path, harness.path("CLAUDE.md"));
    assert!(files[2].path.ends_with(".claude/CLAUDE.md"));
    let listed = harness.driver.command(other("memory")).await.unwrap();
    assert!(listed.contains("project: "), "{listed}");
    assert!(listed.contains("$EDITOR"), "{listed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_picker_rows_rewind_by_id_and_scope() {
    let mut harness = Harness::new(
        |repo| {
            json!([
                {"when": "make it", "content": [write(repo, "made.txt", "made\n")]},
                {"content": [{"type": "text", "text": "Made."}]},
                {"when": "just talk", "content": [{"type": "text", "text": "Talking."}]}
            ])
        },
        PermissionMode::BypassPermissions,
        &[],
    )
    .await;
    harness.submit("make it");
    harness.turn_end().await;
    harness.submit("just talk");
    harness.turn_end().await;
    let points = harness.driver.rewind_points().await.unwrap();
    let rows: Vec<(&str, &[String])> = points
        .iter()
        .map(|point| (point.preview.as_str(), point.files.as_slice()))
        .collect();
    assert_eq!(
        rows,
        [
            ("make it", ["made.txt".to_owned()].as_slice()),
            ("just talk", [].as_slice())
        ]
    );
    assert!(points.iter().all(|point| point.code));
    let done = harness
        .driver
        .command(DriverCommand::Rewind {
            target: Some(format!("{} code", points[0].id)),
        })
        .await
        .unwrap();
    assert!(done.starts_with("Rewound code."), "{done}");
    assert!(!harness.path("made.txt").exists());
    assert_eq!(
        harness.driver.rewind_points().await.unwrap().len(),
        2,
        "a code rewind keeps the conversation"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_image_reaches_the_model_as_an_image_block() {
    /// A PNG signature and the start of its header chunk.
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let mut harness = Harness::new(
        |_| json!([{"when": "[Image #1]", "content": [{"type": "text", "text": "A screenshot."}]}]),
        PermissionMode::Default,
        &[],
    )
    .await;
    std::fs::write(harness.path("shot.png"), PNG).unwrap();
    let image = harness
        .driver
        .load_image(harness.path("shot.png"))
        .await
        .unwrap();
    assert!(matches!(
        &image,
        ContentBlock::Image { source: ImageSource::Base64 { media_type, .. }, .. } if media_type == "image/png"
    ));
    assert_eq!(
        harness
            .driver
            .load_image(PathBuf::from("/nowhere/gone.png"))
            .await,
        Err(ImageError::NotFound)
    );
    harness
        .driver
        .submit(vec![ContentBlock::text("what is in [Image #1]?"), image]);
    assert_eq!(harness.turn_end().await.result_text, "A screenshot.");
    let request: serde_json::Value = serde_json::from_str(&harness.last_request()).unwrap();
    let content = &request["messages"][0]["content"];
    let image = content
        .as_array()
        .unwrap()
        .iter()
        .find(|block| block["type"] == "image")
        .unwrap_or_else(|| panic!("no image block in {content}"));
    assert_eq!(image["source"]["media_type"], "image/png");
    assert_eq!(image["source"]["data"], "iVBORw0KGgoAAAANSUhEUg==");
}

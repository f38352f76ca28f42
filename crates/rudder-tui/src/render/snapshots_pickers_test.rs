//! Render snapshots of the views added for the pickers and attachments:
//! the rewind picker (messages, then what to restore, with code disabled
//! where no checkpoint exists), the memory-file picker, a prompt with an
//! attached image, `/help`, and the project MCP server dialog.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crossterm::event::KeyCode;

use super::snapshots_test::{draw_view, text};
use crate::app::App;
use crate::driver::{MemoryChoice, RewindChoice};
use crate::options::{CustomCommand, McpServerQuestion, TuiOptions};
use crate::testing::{app_with, fake_image, key, type_text};

fn press(app: &mut App, code: KeyCode) {
    app.on_key(key(code), Instant::now());
}

fn rewind_app() -> App {
    let (mut app, _driver) = app_with(TuiOptions::default());
    app.on_rewind_points(Ok(vec![
        RewindChoice {
            id: "u1".into(),
            preview: "fix the bug in calc.py".into(),
            code: true,
            files: vec!["calc.py".into(), "tests/test_calc.py".into()],
        },
        RewindChoice {
            id: "u2".into(),
            preview: "count the python files".into(),
            code: true,
            files: Vec::new(),
        },
        RewindChoice {
            id: "u3".into(),
            preview: "what does add do?".into(),
            code: false,
            files: Vec::new(),
        },
    ]));
    app
}

#[test]
fn rewind_picker_lists_messages_newest_first() {
    let mut app = rewind_app();
    press(&mut app, KeyCode::Down);
    insta::assert_snapshot!(draw_view(&app, 80, 24));
}

#[test]
fn rewind_picker_asks_what_to_restore() {
    let mut app = rewind_app();
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!(draw_view(&app, 80, 24));
}

#[test]
fn rewind_picker_without_a_checkpoint_offers_the_conversation_only() {
    let mut app = rewind_app();
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!(draw_view(&app, 80, 24));
}

#[test]
fn memory_picker() {
    let (mut app, driver) = app_with(TuiOptions {
        editor: Some("vim".into()),
        ..TuiOptions::default()
    });
    *driver.memory.lock().unwrap() = vec![
        MemoryChoice {
            label: "Project memory".into(),
            path: PathBuf::from("/p/CLAUDE.md"),
            exists: true,
        },
        MemoryChoice {
            label: "Project memory (local)".into(),
            path: PathBuf::from("/p/CLAUDE.local.md"),
            exists: false,
        },
        MemoryChoice {
            label: "User memory".into(),
            path: PathBuf::from("/home/me/.claude/CLAUDE.md"),
            exists: true,
        },
    ];
    type_text(&mut app, "/memory");
    app.completion = None;
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!(draw_view(&app, 70, 24));
}

#[test]
fn prompt_with_an_attached_image() {
    let (mut app, _driver) = app_with(TuiOptions::default());
    type_text(&mut app, "why does ");
    app.on_image("/tmp/shot.png", Ok(fake_image(Path::new("/tmp/shot.png"))));
    type_text(&mut app, " show an error?");
    insta::assert_snapshot!(draw_view(&app, 60, 24));
}

#[test]
fn help_output() {
    let (mut app, _driver) = app_with(TuiOptions {
        custom_commands: vec![
            CustomCommand {
                name: "greet".into(),
                description: "Greet someone (project)".into(),
            },
            CustomCommand {
                name: "pdf".into(),
                description: "Work with PDF files (skill)".into(),
            },
        ],
        ..TuiOptions::default()
    });
    app.take_output();
    type_text(&mut app, "/help");
    app.completion = None;
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!(text(&app.take_output()));
}

#[test]
fn mcp_server_dialog_names_the_server_and_its_command() {
    let (mut app, _driver) = app_with(TuiOptions {
        mcp_servers_to_approve: vec![
            McpServerQuestion {
                name: "notes".into(),
                target: "python3 tools/notes_server.py --root ${HOME}/notes".into(),
            },
            McpServerQuestion {
                name: "api".into(),
                target: "https://mcp.example.com/mcp".into(),
            },
        ],
        ..TuiOptions::default()
    });
    app.start();
    press(&mut app, KeyCode::Down);
    insta::assert_snapshot!(draw_view(&app, 80, 24));
}

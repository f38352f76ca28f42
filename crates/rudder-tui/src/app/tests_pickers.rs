//! Behaviour of the rewind and memory pickers, pasted images, `/init`,
//! `/help` and the echo of expanded commands, driven with synthetic keys
//! through the fake driver.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use rudder_protocol::content::ContentBlock;
use rudder_protocol::event::AgentEvent;
use rudder_protocol::message::{Message, Role};

use super::{App, Effect};
use crate::driver::{DriverCommand, ImageError, MemoryChoice, RewindChoice};
use crate::options::{CustomCommand, TuiOptions};
use crate::testing::{Call, app_with, fake_image, key, type_text};

fn press(app: &mut App, code: KeyCode) {
    app.on_key(key(code), Instant::now());
}

fn output(app: &mut App) -> String {
    app.take_output()
        .iter()
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Two messages, oldest first: the first changed a file, the second was
/// sent before checkpoints existed.
fn points() -> Vec<RewindChoice> {
    vec![
        RewindChoice {
            id: "uuid-1".into(),
            preview: "fix the bug".into(),
            code: true,
            files: vec!["calc.py".into()],
        },
        RewindChoice {
            id: "uuid-2".into(),
            preview: "explain it".into(),
            code: false,
            files: Vec::new(),
        },
    ]
}

/// Esc Esc on an empty prompt, then the driver's answer.
fn open_rewind(app: &mut App) {
    app.take_effects();
    let now = Instant::now();
    app.on_key(key(KeyCode::Esc), now);
    app.on_key(key(KeyCode::Esc), now + Duration::from_millis(200));
    assert_eq!(app.take_effects(), [Effect::LoadRewindPoints]);
    assert_eq!(app.command_running.as_deref(), Some("/rewind"));
    app.on_rewind_points(Ok(points()));
}

#[test]
fn esc_esc_opens_the_rewind_picker_and_enter_enter_rewinds_code_and_conversation() {
    let (mut app, _driver) = app_with(TuiOptions::default());
    open_rewind(&mut app);
    let picker = app.picker.as_ref().expect("the picker is open");
    let rows: Vec<&str> = picker
        .items
        .iter()
        .map(|item| item.label.as_str())
        .collect();
    assert_eq!(rows, ["explain it", "fix the bug"], "newest first");
    assert_eq!(picker.items[1].detail, "1 file changed since: calc.py");
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    let scope = app.picker.as_ref().expect("the scope step is open");
    assert_eq!(
        scope.items[scope.selected].label,
        "Restore code and conversation"
    );
    press(&mut app, KeyCode::Enter);
    assert!(app.picker.is_none());
    assert_eq!(
        app.take_effects(),
        [Effect::Command(DriverCommand::Rewind {
            target: Some("uuid-1 both".into())
        })]
    );
}

#[test]
fn without_a_checkpoint_only_the_conversation_can_be_rewound() {
    let (mut app, _driver) = app_with(TuiOptions::default());
    open_rewind(&mut app);
    press(&mut app, KeyCode::Enter);
    let scope = app.picker.as_ref().unwrap();
    assert_eq!(scope.items[scope.selected].label, "Restore conversation");
    assert!(!scope.items[0].enabled && !scope.items[2].enabled);
    // Up skips the disabled rows; "3" (code) cannot be chosen.
    press(&mut app, KeyCode::Up);
    let scope = app.picker.as_ref().unwrap();
    assert_eq!(scope.items[scope.selected].label, "Never mind");
    press(&mut app, KeyCode::Char('3'));
    assert!(app.picker.is_some());
    press(&mut app, KeyCode::Char('2'));
    assert_eq!(
        app.take_effects(),
        [Effect::Command(DriverCommand::Rewind {
            target: Some("uuid-2 conversation".into())
        })]
    );
}

#[test]
fn esc_steps_back_then_closes_and_never_mind_changes_nothing() {
    let (mut app, driver) = app_with(TuiOptions::default());
    open_rewind(&mut app);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Esc);
    let back = app.picker.as_ref().expect("back at the messages");
    assert_eq!(back.items[back.selected].label, "fix the bug");
    press(&mut app, KeyCode::Esc);
    assert!(app.picker.is_none());
    open_rewind(&mut app);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('4'));
    assert!(app.picker.is_none());
    assert!(app.take_effects().is_empty());
    assert!(driver.take().is_empty());
}

#[test]
fn slash_rewind_opens_the_picker_and_with_arguments_rewinds_at_once() {
    let (mut app, _driver) = app_with(TuiOptions::default());
    app.take_effects();
    type_text(&mut app, "/rewind");
    app.completion = None;
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.take_effects(), [Effect::LoadRewindPoints]);
    app.on_rewind_points(Ok(Vec::new()));
    assert!(app.picker.is_none());
    assert!(output(&mut app).contains("Nothing to rewind yet"));
    type_text(&mut app, "/rewind 2 code");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.take_effects(),
        [Effect::Command(DriverCommand::Rewind {
            target: Some("2 code".into())
        })]
    );
}

#[test]
fn prompts_sent_while_the_picker_is_open_wait_for_it() {
    let (mut app, driver) = app_with(TuiOptions::default());
    open_rewind(&mut app);
    app.on_paste("ignored while choosing");
    app.send_prompt(crate::editor::Prompt::text("queued"));
    assert!(driver.take().is_empty());
    press(&mut app, KeyCode::Esc);
    assert_eq!(driver.take(), [Call::Submit("queued".into())]);
}

#[test]
fn memory_opens_the_chosen_file_in_the_editor_or_lists_without_one() {
    let files = vec![
        MemoryChoice {
            label: "Project memory".into(),
            path: PathBuf::from("/p/CLAUDE.md"),
            exists: true,
        },
        MemoryChoice {
            label: "User memory".into(),
            path: PathBuf::from("/home/me/.claude/CLAUDE.md"),
            exists: false,
        },
    ];
    let (mut app, driver) = app_with(TuiOptions {
        editor: Some("vim".into()),
        ..TuiOptions::default()
    });
    *driver.memory.lock().unwrap() = files;
    app.take_effects();
    type_text(&mut app, "/memory");
    app.completion = None;
    press(&mut app, KeyCode::Enter);
    let picker = app.picker.as_ref().expect("the memory picker is open");
    assert_eq!(picker.items[1].detail, "/home/me/.claude/CLAUDE.md (new)");
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.take_effects(),
        [Effect::OpenEditor(PathBuf::from(
            "/home/me/.claude/CLAUDE.md"
        ))]
    );
    output(&mut app);
    app.on_editor_closed(std::path::Path::new("/home/me/.claude/CLAUDE.md"), Ok(()));
    let text = output(&mut app);
    assert!(
        text.contains("Opened /home/me/.claude/CLAUDE.md in `vim`"),
        "{text}"
    );
    app.on_editor_closed(
        std::path::Path::new("/p/CLAUDE.md"),
        Err("the editor exited with exit status: 1".into()),
    );
    assert!(output(&mut app).contains("Could not edit /p/CLAUDE.md with `vim`"));

    let (mut plain, _driver) = app_with(TuiOptions::default());
    plain.take_effects();
    type_text(&mut plain, "/memory");
    plain.completion = None;
    press(&mut plain, KeyCode::Enter);
    assert_eq!(
        plain.take_effects(),
        [Effect::Command(DriverCommand::Other {
            name: "memory".into(),
            args: String::new()
        })]
    );
}

#[test]
fn a_pasted_image_path_is_attached_and_sent_as_an_image_block() {
    let (mut app, driver) = app_with(TuiOptions::default());
    app.take_effects();
    type_text(&mut app, "what is in ");
    app.on_paste("'/tmp/my shot.png'");
    let path = PathBuf::from("/tmp/my shot.png");
    assert_eq!(
        app.take_effects(),
        [Effect::LoadImage {
            path: path.clone(),
            text: "'/tmp/my shot.png'".into()
        }]
    );
    app.on_image("'/tmp/my shot.png'", Ok(fake_image(&path)));
    type_text(&mut app, "?");
    assert_eq!(app.editor.text(), "what is in [Image #1]?");
    press(&mut app, KeyCode::Enter);
    let prompts = driver.prompts.lock().unwrap().clone();
    assert_eq!(
        prompts,
        [vec![
            ContentBlock::text("what is in [Image #1]?"),
            fake_image(&path)
        ]]
    );
}

#[test]
fn a_missing_image_is_pasted_as_text_and_a_refused_one_is_explained() {
    let (mut app, _driver) = app_with(TuiOptions::default());
    app.on_image("notes/missing.png", Err(ImageError::NotFound));
    assert_eq!(app.editor.text(), "notes/missing.png");
    output(&mut app);
    app.on_image(
        "/tmp/huge.png",
        Err(ImageError::Refused("huge.png is 9.0 MB".into())),
    );
    assert_eq!(app.editor.text(), "notes/missing.png");
    assert!(output(&mut app).contains("Image not attached: huge.png is 9.0 MB"));
}

#[test]
fn queued_images_survive_an_interrupt() {
    let (mut app, _driver) = app_with(TuiOptions::default());
    type_text(&mut app, "go");
    press(&mut app, KeyCode::Enter);
    let path = PathBuf::from("/tmp/a.png");
    app.on_image("/tmp/a.png", Ok(fake_image(&path)));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.queue.len(), 1);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.editor.text(), "[Image #1]");
    assert_eq!(app.editor.submission().images.len(), 1);
}

#[test]
fn init_is_a_turn_of_the_agent() {
    let (mut app, driver) = app_with(TuiOptions::default());
    type_text(&mut app, "/init");
    app.completion = None;
    press(&mut app, KeyCode::Enter);
    assert_eq!(driver.take(), [Call::Submit("/init".into())]);
    assert!(app.turn.is_some());
}

#[test]
fn help_lists_every_built_in_and_custom_command_with_its_description() {
    let (mut app, _driver) = app_with(TuiOptions {
        custom_commands: vec![CustomCommand {
            name: "greet".into(),
            description: "Greet someone (project)".into(),
        }],
        ..TuiOptions::default()
    });
    output(&mut app);
    type_text(&mut app, "/help");
    app.completion = None;
    press(&mut app, KeyCode::Enter);
    let text = output(&mut app);
    for (name, description) in super::commands::BUILTINS {
        assert!(
            text.contains(&format!("/{name}")) && text.contains(description),
            "/{name} missing:\n{text}"
        );
    }
    assert!(text.contains("/greet") && text.contains("Greet someone (project)"));
    assert!(text.contains("(also /quit)"), "{text}");
}

#[test]
fn an_expanded_command_is_echoed_as_typed() {
    let (mut app, _driver) = app_with(TuiOptions::default());
    output(&mut app);
    app.on_agent_event(AgentEvent::UserMessage {
        uuid: String::new(),
        message: Message::new(
            Role::User,
            vec![
                ContentBlock::text(
                    "<command-name>/greet</command-name>\n<command-args>Ada</command-args>",
                ),
                ContentBlock::text("Say hello to Ada."),
            ],
        ),
        tool_use_result: None,
        parent_tool_use_id: None,
    });
    let text = output(&mut app);
    assert!(text.contains("> /greet Ada"), "{text}");
    assert!(!text.contains("Say hello"), "{text}");
}

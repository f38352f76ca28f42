//! Behaviour of the app state machine, driven with synthetic keys and
//! agent events through the fake driver.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rudder_protocol::content::ContentBlock;
use rudder_protocol::event::{AgentEvent, TurnOutcome, TurnStop};
use rudder_protocol::message::Message;
use rudder_protocol::permission::{
    ApprovalDecision, ApprovalRequest, PermissionMode, PermissionUpdate, RuleBehavior, RuleValue,
    UpdateDestination,
};
use rudder_protocol::usage::Usage;
use serde_json::json;
use tokio::sync::oneshot;

use super::Effect;
use crate::driver::DriverCommand;
use crate::options::TuiOptions;
use crate::testing::{Call, app_with, key, type_text};

fn enter(app: &mut super::App) {
    app.on_key(key(KeyCode::Enter), Instant::now());
}

pub(crate) fn turn_ended() -> AgentEvent {
    AgentEvent::TurnEnded(TurnOutcome {
        stop: TurnStop::Completed,
        result_text: String::new(),
        num_turns: 1,
        duration_ms: 10,
        duration_api_ms: 5,
        usage: Usage::default(),
        model_usage: Default::default(),
        total_cost_usd: 0.5,
        permission_denials: Vec::new(),
        stop_reason: None,
    })
}

#[test]
fn enter_submits_the_prompt_to_the_driver() {
    let (mut app, driver) = app_with(TuiOptions::default());
    type_text(&mut app, "fix the bug");
    enter(&mut app);
    assert_eq!(driver.take(), [Call::Submit("fix the bug".into())]);
    assert!(app.editor.is_empty());
    assert!(app.turn.is_some());
}

#[test]
fn typing_during_a_turn_queues_until_it_ends() {
    let (mut app, driver) = app_with(TuiOptions::default());
    type_text(&mut app, "first");
    enter(&mut app);
    type_text(&mut app, "second");
    enter(&mut app);
    type_text(&mut app, "third");
    enter(&mut app);
    assert_eq!(driver.take(), [Call::Submit("first".into())]);
    let queued: Vec<&str> = app
        .queue
        .iter()
        .map(|prompt| prompt.text.as_str())
        .collect();
    assert_eq!(queued, ["second", "third"]);
    app.on_agent_event(turn_ended());
    assert_eq!(driver.take(), [Call::Submit("second\n\nthird".into())]);
    assert!(app.queue.is_empty());
}

#[test]
fn alt_enter_steers_the_running_turn() {
    let (mut app, driver) = app_with(TuiOptions::default());
    type_text(&mut app, "go");
    enter(&mut app);
    type_text(&mut app, "use tabs");
    app.on_key(
        KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT),
        Instant::now(),
    );
    assert_eq!(
        driver.take(),
        [Call::Submit("go".into()), Call::Steer("use tabs".into())]
    );
    assert!(app.queue.is_empty());
}

#[test]
fn esc_interrupts_and_returns_queued_prompts_to_the_editor() {
    let (mut app, driver) = app_with(TuiOptions::default());
    type_text(&mut app, "go");
    enter(&mut app);
    type_text(&mut app, "later");
    enter(&mut app);
    app.on_key(key(KeyCode::Esc), Instant::now());
    assert_eq!(driver.take(), [Call::Submit("go".into()), Call::Interrupt]);
    assert_eq!(app.editor.text(), "later");
}

#[test]
fn shift_tab_cycles_permission_modes() {
    let (mut app, driver) = app_with(TuiOptions::default());
    for _ in 0..3 {
        app.on_key(key(KeyCode::BackTab), Instant::now());
    }
    assert_eq!(
        driver.take(),
        [
            Call::SetMode(PermissionMode::AcceptEdits),
            Call::SetMode(PermissionMode::Plan),
            Call::SetMode(PermissionMode::Default),
        ]
    );
    let (mut app, driver) = app_with(TuiOptions {
        allow_bypass: true,
        ..TuiOptions::default()
    });
    for _ in 0..3 {
        app.on_key(key(KeyCode::BackTab), Instant::now());
    }
    assert_eq!(
        driver.take().last(),
        Some(&Call::SetMode(PermissionMode::BypassPermissions))
    );
}

fn request(suggestions: Vec<PermissionUpdate>) -> ApprovalRequest {
    ApprovalRequest {
        tool_use_id: "toolu_1".into(),
        tool_name: "Bash".into(),
        input: json!({"command": "npm test"}),
        reason: "Bash commands need approval".into(),
        suggestions,
        blocked_path: None,
    }
}

fn rule() -> PermissionUpdate {
    PermissionUpdate::AddRules {
        rules: vec![RuleValue {
            tool_name: "Bash".into(),
            rule_content: Some("npm test:*".into()),
        }],
        behavior: RuleBehavior::Allow,
        destination: UpdateDestination::LocalSettings,
    }
}

fn answer(keys: &[KeyCode], suggestions: Vec<PermissionUpdate>) -> ApprovalDecision {
    let (mut app, _driver) = app_with(TuiOptions::default());
    let (reply, mut receiver) = oneshot::channel();
    app.on_approval(request(suggestions), reply, None);
    for code in keys {
        app.on_key(key(*code), Instant::now());
    }
    assert!(app.approvals.is_empty(), "the prompt should be answered");
    receiver.try_recv().unwrap()
}

#[test]
fn approval_allow_once() {
    let decision = answer(&[KeyCode::Enter], vec![rule()]);
    assert_eq!(
        decision,
        ApprovalDecision::Allow {
            updated_input: None,
            updated_permissions: Vec::new()
        }
    );
}

#[test]
fn approval_always_allow_sends_the_suggestions() {
    let decision = answer(&[KeyCode::Down, KeyCode::Enter], vec![rule()]);
    assert_eq!(
        decision,
        ApprovalDecision::Allow {
            updated_input: None,
            updated_permissions: vec![rule()]
        }
    );
    // Without suggestions the second option is "No".
    let decision = answer(&[KeyCode::Char('2'), KeyCode::Enter], Vec::new());
    assert!(matches!(
        decision,
        ApprovalDecision::Deny {
            interrupt: true,
            ..
        }
    ));
}

#[test]
fn approval_deny_with_feedback_lets_the_model_go_on() {
    let mut keys = vec![KeyCode::Char('3')];
    keys.extend("use pytest".chars().map(KeyCode::Char));
    keys.push(KeyCode::Enter);
    let decision = answer(&keys, vec![rule()]);
    let ApprovalDecision::Deny { message, interrupt } = decision else {
        panic!("expected a denial, got {decision:?}");
    };
    assert!(message.ends_with("use pytest"), "{message}");
    assert!(!interrupt);
    let decision = answer(&[KeyCode::Esc], vec![rule()]);
    assert!(matches!(
        decision,
        ApprovalDecision::Deny {
            interrupt: true,
            ..
        }
    ));
}

#[test]
fn closed_approvals_are_dropped() {
    let (mut app, _driver) = app_with(TuiOptions::default());
    let (reply, receiver) = oneshot::channel();
    app.on_approval(request(Vec::new()), reply, None);
    drop(receiver);
    app.drop_closed_approvals();
    assert!(app.approvals.is_empty());
}

#[test]
fn history_up_and_down() {
    let (mut app, _driver) = app_with(TuiOptions::default());
    for prompt in ["one", "two"] {
        type_text(&mut app, prompt);
        enter(&mut app);
        app.on_agent_event(turn_ended());
    }
    type_text(&mut app, "draft");
    app.on_key(key(KeyCode::Up), Instant::now());
    assert_eq!(app.editor.text(), "two");
    app.on_key(key(KeyCode::Up), Instant::now());
    assert_eq!(app.editor.text(), "one");
    app.on_key(key(KeyCode::Up), Instant::now());
    assert_eq!(app.editor.text(), "one");
    app.on_key(key(KeyCode::Down), Instant::now());
    assert_eq!(app.editor.text(), "two");
    app.on_key(key(KeyCode::Down), Instant::now());
    assert_eq!(app.editor.text(), "draft");
}

#[test]
fn at_completion_proposes_the_right_file() {
    let (mut app, _driver) = app_with(TuiOptions::default());
    type_text(&mut app, "look at @ca");
    assert!(app.take_effects().contains(&Effect::IndexFiles));
    app.set_files(
        ["README.md", "src/calc.py", "src/main.rs"]
            .map(String::from)
            .to_vec(),
    );
    type_text(&mut app, "l");
    let completion = app.completion.clone().unwrap();
    assert_eq!(completion.items[0].label, "src/calc.py");
    app.on_key(key(KeyCode::Tab), Instant::now());
    assert_eq!(app.editor.text(), "look at @src/calc.py ");
    assert!(app.completion.is_none());
}

#[test]
fn slash_palette_runs_the_selected_command() {
    let (mut app, _driver) = app_with(TuiOptions::default());
    app.take_effects();
    type_text(&mut app, "/comp");
    assert_eq!(app.completion.as_ref().unwrap().items[0].label, "/compact");
    enter(&mut app);
    assert_eq!(
        app.take_effects(),
        [Effect::Command(DriverCommand::Compact {
            instructions: None
        })]
    );
    assert_eq!(app.command_running.as_deref(), Some("/compact"));
    app.on_command_result(Ok("Compacted.".into()));
    assert!(app.command_running.is_none());
    let text: Vec<String> = app.take_output().iter().map(ToString::to_string).collect();
    assert!(
        text.iter().any(|line| line.contains("Compacted.")),
        "{text:?}"
    );
}

#[test]
fn unsupported_commands_say_not_available_yet() {
    let (mut app, _driver) = app_with(TuiOptions::default());
    type_text(&mut app, "/doctor");
    app.completion = None;
    enter(&mut app);
    assert!(
        app.take_effects()
            .contains(&Effect::Command(DriverCommand::Other {
                name: "doctor".into(),
                args: String::new()
            }))
    );
    app.on_command_result(Err(crate::driver::CommandError::Unsupported));
    let text: Vec<String> = app.take_output().iter().map(ToString::to_string).collect();
    assert!(
        text.iter()
            .any(|line| line.contains("/doctor is not available yet")),
        "{text:?}"
    );
}

#[test]
fn bang_runs_a_shell_command_through_the_driver() {
    let (mut app, _driver) = app_with(TuiOptions::default());
    app.take_effects();
    type_text(&mut app, "!ls -la");
    enter(&mut app);
    assert_eq!(
        app.take_effects(),
        [Effect::Command(DriverCommand::Shell {
            command: "ls -la".into()
        })]
    );
}

#[test]
fn backslash_enter_inserts_a_newline() {
    let (mut app, driver) = app_with(TuiOptions::default());
    type_text(&mut app, "a\\");
    enter(&mut app);
    type_text(&mut app, "b");
    app.on_key(
        KeyEvent::new(KeyCode::Enter, KeyModifiers::SHIFT),
        Instant::now(),
    );
    type_text(&mut app, "c");
    assert_eq!(app.editor.text(), "a\nb\nc");
    assert!(driver.take().is_empty());
}

#[test]
fn finished_tools_leave_memory_for_scrollback() {
    let (mut app, _driver) = app_with(TuiOptions::default());
    type_text(&mut app, "go");
    enter(&mut app);
    app.on_agent_event(AgentEvent::ToolStarted {
        tool_use_id: "t1".into(),
        name: "Read".into(),
        input: json!({"file_path": "src/calc.py"}),
    });
    assert_eq!(app.tools.len(), 1);
    app.on_agent_event(AgentEvent::UserMessage {
        uuid: "u".into(),
        message: Message::new(
            rudder_protocol::Role::User,
            vec![ContentBlock::tool_result("t1", "a\nb", false)],
        ),
        tool_use_result: None,
        parent_tool_use_id: None,
    });
    assert!(app.tools.is_empty());
    let text: Vec<String> = app.take_output().iter().map(ToString::to_string).collect();
    assert_eq!(text, ["", "⏺ Read(src/calc.py)", "  ⎿  Read 2 lines"]);
    assert!(app.take_output().is_empty());
}

/// One full exchange: prompt, streamed answer, a tool call and its result,
/// turn end; the scrollback output is drained as the terminal would.
fn exchange(app: &mut super::App, n: usize) {
    use rudder_protocol::stream::{Delta, StreamEvent};
    type_text(app, &format!("prompt {n}"));
    enter(app);
    app.on_agent_event(AgentEvent::Stream {
        event: StreamEvent::ContentBlockDelta {
            index: 0,
            delta: Delta::TextDelta {
                text: format!("Answer **{n}**.\n\n- a\n- b\n"),
            },
        },
        parent_tool_use_id: None,
    });
    app.on_agent_event(AgentEvent::ToolStarted {
        tool_use_id: format!("t{n}"),
        name: "Bash".into(),
        input: json!({"command": "ls"}),
    });
    app.on_agent_event(AgentEvent::UserMessage {
        uuid: String::new(),
        message: Message::new(
            rudder_protocol::Role::User,
            vec![ContentBlock::tool_result(format!("t{n}"), "a\nb", false)],
        ),
        tool_use_result: None,
        parent_tool_use_id: None,
    });
    app.on_agent_event(turn_ended());
    assert!(!app.take_output().is_empty());
}

#[test]
fn the_view_does_not_depend_on_how_long_the_transcript_is() {
    let view_after = |exchanges: usize| {
        let (mut app, _driver) = app_with(TuiOptions::default());
        for n in 0..exchanges {
            exchange(&mut app, n);
        }
        assert!(app.tools.is_empty() && app.queue.is_empty());
        crate::render::view::build(&app, Instant::now(), 24)
    };
    assert_eq!(view_after(10), view_after(10_000));
}

#[test]
fn output_without_a_submit_counts_as_a_running_turn() {
    use rudder_protocol::stream::StreamEvent;
    let (mut app, driver) = app_with(TuiOptions::default());
    app.on_agent_event(AgentEvent::Stream {
        event: StreamEvent::MessageStart {
            message: rudder_protocol::message::AssistantMessage {
                id: "m".into(),
                kind: "message".into(),
                role: rudder_protocol::Role::Assistant,
                model: "m".into(),
                content: Vec::new(),
                stop_reason: None,
                stop_sequence: None,
                usage: Usage::default(),
            },
        },
        parent_tool_use_id: None,
    });
    type_text(&mut app, "wait for it");
    enter(&mut app);
    assert!(driver.take().is_empty());
    app.on_agent_event(turn_ended());
    assert_eq!(driver.take(), [Call::Submit("wait for it".into())]);
}

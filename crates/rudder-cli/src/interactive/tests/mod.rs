//! The driver over a real session and the scripted model server: what the
//! TUI would see and what happens to the files (no fake driver). The
//! built-in commands added for issue 8's last items (`/init`, `/hooks`,
//! `/config`, `/agents`, `/memory`, the rewind picker, pasted images) are
//! in `commands.rs`; the harness is in `harness.rs`.

mod commands;
mod harness;

use std::path::Path;
use std::time::Duration;

use rudder_protocol::event::TurnStop;
use rudder_protocol::permission::{ApprovalDecision, PermissionMode};
use rudder_protocol::{AgentEvent, ContentBlock};
use rudder_tui::{CommandError, Driver, DriverCommand};
use serde_json::{Value, json};

use harness::{Harness, WAIT};

fn write(repo: &Path, name: &str, content: &str) -> Value {
    json!({"type": "tool_use", "name": "Write", "input": {"file_path": repo.join(name), "content": content}})
}

fn allow() -> ApprovalDecision {
    ApprovalDecision::Allow {
        updated_input: None,
        updated_permissions: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prompt_streams_ends_its_turn_and_updates_the_status() {
    let mut harness = Harness::new(
        |_| json!([{"content": [{"type": "text", "text": "Hello from the model."}]}]),
        PermissionMode::Default,
        &[],
    )
    .await;
    harness.submit("hi");
    let streamed = harness
        .next(|event| match event {
            AgentEvent::Stream { .. } => Some(()),
            _ => None,
        })
        .await;
    assert_eq!(streamed, ());
    let outcome = harness.turn_end().await;
    assert_eq!(outcome.stop, TurnStop::Completed);
    assert_eq!(outcome.result_text, "Hello from the model.");
    let status = harness.driver.status();
    assert!(status.last_usage.is_some());
    assert!(status.total_cost_usd > 0.0);
    assert_eq!(status.model, "claude-sonnet-4-5");
    assert_eq!(status.context_window, 200_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_write_happens_and_a_denied_one_does_not() {
    let mut harness = Harness::new(
        |repo| {
            json!([
                {"when": "make a", "content": [write(repo, "a.txt", "A\n")]},
                {"when": "make b", "content": [write(repo, "b.txt", "B\n")]},
                {"content": [{"type": "text", "text": "ok"}]},
                {"content": [{"type": "text", "text": "ok"}]}
            ])
        },
        PermissionMode::Default,
        &[],
    )
    .await;
    harness.submit("make a");
    assert_eq!(harness.answer_approval(allow()).await, "Write");
    assert_eq!(harness.turn_end().await.stop, TurnStop::Completed);
    assert_eq!(
        std::fs::read_to_string(harness.path("a.txt")).unwrap(),
        "A\n"
    );

    harness.submit("make b");
    harness
        .answer_approval(ApprovalDecision::Deny {
            message: "The user denied this tool call and said: not now".into(),
            interrupt: false,
        })
        .await;
    harness.turn_end().await;
    assert!(!harness.path("b.txt").exists());
    assert!(harness.last_request().contains("not now"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupt_stops_the_turn_and_keeps_what_was_done() {
    let mut harness = Harness::new(
        |repo| {
            json!([{"content": [
                write(repo, "done.txt", "kept\n"),
                {"type": "tool_use", "name": "Bash", "input": {"command": "sleep 30"}}
            ]}])
        },
        PermissionMode::BypassPermissions,
        &[],
    )
    .await;
    harness.submit("work slowly");
    harness
        .next(|event| match event {
            AgentEvent::ToolStarted { name, .. } if name == "Bash" => Some(()),
            _ => None,
        })
        .await;
    let started = std::time::Instant::now();
    harness.driver.interrupt();
    let outcome = harness.turn_end().await;
    assert_eq!(outcome.stop, TurnStop::Interrupted);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        std::fs::read_to_string(harness.path("done.txt")).unwrap(),
        "kept\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_steered_during_a_tool_reaches_the_model_in_the_same_turn() {
    let mut harness = Harness::new(
        |_| {
            json!([
                {"when": "start", "content": [{"type": "tool_use", "name": "Bash", "input": {"command": "sleep 1"}}]},
                {"when": "use tabs", "content": [{"type": "text", "text": "Tabs it is."}]}
            ])
        },
        PermissionMode::BypassPermissions,
        &[],
    )
    .await;
    harness.submit("start");
    harness
        .next(|event| match event {
            AgentEvent::ToolStarted { .. } => Some(()),
            _ => None,
        })
        .await;
    harness.driver.steer(vec![ContentBlock::text("use tabs")]);
    let outcome = harness.turn_end().await;
    assert_eq!(outcome.stop, TurnStop::Completed);
    assert_eq!(outcome.result_text, "Tabs it is.");
    assert_eq!(harness.server.requests().len(), 2, "one turn, two requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rewind_lists_then_restores_files_and_conversation() {
    let mut harness = Harness::new(
        |repo| {
            json!([
                {"when": "edit", "content": [
                    {"type": "tool_use", "name": "Bash", "input": {"command": "printf 'new\\n' > calc.py"}},
                    write(repo, "made.txt", "made\n")
                ]},
                {"content": [{"type": "text", "text": "Edited."}]},
                {"when": "what now", "content": [{"type": "text", "text": "Nothing."}]}
            ])
        },
        PermissionMode::BypassPermissions,
        &[],
    )
    .await;
    std::fs::write(harness.path("calc.py"), b"old\x00bytes\n").unwrap();
    harness.submit("edit the file");
    harness.turn_end().await;
    assert_eq!(
        std::fs::read_to_string(harness.path("calc.py")).unwrap(),
        "new\n"
    );

    let list = harness
        .driver
        .command(DriverCommand::Rewind { target: None })
        .await
        .unwrap();
    assert!(list.contains("1. edit the file"), "{list}");
    assert!(list.contains("2 files changed since"), "{list}");
    let done = harness
        .driver
        .command(DriverCommand::Rewind {
            target: Some("1".into()),
        })
        .await
        .unwrap();
    assert!(done.contains("Restored: calc.py"), "{done}");
    assert!(
        done.contains("Removed (created after that message): made.txt"),
        "{done}"
    );
    assert_eq!(
        std::fs::read(harness.path("calc.py")).unwrap(),
        b"old\x00bytes\n"
    );
    assert!(!harness.path("made.txt").exists());

    harness.submit("what now");
    harness.turn_end().await;
    assert!(!harness.last_request().contains("edit the file"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_commands_run_through_the_bash_tool_and_deny_rules() {
    let harness = Harness::new(|_| json!([]), PermissionMode::Default, &["Bash(rm:*)"]).await;
    let output = harness
        .driver
        .command(DriverCommand::Shell {
            command: "echo from-the-shell".into(),
        })
        .await
        .unwrap();
    assert!(output.contains("from-the-shell"), "{output}");
    let denied = harness
        .driver
        .command(DriverCommand::Shell {
            command: "rm -rf .".into(),
        })
        .await;
    assert!(
        matches!(&denied, Err(CommandError::Failed(message)) if message.starts_with("not run")),
        "{denied:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn built_in_commands_answer_from_the_session() {
    let harness = Harness::new(
        |_| json!([{"content": [{"type": "text", "text": "hi"}]}]),
        PermissionMode::Default,
        &["WebFetch"],
    )
    .await;
    let driver = &harness.driver;
    let model = driver
        .command(DriverCommand::Model {
            model: Some("opus".into()),
        })
        .await
        .unwrap();
    assert!(model.contains("to claude-opus-4-8"), "{model}");
    assert!(model.contains("cache starts over"), "{model}");
    assert_eq!(driver.status().model, "claude-opus-4-8");

    let rules = driver
        .command(DriverCommand::Other {
            name: "permissions".into(),
            args: String::new(),
        })
        .await
        .unwrap();
    assert!(
        rules.contains("deny:") && rules.contains("`WebFetch` from test"),
        "{rules}"
    );
    let memory = driver
        .command(DriverCommand::Other {
            name: "memory".into(),
            args: String::new(),
        })
        .await
        .unwrap();
    assert!(memory.contains("CLAUDE.md"), "{memory}");
    assert!(
        driver
            .command(DriverCommand::Other {
                name: "doctor".into(),
                args: String::new()
            })
            .await
            .unwrap()
            .contains("rudder ")
    );
    let compact = driver
        .command(DriverCommand::Compact { instructions: None })
        .await;
    assert!(
        matches!(&compact, Err(CommandError::Failed(message)) if message.starts_with("nothing to compact")),
        "{compact:?}"
    );

    let before = driver.status().session_id;
    driver.command(DriverCommand::Clear).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_ne!(driver.status().session_id, before);
    let listed = driver
        .command(DriverCommand::Resume { session: None })
        .await
        .unwrap();
    assert!(listed.contains("(this one)"), "{listed}");

    assert!(
        driver
            .set_permission_mode(PermissionMode::AcceptEdits)
            .is_ok()
    );
    assert_eq!(driver.status().permission_mode, PermissionMode::AcceptEdits);
    assert!(
        driver
            .set_permission_mode(PermissionMode::BypassPermissions)
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn always_allow_holds_for_the_rest_of_the_session_and_is_saved() {
    let mut harness = Harness::new(
        |_| {
            json!([
                {"when": "first", "content": [{"type": "tool_use", "name": "Bash", "input": {"command": "touch one.txt"}}]},
                {"when": "second", "content": [{"type": "tool_use", "name": "Bash", "input": {"command": "touch one.txt"}}]},
                {"when": "(No output)", "content": [{"type": "text", "text": "ok"}]},
                {"when": "(No output)", "content": [{"type": "text", "text": "ok"}]}
            ])
        },
        PermissionMode::Default,
        &[],
    )
    .await;
    harness.submit("first");
    let (request, reply) = tokio::time::timeout(WAIT, harness.approvals.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(!request.suggestions.is_empty(), "{request:?}");
    reply
        .send(ApprovalDecision::Allow {
            updated_input: None,
            updated_permissions: request.suggestions.clone(),
        })
        .unwrap();
    let notice = harness
        .next(|event| match event {
            AgentEvent::Notice { message, .. } => Some(message),
            _ => None,
        })
        .await;
    assert!(notice.contains("Allowed from now on"), "{notice}");
    harness.turn_end().await;
    let saved = std::fs::read_to_string(harness.repo.join(".claude/settings.local.json")).unwrap();
    assert!(saved.contains("Bash(touch one.txt)"), "{saved}");
    harness.submit("second");
    assert_eq!(harness.turn_end().await.stop, TurnStop::Completed);
    assert!(harness.approvals.try_recv().is_err(), "asked again");
}

/// `/compact` through the driver summarizes the conversation (the summary
/// request carries no tools), and `/context`'s parts come from the session.
#[tokio::test]
async fn compact_and_context_come_from_the_session() {
    let summary = rudder_core::compaction::summary::SUMMARY_INSTRUCTION;
    let mut harness = Harness::new(
        |_| {
            json!([
                {"when": summary, "content": [{"type": "text", "text": "SUMMARY: three questions."}]},
                {"content": [{"type": "text", "text": "one"}]},
                {"content": [{"type": "text", "text": "two"}]},
                {"content": [{"type": "text", "text": "three"}]}
            ])
        },
        PermissionMode::Default,
        &[],
    )
    .await;
    for question in ["first?", "second?", "third?"] {
        harness.submit(question);
        harness.turn_end().await;
    }
    let parts = harness.driver.status().context_parts;
    assert_eq!(parts.len(), 5, "{parts:?}");
    assert!(
        parts
            .iter()
            .any(|part| part.name == "System tools" && part.tokens > 0)
    );
    let done = harness
        .driver
        .command(DriverCommand::Compact {
            instructions: Some("keep the numbers".into()),
        })
        .await
        .unwrap();
    assert!(
        done.starts_with("Compacted the conversation: 2 messages summarized"),
        "{done}"
    );
    let request: Value = serde_json::from_str(&harness.last_request()).unwrap();
    assert!(
        request
            .get("tools")
            .is_none_or(|tools| tools.as_array().is_some_and(Vec::is_empty))
    );
    assert!(request.to_string().contains("keep the numbers"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_command_typed_in_the_tui_is_expanded_by_the_session() {
    let mut harness = Harness::new(
        |_| json!([{"when": "Say hello to Ada.", "content": [{"type": "text", "text": "Hello, Ada!"}]}]),
        PermissionMode::Default,
        &[],
    )
    .await;
    harness.submit("/greet Ada");
    let outcome = harness.turn_end().await;
    assert_eq!(outcome.result_text, "Hello, Ada!");
    assert!(
        harness
            .last_request()
            .contains("<command-name>/greet</command-name>")
    );
}

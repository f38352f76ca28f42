//! The runner through its public API: real `/bin/sh` hooks, parallel runs,
//! the merge in configuration order, the environment and the events.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rudder_config::hooks::{
    Audience, HookCommand, HookCommon, HookDecision, HookEvent, HookGroup, HookInput, HookMatcher,
    HookSet,
};
use rudder_config::settings::{SettingsOrigin, SettingsScope};
use rudder_protocol::hook::HookRunOutcome;
use rudder_protocol::{AgentEvent, PermissionMode};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::{HookReport, HookRequest, HookRunner};
use crate::events::EventSink;

fn command(text: &str, timeout: Duration) -> HookCommand {
    HookCommand {
        command: text.to_owned(),
        timeout,
        origin: SettingsOrigin {
            scope: SettingsScope::User,
            path: PathBuf::from("/home/u/.claude/settings.json"),
        },
    }
}

fn runner(event: HookEvent, matcher: Option<&str>, commands: &[&str]) -> HookRunner {
    let set = HookSet {
        groups: vec![HookGroup {
            event,
            matcher: HookMatcher::parse(matcher).unwrap(),
            hooks: commands
                .iter()
                .map(|text| command(text, Duration::from_secs(10)))
                .collect(),
        }],
        warnings: Vec::new(),
    };
    HookRunner::new(set, PathBuf::from("/the/project"))
}

fn pre_tool_use(command: &str) -> HookInput {
    HookInput::PreToolUse {
        tool_name: "Bash".into(),
        tool_input: json!({"command": command}),
        tool_use_id: "toolu_1".into(),
    }
}

async fn run(runner: &HookRunner, input: &HookInput) -> (HookReport, Vec<AgentEvent>) {
    let dir = tempfile::tempdir().unwrap();
    let common = HookCommon {
        session_id: "s1".into(),
        transcript_path: dir.path().join("s1.jsonl"),
        cwd: dir.path().to_owned(),
        permission_mode: PermissionMode::Default,
    };
    let (events, mut receiver) = EventSink::channel();
    let cancel = CancellationToken::new();
    let report = runner
        .run(HookRequest {
            common: &common,
            input,
            cwd: dir.path(),
            env: &[("FROM_SETTINGS".into(), "yes".into())],
            time_cap: None,
            cancel: &cancel,
            events: &events,
        })
        .await;
    drop(events);
    let mut seen = Vec::new();
    while let Some(event) = receiver.recv().await {
        seen.push(event);
    }
    (report, seen)
}

#[tokio::test]
async fn no_matching_hook_runs_nothing() {
    let runner = runner(HookEvent::PreToolUse, Some("Write"), &["exit 2"]);
    let (report, events) = run(&runner, &pre_tool_use("ls")).await;
    assert!(report.runs.is_empty());
    assert_eq!(report.outcome.decision, HookDecision::None);
    assert!(events.is_empty());
    assert!(!runner.matches(HookEvent::PreToolUse, Some("Bash")));
}

#[tokio::test]
async fn the_hook_reads_its_event_and_the_environment() {
    let runner = runner(
        HookEvent::PreToolUse,
        Some("Bash"),
        &[
            r#"input=$(cat); printf '{"hookSpecificOutput":{"hookEventName":"PreToolUse","additionalContext":"%s %s %s %s"}}' "$CLAUDE_PROJECT_DIR" "$CLAUDECODE" "$FROM_SETTINGS" "$(echo "$input" | grep -c '"tool_name":"Bash"')""#,
        ],
    );
    let (report, events) = run(&runner, &pre_tool_use("ls")).await;
    assert_eq!(
        report.outcome.additional_context.as_deref(),
        Some("/the/project 1 yes 1")
    );
    let names: Vec<&str> = events
        .iter()
        .filter_map(|event| match event {
            AgentEvent::HookStarted(started) => Some(started.hook_name.as_str()),
            AgentEvent::HookFinished(finished) => Some(finished.hook_name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["PreToolUse:Bash", "PreToolUse:Bash"]);
}

#[tokio::test]
async fn exit_2_blocks_and_names_the_command() {
    let runner = runner(
        HookEvent::PreToolUse,
        None,
        &["echo 'rm is not allowed' >&2; exit 2"],
    );
    let (report, _) = run(&runner, &pre_tool_use("rm -rf x")).await;
    assert_eq!(
        report.outcome.decision,
        HookDecision::Block {
            reason: "[echo 'rm is not allowed' >&2; exit 2]: rm is not allowed".into(),
            audience: Audience::Model,
        }
    );
    assert_eq!(report.runs[0].exit_code, Some(2));
    assert_eq!(report.runs[0].outcome, HookRunOutcome::Error);
    assert!(
        report.runs[0]
            .effect
            .as_deref()
            .unwrap()
            .starts_with("blocked: ")
    );
}

#[tokio::test]
async fn hooks_run_in_parallel_and_merge_in_configuration_order() {
    // Each hook waits (up to 10 s) for the other's marker file: both give
    // their answer only if they run at the same time. The first answers
    // last, yet its context comes first and the second's rewrite wins.
    let runner = runner(
        HookEvent::PreToolUse,
        None,
        &[
            r#"touch a; i=0; while [ ! -e b ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; sleep 0.3; [ -e b ] && echo '{"hookSpecificOutput":{"additionalContext":"first","updatedInput":{"command":"a"}}}'"#,
            r#"touch b; i=0; while [ ! -e a ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; [ -e a ] && echo '{"hookSpecificOutput":{"additionalContext":"second","updatedInput":{"command":"b"}}}'"#,
        ],
    );
    let (report, _) = run(&runner, &pre_tool_use("ls")).await;
    assert_eq!(
        report.outcome.additional_context.as_deref(),
        Some("first\nsecond")
    );
    assert_eq!(report.outcome.updated_input, Some(json!({"command": "b"})));
}

#[tokio::test]
async fn a_timed_out_hook_decides_nothing_and_warns() {
    let set = HookSet {
        groups: vec![HookGroup {
            event: HookEvent::Stop,
            matcher: HookMatcher::All,
            hooks: vec![command("sleep 30; exit 2", Duration::from_millis(300))],
        }],
        warnings: Vec::new(),
    };
    let runner = HookRunner::new(set, PathBuf::from("/p"));
    let started = Instant::now();
    let (report, events) = run(
        &runner,
        &HookInput::Stop {
            stop_hook_active: false,
        },
    )
    .await;
    assert!(started.elapsed() < Duration::from_millis(2300));
    assert_eq!(report.outcome.decision, HookDecision::None);
    assert!(report.runs[0].timed_out);
    assert_eq!(report.runs[0].exit_code, None);
    assert!(events.iter().any(|event| matches!(
        event,
        AgentEvent::Notice { message, .. } if message.contains("timed out")
    )));
}

#[tokio::test]
async fn suppress_output_hides_stdout_and_system_message_is_a_notice() {
    let runner = runner(
        HookEvent::PostToolUse,
        None,
        &[r#"echo '{"suppressOutput":true,"systemMessage":"formatted 3 files"}'"#],
    );
    let input = HookInput::PostToolUse {
        tool_name: "Write".into(),
        tool_input: json!({}),
        tool_response: Value::Null,
        tool_use_id: "t".into(),
    };
    let (report, events) = run(&runner, &input).await;
    assert_eq!(report.runs[0].stdout, "");
    assert!(events.iter().any(|event| matches!(
        event,
        AgentEvent::Notice { message, .. } if message == "formatted 3 files"
    )));
}

//! Compaction through a real session: what the compacted context holds,
//! the bounded automatic attempts and the fallback, `/compact`, and resume
//! of a compacted session.

use rudder_core::compaction::summary::SUMMARY_INSTRUCTION;
use rudder_core::compaction::{CompactError, CompactTrigger};
use rudder_core::request::build_request;
use rudder_core::session::restore::restore;
use rudder_core::{Session, request::BuildOptions};
use rudder_protocol::event::NoticeLevel;
use rudder_protocol::{AgentEvent, ContentBlock, Role};
use rudder_testkit::{Fault, MockServer, Scenario, ScriptedTurn};
use serde_json::json;

use super::common::{Harness, deps, drain, is_summary, lines, requests, turn};

fn summary_turns(count: usize, text: &str) -> Vec<ScriptedTurn> {
    (0..count)
        .map(|_| ScriptedTurn::text(text).when(SUMMARY_INSTRUCTION))
        .collect()
}

fn failing_summaries() -> ScriptedTurn {
    ScriptedTurn::text("never served")
        .when(SUMMARY_INSTRUCTION)
        .with_fault(
            Fault::Status {
                status: 400,
                retry_after_secs: None,
                error_type: Some("invalid_request_error".into()),
                message: Some("prompt is too long".into()),
            },
            1000,
        )
}

fn options() -> BuildOptions {
    BuildOptions {
        cache_breakpoints: true,
        metadata: None,
    }
}

/// USER-PAINS.md §2.4: with every summary request failing, a turn makes at
/// most two automatic attempts, then drops the oldest tool results —
/// visibly, once told — and completes; the next prompt allows two more.
/// Resume rebuilds the trimmed context exactly.
#[tokio::test]
async fn failing_summaries_are_tried_twice_then_the_oldest_results_are_dropped() {
    let mut harness = Harness::new();
    harness.window = Some(20_000);
    std::fs::write(
        harness.cwd.join("big.txt"),
        "0123456789abcdef\n".repeat(2_400),
    )
    .unwrap();
    let read = || ScriptedTurn::tool_use("Read", json!({"file_path": harness.path("big.txt")}));
    let mut turns = vec![failing_summaries()];
    turns.extend([read(), read(), read(), ScriptedTurn::text("done one")]);
    turns.extend([read(), ScriptedTurn::text("done two")]);
    let server = MockServer::spawn(Scenario::new(turns)).unwrap();
    let (deps, mut events) = deps(&server);
    let mut session = Session::start(harness.config("s1"), deps).await.unwrap();

    let outcome = turn(&mut session, "read big.txt three times").await;
    assert!(outcome.stop.is_success(), "{:?}", outcome.stop);
    assert_eq!(outcome.result_text, "done one");
    let summaries = requests(&server).into_iter().filter(is_summary).count();
    assert_eq!(summaries, 2, "exactly two automatic attempts");
    let events = drain(&mut events);
    let notices: Vec<&String> = events
        .iter()
        .filter_map(|event| match event {
            AgentEvent::Notice {
                level: NoticeLevel::Warning,
                message,
            } if message.contains("Automatic compaction failed") => Some(message),
            _ => None,
        })
        .collect();
    assert_eq!(notices.len(), 1, "one notice: {notices:?}");
    let boundaries = events
        .iter()
        .filter(|event| matches!(event, AgentEvent::CompactBoundary { trigger, .. } if trigger == "auto"))
        .count();
    assert!(boundaries >= 1, "every removal is an event");

    // The last request shows stubs for the oldest results, naming them.
    let last = requests(&server)
        .into_iter()
        .rfind(|r| !is_summary(r))
        .unwrap();
    let results: Vec<(String, String)> = last
        .messages
        .iter()
        .flat_map(|message| &message.content)
        .filter_map(|block| match block {
            ContentBlock::ToolResult {
                tool_use_id,
                content,
                ..
            } => Some((tool_use_id.clone(), content.text())),
            _ => None,
        })
        .collect();
    assert_eq!(results.len(), 3);
    assert!(
        results[0]
            .1
            .starts_with("[Tool result removed to free context")
    );
    assert!(
        results[0].1.contains(&results[0].0),
        "the stub names the call"
    );
    assert!(
        results[2].1.contains("0123456789abcdef"),
        "the newest result stays"
    );

    // The removed content is still in the transcript, under its id.
    let path = harness.transcript("s1");
    let text = std::fs::read_to_string(&path).unwrap();
    let original = text
        .lines()
        .find(|line| line.contains(&results[0].0) && line.contains("0123456789abcdef"))
        .is_some();
    assert!(
        original,
        "the full result stays retrievable by its tool_use_id"
    );
    let records = lines(&path);
    let failed_calls = records
        .iter()
        .filter(|r| r["type"] == "rudder-model-call" && r["purpose"] == "compaction")
        .filter(|r| r["error"].is_string())
        .count();
    assert_eq!(failed_calls, 2, "failed attempts are logged too");
    assert!(records.iter().any(|r| r["type"] == "rudder-compact"
        && r["method"] == "dropToolResults"
        && r["trigger"] == "auto"));

    // The next prompt allows two more attempts, and the session still works.
    let outcome = turn(&mut session, "once more").await;
    assert!(outcome.stop.is_success(), "{:?}", outcome.stop);
    assert_eq!(outcome.result_text, "done two");
    let summaries = requests(&server).into_iter().filter(is_summary).count();
    assert_eq!(summaries, 4);

    // Resume rebuilds the same context.
    let restored = restore(&path).unwrap();
    assert_eq!(restored.messages, session.messages());
}

/// USER-PAINS.md §3.1: after an automatic summary the request holds,
/// verbatim, the system prompt, memory files re-read from disk, the summary,
/// the todo list, the files modified, recent tool failures, and the last
/// turns — and the summary request had no tools. Resume gives the same.
#[tokio::test]
async fn an_automatic_summary_keeps_what_matters_verbatim() {
    let mut harness = Harness::new();
    harness.window = Some(40_000);
    harness.write_memory("Use tabs.");
    std::fs::write(harness.cwd.join("small.txt"), "small file\n").unwrap();
    let mut turns = summary_turns(1, "SUMMARY: the user pasted a long log.");
    turns.extend([
        ScriptedTurn::tool_use(
            "TodoWrite",
            json!({"todos": [{"content": "Fix the parser", "status": "in_progress", "activeForm": "Fixing the parser"}]}),
        ),
        ScriptedTurn::tool_use(
            "Write",
            json!({"file_path": harness.path("out.txt"), "content": "hello\n"}),
        ),
        ScriptedTurn::tool_use("Read", json!({"file_path": harness.path("missing.txt")})),
        ScriptedTurn::text("done one"),
        ScriptedTurn::tool_use("Read", json!({"file_path": harness.path("small.txt")})),
        ScriptedTurn::text("done two"),
        ScriptedTurn::text("done three"),
    ]);
    let server = MockServer::spawn(Scenario::new(turns)).unwrap();
    let (deps, mut events) = deps(&server);
    let mut session = Session::start(harness.config("s2"), deps).await.unwrap();
    let filler = "log line 0123456789\n".repeat(5_000);
    assert!(
        turn(&mut session, &format!("first task\n{filler}"))
            .await
            .stop
            .is_success()
    );
    assert!(turn(&mut session, "second task").await.stop.is_success());
    harness.write_memory("Use spaces.");
    let third = format!("third task\n{}", "z".repeat(40_000));
    let outcome = turn(&mut session, &third).await;
    assert_eq!(outcome.result_text, "done three");

    let all = requests(&server);
    let summary_request = all
        .iter()
        .find(|r| is_summary(r))
        .expect("a summary request");
    assert!(
        summary_request.tools.is_empty(),
        "no tools in the summary request"
    );
    let conversation = summary_request.system[1].as_text().unwrap();
    assert!(conversation.contains("first task"));
    assert!(
        !conversation.contains("second task"),
        "kept turns are not summarized"
    );

    let after = all.last().unwrap();
    assert!(!is_summary(after));
    assert_eq!(
        after.system, all[0].system,
        "the system prompt is untouched"
    );
    let first = after.messages[0].text();
    for needle in [
        "SUMMARY: the user pasted a long log.",
        "Use spaces.",
        "Fix the parser",
        &harness.path("out.txt"),
        "missing.txt",
        "Today's date: 2026-01-01",
    ] {
        assert!(
            first.contains(needle),
            "missing {needle:?} in the first message:\n{first}"
        );
    }
    assert!(
        !first.contains("Use tabs."),
        "memory is re-read, not replayed"
    );
    assert!(
        !after
            .messages
            .iter()
            .any(|m| m.text().contains("first task"))
    );
    let texts: Vec<String> = after.messages.iter().map(|m| m.text()).collect();
    assert!(
        texts.iter().any(|t| t.contains("second task")),
        "the last turns stay: {texts:?}"
    );
    assert!(texts.iter().any(|t| t.contains("done two")));
    assert!(
        after.messages.last().unwrap().text().contains(&third),
        "the last user message stays verbatim"
    );
    assert!(drain(&mut events).iter().any(|event| matches!(
        event,
        AgentEvent::CompactBoundary { trigger, pre_tokens } if trigger == "auto" && *pre_tokens > 36_000
    )));

    // The compaction call is logged and counted.
    let path = harness.transcript("s2");
    let records = lines(&path);
    let call = records
        .iter()
        .find(|r| r["type"] == "rudder-model-call" && r["purpose"] == "compaction")
        .unwrap();
    assert!(call["usage"]["output_tokens"].as_u64().unwrap() > 0);
    let logged: u64 = records
        .iter()
        .filter_map(|r| match r["type"].as_str() {
            Some("assistant") => r["message"]["usage"]["output_tokens"].as_u64(),
            Some("rudder-model-call") => r["usage"]["output_tokens"].as_u64(),
            _ => None,
        })
        .sum();
    assert_eq!(outcome.usage.output_tokens, logged);

    // Resume rebuilds the compacted context byte for byte.
    let restored = restore(&path).unwrap();
    assert_eq!(restored.messages, session.messages());
    assert_eq!(
        serde_json::to_vec(&build_request(
            &restored.frame,
            &restored.messages,
            &options()
        ))
        .unwrap(),
        serde_json::to_vec(&build_request(
            session.frame(),
            session.messages(),
            &options()
        ))
        .unwrap()
    );
    assert_eq!(restored.messages[0].role, Role::User);
}

/// `/compact [instructions]`: the instructions reach the summarizer; a
/// conversation within the kept turns is refused without a model call and
/// left unchanged.
#[tokio::test]
async fn manual_compaction_passes_instructions_and_refuses_when_nothing_to_do() {
    let harness = Harness::new();
    let mut turns = summary_turns(1, "SUMMARY: three short turns.");
    turns.extend((0..3).map(|i| ScriptedTurn::text(format!("answer {i}"))));
    let server = MockServer::spawn(Scenario::new(turns)).unwrap();
    let (deps, mut events) = deps(&server);
    let mut session = Session::start(harness.config("s3"), deps).await.unwrap();
    turn(&mut session, "question 0").await;
    let before = session.messages().to_vec();
    let refused = session.compact(None).await.unwrap_err();
    assert!(matches!(
        refused,
        CompactError::NothingToCompact { keep_turns: 2 }
    ));
    assert_eq!(session.messages(), before);
    turn(&mut session, "question 1").await;
    turn(&mut session, "question 2").await;
    let outcome = session.compact(Some("keep the numbers")).await.unwrap();
    assert_eq!(outcome.trigger, CompactTrigger::Manual);
    assert_eq!(outcome.summarized_messages, 2);
    let summary = requests(&server).into_iter().find(is_summary).unwrap();
    assert!(summary.messages[0].text().contains("keep the numbers"));
    assert!(
        session.messages()[0]
            .text()
            .contains("SUMMARY: three short turns.")
    );
    assert_eq!(session.messages()[1].text(), "question 1");
    assert!(drain(&mut events).iter().any(|event| matches!(
        event,
        AgentEvent::CompactBoundary { trigger, .. } if trigger == "manual"
    )));
    let restored = restore(&harness.transcript("s3")).unwrap();
    assert_eq!(restored.messages, session.messages());
}

/// PreCompact hooks run before a compaction with its trigger and the
/// `/compact` text; a block (exit 2) skips it, says why, and changes
/// nothing — no summary request is made.
#[tokio::test]
async fn a_blocking_pre_compact_hook_skips_the_compaction() {
    use std::path::PathBuf;
    use std::time::Duration;

    use rudder_config::hooks::{HookCommand, HookEvent, HookGroup, HookMatcher, HookSet};
    use rudder_config::settings::{SettingsOrigin, SettingsScope};
    use rudder_core::hooks::HookRunner;

    let harness = Harness::new();
    let seen = harness.cwd.join("precompact.json");
    let set = HookSet {
        groups: vec![HookGroup {
            event: HookEvent::PreCompact,
            matcher: HookMatcher::parse(Some("manual")).unwrap(),
            hooks: vec![HookCommand {
                command: format!("cat > '{}'; echo 'not now' >&2; exit 2", seen.display()),
                timeout: Duration::from_secs(10),
                origin: SettingsOrigin {
                    scope: SettingsScope::User,
                    path: PathBuf::from("/home/u/.claude/settings.json"),
                },
            }],
        }],
        warnings: Vec::new(),
    };
    let mut turns = summary_turns(1, "SUMMARY: never asked.");
    turns.extend((0..3).map(|i| ScriptedTurn::text(format!("answer {i}"))));
    let server = MockServer::spawn(Scenario::new(turns)).unwrap();
    let (mut deps, _events) = deps(&server);
    deps.hooks = HookRunner::new(set, harness.cwd.clone());
    let mut session = Session::start(harness.config("hooked"), deps)
        .await
        .unwrap();
    for i in 0..3 {
        turn(&mut session, &format!("question {i}")).await;
    }
    let before = session.messages().to_vec();
    let error = session.compact(Some("keep it short")).await.unwrap_err();
    assert!(
        matches!(&error, CompactError::Blocked(reason) if reason.contains("not now")),
        "{error}"
    );
    assert_eq!(session.messages(), before);
    assert!(
        !requests(&server).iter().any(is_summary),
        "no summary request was made"
    );
    let input: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&seen).unwrap()).unwrap();
    assert_eq!(input["hook_event_name"], "PreCompact");
    assert_eq!(input["trigger"], "manual");
    assert_eq!(input["custom_instructions"], "keep it short");
}

//! Frozen context, resume gaps, cache health and context accounting.

use rudder_core::Session;
use rudder_core::session::SessionError;
use rudder_core::transcript::TranscriptError;
use rudder_protocol::AgentEvent;
use rudder_testkit::{MockServer, Scenario, ScriptedTurn};
use serde_json::json;

use super::common::{Harness, assert_extends, deps, deps_with_tools, drain, lines, requests, turn};

fn texts(count: usize) -> Scenario {
    Scenario::new(
        (0..count)
            .map(|i| ScriptedTurn::text(format!("answer {i}")))
            .collect(),
    )
}

/// USER-PAINS.md §2.1: a new day and an edited CLAUDE.md — in the same
/// process and across a resume — never change bytes already sent; each is
/// told once, in the next prompt, after the cached prefix.
#[tokio::test]
async fn a_new_day_and_an_edited_memory_file_are_appended_never_edited_in() {
    let harness = Harness::new();
    harness.write_memory("Use tabs.");
    let server = MockServer::spawn(texts(4)).unwrap();
    let (first_deps, _events) = deps(&server);
    let mut session = Session::start(harness.config("day"), first_deps)
        .await
        .unwrap();
    turn(&mut session, "one").await;
    harness.set_date("2026-01-02");
    turn(&mut session, "two").await;
    turn(&mut session, "three").await;
    drop(session);

    harness.write_memory("Use spaces.");
    harness.set_date("2026-01-03");
    let (second_deps, _events) = deps(&server);
    let mut resumed = Session::resume(
        harness.config("day"),
        second_deps,
        &harness.transcript("day"),
        false,
    )
    .await
    .unwrap();
    turn(&mut resumed, "four").await;

    let sent = requests(&server);
    assert_eq!(sent.len(), 4);
    for pair in sent.windows(2) {
        assert_extends(&pair[0], &pair[1], "consecutive requests");
    }
    let prompt = |index: usize| sent[index].messages.last().unwrap().text();
    assert!(prompt(0).contains("Today's date: 2026-01-01") && prompt(0).contains("Use tabs."));
    assert!(prompt(1).contains("today is 2026-01-02") && prompt(1).ends_with("two"));
    assert!(
        !prompt(2).contains("today is"),
        "a change is told once: {}",
        prompt(2)
    );
    let fourth = prompt(3);
    assert!(
        fourth.contains("today is 2026-01-03") && fourth.contains("Use spaces."),
        "{fourth}"
    );
    let reads: Vec<u64> = server
        .requests()
        .iter()
        .filter_map(|request| {
            request
                .usage
                .as_ref()
                .map(|usage| usage.cache_read_input_tokens)
        })
        .collect();
    assert!(
        reads[1..].iter().all(|read| *read > 0),
        "every later request reads the cache: {reads:?}"
    );
    let stamps: Vec<_> = lines(&harness.transcript("day"))
        .into_iter()
        .filter(|line| line["type"] == "rudder-context")
        .map(|line| line["date"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stamps, ["2026-01-01", "2026-01-02", "2026-01-03"]);
}

/// A memory file written after the session started but before its first
/// message (`/memory` in the TUI) reaches the model with that message.
#[tokio::test]
async fn a_memory_file_written_before_the_first_message_is_told_with_it() {
    let harness = Harness::new();
    let server = MockServer::spawn(texts(2)).unwrap();
    let (deps, _events) = deps(&server);
    let mut session = Session::start(harness.config("early"), deps).await.unwrap();
    harness.write_memory("Answer in French.");
    turn(&mut session, "one").await;
    turn(&mut session, "two").await;
    let sent = requests(&server);
    let prompt = |index: usize| sent[index].messages.last().unwrap().text();
    assert!(prompt(0).contains("Answer in French."), "{}", prompt(0));
    assert!(
        !prompt(1).contains("Answer in French."),
        "told once: {}",
        prompt(1)
    );
    assert_extends(&sent[0], &sent[1], "consecutive requests");
}

/// Two writers never share a transcript: resuming a live session fails
/// with a clear error; after the first ends, the resume works.
#[tokio::test]
async fn a_live_session_cannot_be_resumed_twice() {
    let harness = Harness::new();
    let server = MockServer::spawn(texts(2)).unwrap();
    let (first_deps, _events) = deps(&server);
    let mut live = Session::start(harness.config("busy"), first_deps)
        .await
        .unwrap();
    turn(&mut live, "hello").await;
    let (second_deps, _events) = deps(&server);
    let refused = Session::resume(
        harness.config("busy"),
        second_deps,
        &harness.transcript("busy"),
        false,
    )
    .await;
    let Err(SessionError::Transcript(TranscriptError::Locked { .. })) = refused else {
        panic!("expected a lock error, got {:?}", refused.err());
    };
    let before = std::fs::read(harness.transcript("busy")).unwrap();
    drop(live);
    let (third_deps, _events) = deps(&server);
    let mut resumed = Session::resume(
        harness.config("busy"),
        third_deps,
        &harness.transcript("busy"),
        false,
    )
    .await
    .unwrap();
    turn(&mut resumed, "again").await;
    let after = std::fs::read(harness.transcript("busy")).unwrap();
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "earlier bytes never change"
    );
    // A new session never appends to an existing id.
    let (fourth_deps, _events) = deps(&server);
    let reused = Session::start(harness.config("busy"), fourth_deps).await;
    assert!(matches!(
        reused,
        Err(SessionError::Transcript(
            TranscriptError::Locked { .. } | TranscriptError::Exists { .. }
        ))
    ));
}

/// Cache health: a resume against a warm cache reports nothing; against a
/// cold one (another server: the cache expired) the first request reports
/// a miss with the expected and actual reads and no changed byte.
#[tokio::test]
async fn a_cold_cache_after_resume_is_reported_and_a_warm_one_is_not() {
    let harness = Harness::new();
    let warm = MockServer::spawn(texts(3)).unwrap();
    let (first_deps, mut events) = deps(&warm);
    let mut session = Session::start(harness.config("cache"), first_deps)
        .await
        .unwrap();
    turn(&mut session, "one").await;
    turn(&mut session, "two").await;
    assert!(
        !drain(&mut events)
            .iter()
            .any(|e| matches!(e, AgentEvent::CacheMiss(_)))
    );
    drop(session);

    let (warm_deps, mut warm_events) = deps(&warm);
    let mut resumed = Session::resume(
        harness.config("cache"),
        warm_deps,
        &harness.transcript("cache"),
        false,
    )
    .await
    .unwrap();
    turn(&mut resumed, "three").await;
    assert!(
        !drain(&mut warm_events)
            .iter()
            .any(|e| matches!(e, AgentEvent::CacheMiss(_)))
    );
    drop(resumed);

    let cold = MockServer::spawn(texts(1)).unwrap();
    let (cold_deps, mut cold_events) = deps(&cold);
    let mut resumed = Session::resume(
        harness.config("cache"),
        cold_deps,
        &harness.transcript("cache"),
        false,
    )
    .await
    .unwrap();
    turn(&mut resumed, "four").await;
    let misses: Vec<_> = drain(&mut cold_events)
        .into_iter()
        .filter_map(|event| match event {
            AgentEvent::CacheMiss(miss) => Some(miss),
            _ => None,
        })
        .collect();
    assert_eq!(misses.len(), 1, "{misses:?}");
    assert_eq!(misses[0].actual_read_tokens, 0);
    assert!(misses[0].expected_read_tokens > 0);
    assert_eq!(
        misses[0].first_difference, None,
        "the prefix itself was intact"
    );
}

/// Context accounting: estimated before the first response, measured from
/// the API's usage after it; the breakdown names its parts; the todo list
/// comes back on resume.
#[tokio::test]
async fn context_usage_is_measured_after_the_first_response_and_todos_survive_resume() {
    let harness = Harness::new();
    harness.write_memory(&"Remember this rule.\n".repeat(100));
    let turns = vec![
        ScriptedTurn::tool_use(
            "TodoWrite",
            json!({"todos": [{"content": "Ship it", "status": "pending", "activeForm": "Shipping it"}]}),
        ),
        ScriptedTurn::text("noted"),
        ScriptedTurn::text("still here"),
    ];
    let server = MockServer::spawn(Scenario::new(turns)).unwrap();
    let (first_deps, _events) = deps(&server);
    let mut session = Session::start(harness.config("ctx"), first_deps)
        .await
        .unwrap();
    let before = session.context_usage();
    assert!(!before.measured);
    assert_eq!(before.last_usage, None);
    assert_eq!(before.window, 200_000);
    assert_eq!(before.auto_compact_threshold, Some(184_000));
    turn(&mut session, "plan it").await;
    let after = session.context_usage();
    assert!(after.measured);
    let last = server.requests().last().unwrap().usage.clone().unwrap();
    assert_eq!(
        after.last_usage.as_ref().map(|u| u.cache_read_input_tokens),
        Some(last.cache_read_input_tokens)
    );
    assert_eq!(
        after.total_tokens,
        last.total_input_tokens() + last.output_tokens
    );
    let names: Vec<&str> = after.parts.iter().map(|part| part.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "System prompt",
            "System tools",
            "Memory files",
            "Messages",
            "Tool results"
        ]
    );
    assert!(
        after.parts.iter().all(|part| part.tokens > 0),
        "{:?}",
        after.parts
    );
    assert_eq!(after.parts[2].tokens, 500, "2,000 bytes of memory");
    assert_eq!(
        session.context_view().get(),
        after,
        "the shared view is current at turn end"
    );
    drop(session);

    let (second_deps, _events) = deps(&server);
    let mut resumed = Session::resume(
        harness.config("ctx"),
        second_deps,
        &harness.transcript("ctx"),
        false,
    )
    .await
    .unwrap();
    assert!(
        resumed.context_usage().measured,
        "seeded from the transcript's last usage"
    );
    let todos = resumed.todos();
    assert_eq!(todos.len(), 1);
    assert_eq!(todos[0].content, "Ship it");
    turn(&mut resumed, "what was the plan?").await;
    let last = requests(&server).pop().unwrap();
    assert!(
        last.messages
            .iter()
            .any(|m| m.text().contains("what was the plan?"))
    );
}

/// The tool listing, system prompt and model are frozen in the transcript:
/// resuming with other tools, another system prompt or model sends the
/// frozen ones, so the cached prefix holds.
#[tokio::test]
async fn a_resume_with_other_tools_and_prompt_sends_the_frozen_frame() {
    let harness = Harness::new();
    let server = MockServer::spawn(texts(2)).unwrap();
    let (first_deps, _events) = deps(&server);
    let mut session = Session::start(harness.config("frame"), first_deps)
        .await
        .unwrap();
    turn(&mut session, "one").await;
    drop(session);
    let mut config = harness.config("frame");
    config.model = "claude-opus-4-5".into();
    config.system_prompt.append = Some("Be terse.".into());
    let (other_deps, _events) = deps_with_tools(&server, &["Read"]);
    let mut resumed = Session::resume(config, other_deps, &harness.transcript("frame"), false)
        .await
        .unwrap();
    turn(&mut resumed, "two").await;
    let sent = requests(&server);
    let names = |index: usize| -> Vec<String> {
        sent[index]
            .tools
            .iter()
            .map(|tool| tool.name().to_owned())
            .collect()
    };
    assert_eq!(names(1), names(0));
    assert_eq!(names(1).len(), 5, "not the resumed run's single tool");
    assert_eq!(sent[1].model, "claude-sonnet-4-5");
    assert_eq!(sent[1].system, sent[0].system);
    assert_extends(&sent[0], &sent[1], "resume with other settings");
}

/// Deliberate prefix changes — a model switch, a conversation rewind — are
/// not cache misses; the compaction summary is not a rewind point, and a
/// rewind after a compaction resumes to the same conversation.
#[tokio::test]
async fn deliberate_changes_are_not_cache_misses_and_rewind_works_after_compaction() {
    use rudder_core::compaction::summary::SUMMARY_INSTRUCTION;
    use rudder_core::session::RewindScope;

    let harness = Harness::new();
    let mut turns = vec![ScriptedTurn::text("SUMMARY: four turns.").when(SUMMARY_INSTRUCTION)];
    turns.extend((0..6).map(|i| ScriptedTurn::text(format!("answer {i}"))));
    let server = MockServer::spawn(Scenario::new(turns)).unwrap();
    let (first_deps, mut events) = deps(&server);
    let mut session = Session::start(harness.config("rewind"), first_deps)
        .await
        .unwrap();
    for question in ["one", "two", "three", "four"] {
        turn(&mut session, question).await;
    }
    session.compact(None).await.unwrap();
    let points = session.rewind_points();
    let previews: Vec<&str> = points.iter().map(|point| point.preview.as_str()).collect();
    assert_eq!(
        previews,
        ["three", "four"],
        "the summary is not a rewind point"
    );
    session
        .rewind(&points[1].uuid, RewindScope::Conversation)
        .unwrap();
    turn(&mut session, "four again").await;
    session.switch_model("claude-opus-4-5").unwrap();
    turn(&mut session, "five").await;
    assert!(
        !drain(&mut events)
            .iter()
            .any(|event| matches!(event, AgentEvent::CacheMiss(_))),
        "a deliberate change was reported as a cache miss"
    );
    let live = session.messages().to_vec();
    drop(session);
    let (second_deps, _events) = deps(&server);
    let resumed = Session::resume(
        harness.config("rewind"),
        second_deps,
        &harness.transcript("rewind"),
        false,
    )
    .await
    .unwrap();
    assert_eq!(resumed.messages(), live.as_slice());
}

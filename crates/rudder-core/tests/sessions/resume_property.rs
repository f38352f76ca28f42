//! Resume equals an uninterrupted run (issue 5 acceptance, ARCHITECTURE.md
//! "Cache-exact prefixes"), as a seeded property over random sessions.
//!
//! Each seed scripts a session of 3–5 user turns whose model calls read
//! files (some missing: tool errors), write files and todo lists, over a
//! small context window so automatic compaction happens; between turns the
//! date moves, `CLAUDE.md` is edited and `/compact` is run, at random. The
//! uninterrupted run records every request. Then for every record of its
//! transcript, a "kill" keeps the file up to that record (whole lines, and
//! for every third cut also half of the next line, torn) and the session is
//! restored and resumed from it:
//! - restoring never fails, and a torn line is skipped with a warning;
//! - when the uninterrupted run's next step was a request built from
//!   exactly what the file held, the restored state builds that request
//!   byte for byte;
//! - the resumed session's first request starts with the bytes of the last
//!   request the file answered, up to its last breakpoint (nothing cached
//!   is lost), and closes a tool call left without results;
//! - the resume never changes an earlier byte of the file.
//!
//! Size: `RUDDER_RESUME_SEEDS` seeds (default 6, about 30 records each; a
//! few seconds). Every seed is independent, so more seeds only take longer.

use rudder_core::Session;
use rudder_core::compaction::CompactionSettings;
use rudder_core::compaction::summary::SUMMARY_INSTRUCTION;
use rudder_core::request::{BuildOptions, build_request};
use rudder_core::session::restore::restore;
use rudder_protocol::{ContentBlock, MessagesRequest};
use rudder_testkit::{MockServer, Scenario, ScriptedTurn};
use serde_json::{Value, json};

use super::common::{Harness, assert_extends, deps, is_summary, requests, turn};

/// xorshift64*: a small deterministic generator, so a failing seed replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// What happens before a user turn.
#[derive(Debug, Clone, Copy, Default)]
struct Between {
    new_day: bool,
    edit_memory: bool,
    compact: bool,
}

/// A scripted session: what happens before each turn, and the model's
/// answers in order.
struct Script {
    between: Vec<Between>,
    answers: Vec<ScriptedTurn>,
}

fn script(rng: &mut Rng, harness: &Harness) -> Script {
    let turns = 3 + rng.below(3);
    let mut between = Vec::new();
    let mut answers = Vec::new();
    for index in 0..turns {
        between.push(Between {
            new_day: index > 0 && rng.below(3) == 0,
            edit_memory: index > 0 && rng.below(3) == 0,
            compact: index > 1 && rng.below(4) == 0,
        });
        for step in 0..rng.below(4) {
            let (name, input) = match rng.below(5) {
                0 => ("Read", json!({"file_path": harness.path("small.txt")})),
                1 => ("Read", json!({"file_path": harness.path("big.txt")})),
                2 => ("Read", json!({"file_path": harness.path("missing.txt")})),
                3 => (
                    "TodoWrite",
                    json!({"todos": [{"content": format!("step {index}.{step}"), "status": "pending", "activeForm": "Stepping"}]}),
                ),
                _ => (
                    "Write",
                    json!({"file_path": harness.path(&format!("out{index}.txt")), "content": format!("turn {index}\n")}),
                ),
            };
            answers.push(ScriptedTurn::tool_use(name, input));
        }
        answers.push(ScriptedTurn::text(format!("turn {index} done")));
    }
    Script { between, answers }
}

fn options() -> BuildOptions {
    BuildOptions {
        cache_breakpoints: true,
        metadata: None,
    }
}

fn bytes(request: &MessagesRequest) -> Vec<u8> {
    serde_json::to_vec(request).unwrap()
}

fn harness(seed: u64) -> Harness {
    let mut harness = Harness::new();
    harness.window = Some(14_000);
    harness.compaction = CompactionSettings::default();
    harness.write_memory(&format!("Seed {seed}: use tabs."));
    std::fs::write(harness.cwd.join("small.txt"), "a small file\n").unwrap();
    std::fs::write(
        harness.cwd.join("big.txt"),
        "a line of the big file\n".repeat(700),
    )
    .unwrap();
    harness
}

/// Runs the uninterrupted session; returns its transcript and requests.
async fn uninterrupted(seed: u64, harness: &Harness) -> (Vec<u8>, Vec<MessagesRequest>) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let script = script(&mut rng, harness);
    let mut turns: Vec<ScriptedTurn> = (0..12)
        .map(|n| ScriptedTurn::text(format!("SUMMARY {seed}.{n}")).when(SUMMARY_INSTRUCTION))
        .collect();
    turns.extend(script.answers);
    let server = MockServer::spawn(Scenario::new(turns)).unwrap();
    let (deps, _events) = deps(&server);
    let mut session = Session::start(harness.config("run"), deps).await.unwrap();
    for (index, between) in script.between.iter().enumerate() {
        if between.new_day {
            harness.set_date(&format!("2026-02-{:02}", index + 1));
        }
        if between.edit_memory {
            harness.write_memory(&format!("Seed {seed}, turn {index}: use spaces."));
        }
        if between.compact {
            // Too short to compact is a fine outcome too.
            let _ = session.compact(None).await;
        }
        let outcome = turn(&mut session, &format!("task {index}")).await;
        assert!(outcome.stop.is_success(), "seed {seed}: {:?}", outcome.stop);
    }
    drop(session);
    let transcript = std::fs::read(harness.transcript("run")).unwrap();
    (transcript, requests(&server))
}

fn kind(line: &[u8]) -> String {
    serde_json::from_slice::<Value>(line)
        .ok()
        .and_then(|value| value["type"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// What the checks covered, so a run that exercised nothing fails.
#[derive(Debug, Default)]
struct Coverage {
    cuts: usize,
    rebuilt_exactly: usize,
    prefix_checked: usize,
    dangling_closed: usize,
    torn: usize,
    auto_compactions: usize,
    manual_compactions: usize,
    date_changes: usize,
    memory_changes: usize,
}

async fn check_seed(seed: u64, coverage: &mut Coverage) {
    let harness = harness(seed);
    let (transcript, all) = uninterrupted(seed, &harness).await;
    let main: Vec<MessagesRequest> = all.into_iter().filter(|r| !is_summary(r)).collect();
    let lines: Vec<&[u8]> = transcript.split_inclusive(|byte| *byte == b'\n').collect();
    let kinds: Vec<String> = lines.iter().map(|line| kind(line)).collect();
    for line in &lines {
        let value: Value = serde_json::from_slice(line).unwrap();
        match value["type"].as_str() {
            Some("rudder-compact") if value["trigger"] == "auto" => coverage.auto_compactions += 1,
            Some("rudder-compact") => coverage.manual_compactions += 1,
            Some("user") => {
                let text = value["message"]["content"].to_string();
                coverage.date_changes += usize::from(text.contains("The date has changed"));
                coverage.memory_changes += usize::from(text.contains("are new or changed"));
            }
            _ => {}
        }
    }
    let reply = MockServer::spawn(Scenario::new(
        (0..lines.len() * 2)
            .map(|_| ScriptedTurn::text("resumed"))
            .collect(),
    ))
    .unwrap();
    for cut in 1..=lines.len() {
        let torn = cut % 3 == 0 && cut < lines.len();
        let mut kept: Vec<u8> = lines[..cut].concat();
        if torn {
            let next = lines[cut];
            kept.extend_from_slice(&next[..next.len() / 2]);
        }
        let what = format!(
            "seed {seed}, cut after line {cut}{}",
            if torn { " (torn)" } else { "" }
        );
        coverage.cuts += 1;
        coverage.torn += usize::from(torn);
        let id = format!("cut-{seed}-{cut}");
        let path = harness.transcript(&id);
        std::fs::write(&path, &kept).unwrap();

        let restored = restore(&path).unwrap_or_else(|error| panic!("{what}: {error}"));
        assert_eq!(
            restored.warnings.len(),
            usize::from(torn),
            "{what}: {:?}",
            restored.warnings
        );
        let answered = kinds[..cut]
            .iter()
            .filter(|kind| *kind == "assistant")
            .count();
        let last_step = kinds[..cut]
            .iter()
            .rev()
            .find(|kind| matches!(kind.as_str(), "user" | "assistant" | "rudder-compact"));
        let next_step = kinds[cut..].iter().find(|kind| *kind != "rudder-context");
        let ready = matches!(
            last_step.map(String::as_str),
            Some("user" | "rudder-compact")
        );
        if ready && next_step.map(String::as_str) == Some("assistant") {
            let rebuilt = build_request(&restored.frame, &restored.messages, &options());
            assert!(
                bytes(&rebuilt) == bytes(&main[answered]),
                "{what}: the restored state does not build the uninterrupted request {answered}"
            );
            coverage.rebuilt_exactly += 1;
        }
        let compacted_since = kinds[..cut]
            .iter()
            .rposition(|kind| kind == "rudder-compact")
            .zip(kinds[..cut].iter().rposition(|kind| kind == "assistant"))
            .is_some_and(|(compact, assistant)| compact > assistant);
        let dangling = restored
            .dangling_results()
            .map(|closing| closing.content.len());

        let mut config = harness.config(&id);
        config.context.compaction.auto = false;
        let before = reply.requests().len();
        let (resume_deps, _events) = deps(&reply);
        let mut resumed = Session::resume(config, resume_deps, &path, false)
            .await
            .unwrap_or_else(|error| panic!("{what}: {error}"));
        let outcome = turn(&mut resumed, "continue").await;
        assert!(outcome.stop.is_success(), "{what}: {:?}", outcome.stop);
        drop(resumed);
        let first: MessagesRequest =
            serde_json::from_slice(&reply.requests()[before].body).unwrap();
        if answered > 0 && !compacted_since {
            assert_extends(&main[answered - 1], &first, &what);
            coverage.prefix_checked += 1;
        }
        if let Some(closed) = dangling {
            let errors = first
                .messages
                .iter()
                .flat_map(|message| &message.content)
                .filter(|block| matches!(block, ContentBlock::ToolResult { is_error: true, content, .. } if content.text().contains("session ended")))
                .count();
            assert!(
                errors >= closed,
                "{what}: the dangling tool call was not closed"
            );
            coverage.dangling_closed += 1;
        }
        let after = std::fs::read(&path).unwrap();
        assert_eq!(
            &after[..kept.len()],
            &kept[..],
            "{what}: an earlier byte changed"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resuming_after_any_record_continues_the_uninterrupted_run() {
    let seeds = std::env::var("RUDDER_RESUME_SEEDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(6u64);
    let mut coverage = Coverage::default();
    for seed in 1..=seeds {
        check_seed(seed, &mut coverage).await;
    }
    eprintln!("{coverage:?}");
    let Coverage {
        rebuilt_exactly,
        prefix_checked,
        dangling_closed,
        torn,
        auto_compactions,
        manual_compactions,
        date_changes,
        memory_changes,
        ..
    } = coverage;
    for (name, count) in [
        ("exact rebuilds", rebuilt_exactly),
        ("prefix checks", prefix_checked),
        ("closed dangling calls", dangling_closed),
        ("torn lines", torn),
        ("automatic compactions", auto_compactions),
        ("manual compactions", manual_compactions),
        ("date changes", date_changes),
        ("memory edits", memory_changes),
    ] {
        assert!(count > 0, "the seeds exercised no {name}: {coverage:?}");
    }
}

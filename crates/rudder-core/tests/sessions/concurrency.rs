//! Many sessions in one directory at once (USER-PAINS.md §6.5): every
//! transcript stays valid, whole and its own.
//!
//! Size: 16 sessions × `RUDDER_CONCURRENT_TURNS` turns, in process against
//! one scripted server, tools off so requests stay small. The default is 50
//! turns; `.ci/run` sets the 200 (`RUDDER_CONCURRENT_TURNS=200`,
//! about 20 s on 2 cores, most of it in the fsync at each turn end). The work
//! grows with sessions × turns (fsyncs) and sessions × turns² (bytes sent).

use std::collections::HashSet;

use rudder_core::Session;
use rudder_core::session::restore::restore;
use rudder_core::transcript::{Record, read_transcript};
use rudder_testkit::{MockServer, Scenario, ScriptedTurn};

use super::common::{Harness, deps_with_tools, turn};

const SESSIONS: usize = 16;

fn turns() -> usize {
    std::env::var("RUDDER_CONCURRENT_TURNS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(50)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_sessions_in_one_directory_keep_valid_separate_transcripts() {
    let turns = turns();
    let harness = std::sync::Arc::new(Harness::new());
    let script = (0..SESSIONS * turns)
        .map(|i| ScriptedTurn::text(format!("answer {i}")))
        .collect();
    let server = std::sync::Arc::new(MockServer::spawn(Scenario::new(script)).unwrap());
    let mut tasks = Vec::new();
    for index in 0..SESSIONS {
        let harness = std::sync::Arc::clone(&harness);
        let server = std::sync::Arc::clone(&server);
        tasks.push(tokio::spawn(async move {
            let id = format!("00000000-0000-4000-8000-{index:012}");
            let (deps, _events) = deps_with_tools(&server, &[]);
            let mut session = Session::start(harness.config(&id), deps).await.unwrap();
            for step in 0..turns {
                let outcome = turn(&mut session, &format!("session {index} step {step}")).await;
                assert!(outcome.stop.is_success(), "{:?}", outcome.stop);
            }
            session.shutdown().await;
            id
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap());
    }

    let project = harness.transcript("x").parent().unwrap().to_owned();
    let files: HashSet<String> = std::fs::read_dir(&project)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".jsonl"))
        .collect();
    assert_eq!(files.len(), SESSIONS, "{files:?}");
    for (index, id) in ids.iter().enumerate() {
        let path = harness.transcript(id);
        let loaded = read_transcript(&path).unwrap();
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        assert!(matches!(loaded.records.first(), Some(Record::Frame(_))));
        let mut parent: Option<String> = None;
        let mut prompts = 0;
        for record in &loaded.records {
            let meta = match record {
                Record::User { meta, message, .. } => {
                    assert!(
                        message
                            .text()
                            .contains(&format!("session {index} step {prompts}"))
                    );
                    prompts += 1;
                    meta
                }
                Record::Assistant { meta, .. } => meta,
                _ => continue,
            };
            assert_eq!(&meta.session_id, id, "a line of another session");
            assert_eq!(meta.parent_uuid, parent, "the parent chain is whole");
            parent = Some(meta.uuid.clone());
        }
        assert_eq!(prompts, turns);
        assert_eq!(restore(&path).unwrap().messages.len(), 2 * turns);
    }
}

//! Background subagents that outlive the turn (the interactive UI's
//! policy): the turn ends without waiting for one, the person is told when
//! it finishes, and its report reaches the model at the front of the next
//! prompt — a new message, so every request still extends the one before.

use std::sync::Arc;
use std::time::Duration;

use rudder_config::agents::{AgentSet, builtin_agents};
use rudder_core::Session;
use rudder_core::catalog::Catalog;
use rudder_core::subagent::BackgroundPolicy;
use rudder_protocol::event::NoticeLevel;
use rudder_protocol::{AgentEvent, ContentBlock};
use rudder_testkit::{MockServer, Scenario};
use serde_json::json;

use super::common::{Harness, assert_extends, deps_with_tools, requests, turn};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subagent_outlives_the_turn_and_its_report_opens_the_next_prompt() {
    let harness = Harness::new();
    let scenario = json!({"turns": [
        {"when": "count in the background", "content": [{"type": "tool_use", "name": "Task", "input": {
            "description": "Count files", "prompt": "Count the files slowly",
            "subagent_type": "Explore", "run_in_background": true}}]},
        {"when": "Count the files slowly", "delay_ms": 1500, "content": [
            {"type": "text", "text": "files: 2"}]},
        {"when": "task id agent_1", "content": [{"type": "text", "text": "Started it."}]},
        {"when": "keep working after your turn ends", "content": [{"type": "text", "text": "Fine."}]},
        {"when": "files: 2", "content": [{"type": "text", "text": "It found 2 files."}]}
    ]});
    let server =
        MockServer::spawn(Scenario::from_json_str(&scenario.to_string()).unwrap()).unwrap();
    let mut config = harness.config("00000000-0000-4000-8000-00000000b001");
    config.catalog = Arc::new(Catalog {
        agents: AgentSet {
            agents: builtin_agents(),
            ..AgentSet::default()
        },
        task_tool: true,
        ..Catalog::default()
    });
    config.background_subagents = BackgroundPolicy::OutliveTurn;
    let (deps, mut events) = deps_with_tools(&server, &["BashOutput", "Glob", "Read"]);
    let mut session = Session::start(config, deps).await.unwrap();

    let first = turn(&mut session, "count in the background").await;
    assert!(first.stop.is_success(), "{:?}", first.stop);
    assert_eq!(
        first.result_text, "Fine.",
        "reminded once, then the turn ended"
    );

    let finished = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(event) = events.recv().await {
            if let AgentEvent::Notice {
                level: NoticeLevel::Info,
                message,
            } = event
                && message.contains("agent_1")
                && message.contains("finished (completed)")
            {
                return;
            }
        }
    })
    .await;
    assert!(finished.is_ok(), "the person is told when it finishes");

    let second = turn(&mut session, "what did it find?").await;
    assert_eq!(second.result_text, "It found 2 files.");
    session.shutdown().await;

    let parents: Vec<_> = requests(&server)
        .into_iter()
        .filter(|request| request.tools.iter().any(|tool| tool.name() == "Task"))
        .collect();
    assert_eq!(parents.len(), 4);
    let prompt = &parents[3].messages.last().unwrap().content;
    let texts: Vec<&str> = prompt.iter().filter_map(ContentBlock::as_text).collect();
    assert!(
        texts[0].contains("Background subagent agent_1 (Explore: Count files) has finished")
            && texts[0].contains("files: 2"),
        "{texts:?}"
    );
    assert_eq!(texts.last(), Some(&"what did it find?"));
    for (index, pair) in parents.windows(2).enumerate() {
        assert_extends(&pair[0], &pair[1], &format!("request {}", index + 1));
    }
}

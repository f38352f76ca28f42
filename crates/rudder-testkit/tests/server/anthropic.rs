//! The Anthropic Messages endpoint: streams decode into the scripted
//! content, plain responses match, usage follows the cache model.

use rudder_protocol::stream::Delta;
use rudder_protocol::{AssistantMessage, ContentBlock, StopReason, StreamEvent};
use rudder_testkit::{Api, MockServer, Scenario, ScriptedBlock, ScriptedTurn};
use serde_json::{Value, json};

use crate::common::{anthropic_body, frames, post};

fn scripted() -> ScriptedTurn {
    ScriptedTurn::new(vec![
        ScriptedBlock::Thinking {
            thinking: "The user wants a listing.".into(),
            signature: "c2lnbmF0dXJl".into(),
        },
        ScriptedBlock::Text {
            text: "Let me list the files — ünïcödé included.".into(),
        },
        ScriptedBlock::ToolUse {
            id: None,
            name: "Bash".into(),
            input: Some(json!({"command": "ls -la \"src\"", "timeout": 5000})),
            raw_input: None,
        },
    ])
}

/// Folds decoded stream events into the message they describe.
fn fold(events: Vec<StreamEvent>) -> AssistantMessage {
    let mut message: Option<AssistantMessage> = None;
    let mut json_text: Vec<String> = Vec::new();
    for event in events {
        match event {
            StreamEvent::MessageStart { message: start } => {
                assert!(start.content.is_empty());
                assert_eq!(start.stop_reason, None);
                message = Some(start);
            }
            StreamEvent::ContentBlockStart {
                index,
                content_block,
            } => {
                let message = message.as_mut().unwrap();
                assert_eq!(index, message.content.len());
                message.content.push(content_block);
                json_text.push(String::new());
            }
            StreamEvent::ContentBlockDelta { index, delta } => {
                match (&mut message.as_mut().unwrap().content[index], delta) {
                    (ContentBlock::Text { text, .. }, Delta::TextDelta { text: more }) => {
                        text.push_str(&more);
                    }
                    (ContentBlock::ToolUse { .. }, Delta::InputJsonDelta { partial_json }) => {
                        json_text[index].push_str(&partial_json);
                    }
                    (
                        ContentBlock::Thinking { thinking, .. },
                        Delta::ThinkingDelta { thinking: more },
                    ) => {
                        thinking.push_str(&more);
                    }
                    (
                        ContentBlock::Thinking { signature, .. },
                        Delta::SignatureDelta { signature: sig },
                    ) => {
                        *signature = sig;
                    }
                    (block, delta) => panic!("{delta:?} does not apply to {block:?}"),
                }
            }
            StreamEvent::ContentBlockStop { index } => {
                if let ContentBlock::ToolUse { input, .. } =
                    &mut message.as_mut().unwrap().content[index]
                {
                    *input = serde_json::from_str(&json_text[index]).unwrap();
                }
            }
            StreamEvent::MessageDelta { delta, usage } => {
                let message = message.as_mut().unwrap();
                message.stop_reason = delta.stop_reason;
                message.usage.merge_delta(&usage);
            }
            StreamEvent::Ping | StreamEvent::MessageStop => {}
            other => panic!("unexpected event {other:?}"),
        }
    }
    message.unwrap()
}

#[tokio::test]
async fn a_streamed_turn_decodes_into_the_scripted_content() {
    let server = MockServer::spawn(Scenario::new(vec![scripted()])).unwrap();
    let response = post(
        &server.base_url(),
        "/v1/messages",
        &anthropic_body("list files", true),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    assert!(response.headers().contains_key("request-id"));
    let body = response.text().await.unwrap();
    let frames = frames(&body);
    let mut events = Vec::new();
    for frame in &frames {
        let event = StreamEvent::from_data(&frame.data).unwrap();
        assert_eq!(frame.event.as_deref(), Some(event.name()));
        events.push(event);
    }
    let tool_fragments = events
        .iter()
        .filter(|event| matches!(event, StreamEvent::ContentBlockDelta { delta: Delta::InputJsonDelta { partial_json }, .. } if !partial_json.is_empty()))
        .count();
    assert!(
        tool_fragments >= 2,
        "tool input came in {tool_fragments} fragments"
    );
    assert!(events.contains(&StreamEvent::Ping));
    assert_eq!(events.last(), Some(&StreamEvent::MessageStop));

    let message = fold(events);
    assert!(message.id.starts_with("msg_"));
    assert_eq!(message.model, "claude-test");
    assert_eq!(message.stop_reason, Some(StopReason::ToolUse));
    assert_eq!(message.text(), "Let me list the files — ünïcödé included.");
    assert_eq!(
        message.content[0],
        ContentBlock::Thinking {
            thinking: "The user wants a listing.".into(),
            signature: "c2lnbmF0dXJl".into()
        }
    );
    let ContentBlock::ToolUse {
        id, name, input, ..
    } = &message.content[2]
    else {
        panic!("not a tool call: {:?}", message.content[2])
    };
    assert!(id.starts_with("toolu_"));
    assert_eq!(
        (name.as_str(), input),
        (
            "Bash",
            &json!({"command": "ls -la \"src\"", "timeout": 5000})
        )
    );
    assert!(message.usage.output_tokens > 1);
    assert!(message.usage.cache_creation_input_tokens > 0);

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str(), request.api),
        ("POST", "/v1/messages", Api::Anthropic)
    );
    assert_eq!((request.turn, request.fault), (Some(0), false));
    assert_eq!(request.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(
        request.json.as_ref().unwrap()["messages"][0]["content"][0]["text"],
        "list files"
    );
    assert_eq!(request.usage.as_ref(), Some(&message.usage));
}

#[tokio::test]
async fn a_plain_request_gets_the_json_message_and_the_query_is_recorded() {
    let mut scenario = Scenario::new(vec![scripted()]);
    scenario.response_model = Some("claude-pinned-20260101".into());
    let server = MockServer::spawn(scenario).unwrap();
    let response = post(
        &server.base_url(),
        "/v1/messages?beta=true",
        &anthropic_body("list files", false),
    )
    .await;
    assert_eq!(response.status(), 200);
    let message: AssistantMessage = response.json().await.unwrap();
    assert_eq!(message.model, "claude-pinned-20260101");
    assert_eq!(message.content.len(), 3);
    assert_eq!(message.stop_reason, Some(StopReason::ToolUse));
    assert_eq!(server.requests()[0].path, "/v1/messages?beta=true");
}

/// A request shaped like Claude Code's: string system, a `role: "system"`
/// message, adaptive thinking, breakpoints on system and the last block.
fn peer_request(turns: usize) -> Value {
    let mut messages = vec![
        json!({"role": "user", "content": [{"type": "text", "text": "fix the bug"}]}),
        json!({"role": "system", "content": "agent list"}),
    ];
    for i in 0..turns {
        messages.push(json!({"role": "assistant", "content": [{"type": "tool_use", "id": format!("toolu_{i}"), "name": "Bash", "input": {"command": "ls"}}]}));
        messages.push(json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": format!("toolu_{i}"), "content": format!("output {i} {}", "y".repeat(200))}]}));
    }
    let last = messages.len() - 1;
    let block = messages[last]["content"]
        .as_array_mut()
        .map(|blocks| blocks.len() - 1)
        .unwrap_or(0);
    messages[last]["content"][block]["cache_control"] = json!({"type": "ephemeral"});
    json!({
        "model": "claude-opus-x", "max_tokens": 64000, "stream": true,
        "thinking": {"type": "adaptive"},
        "context_management": {"edits": []},
        "system": [{"type": "text", "text": "billing"}, {"type": "text", "text": "You are an agent. ".repeat(100), "cache_control": {"type": "ephemeral"}}],
        "messages": messages,
    })
}

#[tokio::test]
async fn usage_reads_the_cached_prefix_of_an_extended_request() {
    let turns = (0..3).map(|_| ScriptedTurn::text("ok")).collect();
    let server = MockServer::spawn(Scenario::new(turns)).unwrap();
    for turns in [1, 2] {
        let response = post(
            &server.base_url(),
            "/v1/messages?beta=true",
            &peer_request(turns),
        )
        .await;
        assert_eq!(response.status(), 200);
        response.text().await.unwrap();
    }
    // A changed system prompt shares only the model and the first block.
    let mut changed = peer_request(2);
    changed["system"][1]["text"] = json!("Another prompt.");
    post(&server.base_url(), "/v1/messages", &changed)
        .await
        .text()
        .await
        .unwrap();

    let usage: Vec<_> = server
        .requests()
        .into_iter()
        .map(|request| request.usage.unwrap())
        .collect();
    assert_eq!(usage[0].cache_read_input_tokens, 0);
    assert!(usage[0].cache_creation_input_tokens > 0);
    assert_eq!(
        usage[1].cache_read_input_tokens,
        usage[0].cache_creation_input_tokens
    );
    assert!(usage[1].cache_creation_input_tokens > 50, "{:?}", usage[1]);
    assert_eq!(usage[1].input_tokens, 0);
    assert_eq!(usage[2].cache_read_input_tokens, 0);
}

/// `forget_bodies` (rudder-mock `--forget-bodies`, for long benchmarks):
/// requests are still answered, recorded and measured, without their bodies.
#[tokio::test]
async fn forgotten_bodies_keep_the_record_and_its_usage() {
    let options = rudder_testkit::ServerOptions {
        forget_bodies: true,
        ..rudder_testkit::ServerOptions::default()
    };
    let server =
        MockServer::spawn_with(Scenario::new(vec![ScriptedTurn::text("hi")]), options).unwrap();
    let response = post(
        &server.base_url(),
        "/v1/messages",
        &anthropic_body("hello", false),
    )
    .await;
    assert_eq!(response.status(), 200);
    let recorded = &server.requests()[0];
    assert!(recorded.body.is_empty() && recorded.json.is_none());
    assert!(recorded.usage.as_ref().unwrap().cache_creation_input_tokens > 0);
}

//! The Anthropic client against a scripted local server: what goes on the
//! wire (body bytes, headers) and how every kind of answer comes back.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use rudder_model::anthropic::{AnthropicClient, AnthropicConfig, Auth};
use rudder_model::{ModelClient, ModelError};
use rudder_protocol::stream::Delta;
use rudder_protocol::{MessagesRequest, StreamEvent};
use serde_json::json;
use support::{Reply, Server, collect, dead_url, sse_body};

fn config(base_url: &str) -> AnthropicConfig {
    AnthropicConfig {
        base_url: format!("{base_url}/"),
        auth: Auth::ApiKey("sk-test".into()),
        betas: Vec::new(),
        extra_headers: Vec::new(),
        user_agent: "rudder/0.0-test".into(),
        proxy: rudder_model::proxy::ProxyConfig::default(),
    }
}

fn client(base_url: &str) -> AnthropicClient {
    AnthropicClient::new(config(base_url)).unwrap()
}

fn request() -> MessagesRequest {
    serde_json::from_value(json!({
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "system": [{"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "read a.txt"}]}],
        "tools": [{"name": "Read", "description": "Read a file", "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}}}}],
        "stream": true
    }))
    .unwrap()
}

const MESSAGE_START: &str = r#"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"cache_creation_input_tokens":3,"cache_read_input_tokens":5,"output_tokens":1}}}"#;

/// A full stream: thinking with signature, a ping, text with multi-byte
/// characters, an unknown event, a tool_use whose input arrives in pieces.
fn full_stream() -> Vec<(&'static str, &'static str)> {
    vec![
        ("message_start", MESSAGE_START),
        (
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}"#,
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Need the file."}}"#,
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCkYIBxgC"}}"#,
        ),
        (
            "content_block_stop",
            r#"{"type":"content_block_stop","index":0}"#,
        ),
        ("ping", r#"{"type": "ping"}"#),
        (
            "content_block_start",
            r#"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#,
        ),
        (
            "content_block_delta",
            "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Re\u{e9}ding \u{1F642} \u{4E2D}\"}}",
        ),
        (
            "content_block_stop",
            r#"{"type":"content_block_stop","index":1}"#,
        ),
        ("brand_new_event", r#"{"type":"brand_new_event","x":1}"#),
        (
            "content_block_start",
            r#"{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_1","name":"Read","input":{}}}"#,
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}}"#,
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"file_path\": \"/tm"}}"#,
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"p/a.txt\"}"}}"#,
        ),
        (
            "content_block_stop",
            r#"{"type":"content_block_stop","index":2}"#,
        ),
        (
            "message_delta",
            r#"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":42}}"#,
        ),
        ("message_stop", r#"{"type":"message_stop"}"#),
    ]
}

fn expected_events() -> Vec<Result<StreamEvent, ModelError>> {
    full_stream()
        .iter()
        .map(|(_, data)| Ok(StreamEvent::from_data(data).unwrap()))
        .collect()
}

#[tokio::test]
async fn a_full_stream_arrives_event_by_event() {
    let server = Server::start(vec![Reply::sse(&sse_body(&full_stream()))]).await;
    let request = request();
    let items = collect(client(&server.base_url).stream(&request).await.unwrap()).await;
    assert_eq!(items, expected_events());
    assert!(items.contains(&Ok(StreamEvent::Ping)));
    assert!(items.contains(&Ok(StreamEvent::Unknown("brand_new_event".into()))));
    let input: String = items
        .iter()
        .filter_map(|item| match item {
            Ok(StreamEvent::ContentBlockDelta {
                index: 2,
                delta: Delta::InputJsonDelta { partial_json },
            }) => Some(partial_json.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(input, r#"{"file_path": "/tmp/a.txt"}"#);
}

#[tokio::test]
async fn the_body_is_the_request_serialized_and_the_headers_are_claude_codes() {
    let server = Server::start(vec![Reply::sse(&sse_body(&full_stream()))]).await;
    let mut config = config(&server.base_url);
    config.betas = vec!["interleaved-thinking-2025-05-14".into(), "beta-two".into()];
    let request = request();
    let stream = AnthropicClient::new(config)
        .unwrap()
        .stream(&request)
        .await
        .unwrap();
    collect(stream).await;
    let [seen] = server.requests().try_into().unwrap();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path, "/v1/messages");
    assert_eq!(seen.body, serde_json::to_vec(&request).unwrap());
    assert_eq!(seen.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.header("x-api-key"), Some("sk-test"));
    assert_eq!(seen.header("authorization"), None);
    assert_eq!(seen.header("user-agent"), Some("rudder/0.0-test"));
    assert_eq!(
        seen.header("anthropic-beta"),
        Some("interleaved-thinking-2025-05-14,beta-two")
    );
}

#[tokio::test]
async fn bearer_auth_and_custom_headers_from_the_environment() {
    let server = Server::start(vec![Reply::sse(&sse_body(&full_stream()))]).await;
    let base = server.base_url.clone();
    let env = move |name: &str| match name {
        "ANTHROPIC_AUTH_TOKEN" => Some("tok-1".to_owned()),
        "ANTHROPIC_BASE_URL" => Some(format!("{base}/")),
        "ANTHROPIC_CUSTOM_HEADERS" => Some("X-Team: core\nX-Trace: a:b".to_owned()),
        _ => None,
    };
    let config = AnthropicConfig::from_env(&env, None).unwrap();
    assert_eq!(config.auth.env_var(), "ANTHROPIC_AUTH_TOKEN");
    let request = request();
    let stream = AnthropicClient::new(config)
        .unwrap()
        .stream(&request)
        .await
        .unwrap();
    collect(stream).await;
    let [seen] = server.requests().try_into().unwrap();
    assert_eq!(seen.header("authorization"), Some("Bearer tok-1"));
    assert_eq!(seen.header("x-api-key"), None);
    assert_eq!(seen.header("x-team"), Some("core"));
    assert_eq!(seen.header("x-trace"), Some("a:b"));
    assert_eq!(seen.header("anthropic-version"), Some("2023-06-01"));
    assert!(seen.header("user-agent").unwrap().starts_with("rudder/"));
    assert_eq!(seen.header("anthropic-beta"), None);
}

#[tokio::test]
async fn frames_split_at_every_byte_give_the_same_events() {
    let server = Server::start(vec![Reply::sse_in_pieces(&sse_body(&full_stream()), 1)]).await;
    let request = request();
    let items = collect(client(&server.base_url).stream(&request).await.unwrap()).await;
    assert_eq!(items, expected_events());
}

#[tokio::test]
async fn a_frame_that_never_ends_is_dropped_at_the_size_cap_not_buffered_whole() {
    // 17 MiB of one line: a broken proxy or a hostile server must not make
    // the client hold an unbounded frame.
    let mut chunks = vec![b"event: message_start\ndata: ".to_vec()];
    chunks.extend((0..17).map(|_| vec![b'x'; 1 << 20]));
    let reply = Reply {
        chunks,
        ..Reply::sse("")
    }
    .cut();
    let server = Server::start(vec![reply]).await;
    let request = request();
    let items = collect(client(&server.base_url).stream(&request).await.unwrap()).await;
    match items.as_slice() {
        [Err(ModelError::Decode(message))] => {
            assert!(message.contains("bytes without ending"), "{message}");
        }
        other => panic!("expected one decode error, got {:?}", other.len()),
    }
}

async fn open_error(reply: Reply) -> ModelError {
    let server = Server::start(vec![reply]).await;
    let request = request();
    match client(&server.base_url).stream(&request).await {
        Ok(_) => panic!("expected an error"),
        Err(err) => err,
    }
}

#[tokio::test]
async fn rate_limit_429_carries_retry_after() {
    let body = r#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}"#;
    let err = open_error(Reply::json(429, body).header("retry-after", "7")).await;
    assert_eq!(
        err,
        ModelError::Http {
            status: 429,
            message: "Number of request tokens has exceeded your per-minute rate limit".into(),
            retry_after: Some(Duration::from_secs(7)),
        }
    );
}

#[tokio::test]
async fn bad_request_400_surfaces_the_apis_message() {
    let body = r#"{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: 999999 > 64000, which is the maximum allowed"}}"#;
    let err = open_error(Reply::json(400, body)).await;
    assert_eq!(
        err.to_string(),
        "API error 400: max_tokens: 999999 > 64000, which is the maximum allowed"
    );
    assert!(matches!(
        err,
        ModelError::Http {
            retry_after: None,
            ..
        }
    ));
}

#[tokio::test]
async fn overloaded_529_and_a_plain_text_502() {
    let body = r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
    let err = open_error(Reply::json(529, body)).await;
    assert_eq!(err.status(), Some(529));
    assert!(matches!(&err, ModelError::Http { message, .. } if message == "Overloaded"));

    let gateway = Reply {
        headers: vec![("content-type".into(), "text/html".into())],
        ..Reply::json(502, "<html>Bad Gateway</html>\n")
    };
    let err = open_error(gateway).await;
    assert!(
        matches!(&err, ModelError::Http { status: 502, message, .. } if message == "<html>Bad Gateway</html>")
    );
}

#[tokio::test]
async fn a_stream_that_ends_before_message_stop_is_truncated() {
    let mut frames = full_stream();
    frames.truncate(8);
    let mut body = sse_body(&frames);
    body.push_str("event: content_block_delta\ndata: {\"type\":\"content_");
    let server = Server::start(vec![Reply::sse(&body)]).await;
    let request = request();
    let items = collect(client(&server.base_url).stream(&request).await.unwrap()).await;
    assert_eq!(items.len(), 9);
    assert_eq!(items[..8], expected_events()[..8]);
    let Err(ModelError::Truncated(message)) = &items[8] else {
        panic!("{:?}", items[8])
    };
    assert!(message.contains("without message_stop"), "{message}");
    assert!(message.contains("SSE frame"), "{message}");
}

#[tokio::test]
async fn a_dropped_connection_mid_body_is_a_network_error() {
    let mut frames = full_stream();
    frames.truncate(3);
    let server = Server::start(vec![Reply::sse(&sse_body(&frames)).cut()]).await;
    let request = request();
    let items = collect(client(&server.base_url).stream(&request).await.unwrap()).await;
    assert_eq!(items.len(), 4);
    let Err(ModelError::Network(message)) = &items[3] else {
        panic!("{:?}", items[3])
    };
    assert!(message.contains(&server.base_url), "{message}");
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_and_ends_the_stream() {
    let body = sse_body(&[
        ("message_start", MESSAGE_START),
        ("content_block_delta", r#"{"type":"content_block_delta","#),
        ("message_stop", r#"{"type":"message_stop"}"#),
    ]);
    let server = Server::start(vec![Reply::sse(&body)]).await;
    let request = request();
    let items = collect(client(&server.base_url).stream(&request).await.unwrap()).await;
    assert_eq!(items.len(), 2);
    assert!(matches!(&items[1], Err(ModelError::Decode(m)) if m.contains("content_block_delta")));
}

#[tokio::test]
async fn a_known_event_of_the_wrong_shape_is_a_decode_error() {
    let body = sse_body(&[(
        "content_block_delta",
        r#"{"type":"content_block_delta","index":"zero"}"#,
    )]);
    let server = Server::start(vec![Reply::sse(&body)]).await;
    let request = request();
    let items = collect(client(&server.base_url).stream(&request).await.unwrap()).await;
    assert!(matches!(items.as_slice(), [Err(ModelError::Decode(_))]));
}

#[tokio::test]
async fn an_error_event_is_a_stream_error() {
    let body = sse_body(&[
        ("message_start", MESSAGE_START),
        (
            "error",
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        ),
    ]);
    let server = Server::start(vec![Reply::sse(&body)]).await;
    let request = request();
    let items = collect(client(&server.base_url).stream(&request).await.unwrap()).await;
    let expected = ModelError::Stream {
        kind: "overloaded_error".into(),
        message: "Overloaded".into(),
    };
    assert_eq!(items.last(), Some(&Err(expected.clone())));
    assert_eq!(expected.status(), Some(529));
}

#[tokio::test]
async fn connection_refused_is_a_network_error_naming_the_url() {
    let url = dead_url().await;
    let request = request();
    let Err(err) = client(&url).stream(&request).await else {
        panic!("connected to a dead port")
    };
    let ModelError::Network(message) = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains(&format!("{url}/v1/messages")), "{message}");
}

#[tokio::test]
async fn a_json_answer_to_a_stream_request_is_a_decode_error() {
    let err = open_error(Reply::json(200, r#"{"id":"msg_1","type":"message"}"#)).await;
    assert!(
        matches!(&err, ModelError::Decode(m) if m.contains("text/event-stream")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_request_without_stream_true_is_refused_before_sending() {
    let server = Server::start(vec![]).await;
    let mut request = request();
    request.stream = false;
    let Err(err) = client(&server.base_url).stream(&request).await else {
        panic!("sent a non-streaming request")
    };
    assert!(matches!(err, ModelError::Config(_)));
    assert!(server.requests().is_empty());
}

#[test]
fn provider_facts() {
    let client = client("http://127.0.0.1:9");
    assert_eq!(client.provider(), "anthropic");
    assert!(client.supports_cache_control());
}

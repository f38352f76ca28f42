//! The OpenAI Chat Completions client against a scripted local server: the
//! translated request on the wire, and chunk streams translated back into
//! Anthropic events that the assembler accepts.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use rudder_model::assemble::MessageAssembler;
use rudder_model::openai::{OpenAiClient, OpenAiConfig, chat_completions_body, list_models};
use rudder_model::{ModelClient, ModelError};
use rudder_protocol::message::StopReason;
use rudder_protocol::stream::Delta;
use rudder_protocol::{AssistantMessage, ContentBlock, MessagesRequest, StreamEvent, Usage};
use serde_json::json;
use support::{Reply, Server, collect, dead_url};

fn config(base_url: &str, api_key: Option<&str>) -> OpenAiConfig {
    OpenAiConfig {
        base_url: base_url.to_owned(),
        api_key: api_key.map(str::to_owned),
        extra_headers: vec![("X-Title".into(), "rudder".into())],
        user_agent: "rudder/0.0-test".into(),
        proxy: rudder_model::proxy::ProxyConfig::default(),
    }
}

fn request() -> MessagesRequest {
    serde_json::from_value(json!({
        "model": "qwen3-coder",
        "max_tokens": 512,
        "system": [{"type": "text", "text": "Be terse.", "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "tools": [{"name": "Read", "description": "Read a file", "input_schema": {"type": "object"}}],
        "stream": true
    }))
    .unwrap()
}

/// `data:` frames for each chunk, then `[DONE]` when asked.
fn chunks(chunks: &[serde_json::Value], done: bool) -> String {
    let mut body: String = chunks
        .iter()
        .map(|chunk| format!("data: {chunk}\n\n"))
        .collect();
    if done {
        body.push_str("data: [DONE]\n\n");
    }
    body
}

fn delta(delta: serde_json::Value, finish: Option<&str>) -> serde_json::Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "qwen3-coder-30b",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]
    })
}

async fn stream_from(reply: Reply) -> (Server, Vec<Result<StreamEvent, ModelError>>) {
    let server = Server::start(vec![reply]).await;
    let client =
        OpenAiClient::new(config(&format!("{}/v1/", server.base_url), Some("sk-o"))).unwrap();
    let request = request();
    let items = collect(client.stream(&request).await.unwrap()).await;
    (server, items)
}

fn assemble(items: &[Result<StreamEvent, ModelError>]) -> AssistantMessage {
    let mut assembler = MessageAssembler::default();
    for item in items {
        assembler.apply(item.as_ref().unwrap()).unwrap();
    }
    assembler.finish().unwrap().message
}

#[tokio::test]
async fn text_with_usage_and_cached_tokens() {
    let body = chunks(
        &[
            delta(json!({"role": "assistant", "content": ""}), None),
            delta(json!({"content": "Hel"}), None),
            delta(json!({"content": "lo \u{1F642}"}), None),
            delta(json!({}), Some("stop")),
            json!({"id": "chatcmpl-1", "model": "qwen3-coder-30b", "choices": [],
                   "usage": {"prompt_tokens": 120, "completion_tokens": 7, "total_tokens": 127,
                             "prompt_tokens_details": {"cached_tokens": 100}}}),
        ],
        true,
    );
    let (server, items) = stream_from(Reply::sse_in_pieces(&body, 5)).await;
    let names: Vec<&str> = items
        .iter()
        .map(|item| item.as_ref().unwrap().name())
        .collect();
    assert_eq!(
        names,
        [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    let message = assemble(&items);
    assert_eq!(message.id, "chatcmpl-1");
    assert_eq!(message.model, "qwen3-coder-30b");
    assert_eq!(message.text(), "Hello \u{1F642}");
    assert_eq!(message.stop_reason, Some(StopReason::EndTurn));
    assert_eq!(
        message.usage,
        Usage {
            input_tokens: 20,
            cache_read_input_tokens: 100,
            output_tokens: 7,
            ..Usage::default()
        }
    );

    let [seen] = server.requests().try_into().unwrap();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path, "/v1/chat/completions");
    assert_eq!(seen.body, chat_completions_body(&request()).unwrap());
    assert_eq!(seen.header("authorization"), Some("Bearer sk-o"));
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.header("x-title"), Some("rudder"));
    assert_eq!(seen.header("user-agent"), Some("rudder/0.0-test"));
    assert_eq!(
        seen.json()["stream_options"],
        json!({"include_usage": true})
    );
}

#[tokio::test]
async fn two_parallel_tool_calls_streamed_by_index() {
    let call = |index: u32, id: Option<&str>, name: Option<&str>, args: &str| {
        let mut function = json!({"arguments": args});
        if let Some(name) = name {
            function["name"] = json!(name);
        }
        let mut call = json!({"index": index, "type": "function", "function": function});
        if let Some(id) = id {
            call["id"] = json!(id);
        }
        delta(json!({"tool_calls": [call]}), None)
    };
    let body = chunks(
        &[
            delta(json!({"role": "assistant", "content": "Looking."}), None),
            call(0, Some("call_a"), Some("Read"), ""),
            call(0, None, None, "{\"file_path\":"),
            call(0, None, None, " \"a.txt\"}"),
            call(1, Some("call_b"), Some("Bash"), "{\"command\""),
            call(1, None, None, ": \"ls\"}"),
            delta(json!({}), Some("tool_calls")),
        ],
        true,
    );
    let (_, items) = stream_from(Reply::sse(&body)).await;
    let message = assemble(&items);
    assert_eq!(message.stop_reason, Some(StopReason::ToolUse));
    assert_eq!(message.usage, Usage::default());
    assert_eq!(message.text(), "Looking.");
    let calls: Vec<_> = message
        .content
        .iter()
        .filter_map(|block| match block {
            ContentBlock::ToolUse {
                id, name, input, ..
            } => Some((id.as_str(), name.as_str(), input.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        calls,
        vec![
            ("call_a", "Read", json!({"file_path": "a.txt"})),
            ("call_b", "Bash", json!({"command": "ls"})),
        ]
    );
    let fragments = items
        .iter()
        .filter(|item| {
            matches!(
                item,
                Ok(StreamEvent::ContentBlockDelta {
                    delta: Delta::InputJsonDelta { .. },
                    ..
                })
            )
        })
        .count();
    assert_eq!(fragments, 4);
}

#[tokio::test]
async fn a_server_without_usage_or_done_still_completes() {
    let body = chunks(
        &[
            json!({"choices": [{"index": 0, "delta": {"content": "ok"}}]}),
            json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]}),
        ],
        false,
    );
    let (_, items) = stream_from(Reply::sse(&body)).await;
    let message = assemble(&items);
    assert_eq!(message.text(), "ok");
    assert_eq!(message.model, "qwen3-coder");
    assert!(message.id.starts_with("msg_"));
    assert_eq!(message.stop_reason, Some(StopReason::MaxTokens));
    assert_eq!(message.usage, Usage::default());
}

#[tokio::test]
async fn reasoning_becomes_a_thinking_block_and_keep_alives_are_pings() {
    let body = format!(
        ": OPENROUTER PROCESSING\n\n{}",
        chunks(
            &[
                delta(json!({"reasoning_content": "The user greets."}), None),
                delta(json!({"content": "Hi."}), Some("stop")),
            ],
            true,
        )
    );
    let (_, items) = stream_from(Reply::sse(&body)).await;
    assert_eq!(items[0], Ok(StreamEvent::Ping));
    let message = assemble(&items);
    assert_eq!(
        message.content,
        vec![
            ContentBlock::Thinking {
                thinking: "The user greets.".into(),
                signature: String::new()
            },
            ContentBlock::text("Hi.")
        ]
    );
}

#[tokio::test]
async fn an_error_body_is_an_http_error_with_its_message() {
    let server = Server::start(vec![Reply::json(
        401,
        r#"{"error":{"message":"Incorrect API key provided: sk-o.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
    )])
    .await;
    let client = OpenAiClient::new(config(&server.base_url, Some("sk-o"))).unwrap();
    let request = request();
    let Err(err) = client.stream(&request).await else {
        panic!("expected an error")
    };
    assert_eq!(
        err,
        ModelError::Http {
            status: 401,
            message: "Incorrect API key provided: sk-o.".into(),
            retry_after: None
        }
    );
    assert_eq!(server.requests()[0].path, "/v1/chat/completions");
}

#[tokio::test]
async fn a_cut_stream_is_truncated() {
    let body = chunks(&[delta(json!({"content": "par"}), None)], false);
    let (_, items) = stream_from(Reply::sse(&body)).await;
    assert!(matches!(items.last(), Some(Err(ModelError::Truncated(_)))));
}

#[tokio::test]
async fn list_models_reads_ids_and_reports_failures() {
    let server = Server::start(vec![
        Reply::json(
            200,
            r#"{"object":"list","data":[{"id":"qwen3-coder","object":"model"},{"id":"llama3.2","object":"model"}]}"#,
        ),
        Reply::json(200, r#"{"models":[]}"#),
    ])
    .await;
    let config = config(&server.base_url, None);
    assert_eq!(
        list_models(&config).await.unwrap(),
        ["qwen3-coder", "llama3.2"]
    );
    let [seen] = server.requests().try_into().unwrap();
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("GET", "/v1/models")
    );
    assert_eq!(seen.header("authorization"), None);
    assert!(matches!(
        list_models(&config).await,
        Err(ModelError::Decode(_))
    ));
    let dead = self::config(&dead_url().await, None);
    assert!(
        matches!(list_models(&dead).await, Err(ModelError::Network(m)) if m.contains("/v1/models"))
    );
}

#[test]
fn provider_facts() {
    let client = OpenAiClient::new(config("http://127.0.0.1:9", None)).unwrap();
    assert_eq!(client.provider(), "openai");
    assert!(!client.supports_cache_control());
}

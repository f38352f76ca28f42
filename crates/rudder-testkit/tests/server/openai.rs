//! The OpenAI Chat Completions endpoint: chunk streams with tool calls and
//! usage, plain completions, automatic prefix caching, error shapes.

use rudder_testkit::{Api, Fault, MockServer, Scenario, ScriptedBlock, ScriptedTurn};
use serde_json::{Value, json};

use crate::common::{frames, post};

fn body(messages: Value, stream: bool) -> Value {
    json!({
        "model": "local-model",
        "stream": stream,
        "stream_options": {"include_usage": true},
        "tools": [{"type": "function", "function": {"name": "Read", "parameters": {"type": "object"}}}],
        "messages": messages,
    })
}

fn first_messages() -> Value {
    json!([
        {"role": "system", "content": "You are a coding agent. ".repeat(40)},
        {"role": "user", "content": "read two files"}
    ])
}

fn two_calls() -> ScriptedTurn {
    ScriptedTurn::new(vec![
        ScriptedBlock::Text {
            text: "Reading both.".into(),
        },
        ScriptedBlock::ToolUse {
            id: None,
            name: "Read".into(),
            input: Some(json!({"file_path": "a.rs"})),
            raw_input: None,
        },
        ScriptedBlock::ToolUse {
            id: None,
            name: "Read".into(),
            input: Some(json!({"file_path": "b.rs"})),
            raw_input: None,
        },
    ])
}

#[tokio::test]
async fn a_streamed_completion_carries_tool_calls_by_index_and_usage() {
    let turns = vec![
        two_calls(),
        ScriptedTurn::text("Both read.").when("contents of b"),
    ];
    let server = MockServer::spawn(Scenario::new(turns)).unwrap();
    let response = post(
        &server.base_url(),
        "/v1/chat/completions",
        &body(first_messages(), true),
    )
    .await;
    assert_eq!(response.status(), 200);
    let frames = frames(&response.text().await.unwrap());
    assert_eq!(frames.last().unwrap().data, "[DONE]");
    let chunks: Vec<Value> = frames[..frames.len() - 1]
        .iter()
        .map(|frame| serde_json::from_str(&frame.data).unwrap())
        .collect();
    let mut content = String::new();
    let mut calls: Vec<(String, String)> = Vec::new();
    for chunk in &chunks {
        for call in chunk["choices"][0]["delta"]["tool_calls"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let index = call["index"].as_u64().unwrap() as usize;
            if let Some(id) = call["id"].as_str() {
                assert_eq!(index, calls.len());
                assert_eq!(call["type"], "function");
                calls.push((id.to_owned(), String::new()));
            }
            calls[index]
                .1
                .push_str(call["function"]["arguments"].as_str().unwrap_or(""));
        }
        content.push_str(
            chunk["choices"][0]["delta"]["content"]
                .as_str()
                .unwrap_or(""),
        );
    }
    assert_eq!(content, "Reading both.");
    assert_eq!(calls.len(), 2);
    assert!(calls.iter().all(|(id, _)| id.starts_with("call_")));
    assert_eq!(
        serde_json::from_str::<Value>(&calls[1].1).unwrap(),
        json!({"file_path": "b.rs"})
    );
    assert_eq!(
        chunks[chunks.len() - 2]["choices"][0]["finish_reason"],
        "tool_calls"
    );
    let usage = &chunks[chunks.len() - 1]["usage"];
    assert_eq!(usage["prompt_tokens_details"]["cached_tokens"], 0);
    assert!(usage["prompt_tokens"].as_u64().unwrap() > 200);

    // The follow-up extends the first request: most of it is cached.
    let mut messages = first_messages();
    let list = messages.as_array_mut().unwrap();
    list.push(json!({"role": "assistant", "content": "Reading both.", "tool_calls": [
        {"id": calls[0].0, "type": "function", "function": {"name": "Read", "arguments": calls[0].1}},
        {"id": calls[1].0, "type": "function", "function": {"name": "Read", "arguments": calls[1].1}}]}));
    list.push(json!({"role": "tool", "tool_call_id": calls[0].0, "content": "contents of a"}));
    list.push(json!({"role": "tool", "tool_call_id": calls[1].0, "content": "contents of b"}));
    let response = post(
        &server.base_url(),
        "/v1/chat/completions",
        &body(messages, false),
    )
    .await;
    let completion: Value = response.json().await.unwrap();
    assert_eq!(completion["object"], "chat.completion");
    assert_eq!(completion["choices"][0]["message"]["content"], "Both read.");
    assert_eq!(completion["choices"][0]["finish_reason"], "stop");
    let cached = completion["usage"]["prompt_tokens_details"]["cached_tokens"]
        .as_u64()
        .unwrap();
    assert!(cached > 200 && cached.is_multiple_of(4), "{cached}");

    let requests = server.requests();
    assert_eq!(requests[1].api, Api::OpenAi);
    assert_eq!(requests[1].turn, Some(1));
    assert_eq!(
        requests[1].usage.as_ref().unwrap().cache_read_input_tokens,
        cached
    );
}

#[tokio::test]
async fn status_faults_use_the_openai_error_shape() {
    let turn = ScriptedTurn::text("fine").with_fault(
        Fault::Status {
            status: 500,
            retry_after_secs: None,
            error_type: Some("server_error".into()),
            message: None,
        },
        1,
    );
    let server = MockServer::spawn(Scenario::new(vec![turn])).unwrap();
    let response = post(
        &server.base_url(),
        "/v1/chat/completions",
        &body(first_messages(), true),
    )
    .await;
    assert_eq!(response.status(), 500);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["type"], "server_error");
    assert_eq!(error["error"]["message"], "testkit: scripted HTTP 500");
    let response = post(
        &server.base_url(),
        "/v1/chat/completions",
        &body(first_messages(), true),
    )
    .await;
    assert_eq!(response.status(), 200);
}

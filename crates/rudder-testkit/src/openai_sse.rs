//! The OpenAI Chat Completions wire format of a [`Reply`]: the chunk
//! stream, the non-streaming completion, and error bodies.
//!
//! Contract: <https://platform.openai.com/docs/api-reference/chat/streaming>
//! and <https://platform.openai.com/docs/api-reference/chat/object>. A stream
//! is `data: <chunk>` frames — a role delta first, then `reasoning_content`
//! deltas (the field vLLM, DeepSeek and llama.cpp use for thinking),
//! `content` deltas, `tool_calls` deltas by index (`id`, `type`, name and
//! empty arguments first, then argument fragments), a final delta with
//! `finish_reason`, a usage chunk with empty `choices` when the request set
//! `stream_options.include_usage`, and `data: [DONE]`.

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde_json::{Value, json};

use crate::reply::{Block, IdStyle, Reply, json_fragments, text_pieces};
use crate::usage::PromptTokens;

/// OpenAI id prefixes: `chatcmpl-…`, `call_…`.
pub(crate) const IDS: IdStyle = IdStyle {
    message: "chatcmpl-",
    tool: "call_",
};

/// The `data:` frames of `reply`, ending with `[DONE]`; with
/// `include_usage`, a usage chunk comes before it.
pub(crate) fn frames(reply: &Reply, prompt: PromptTokens, include_usage: bool) -> Vec<Bytes> {
    let created = now();
    let chunk = |choices: Value| {
        frame(&json!({
            "id": reply.id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": reply.model,
            "system_fingerprint": null,
            "choices": choices,
        }))
    };
    let delta = |delta: Value| {
        chunk(json!([{"index": 0, "delta": delta, "logprobs": null, "finish_reason": null}]))
    };
    let mut frames = vec![delta(json!({"role": "assistant", "content": ""}))];
    let mut call_index = 0;
    for block in &reply.blocks {
        match block {
            Block::Thinking { thinking, .. } => {
                for piece in text_pieces(thinking) {
                    frames.push(delta(json!({"reasoning_content": piece})));
                }
            }
            Block::Text(text) => {
                for piece in text_pieces(text) {
                    frames.push(delta(json!({"content": piece})));
                }
            }
            Block::ToolUse {
                id,
                name,
                input_json,
            } => {
                frames.push(delta(json!({"tool_calls": [{
                    "index": call_index, "id": id, "type": "function",
                    "function": {"name": name, "arguments": ""},
                }]})));
                for fragment in json_fragments(input_json) {
                    frames.push(delta(json!({"tool_calls": [{
                        "index": call_index, "function": {"arguments": fragment},
                    }]})));
                }
                call_index += 1;
            }
        }
    }
    frames.push(chunk(json!([{
        "index": 0, "delta": {}, "logprobs": null,
        "finish_reason": finish_reason(&reply.stop_reason),
    }])));
    if include_usage {
        let mut last = json!({
            "id": reply.id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": reply.model,
            "system_fingerprint": null,
            "choices": [],
        });
        last["usage"] = usage(reply, prompt);
        frames.push(frame(&last));
    }
    frames.push(Bytes::from_static(b"data: [DONE]\n\n"));
    frames
}

/// The non-streaming `chat.completion` body of `reply`.
pub(crate) fn completion(reply: &Reply, prompt: PromptTokens) -> Value {
    let mut text = String::new();
    let mut reasoning = String::new();
    let mut calls = Vec::new();
    for block in &reply.blocks {
        match block {
            Block::Text(more) => text.push_str(more),
            Block::Thinking { thinking, .. } => reasoning.push_str(thinking),
            Block::ToolUse {
                id,
                name,
                input_json,
            } => calls.push(json!({
                "id": id, "type": "function",
                "function": {"name": name, "arguments": input_json},
            })),
        }
    }
    let mut message = json!({"role": "assistant", "content": null, "refusal": null});
    if !text.is_empty() {
        message["content"] = Value::String(text);
    }
    if !reasoning.is_empty() {
        message["reasoning_content"] = Value::String(reasoning);
    }
    if !calls.is_empty() {
        message["tool_calls"] = Value::Array(calls);
    }
    json!({
        "id": reply.id,
        "object": "chat.completion",
        "created": now(),
        "model": reply.model,
        "system_fingerprint": null,
        "choices": [{
            "index": 0, "message": message, "logprobs": null,
            "finish_reason": finish_reason(&reply.stop_reason),
        }],
        "usage": usage(reply, prompt),
    })
}

/// An error response body: `{"error":{"message","type","param","code"}}`.
pub(crate) fn error_body(kind: &str, message: &str) -> Value {
    json!({"error": {"message": message, "type": kind, "param": null, "code": null}})
}

/// An in-stream error frame, `data: {"error":{…}}`, as OpenAI-compatible
/// servers send when generation fails after the stream began.
pub(crate) fn error_frame(kind: &str, message: &str) -> Bytes {
    frame(&error_body(kind, message))
}

/// A chunk frame whose data is cut off mid-JSON.
pub(crate) fn malformed_frame() -> Bytes {
    Bytes::from_static(b"data: {\"id\":\"chatcmpl-broken\",\"choices\":[{\"delta\":{\"content\n\n")
}

/// The OpenAI `finish_reason` for an Anthropic stop reason.
fn finish_reason(stop_reason: &str) -> &'static str {
    match stop_reason {
        "tool_use" => "tool_calls",
        "max_tokens" | "model_context_window_exceeded" => "length",
        "refusal" => "content_filter",
        _ => "stop",
    }
}

fn usage(reply: &Reply, prompt: PromptTokens) -> Value {
    json!({
        "prompt_tokens": prompt.prompt,
        "completion_tokens": reply.output_tokens,
        "total_tokens": prompt.prompt + reply.output_tokens,
        "prompt_tokens_details": {"cached_tokens": prompt.cached},
        "completion_tokens_details": {"reasoning_tokens": 0},
    })
}

fn frame(data: &Value) -> Bytes {
    Bytes::from(format!("data: {data}\n\n"))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{ScriptedBlock, ScriptedTurn};

    fn reply() -> Reply {
        let turn = ScriptedTurn::new(vec![
            ScriptedBlock::Thinking {
                thinking: "hmm".into(),
                signature: String::new(),
            },
            ScriptedBlock::Text {
                text: "Two calls.".into(),
            },
            ScriptedBlock::ToolUse {
                id: None,
                name: "Read".into(),
                input: Some(json!({"file_path": "a", "offset": 1})),
                raw_input: None,
            },
            ScriptedBlock::ToolUse {
                id: Some("call_x".into()),
                name: "Bash".into(),
                input: None,
                raw_input: Some("{\"command\": ".into()),
            },
        ]);
        Reply::new(&turn, 1, b"seed", "gpt-test".into(), IDS)
    }

    const PROMPT: PromptTokens = PromptTokens {
        prompt: 100,
        cached: 64,
    };

    #[test]
    fn chunks_reassemble_into_the_completion() {
        let reply = reply();
        let frames = frames(&reply, PROMPT, true);
        assert_eq!(frames.last().unwrap().as_ref(), b"data: [DONE]\n\n");
        let chunks: Vec<Value> = frames[..frames.len() - 1]
            .iter()
            .map(|frame| {
                let text = std::str::from_utf8(frame).unwrap();
                serde_json::from_str(text.strip_prefix("data: ").unwrap().trim_end()).unwrap()
            })
            .collect();
        assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
        let (mut content, mut reasoning) = (String::new(), String::new());
        let mut calls: Vec<(String, String, String)> = Vec::new();
        let mut finish = Value::Null;
        for chunk in &chunks[..chunks.len() - 1] {
            assert_eq!(chunk["object"], "chat.completion.chunk");
            let choice = &chunk["choices"][0];
            let delta = &choice["delta"];
            content.push_str(delta["content"].as_str().unwrap_or(""));
            reasoning.push_str(delta["reasoning_content"].as_str().unwrap_or(""));
            for call in delta["tool_calls"].as_array().into_iter().flatten() {
                let index = call["index"].as_u64().unwrap() as usize;
                if index == calls.len() {
                    calls.push((
                        call["id"].as_str().unwrap().into(),
                        call["function"]["name"].as_str().unwrap().into(),
                        String::new(),
                    ));
                }
                calls[index]
                    .2
                    .push_str(call["function"]["arguments"].as_str().unwrap());
            }
            if !choice["finish_reason"].is_null() {
                finish = choice["finish_reason"].clone();
            }
        }
        let usage = &chunks.last().unwrap()["usage"];
        assert_eq!(usage["prompt_tokens_details"]["cached_tokens"], 64);
        assert_eq!(usage["completion_tokens"], reply.output_tokens);

        let whole = completion(&reply, PROMPT);
        let message = &whole["choices"][0]["message"];
        assert_eq!(finish, "tool_calls");
        assert_eq!(whole["choices"][0]["finish_reason"], finish);
        assert_eq!(message["content"], content.as_str());
        assert_eq!(message["reasoning_content"], reasoning.as_str());
        assert_eq!(reasoning, "hmm");
        assert_eq!(calls.len(), 2);
        for (call, (id, name, arguments)) in
            message["tool_calls"].as_array().unwrap().iter().zip(&calls)
        {
            assert_eq!(call["id"], id.as_str());
            assert_eq!(call["function"]["name"], name.as_str());
            assert_eq!(call["function"]["arguments"], arguments.as_str());
        }
        assert_eq!(calls[1].2, "{\"command\": ");
        assert_eq!(
            serde_json::from_str::<Value>(&calls[0].2).unwrap(),
            json!({"file_path": "a", "offset": 1})
        );
    }

    #[test]
    fn usage_chunk_only_when_asked() {
        let frames = frames(&reply(), PROMPT, false);
        let before_done = std::str::from_utf8(&frames[frames.len() - 2]).unwrap();
        assert!(
            before_done.contains("\"finish_reason\":\"tool_calls\""),
            "{before_done}"
        );
        assert!(!before_done.contains("usage"));
    }
}

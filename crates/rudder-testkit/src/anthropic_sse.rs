//! The Anthropic Messages wire format of a [`Reply`]: the SSE event
//! sequence, the non-streaming message, and error bodies.
//!
//! Contract: <https://docs.anthropic.com/en/api/messages-streaming> and
//! <https://docs.anthropic.com/en/api/errors>. A stream is `message_start`
//! (empty content, `stop_reason: null`, input usage), then per block
//! `content_block_start` / `content_block_delta`… / `content_block_stop`
//! with a `ping` after the first block starts, then `message_delta`
//! (stop reason, cumulative usage) and `message_stop`. Each frame is
//! `event: <type>\ndata: <json>\n\n`.

use bytes::Bytes;
use rudder_protocol::Usage;
use serde_json::{Value, json};

use crate::reply::{Block, IdStyle, Reply, json_fragments, text_pieces};

/// Anthropic id prefixes: `msg_01…`, `toolu_01…`.
pub(crate) const IDS: IdStyle = IdStyle {
    message: "msg_01",
    tool: "toolu_01",
};

/// The SSE frames of `reply`, `usage` being the input side (its
/// `output_tokens` is ignored; the reply's count is reported).
pub(crate) fn frames(reply: &Reply, usage: &Usage) -> Vec<Bytes> {
    let mut start_usage = usage.clone();
    start_usage.output_tokens = 1;
    let mut frames = vec![frame(
        "message_start",
        &json!({"type": "message_start", "message": {
            "id": reply.id,
            "type": "message",
            "role": "assistant",
            "model": reply.model,
            "content": [],
            "stop_reason": null,
            "stop_sequence": null,
            "usage": start_usage,
        }}),
    )];
    let ping = frame("ping", &json!({"type": "ping"}));
    if reply.blocks.is_empty() {
        frames.push(ping.clone());
    }
    for (index, block) in reply.blocks.iter().enumerate() {
        frames.push(frame(
            "content_block_start",
            &json!({"type": "content_block_start", "index": index, "content_block": start_block(block)}),
        ));
        if index == 0 {
            frames.push(ping.clone());
        }
        for delta in deltas(block) {
            frames.push(frame(
                "content_block_delta",
                &json!({"type": "content_block_delta", "index": index, "delta": delta}),
            ));
        }
        frames.push(frame(
            "content_block_stop",
            &json!({"type": "content_block_stop", "index": index}),
        ));
    }
    frames.push(frame(
        "message_delta",
        &json!({"type": "message_delta",
        "delta": {"stop_reason": reply.stop_reason, "stop_sequence": null},
        "usage": {
            "input_tokens": usage.input_tokens,
            "cache_creation_input_tokens": usage.cache_creation_input_tokens,
            "cache_read_input_tokens": usage.cache_read_input_tokens,
            "output_tokens": reply.output_tokens,
        }}),
    ));
    frames.push(frame("message_stop", &json!({"type": "message_stop"})));
    frames
}

/// The non-streaming response body of `reply` (`usage` as for [`frames`]).
pub(crate) fn message(reply: &Reply, usage: &Usage) -> Value {
    let mut usage = usage.clone();
    usage.output_tokens = reply.output_tokens;
    let content: Vec<Value> = reply.blocks.iter().map(full_block).collect();
    json!({
        "id": reply.id,
        "type": "message",
        "role": "assistant",
        "model": reply.model,
        "content": content,
        "stop_reason": reply.stop_reason,
        "stop_sequence": null,
        "usage": usage,
    })
}

/// An error response body: `{"type":"error","error":{"type","message"}}`.
pub(crate) fn error_body(kind: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": kind, "message": message}})
}

/// An in-stream `event: error` frame.
pub(crate) fn error_frame(kind: &str, message: &str) -> Bytes {
    frame("error", &error_body(kind, message))
}

/// A `content_block_delta` frame whose data is cut off mid-JSON.
pub(crate) fn malformed_frame() -> Bytes {
    Bytes::from_static(
        b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"unterminated\n\n",
    )
}

fn frame(name: &str, data: &Value) -> Bytes {
    Bytes::from(format!("event: {name}\ndata: {data}\n\n"))
}

fn start_block(block: &Block) -> Value {
    match block {
        Block::Text(_) => json!({"type": "text", "text": ""}),
        Block::ToolUse { id, name, .. } => {
            json!({"type": "tool_use", "id": id, "name": name, "input": {}})
        }
        Block::Thinking { .. } => json!({"type": "thinking", "thinking": "", "signature": ""}),
    }
}

fn deltas(block: &Block) -> Vec<Value> {
    match block {
        Block::Text(text) => text_pieces(text)
            .into_iter()
            .map(|piece| json!({"type": "text_delta", "text": piece}))
            .collect(),
        Block::ToolUse { input_json, .. } => std::iter::once("")
            .chain(json_fragments(input_json))
            .map(|piece| json!({"type": "input_json_delta", "partial_json": piece}))
            .collect(),
        Block::Thinking {
            thinking,
            signature,
        } => text_pieces(thinking)
            .into_iter()
            .map(|piece| json!({"type": "thinking_delta", "thinking": piece}))
            .chain(std::iter::once(
                json!({"type": "signature_delta", "signature": signature}),
            ))
            .collect(),
    }
}

fn full_block(block: &Block) -> Value {
    match block {
        Block::Text(text) => json!({"type": "text", "text": text}),
        Block::ToolUse {
            id,
            name,
            input_json,
        } => {
            let input = serde_json::from_str::<Value>(input_json)
                .unwrap_or_else(|_| Value::String(input_json.clone()));
            json!({"type": "tool_use", "id": id, "name": name, "input": input})
        }
        Block::Thinking {
            thinking,
            signature,
        } => json!({"type": "thinking", "thinking": thinking, "signature": signature}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{ScriptedBlock, ScriptedTurn};
    use rudder_protocol::stream::Delta;
    use rudder_protocol::{AssistantMessage, ContentBlock, StreamEvent};

    fn reply() -> Reply {
        let turn = ScriptedTurn::new(vec![
            ScriptedBlock::Thinking {
                thinking: "Let me look.".into(),
                signature: "sig".into(),
            },
            ScriptedBlock::Text {
                text: "Reading the file now.".into(),
            },
            ScriptedBlock::ToolUse {
                id: None,
                name: "Read".into(),
                input: Some(json!({"file_path": "/src/lib.rs", "limit": 20})),
                raw_input: None,
            },
        ]);
        Reply::new(&turn, 0, b"seed", "claude-test".into(), IDS)
    }

    /// Decodes frames with the protocol crate and folds them into a message.
    fn decode(frames: &[Bytes]) -> (Vec<&'static str>, AssistantMessage) {
        let mut names = Vec::new();
        let mut message = None;
        let mut inputs: Vec<String> = Vec::new();
        for frame in frames {
            let text = std::str::from_utf8(frame).unwrap();
            let (head, data) = text.split_once('\n').unwrap();
            let data = data.strip_prefix("data: ").unwrap().trim_end();
            let event = StreamEvent::from_data(data).unwrap();
            assert_eq!(head, format!("event: {}", event.name()));
            names.push(match &event {
                StreamEvent::MessageStart { .. } => "start",
                StreamEvent::ContentBlockStart { .. } => "block",
                StreamEvent::ContentBlockDelta { .. } => "delta",
                StreamEvent::ContentBlockStop { .. } => "stop",
                StreamEvent::Ping => "ping",
                StreamEvent::MessageDelta { .. } => "message_delta",
                StreamEvent::MessageStop => "message_stop",
                _ => "other",
            });
            match event {
                StreamEvent::MessageStart { message: start } => message = Some(start),
                StreamEvent::ContentBlockStart { content_block, .. } => {
                    message.as_mut().unwrap().content.push(content_block);
                    inputs.push(String::new());
                }
                StreamEvent::ContentBlockDelta { index, delta } => {
                    let block = &mut message.as_mut().unwrap().content[index];
                    match (block, delta) {
                        (ContentBlock::Text { text, .. }, Delta::TextDelta { text: more }) => {
                            text.push_str(&more)
                        }
                        (ContentBlock::ToolUse { .. }, Delta::InputJsonDelta { partial_json }) => {
                            inputs[index].push_str(&partial_json)
                        }
                        (
                            ContentBlock::Thinking { thinking, .. },
                            Delta::ThinkingDelta { thinking: more },
                        ) => thinking.push_str(&more),
                        (
                            ContentBlock::Thinking { signature, .. },
                            Delta::SignatureDelta { signature: sig },
                        ) => *signature = sig,
                        (block, delta) => panic!("{delta:?} for {block:?}"),
                    }
                }
                StreamEvent::ContentBlockStop { index } => {
                    if let ContentBlock::ToolUse { input, .. } =
                        &mut message.as_mut().unwrap().content[index]
                    {
                        *input = serde_json::from_str(&inputs[index]).unwrap();
                    }
                }
                StreamEvent::MessageDelta { delta, usage } => {
                    let message = message.as_mut().unwrap();
                    message.stop_reason = delta.stop_reason;
                    message.usage.merge_delta(&usage);
                }
                _ => {}
            }
        }
        (names, message.unwrap())
    }

    #[test]
    fn the_stream_decodes_into_the_scripted_message() {
        let reply = reply();
        let usage = Usage {
            input_tokens: 5,
            cache_read_input_tokens: 7,
            ..Usage::default()
        };
        let frames = frames(&reply, &usage);
        let (names, streamed) = decode(&frames);
        assert_eq!(&names[..3], ["start", "block", "ping"]);
        assert_eq!(&names[names.len() - 2..], ["message_delta", "message_stop"]);
        assert!(names.iter().filter(|name| **name == "delta").count() >= 8);
        assert_eq!(streamed.usage.cache_read_input_tokens, 7);
        assert_eq!(streamed.usage.output_tokens, reply.output_tokens);

        let whole: AssistantMessage = serde_json::from_value(message(&reply, &usage)).unwrap();
        assert_eq!(streamed.content, whole.content);
        assert_eq!(streamed.stop_reason, whole.stop_reason);
        assert_eq!(streamed.id, whole.id);
        assert_eq!(streamed.usage, whole.usage);
        assert_eq!(
            whole.content[0],
            ContentBlock::Thinking {
                thinking: "Let me look.".into(),
                signature: "sig".into()
            }
        );
        assert_eq!(whole.text(), "Reading the file now.");
        let (_, name, input) = whole
            .to_message()
            .tool_uses()
            .next()
            .map(|(i, n, v)| (i.to_owned(), n.to_owned(), v.clone()))
            .unwrap();
        assert_eq!(
            (name.as_str(), input),
            ("Read", json!({"file_path": "/src/lib.rs", "limit": 20}))
        );
    }

    #[test]
    fn error_and_malformed_frames_have_their_documented_failure() {
        let error = error_frame("overloaded_error", "Overloaded");
        let data = std::str::from_utf8(&error).unwrap().lines().nth(1).unwrap();
        assert!(matches!(
            StreamEvent::from_data(data.strip_prefix("data: ").unwrap()).unwrap(),
            StreamEvent::Error { error } if error.kind == "overloaded_error"
        ));
        let bad = malformed_frame();
        let data = std::str::from_utf8(&bad).unwrap().lines().nth(1).unwrap();
        assert!(StreamEvent::from_data(data.strip_prefix("data: ").unwrap()).is_err());
    }
}

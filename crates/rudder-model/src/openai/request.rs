//! Translating an Anthropic [`MessagesRequest`] into an OpenAI Chat
//! Completions request body.
//!
//! Contract: <https://platform.openai.com/docs/api-reference/chat/create>
//! (messages, `tool_calls`, `role: tool`, image parts as data URLs, tools as
//! `{"type":"function","function":{…}}`, `stream_options.include_usage`).
//!
//! The translation is a pure function of the request: the same request
//! always gives the same bytes, and a request that extends another gives a
//! body that extends the other's messages, so servers with automatic prefix
//! caching hit their cache. It never sends `cache_control` (the format has
//! no such field), and drops what Chat Completions cannot carry: thinking
//! blocks, server tools and their results, unknown block kinds, `thinking`
//! and `metadata`.

use rudder_protocol::message::Role;
use rudder_protocol::{ContentBlock, ImageSource, MessagesRequest, ToolResultContent, ToolSpec};
use serde_json::{Map, Value, json};

use crate::client::ModelError;

/// The Chat Completions body for `request`, serialized: `{model, messages,
/// tools (when any), stream: true, stream_options: {include_usage: true},
/// max_tokens}`.
///
/// System blocks become one `system` message (texts joined by a blank
/// line). A user message becomes its `tool_result` blocks as `role: tool`
/// messages (text content; `Error: ` prefixed when `is_error`), then one
/// `user` message with its text (a string, blocks joined by a blank line)
/// or, when images are present, content parts — images returned by tools
/// come first there, each group introduced by a text part naming its call.
/// An assistant message becomes one `assistant` message with its text and
/// its `tool_use` blocks as `tool_calls` (`arguments` = the input as JSON
/// text).
///
/// Errors: [`ModelError::Config`] if the body cannot be serialized (not
/// expected for values built from JSON).
pub fn chat_completions_body(request: &MessagesRequest) -> Result<Vec<u8>, ModelError> {
    let mut messages = Vec::new();
    let system = joined_text(&request.system);
    if !system.is_empty() {
        messages.push(json!({"role": "system", "content": system}));
    }
    for message in &request.messages {
        match message.role {
            Role::User => user_messages(&message.content, &mut messages),
            Role::Assistant => messages.push(assistant_message(&message.content)),
        }
    }
    let mut body = Map::new();
    body.insert("model".to_owned(), json!(request.model));
    body.insert("messages".to_owned(), Value::Array(messages));
    let tools: Vec<Value> = request.tools.iter().filter_map(function_tool).collect();
    if !tools.is_empty() {
        body.insert("tools".to_owned(), Value::Array(tools));
    }
    body.insert("stream".to_owned(), json!(true));
    body.insert("stream_options".to_owned(), json!({"include_usage": true}));
    body.insert("max_tokens".to_owned(), json!(request.max_tokens));
    serde_json::to_vec(&Value::Object(body))
        .map_err(|err| ModelError::Config(format!("cannot serialize the request: {err}")))
}

/// The texts of the text blocks among `blocks`, joined by a blank line.
fn joined_text(blocks: &[ContentBlock]) -> String {
    blocks
        .iter()
        .filter_map(ContentBlock::as_text)
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// An image as a content part: base64 data as a `data:` URL, or the URL.
fn image_part(source: &ImageSource) -> Value {
    let url = match source {
        ImageSource::Base64 { media_type, data } => format!("data:{media_type};base64,{data}"),
        ImageSource::Url { url } => url.clone(),
    };
    json!({"type": "image_url", "image_url": {"url": url}})
}

/// Appends the messages of one user turn: tool results first (Chat
/// Completions wants them right after the assistant's `tool_calls`), then
/// the user's own content, if any.
fn user_messages(blocks: &[ContentBlock], out: &mut Vec<Value>) {
    let mut parts = Vec::new();
    for block in blocks {
        if let ContentBlock::ToolResult {
            tool_use_id,
            content,
            is_error,
            ..
        } = block
        {
            let text = content.text();
            let text = if *is_error {
                format!("Error: {text}")
            } else {
                text
            };
            out.push(json!({"role": "tool", "tool_call_id": tool_use_id, "content": text}));
            let images: Vec<Value> = match content {
                ToolResultContent::Blocks(inner) => inner
                    .iter()
                    .filter_map(|block| match block {
                        ContentBlock::Image { source, .. } => Some(image_part(source)),
                        _ => None,
                    })
                    .collect(),
                ToolResultContent::Text(_) => Vec::new(),
            };
            if !images.is_empty() {
                let label = format!("Image(s) returned by tool call {tool_use_id}:");
                parts.push(json!({"type": "text", "text": label}));
                parts.extend(images);
            }
        }
    }
    let mut has_image = !parts.is_empty();
    for block in blocks {
        match block {
            ContentBlock::Text { text, .. } => parts.push(json!({"type": "text", "text": text})),
            ContentBlock::Image { source, .. } => {
                has_image = true;
                parts.push(image_part(source));
            }
            _ => {}
        }
    }
    if parts.is_empty() {
        return;
    }
    let content = if has_image {
        Value::Array(parts)
    } else {
        json!(joined_text(blocks))
    };
    out.push(json!({"role": "user", "content": content}));
}

/// One assistant message: text (null when there is none but there are tool
/// calls) and `tool_calls`.
fn assistant_message(blocks: &[ContentBlock]) -> Value {
    let calls: Vec<Value> = blocks
        .iter()
        .filter_map(|block| match block {
            ContentBlock::ToolUse {
                id, name, input, ..
            } => Some(json!({
                "id": id,
                "type": "function",
                "function": {"name": name, "arguments": input.to_string()},
            })),
            _ => None,
        })
        .collect();
    let text = joined_text(blocks);
    let mut message = Map::new();
    message.insert("role".to_owned(), json!("assistant"));
    let content = if text.is_empty() && !calls.is_empty() {
        Value::Null
    } else {
        json!(text)
    };
    message.insert("content".to_owned(), content);
    if !calls.is_empty() {
        message.insert("tool_calls".to_owned(), Value::Array(calls));
    }
    Value::Object(message)
}

/// A client tool as a function tool; server tools have no equivalent.
fn function_tool(tool: &ToolSpec) -> Option<Value> {
    match tool {
        ToolSpec::Custom(def) => Some(json!({
            "type": "function",
            "function": {
                "name": def.name,
                "description": def.description,
                "parameters": def.input_schema,
            },
        })),
        ToolSpec::Server(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(request: Value) -> Value {
        let request: MessagesRequest = serde_json::from_value(request).unwrap();
        serde_json::from_slice(&chat_completions_body(&request).unwrap()).unwrap()
    }

    #[test]
    fn a_whole_conversation_translates() {
        let got = body(json!({
            "model": "qwen3-coder",
            "max_tokens": 2048,
            "system": [
                {"type": "text", "text": "You are rudder.", "cache_control": {"type": "ephemeral"}},
                {"type": "text", "text": "Be terse."}
            ],
            "messages": [
                {"role": "user", "content": [
                    {"type": "text", "text": "<reminder>"},
                    {"type": "text", "text": "what is in a.png?", "cache_control": {"type": "ephemeral"}}
                ]},
                {"role": "assistant", "content": [
                    {"type": "thinking", "thinking": "hmm", "signature": "s"},
                    {"type": "text", "text": "Reading it."},
                    {"type": "tool_use", "id": "call_1", "name": "Read", "input": {"z": 1, "a": "a.png"}},
                    {"type": "tool_use", "id": "call_2", "name": "Bash", "input": {"command": "ls"}}
                ]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "call_1", "content": [
                        {"type": "text", "text": "an image"},
                        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"}}
                    ]},
                    {"type": "tool_result", "tool_use_id": "call_2", "content": "no such dir", "is_error": true},
                    {"type": "text", "text": "go on"}
                ]},
                {"role": "assistant", "content": [
                    {"type": "tool_use", "id": "call_3", "name": "Bash", "input": {}}
                ]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "call_3", "content": "ok"}
                ]}
            ],
            "tools": [
                {"name": "Bash", "description": "Run a command", "input_schema": {"type": "object"}, "cache_control": {"type": "ephemeral"}},
                {"type": "web_search_20250305", "name": "web_search", "max_uses": 8}
            ],
            "thinking": {"type": "enabled", "budget_tokens": 1024},
            "stream": true
        }));
        assert_eq!(
            got,
            json!({
                "model": "qwen3-coder",
                "messages": [
                    {"role": "system", "content": "You are rudder.\n\nBe terse."},
                    {"role": "user", "content": "<reminder>\n\nwhat is in a.png?"},
                    {"role": "assistant", "content": "Reading it.", "tool_calls": [
                        {"id": "call_1", "type": "function", "function": {"name": "Read", "arguments": "{\"z\":1,\"a\":\"a.png\"}"}},
                        {"id": "call_2", "type": "function", "function": {"name": "Bash", "arguments": "{\"command\":\"ls\"}"}}
                    ]},
                    {"role": "tool", "tool_call_id": "call_1", "content": "an image"},
                    {"role": "tool", "tool_call_id": "call_2", "content": "Error: no such dir"},
                    {"role": "user", "content": [
                        {"type": "text", "text": "Image(s) returned by tool call call_1:"},
                        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBOR"}},
                        {"type": "text", "text": "go on"}
                    ]},
                    {"role": "assistant", "content": null, "tool_calls": [
                        {"id": "call_3", "type": "function", "function": {"name": "Bash", "arguments": "{}"}}
                    ]},
                    {"role": "tool", "tool_call_id": "call_3", "content": "ok"}
                ],
                "tools": [
                    {"type": "function", "function": {"name": "Bash", "description": "Run a command", "parameters": {"type": "object"}}}
                ],
                "stream": true,
                "stream_options": {"include_usage": true},
                "max_tokens": 2048
            })
        );
    }

    #[test]
    fn the_same_request_gives_the_same_bytes_and_no_cache_control() {
        let request: MessagesRequest = serde_json::from_value(json!({
            "model": "m", "max_tokens": 8,
            "system": [{"type": "text", "text": "s", "cache_control": {"type": "ephemeral"}}],
            "messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "url", "url": "https://x/y.png"}, "cache_control": {"type": "ephemeral"}}]}],
            "stream": true
        }))
        .unwrap();
        let first = chat_completions_body(&request).unwrap();
        assert_eq!(first, chat_completions_body(&request).unwrap());
        let text = String::from_utf8(first).unwrap();
        assert!(!text.contains("cache_control"));
        assert!(text.contains(r#"{"type":"image_url","image_url":{"url":"https://x/y.png"}}"#));
        assert!(text.starts_with(r#"{"model":"m","messages":["#));
    }

    #[test]
    fn a_longer_conversation_extends_the_earlier_body() {
        let turn = |messages: Value| -> String {
            let request: MessagesRequest = serde_json::from_value(json!({
                "model": "m", "max_tokens": 8, "messages": messages, "stream": true
            }))
            .unwrap();
            String::from_utf8(chat_completions_body(&request).unwrap()).unwrap()
        };
        let first = turn(json!([{"role": "user", "content": "hi"}]));
        let second = turn(json!([
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": [{"type": "text", "text": "hello"}]},
            {"role": "user", "content": "more"}
        ]));
        let shared = first.find("]").unwrap();
        assert_eq!(first[..shared], second[..shared]);
    }
}

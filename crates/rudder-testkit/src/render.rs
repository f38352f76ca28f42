//! Canonical bytes of a model request, as the usage model compares them.
//!
//! Anthropic requests go through [`rudder_protocol::cache::cache_order`] (the
//! one definition of "cache order" in the project). A body that does not
//! parse as [`MessagesRequest`] — a peer's extra shapes, such as Claude Code's
//! `role: "system"` messages, a string `system` or `thinking: adaptive` — is
//! rendered element by element the same way, each element through the
//! protocol types when it parses and verbatim (minus `cache_control`) when
//! not, so such a request is measured instead of rejected.
//!
//! OpenAI requests have no breakpoints; their canonical form is the model,
//! the tools and the messages, one compact JSON value per line, in order.

use rudder_protocol::cache::{CacheOrder, Segment, cache_order};
use rudder_protocol::{ContentBlock, MessagesRequest, ToolSpec};
use serde::Serialize;
use serde_json::Value;

/// The cache-order rendering of an Anthropic request body (any JSON value;
/// missing parts render as nothing, a missing model as `null`).
pub(crate) fn anthropic_cache_order(body: &Value) -> CacheOrder {
    match serde_json::from_value::<MessagesRequest>(body.clone()) {
        Ok(request) => cache_order(&request),
        Err(_) => lenient(body),
    }
}

/// The canonical bytes of an OpenAI Chat Completions body: `model`, each of
/// `tools`, each of `messages`, one JSON value and `\n` each.
pub(crate) fn openai_canonical(body: &Value) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut line = |value: &Value| {
        // Writing a Value into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut bytes, value);
        bytes.push(b'\n');
    };
    line(body.get("model").unwrap_or(&Value::Null));
    for key in ["tools", "messages"] {
        for item in array(body, key) {
            line(item);
        }
    }
    bytes
}

fn array<'a>(body: &'a Value, key: &str) -> &'a [Value] {
    body.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Element-wise rendering with the same locations and bytes as
/// `cache_order` wherever an element parses.
fn lenient(body: &Value) -> CacheOrder {
    let mut order = CacheOrder::default();
    push(
        &mut order,
        "model".to_owned(),
        body.get("model").unwrap_or(&Value::Null),
        false,
    );
    for (i, raw) in array(body, "tools").iter().enumerate() {
        match serde_json::from_value::<ToolSpec>(raw.clone()) {
            Ok(mut tool) => {
                let marked = tool.has_cache_control();
                tool.set_cache_control(None);
                push(&mut order, format!("tools[{i}]"), &tool, marked);
            }
            Err(_) => push_verbatim(&mut order, format!("tools[{i}]"), raw),
        }
    }
    match body.get("system") {
        Some(Value::String(text)) => {
            push(
                &mut order,
                "system[0]".to_owned(),
                &ContentBlock::text(text.as_str()),
                false,
            );
        }
        _ => {
            for (i, raw) in array(body, "system").iter().enumerate() {
                push_block(&mut order, format!("system[{i}]"), raw);
            }
        }
    }
    for (i, message) in array(body, "messages").iter().enumerate() {
        push(
            &mut order,
            format!("messages[{i}]"),
            message.get("role").unwrap_or(&Value::Null),
            false,
        );
        match message.get("content") {
            Some(Value::String(text)) => push(
                &mut order,
                format!("messages[{i}].content[0]"),
                &ContentBlock::text(text.as_str()),
                false,
            ),
            _ => {
                for (j, raw) in array(message, "content").iter().enumerate() {
                    push_block(&mut order, format!("messages[{i}].content[{j}]"), raw);
                }
            }
        }
    }
    order
}

fn push_block(order: &mut CacheOrder, location: String, raw: &Value) {
    match serde_json::from_value::<ContentBlock>(raw.clone()) {
        Ok(mut block) => {
            let marked = block.cache_control().is_some();
            block.set_cache_control(None);
            push(order, location, &block, marked);
        }
        Err(_) => push_verbatim(order, location, raw),
    }
}

/// Pushes `raw` without its `cache_control`, marked when it had one.
fn push_verbatim(order: &mut CacheOrder, location: String, raw: &Value) {
    let mut bare = raw.clone();
    let marked = bare
        .as_object_mut()
        .and_then(|object| object.shift_remove("cache_control"))
        .is_some();
    push(order, location, &bare, marked);
}

fn push(order: &mut CacheOrder, location: String, value: &impl Serialize, marked: bool) {
    let start = order.bytes.len();
    // Serializing plain data into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut order.bytes, value);
    order.bytes.push(b'\n');
    let end = order.bytes.len();
    if marked {
        order.breakpoints.push(end);
    }
    order.segments.push(Segment {
        location,
        start,
        end,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body() -> Value {
        json!({
            "model": "claude-x", "max_tokens": 100, "stream": true,
            "system": [{"type": "text", "text": "sys", "cache_control": {"type": "ephemeral"}}],
            "tools": [{"name": "Bash", "description": "run", "input_schema": {"type": "object"},
                       "cache_control": {"type": "ephemeral"}}],
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "ls"}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "a.rs",
                                              "cache_control": {"type": "ephemeral"}}]}
            ]
        })
    }

    #[test]
    fn lenient_rendering_equals_the_protocol_rendering() {
        let body = body();
        let strict = anthropic_cache_order(&body);
        assert_eq!(strict.breakpoints.len(), 3);
        assert_eq!(lenient(&body), strict);
    }

    #[test]
    fn peer_extras_fall_back_without_losing_breakpoints() {
        let mut body = body();
        body["thinking"] = json!({"type": "adaptive"});
        body["messages"]
            .as_array_mut()
            .unwrap()
            .insert(1, json!({"role": "system", "content": "agents"}));
        assert!(serde_json::from_value::<MessagesRequest>(body.clone()).is_err());
        let order = anthropic_cache_order(&body);
        assert_eq!(order.breakpoints.len(), 3);
        assert_eq!(order.last_breakpoint(), order.bytes.len());
        assert!(String::from_utf8_lossy(&order.bytes).contains("\"system\"\n"));
        assert!(!String::from_utf8_lossy(&order.bytes).contains("cache_control"));
    }

    #[test]
    fn openai_rendering_keeps_message_order() {
        let body = json!({"model": "gpt", "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]});
        assert_eq!(
            String::from_utf8(openai_canonical(&body)).unwrap(),
            "\"gpt\"\n{\"role\":\"system\",\"content\":\"s\"}\n{\"role\":\"user\",\"content\":\"u\"}\n"
        );
    }
}

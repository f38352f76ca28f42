//! Helpers: posting requests and splitting SSE bodies.

use serde_json::{Value, json};

/// One SSE frame: its `event:` name (if any) and `data:` text.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub event: Option<String>,
    pub data: String,
}

/// Splits an SSE body into frames.
pub fn frames(body: &str) -> Vec<Frame> {
    body.split("\n\n")
        .filter(|chunk| !chunk.trim().is_empty())
        .map(|chunk| {
            let mut frame = Frame {
                event: None,
                data: String::new(),
            };
            for line in chunk.lines() {
                if let Some(name) = line.strip_prefix("event: ") {
                    frame.event = Some(name.to_owned());
                } else if let Some(data) = line.strip_prefix("data: ") {
                    frame.data.push_str(data);
                }
            }
            frame
        })
        .collect()
}

/// A minimal Anthropic request whose last user message is `text`.
pub fn anthropic_body(text: &str, stream: bool) -> Value {
    json!({
        "model": "claude-test",
        "max_tokens": 1000,
        "stream": stream,
        "system": [{"type": "text", "text": "You are a test.", "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}],
    })
}

/// POSTs `body` as JSON to `base` + `path`.
pub async fn post(base: &str, path: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("anthropic-version", "2023-06-01")
        .json(body)
        .send()
        .await
        .unwrap()
}

//! What the server remembers about each request it received, and the JSONL
//! line `rudder-mock --log` writes for it.

use rudder_protocol::Usage;
use serde::Serialize;
use serde_json::{Value, json};

/// Which wire format a request used, judged by its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Api {
    /// `POST /v1/messages` (Anthropic Messages).
    Anthropic,
    /// `POST /v1/chat/completions` (OpenAI Chat Completions).
    #[serde(rename = "openai")]
    OpenAi,
    /// Anything else: probes (`HEAD /`), `GET /v1/models`, unknown paths.
    Other,
}

/// One request as the server received it and what it answered.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Path and query exactly as sent, e.g. `/v1/messages?beta=true`.
    pub path: String,
    /// Headers as received (repeated names grouped together), names
    /// lower-cased (HTTP/1 names are case-insensitive); values that are not
    /// UTF-8 are decoded lossily.
    pub headers: Vec<(String, String)>,
    /// The body, byte for byte.
    pub body: Vec<u8>,
    /// The body parsed as JSON, when it is JSON.
    pub json: Option<Value>,
    /// The wire format, by path.
    pub api: Api,
    /// Index (in [`crate::Scenario::turns`]) of the scripted turn that
    /// answered, with its response or its fault; `None` for requests no turn
    /// answered (no match, bad JSON, non-model paths).
    pub turn: Option<usize>,
    /// Whether the answer was an injected fault.
    pub fault: bool,
    /// The usage the server reported (for OpenAI mapped to this shape:
    /// `input_tokens` = prompt − cached, `cache_read_input_tokens` = cached,
    /// `output_tokens` = completion); `None` when no usage was sent
    /// (errors, status faults, non-model paths).
    pub usage: Option<Usage>,
}

impl RecordedRequest {
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// One JSON line (no newline) for the request log: method, path, api,
    /// body (as JSON, else as text), turn, fault, usage.
    pub(crate) fn log_line(&self) -> String {
        let body = self
            .json
            .clone()
            .unwrap_or_else(|| Value::String(String::from_utf8_lossy(&self.body).into_owned()));
        json!({
            "method": self.method,
            "path": self.path,
            "api": self.api,
            "body": body,
            "turn": self.turn,
            "fault": self.fault,
            "usage": self.usage,
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_carry_the_body_as_json_or_text() {
        let mut request = RecordedRequest {
            method: "POST".into(),
            path: "/v1/messages".into(),
            headers: vec![("x-api-key".into(), "k".into())],
            body: b"{\"a\":1}".to_vec(),
            json: Some(json!({"a": 1})),
            api: Api::Anthropic,
            turn: Some(0),
            fault: false,
            usage: Some(Usage::default()),
        };
        assert_eq!(request.header("X-Api-Key"), Some("k"));
        let line: Value = serde_json::from_str(&request.log_line()).unwrap();
        assert_eq!(line["body"], json!({"a": 1}));
        assert_eq!(line["api"], "anthropic");
        assert_eq!(line["usage"]["input_tokens"], 0);
        request.json = None;
        request.body = b"not json".to_vec();
        request.api = Api::OpenAi;
        let line: Value = serde_json::from_str(&request.log_line()).unwrap();
        assert_eq!(
            (line["body"].as_str(), line["api"].as_str()),
            (Some("not json"), Some("openai"))
        );
    }
}

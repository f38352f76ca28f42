//! Server-sent events of a streaming Messages API response.
//!
//! Contract: <https://docs.anthropic.com/en/api/messages-streaming>. Each SSE
//! frame carries `event: <type>` and `data: <json>`; the JSON's own `type`
//! field names the same event. Event types this version does not know decode
//! to [`StreamEvent::Unknown`] so the caller can log and skip them.

use serde::{Deserialize, Serialize};

use crate::content::ContentBlock;
use crate::message::{AssistantMessage, StopReason};
use crate::usage::Usage;

/// A delta applied to the content block at `index`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Delta {
    /// More text for a `text` block.
    TextDelta {
        /// The appended text.
        text: String,
    },
    /// More of a `tool_use` block's input, as a fragment of JSON text.
    InputJsonDelta {
        /// The appended JSON fragment.
        partial_json: String,
    },
    /// More thinking text.
    ThinkingDelta {
        /// The appended thinking.
        thinking: String,
    },
    /// The signature of a `thinking` block (sent once, at its end).
    SignatureDelta {
        /// The signature.
        signature: String,
    },
    /// A citation for a `text` block, kept verbatim.
    CitationsDelta {
        /// The citation object.
        citation: serde_json::Value,
    },
}

/// The `delta` of a `message_delta` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageDeltaBody {
    /// Why generation stopped.
    #[serde(default)]
    pub stop_reason: Option<StopReason>,
    /// The matched stop sequence, if any.
    #[serde(default)]
    pub stop_sequence: Option<String>,
}

/// The error object of an `error` event or a non-2xx JSON response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    /// e.g. `overloaded_error`, `invalid_request_error`, `rate_limit_error`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Human-readable message from the API.
    pub message: String,
}

/// One decoded SSE event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    /// First event: the message shell with empty content and initial usage.
    MessageStart {
        /// The message being streamed.
        message: AssistantMessage,
    },
    /// A new content block begins at `index`.
    ContentBlockStart {
        /// Position in `content`.
        index: usize,
        /// The block with empty text/input.
        content_block: ContentBlock,
    },
    /// A delta for the block at `index`.
    ContentBlockDelta {
        /// Position in `content`.
        index: usize,
        /// What to append.
        delta: Delta,
    },
    /// The block at `index` is complete.
    ContentBlockStop {
        /// Position in `content`.
        index: usize,
    },
    /// Top-level changes: stop reason and cumulative usage.
    MessageDelta {
        /// Stop reason and sequence.
        delta: MessageDeltaBody,
        /// Cumulative usage (at least `output_tokens`).
        #[serde(default)]
        usage: Usage,
    },
    /// Last event of a successful stream.
    MessageStop,
    /// Keep-alive.
    Ping,
    /// The API failed mid-stream (e.g. `overloaded_error`).
    Error {
        /// What failed.
        error: ApiErrorBody,
    },
    /// An event type this version does not model; its name is kept for logs.
    #[serde(skip)]
    Unknown(String),
}

impl StreamEvent {
    /// The SSE `event:` name of this event.
    pub fn name(&self) -> &str {
        match self {
            Self::MessageStart { .. } => "message_start",
            Self::ContentBlockStart { .. } => "content_block_start",
            Self::ContentBlockDelta { .. } => "content_block_delta",
            Self::ContentBlockStop { .. } => "content_block_stop",
            Self::MessageDelta { .. } => "message_delta",
            Self::MessageStop => "message_stop",
            Self::Ping => "ping",
            Self::Error { .. } => "error",
            Self::Unknown(name) => name,
        }
    }

    /// Decodes one SSE `data` payload.
    ///
    /// Returns `Ok(Unknown(type))` for an event type this version does not
    /// know, and an error when the JSON is malformed or a known event does not
    /// have its documented shape.
    pub fn from_data(data: &str) -> Result<Self, serde_json::Error> {
        let value: serde_json::Value = serde_json::from_str(data)?;
        let kind = value
            .get("type")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        const KNOWN: [&str; 8] = [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop",
            "ping",
            "error",
        ];
        if KNOWN.contains(&kind) {
            serde_json::from_value(value)
        } else {
            Ok(Self::Unknown(kind.to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_documented_events() {
        let start = StreamEvent::from_data(
            r#"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1,"cache_read_input_tokens":7}}}"#,
        )
        .unwrap();
        let StreamEvent::MessageStart { message } = start else {
            panic!("wrong event")
        };
        assert_eq!(message.usage.cache_read_input_tokens, 7);

        let delta = StreamEvent::from_data(
            r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}}"#,
        )
        .unwrap();
        assert_eq!(
            delta,
            StreamEvent::ContentBlockDelta {
                index: 1,
                delta: Delta::InputJsonDelta {
                    partial_json: "{\"a\":".into()
                }
            }
        );
        assert_eq!(
            StreamEvent::from_data(r#"{"type":"ping"}"#).unwrap(),
            StreamEvent::Ping
        );
    }

    #[test]
    fn unknown_event_types_are_reported_not_fatal() {
        let event = StreamEvent::from_data(r#"{"type":"future_event","x":1}"#).unwrap();
        assert_eq!(event, StreamEvent::Unknown("future_event".into()));
    }

    #[test]
    fn malformed_known_events_are_errors() {
        assert!(StreamEvent::from_data(r#"{"type":"content_block_delta","index":"x"}"#).is_err());
        assert!(StreamEvent::from_data("{not json").is_err());
    }
}

//! Folding a response's stream events into one assistant message.
//!
//! Contract: <https://docs.anthropic.com/en/api/messages-streaming>.
//! `message_start` gives the shell, `content_block_start` opens block
//! `index`, deltas extend it (text, thinking, signature, and tool input as
//! fragments of JSON text), `content_block_stop` closes it, `message_delta`
//! carries the stop reason and cumulative usage, `message_stop` ends.
//!
//! A tool call whose input fragments do not form a JSON object is not an
//! error of the stream: the message is kept (with `{}` as that call's
//! input) and the bad call is reported in [`Assembled::invalid_tool_inputs`],
//! so the agent can answer it with a tool error and let the model retry.
//! Events that break the protocol itself (a delta for a block that was
//! never started, content before `message_start`) are
//! [`ModelError::Decode`]; a stream that ends before `message_stop` is
//! [`ModelError::Truncated`].

use std::collections::BTreeMap;

use rudder_protocol::stream::Delta;
use rudder_protocol::{AssistantMessage, ContentBlock, StreamEvent};
use serde_json::Value;

use crate::client::ModelError;

/// A tool call whose streamed input was not a JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidToolInput {
    /// The `tool_use` id.
    pub id: String,
    /// The input text exactly as the model streamed it.
    pub raw: String,
    /// Why it does not parse.
    pub error: String,
}

/// The outcome of a complete stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Assembled {
    /// The message as the API produced it.
    pub message: AssistantMessage,
    /// Tool calls whose input did not parse, in block order.
    pub invalid_tool_inputs: Vec<InvalidToolInput>,
}

/// Accumulates one response's events.
#[derive(Debug, Default)]
pub struct MessageAssembler {
    message: Option<AssistantMessage>,
    partial_json: BTreeMap<usize, String>,
    invalid: Vec<InvalidToolInput>,
    stopped: bool,
}

impl MessageAssembler {
    /// Applies one event. Pings and unknown events change nothing.
    ///
    /// Errors: [`ModelError::Decode`] when the event does not fit the
    /// message built so far; [`ModelError::Stream`] for an `error` event.
    pub fn apply(&mut self, event: &StreamEvent) -> Result<(), ModelError> {
        match event {
            StreamEvent::MessageStart { message } => {
                let mut shell = message.clone();
                shell.content.clear();
                self.message = Some(shell);
            }
            StreamEvent::ContentBlockStart {
                index,
                content_block,
            } => {
                let content = &mut self.started()?.content;
                if *index != content.len() {
                    return Err(decode(format!(
                        "content_block_start for index {index}, expected {}",
                        content.len()
                    )));
                }
                content.push(content_block.clone());
            }
            StreamEvent::ContentBlockDelta { index, delta } => self.apply_delta(*index, delta)?,
            StreamEvent::ContentBlockStop { index } => self.close_block(*index)?,
            StreamEvent::MessageDelta { delta, usage } => {
                let message = self.started()?;
                message.stop_reason.clone_from(&delta.stop_reason);
                message.stop_sequence.clone_from(&delta.stop_sequence);
                message.usage.merge_delta(usage);
            }
            StreamEvent::MessageStop => {
                self.started()?;
                self.stopped = true;
            }
            StreamEvent::Error { error } => {
                return Err(ModelError::Stream {
                    kind: error.kind.clone(),
                    message: error.message.clone(),
                });
            }
            StreamEvent::Ping | StreamEvent::Unknown(_) => {}
        }
        Ok(())
    }

    /// Whether `message_stop` has been seen.
    pub fn is_complete(&self) -> bool {
        self.stopped
    }

    /// The finished message.
    ///
    /// Errors: [`ModelError::Truncated`] when `message_stop` never came.
    pub fn finish(self) -> Result<Assembled, ModelError> {
        match (self.message, self.stopped) {
            (Some(message), true) => Ok(Assembled {
                message,
                invalid_tool_inputs: self.invalid,
            }),
            (None, _) => Err(ModelError::Truncated(
                "no message_start was received".to_owned(),
            )),
            (Some(message), false) => Err(ModelError::Truncated(format!(
                "the stream ended after {} content block(s), before message_stop",
                message.content.len()
            ))),
        }
    }

    fn started(&mut self) -> Result<&mut AssistantMessage, ModelError> {
        self.message
            .as_mut()
            .ok_or_else(|| decode("an event arrived before message_start".to_owned()))
    }

    fn apply_delta(&mut self, index: usize, delta: &Delta) -> Result<(), ModelError> {
        if let Delta::InputJsonDelta { partial_json } = delta {
            let block = self.block(index)?;
            if !matches!(
                block,
                ContentBlock::ToolUse { .. } | ContentBlock::ServerToolUse { .. }
            ) {
                return Err(decode(format!(
                    "input_json_delta for block {index}, which is not a tool call"
                )));
            }
            self.partial_json
                .entry(index)
                .or_default()
                .push_str(partial_json);
            return Ok(());
        }
        let block = self.block(index)?;
        match (block, delta) {
            (ContentBlock::Text { text, .. }, Delta::TextDelta { text: more }) => {
                text.push_str(more);
            }
            (ContentBlock::Thinking { thinking, .. }, Delta::ThinkingDelta { thinking: more }) => {
                thinking.push_str(more);
            }
            (
                ContentBlock::Thinking { signature, .. },
                Delta::SignatureDelta { signature: sig },
            ) => {
                signature.push_str(sig);
            }
            // Citations annotate text; the text itself is what rudder keeps.
            (ContentBlock::Text { .. }, Delta::CitationsDelta { .. }) => {}
            (block, delta) => {
                return Err(decode(format!(
                    "a {} delta does not apply to a {} block (index {index})",
                    delta_name(delta),
                    block.type_name()
                )));
            }
        }
        Ok(())
    }

    fn close_block(&mut self, index: usize) -> Result<(), ModelError> {
        let raw = self.partial_json.remove(&index);
        let block = self.block(index)?;
        let Some(raw) = raw else {
            return Ok(());
        };
        let (id, input) = match block {
            ContentBlock::ToolUse { id, input, .. }
            | ContentBlock::ServerToolUse { id, input, .. } => (id.clone(), input),
            _ => return Ok(()),
        };
        if raw.trim().is_empty() {
            *input = Value::Object(serde_json::Map::new());
            return Ok(());
        }
        match serde_json::from_str::<Value>(&raw) {
            Ok(value @ Value::Object(_)) => *input = value,
            Ok(other) => {
                *input = Value::Object(serde_json::Map::new());
                self.invalid.push(InvalidToolInput {
                    id,
                    raw,
                    error: format!("expected a JSON object, got {}", json_kind(&other)),
                });
            }
            Err(error) => {
                *input = Value::Object(serde_json::Map::new());
                self.invalid.push(InvalidToolInput {
                    id,
                    raw,
                    error: error.to_string(),
                });
            }
        }
        Ok(())
    }

    fn block(&mut self, index: usize) -> Result<&mut ContentBlock, ModelError> {
        self.started()?.content.get_mut(index).ok_or_else(|| {
            decode(format!(
                "a delta or stop for block {index}, which was never started"
            ))
        })
    }
}

fn decode(message: String) -> ModelError {
    ModelError::Decode(message)
}

fn delta_name(delta: &Delta) -> &'static str {
    match delta {
        Delta::TextDelta { .. } => "text_delta",
        Delta::InputJsonDelta { .. } => "input_json_delta",
        Delta::ThinkingDelta { .. } => "thinking_delta",
        Delta::SignatureDelta { .. } => "signature_delta",
        Delta::CitationsDelta { .. } => "citations_delta",
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rudder_protocol::StopReason;
    use serde_json::json;

    fn event(value: Value) -> StreamEvent {
        StreamEvent::from_data(&value.to_string()).unwrap()
    }

    fn start() -> StreamEvent {
        event(
            json!({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant",
            "model":"m","content":[],"stop_reason":null,"stop_sequence":null,
            "usage":{"input_tokens":5,"output_tokens":1,"cache_read_input_tokens":9}}}),
        )
    }

    fn tool_start(index: usize, id: &str) -> StreamEvent {
        event(json!({"type":"content_block_start","index":index,
            "content_block":{"type":"tool_use","id":id,"name":"Read","input":{}}}))
    }

    fn json_delta(index: usize, text: &str) -> StreamEvent {
        event(json!({"type":"content_block_delta","index":index,
            "delta":{"type":"input_json_delta","partial_json":text}}))
    }

    fn stop(index: usize) -> StreamEvent {
        event(json!({"type":"content_block_stop","index":index}))
    }

    fn finish(stop_reason: &str) -> [StreamEvent; 2] {
        [
            event(
                json!({"type":"message_delta","delta":{"stop_reason":stop_reason,"stop_sequence":null},
                "usage":{"output_tokens":42}}),
            ),
            event(json!({"type":"message_stop"})),
        ]
    }

    fn run(events: &[StreamEvent]) -> Result<Assembled, ModelError> {
        let mut assembler = MessageAssembler::default();
        for event in events {
            assembler.apply(event)?;
        }
        assembler.finish()
    }

    #[test]
    fn text_thinking_and_tool_input_are_assembled() {
        let mut events = vec![
            start(),
            event(
                json!({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}),
            ),
            event(
                json!({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me "}}),
            ),
            event(
                json!({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"look."}}),
            ),
            event(
                json!({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"sig"}}),
            ),
            stop(0),
            event(
                json!({"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}),
            ),
            StreamEvent::Ping,
            event(
                json!({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Reading"}}),
            ),
            stop(1),
            tool_start(2, "toolu_1"),
            json_delta(2, "{\"file_path\":"),
            json_delta(2, "\"/a.rs\"}"),
            stop(2),
            StreamEvent::Unknown("future".into()),
        ];
        events.extend(finish("tool_use"));
        let assembled = run(&events).unwrap();
        let message = assembled.message;
        assert_eq!(message.stop_reason, Some(StopReason::ToolUse));
        assert_eq!(message.usage.output_tokens, 42);
        assert_eq!(message.usage.cache_read_input_tokens, 9);
        assert_eq!(
            message.content[0],
            ContentBlock::Thinking {
                thinking: "Let me look.".into(),
                signature: "sig".into()
            }
        );
        assert_eq!(message.content[1].as_text(), Some("Reading"));
        assert_eq!(
            message
                .to_message()
                .tool_uses()
                .next()
                .map(|(_, _, input)| input.clone()),
            Some(json!({"file_path": "/a.rs"}))
        );
        assert!(assembled.invalid_tool_inputs.is_empty());
    }

    #[test]
    fn bad_tool_json_is_reported_not_fatal() {
        let mut events = vec![
            start(),
            tool_start(0, "toolu_bad"),
            json_delta(0, "{\"file_path\": /a"),
            stop(0),
        ];
        events.push(tool_start(1, "toolu_list"));
        events.push(json_delta(1, "[1, 2]"));
        events.push(stop(1));
        events.push(tool_start(2, "toolu_empty"));
        events.push(stop(2));
        events.extend(finish("tool_use"));
        let assembled = run(&events).unwrap();
        let ids: Vec<_> = assembled
            .invalid_tool_inputs
            .iter()
            .map(|bad| bad.id.as_str())
            .collect();
        assert_eq!(ids, ["toolu_bad", "toolu_list"]);
        assert_eq!(assembled.invalid_tool_inputs[0].raw, "{\"file_path\": /a");
        let message = assembled.message.to_message();
        let inputs: Vec<_> = message
            .tool_uses()
            .map(|(_, _, input)| input.clone())
            .collect();
        assert_eq!(inputs, [json!({}), json!({}), json!({})]);
    }

    #[test]
    fn a_stream_without_message_stop_is_truncated() {
        let events = [start(), tool_start(0, "toolu_1"), json_delta(0, "{\"a\"")];
        assert!(matches!(run(&events), Err(ModelError::Truncated(_))));
    }

    #[test]
    fn protocol_violations_are_decode_errors() {
        assert!(matches!(run(&[stop(0)]), Err(ModelError::Decode(_))));
        assert!(matches!(
            run(&[start(), stop(3)]),
            Err(ModelError::Decode(_))
        ));
        assert!(matches!(
            run(&[start(), json_delta(0, "{}")]),
            Err(ModelError::Decode(_))
        ));
        let text_then_json = [
            start(),
            event(
                json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
            ),
            json_delta(0, "{}"),
        ];
        assert!(matches!(run(&text_then_json), Err(ModelError::Decode(_))));
    }

    #[test]
    fn an_error_event_is_a_stream_error() {
        let error = event(
            json!({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}),
        );
        assert_eq!(
            run(&[start(), error]).unwrap_err(),
            ModelError::Stream {
                kind: "overloaded_error".into(),
                message: "Overloaded".into()
            }
        );
    }
}

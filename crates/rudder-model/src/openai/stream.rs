//! Translating an OpenAI Chat Completions chunk stream into Anthropic
//! [`StreamEvent`]s.
//!
//! Contract: <https://platform.openai.com/docs/api-reference/chat-streaming>
//! (`choices[0].delta` with `content` and `tool_calls` fragments keyed by
//! `index`, `finish_reason`, a final `usage` chunk with
//! `stream_options.include_usage`, `data: [DONE]`), plus what compatible
//! servers add: `reasoning_content` (vLLM, DeepSeek, llama.cpp) or
//! `reasoning` (OpenRouter, Ollama) deltas, and mid-stream
//! `{"error":{…}}` chunks.
//!
//! The output obeys the Anthropic stream grammar: `message_start`, then
//! blocks one at a time (start, deltas, stop), then `message_delta` and
//! `message_stop`. This module never buffers a whole response, never
//! invents content, and reads only choice 0.

use std::collections::VecDeque;

use rudder_protocol::message::{Role, StopReason};
use rudder_protocol::stream::{Delta, MessageDeltaBody};
use rudder_protocol::{AssistantMessage, ContentBlock, StreamEvent, Usage};
use serde_json::Value;

use super::chunk::{Chunk, ToolCallDelta};

use crate::client::ModelError;
use crate::http::{Flow, FrameTranslator, quote};
use crate::sse::{SseError, SseFrame};

/// The block being streamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Text(usize),
    Thinking(usize),
    /// A tool call: its position in `ChatEvents::calls`, and its block index.
    Tool(usize, usize),
}

/// A tool call seen in the stream.
#[derive(Debug)]
struct Call {
    /// The server's `index` for it.
    index: u32,
    /// The `tool_use` id.
    id: String,
}

/// The translation state of one response.
#[derive(Debug)]
pub(super) struct ChatEvents {
    /// The request, for messages.
    what: String,
    /// The model asked for, shown when the server names none.
    model: String,
    /// Chunks decoded so far, for messages.
    chunks: usize,
    started: bool,
    /// The message id: the server's, else one made up at `message_start`.
    message_id: String,
    open: Option<Open>,
    next_block: usize,
    /// Tool calls in the order they began.
    calls: Vec<Call>,
    finish_reason: Option<String>,
    usage: Usage,
}

impl ChatEvents {
    /// A translator for the response to a request for `model`; `what` names
    /// the request in messages.
    pub(super) fn new(what: String, model: String) -> Self {
        Self {
            what,
            model,
            chunks: 0,
            started: false,
            message_id: String::new(),
            open: None,
            next_block: 0,
            calls: Vec::new(),
            finish_reason: None,
            usage: Usage::default(),
        }
    }

    fn decode_error(&self, why: String) -> ModelError {
        ModelError::Decode(format!("chunk {} of {}: {why}", self.chunks, self.what))
    }

    fn start(&mut self, chunk: &Chunk, out: &mut VecDeque<Result<StreamEvent, ModelError>>) {
        if self.started {
            return;
        }
        self.started = true;
        self.message_id = chunk
            .id
            .clone()
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| format!("msg_{:016x}", rand::random::<u64>()));
        let model = chunk
            .model
            .clone()
            .filter(|model| !model.is_empty())
            .unwrap_or_else(|| self.model.clone());
        out.push_back(Ok(StreamEvent::MessageStart {
            message: AssistantMessage {
                id: self.message_id.clone(),
                kind: "message".to_owned(),
                role: Role::Assistant,
                model,
                content: Vec::new(),
                stop_reason: None,
                stop_sequence: None,
                usage: Usage::default(),
            },
        }));
    }

    /// Closes the open block, if any.
    fn close(&mut self, out: &mut VecDeque<Result<StreamEvent, ModelError>>) {
        if let Some(open) = self.open.take() {
            let index = match open {
                Open::Text(index) | Open::Thinking(index) => index,
                Open::Tool(_, index) => index,
            };
            out.push_back(Ok(StreamEvent::ContentBlockStop { index }));
        }
    }

    /// Opens a new block (closing the open one) and returns its index.
    fn open_block(
        &mut self,
        block: ContentBlock,
        out: &mut VecDeque<Result<StreamEvent, ModelError>>,
    ) -> usize {
        self.close(out);
        let index = self.next_block;
        self.next_block += 1;
        out.push_back(Ok(StreamEvent::ContentBlockStart {
            index,
            content_block: block,
        }));
        index
    }

    fn text(&mut self, text: String, out: &mut VecDeque<Result<StreamEvent, ModelError>>) {
        let index = match self.open {
            Some(Open::Text(index)) => index,
            _ => {
                let index = self.open_block(ContentBlock::text(""), out);
                self.open = Some(Open::Text(index));
                index
            }
        };
        out.push_back(Ok(StreamEvent::ContentBlockDelta {
            index,
            delta: Delta::TextDelta { text },
        }));
    }

    fn thinking(&mut self, thinking: String, out: &mut VecDeque<Result<StreamEvent, ModelError>>) {
        let index = match self.open {
            Some(Open::Thinking(index)) => index,
            _ => {
                let block = ContentBlock::Thinking {
                    thinking: String::new(),
                    signature: String::new(),
                };
                let index = self.open_block(block, out);
                self.open = Some(Open::Thinking(index));
                index
            }
        };
        out.push_back(Ok(StreamEvent::ContentBlockDelta {
            index,
            delta: Delta::ThinkingDelta { thinking },
        }));
    }

    /// Which call a fragment extends: the known call with its `id`; else,
    /// unless it names a function (which starts a call), the latest call
    /// with its `index`; `None` for a new call. Servers that omit `index`
    /// send whole calls with ids and names, and servers that repeat or
    /// garble the id on later fragments send no name there.
    fn find_call(&self, call: &ToolCallDelta) -> Option<usize> {
        let id = call.id.as_deref().filter(|id| !id.is_empty());
        if let Some(found) = id.and_then(|id| self.calls.iter().position(|known| known.id == id)) {
            return Some(found);
        }
        let names_a_function = call
            .function
            .name
            .as_deref()
            .is_some_and(|name| !name.is_empty());
        if names_a_function {
            return None;
        }
        self.calls
            .iter()
            .rposition(|known| known.index == call.index)
    }

    fn tool_call(
        &mut self,
        call: ToolCallDelta,
        out: &mut VecDeque<Result<StreamEvent, ModelError>>,
    ) -> Result<(), ModelError> {
        let index = match (self.open, self.find_call(&call)) {
            (Some(Open::Tool(open, index)), Some(found)) if open == found => index,
            (_, Some(_)) => {
                return Err(self.decode_error(format!(
                    "arguments for tool call {} arrived after that call ended; \
                     interleaved tool calls are not supported",
                    call.index
                )));
            }
            (_, None) => {
                let id = call
                    .id
                    .filter(|id| !id.is_empty())
                    .unwrap_or_else(|| format!("{}-call-{}", self.message_id, self.calls.len()));
                let block = ContentBlock::ToolUse {
                    id: id.clone(),
                    name: call.function.name.unwrap_or_default(),
                    input: Value::Object(serde_json::Map::new()),
                    cache_control: None,
                };
                let index = self.open_block(block, out);
                self.open = Some(Open::Tool(self.calls.len(), index));
                self.calls.push(Call {
                    index: call.index,
                    id,
                });
                index
            }
        };
        let partial_json = match call.function.arguments {
            Some(Value::String(text)) => text,
            Some(Value::Null) | None => String::new(),
            Some(object) => object.to_string(),
        };
        if !partial_json.is_empty() {
            out.push_back(Ok(StreamEvent::ContentBlockDelta {
                index,
                delta: Delta::InputJsonDelta { partial_json },
            }));
        }
        Ok(())
    }

    /// The closing events: the open block's stop, `message_delta` with the
    /// stop reason and usage, `message_stop`.
    fn complete(&mut self, out: &mut VecDeque<Result<StreamEvent, ModelError>>) {
        self.close(out);
        let stop_reason = self.stop_reason();
        out.push_back(Ok(StreamEvent::MessageDelta {
            delta: MessageDeltaBody {
                stop_reason: Some(stop_reason),
                stop_sequence: None,
            },
            usage: std::mem::take(&mut self.usage),
        }));
        out.push_back(Ok(StreamEvent::MessageStop));
    }

    /// `finish_reason` as an Anthropic stop reason. A response with tool
    /// calls stops for them even when the server says `stop` (older Ollama
    /// and llama.cpp builds do), and one with no reason given is `tool_use`
    /// or `end_turn` by the same rule.
    fn stop_reason(&self) -> StopReason {
        let has_calls = !self.calls.is_empty();
        match self.finish_reason.as_deref() {
            Some("tool_calls" | "function_call") => StopReason::ToolUse,
            Some("stop") | None if has_calls => StopReason::ToolUse,
            Some("stop") | None => StopReason::EndTurn,
            Some("length") => StopReason::MaxTokens,
            Some("content_filter") => StopReason::Refusal,
            Some(other) => StopReason::Other(other.to_owned()),
        }
    }

    fn chunk(
        &mut self,
        chunk: Chunk,
        out: &mut VecDeque<Result<StreamEvent, ModelError>>,
    ) -> Result<(), ModelError> {
        if let Some(error) = chunk.error {
            return Err(stream_error(&error));
        }
        self.start(&chunk, out);
        if let Some(usage) = chunk.usage {
            let cached = usage
                .prompt_tokens_details
                .map_or(0, |details| details.cached_tokens);
            self.usage = Usage {
                input_tokens: usage.prompt_tokens.saturating_sub(cached),
                cache_read_input_tokens: cached,
                output_tokens: usage.completion_tokens,
                ..Usage::default()
            };
        }
        for choice in chunk.choices.into_iter().filter(|choice| choice.index == 0) {
            let delta = choice.delta;
            let thinking = delta.reasoning_content.or(delta.reasoning);
            if let Some(thinking) = thinking.filter(|text| !text.is_empty()) {
                self.thinking(thinking, out);
            }
            let text = [delta.content, delta.refusal];
            for text in text.into_iter().flatten().filter(|text| !text.is_empty()) {
                self.text(text, out);
            }
            for call in delta.tool_calls {
                self.tool_call(call, out)?;
            }
            if let Some(reason) = choice.finish_reason.filter(|reason| !reason.is_empty()) {
                self.close(out);
                self.finish_reason = Some(reason);
            }
        }
        Ok(())
    }
}

/// A mid-stream `{"error":{…}}` as [`ModelError::Stream`]: `kind` from the
/// error's `type` (else `code`, else `error`), `message` from its `message`
/// (or the error itself when it is a string).
fn stream_error(error: &Value) -> ModelError {
    let text = |key: &str| {
        error.get(key).and_then(|value| match value {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        })
    };
    let message = match error {
        Value::String(text) => text.clone(),
        _ => text("message").unwrap_or_else(|| error.to_string()),
    };
    ModelError::Stream {
        kind: text("type")
            .or_else(|| text("code"))
            .unwrap_or_else(|| "error".to_owned()),
        message,
    }
}

impl FrameTranslator for ChatEvents {
    fn frame(
        &mut self,
        frame: SseFrame,
        out: &mut VecDeque<Result<StreamEvent, ModelError>>,
    ) -> Flow {
        let data = frame.data.trim();
        if data.is_empty() {
            return Flow::More;
        }
        if data == "[DONE]" {
            if !self.started {
                out.push_back(Err(ModelError::Truncated(format!(
                    "{} sent [DONE] before any chunk",
                    self.what
                ))));
                return Flow::Done;
            }
            self.complete(out);
            return Flow::Done;
        }
        self.chunks += 1;
        let result = serde_json::from_str::<Chunk>(data)
            .map_err(|err| self.decode_error(format!("{err}; data: {}", quote(data))))
            .and_then(|chunk| self.chunk(chunk, out));
        match result {
            Ok(()) => Flow::More,
            Err(err) => {
                out.push_back(Err(err));
                Flow::Done
            }
        }
    }

    /// Keep-alive comments (OpenRouter's `: OPENROUTER PROCESSING`) count
    /// as pings, so the stall watchdog sees a live server.
    fn keep_alive(&mut self, out: &mut VecDeque<Result<StreamEvent, ModelError>>) {
        out.push_back(Ok(StreamEvent::Ping));
    }

    fn end(
        &mut self,
        torn: Result<(), SseError>,
        out: &mut VecDeque<Result<StreamEvent, ModelError>>,
    ) {
        if self.started && self.finish_reason.is_some() {
            self.complete(out);
            return;
        }
        let tail = match torn {
            Ok(()) => String::new(),
            Err(err) => format!("; {err}"),
        };
        out.push_back(Err(ModelError::Truncated(format!(
            "{} ended after {} chunk(s) without a finish_reason or [DONE]{tail}",
            self.what, self.chunks
        ))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(datas: &[&str], end: bool) -> Vec<Result<StreamEvent, ModelError>> {
        let mut events = ChatEvents::new("POST http://h/v1/chat/completions".into(), "m".into());
        let mut out = VecDeque::new();
        for data in datas {
            let frame = SseFrame {
                event: None,
                data: (*data).to_owned(),
            };
            if events.frame(frame, &mut out) == Flow::Done {
                return out.into_iter().collect();
            }
        }
        if end {
            events.end(Ok(()), &mut out);
        }
        out.into_iter().collect()
    }

    fn names(items: &[Result<StreamEvent, ModelError>]) -> Vec<String> {
        items
            .iter()
            .map(|item| match item {
                Ok(event) => event.name().to_owned(),
                Err(err) => format!("error: {err}"),
            })
            .collect()
    }

    #[test]
    fn stop_with_tool_calls_means_tool_use() {
        let items = run(
            &[
                r#"{"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"Bash","arguments":"{}"}}]}}]}"#,
                r#"{"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
            ],
            true,
        );
        let Ok(StreamEvent::ContentBlockStart { content_block, .. }) = &items[1] else {
            panic!("{items:?}")
        };
        assert!(
            matches!(content_block, ContentBlock::ToolUse { id, name, .. } if id == "c1-call-0" && name == "Bash")
        );
        let Some(Ok(StreamEvent::MessageDelta { delta, .. })) = items.iter().rev().nth(1) else {
            panic!("{items:?}")
        };
        assert_eq!(delta.stop_reason, Some(StopReason::ToolUse));
    }

    #[test]
    fn nulls_are_defaults_and_calls_without_index_are_told_apart_by_id() {
        let items = run(
            &[
                r#"{"id":null,"choices":[{"index":0,"delta":null,"finish_reason":null}],"usage":null}"#,
                r#"{"choices":[{"delta":{"content":null,"tool_calls":[{"id":"a","function":{"name":"X","arguments":{"k":1}}}]}}]}"#,
                r#"{"choices":[{"delta":{"tool_calls":[{"id":"b","function":{"name":"Y","arguments":"{}"}}]}}]}"#,
                r#"{"choices":[{"delta":{"tool_calls":null},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":3,"completion_tokens":null,"prompt_tokens_details":{"cached_tokens":null}}}"#,
            ],
            true,
        );
        assert_eq!(
            names(&items),
            [
                "message_start",
                "content_block_start",
                "content_block_delta",
                "content_block_stop",
                "content_block_start",
                "content_block_delta",
                "content_block_stop",
                "message_delta",
                "message_stop"
            ]
        );
        assert_eq!(
            items[2],
            Ok(StreamEvent::ContentBlockDelta {
                index: 0,
                delta: Delta::InputJsonDelta {
                    partial_json: r#"{"k":1}"#.into()
                }
            })
        );
        let Ok(StreamEvent::MessageDelta { usage, .. }) = &items[7] else {
            panic!("{items:?}")
        };
        assert_eq!((usage.input_tokens, usage.output_tokens), (3, 0));
    }

    #[test]
    fn a_fragment_with_a_new_id_but_no_name_continues_its_call() {
        let items = run(
            &[
                r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"X","arguments":"{\"k\""}}]}}]}"#,
                r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"z","function":{"arguments":":1}"}}]}}]}"#,
                "[DONE]",
            ],
            false,
        );
        let starts = items
            .iter()
            .filter(|item| matches!(item, Ok(StreamEvent::ContentBlockStart { .. })))
            .count();
        assert_eq!(starts, 1, "{items:?}");
    }

    #[test]
    fn finish_reasons_map_to_stop_reasons() {
        for (finish, stop) in [
            ("stop", StopReason::EndTurn),
            ("length", StopReason::MaxTokens),
            ("content_filter", StopReason::Refusal),
            ("tool_calls", StopReason::ToolUse),
            ("odd", StopReason::Other("odd".into())),
        ] {
            let chunk = json!({"choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": finish}]});
            let items = run(&[&chunk.to_string(), "[DONE]"], false);
            let Some(Ok(StreamEvent::MessageDelta { delta, .. })) = items.iter().rev().nth(1)
            else {
                panic!("{items:?}")
            };
            assert_eq!(delta.stop_reason, Some(stop), "{finish}");
        }
    }

    #[test]
    fn interleaved_tool_call_fragments_are_a_decode_error() {
        let items = run(
            &[
                r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"X","arguments":"{"}}]}}]}"#,
                r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"b","function":{"name":"Y","arguments":"{"}}]}}]}"#,
                r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"}"}}]}}]}"#,
            ],
            true,
        );
        assert!(
            matches!(items.last(), Some(Err(ModelError::Decode(m))) if m.contains("interleaved"))
        );
    }

    #[test]
    fn a_mid_stream_error_chunk_is_a_stream_error() {
        let items = run(
            &[
                r#"{"choices":[{"index":0,"delta":{"content":"x"}}]}"#,
                r#"{"error":{"message":"upstream overloaded","type":"server_error","code":502}}"#,
            ],
            true,
        );
        assert_eq!(
            items.last(),
            Some(&Err(ModelError::Stream {
                kind: "server_error".into(),
                message: "upstream overloaded".into()
            }))
        );
    }

    #[test]
    fn reasoning_then_text_are_two_blocks_and_bad_json_is_decode() {
        let items = run(
            &[
                r#"{"choices":[{"index":0,"delta":{"reasoning":"think"}}]}"#,
                r#"{"choices":[{"index":0,"delta":{"content":"say"}}]}"#,
                r#"{"choices":[{"index":0,"delta":"#,
            ],
            true,
        );
        assert_eq!(
            names(&items[..6]),
            [
                "message_start",
                "content_block_start",
                "content_block_delta",
                "content_block_stop",
                "content_block_start",
                "content_block_delta"
            ]
        );
        assert!(matches!(items.last(), Some(Err(ModelError::Decode(m))) if m.contains("chunk 3")));
    }

    #[test]
    fn an_end_without_finish_is_truncated_and_done_first_is_too() {
        let items = run(
            &[r#"{"choices":[{"index":0,"delta":{"content":"x"}}]}"#],
            true,
        );
        assert!(matches!(items.last(), Some(Err(ModelError::Truncated(_)))));
        let items = run(&["[DONE]"], true);
        assert!(matches!(items.as_slice(), [Err(ModelError::Truncated(_))]));
    }
}

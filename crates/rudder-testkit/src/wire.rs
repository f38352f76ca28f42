//! Answering one model request: parse the body, pick the scripted turn,
//! measure usage, and render the reply (or its fault) in the request's wire
//! format. Pure apart from the [`ModelState`] it updates; the server calls
//! it with its lock held, so turn order and cache state stay consistent.
//!
//! A fault played inside a 200 body (cut, stall, malformed event, stream
//! error) counts as a request the model saw: its usage is measured and its
//! prefixes enter the cache, as the real API caches once it has started a
//! response. A status fault and an unmatched request leave no trace in the
//! cache.

use rudder_protocol::Usage;
use serde_json::Value;

use crate::answer::{Answer, EVENT_STREAM, JSON};
use crate::faults::{Served, StatusError, Step, classify, stream_steps, whole_steps};
use crate::ids::id;
use crate::record::Api;
use crate::render::{anthropic_cache_order, openai_canonical};
use crate::reply::Reply;
use crate::scenario::{Scenario, ScriptedTurn};
use crate::turns::{Pick, TurnBook, anthropic_last_user_text, openai_last_user_text};
use crate::usage::{AnthropicCache, OpenAiCache, PromptTokens};
use crate::{anthropic_sse, openai_sse};

/// The two model wire formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ModelApi {
    /// `POST /v1/messages`.
    Anthropic,
    /// `POST /v1/chat/completions`.
    OpenAi,
}

/// Turn consumption and cache memory of one server.
#[derive(Debug)]
pub(crate) struct ModelState {
    book: TurnBook,
    anthropic: AnthropicCache,
    openai: OpenAiCache,
}

impl ModelState {
    /// Fresh state for a scenario of `turns` turns.
    pub(crate) fn new(turns: usize) -> Self {
        Self {
            book: TurnBook::new(turns),
            anthropic: AnthropicCache::default(),
            openai: OpenAiCache::default(),
        }
    }
}

/// What the request record notes about an answer.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// The scripted turn that answered.
    pub(crate) turn: Option<usize>,
    /// Whether it answered with a fault.
    pub(crate) fault: bool,
    /// The usage reported.
    pub(crate) usage: Option<Usage>,
}

impl ModelApi {
    /// The record's [`Api`].
    pub(crate) fn api(self) -> Api {
        match self {
            Self::Anthropic => Api::Anthropic,
            Self::OpenAi => Api::OpenAi,
        }
    }

    /// An error answer in this format's body shape.
    pub(crate) fn error(self, status: u16, kind: &str, message: &str) -> Answer {
        let body = match self {
            Self::Anthropic => anthropic_sse::error_body(kind, message),
            Self::OpenAi => openai_sse::error_body(kind, message),
        };
        Answer::json(status, &body)
    }

    fn status_error(self, error: &StatusError) -> Answer {
        let answer = self.error(error.status, &error.kind, &error.message);
        match error.retry_after_secs {
            Some(seconds) => answer.with_header("retry-after", seconds.to_string()),
            None => answer,
        }
    }

    fn last_user_text(self, body: &Value) -> String {
        match self {
            Self::Anthropic => anthropic_last_user_text(body),
            Self::OpenAi => openai_last_user_text(body),
        }
    }

    /// Input-side usage of `body` (OpenAI mapped as [`RecordedRequest`]
    /// documents), remembering it for later requests.
    ///
    /// [`RecordedRequest`]: crate::RecordedRequest
    fn measure(self, state: &mut ModelState, body: &Value) -> Usage {
        match self {
            Self::Anthropic => state.anthropic.measure(&anthropic_cache_order(body)),
            Self::OpenAi => {
                let tokens = state.openai.measure(openai_canonical(body));
                Usage {
                    input_tokens: tokens.prompt - tokens.cached,
                    cache_read_input_tokens: tokens.cached,
                    ..Usage::default()
                }
            }
        }
    }

    fn frames(self, reply: &Reply, usage: &Usage, body: &Value) -> Vec<bytes::Bytes> {
        match self {
            Self::Anthropic => anthropic_sse::frames(reply, usage),
            Self::OpenAi => {
                let include_usage = body
                    .pointer("/stream_options/include_usage")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                openai_sse::frames(reply, prompt_tokens(usage), include_usage)
            }
        }
    }

    fn whole(self, reply: &Reply, usage: &Usage) -> Value {
        match self {
            Self::Anthropic => anthropic_sse::message(reply, usage),
            Self::OpenAi => openai_sse::completion(reply, prompt_tokens(usage)),
        }
    }

    fn request_id_header(self) -> &'static str {
        match self {
            Self::Anthropic => "request-id",
            Self::OpenAi => "x-request-id",
        }
    }
}

fn prompt_tokens(usage: &Usage) -> PromptTokens {
    PromptTokens {
        prompt: usage.input_tokens + usage.cache_read_input_tokens,
        cached: usage.cache_read_input_tokens,
    }
}

/// Answers the model request `body` (raw bytes) in format `api`.
pub(crate) fn answer(
    api: ModelApi,
    scenario: &Scenario,
    state: &mut ModelState,
    body: &[u8],
) -> (Answer, Outcome) {
    let (answer, outcome) = decide(api, scenario, state, body);
    let request_id = id("req_01", &[body, &[u8::from(outcome.fault)]]);
    (
        answer.with_header(api.request_id_header(), request_id),
        outcome,
    )
}

fn decide(
    api: ModelApi,
    scenario: &Scenario,
    state: &mut ModelState,
    body: &[u8],
) -> (Answer, Outcome) {
    let json: Value = match serde_json::from_slice(body) {
        Ok(json) => json,
        Err(error) => {
            let message = format!("testkit: request body is not valid JSON: {error}");
            return (
                api.error(400, "invalid_request_error", &message),
                Outcome::default(),
            );
        }
    };
    let text = api.last_user_text(&json);
    let stream = json.get("stream").and_then(Value::as_bool).unwrap_or(false);
    match state.book.pick(&scenario.turns, &text) {
        Pick::NoMatch => {
            let message = state.book.no_match_message(&scenario.turns, &text);
            (
                api.error(400, "invalid_request_error", &message),
                Outcome::default(),
            )
        }
        Pick::Fault(index, turn, fault) => match classify(fault, stream) {
            Served::Status(error) => (
                api.status_error(&error),
                Outcome {
                    turn: Some(index),
                    fault: true,
                    usage: None,
                },
            ),
            Served::Body(fault) => {
                let (reply, usage) = respond(api, scenario, state, &json, body, index, turn);
                let steps = if stream {
                    let malformed = match api {
                        ModelApi::Anthropic => anthropic_sse::malformed_frame(),
                        ModelApi::OpenAi => openai_sse::malformed_frame(),
                    };
                    let error = match api {
                        ModelApi::Anthropic => anthropic_sse::error_frame,
                        ModelApi::OpenAi => openai_sse::error_frame,
                    };
                    stream_steps(api.frames(&reply, &usage, &json), &fault, malformed, error)
                } else {
                    whole_steps(api.whole(&reply, &usage).to_string().as_bytes(), &fault)
                };
                let content_type = if stream { EVENT_STREAM } else { JSON };
                (
                    Answer::steps(200, content_type, delayed(turn, steps)),
                    Outcome {
                        turn: Some(index),
                        fault: true,
                        usage: Some(reported(&usage, &reply)),
                    },
                )
            }
        },
        Pick::Serve(index, turn) => {
            let (reply, usage) = respond(api, scenario, state, &json, body, index, turn);
            let answer = match (stream, turn.delay_ms) {
                (true, _) => {
                    let steps = api
                        .frames(&reply, &usage, &json)
                        .into_iter()
                        .map(Step::Send)
                        .collect();
                    Answer::steps(200, EVENT_STREAM, delayed(turn, steps))
                }
                (false, None) => Answer::json(200, &api.whole(&reply, &usage)),
                (false, Some(_)) => {
                    let whole = bytes::Bytes::from(api.whole(&reply, &usage).to_string());
                    Answer::steps(200, JSON, delayed(turn, vec![Step::Send(whole)]))
                }
            };
            (
                answer,
                Outcome {
                    turn: Some(index),
                    fault: false,
                    usage: Some(reported(&usage, &reply)),
                },
            )
        }
    }
}

/// `steps` after the turn's `delay_ms` pause, if it has one.
fn delayed(turn: &ScriptedTurn, mut steps: Vec<Step>) -> Vec<Step> {
    if let Some(ms) = turn.delay_ms.filter(|ms| *ms > 0) {
        steps.insert(0, Step::Sleep(std::time::Duration::from_millis(ms)));
    }
    steps
}

/// The reply for turn `index` and the request's input-side usage.
fn respond(
    api: ModelApi,
    scenario: &Scenario,
    state: &mut ModelState,
    json: &Value,
    body: &[u8],
    index: usize,
    turn: &ScriptedTurn,
) -> (Reply, Usage) {
    let model = scenario
        .response_model
        .clone()
        .or_else(|| json.get("model").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| "rudder-testkit".to_owned());
    let style = match api {
        ModelApi::Anthropic => anthropic_sse::IDS,
        ModelApi::OpenAi => openai_sse::IDS,
    };
    let reply = Reply::new(turn, index, body, model, style);
    let usage = api.measure(state, json);
    (reply, usage)
}

/// The full usage reported: input side plus the reply's output tokens.
fn reported(usage: &Usage, reply: &Reply) -> Usage {
    Usage {
        output_tokens: reply.output_tokens,
        ..usage.clone()
    }
}

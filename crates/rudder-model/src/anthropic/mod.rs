//! The Anthropic Messages API client: `POST {base}/v1/messages` with
//! `stream: true`, its SSE response decoded into [`StreamEvent`]s.
//!
//! Contract: <https://docs.anthropic.com/en/api/messages> and
//! <https://docs.anthropic.com/en/api/messages-streaming>; headers and
//! environment as Claude Code sends and reads them
//! (../shared/CLAUDE-CODE-INTERFACE.md).
//!
//! This module sends the request body exactly as `serde_json::to_vec`
//! writes the [`MessagesRequest`] (what `--print-request` shows, byte for
//! byte) and never re-shapes it. It does not retry, does not time out a
//! slow stream and does not assemble messages: `crate::call` does those.

mod config;
mod models;

use std::collections::VecDeque;

use futures::FutureExt;
use futures::future::BoxFuture;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use rudder_protocol::{MessagesRequest, StreamEvent};

use crate::http::{self, Flow, FrameTranslator};
pub use config::{AnthropicConfig, Auth};
pub use models::list_models;

use crate::client::{EventStream, ModelClient, ModelError};
use crate::sse::{SseError, SseFrame};

/// The API version every request names (`anthropic-version`).
pub const API_VERSION: &str = "2023-06-01";

/// A client for one Anthropic endpoint and credential. Cheap to share: the
/// connection pool lives inside.
#[derive(Debug, Clone)]
pub struct AnthropicClient {
    http: reqwest::Client,
    /// `{base_url}/v1/messages`.
    url: String,
    /// Version, content type, auth, betas and extra headers, validated once.
    headers: HeaderMap,
}

impl AnthropicClient {
    /// Builds a client for `config`.
    ///
    /// Errors: [`ModelError::Config`] when the base URL is not an http(s)
    /// URL, when a header name or value (the credential included) holds
    /// characters HTTP does not allow, or when the TLS backend cannot start.
    pub fn new(config: AnthropicConfig) -> Result<Self, ModelError> {
        let (base, headers) = endpoint(&config, true)?;
        Ok(Self {
            http: http::http_client(&config.user_agent, &config.proxy)?,
            url: format!("{base}/v1/messages"),
            headers,
        })
    }
}

/// The validated base URL and the headers every request of `config`
/// carries (`content_type` adds `content-type: application/json`).
fn endpoint(
    config: &AnthropicConfig,
    content_type: bool,
) -> Result<(String, HeaderMap), ModelError> {
    let base = http::base_url(&config.base_url, "the Anthropic base URL")?;
    let mut headers = HeaderMap::new();
    http::insert_header(&mut headers, "anthropic-version", API_VERSION, false)?;
    if content_type {
        http::insert_header(
            &mut headers,
            CONTENT_TYPE.as_str(),
            "application/json",
            false,
        )?;
    }
    match &config.auth {
        Auth::ApiKey(key) => http::insert_header(&mut headers, "x-api-key", key, true)?,
        Auth::Bearer(token) => http::insert_header(
            &mut headers,
            AUTHORIZATION.as_str(),
            &format!("Bearer {token}"),
            true,
        )?,
        Auth::Helper(key) => {
            http::insert_header(&mut headers, "x-api-key", key, true)?;
            http::insert_header(
                &mut headers,
                AUTHORIZATION.as_str(),
                &format!("Bearer {key}"),
                true,
            )?;
        }
    }
    if !config.betas.is_empty() {
        let betas = config.betas.join(",");
        http::insert_header(&mut headers, "anthropic-beta", &betas, false)?;
    }
    for (name, value) in &config.extra_headers {
        http::insert_header(&mut headers, name, value, true)?;
    }
    Ok((base, headers))
}

impl AnthropicClient {
    async fn open(&self, request: &MessagesRequest) -> Result<EventStream, ModelError> {
        if !request.stream {
            return Err(ModelError::Config(
                "the Anthropic client only streams: the request must have `stream: true`"
                    .to_owned(),
            ));
        }
        let body = serde_json::to_vec(request)
            .map_err(|err| ModelError::Config(format!("cannot serialize the request: {err}")))?;
        let what = format!("POST {}", self.url);
        let builder = self
            .http
            .post(&self.url)
            .headers(self.headers.clone())
            .body(body);
        let response = http::send(builder, &what).await?;
        let response = http::expect_event_stream(response, &what).await?;
        Ok(http::pump(
            response,
            what.clone(),
            AnthropicEvents { what, events: 0 },
        ))
    }
}

impl ModelClient for AnthropicClient {
    /// Sends `request` as is. Stream items: every event, pings included, as
    /// `Ok`; unknown event types as `Ok(StreamEvent::Unknown(name))`; the
    /// stream ends after `message_stop`. A final `Err` item reports an
    /// `error` event ([`ModelError::Stream`]), an event that is not JSON or
    /// not of its documented shape ([`ModelError::Decode`]), a body that ends
    /// before `message_stop` ([`ModelError::Truncated`]) or a read failure
    /// ([`ModelError::Network`]).
    fn stream<'a>(
        &'a self,
        request: &'a MessagesRequest,
    ) -> BoxFuture<'a, Result<EventStream, ModelError>> {
        self.open(request).boxed()
    }

    fn provider(&self) -> &str {
        "anthropic"
    }

    fn supports_cache_control(&self) -> bool {
        true
    }
}

/// Decodes Anthropic SSE frames: each `data` is one event.
struct AnthropicEvents {
    /// The request, for messages.
    what: String,
    /// Frames decoded so far, for messages.
    events: usize,
}

impl FrameTranslator for AnthropicEvents {
    fn frame(
        &mut self,
        frame: SseFrame,
        out: &mut VecDeque<Result<StreamEvent, ModelError>>,
    ) -> Flow {
        // An empty `data:` is a proxy's keep-alive, not an event.
        if frame.data.trim().is_empty() {
            return Flow::More;
        }
        self.events += 1;
        let (item, flow) = match StreamEvent::from_data(&frame.data) {
            Err(err) => (
                Err(ModelError::Decode(format!(
                    "event {} ({}) of {}: {err}; data: {}",
                    self.events,
                    frame.event.as_deref().unwrap_or("unnamed"),
                    self.what,
                    http::quote(&frame.data)
                ))),
                Flow::Done,
            ),
            Ok(StreamEvent::Error { error }) => (
                Err(ModelError::Stream {
                    kind: error.kind,
                    message: error.message,
                }),
                Flow::Done,
            ),
            Ok(StreamEvent::MessageStop) => (Ok(StreamEvent::MessageStop), Flow::Done),
            Ok(StreamEvent::Unknown(kind)) if kind.is_empty() => (
                Ok(StreamEvent::Unknown(frame.event.unwrap_or_default())),
                Flow::More,
            ),
            Ok(event) => (Ok(event), Flow::More),
        };
        out.push_back(item);
        flow
    }

    fn end(
        &mut self,
        torn: Result<(), SseError>,
        out: &mut VecDeque<Result<StreamEvent, ModelError>>,
    ) {
        let tail = match torn {
            Ok(()) => String::new(),
            Err(err) => format!("; {err}"),
        };
        out.push_back(Err(ModelError::Truncated(format!(
            "{} ended after {} event(s) without message_stop{tail}",
            self.what, self.events
        ))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn translate(data: &[(&str, &str)]) -> (Vec<Result<StreamEvent, ModelError>>, Flow) {
        let mut events = AnthropicEvents {
            what: "POST http://h/v1/messages".into(),
            events: 0,
        };
        let mut out = VecDeque::new();
        let mut flow = Flow::More;
        for (event, data) in data {
            flow = events.frame(
                SseFrame {
                    event: Some((*event).to_owned()),
                    data: (*data).to_owned(),
                },
                &mut out,
            );
            if flow == Flow::Done {
                break;
            }
        }
        (out.into_iter().collect(), flow)
    }

    #[test]
    fn message_stop_ends_the_stream() {
        let (items, flow) = translate(&[
            ("ping", r#"{"type":"ping"}"#),
            ("message_stop", r#"{"type":"message_stop"}"#),
            ("ping", r#"{"type":"ping"}"#),
        ]);
        assert_eq!(
            items,
            vec![Ok(StreamEvent::Ping), Ok(StreamEvent::MessageStop)]
        );
        assert_eq!(flow, Flow::Done);
    }

    #[test]
    fn an_unknown_event_without_type_is_named_by_its_event_field() {
        let (items, flow) = translate(&[("surprise", r#"{"x":1}"#), ("ping", "  ")]);
        assert_eq!(items, vec![Ok(StreamEvent::Unknown("surprise".into()))]);
        assert_eq!(flow, Flow::More);
    }

    #[test]
    fn bad_json_is_a_decode_error_naming_the_event() {
        let (items, flow) = translate(&[("content_block_delta", "{oops")]);
        assert_eq!(flow, Flow::Done);
        let [Err(ModelError::Decode(message))] = items.as_slice() else {
            panic!("{items:?}")
        };
        assert!(message.contains("content_block_delta") && message.contains("{oops"));
    }

    #[test]
    fn config_errors_surface_at_new() {
        let config = AnthropicConfig {
            base_url: "http://127.0.0.1:1".into(),
            auth: Auth::ApiKey("bad\nkey".into()),
            betas: Vec::new(),
            extra_headers: Vec::new(),
            user_agent: "rudder/test".into(),
            proxy: crate::proxy::ProxyConfig::default(),
        };
        assert!(matches!(
            AnthropicClient::new(config),
            Err(ModelError::Config(_))
        ));
    }
}

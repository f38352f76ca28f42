//! The seam between the agent and a model provider.
//!
//! A [`ModelClient`] sends one [`MessagesRequest`] and yields the response as
//! Anthropic stream events, whatever the provider speaks on the wire (the
//! OpenAI client translates). It does not retry: retrying, the stall
//! watchdog and assembling the final message are provider-independent and
//! live in [`crate::call`].

use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use rudder_protocol::{MessagesRequest, StreamEvent};

/// The stream of decoded events of one response.
pub type EventStream = BoxStream<'static, Result<StreamEvent, ModelError>>;

/// Why a model request failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// The server answered with a non-2xx status. `message` is the API's own
    /// error message when the body had one, else the body text.
    #[error("API error {status}: {message}")]
    Http {
        /// HTTP status code.
        status: u16,
        /// The API's `error.message`, or the raw body.
        message: String,
        /// `retry-after` header, when present.
        retry_after: Option<Duration>,
    },
    /// The stream carried an `error` event (e.g. `overloaded_error`).
    #[error("API stream error ({kind}): {message}")]
    Stream {
        /// The error `type`, e.g. `overloaded_error`.
        kind: String,
        /// The API's message.
        message: String,
    },
    /// Connecting or reading failed (reset, refused, TLS, DNS).
    #[error("network error: {0}")]
    Network(String),
    /// No SSE event (pings included) arrived within the watchdog bound.
    #[error("the stream stalled: no event for {0:?}")]
    Stall(Duration),
    /// The stream ended before `message_stop`.
    #[error("the stream ended early: {0}")]
    Truncated(String),
    /// An event was not valid JSON or not of its documented shape.
    #[error("malformed stream event: {0}")]
    Decode(String),
    /// The configuration cannot work (no API key, bad base URL).
    #[error("{0}")]
    Config(String),
    /// The caller cancelled the request.
    #[error("the request was cancelled")]
    Cancelled,
    /// Every attempt failed with a transient error; `last` is the final one.
    #[error("{last} (gave up after {attempts} attempts)")]
    GaveUp {
        /// Attempts made, the first included.
        attempts: u32,
        /// The error of the last attempt.
        last: Box<ModelError>,
    },
}

impl ModelError {
    /// HTTP status, when the failure had one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Http { status, .. } => Some(*status),
            Self::Stream { kind, .. } if kind == "overloaded_error" => Some(529),
            Self::GaveUp { last, .. } => last.status(),
            _ => None,
        }
    }
}

/// A model provider that can stream one Messages request.
pub trait ModelClient: Send + Sync {
    /// Sends `request` (with `stream: true`) and returns its event stream.
    ///
    /// Errors: [`ModelError::Http`] for a non-2xx answer, [`ModelError::Network`]
    /// when the server cannot be reached, [`ModelError::Config`] when the
    /// client cannot build a request. Errors inside the stream arrive as
    /// stream items.
    fn stream<'a>(
        &'a self,
        request: &'a MessagesRequest,
    ) -> BoxFuture<'a, Result<EventStream, ModelError>>;

    /// Short provider name for logs and `/status`: `anthropic`, `openai`.
    fn provider(&self) -> &str;

    /// Whether the provider honours explicit `cache_control` breakpoints.
    /// Providers with automatic prefix caching return false, and the request
    /// builder then sends no markers.
    fn supports_cache_control(&self) -> bool {
        true
    }
}

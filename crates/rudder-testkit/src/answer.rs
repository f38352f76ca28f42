//! A response decided while the server's state is locked, turned into an
//! HTTP response after the lock is released.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::Value;

use crate::faults::{Step, body};

/// `content-type` of SSE bodies.
pub(crate) const EVENT_STREAM: &str = "text/event-stream; charset=utf-8";
/// `content-type` of JSON bodies.
pub(crate) const JSON: &str = "application/json";

/// What to send back.
#[derive(Debug)]
pub(crate) struct Answer {
    /// HTTP status.
    pub(crate) status: u16,
    /// Headers besides the framing ones; names must be lower-case.
    pub(crate) headers: Vec<(&'static str, String)>,
    /// The body.
    pub(crate) body: AnswerBody,
}

/// The body of an [`Answer`].
#[derive(Debug)]
pub(crate) enum AnswerBody {
    /// Fixed bytes (sent with a `content-length`).
    Bytes(Bytes),
    /// Bytes played over time, possibly ending in a cut (chunked).
    Steps(Vec<Step>),
}

impl Answer {
    /// A JSON answer.
    pub(crate) fn json(status: u16, value: &Value) -> Self {
        Self {
            status,
            headers: vec![("content-type", JSON.to_owned())],
            body: AnswerBody::Bytes(Bytes::from(value.to_string())),
        }
    }

    /// A plain-text answer.
    pub(crate) fn text(status: u16, text: &'static str) -> Self {
        Self {
            status,
            headers: vec![("content-type", "text/plain; charset=utf-8".to_owned())],
            body: AnswerBody::Bytes(Bytes::from_static(text.as_bytes())),
        }
    }

    /// A streamed answer of `content_type`.
    pub(crate) fn steps(status: u16, content_type: &str, steps: Vec<Step>) -> Self {
        let mut headers = vec![("content-type", content_type.to_owned())];
        if content_type == EVENT_STREAM {
            headers.push(("cache-control", "no-cache".to_owned()));
        }
        Self {
            status,
            headers,
            body: AnswerBody::Steps(steps),
        }
    }

    /// This answer with one more header.
    pub(crate) fn with_header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The HTTP response (an unusable status becomes 500; an unusable header
    /// is left out).
    pub(crate) fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = match self.body {
            AnswerBody::Bytes(bytes) => Body::from(bytes),
            AnswerBody::Steps(steps) => body(steps),
        };
        let mut response = (status, body).into_response();
        for (name, value) in self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
}

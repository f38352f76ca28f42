//! The legacy HTTP+SSE transport (`"type": "sse"`), which rmcp 3.11 lacks,
//! built here and handed to rmcp as an ordinary [`rmcp::transport::Transport`].
//!
//! Contract: MCP 2024-11-05, transports, "HTTP with SSE": the client GETs
//! the configured URL with `Accept: text/event-stream`; the server's first
//! event, `endpoint`, names the URL to POST JSON-RPC messages to; every
//! server message then arrives as a `message` event on the stream. rudder
//! adds: the configured headers on the GET and every POST; the `endpoint`
//! must arrive before the start-up deadline and stay on the stream's origin
//! (as must any redirect, see [`endpoint`]); a 401/403 on the GET or a POST
//! means `needs-auth`; one event may hold at most [`MAX_EVENT_BYTES`].
//!
//! Map: frames are decoded by `rudder_model::sse` (the decoder the model
//! clients use), [`endpoint`] (resolution and the origin
//! rule), [`error`], [`transport`] (the stream reader and POSTs).
//!
//! Never decides restarts: when the stream ends, rmcp sees the transport
//! close and the supervisor does what it does for any transport.

mod endpoint;
mod error;
mod transport;

use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Response, StatusCode, Url};
use rudder_model::proxy::ProxyConfig;
use tokio::time::Instant;

pub(crate) use error::SseError;
pub(crate) use transport::{EndReport, Ended, SseTransport};

use crate::config::RemoteSpec;

/// The largest single SSE event (its data plus its longest line) rudder
/// accepts, in bytes; a bigger one ends the session.
pub(crate) const MAX_EVENT_BYTES: usize = 64 << 20;

/// The most bytes of an error response's body quoted in a message.
const BODY_EXCERPT_BYTES: usize = 2048;

/// Opens the stream of `remote` and waits for its `endpoint` event.
///
/// `deadline` bounds everything up to the endpoint (MCP_TIMEOUT or the
/// server's `timeout`); `post_timeout` bounds each later POST, from connect
/// to the server's acknowledgement; every request goes through `proxy`.
/// Errors: a bad URL or header, an unusable proxy URL, a network
/// failure, 401/403 ([`SseError::needs_auth`]), another status, a response
/// that is not an event stream, no endpoint by the deadline, an endpoint on
/// another origin, or the stream ending first.
pub(crate) async fn open(
    remote: &RemoteSpec,
    proxy: &ProxyConfig,
    deadline: Instant,
    post_timeout: Duration,
) -> Result<SseTransport, SseError> {
    let started = Instant::now();
    let url = Url::parse(&remote.url).map_err(|error| SseError::BadUrl {
        url: remote.url.clone(),
        reason: error.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(SseError::BadUrl {
            url: remote.url.clone(),
            reason: "only http and https URLs are supported".to_owned(),
        });
    }
    let headers = header_map(remote)?;
    let builder = reqwest::Client::builder().redirect(same_origin_redirects());
    let client = proxy
        .apply(builder)
        .map_err(|error| SseError::Client(error.to_string()))?
        .build()
        .map_err(|error| SseError::Client(crate::client::error_chain(&error)))?;
    let request = client
        .get(url.clone())
        .headers(headers.clone())
        .header(ACCEPT, "text/event-stream")
        .send();
    let response = match tokio::time::timeout_at(deadline, request).await {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => {
            return Err(SseError::Network {
                method: "GET",
                url: url.to_string(),
                reason: crate::client::error_chain(&error),
            });
        }
        Err(_) => {
            return Err(SseError::NoResponse {
                url: url.to_string(),
                waited_ms: millis(started.elapsed()),
            });
        }
    };
    let response = check_status("GET", &url, response, deadline).await?;
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("text/event-stream")
    {
        return Err(SseError::NotEventStream {
            url: url.to_string(),
            content_type,
        });
    }
    let base = response.url().clone();
    let opening = transport::start(response, base, client, headers, post_timeout);
    match tokio::time::timeout_at(deadline, opening.finish()).await {
        Ok(result) => result,
        Err(_) => Err(SseError::NoEndpoint {
            url: url.to_string(),
            waited_ms: millis(started.elapsed()),
        }),
    }
}

/// The configured headers as a [`HeaderMap`]. Errors: an invalid name or value.
fn header_map(remote: &RemoteSpec) -> Result<HeaderMap, SseError> {
    let mut headers = HeaderMap::new();
    for (name, value) in &remote.headers {
        let bad = |reason: String| SseError::BadHeader {
            name: name.clone(),
            reason,
        };
        let header = HeaderName::try_from(name.as_str()).map_err(|e| bad(e.to_string()))?;
        let value = HeaderValue::try_from(value.as_str()).map_err(|e| bad(e.to_string()))?;
        headers.insert(header, value);
    }
    Ok(headers)
}

/// Follows up to 10 redirects, all on the origin of the first URL; any
/// other redirect fails the request (see [`endpoint`] for why).
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first().cloned();
        match first {
            _ if attempt.previous().len() > 10 => attempt.error("more than 10 redirects"),
            Some(first) if endpoint::same_origin(&first, attempt.url()) => attempt.follow(),
            Some(first) => {
                let message = format!(
                    "refused a redirect from {first} to {}: rudder sends MCP traffic only \
                     to the origin you configured",
                    attempt.url()
                );
                attempt.error(message)
            }
            None => attempt.follow(),
        }
    })
}

/// Passes a success response through; turns any other status into
/// [`SseError::Unauthorized`] (401/403) or [`SseError::Status`], quoting the
/// `WWW-Authenticate` challenge or the start of the body (read until
/// `deadline` at most).
async fn check_status(
    method: &'static str,
    url: &Url,
    response: Response,
    deadline: Instant,
) -> Result<Response, SseError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let challenge = response
        .headers()
        .get(reqwest::header::WWW_AUTHENTICATE)
        .and_then(|value| value.to_str().ok())
        .map(|value| format!("WWW-Authenticate: {value}"));
    let body = excerpt(response, deadline).await;
    if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
        return Err(SseError::Unauthorized {
            method,
            url: url.to_string(),
            status: status.as_u16(),
            message: challenge.unwrap_or(body),
        });
    }
    Err(SseError::Status {
        method,
        url: url.to_string(),
        status: status.as_u16(),
        body,
    })
}

/// The first [`BODY_EXCERPT_BYTES`] of a body as text, `(empty body)` when
/// there is none; reading stops at `deadline`.
async fn excerpt(mut response: Response, deadline: Instant) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < BODY_EXCERPT_BYTES {
        match tokio::time::timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(chunk))) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    bytes.truncate(BODY_EXCERPT_BYTES);
    let text = String::from_utf8_lossy(&bytes).trim().to_owned();
    if text.is_empty() {
        "(empty body)".to_owned()
    } else {
        text
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

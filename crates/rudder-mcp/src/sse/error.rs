//! What can go wrong on a legacy SSE connection, worded for `/mcp` and
//! `rudder mcp list`.
//!
//! Contract: MCP 2024-11-05 transports, "HTTP with SSE". Each variant names
//! the URL involved and, where the user can act, what to do. [`SseError`] is
//! also the error type rmcp sees from the transport, so a failed POST reaches
//! the caller of the request as this text.

use super::endpoint::EndpointError;

/// A failure opening or using a legacy SSE session.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SseError {
    /// The configured `url` does not parse.
    #[error("invalid SSE URL `{url}`: {reason}")]
    BadUrl {
        /// The URL as configured (after `${VAR}` expansion).
        url: String,
        /// The parser's complaint.
        reason: String,
    },
    /// A configured header name or value is not valid HTTP.
    #[error("invalid header `{name}`: {reason}")]
    BadHeader {
        /// The header name as configured.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client could not be built (TLS set-up).
    #[error("cannot build HTTP client: {0}")]
    Client(String),
    /// The GET or a POST failed before any status (connection refused, DNS,
    /// TLS, a refused redirect, a timeout).
    #[error("{method} {url} failed: {reason}")]
    Network {
        /// `GET` (the stream) or `POST` (a message).
        method: &'static str,
        /// The URL requested.
        url: String,
        /// The transport's error chain.
        reason: String,
    },
    /// The GET got no response headers before the start-up deadline.
    #[error("GET {url} got no response within {waited_ms} ms (MCP_TIMEOUT)")]
    NoResponse {
        /// The stream URL.
        url: String,
        /// How long rudder waited, in milliseconds.
        waited_ms: u64,
    },
    /// The server answered 401 or 403: the connection needs credentials.
    #[error(
        "HTTP {status} from {method} {url}: {message}; rudder does not do OAuth yet: \
         configure an Authorization header"
    )]
    Unauthorized {
        /// `GET` or `POST`.
        method: &'static str,
        /// The URL requested.
        url: String,
        /// The status code (401 or 403).
        status: u16,
        /// The `WWW-Authenticate` challenge, else the start of the body.
        message: String,
    },
    /// The server answered with another non-success status.
    #[error("HTTP {status} from {method} {url}: {body}")]
    Status {
        /// `GET` or `POST`.
        method: &'static str,
        /// The URL requested.
        url: String,
        /// The status code.
        status: u16,
        /// The start of the response body.
        body: String,
    },
    /// The GET answered with something other than an event stream.
    #[error(
        "GET {url} answered with Content-Type `{content_type}`, not an event stream; \
         if this is a streamable HTTP server, configure it with \"type\": \"http\""
    )]
    NotEventStream {
        /// The stream URL.
        url: String,
        /// The Content-Type received (empty when absent).
        content_type: String,
    },
    /// The stream opened but no `endpoint` event came in time.
    #[error(
        "{url} opened an event stream but sent no `endpoint` event within {waited_ms} ms \
         (MCP_TIMEOUT); is this a legacy SSE endpoint?"
    )]
    NoEndpoint {
        /// The stream URL.
        url: String,
        /// How long rudder waited, in milliseconds.
        waited_ms: u64,
    },
    /// The `endpoint` event was unusable or pointed to another origin.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// The stream ended or broke (before the endpoint, or later).
    #[error("{0}")]
    Ended(String),
    /// The server sent one event larger than the limit, in bytes.
    #[error("the server sent an SSE event larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A message could not be serialized (never expected).
    #[error("cannot encode a JSON-RPC message: {0}")]
    Encode(#[from] serde_json::Error),
    /// A message was sent after the session ended.
    #[error("the SSE session has ended")]
    Closed,
}

impl SseError {
    /// Whether this is a 401/403 (status `needs-auth`, no restart).
    pub fn needs_auth(&self) -> bool {
        matches!(self, Self::Unauthorized { .. })
    }
}

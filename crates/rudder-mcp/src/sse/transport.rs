//! One legacy SSE session as an rmcp client transport: a task reads the
//! event stream (the `endpoint` event, then `message` events) and each sent
//! message is one POST to the endpoint.
//!
//! Contract: MCP 2024-11-05 transports, "HTTP with SSE"; rmcp 3.11's
//! [`Transport`] trait (sends may run concurrently; receives are sequential;
//! `None` from `receive` means the transport closed).
//!
//! Invariants: the reader task ends when the transport is closed or dropped
//! (a drop guard cancels it), so no stream outlives its session; a message
//! the server sends that is not JSON-RPC is skipped with a warning, never a
//! panic; why the session ended is kept in an [`EndReport`] for the
//! supervisor: the stream ending or breaking, one event over
//! [`MAX_EVENT_BYTES`], or a POST answered 401/403 (`needs-auth`) or 404
//! (the server forgot the session) — these last two also end the session.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt as _;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Response, StatusCode, Url};
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::service::RoleClient;
use rmcp::transport::Transport;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::{CancellationToken, DropGuard};

use rudder_model::sse::SseDecoder;

use super::endpoint::resolve_endpoint;
use super::{MAX_EVENT_BYTES, SseError, check_status};
use crate::client::error_chain;

/// Server messages decoded but not yet received by rmcp.
const QUEUE: usize = 64;

/// Why a session ended, as the supervisor reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ended {
    /// A POST was answered 401/403: report `needs-auth`, do not restart.
    pub needs_auth: bool,
    /// Readable reason.
    pub reason: String,
}

/// The first reason a session ended, shared by its reader task, its POSTs
/// and the supervisor.
#[derive(Debug, Clone, Default)]
pub(crate) struct EndReport(Arc<Mutex<Option<Ended>>>);

impl EndReport {
    /// Keeps `ended` unless a reason is already known.
    fn record(&self, ended: Ended) {
        if let Ok(mut slot) = self.0.lock() {
            slot.get_or_insert(ended);
        }
    }

    /// The reason the session ended, `None` while it runs (or when rudder
    /// closed it).
    pub fn get(&self) -> Option<Ended> {
        self.0.lock().ok().and_then(|slot| slot.clone())
    }
}

/// An open stream whose `endpoint` event has not been seen yet.
pub(crate) struct Opening {
    endpoint: oneshot::Receiver<Result<Url, SseError>>,
    parts: Parts,
}

/// What a session needs besides the endpoint.
struct Parts {
    client: reqwest::Client,
    headers: HeaderMap,
    post_timeout: Duration,
    incoming: mpsc::Receiver<ServerJsonRpcMessage>,
    report: EndReport,
    stop: CancellationToken,
    _guard: DropGuard,
}

/// Starts reading `response` (an event stream whose final URL is `base`).
/// The returned [`Opening`] becomes a transport once the endpoint arrives.
pub(crate) fn start(
    response: Response,
    base: Url,
    client: reqwest::Client,
    headers: HeaderMap,
    post_timeout: Duration,
) -> Opening {
    let (endpoint_tx, endpoint_rx) = oneshot::channel();
    let (messages_tx, messages_rx) = mpsc::channel(QUEUE);
    let report = EndReport::default();
    let stop = CancellationToken::new();
    let reader = read_stream(response, base, endpoint_tx, messages_tx, report.clone());
    let reader_stop = stop.clone();
    tokio::spawn(async move {
        tokio::select! {
            () = reader_stop.cancelled() => {}
            () = reader => {}
        }
    });
    Opening {
        endpoint: endpoint_rx,
        parts: Parts {
            client,
            headers,
            post_timeout,
            incoming: messages_rx,
            report,
            stop: stop.clone(),
            _guard: stop.drop_guard(),
        },
    }
}

impl Opening {
    /// Waits for the `endpoint` event. Errors: the endpoint is unusable or
    /// on another origin, or the stream ended first. Dropping the future
    /// (a timeout) drops the stream.
    pub async fn finish(self) -> Result<SseTransport, SseError> {
        let endpoint = match self.endpoint.await {
            Ok(result) => result?,
            Err(_) => return Err(SseError::Closed),
        };
        tracing::debug!(%endpoint, "legacy SSE endpoint");
        Ok(SseTransport {
            endpoint,
            parts: self.parts,
        })
    }
}

/// A legacy SSE session with a known endpoint (see the module doc).
pub(crate) struct SseTransport {
    endpoint: Url,
    parts: Parts,
}

impl SseTransport {
    /// A handle telling why the session ended, for the supervisor.
    pub fn end_report(&self) -> EndReport {
        self.parts.report.clone()
    }
}

impl Transport<RoleClient> for SseTransport {
    type Error = SseError;

    fn name() -> Cow<'static, str> {
        Cow::Borrowed("legacy SSE")
    }

    /// POSTs `item` as JSON; done when the server acknowledges it (any 2xx).
    /// Errors: network failure or timeout, a non-success status; 401/403 and
    /// 404 also end the session (see the module doc).
    fn send(
        &mut self,
        item: ClientJsonRpcMessage,
    ) -> impl Future<Output = Result<(), SseError>> + Send + 'static {
        let parts = &self.parts;
        let client = parts.client.clone();
        let headers = parts.headers.clone();
        let post_timeout = parts.post_timeout;
        let report = parts.report.clone();
        let stop = parts.stop.clone();
        let endpoint = self.endpoint.clone();
        async move {
            if stop.is_cancelled() {
                return Err(SseError::Closed);
            }
            let body = serde_json::to_vec(&item)?;
            let deadline = Instant::now() + post_timeout;
            let response = client
                .post(endpoint.clone())
                .headers(headers)
                .header(CONTENT_TYPE, "application/json")
                .timeout(post_timeout)
                .body(body)
                .send()
                .await
                .map_err(|error| SseError::Network {
                    method: "POST",
                    url: endpoint.to_string(),
                    reason: error_chain(&error),
                })?;
            let status = response.status();
            let result = check_status("POST", &endpoint, response, deadline).await;
            if let Err(error) = &result {
                let ended = match status {
                    _ if error.needs_auth() => Some(Ended {
                        needs_auth: true,
                        reason: error.to_string(),
                    }),
                    StatusCode::NOT_FOUND => Some(Ended {
                        needs_auth: false,
                        reason: format!("the server no longer knows this session: {error}"),
                    }),
                    _ => None,
                };
                if let Some(ended) = ended {
                    report.record(ended);
                    stop.cancel();
                }
            }
            result.map(drop)
        }
    }

    async fn receive(&mut self) -> Option<ServerJsonRpcMessage> {
        self.parts.incoming.recv().await
    }

    async fn close(&mut self) -> Result<(), SseError> {
        self.parts.stop.cancel();
        Ok(())
    }
}

/// Reads the stream until it ends: the first `endpoint` event answers
/// `endpoint_tx`, `message` events go to `messages_tx`, other events are
/// ignored. Records why the stream ended; returns early, recording nothing,
/// when the transport was dropped.
async fn read_stream(
    response: Response,
    base: Url,
    endpoint_tx: oneshot::Sender<Result<Url, SseError>>,
    messages_tx: mpsc::Sender<ServerJsonRpcMessage>,
    report: EndReport,
) {
    let mut endpoint_tx = Some(endpoint_tx);
    let mut stream = response.bytes_stream();
    let mut decoder = SseDecoder::new();
    let reason = loop {
        let chunk = match stream.next().await {
            Some(Ok(chunk)) => chunk,
            Some(Err(error)) => {
                break SseError::Ended(format!("the SSE stream broke: {}", error_chain(&error)));
            }
            None => break SseError::Ended("the server ended the SSE stream".to_owned()),
        };
        let frames = decoder.feed(&chunk);
        if decoder.pending_bytes() > MAX_EVENT_BYTES {
            break SseError::TooLarge {
                limit: MAX_EVENT_BYTES,
            };
        }
        for event in frames {
            match event.event.as_deref().unwrap_or("message") {
                "endpoint" => match endpoint_tx.take() {
                    Some(tx) => {
                        let _ = tx.send(resolve_endpoint(&base, &event.data).map_err(Into::into));
                    }
                    None => {
                        tracing::warn!(data = %event.data, "ignoring a second SSE endpoint event")
                    }
                },
                "message" => match serde_json::from_str::<ServerJsonRpcMessage>(&event.data) {
                    Ok(message) => {
                        if messages_tx.send(message).await.is_err() {
                            return;
                        }
                    }
                    Err(error) => tracing::warn!(
                        %error,
                        data = %event.data.chars().take(200).collect::<String>(),
                        "skipping an SSE message that is not JSON-RPC"
                    ),
                },
                other => tracing::debug!(event = other, "ignoring an SSE event"),
            }
        }
    };
    report.record(Ended {
        needs_auth: false,
        reason: reason.to_string(),
    });
    if let Some(tx) = endpoint_tx {
        let _ = tx.send(Err(reason));
    }
}

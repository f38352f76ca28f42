//! A local legacy HTTP+SSE MCP server (spec 2024-11-05) for the SSE tests,
//! with switches for the ways real servers misbehave.
//!
//! `GET /sse` opens a session: an rmcp server ([`rudder_mcp::serve_io`] with
//! the tests' `DemoHandler`) runs behind an in-memory pipe; the stream sends
//! the `endpoint` event and then each line the server writes as a `message`
//! event. `POST /message?session=<n>` feeds a message to that session and
//! answers 202. [`Behaviour`] changes what either side does.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader, WriteHalf};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::common::DemoHandler;

/// Where the `endpoint` event points.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Endpoint {
    /// `/message?session=<n>` (relative, as most servers send it).
    #[default]
    Relative,
    /// `<prefix>/message?session=<n>` — e.g. another host.
    Absolute(String),
    /// Never sent (keep-alive comments still flow).
    Never,
}

/// What the server does; change it between connections with
/// [`SseServer::set`].
#[derive(Debug, Clone, Default)]
pub struct Behaviour {
    /// The `endpoint` event.
    pub endpoint: Endpoint,
    /// Answer every GET with this status (and a `WWW-Authenticate`
    /// challenge for 401) instead of a stream.
    pub get_status: Option<u16>,
    /// Answer every GET with a redirect to this URL.
    pub get_redirect: Option<String>,
    /// Answer every GET with JSON, as a streamable HTTP server would.
    pub get_json: bool,
    /// Answer every POST with this status and the body `token expired`.
    pub post_status: Option<u16>,
    /// Send a `: keep-alive` comment every 20 ms.
    pub keep_alive: bool,
    /// Send each message pretty-printed over several `data:` lines, with
    /// CRLF line ends.
    pub multi_line: bool,
}

/// Counters and logs of what clients did.
#[derive(Default)]
pub struct Seen {
    /// GET requests received.
    pub gets: AtomicUsize,
    /// POST requests received (answered or not).
    pub posts: AtomicUsize,
    /// Headers of every request, in order.
    pub headers: Mutex<Vec<HeaderMap>>,
}

struct Session {
    to_server: tokio::sync::Mutex<WriteHalf<tokio::io::DuplexStream>>,
    end_stream: CancellationToken,
}

#[derive(Default)]
struct Shared {
    behaviour: Mutex<Behaviour>,
    sessions: Mutex<HashMap<u64, Arc<Session>>>,
    next: AtomicU64,
    seen: Seen,
}

/// A running test server on 127.0.0.1.
pub struct SseServer {
    /// The port it listens on.
    pub port: u16,
    shared: Arc<Shared>,
}

impl SseServer {
    /// Starts a server with `behaviour`.
    pub async fn start(behaviour: Behaviour) -> Self {
        let shared = Arc::new(Shared::default());
        *shared.behaviour.lock().unwrap() = behaviour;
        let app = Router::new()
            .route("/sse", get(open_stream))
            .route("/message", post(message))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { port, shared }
    }

    /// `http://127.0.0.1:<port>/sse`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/sse", self.port)
    }

    /// Replaces the behaviour for later requests.
    pub fn set(&self, behaviour: Behaviour) {
        *self.shared.behaviour.lock().unwrap() = behaviour;
    }

    /// What clients did so far.
    pub fn seen(&self) -> &Seen {
        &self.shared.seen
    }

    /// Forgets every session but keeps its stream open: later POSTs to it
    /// get 404, as from a server that lost its in-memory sessions.
    pub fn forget_sessions(&self) {
        self.shared.sessions.lock().unwrap().clear();
    }

    /// Ends every open stream, as a server that restarts or drops clients.
    pub fn drop_streams(&self) {
        for session in self.shared.sessions.lock().unwrap().drain() {
            session.1.end_stream.cancel();
        }
    }
}

#[derive(serde::Deserialize)]
struct SessionQuery {
    session: u64,
}

async fn open_stream(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    shared.seen.gets.fetch_add(1, Ordering::SeqCst);
    shared.seen.headers.lock().unwrap().push(headers);
    let behaviour = shared.behaviour.lock().unwrap().clone();
    if let Some(status) = behaviour.get_status {
        let status = StatusCode::from_u16(status).unwrap();
        return (
            status,
            [(header::WWW_AUTHENTICATE, "Bearer realm=\"sse-test\"")],
            "no entry",
        )
            .into_response();
    }
    if let Some(location) = behaviour.get_redirect {
        return (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, location)],
        )
            .into_response();
    }
    if behaviour.get_json {
        return (
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"jsonrpc":"2.0"}"#,
        )
            .into_response();
    }

    let id = shared.next.fetch_add(1, Ordering::SeqCst);
    let (ours, theirs) = tokio::io::duplex(1 << 20);
    let (server_read, server_write) = tokio::io::split(theirs);
    let (from_server, to_server) = tokio::io::split(ours);
    let handler = Arc::new(DemoHandler {
        cancelled: Arc::default(),
        marker: None,
    });
    tokio::spawn(rudder_mcp::serve_io(handler, server_read, server_write));
    let session = Arc::new(Session {
        to_server: tokio::sync::Mutex::new(to_server),
        end_stream: CancellationToken::new(),
    });
    shared.sessions.lock().unwrap().insert(id, session.clone());

    let (tx, rx) = mpsc::channel::<Bytes>(16);
    tokio::spawn(async move {
        let end = session.end_stream.clone();
        let _ = tokio::select! {
            () = end.cancelled() => Ok(()),
            result = pump(id, &behaviour, from_server, &tx) => result,
        };
    });
    let body = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|bytes| (Ok::<_, Infallible>(bytes), rx))
    });
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// Writes the endpoint event, then every server line as a `message` event,
/// with keep-alive comments between when asked.
async fn pump(
    id: u64,
    behaviour: &Behaviour,
    from_server: tokio::io::ReadHalf<tokio::io::DuplexStream>,
    tx: &mpsc::Sender<Bytes>,
) -> Result<(), mpsc::error::SendError<Bytes>> {
    let path = format!("/message?session={id}");
    let endpoint = match &behaviour.endpoint {
        Endpoint::Relative => Some(path),
        Endpoint::Absolute(prefix) => Some(format!("{prefix}{path}")),
        Endpoint::Never => None,
    };
    if behaviour.keep_alive {
        tx.send(Bytes::from_static(b": keep-alive\n\n")).await?;
    }
    if let Some(endpoint) = endpoint {
        tx.send(Bytes::from(format!(
            "event: endpoint\ndata: {endpoint}\n\n"
        )))
        .await?;
    }
    let mut lines = BufReader::new(from_server).lines();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    loop {
        tokio::select! {
            line = lines.next_line() => {
                let Ok(Some(line)) = line else { return Ok(()) };
                tx.send(Bytes::from(frame(&line, behaviour.multi_line))).await?;
            }
            _ = tick.tick(), if behaviour.keep_alive => {
                tx.send(Bytes::from_static(b": keep-alive\n\n")).await?;
            }
        }
    }
}

fn frame(line: &str, multi_line: bool) -> String {
    if !multi_line {
        return format!("event: message\ndata: {line}\n\n");
    }
    let value: serde_json::Value = serde_json::from_str(line).unwrap();
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    let mut out = String::from("event: message\r\n");
    for part in pretty.lines() {
        out.push_str("data: ");
        out.push_str(part);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out
}

async fn message(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<SessionQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.seen.posts.fetch_add(1, Ordering::SeqCst);
    shared.seen.headers.lock().unwrap().push(headers);
    if let Some(status) = shared.behaviour.lock().unwrap().post_status {
        return (StatusCode::from_u16(status).unwrap(), "token expired").into_response();
    }
    let session = shared.sessions.lock().unwrap().get(&query.session).cloned();
    let Some(session) = session else {
        return (StatusCode::NOT_FOUND, "unknown session").into_response();
    };
    let mut to_server = session.to_server.lock().await;
    let mut line = body.to_vec();
    line.push(b'\n');
    if to_server.write_all(&line).await.is_err() {
        return StatusCode::GONE.into_response();
    }
    (StatusCode::ACCEPTED, "Accepted").into_response()
}

//! [`MockServer`]: the scripted model server on its own thread and tokio
//! runtime, so plain `#[test]`s, `#[tokio::test]`s and the `rudder-mock`
//! binary use it alike.
//!
//! Routes: `POST /v1/messages` (any query, e.g. Claude Code's `?beta=true`),
//! `POST /v1/chat/completions`, `GET /v1/models`, `HEAD /` and `GET /`
//! (Claude Code probes `HEAD /` at start, see PEERS-MEASURED.md); anything
//! else is a 404. Every request is recorded, whatever its answer. The
//! server never reaches the network beyond its 127.0.0.1 listener.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::answer::Answer;
use crate::record::{Api, RecordedRequest};
use crate::scenario::Scenario;
use crate::wire::{ModelApi, ModelState, Outcome, answer};

/// Where and how a [`MockServer`] listens.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// TCP port on 127.0.0.1; 0 (the default) picks a free one.
    pub port: u16,
    /// Append one JSON line per request to this file (method, path, api,
    /// body as JSON, turn, fault, usage); created when missing.
    pub log: Option<PathBuf>,
    /// Drop each request's body once it is answered (and logged): for long
    /// benchmark runs, where keeping every body would grow without bound.
    /// [`MockServer::requests`] then reports empty bodies.
    pub forget_bodies: bool,
}

/// A running scripted model server. Dropping it stops the server and closes
/// every open connection.
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

#[derive(Debug)]
struct Shared {
    scenario: Scenario,
    state: Mutex<ServerState>,
}

#[derive(Debug)]
struct ServerState {
    model: ModelState,
    requests: Vec<RecordedRequest>,
    log: Option<File>,
    forget_bodies: bool,
}

impl MockServer {
    /// Starts serving `scenario` on `127.0.0.1` at a free port.
    ///
    /// Errors: `InvalidInput` when the scenario breaks a rule (see
    /// [`Scenario::from_json_str`]); an I/O error when the port cannot be
    /// bound or the runtime not started.
    pub fn spawn(scenario: Scenario) -> io::Result<MockServer> {
        Self::spawn_with(scenario, ServerOptions::default())
    }

    /// Starts serving `scenario` as `options` say.
    ///
    /// Errors: as [`MockServer::spawn`], and when the log file cannot be
    /// opened for appending.
    pub fn spawn_with(scenario: Scenario, options: ServerOptions) -> io::Result<MockServer> {
        scenario
            .validate()
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error.to_string()))?;
        let log = match &options.log {
            Some(path) => Some(OpenOptions::new().create(true).append(true).open(path)?),
            None => None,
        };
        let listener = TcpListener::bind(("127.0.0.1", options.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(ServerState {
                model: ModelState::new(scenario.turns.len()),
                requests: Vec::new(),
                log,
                forget_bodies: options.forget_bodies,
            }),
            scenario,
        });
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = Router::new()
            .fallback(handle)
            .layer(DefaultBodyLimit::disable())
            .with_state(Arc::clone(&shared));
        let thread = std::thread::Builder::new()
            .name(format!("rudder-testkit-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)?;
                    let serve = std::future::IntoFuture::into_future(axum::serve(listener, app));
                    tokio::select! {
                        result = serve => result,
                        _ = stopped => Ok(()),
                    }
                })
                // Dropping the runtime here cancels every connection task.
            })?;
        Ok(MockServer {
            addr,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// The server's base URL, `http://127.0.0.1:PORT` (no trailing slash):
    /// what `ANTHROPIC_BASE_URL` or an OpenAI client's base (plus `/v1`)
    /// should be.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, in the order they were answered.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Blocks until the server stops by itself (it only does on an I/O
    /// failure of its listener); for binaries that serve until killed.
    ///
    /// Errors: the listener's failure.
    pub fn wait(mut self) -> io::Result<()> {
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("testkit server thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            // The receiver is gone only when the server already stopped.
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            // A failure was the server's own; nothing is left to clean up.
            let _ = thread.join();
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, ServerState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The single handler: routes, answers and records every request.
async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let route = route(&method, uri.path());
    let mut state = shared.lock();
    let (answer, outcome) = match route {
        Route::Model(api) => answer(api, &shared.scenario, &mut state.model, &body),
        Route::Probe => (Answer::text(200, "rudder-testkit\n"), Outcome::default()),
        Route::Models => (
            Answer::json(200, &models(&shared.scenario)),
            Outcome::default(),
        ),
        Route::Unknown => {
            let message = format!("testkit: no route for {method} {}", uri.path());
            (
                ModelApi::Anthropic.error(404, "not_found_error", &message),
                Outcome::default(),
            )
        }
    };
    let mut record = RecordedRequest {
        method: method.to_string(),
        path: uri
            .path_and_query()
            .map_or_else(|| uri.path().to_owned(), |path| path.as_str().to_owned()),
        headers: headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect(),
        json: serde_json::from_slice(&body).ok(),
        body: body.to_vec(),
        api: match route {
            Route::Model(api) => api.api(),
            _ => Api::Other,
        },
        turn: outcome.turn,
        fault: outcome.fault,
        usage: outcome.usage,
    };
    if let Some(log) = state.log.as_mut()
        && let Err(error) = writeln!(log, "{}", record.log_line()).and_then(|()| log.flush())
    {
        eprintln!("rudder-testkit: cannot append to the request log: {error}");
    }
    if state.forget_bodies {
        record.body = Vec::new();
        record.json = None;
    }
    state.requests.push(record);
    drop(state);
    answer.into_response()
}

#[derive(Debug, Clone, Copy)]
enum Route {
    Model(ModelApi),
    Probe,
    Models,
    Unknown,
}

fn route(method: &Method, path: &str) -> Route {
    match (method.as_str(), path) {
        ("POST", "/v1/messages") => Route::Model(ModelApi::Anthropic),
        ("POST", "/v1/chat/completions") => Route::Model(ModelApi::OpenAi),
        ("GET", "/v1/models") => Route::Models,
        ("GET" | "HEAD", "/") => Route::Probe,
        _ => Route::Unknown,
    }
}

/// The model list: one entry in both the OpenAI shape (`id`, `object`,
/// `created`, `owned_by`) and the Anthropic one (`type`, `display_name`,
/// `created_at`), inside both list envelopes.
fn models(scenario: &Scenario) -> Value {
    let id = scenario
        .response_model
        .clone()
        .unwrap_or_else(|| "rudder-testkit".to_owned());
    json!({
        "object": "list",
        "data": [{
            "id": id,
            "object": "model",
            "created": 0,
            "owned_by": "rudder-testkit",
            "type": "model",
            "display_name": id,
            "created_at": "1970-01-01T00:00:00Z",
        }],
        "has_more": false,
        "first_id": id,
        "last_id": id,
    })
}

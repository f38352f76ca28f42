//! One supervised server connection ("unit"): a task that starts it, watches
//! it, restarts it after a crash with backoff, and ends it on command.
//!
//! Invariants (issue 7 §3): a unit owns at most one process group at a time,
//! and ends the old group (stdin closed, SIGTERM, SIGKILL, reaped) before it
//! starts a new one; a crash is reported and restarted at most
//! `max_restarts` times; start-up is bounded by the start-up timeout; every
//! spawned PID is in the session's PID record and the live-group map until
//! its group is gone. Timeouts, auth failures and bad configuration are
//! terminal until a reconnect request.
//!
//! Publishes state through a watch channel; never blocks a caller.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::process::Child;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::state::{ServerPhase, UnitState};
use crate::client::{ConnectError, Connection, Link};
use crate::config::{RemoteSpec, ServerEntry, ServerSpec, StdioSpec};
use crate::options::McpOptions;
use crate::process::kill::terminate_group;
use crate::process::procfs::{group_members, read_stat};
use crate::process::spawn::{Spawned, StderrTail, spawn};
use crate::reaper::PidRecord;
use crate::tools::ServerTool;

/// A request to a unit task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Control {
    /// End the current connection/process and start afresh (restart count reset).
    Reconnect,
    /// End everything and exit the task.
    Stop,
}

/// What every unit shares with the manager.
pub(crate) struct UnitContext {
    pub options: McpOptions,
    pub record: Option<Mutex<PidRecord>>,
    /// Live process groups: PGID → leader start time (for the sync kill in `Drop`).
    pub live: Mutex<BTreeMap<i32, u64>>,
    /// Set once the manager shuts down: no new process may start.
    pub stopping: CancellationToken,
}

/// The manager's side of a unit.
pub(crate) struct UnitHandle {
    pub state: watch::Receiver<UnitState>,
    pub control: mpsc::UnboundedSender<Control>,
    pub task: Option<JoinHandle<()>>,
}

/// Starts the task for `entry` (label = first server name using it). When
/// `predecessor` is the task of a stopped unit with the same spec, the new
/// unit first waits (bounded) for it to end its process group, so two
/// processes of one spec never overlap.
pub(crate) fn spawn_unit(
    label: String,
    entry: ServerEntry,
    ctx: Arc<UnitContext>,
    predecessor: Option<JoinHandle<()>>,
) -> UnitHandle {
    let (state_tx, state_rx) = watch::channel(UnitState::starting());
    let (control_tx, control_rx) = mpsc::unbounded_channel();
    let unit = Unit {
        label,
        entry,
        ctx,
        state: state_tx,
        control: control_rx,
        restarts: 0,
        predecessor,
    };
    UnitHandle {
        state: state_rx,
        control: control_tx,
        task: Some(tokio::spawn(unit.run())),
    }
}

/// How one connection attempt ended.
enum Outcome {
    Stop,
    Reconnect,
    /// The process exited or the connection dropped: restartable.
    Crashed(String),
    /// Terminal until a reconnect request.
    Failed(String),
    NeedsAuth(String),
}

/// The HTTP transports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Remote {
    /// Streamable HTTP (rmcp).
    Http,
    /// Legacy HTTP+SSE (spec 2024-11-05; [`crate::sse`]).
    Sse,
}

impl Remote {
    /// What `/mcp` shows when the session closed without saying why.
    fn closed(self) -> &'static str {
        match self {
            Self::Http => "the HTTP session closed",
            Self::Sse => "the SSE session closed",
        }
    }
}

/// What woke a waiting unit.
enum Event {
    Exited(String),
    ToolsChanged,
    Control(Option<Control>),
    Tick,
}

struct Unit {
    label: String,
    entry: ServerEntry,
    ctx: Arc<UnitContext>,
    state: watch::Sender<UnitState>,
    control: mpsc::UnboundedReceiver<Control>,
    restarts: u32,
    predecessor: Option<JoinHandle<()>>,
}

impl Unit {
    async fn run(mut self) {
        if let Some(previous) = self.predecessor.take() {
            self.publish(
                ServerPhase::Pending,
                Some("waiting for the previous process to end".to_owned()),
            );
            let _ = tokio::time::timeout(self.ctx.options.stop_bound(), previous).await;
        }
        loop {
            if self.ctx.stopping.is_cancelled() {
                return;
            }
            let outcome = match self.entry.spec.clone() {
                ServerSpec::Stdio(spec) => self.run_stdio(&spec).await,
                ServerSpec::Http(remote) => self.run_remote(&remote, Remote::Http).await,
                ServerSpec::Sse(remote) => self.run_remote(&remote, Remote::Sse).await,
            };
            let max = self.ctx.options.max_restarts;
            match outcome {
                Outcome::Stop => return,
                Outcome::Reconnect => {
                    self.restarts = 0;
                    continue;
                }
                Outcome::Crashed(message) if self.restarts < max => {
                    self.restarts += 1;
                    let delay = self.ctx.options.backoff(self.restarts);
                    tracing::warn!(server = %self.label, "{message}; restart {}/{max}", self.restarts);
                    self.publish(
                        ServerPhase::Pending,
                        Some(format!(
                            "{message}; restarting in {} ms (restart {}/{max})",
                            delay.as_millis(),
                            self.restarts
                        )),
                    );
                    tokio::select! {
                        () = tokio::time::sleep(delay) => continue,
                        control = self.control.recv() => match control {
                            Some(Control::Reconnect) => {
                                self.restarts = 0;
                                continue;
                            }
                            Some(Control::Stop) | None => return,
                        },
                    }
                }
                Outcome::Crashed(message) => self.publish(
                    ServerPhase::Failed,
                    Some(format!("{message}; gave up after {max} restarts")),
                ),
                Outcome::Failed(message) => self.publish(ServerPhase::Failed, Some(message)),
                Outcome::NeedsAuth(message) => self.publish(ServerPhase::NeedsAuth, Some(message)),
            }
            match self.control.recv().await {
                Some(Control::Reconnect) => self.restarts = 0,
                Some(Control::Stop) | None => return,
            }
        }
    }

    fn publish(&self, phase: ServerPhase, detail: Option<String>) {
        let restarts = self.restarts;
        self.state.send_modify(|state| {
            state.phase = phase;
            state.detail = detail;
            state.restarts = restarts;
            if phase != ServerPhase::Connected {
                state.link = None;
                state.tools = Arc::new(Vec::new());
            }
        });
    }

    /// Marks an attempt as under way; a restart keeps the crash message
    /// (what `/mcp` should show) instead of `what`.
    fn publish_starting(&self, what: &str) {
        if self.restarts == 0 {
            self.publish(ServerPhase::Pending, Some(what.to_owned()));
        } else {
            let detail = self.state.borrow().detail.clone();
            self.publish(ServerPhase::Pending, detail);
        }
    }

    fn startup_timeout(&self) -> Duration {
        self.entry
            .startup_timeout_ms
            .map(Duration::from_millis)
            .unwrap_or(self.ctx.options.startup_timeout)
    }

    async fn run_stdio(&mut self, spec: &StdioSpec) -> Outcome {
        if self.ctx.stopping.is_cancelled() {
            return Outcome::Stop;
        }
        self.publish_starting("starting");
        let options = &self.ctx.options;
        let spawned = spawn(
            &self.label,
            spec,
            &options.project_dir,
            &options.child_env,
            &options.limits,
        );
        let Spawned {
            mut child,
            pid,
            stdin,
            stdout,
            stderr,
        } = match spawned {
            Ok(spawned) => spawned,
            Err(message) => return Outcome::Failed(message),
        };
        self.track(pid);
        let timeout = self.startup_timeout();
        let ct = CancellationToken::new();
        // Boxed so a failed attempt can be dropped (closing the pipes) before
        // the process group is ended.
        let mut connect = Box::pin(connect_and_list(
            Connection::over_pipe(stdout, stdin, ct.clone()),
            self.label.clone(),
            timeout,
        ));
        let attempt = tokio::select! {
            result = tokio::time::timeout(timeout, &mut connect) => match result {
                Ok(Ok(connected)) => Ok(connected),
                Ok(Err(error)) => Err(Err(error)),
                Err(_) => Err(Ok(Outcome::Failed(format!(
                    "no answer to initialize and tools/list within {} ms (MCP_TIMEOUT)",
                    timeout.as_millis()
                )))),
            },
            status = child.wait() => Err(Ok(Outcome::Crashed(format!(
                "exited during start-up ({}){}",
                exit_text(status),
                stderr_suffix(&stderr)
            )))),
            control = self.control.recv() => Err(Ok(control_outcome(control))),
        };
        let (connection, link, tools) = match attempt {
            Ok(connected) => connected,
            Err(outcome) => {
                ct.cancel();
                drop(connect);
                // A transport error during start-up is usually the process
                // dying; then its exit status is the cause worth reporting.
                let exited = tokio::time::timeout(Duration::from_millis(200), child.wait())
                    .await
                    .ok();
                self.end_process(&mut child, pid).await;
                return match outcome {
                    Ok(outcome) => outcome,
                    Err(error) if error.needs_auth => Outcome::NeedsAuth(error.message),
                    Err(_) if exited.is_some() => Outcome::Crashed(format!(
                        "exited during start-up ({}){}",
                        exited.map(exit_text).unwrap_or_default(),
                        stderr_suffix(&stderr)
                    )),
                    Err(error) => Outcome::Failed(format!(
                        "start-up failed: {}{}",
                        error.message,
                        stderr_suffix(&stderr)
                    )),
                };
            }
        };
        if let Some(record) = &self.ctx.record
            && let Ok(mut record) = record.lock()
        {
            record.set_members(pid, &group_members(pid));
        }
        self.connected(link.clone(), tools);
        let mut check = tokio::time::interval(Duration::from_millis(500));
        loop {
            let event = tokio::select! {
                status = child.wait() => Event::Exited(exit_text(status)),
                () = connection.tools_changed.notified() => Event::ToolsChanged,
                control = self.control.recv() => Event::Control(control),
                _ = check.tick() => Event::Tick,
            };
            let outcome = match event {
                Event::ToolsChanged => {
                    self.refresh_tools(&link).await;
                    continue;
                }
                Event::Tick if !connection.is_closed() => continue,
                Event::Tick => {
                    Outcome::Crashed(format!("closed the connection{}", stderr_suffix(&stderr)))
                }
                Event::Exited(status) => {
                    Outcome::Crashed(format!("exited ({status}){}", stderr_suffix(&stderr)))
                }
                Event::Control(control) => control_outcome(control),
            };
            connection.close(self.ctx.options.eof_wait).await;
            self.end_process(&mut child, pid).await;
            return outcome;
        }
    }

    /// Connects to an HTTP server and watches the session until it closes
    /// (crash: restartable), a 401/403 ends it (`needs-auth`), or a control
    /// request comes.
    async fn run_remote(&mut self, remote: &RemoteSpec, kind: Remote) -> Outcome {
        self.publish_starting("connecting");
        let timeout = self.startup_timeout();
        let deadline = tokio::time::Instant::now() + timeout;
        let ct = CancellationToken::new();
        let connecting: Pin<Box<dyn Future<Output = _> + Send>> = match kind {
            Remote::Http => Box::pin(Connection::over_http(
                remote,
                &self.ctx.options.proxy,
                ct.clone(),
            )),
            Remote::Sse => Box::pin(Connection::over_sse(
                remote,
                &self.ctx.options.proxy,
                deadline,
                timeout,
                ct.clone(),
            )),
        };
        let mut connect = Box::pin(connect_and_list(connecting, self.label.clone(), timeout));
        let attempt = tokio::select! {
            result = tokio::time::timeout_at(deadline, &mut connect) => match result {
                Ok(Ok(connected)) => Ok(connected),
                Ok(Err(error)) if error.needs_auth => Err(Outcome::NeedsAuth(error.message)),
                Ok(Err(error)) => Err(Outcome::Failed(error.message)),
                Err(_) => Err(Outcome::Failed(format!(
                    "no answer from {} within {} ms (MCP_TIMEOUT)",
                    remote.url,
                    timeout.as_millis()
                ))),
            },
            control = self.control.recv() => Err(control_outcome(control)),
        };
        let (connection, link, tools) = match attempt {
            Ok(connected) => connected,
            Err(outcome) => {
                ct.cancel();
                return outcome;
            }
        };
        self.connected(link.clone(), tools);
        let mut check = tokio::time::interval(Duration::from_millis(500));
        loop {
            let event = tokio::select! {
                () = connection.tools_changed.notified() => Event::ToolsChanged,
                control = self.control.recv() => Event::Control(control),
                _ = check.tick() => Event::Tick,
            };
            let outcome = match event {
                Event::ToolsChanged => {
                    self.refresh_tools(&link).await;
                    continue;
                }
                Event::Tick if !connection.is_closed() => continue,
                Event::Tick | Event::Exited(_) => match connection.ended() {
                    Some(ended) if ended.needs_auth => Outcome::NeedsAuth(ended.reason),
                    Some(ended) => Outcome::Crashed(ended.reason),
                    None => Outcome::Crashed(kind.closed().to_owned()),
                },
                Event::Control(control) => control_outcome(control),
            };
            connection.close(self.ctx.options.eof_wait).await;
            return outcome;
        }
    }

    fn connected(&self, link: Link, tools: Vec<ServerTool>) {
        let restarts = self.restarts;
        self.state.send_modify(|state| {
            state.phase = ServerPhase::Connected;
            state.detail = None;
            state.link = Some(link);
            state.tools = Arc::new(tools);
            state.restarts = restarts;
        });
    }

    async fn refresh_tools(&self, link: &Link) {
        match link.list_tools(self.startup_timeout()).await {
            Ok(tools) => self
                .state
                .send_modify(|state| state.tools = Arc::new(tools)),
            Err(error) => {
                tracing::warn!(server = %self.label, %error, "keeping the old tool list")
            }
        }
    }

    /// Adds a spawned leader to the PID record and the live-group map.
    fn track(&self, pid: i32) {
        let recorded = self
            .ctx
            .record
            .as_ref()
            .and_then(|record| record.lock().ok()?.add(&self.label, pid));
        let start = recorded.or_else(|| read_stat(pid).map(|stat| stat.start_time));
        if let (Some(start), Ok(mut live)) = (start, self.ctx.live.lock()) {
            live.insert(pid, start);
        }
        self.state.send_modify(|state| state.pid = Some(pid));
    }

    /// Ends the group and forgets it.
    async fn end_process(&self, child: &mut Child, pid: i32) {
        let options = &self.ctx.options;
        let ending = terminate_group(child, pid, options.eof_wait, options.shutdown_grace).await;
        tracing::debug!(server = %self.label, pid, ?ending, "MCP server process group ended");
        if let Some(record) = &self.ctx.record
            && let Ok(mut record) = record.lock()
        {
            record.remove(pid);
        }
        if let Ok(mut live) = self.ctx.live.lock() {
            live.remove(&pid);
        }
        self.state.send_modify(|state| state.pid = None);
    }
}

/// `initialize`, then `tools/list` when the server declares tools.
async fn connect_and_list(
    connecting: impl Future<Output = Result<Connection, ConnectError>>,
    label: String,
    timeout: Duration,
) -> Result<(Connection, Link, Vec<ServerTool>), ConnectError> {
    let connection = connecting.await?;
    let link = connection.link(&label);
    let tools = if link.has_capability("tools") {
        link.list_tools(timeout)
            .await
            .map_err(|error| ConnectError {
                needs_auth: false,
                message: format!("tools/list failed: {error}"),
            })?
    } else {
        Vec::new()
    };
    Ok((connection, link, tools))
}

fn control_outcome(control: Option<Control>) -> Outcome {
    match control {
        Some(Control::Reconnect) => Outcome::Reconnect,
        Some(Control::Stop) | None => Outcome::Stop,
    }
}

fn exit_text(status: std::io::Result<std::process::ExitStatus>) -> String {
    match status {
        Ok(status) => status.to_string(),
        Err(error) => format!("wait failed: {error}"),
    }
}

fn stderr_suffix(stderr: &StderrTail) -> String {
    let text = stderr.text();
    if text.is_empty() {
        String::new()
    } else {
        format!("; stderr: {text}")
    }
}

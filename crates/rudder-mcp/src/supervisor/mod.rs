//! [`McpManager`]: the session's MCP servers, started concurrently in the
//! background, visible as a non-blocking snapshot, and ended together.
//!
//! Contract: issue 7 §3 and USER-PAINS.md §4 — the first model turn never
//! waits for a server it does not use ([`McpManager::tools`] returns at once;
//! [`McpManager::wait_for`] waits for one server until a deadline); exactly
//! one process per distinct (command, args, env, cwd) per session (names
//! with the same stdio spec share one unit); every server ends on
//! [`McpManager::shutdown`] (bounded) or on drop (synchronous SIGKILL of
//! every live group); a start-up reaper cleans up after a killed session.
//!
//! Never holds a lock across an await; never blocks the caller on a server.

mod requests;
mod state;
mod unit;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use rudder_protocol::event::McpServerStatus;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

pub use requests::{
    McpPrompt, McpPromptArgument, McpPromptMessage, McpPromptResult, McpResource,
    parse_resource_mention,
};
use state::UnitState;
pub use state::{ServerPhase, ServerStatus};
use unit::{Control, UnitContext, UnitHandle, spawn_unit};

use crate::config::{Approval, ConfiguredServer, Scope, ServerSpec, StdioSpec};
use crate::error::McpError;
use crate::options::McpOptions;
use crate::process::kill::kill_group_if_ours;
use crate::reaper::{PidRecord, ReapReport, reap_stale};
use crate::tools::{McpTool, qualify};

/// Identity of a unit: stdio servers by their full spec (deduplication),
/// remote servers by name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum UnitKey {
    Stdio(StdioSpec),
    Remote(String),
}

/// What the manager holds per configured name.
#[derive(Debug, Clone)]
enum Slot {
    /// Never started: bad config, awaiting approval, rejected, disabled.
    Static {
        phase: ServerPhase,
        detail: Option<String>,
    },
    /// Backed by a unit.
    Unit(UnitKey),
}

struct Entry {
    scope: Scope,
    transport: &'static str,
    slot: Slot,
}

#[derive(Default)]
struct Registry {
    servers: BTreeMap<String, Entry>,
    units: BTreeMap<UnitKey, UnitHandle>,
    /// Tasks of stopped units still ending their process group, by key: a
    /// new unit with the same key waits for it.
    retiring: BTreeMap<UnitKey, JoinHandle<()>>,
    shut_down: bool,
}

/// The MCP servers of one session. Create with [`McpManager::start`] inside
/// a tokio runtime; end with [`McpManager::shutdown`] (dropping also kills
/// every server, without waiting).
pub struct McpManager {
    ctx: Arc<UnitContext>,
    registry: Mutex<Registry>,
    reaped: ReapReport,
}

impl McpManager {
    /// Starts every approved server in the background and returns at once.
    ///
    /// Takes the loaded servers (see `config::load`) and the options. First,
    /// when `options.state_dir` is set, reaps processes left by killed
    /// sessions ([`McpManager::reaped`]). Servers with a config error start
    /// as `failed`, unapproved project servers as `pending` (with the reason)
    /// or `disabled`; they are never started. Errors: called outside a tokio
    /// runtime.
    pub fn start(servers: Vec<ConfiguredServer>, options: McpOptions) -> Result<Self, McpError> {
        tokio::runtime::Handle::try_current()
            .map_err(|error| McpError::NoRuntime(error.to_string()))?;
        let reaped = match &options.state_dir {
            Some(dir) => {
                let report = reap_stale(dir);
                if !report.killed_groups.is_empty() || !report.killed_members.is_empty() {
                    tracing::warn!(?report, "killed MCP servers left by an earlier session");
                }
                report
            }
            None => ReapReport::default(),
        };
        let record = options
            .state_dir
            .as_ref()
            .map(|dir| Mutex::new(PidRecord::new(dir, &options.session_id)));
        let manager = Self {
            ctx: Arc::new(UnitContext {
                options,
                record,
                live: Mutex::new(BTreeMap::new()),
                stopping: CancellationToken::new(),
            }),
            registry: Mutex::new(Registry::default()),
            reaped,
        };
        for server in servers {
            manager.add_server(server);
        }
        Ok(manager)
    }

    /// What the start-up reaper did.
    pub fn reaped(&self) -> &ReapReport {
        &self.reaped
    }

    /// Adds (or replaces) one server, e.g. after the user approved a project
    /// server or ran `mcp add` mid-session. Starts it in the background when
    /// it is approved and its entry parsed. A replaced server's process ends
    /// first unless another name still uses it. Ignored after shutdown.
    pub fn add_server(&self, server: ConfiguredServer) {
        let mut registry = self.lock();
        if registry.shut_down {
            return;
        }
        Self::detach(&mut registry, &server.name);
        let (transport, slot) = match (&server.approval, &server.entry) {
            (_, Err(message)) => (
                "unknown",
                Slot::Static {
                    phase: ServerPhase::Failed,
                    detail: Some(format!(
                        "invalid configuration in {}: {message}",
                        server.origin
                    )),
                },
            ),
            (Approval::Pending(reason), Ok(entry)) => (
                entry.spec.transport_name(),
                Slot::Static {
                    phase: ServerPhase::Pending,
                    detail: Some(reason.clone()),
                },
            ),
            (Approval::Rejected, Ok(entry)) => (
                entry.spec.transport_name(),
                Slot::Static {
                    phase: ServerPhase::Disabled,
                    detail: Some("disabled in disabledMcpjsonServers".to_owned()),
                },
            ),
            (Approval::Approved, Ok(entry)) => {
                let key = match &entry.spec {
                    ServerSpec::Stdio(spec) => {
                        // Key on the effective working directory.
                        let mut spec = spec.clone();
                        spec.cwd = Some(
                            spec.cwd
                                .unwrap_or_else(|| self.ctx.options.project_dir.clone()),
                        );
                        UnitKey::Stdio(spec)
                    }
                    ServerSpec::Http(_) | ServerSpec::Sse(_) => {
                        UnitKey::Remote(server.name.clone())
                    }
                };
                if !registry.units.contains_key(&key) {
                    let predecessor = registry.retiring.remove(&key);
                    let handle = spawn_unit(
                        server.name.clone(),
                        entry.clone(),
                        self.ctx.clone(),
                        predecessor,
                    );
                    registry.units.insert(key.clone(), handle);
                }
                (entry.spec.transport_name(), Slot::Unit(key))
            }
        };
        registry.servers.insert(
            server.name,
            Entry {
                scope: server.scope,
                transport,
                slot,
            },
        );
    }

    /// The tools of every connected server, sorted by qualified name. Never
    /// waits: a server still starting contributes nothing yet.
    pub fn tools(&self) -> Vec<McpTool> {
        let registry = self.lock();
        let mut tools: Vec<McpTool> = Vec::new();
        for (name, entry) in &registry.servers {
            if let Some(state) = Self::unit_state(&registry, entry)
                && state.phase == ServerPhase::Connected
            {
                tools.extend(qualify(name, &state.tools));
            }
        }
        tools.sort_by(|a, b| a.definition.name.cmp(&b.definition.name));
        tools
    }

    /// Every configured server's status, sorted by name. Never waits.
    pub fn status(&self) -> Vec<ServerStatus> {
        let registry = self.lock();
        registry
            .servers
            .iter()
            .map(|(name, entry)| Self::status_of(&registry, name, entry))
            .collect()
    }

    /// [`McpManager::status`] as `system/init.mcp_servers` records
    /// (`{"name","status"}`), sorted by name. Never waits.
    pub fn mcp_servers(&self) -> Vec<McpServerStatus> {
        self.status()
            .iter()
            .map(ServerStatus::to_protocol)
            .collect()
    }

    /// Waits until `server` leaves `pending` or `deadline` passes, and
    /// returns its status then (possibly still `pending`). Errors: unknown
    /// server.
    pub async fn wait_for(
        &self,
        server: &str,
        deadline: Instant,
    ) -> Result<ServerStatus, McpError> {
        let receiver = {
            let registry = self.lock();
            let entry = registry
                .servers
                .get(server)
                .ok_or_else(|| McpError::UnknownServer(server.to_owned()))?;
            match &entry.slot {
                Slot::Unit(key) => registry.units.get(key).map(|unit| unit.state.clone()),
                Slot::Static { .. } => None,
            }
        };
        if let Some(mut receiver) = receiver {
            let settled = receiver.wait_for(|state| state.phase != ServerPhase::Pending);
            let _ = tokio::time::timeout_at(deadline, settled).await;
        }
        self.status()
            .into_iter()
            .find(|status| status.name == server)
            .ok_or_else(|| McpError::UnknownServer(server.to_owned()))
    }

    /// Waits for every server as [`McpManager::wait_for`] does (all with the
    /// same deadline) and returns all statuses. For headless runs that want
    /// every tool before the first request.
    pub async fn wait_all(&self, deadline: Instant) -> Vec<ServerStatus> {
        let names: Vec<String> = self.lock().servers.keys().cloned().collect();
        let waits = names.iter().map(|name| self.wait_for(name, deadline));
        let _ = futures::future::join_all(waits).await;
        self.status()
    }

    /// Ends `server`'s connection (and process group) and starts it again,
    /// resetting its restart count. Errors: unknown server, or one that is
    /// not startable (bad config, unapproved, disabled).
    pub fn reconnect(&self, server: &str) -> Result<(), McpError> {
        let registry = self.lock();
        let entry = registry
            .servers
            .get(server)
            .ok_or_else(|| McpError::UnknownServer(server.to_owned()))?;
        match &entry.slot {
            Slot::Unit(key) => {
                if let Some(unit) = registry.units.get(key) {
                    let _ = unit.control.send(Control::Reconnect);
                }
                Ok(())
            }
            Slot::Static { .. } => {
                let status = Self::status_of(&registry, server, entry);
                Err(McpError::NotConnected {
                    server: server.to_owned(),
                    status: status.phase.as_str().to_owned(),
                    detail: status.detail,
                })
            }
        }
    }

    /// Stops `server` for the rest of the session and reports it `disabled`
    /// (its process ends unless another name shares it). Errors: unknown.
    pub fn disable(&self, server: &str) -> Result<(), McpError> {
        let mut registry = self.lock();
        if !registry.servers.contains_key(server) {
            return Err(McpError::UnknownServer(server.to_owned()));
        }
        if let Some(mut entry) = Self::detach(&mut registry, server) {
            entry.slot = Slot::Static {
                phase: ServerPhase::Disabled,
                detail: Some("disabled for this session".to_owned()),
            };
            registry.servers.insert(server.to_owned(), entry);
        }
        Ok(())
    }

    /// Ends every server and waits for them: stdin closed, then SIGTERM to
    /// each process group, SIGKILL after `shutdown_grace`, reaped; anything
    /// left after [`McpOptions::stop_bound`] is SIGKILLed without waiting. Removes the session's PID record. Idempotent; afterwards every
    /// server reports `disabled`.
    pub async fn shutdown(&self) {
        self.ctx.stopping.cancel();
        let tasks: Vec<_> = {
            let mut registry = self.lock();
            registry.shut_down = true;
            let units = std::mem::take(&mut registry.units);
            for entry in registry.servers.values_mut() {
                entry.slot = Slot::Static {
                    phase: ServerPhase::Disabled,
                    detail: Some("the session ended".to_owned()),
                };
            }
            let retiring = std::mem::take(&mut registry.retiring).into_values();
            units
                .into_values()
                .filter_map(|mut unit| {
                    let _ = unit.control.send(Control::Stop);
                    unit.task.take()
                })
                .chain(retiring)
                .collect()
        };
        let bound = self.ctx.options.stop_bound();
        let _ = tokio::time::timeout(bound, futures::future::join_all(tasks)).await;
        self.kill_live_groups();
    }

    /// SIGKILLs every group still recorded as live and clears the record.
    fn kill_live_groups(&self) {
        if let Ok(mut live) = self.ctx.live.lock() {
            for (pgid, start) in std::mem::take(&mut *live) {
                if kill_group_if_ours(pgid, start) {
                    tracing::warn!(pgid, "SIGKILLed an MCP server group that outlived shutdown");
                }
            }
        }
        if let Some(record) = &self.ctx.record
            && let Ok(mut record) = record.lock()
        {
            record.clear();
        }
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Removes `name` from the registry and returns its entry; stops its
    /// unit when no other name uses it.
    fn detach(registry: &mut Registry, name: &str) -> Option<Entry> {
        let entry = registry.servers.remove(name)?;
        if let Slot::Unit(key) = &entry.slot {
            let still_used = registry
                .servers
                .values()
                .any(|other| matches!(&other.slot, Slot::Unit(other) if other == key));
            if !still_used && let Some(mut unit) = registry.units.remove(key) {
                let _ = unit.control.send(Control::Stop);
                if let Some(task) = unit.task.take() {
                    registry.retiring.insert(key.clone(), task);
                }
            }
        }
        Some(entry)
    }

    fn unit_state(registry: &Registry, entry: &Entry) -> Option<UnitState> {
        match &entry.slot {
            Slot::Unit(key) => registry
                .units
                .get(key)
                .map(|unit| unit.state.borrow().clone()),
            Slot::Static { .. } => None,
        }
    }

    fn status_of(registry: &Registry, name: &str, entry: &Entry) -> ServerStatus {
        let mut status = ServerStatus {
            name: name.to_owned(),
            phase: ServerPhase::Pending,
            detail: None,
            scope: entry.scope,
            transport: entry.transport,
            pid: None,
            restarts: 0,
            tool_count: 0,
        };
        match (&entry.slot, Self::unit_state(registry, entry)) {
            (Slot::Static { phase, detail }, _) => {
                status.phase = *phase;
                status.detail = detail.clone();
            }
            (Slot::Unit(_), Some(state)) => {
                status.phase = state.phase;
                status.detail = state.detail;
                status.pid = state.pid.and_then(|pid| u32::try_from(pid).ok());
                status.restarts = state.restarts;
                status.tool_count = state.tools.len();
            }
            (Slot::Unit(_), None) => status.detail = Some("stopped".to_owned()),
        }
        status
    }

    /// The request handle and server-side tool list of a connected server.
    fn connected_link(&self, server: &str) -> Result<(crate::client::Link, UnitState), McpError> {
        let registry = self.lock();
        let entry = registry
            .servers
            .get(server)
            .ok_or_else(|| McpError::UnknownServer(server.to_owned()))?;
        if let Some(state) = Self::unit_state(&registry, entry)
            && let (ServerPhase::Connected, Some(link)) = (state.phase, state.link.clone())
        {
            return Ok((link, state));
        }
        let status = Self::status_of(&registry, server, entry);
        Err(McpError::NotConnected {
            server: server.to_owned(),
            status: status.phase.as_str().to_owned(),
            detail: status.detail,
        })
    }
}

impl Drop for McpManager {
    /// Stops every unit and SIGKILLs every live server group at once (no
    /// waiting: `Drop` cannot await). Prefer [`McpManager::shutdown`].
    fn drop(&mut self) {
        self.ctx.stopping.cancel();
        let mut registry = self.lock();
        for unit in registry.units.values() {
            let _ = unit.control.send(Control::Stop);
        }
        registry.units.clear();
        drop(registry);
        self.kill_live_groups();
    }
}

//! A session: the conversation, its frozen request frame, its transcript and
//! the services its turns use.
//!
//! A session is configured with plain data (`config.rs`), opened new or
//! rebuilt from its transcript (`open.rs`: the transcript opens before
//! anything is sent, and the frame is frozen into it), then driven one user
//! turn at a time by [`Session::run_turn`] (`turn.rs`, tools in
//! `tool_run.rs`). Hooks run at the points Claude Code defines
//! (`hook_points.rs`, `tool_hooks.rs`; [`Session::run_hooks`]). Context
//! bookkeeping lives in `context.rs`, compaction in `compact.rs`.

mod checkpointing;
mod compact;
mod config;
mod context;
mod control;
mod fallback;
mod hook_points;
mod hook_run;
mod log;
mod mcp_hooks;
mod open;
pub mod restore;
mod shell;
mod side_query;
mod steer;
mod text_calls;
mod tool_hooks;
mod tool_run;
mod turn;

use std::sync::{Arc, Mutex};

use rudder_config::hooks::SessionEndReason;
use rudder_protocol::event::{SessionInfo, TurnOutcome};
use rudder_protocol::{ContentBlock, Message};
use rudder_tools::SessionToolState;
use tokio_util::sync::CancellationToken;

pub use compact::COMPACTION_PURPOSE;
pub use config::{InitExtras, RequestSink, SessionConfig, SessionDeps, SessionError};
pub use context::ContextView;
pub(crate) use context::initial_context;
pub use control::{RewindError, RewindOutcome, RewindPoint, RewindScope};
pub use hook_points::{MAX_STOP_CONTINUATIONS, SESSION_END_BUDGET};
pub use log::{LogIdentity, SessionLog, now};
use open::first_context;
pub(crate) use open::frame_record;
pub use shell::{ShellError, ShellRun};
pub use steer::SteerInbox;
pub(crate) use tool_run::save_updates;

use crate::checkpoint::CheckpointStore;
use crate::request::{BuildOptions, RequestFrame};
use crate::subagent::background::{self, BackgroundAgents};
use crate::subagent::{Link, SubagentBudget};

/// A running session.
pub struct Session {
    config: SessionConfig,
    deps: SessionDeps,
    frame: RequestFrame,
    messages: Vec<Message>,
    /// The transcript uuid of each message.
    uuids: Vec<String>,
    log: Arc<Mutex<SessionLog>>,
    tool_state: Arc<SessionToolState>,
    pending_context: Option<String>,
    checkpoints: Option<Arc<CheckpointStore>>,
    steer: SteerInbox,
    /// Fallback models not used yet.
    fallbacks: Vec<String>,
    context: context::ContextState,
    /// Whether the MCP part of the tools block is frozen (after the first
    /// request of a new session; always for a resumed one).
    mcp_frozen: bool,
    /// What this session's model knows about MCP tools and servers.
    mcp_told: crate::mcp::Told,
    /// The first message's context before the catalog listing (environment,
    /// memory, SessionStart hook context), to rebuild `pending_context`
    /// when definitions are added before it is sent.
    context_parts: Vec<String>,
    /// Set when this session is a subagent's.
    subagent: Option<Link>,
    /// The token budget shared by the session's subagents.
    budget: Arc<SubagentBudget>,
    /// Subagents started with `run_in_background`.
    background: BackgroundAgents,
}

/// Everything a session is made of, for sessions built by the agent itself
/// (subagents).
pub(crate) struct SessionParts {
    /// Configuration.
    pub config: SessionConfig,
    /// Services.
    pub deps: SessionDeps,
    /// The frozen frame.
    pub frame: RequestFrame,
    /// Its transcript and accounting.
    pub log: SessionLog,
    /// Context for the first user message.
    pub pending_context: Option<String>,
    /// The link to the parent.
    pub subagent: Option<Link>,
    /// The session's subagent budget.
    pub budget: Arc<SubagentBudget>,
    /// The parent's checkpoint store: a subagent's edits belong to the
    /// parent's current turn.
    pub checkpoints: Option<Arc<CheckpointStore>>,
}

impl Session {
    /// Adds subagent types defined after the session started (the Agent
    /// SDK sends them in `initialize`); a type of the same name is
    /// replaced. They are listed in the first user message while it has
    /// not been sent yet; later they can still be started, unlisted.
    pub fn add_agents(&mut self, agents: Vec<rudder_config::agents::AgentDef>) {
        if agents.is_empty() {
            return;
        }
        let catalog = Arc::make_mut(&mut self.config.catalog);
        for agent in agents {
            catalog
                .agents
                .agents
                .retain(|known| known.name != agent.name);
            catalog.agents.agents.push(agent);
        }
        catalog.agents.agents.sort_by(|a, b| a.name.cmp(&b.name));
        if self.pending_context.is_some() && !self.context_parts.is_empty() {
            self.pending_context = Some(first_context(
                &self.context_parts,
                &self.config.catalog,
                &self.frame,
            ));
        }
    }

    /// What `system/init` reports.
    pub fn info(&self) -> SessionInfo {
        let extras = &self.config.init_extras;
        let catalog = &self.config.catalog;
        let with = |mut names: Vec<String>, more: &[String]| {
            names.extend(more.iter().cloned());
            names
        };
        let commands: Vec<String> = crate::commands::command_infos(catalog)
            .into_iter()
            .map(|info| info.name)
            .collect();
        SessionInfo {
            session_id: self.config.session_id.clone(),
            cwd: self.config.cwd.display().to_string(),
            model: self.frame.model.clone(),
            tools: self
                .frame
                .tools
                .iter()
                .map(|tool| tool.name().to_owned())
                .collect(),
            permission_mode: self.config.permission_mode,
            mcp_servers: self
                .deps
                .mcp
                .as_ref()
                .map(|mcp| mcp.manager().mcp_servers())
                .unwrap_or_else(|| extras.mcp_servers.clone()),
            slash_commands: with(commands, &extras.slash_commands),
            agents: with(catalog.agent_names(), &extras.agents),
            skills: with(catalog.skill_names(), &extras.skills),
            api_key_source: extras.api_key_source.clone(),
            output_style: extras.output_style.clone(),
            transcript_path: self
                .log
                .lock()
                .ok()
                .and_then(|log| log.transcript_path().map(|path| path.display().to_string()))
                .unwrap_or_default(),
        }
    }

    /// The conversation so far.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// The frozen request frame.
    pub fn frame(&self) -> &RequestFrame {
        &self.frame
    }

    /// The session's services.
    pub(crate) fn deps(&self) -> &SessionDeps {
        &self.deps
    }

    /// The transcript and accounting.
    pub(crate) fn log(&self) -> &Arc<Mutex<SessionLog>> {
        &self.log
    }

    /// The link to the parent, for a subagent's session.
    pub(crate) fn subagent_link(&self) -> Option<&Link> {
        self.subagent.as_ref()
    }

    /// The token budget of the session's subagents.
    pub(crate) fn budget(&self) -> &Arc<SubagentBudget> {
        &self.budget
    }

    /// The session's background subagents.
    pub(crate) fn background(&self) -> &BackgroundAgents {
        &self.background
    }

    /// The Task call a subagent's events belong to (`None` for the main
    /// conversation).
    pub(crate) fn parent_tool_use_id(&self) -> Option<String> {
        self.subagent.as_ref().map(|link| link.tool_use_id.clone())
    }

    /// Runs one user turn to its end (see `turn.rs`). Never panics on bad
    /// model output; every failure ends the turn with a [`TurnOutcome`]
    /// whose `stop` says why, after which the session is still usable.
    pub async fn run_turn(
        &mut self,
        prompt: Vec<ContentBlock>,
        cancel: &CancellationToken,
    ) -> TurnOutcome {
        turn::run(self, prompt, cancel).await
    }

    /// Ends the session: runs the SessionEnd hooks (reason `other`, within
    /// [`SESSION_END_BUDGET`]), stops background subagents and kills
    /// background shells, ends the MCP servers (bounded) and flushes the
    /// transcript.
    pub async fn shutdown(&mut self) {
        self.end(SessionEndReason::Other).await;
    }

    /// [`Session::shutdown`], telling the SessionEnd hooks why (`clear`,
    /// `prompt_input_exit`, …).
    pub async fn end(&mut self, reason: SessionEndReason) {
        if self.subagent.is_none() {
            hook_points::session_end(self, reason).await;
            background::turn_points::end(self).await;
        }
        self.tool_state.shells.kill_all().await;
        // A subagent shares the session's MCP servers; they end with it.
        if self.subagent.is_none()
            && let Some(mcp) = &self.deps.mcp
        {
            mcp.shutdown().await;
        }
        if let Ok(mut log) = self.log.lock() {
            let _ = log.sync();
        }
    }

    fn build_options(&self) -> BuildOptions {
        BuildOptions {
            cache_breakpoints: self.config.cache_breakpoints
                && self.deps.client.supports_cache_control(),
            metadata: None,
        }
    }
}

//! A session: the conversation, its frozen request frame, its transcript and
//! the services its turns use.
//!
//! `Session::start` opens the transcript before anything is sent (an
//! unwritable location fails here, not after a paid request), captures the
//! environment once, freezes the request frame into the transcript, and is
//! then driven one user turn at a time by [`Session::run_turn`]
//! (`turn.rs`). Hooks run at the points Claude Code defines
//! (`hook_points.rs`, `tool_hooks.rs`; [`Session::run_hooks`]). Context
//! bookkeeping lives in `context.rs`, compaction in `compact.rs`.

mod checkpointing;
mod compact;
mod context;
mod control;
mod fallback;
mod hook_points;
mod hook_run;
mod log;
mod mcp_hooks;
pub mod restore;
mod shell;
mod side_query;
mod steer;
mod text_calls;
mod tool_hooks;
mod tool_run;
mod turn;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rudder_config::hooks::{SessionEndReason, SessionStartSource};
use rudder_model::ModelClient;
use rudder_model::retry::RetryPolicy;
use rudder_protocol::event::{SessionInfo, TurnOutcome};
use rudder_protocol::request::ThinkingConfig;
use rudder_protocol::{AgentEvent, ContentBlock, Message, PermissionMode, ToolSpec};
use rudder_tools::registry::ToolRegistry;
use rudder_tools::{SessionToolState, ToolLimits};
use tokio_util::sync::CancellationToken;

pub use compact::COMPACTION_PURPOSE;
pub use context::ContextView;
pub(crate) use context::initial_context;
pub use control::{RewindError, RewindOutcome, RewindPoint, RewindScope};
pub use hook_points::{MAX_STOP_CONTINUATIONS, SESSION_END_BUDGET};
pub use log::{LogIdentity, SessionLog, now};
pub use shell::{ShellError, ShellRun};
pub use steer::SteerInbox;
pub(crate) use tool_run::save_updates;

use crate::agent_tools;
use crate::approvals::PermissionStore;
use crate::catalog::Catalog;
use crate::checkpoint::{CheckpointLimits, CheckpointStore};
use crate::context::ContextSettings;
use crate::environment::EnvironmentSnapshot;
use crate::events::EventSink;
use crate::hooks::HookRunner;
use crate::mcp::McpSession;
use crate::paths;
use crate::permissions::{Approver, PermissionGate};
use crate::prompt::{self, SystemPromptOptions};
use crate::request::{BuildOptions, RequestFrame};
use crate::subagent::{Link, SubagentBudget};
use crate::transcript::{FrameRecord, Record, TranscriptError, TranscriptWriter};

/// Receives the exact bytes of every request body sent (`--print-request`).
pub type RequestSink = Arc<dyn Fn(&[u8]) + Send + Sync>;

/// What a session is configured with.
#[derive(Clone)]
pub struct SessionConfig {
    /// Session id (a UUID).
    pub session_id: String,
    /// Working directory (absolute, canonical).
    pub cwd: PathBuf,
    /// `~/.rudder` or `$RUDDER_HOME`.
    pub rudder_home: PathBuf,
    /// Model id.
    pub model: String,
    /// Small, fast model for side calls (WebFetch summaries).
    pub small_model: String,
    /// Output token cap per request.
    pub max_tokens: u32,
    /// Extended thinking.
    pub thinking: Option<ThinkingConfig>,
    /// System prompt options.
    pub system_prompt: SystemPromptOptions,
    /// Stop after this many model requests per turn (`--max-turns`).
    pub max_turns: Option<u32>,
    /// Stop when the session's cost reaches this many US dollars.
    pub max_budget_usd: Option<f64>,
    /// Send cache breakpoints (provider support and `DISABLE_PROMPT_CACHING`).
    pub cache_breakpoints: bool,
    /// Retry policy of model calls.
    pub retry: RetryPolicy,
    /// Models to switch to, in order, when the model is overloaded
    /// (`--fallback-model`, `fallbackModel`).
    pub fallback_models: Vec<String>,
    /// Tool limits.
    pub tool_limits: ToolLimits,
    /// Whether the folder is trusted (gates running `git status` at start).
    pub trusted: bool,
    /// Write a transcript (false: `--no-session-persistence`).
    pub persist: bool,
    /// Save file checkpoints per user turn for `/rewind` and the SDK's
    /// `rewind_files` (`crate::checkpoint`).
    pub checkpoints: bool,
    /// Permission mode shown in `system/init`.
    pub permission_mode: PermissionMode,
    /// Environment for child processes (settings `env`).
    pub child_env: Vec<(String, String)>,
    /// Extra context for the first user message (memory files, skills).
    pub first_message_context: Vec<String>,
    /// Where `--print-request` writes request bodies.
    pub request_sink: Option<RequestSink>,
    /// Names reported in `system/init` besides tools.
    pub init_extras: InitExtras,
    /// Where approved "always allow" updates are saved (`None`: they hold
    /// for this session only).
    pub permission_store: Option<PermissionStore>,
    /// Memory files, the clock, compaction and the context window.
    pub context: ContextSettings,
    /// Custom commands, skills and subagent types, and subagent limits.
    pub catalog: Arc<Catalog>,
}

/// Descriptive lists reported in `system/init`. The slash commands,
/// subagent types and skills of the [`Catalog`] are reported without being
/// listed here; these lists add names from elsewhere.
#[derive(Debug, Clone, Default)]
pub struct InitExtras {
    /// MCP servers and their status.
    pub mcp_servers: Vec<rudder_protocol::event::McpServerStatus>,
    /// Slash commands besides the catalog's.
    pub slash_commands: Vec<String>,
    /// Subagent types besides the catalog's.
    pub agents: Vec<String>,
    /// Skills besides the catalog's.
    pub skills: Vec<String>,
    /// API key source.
    pub api_key_source: String,
    /// Output style name.
    pub output_style: String,
}

/// The services a session uses.
#[derive(Clone)]
pub struct SessionDeps {
    /// The model provider.
    pub client: Arc<dyn ModelClient>,
    /// Built-in tools.
    pub tools: Arc<ToolRegistry>,
    /// The permission policy.
    pub gate: Arc<dyn PermissionGate>,
    /// Who answers approval requests.
    pub approver: Arc<dyn Approver>,
    /// Where events go.
    pub events: EventSink,
    /// The session's hooks ([`HookRunner::default`]: none).
    pub hooks: HookRunner,
    /// The session's MCP servers (`None`: none configured; the tools block
    /// then has no MCP tools at all).
    pub mcp: Option<McpSession>,
}

/// Why a session could not start.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The transcript could not be opened or written.
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
    /// The session to resume could not be read.
    #[error(transparent)]
    Restore(#[from] restore::RestoreError),
}

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
    /// Starts a new session: opens its transcript, captures the environment
    /// and freezes the request frame (system prompt and tools) into the
    /// transcript. Emits [`AgentEvent::SessionReady`].
    pub async fn start(config: SessionConfig, deps: SessionDeps) -> Result<Self, SessionError> {
        Self::start_from(config, deps, SessionStartSource::Startup).await
    }

    /// [`Session::start`], telling the SessionStart hooks why the session
    /// begins (`clear` for `/clear`).
    pub async fn start_from(
        config: SessionConfig,
        deps: SessionDeps,
        source: SessionStartSource,
    ) -> Result<Self, SessionError> {
        let transcript_path =
            paths::transcript_path(&config.rudder_home, &config.cwd, &config.session_id);
        let writer = if config.persist {
            Some(TranscriptWriter::open_new(&transcript_path)?)
        } else {
            None
        };
        let environment = EnvironmentSnapshot::capture(&config.cwd, config.trusted).await;
        let git_branch = environment.git_branch.clone();
        let (first_blocks, first_stamp, warnings) = context::initial_context(&config, environment);
        let frame = initial_frame(&config, &deps);
        let identity = LogIdentity {
            session_id: config.session_id.clone(),
            cwd: config.cwd.display().to_string(),
            git_branch,
            version: env!("CARGO_PKG_VERSION").to_owned(),
        };
        let mut log = SessionLog::new(identity, writer, None);
        log.append_raw(&Record::Frame(frame_record(&config.session_id, &frame)))?;
        let mut session = Self {
            tool_state: Arc::new(SessionToolState::new(config.cwd.clone())),
            checkpoints: checkpoint_store(&config),
            fallbacks: fallback::remaining(&config.fallback_models, &frame.model),
            budget: Arc::new(SubagentBudget::new(config.catalog.limits)),
            config,
            deps,
            frame,
            messages: Vec::new(),
            uuids: Vec::new(),
            log: Arc::new(Mutex::new(log)),
            pending_context: None,
            steer: SteerInbox::default(),
            context: context::ContextState {
                pending_stamp: Some(first_stamp),
                ..context::ContextState::default()
            },
            mcp_frozen: false,
            mcp_told: crate::mcp::Told::default(),
            context_parts: first_blocks,
            subagent: None,
        };
        let hooked = hook_points::session_start(&session, source).await;
        session.context_parts.extend(hooked);
        session.pending_context = Some(first_context(
            &session.context_parts,
            &session.config.catalog,
            &session.frame,
        ));
        session.refresh_context_view();
        session
            .deps
            .events
            .emit(AgentEvent::SessionReady(session.info()));
        context::warn_all(&session.deps.events, warnings);
        Ok(session)
    }

    /// Resumes the session recorded at `path`: the frame and conversation
    /// come from the transcript, not from `config` (whose model, system
    /// prompt and tools are ignored), so the next request continues the
    /// cached prefix exactly. With `fork`, the conversation is copied into a
    /// new transcript under `config.session_id` (whose cost totals start at
    /// zero); otherwise records are
    /// appended to the same file, whose writer's lock is taken before it is
    /// read ([`TranscriptError::Locked`] when a live session holds it). A
    /// tool call left without results by a crash is closed with an error
    /// result first. The todo list, the context stamp, the compacted
    /// context and the cache-health baseline come back from the transcript.
    pub async fn resume(
        config: SessionConfig,
        deps: SessionDeps,
        path: &std::path::Path,
        fork: bool,
    ) -> Result<Self, SessionError> {
        let own_writer = if config.persist && !fork {
            Some(TranscriptWriter::open(path)?)
        } else {
            None
        };
        let restored = restore::restore(path)?;
        for warning in &restored.warnings {
            deps.events.notice(
                rudder_protocol::event::NoticeLevel::Warning,
                warning.clone(),
            );
        }
        let environment = EnvironmentSnapshot::capture(&config.cwd, false).await;
        let identity = LogIdentity {
            session_id: config.session_id.clone(),
            cwd: config.cwd.display().to_string(),
            git_branch: environment.git_branch,
            version: env!("CARGO_PKG_VERSION").to_owned(),
        };
        let target = if fork {
            paths::transcript_path(&config.rudder_home, &config.cwd, &config.session_id)
        } else {
            path.to_owned()
        };
        let writer = match own_writer {
            Some(writer) => Some(writer),
            None if config.persist => Some(TranscriptWriter::open_new(&target)?),
            None => None,
        };
        let mut messages = restored.messages.clone();
        let mut uuids = restored.uuids.clone();
        let mut log = if fork {
            let mut log = SessionLog::new(identity, writer, None);
            log.append_raw(&Record::Frame(frame_record(
                &config.session_id,
                &restored.frame,
            )))?;
            uuids.clear();
            for message in &messages {
                uuids.push(match message.role {
                    rudder_protocol::Role::User => log.append_user(message, None)?,
                    rudder_protocol::Role::Assistant => log.append_replayed_assistant(message)?,
                });
            }
            log
        } else {
            SessionLog::new(identity, writer, restored.last_uuid.clone())
        };
        if !fork {
            // A fork's transcript logs no earlier usage, so its totals start
            // at zero: totals always equal the sum of the transcript's usages.
            for (model, usage) in &restored.usages {
                log.restore_usage(model, usage);
            }
        }
        if fork && let Some(stamp) = &restored.stamp {
            log.append_context(stamp)?;
        }
        if let Some(closing) = restored.dangling_results() {
            uuids.push(log.append_user(&closing, None)?);
            messages.push(closing);
        }
        // Nothing was sent yet: the first prompt's context is built afresh.
        let (first_blocks, pending_stamp, warnings) = if messages.is_empty() {
            let environment = EnvironmentSnapshot::capture(&config.cwd, config.trusted).await;
            let (blocks, stamp, warnings) = context::initial_context(&config, environment);
            (Some(blocks), Some(stamp), warnings)
        } else {
            (None, None, Vec::new())
        };
        let tool_state = SessionToolState::new(config.cwd.clone());
        let facts = restored.facts.with(&messages);
        if let Some(todos) = facts
            .todos
            .and_then(|todos| serde_json::from_value(todos).ok())
            && let Ok(mut slot) = tool_state.todos.lock()
        {
            *slot = todos;
        }
        let mut session = Self {
            tool_state: Arc::new(tool_state),
            checkpoints: checkpoint_store(&config),
            fallbacks: fallback::remaining(&config.fallback_models, &restored.frame.model),
            budget: Arc::new(SubagentBudget::new(config.catalog.limits)),
            config,
            deps,
            frame: restored.frame,
            messages,
            uuids,
            log: Arc::new(Mutex::new(log)),
            pending_context: None,
            steer: SteerInbox::default(),
            context: context::ContextState {
                stamp: restored.stamp,
                pending_stamp,
                facts: restored.facts,
                ..context::ContextState::default()
            },
            mcp_frozen: true,
            mcp_told: crate::mcp::Told::default(),
            context_parts: Vec::new(),
            subagent: None,
        };
        session.mark_frame_mcp_tools_known();
        let hook_context = hook_points::session_start(&session, SessionStartSource::Resume).await;
        session.pending_context = match (first_blocks, hook_context) {
            (Some(mut blocks), hook) => {
                blocks.extend(hook);
                Some(prompt::system_reminder(&blocks.join("\n\n")))
            }
            (None, Some(hook)) => Some(prompt::system_reminder(&hook)),
            (None, None) => None,
        };
        if let Some((index, usage)) = &restored.last_response {
            session.seed_from_transcript(*index, usage);
        }
        session.refresh_context_view();
        session
            .deps
            .events
            .emit(AgentEvent::SessionReady(session.info()));
        context::warn_all(&session.deps.events, warnings);
        Ok(session)
    }

    /// A session assembled by the agent (a subagent's); emits nothing.
    pub(crate) fn from_parts(parts: SessionParts) -> Self {
        Self {
            // A subagent with MCP servers freezes their tools into its own
            // frame at its first request, as a new session does.
            mcp_frozen: parts.deps.mcp.is_none(),
            fallbacks: fallback::remaining(&parts.config.fallback_models, &parts.frame.model),
            tool_state: Arc::new(SessionToolState::new(parts.config.cwd.clone())),
            config: parts.config,
            deps: parts.deps,
            frame: parts.frame,
            messages: Vec::new(),
            uuids: Vec::new(),
            log: Arc::new(Mutex::new(parts.log)),
            pending_context: parts.pending_context,
            checkpoints: parts.checkpoints,
            steer: SteerInbox::default(),
            context: context::ContextState::default(),
            mcp_told: crate::mcp::Told::default(),
            context_parts: Vec::new(),
            subagent: parts.subagent,
            budget: parts.budget,
        }
    }

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
    /// [`SESSION_END_BUDGET`]), kills background shells, ends the MCP
    /// servers (bounded) and flushes the transcript.
    pub async fn shutdown(&mut self) {
        self.end(SessionEndReason::Other).await;
    }

    /// [`Session::shutdown`], telling the SessionEnd hooks why (`clear`,
    /// `prompt_input_exit`, …).
    pub async fn end(&mut self, reason: SessionEndReason) {
        if self.subagent.is_none() {
            hook_points::session_end(self, reason).await;
        }
        self.tool_state.shells.kill_all().await;
        if let Some(mcp) = &self.deps.mcp {
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

/// The session's checkpoint store, when checkpoints are on: under
/// `<rudder_home>/file-history/<session>/`, for the tree at `cwd`, never
/// walking rudder's own home.
fn checkpoint_store(config: &SessionConfig) -> Option<Arc<CheckpointStore>> {
    config.checkpoints.then(|| {
        Arc::new(CheckpointStore::new(
            CheckpointStore::dir_for(&config.rudder_home, &config.session_id),
            config.cwd.clone(),
            vec![config.rudder_home.clone()],
            CheckpointLimits::default(),
        ))
    })
}

/// The first user message's context: `parts` and the catalog's listing of
/// what the frame offers, in one `<system-reminder>` block.
fn first_context(parts: &[String], catalog: &Catalog, frame: &RequestFrame) -> String {
    let mut context = parts.to_vec();
    context.extend(catalog.context_listing(
        agent_tools::offered(&frame.tools, agent_tools::TASK),
        agent_tools::offered(&frame.tools, agent_tools::SKILL),
    ));
    prompt::system_reminder(&context.join("\n\n"))
}

/// The transcript record freezing `frame`.
pub(crate) fn frame_record(session_id: &str, frame: &RequestFrame) -> FrameRecord {
    FrameRecord {
        session_id: session_id.to_owned(),
        uuid: uuid::Uuid::new_v4().to_string(),
        timestamp: now(),
        model: frame.model.clone(),
        max_tokens: frame.max_tokens,
        thinking: frame.thinking.clone(),
        system: frame.system.clone(),
        tools: frame.tools.clone(),
    }
}

/// The frame of a new session: system prompt and the tool definitions
/// (built-in ones, agent-implemented ones, and the fixed MCP tools when
/// MCP servers are configured), sorted by name, minus tools the policy
/// removes.
fn initial_frame(config: &SessionConfig, deps: &SessionDeps) -> RequestFrame {
    let system_text = prompt::system_prompt(&config.system_prompt);
    let system = if system_text.is_empty() {
        Vec::new()
    } else {
        vec![ContentBlock::text(system_text)]
    };
    let mut definitions = deps.tools.definitions();
    definitions.extend(agent_tools::definitions(&config.catalog, true, true));
    if let Some(mcp) = &deps.mcp {
        definitions.extend(mcp.meta_definitions());
    }
    let mut tools: Vec<ToolSpec> = definitions
        .into_iter()
        .filter(|tool| !deps.gate.removes_tool(&tool.name))
        .map(ToolSpec::Custom)
        .collect();
    tools.sort_by(|a, b| a.name().cmp(b.name()));
    RequestFrame {
        model: config.model.clone(),
        max_tokens: config.max_tokens,
        thinking: config.thinking.clone(),
        system,
        tools,
    }
}

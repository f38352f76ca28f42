//! Opening a session: a new one ([`Session::start`]) or one rebuilt from
//! its transcript ([`Session::resume`]), and the frozen request frame they
//! write first.
//!
//! Both open the transcript before anything is sent, so an unwritable
//! location fails here and not after a paid request; the frame and the
//! first message's context are frozen into the transcript, so every later
//! request — and a resumed one — extends the same cached prefix.

use std::sync::{Arc, Mutex};

use rudder_config::hooks::SessionStartSource;
use rudder_protocol::{AgentEvent, ContentBlock, ToolSpec};
use rudder_tools::SessionToolState;

use crate::agent_tools;
use crate::catalog::Catalog;
use crate::checkpoint::{CheckpointLimits, CheckpointStore};
use crate::environment::EnvironmentSnapshot;
use crate::paths;
use crate::prompt::{self};
use crate::request::RequestFrame;
use crate::subagent::SubagentBudget;
use crate::subagent::background::BackgroundAgents;
use crate::transcript::{FrameRecord, Record, TranscriptWriter};

use super::{
    LogIdentity, Session, SessionConfig, SessionDeps, SessionError, SessionLog, SessionParts,
    SteerInbox, context, fallback, hook_points, now, restore,
};

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
            background: BackgroundAgents::default(),
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
            background: BackgroundAgents::default(),
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
            background: BackgroundAgents::default(),
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
pub(super) fn first_context(parts: &[String], catalog: &Catalog, frame: &RequestFrame) -> String {
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

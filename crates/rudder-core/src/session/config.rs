//! What a session is made of before it starts: its configuration (plain
//! data, frozen for the session) and the services it uses. Nothing here
//! does I/O; [`super::Session::start`] and [`super::Session::resume`] turn
//! these into a running session.

use std::path::PathBuf;
use std::sync::Arc;

use rudder_model::ModelClient;
use rudder_model::retry::RetryPolicy;
use rudder_protocol::PermissionMode;
use rudder_protocol::request::ThinkingConfig;
use rudder_tools::ToolLimits;
use rudder_tools::registry::ToolRegistry;

use crate::approvals::PermissionStore;
use crate::catalog::Catalog;
use crate::context::ContextSettings;
use crate::events::EventSink;
use crate::hooks::HookRunner;
use crate::mcp::McpSession;
use crate::permissions::{Approver, PermissionGate};
use crate::prompt::SystemPromptOptions;
use crate::subagent::BackgroundPolicy;
use crate::transcript::TranscriptError;

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
    /// Whether background subagents are stopped when a turn ends or keep
    /// working between turns.
    pub background_subagents: BackgroundPolicy,
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
    Restore(#[from] super::restore::RestoreError),
}

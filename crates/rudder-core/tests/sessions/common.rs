//! A session harness: a private project directory and rudder home, a
//! settable clock, memory files read from the project only, every tool call
//! allowed, and the real Anthropic client pointed at a [`MockServer`].

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use rudder_config::{ConfigPaths, SourceSet};
use rudder_core::compaction::CompactionSettings;
use rudder_core::context::{Clock, ContextSettings, MemorySource};
use rudder_core::hooks::HookRunner;
use rudder_core::permissions::{Approver, CallToCheck, Decision, PermissionGate};
use rudder_core::prompt::SystemPromptOptions;
use rudder_core::session::InitExtras;
use rudder_core::{EventSink, Session, SessionConfig, SessionDeps};
use rudder_model::anthropic::{AnthropicClient, AnthropicConfig, Auth};
use rudder_model::retry::RetryPolicy;
use rudder_protocol::cache::{CacheOrder, cache_order};
use rudder_protocol::permission::{ApprovalDecision, ApprovalRequest, PermissionUpdate};
use rudder_protocol::{AgentEvent, ContentBlock, MessagesRequest, PermissionMode};
use rudder_testkit::MockServer;
use rudder_tools::ToolLimits;
use rudder_tools::registry::ToolRegistry;
use serde_json::Value;
use tempfile::TempDir;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::CancellationToken;

/// Allows every call.
pub struct AllowAll;

impl PermissionGate for AllowAll {
    fn check(&self, _call: CallToCheck<'_>) -> Decision {
        Decision::Allow {
            reason: "test".into(),
        }
    }
    fn apply(&self, _update: &PermissionUpdate) {}
    fn mode(&self) -> PermissionMode {
        PermissionMode::Default
    }
}

/// Never asked (every call is allowed).
pub struct NoOne;

impl Approver for NoOne {
    fn decide<'a>(&'a self, _request: &'a ApprovalRequest) -> BoxFuture<'a, ApprovalDecision> {
        Box::pin(async {
            ApprovalDecision::Deny {
                message: "no one to ask".into(),
                interrupt: false,
            }
        })
    }
}

/// A project directory, a rudder home and a clock.
pub struct Harness {
    _root: TempDir,
    /// The project (the session's cwd), canonical.
    pub cwd: PathBuf,
    /// `RUDDER_HOME`.
    pub home: PathBuf,
    date: Arc<Mutex<String>>,
    /// Context window for the threshold (`None`: the model's).
    pub window: Option<u64>,
    /// Compaction settings.
    pub compaction: CompactionSettings,
}

impl Harness {
    /// Empty directories, date 2026-01-01, default compaction.
    pub fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        let cwd = root.path().join("project");
        let home = root.path().join("home");
        std::fs::create_dir_all(&cwd).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        Self {
            cwd: cwd.canonicalize().unwrap(),
            home,
            _root: root,
            date: Arc::new(Mutex::new("2026-01-01".to_owned())),
            window: None,
            compaction: CompactionSettings::default(),
        }
    }

    /// Sets the clock's date.
    pub fn set_date(&self, date: &str) {
        *self.date.lock().unwrap() = date.to_owned();
    }

    /// Writes `CLAUDE.md` in the project.
    pub fn write_memory(&self, text: &str) {
        std::fs::write(self.cwd.join("CLAUDE.md"), text).unwrap();
    }

    /// A file path in the project, as a string.
    pub fn path(&self, relative: &str) -> String {
        self.cwd.join(relative).display().to_string()
    }

    /// The transcript of `session_id`.
    pub fn transcript(&self, session_id: &str) -> PathBuf {
        rudder_core::paths::transcript_path(&self.home, &self.cwd, session_id)
    }

    /// The configuration of session `session_id`.
    pub fn config(&self, session_id: &str) -> SessionConfig {
        let date = Arc::clone(&self.date);
        let outside = self.home.join("none");
        SessionConfig {
            session_id: session_id.to_owned(),
            cwd: self.cwd.clone(),
            rudder_home: self.home.clone(),
            model: "claude-sonnet-4-5".into(),
            small_model: "claude-haiku-4-5".into(),
            max_tokens: 1000,
            thinking: None,
            system_prompt: SystemPromptOptions::default(),
            max_turns: None,
            max_budget_usd: None,
            cache_breakpoints: true,
            retry: RetryPolicy {
                max_retries: 0,
                ..RetryPolicy::default()
            },
            tool_limits: ToolLimits::default(),
            trusted: false,
            persist: true,
            checkpoints: false,
            permission_mode: PermissionMode::Default,
            child_env: Vec::new(),
            first_message_context: Vec::new(),
            request_sink: None,
            init_extras: InitExtras::default(),
            catalog: Default::default(),
            background_subagents: Default::default(),
            permission_store: None,
            fallback_models: Vec::new(),
            context: ContextSettings {
                memory: Some(MemorySource {
                    paths: ConfigPaths {
                        cwd: self.cwd.clone(),
                        project_root: self.cwd.clone(),
                        home: None,
                        claude_user_dir: None,
                        rudder_user_dir: None,
                        claude_managed_dir: outside.clone(),
                        rudder_managed_dir: outside,
                    },
                    sources: SourceSet::ALL,
                }),
                clock: Clock::from_fn(move || date.lock().unwrap().clone()),
                compaction: self.compaction,
                window: self.window,
            },
        }
    }
}

/// Services for a session talking to `server`, and its event receiver.
pub fn deps(server: &MockServer) -> (SessionDeps, UnboundedReceiver<AgentEvent>) {
    deps_with_tools(server, &["Read", "Write", "Edit", "TodoWrite", "Glob"])
}

/// [`deps`] offering only the built-in tools named in `keep`.
pub fn deps_with_tools(
    server: &MockServer,
    keep: &[&str],
) -> (SessionDeps, UnboundedReceiver<AgentEvent>) {
    let mut tools = ToolRegistry::builtin();
    tools.retain(|name| keep.contains(&name));
    let client = AnthropicClient::new(AnthropicConfig {
        base_url: server.base_url(),
        auth: Auth::ApiKey("test".into()),
        betas: Vec::new(),
        extra_headers: Vec::new(),
        user_agent: "rudder-test".into(),
        proxy: rudder_model::proxy::ProxyConfig::default(),
    })
    .unwrap();
    let (events, receiver) = EventSink::channel();
    (
        SessionDeps {
            client: Arc::new(client),
            tools: Arc::new(tools),
            gate: Arc::new(AllowAll),
            approver: Arc::new(NoOne),
            events,
            hooks: HookRunner::default(),
            mcp: None,
        },
        receiver,
    )
}

/// Runs one turn with a text prompt.
pub async fn turn(session: &mut Session, prompt: &str) -> rudder_protocol::event::TurnOutcome {
    session
        .run_turn(vec![ContentBlock::text(prompt)], &CancellationToken::new())
        .await
}

/// Events received so far.
pub fn drain(receiver: &mut UnboundedReceiver<AgentEvent>) -> Vec<AgentEvent> {
    let mut events = Vec::new();
    while let Ok(event) = receiver.try_recv() {
        events.push(event);
    }
    events
}

/// Whether a recorded request is a compaction summary request.
pub fn is_summary(request: &MessagesRequest) -> bool {
    request.tools.is_empty()
        && request.messages.last().is_some_and(|message| {
            message
                .text()
                .starts_with(rudder_core::compaction::summary::SUMMARY_INSTRUCTION)
        })
}

/// The Messages requests the server received, parsed, in order.
pub fn requests(server: &MockServer) -> Vec<MessagesRequest> {
    server
        .requests()
        .iter()
        .filter(|request| request.path.starts_with("/v1/messages"))
        .map(|request| serde_json::from_slice(&request.body).unwrap())
        .collect()
}

/// The JSON lines of a transcript.
pub fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Asserts that `later` starts with `earlier`'s cache-order bytes up to
/// `earlier`'s last breakpoint.
pub fn assert_extends(earlier: &MessagesRequest, later: &MessagesRequest, what: &str) {
    let (earlier, later): (CacheOrder, CacheOrder) = (cache_order(earlier), cache_order(later));
    let end = earlier.last_breakpoint();
    let common = earlier.common_prefix_len(&later);
    assert!(
        end > 0 && common >= end,
        "{what}: the prefix breaks at byte {common} ({:?}) before the breakpoint at {end}",
        later.location_of(common)
    );
}

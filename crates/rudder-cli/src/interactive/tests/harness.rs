//! The test harness: a [`SessionDriver`] over a real session in a scratch
//! repository, talking to the scripted model server, with the TUI's ends
//! of the event and approval channels.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rudder_config::agents::discover_agents;
use rudder_config::commands::discover_commands;
use rudder_config::settings::{SettingsRequest, load_settings};
use rudder_config::{ConfigPaths, SourceSet};
use rudder_core::approvals::PermissionStore;
use rudder_core::catalog::{Catalog, ModelAliases};
use rudder_core::hooks::HookRunner;
use rudder_core::permissions::PolicyGate;
use rudder_core::prompt::SystemPromptOptions;
use rudder_core::session::InitExtras;
use rudder_core::{EventSink, Session, SessionConfig, SessionDeps};
use rudder_model::anthropic::{AnthropicClient, AnthropicConfig};
use rudder_model::retry::RetryPolicy;
use rudder_policy::PolicyBuilder;
use rudder_policy::rule::RuleSource;
use rudder_protocol::event::TurnOutcome;
use rudder_protocol::permission::{ApprovalDecision, PermissionMode, RuleBehavior};
use rudder_protocol::{AgentEvent, ContentBlock};
use rudder_testkit::{MockServer, Scenario};
use rudder_tools::ToolLimits;
use rudder_tools::registry::ToolRegistry;
use rudder_tui::{ApprovalPrompt, Driver, StatusSnapshot};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::super::approver::TuiApprover;
use super::super::driver::SessionDriver;
use super::super::status::spawn_forwarder;
use crate::setup::InteractiveSetup;

pub(super) const WAIT: Duration = Duration::from_secs(20);

/// A driver over a fresh session in a scratch repository.
pub(super) struct Harness {
    pub(super) _dir: tempfile::TempDir,
    pub(super) repo: PathBuf,
    pub(super) server: MockServer,
    pub(super) driver: SessionDriver,
    pub(super) events: mpsc::UnboundedReceiver<AgentEvent>,
    pub(super) approvals: mpsc::UnboundedReceiver<ApprovalPrompt>,
}

impl Harness {
    /// `turns` is built from the repository path; `mode` and `deny` rules
    /// make the policy.
    pub(super) async fn new(
        turns: impl FnOnce(&Path) -> Value,
        mode: PermissionMode,
        deny: &[&str],
    ) -> Self {
        Self::build(turns, mode, deny, &Project::default()).await
    }

    /// Like [`Harness::new`], in a repository holding `project`'s files.
    pub(super) async fn build(
        turns: impl FnOnce(&Path) -> Value,
        mode: PermissionMode,
        deny: &[&str],
        project: &Project<'_>,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(&repo).unwrap();
        let repo = repo.canonicalize().unwrap();
        let home = dir.path().join("home");
        for (name, content) in project.files {
            let path = if let Some(rest) = name.strip_prefix("~/") {
                home.join(rest)
            } else {
                repo.join(name)
            };
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        let home_text = home.display().to_string();
        let paths =
            ConfigPaths::from_env(&repo, &|name| (name == "HOME").then(|| home_text.clone()));
        let scenario =
            Scenario::from_json_str(&json!({ "turns": turns(&repo) }).to_string()).unwrap();
        let server = MockServer::spawn(scenario).unwrap();
        let env = |name: &str| (name == "ANTHROPIC_API_KEY").then(|| "test-key".to_owned());
        let client = AnthropicClient::new(
            AnthropicConfig::from_env(&env, Some(&server.base_url())).unwrap(),
        )
        .unwrap();
        let (policy, errors) = PolicyBuilder::new(&repo, &home)
            .mode(mode)
            .rules(
                RuleSource::new("test", &repo),
                RuleBehavior::Deny,
                deny.iter().copied(),
            )
            .build();
        assert!(errors.is_empty(), "{errors:?}");
        let (to_tui, events) = mpsc::unbounded_channel();
        let (approvals_tx, approvals) = mpsc::unbounded_channel();
        let (sink, from_sessions) = EventSink::channel();
        let status = Arc::new(Mutex::new(StatusSnapshot::default()));
        spawn_forwarder(from_sessions, to_tui, Arc::clone(&status));
        let deps = SessionDeps {
            client: Arc::new(client),
            tools: Arc::new(ToolRegistry::builtin()),
            gate: Arc::new(PolicyGate::new(policy, None)),
            approver: Arc::new(TuiApprover {
                approvals: approvals_tx,
                events: sink.clone(),
                status: Arc::clone(&status),
            }),
            events: sink,
            hooks: HookRunner::default(),
            mcp: None,
        };
        let config = SessionConfig {
            session_id: uuid::Uuid::new_v4().to_string(),
            cwd: repo.clone(),
            rudder_home: home,
            model: "claude-sonnet-4-5".into(),
            small_model: "claude-haiku-4-5".into(),
            max_tokens: 1000,
            thinking: None,
            system_prompt: SystemPromptOptions::default(),
            max_turns: None,
            max_budget_usd: None,
            cache_breakpoints: true,
            retry: RetryPolicy::default(),
            fallback_models: Vec::new(),
            tool_limits: ToolLimits::default(),
            trusted: false,
            persist: true,
            checkpoints: true,
            permission_mode: mode,
            child_env: Vec::new(),
            first_message_context: Vec::new(),
            request_sink: None,
            init_extras: InitExtras::default(),
            permission_store: Some(PermissionStore::new(
                ConfigPaths::from_env(&repo, &|_| None),
                false,
            )),
            context: rudder_core::context::ContextSettings::default(),
            catalog: Arc::new(catalog(&repo, &paths, project)),
            background_subagents: Default::default(),
        };
        let session = Session::start(config, deps.clone()).await.unwrap();
        let setup = InteractiveSetup {
            memory_files: vec![(repo.join("CLAUDE.md"), "project".into())],
            memory_places: crate::interactive::memory::standard_places(&paths),
            settings: load_settings(&SettingsRequest {
                paths: &paths,
                sources: SourceSet::ALL,
                cli: None,
                trusted: project.trusted,
            }),
            model_aliases: vec![("opus".into(), "claude-opus-4-8".into())],
            status_line: None,
            allow_bypass: false,
        };
        Self {
            driver: SessionDriver::new(session, deps, status, setup, None),
            _dir: dir,
            repo,
            server,
            events,
            approvals,
        }
    }

    /// Waits for the next event `pick` accepts, skipping others.
    pub(super) async fn next<T>(&mut self, mut pick: impl FnMut(AgentEvent) -> Option<T>) -> T {
        tokio::time::timeout(WAIT, async {
            loop {
                let event = self.events.recv().await.expect("the event channel closed");
                if let Some(found) = pick(event) {
                    return found;
                }
            }
        })
        .await
        .expect("the awaited event never came")
    }

    pub(super) async fn turn_end(&mut self) -> TurnOutcome {
        self.next(|event| match event {
            AgentEvent::TurnEnded(outcome) => Some(outcome),
            _ => None,
        })
        .await
    }

    pub(super) async fn answer_approval(&mut self, decision: ApprovalDecision) -> String {
        let (request, reply) = tokio::time::timeout(WAIT, self.approvals.recv())
            .await
            .expect("no approval request came")
            .expect("the approvals channel closed");
        reply.send(decision).unwrap();
        request.tool_name
    }

    pub(super) fn submit(&self, text: &str) {
        self.driver.submit(vec![ContentBlock::text(text)]);
    }

    pub(super) fn path(&self, name: &str) -> PathBuf {
        self.repo.join(name)
    }

    pub(super) fn last_request(&self) -> String {
        let requests = self.server.requests();
        let last = requests.last().expect("a request was sent");
        String::from_utf8_lossy(&last.body).into_owned()
    }
}

/// What a test's repository (and home, for `~/` names) holds besides the
/// `/greet` command, and how it is trusted.
#[derive(Default)]
pub(super) struct Project<'a> {
    /// `(path, content)`: relative to the repository, or `~/…`.
    pub(super) files: &'a [(&'a str, &'a str)],
    /// Whether the folder is trusted (project hooks apply).
    pub(super) trusted: bool,
    /// `--agents` JSON.
    pub(super) cli_agents: Option<&'a str>,
}

/// The repository's custom commands — one, `/greet`, written first — and
/// its subagent types (with the Task tool offered when `project` has
/// files).
fn catalog(repo: &Path, paths: &ConfigPaths, project: &Project<'_>) -> Catalog {
    let commands = repo.join(".claude/commands");
    std::fs::create_dir_all(&commands).unwrap();
    std::fs::write(
        commands.join("greet.md"),
        "---\ndescription: Greet someone\n---\nSay hello to $ARGUMENTS.\n",
    )
    .unwrap();
    Catalog {
        commands: discover_commands(paths, SourceSet::ALL, true),
        agents: discover_agents(paths, SourceSet::ALL, project.cli_agents, project.trusted),
        task_tool: !project.files.is_empty(),
        models: ModelAliases {
            sonnet: "claude-sonnet-4-5".into(),
            opus: "claude-opus-4-8".into(),
            haiku: "claude-haiku-4-5".into(),
            subagent_default: None,
        },
        ..Catalog::default()
    }
}

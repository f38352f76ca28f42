//! Steering, checkpoints, rewind, model switch and `!command` through a
//! real [`Session`] against the scripted model server: what a person at
//! the terminal would notice (files back byte for byte, the model seeing
//! or not seeing a message, a resumed session continuing where it was).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::future::BoxFuture;
use rudder_core::hooks::HookRunner;
use rudder_core::permissions::{Approver, PolicyGate};
use rudder_core::prompt::SystemPromptOptions;
use rudder_core::session::{InitExtras, RewindScope, ShellError};
use rudder_core::{EventSink, Session, SessionConfig, SessionDeps, paths};
use rudder_model::anthropic::{AnthropicClient, AnthropicConfig};
use rudder_model::retry::RetryPolicy;
use rudder_policy::PolicyBuilder;
use rudder_policy::rule::RuleSource;
use rudder_protocol::event::TurnStop;
use rudder_protocol::permission::{ApprovalDecision, ApprovalRequest, RuleBehavior};
use rudder_protocol::{ContentBlock, MessagesRequest, PermissionMode};
use rudder_testkit::{MockServer, Scenario};
use rudder_tools::ToolLimits;
use rudder_tools::registry::ToolRegistry;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

struct Denier;

impl Approver for Denier {
    fn decide<'a>(&'a self, _request: &'a ApprovalRequest) -> BoxFuture<'a, ApprovalDecision> {
        Box::pin(async {
            ApprovalDecision::Deny {
                message: "no".into(),
                interrupt: false,
            }
        })
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    repo: PathBuf,
    home: PathBuf,
    server: MockServer,
}

impl Fixture {
    fn new(turns: Value) -> Self {
        Self::with(|_| turns)
    }

    /// A fixture whose scenario is built from the repository's path.
    fn with(turns: impl FnOnce(&Path) -> Value) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(&repo).unwrap();
        let repo = repo.canonicalize().unwrap();
        let home = dir.path().join("home");
        let turns = turns(&repo);
        let scenario = Scenario::from_json_str(&json!({ "turns": turns }).to_string()).unwrap();
        Self {
            server: MockServer::spawn(scenario).unwrap(),
            _dir: dir,
            repo,
            home,
        }
    }

    fn config(&self, session_id: &str) -> SessionConfig {
        SessionConfig {
            session_id: session_id.to_owned(),
            cwd: self.repo.clone(),
            rudder_home: self.home.clone(),
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
            permission_mode: PermissionMode::BypassPermissions,
            child_env: Vec::new(),
            first_message_context: Vec::new(),
            request_sink: None,
            init_extras: InitExtras::default(),
            permission_store: None,
            context: rudder_core::context::ContextSettings::default(),
            catalog: Default::default(),
            background_subagents: Default::default(),
        }
    }

    fn deps(&self, deny: &[&str]) -> SessionDeps {
        let env = |name: &str| (name == "ANTHROPIC_API_KEY").then(|| "test-key".to_owned());
        let config = AnthropicConfig::from_env(&env, Some(&self.server.base_url())).unwrap();
        let (policy, errors) = PolicyBuilder::new(&self.repo, &self.home)
            .mode(PermissionMode::BypassPermissions)
            .rules(
                RuleSource::new("test", &self.repo),
                RuleBehavior::Deny,
                deny.iter().copied(),
            )
            .build();
        assert!(errors.is_empty(), "{errors:?}");
        SessionDeps {
            client: Arc::new(AnthropicClient::new(config).unwrap()),
            tools: Arc::new(ToolRegistry::builtin()),
            gate: Arc::new(PolicyGate::new(policy, None)),
            approver: Arc::new(Denier),
            events: EventSink::discard(),
            hooks: HookRunner::default(),
            mcp: None,
        }
    }

    async fn start(&self) -> Session {
        Session::start(
            self.config("11111111-1111-4111-8111-111111111111"),
            self.deps(&[]),
        )
        .await
        .unwrap()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.repo.join(name)
    }

    fn requests(&self) -> Vec<MessagesRequest> {
        self.server
            .requests()
            .iter()
            .filter(|request| request.path.starts_with("/v1/messages"))
            .map(|request| serde_json::from_slice(&request.body).unwrap())
            .collect()
    }
}

fn text_of(request: &MessagesRequest) -> String {
    serde_json::to_string(&request.messages).unwrap()
}

async fn turn(session: &mut Session, prompt: &str) -> TurnStop {
    session
        .run_turn(vec![ContentBlock::text(prompt)], &CancellationToken::new())
        .await
        .stop
}

fn uuid_of(session: &Session, preview: &str) -> String {
    session
        .rewind_points()
        .into_iter()
        .find(|point| point.preview == preview)
        .unwrap_or_else(|| panic!("no rewind point {preview:?}: {:?}", session.rewind_points()))
        .uuid
}

#[tokio::test]
async fn a_steered_message_reaches_the_model_after_the_next_tool_results() {
    let fixture = Fixture::new(json!([
        {"when": "list files", "content": [{"type": "tool_use", "name": "Bash", "input": {"command": "ls"}}]},
        {"when": "only python files", "content": [{"type": "text", "text": "Only python: none."}]}
    ]));
    let mut session = fixture.start().await;
    session
        .steer_inbox()
        .push(vec![ContentBlock::text("only python files please")]);
    assert_eq!(turn(&mut session, "list files").await, TurnStop::Completed);

    let requests = fixture.requests();
    assert_eq!(requests.len(), 2);
    assert!(!text_of(&requests[0]).contains("only python files"));
    let last = requests[1].messages.last().unwrap();
    assert!(
        matches!(last.content.first(), Some(ContentBlock::ToolResult { .. })),
        "the tool result comes first: {last:?}"
    );
    assert!(
        matches!(last.content.last(), Some(ContentBlock::Text { text, .. }) if text == "only python files please")
    );
    assert!(session.steer_inbox().is_empty());
}

#[tokio::test]
async fn a_steered_message_without_a_tool_boundary_stays_for_the_front_end() {
    let fixture = Fixture::new(json!([{"content": [{"type": "text", "text": "Hello."}]}]));
    let mut session = fixture.start().await;
    session
        .steer_inbox()
        .push(vec![ContentBlock::text("later")]);
    turn(&mut session, "hi").await;
    assert!(!text_of(&fixture.requests()[0]).contains("later"));
    assert_eq!(session.steer_inbox().take().len(), 1);
}

#[tokio::test]
async fn rewinding_code_restores_files_changed_by_write_and_bash() {
    let fixture = Fixture::with(|repo| {
        json!([
            {"when": "change things", "content": [
                {"type": "tool_use", "name": "Write", "input": {"file_path": repo.join("new.txt"), "content": "brand new\n"}},
                {"type": "tool_use", "name": "Bash", "input": {"command": "printf 'changed' > old.txt && rm gone.txt"}}
            ]},
            {"content": [{"type": "text", "text": "Done."}]}
        ])
    });
    let old = b"old content\r\nwith \xff bytes".to_vec();
    std::fs::write(fixture.path("old.txt"), &old).unwrap();
    std::fs::write(fixture.path("gone.txt"), "keep me").unwrap();
    let mut session = fixture.start().await;
    assert_eq!(
        turn(&mut session, "change things").await,
        TurnStop::Completed
    );
    assert_eq!(std::fs::read(fixture.path("old.txt")).unwrap(), b"changed");
    assert!(fixture.path("new.txt").exists());
    assert!(!fixture.path("gone.txt").exists());

    let uuid = uuid_of(&session, "change things");
    let point = session.rewind_points().pop().unwrap();
    assert_eq!(point.files.len(), 3, "{point:?}");
    let outcome = session.rewind(&uuid, RewindScope::Code).unwrap();
    let report = outcome.files.unwrap();
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(std::fs::read(fixture.path("old.txt")).unwrap(), old);
    assert_eq!(
        std::fs::read_to_string(fixture.path("gone.txt")).unwrap(),
        "keep me"
    );
    assert!(!fixture.path("new.txt").exists());
    // Code only: the conversation still holds the turn.
    assert_eq!(session.messages().len(), 4);
}

#[tokio::test]
async fn a_conversation_rewind_is_appended_and_resume_honours_it() {
    let fixture = Fixture::new(json!([
        {"when": "first", "content": [{"type": "text", "text": "One."}]},
        {"when": "second", "content": [{"type": "text", "text": "Two."}]},
        {"when": "third", "content": [{"type": "text", "text": "Three."}]}
    ]));
    let id = "22222222-2222-4222-8222-222222222222";
    let mut session = Session::start(fixture.config(id), fixture.deps(&[]))
        .await
        .unwrap();
    turn(&mut session, "first").await;
    turn(&mut session, "second").await;
    let transcript = paths::transcript_path(&fixture.home, &fixture.repo, id);
    let before = std::fs::read(&transcript).unwrap();

    let second = uuid_of(&session, "second");
    let outcome = session.rewind(&second, RewindScope::Conversation).unwrap();
    assert_eq!(outcome.prompt.as_deref(), Some("second"));
    assert_eq!(outcome.dropped_messages, 2);
    assert!(outcome.files.is_none());
    turn(&mut session, "third").await;
    let requests = fixture.requests();
    let last = text_of(requests.last().unwrap());
    assert!(last.contains("first") && last.contains("third"), "{last}");
    assert!(
        !last.contains("second"),
        "the rewound message was sent: {last}"
    );

    let after = std::fs::read(&transcript).unwrap();
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "the transcript was rewritten"
    );
    let live = session.messages().to_vec();
    session.shutdown().await;
    // One writer per transcript: the first session lets go before a resume.
    drop(session);
    let resumed = Session::resume(fixture.config(id), fixture.deps(&[]), &transcript, false)
        .await
        .unwrap();
    assert_eq!(resumed.messages(), live.as_slice());
}

#[tokio::test]
async fn rewinding_to_the_first_message_sends_the_session_context_again() {
    let fixture = Fixture::new(json!([
        {"when": "first", "content": [{"type": "text", "text": "One."}]},
        {"when": "again", "content": [{"type": "text", "text": "Again."}]}
    ]));
    let mut config = fixture.config("33333333-3333-4333-8333-333333333333");
    config.first_message_context = vec!["MEMORY: use tabs".into()];
    let mut session = Session::start(config, fixture.deps(&[])).await.unwrap();
    turn(&mut session, "first").await;
    let first = uuid_of(&session, "first");
    session.rewind(&first, RewindScope::Both).unwrap();
    assert!(session.messages().is_empty());
    turn(&mut session, "again").await;
    let requests = fixture.requests();
    assert!(text_of(&requests[1]).contains("MEMORY: use tabs"));
    assert!(!text_of(&requests[1]).contains("first"));
}

#[tokio::test]
async fn switching_the_model_changes_the_next_request_and_survives_resume() {
    let fixture = Fixture::new(json!([
        {"when": "one", "content": [{"type": "text", "text": "1"}]},
        {"when": "two", "content": [{"type": "text", "text": "2"}]}
    ]));
    let id = "44444444-4444-4444-8444-444444444444";
    let mut session = Session::start(fixture.config(id), fixture.deps(&[]))
        .await
        .unwrap();
    turn(&mut session, "one").await;
    session.switch_model("claude-opus-4-8").unwrap();
    turn(&mut session, "two").await;
    let requests = fixture.requests();
    assert_eq!(requests[0].model, "claude-sonnet-4-5");
    assert_eq!(requests[1].model, "claude-opus-4-8");
    drop(session);
    let transcript = paths::transcript_path(&fixture.home, &fixture.repo, id);
    let resumed = Session::resume(fixture.config(id), fixture.deps(&[]), &transcript, false)
        .await
        .unwrap();
    assert_eq!(resumed.frame().model, "claude-opus-4-8");
}

#[tokio::test]
async fn a_shell_command_runs_is_recorded_and_can_be_rewound_but_deny_rules_hold() {
    let fixture = Fixture::new(json!([{"content": [{"type": "text", "text": "Seen."}]}]));
    let mut session = Session::start(
        fixture.config("55555555-5555-4555-8555-555555555555"),
        fixture.deps(&["Bash(rm:*)"]),
    )
    .await
    .unwrap();
    let cancel = CancellationToken::new();
    let run = session
        .run_shell("echo made > out.txt && echo hello", &cancel)
        .await
        .unwrap();
    assert!(!run.is_error);
    assert!(run.output.contains("hello"), "{}", run.output);
    assert!(fixture.path("out.txt").exists());
    let denied = session.run_shell("rm out.txt", &cancel).await;
    assert!(matches!(denied, Err(ShellError::Denied(_))), "{denied:?}");
    assert!(fixture.path("out.txt").exists());

    turn(&mut session, "what did I run?").await;
    let sent = text_of(&fixture.requests()[0]);
    assert!(
        sent.contains("<bash-input>echo made > out.txt && echo hello</bash-input>"),
        "{sent}"
    );

    let uuid = uuid_of(&session, "!echo made > out.txt && echo hello");
    session.rewind(&uuid, RewindScope::Code).unwrap();
    assert!(!fixture.path("out.txt").exists());
}

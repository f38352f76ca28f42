//! [`SessionDriver`]: the TUI's [`Driver`] over a real [`Session`].
//!
//! A turn runs in its own task holding the session's async lock, with its
//! own [`CancellationToken`] (Esc cancels it; what was done stays in the
//! transcript). Steered messages go to the session's [`SteerInbox`] and
//! reach the model at the next tool boundary; what the turn did not
//! deliver starts the next turn right away (or, after an interrupt, is
//! shown as not delivered). The permission mode is applied to the gate at
//! once; status snapshots come from the shared [`SharedStatus`] kept
//! current by the event forwarder, so `status()` never waits on a turn.
//! Commands (`/model`, `/rewind`, `!cmd` …) live in `commands.rs`; a
//! prompt starting with `/init` becomes its survey prompt (`init.rs`) in
//! the turn task.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use futures::future::BoxFuture;
use rudder_config::hooks::SessionEndReason;
use rudder_core::permissions::PermissionGate;
use rudder_core::session::{ContextView, SteerInbox};
use rudder_core::{EventSink, Session, SessionDeps};
use rudder_protocol::event::{NoticeLevel, TurnStop};
use rudder_protocol::permission::{PermissionMode, PermissionUpdate, UpdateDestination};
use rudder_protocol::{ContentBlock, Message, Role};
use rudder_tui::{
    CommandError, ContextPart, Driver, DriverCommand, ImageError, McpServerChoice, MemoryChoice,
    RewindChoice, StatusSnapshot,
};
use tokio_util::sync::CancellationToken;

use super::mcp_approval::ProjectServers;
use super::status::{SharedStatus, lock};
use crate::setup::InteractiveSetup;

/// The turn in flight, as the sync side of the driver sees it.
#[derive(Debug, Default)]
struct TurnState {
    /// Cancels the running turn (or command).
    cancel: CancellationToken,
    /// A turn was submitted and has not finished.
    running: bool,
    /// The current session's steering inbox.
    inbox: SteerInbox,
    /// The current session's context numbers (for `/context`).
    context: ContextView,
}

/// Shared by the driver and its turn tasks.
pub(super) struct Inner {
    /// The session; a turn or command holds the lock while it runs.
    pub(super) session: tokio::sync::Mutex<Session>,
    /// What new sessions (`/clear`, `/resume`) are built with.
    pub(super) deps: SessionDeps,
    /// The session's permission policy (also in `deps`).
    pub(super) gate: Arc<dyn PermissionGate>,
    /// The status the TUI reads.
    pub(super) status: SharedStatus,
    /// Interactive-only settings.
    pub(super) setup: InteractiveSetup,
    /// Project MCP servers the start-up dialog asks about.
    project_servers: Option<ProjectServers>,
    turn: Mutex<TurnState>,
}

impl Inner {
    fn turn(&self) -> MutexGuard<'_, TurnState> {
        self.turn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The events of the sessions (notices from commands go here too).
    pub(super) fn events(&self) -> &EventSink {
        &self.deps.events
    }

    /// A fresh token for a command, cancelled by `interrupt`.
    pub(super) fn command_token(&self) -> CancellationToken {
        let token = CancellationToken::new();
        self.turn().cancel = token.clone();
        token
    }

    /// Points steering at `session`'s inbox (after `/clear`, `/resume`).
    pub(super) fn adopt(&self, session: &Session) {
        let mut turn = self.turn();
        turn.inbox = session.steer_inbox();
        turn.context = session.context_view();
    }

    /// Runs `prompt` as a turn — a slash command when it starts with one
    /// ([`Session::submit`]) — then any steered message the turn did not
    /// deliver as the next one.
    async fn run_turns(self: Arc<Self>, mut prompt: Vec<ContentBlock>) {
        let mut session = self.session.lock().await;
        if let Some(expanded) = super::init::expand(&prompt, &session.config().cwd) {
            prompt = expanded;
        }
        loop {
            let cancel = CancellationToken::new();
            self.turn().cancel = cancel.clone();
            let outcome = session.submit(prompt, &cancel).await;
            let left = {
                let mut turn = self.turn();
                let left = turn.inbox.take();
                let interrupted = matches!(outcome.stop, TurnStop::Interrupted);
                if left.is_empty() || interrupted {
                    turn.running = false;
                }
                if interrupted && !left.is_empty() {
                    let text = Message::new(Role::User, left.concat()).text();
                    self.events().notice(
                        NoticeLevel::Warning,
                        format!("Not delivered (the turn was interrupted): {text}"),
                    );
                    return;
                }
                left
            };
            if left.is_empty() {
                return;
            }
            prompt = left.concat();
        }
    }
}

/// The TUI's driver over a session.
#[derive(Clone)]
pub struct SessionDriver {
    pub(super) inner: Arc<Inner>,
}

impl SessionDriver {
    /// A driver over `session`, built with `deps` (whose gate is the
    /// session's). `status` is the snapshot the event forwarder keeps;
    /// `project_servers` answers the MCP server dialog (`None`: nothing to
    /// ask).
    pub fn new(
        session: Session,
        deps: SessionDeps,
        status: SharedStatus,
        setup: InteractiveSetup,
        project_servers: Option<ProjectServers>,
    ) -> Self {
        let turn = TurnState {
            inbox: session.steer_inbox(),
            context: session.context_view(),
            ..TurnState::default()
        };
        Self {
            inner: Arc::new(Inner {
                session: tokio::sync::Mutex::new(session),
                gate: Arc::clone(&deps.gate),
                deps,
                status,
                setup,
                project_servers,
                turn: Mutex::new(turn),
            }),
        }
    }

    /// Interrupts what runs, waits for it, and ends the session (SessionEnd
    /// hooks with reason `prompt_input_exit`, background shells killed,
    /// transcript flushed).
    pub async fn shutdown(&self) {
        self.interrupt();
        self.inner
            .session
            .lock()
            .await
            .end(SessionEndReason::PromptInputExit)
            .await;
    }
}

impl Driver for SessionDriver {
    fn submit(&self, prompt: Vec<ContentBlock>) {
        self.inner.turn().running = true;
        tokio::spawn(Arc::clone(&self.inner).run_turns(prompt));
    }

    fn steer(&self, prompt: Vec<ContentBlock>) {
        {
            let turn = self.inner.turn();
            if turn.running {
                turn.inbox.push(prompt);
                return;
            }
        }
        self.submit(prompt);
    }

    fn interrupt(&self) {
        self.inner.turn().cancel.cancel();
    }

    fn set_permission_mode(&self, mode: PermissionMode) -> Result<(), String> {
        if mode == PermissionMode::BypassPermissions {
            if !self.inner.setup.allow_bypass {
                return Err("bypassPermissions is off; start rudder with --allow-dangerously-skip-permissions to reach it".to_owned());
            }
            let forced = std::env::var("IS_SANDBOX").as_deref() == Ok("1");
            rudder_policy::bypass_allowed(rudder_policy::running_as_root(), false, forced)?;
        }
        self.inner.gate.apply(&PermissionUpdate::SetMode {
            mode,
            destination: UpdateDestination::Session,
        });
        lock(&self.inner.status).permission_mode = mode;
        Ok(())
    }

    fn command<'a>(
        &'a self,
        command: DriverCommand,
    ) -> BoxFuture<'a, Result<String, CommandError>> {
        Box::pin(super::commands::run(&self.inner, command))
    }

    fn rewind_points<'a>(&'a self) -> BoxFuture<'a, Result<Vec<RewindChoice>, CommandError>> {
        Box::pin(async move {
            let session = self.inner.session.lock().await;
            let cwd = session.config().cwd.clone();
            Ok(super::rewind::choices(&session.rewind_points(), &cwd))
        })
    }

    fn memory_files(&self) -> Vec<MemoryChoice> {
        super::memory::choices(
            &self.inner.setup.memory_places,
            &self.inner.setup.memory_files,
        )
    }

    fn load_image<'a>(&'a self, path: PathBuf) -> BoxFuture<'a, Result<ContentBlock, ImageError>> {
        let cwd = PathBuf::from(&lock(&self.inner.status).cwd);
        let home = std::env::var_os("HOME").map(PathBuf::from);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || super::images::load(&path, &cwd, home.as_deref()))
                .await
                .unwrap_or_else(|error| Err(ImageError::Refused(error.to_string())))
        })
    }

    fn image_from_clipboard(&self, bytes: Vec<u8>) -> Result<ContentBlock, ImageError> {
        super::images::from_clipboard(&bytes)
    }

    fn choose_mcp_server(&self, server: &str, choice: McpServerChoice) {
        if let Some(servers) = &self.inner.project_servers {
            servers.choose(server, choice, self.inner.events());
        }
    }

    fn status(&self) -> StatusSnapshot {
        let context = self.inner.turn().context.get();
        let mut status = lock(&self.inner.status).clone();
        status.context_window = context.window;
        status.context_parts = context
            .parts
            .into_iter()
            .map(|part| ContextPart {
                name: part.name,
                tokens: part.tokens,
            })
            .collect();
        status
    }
}

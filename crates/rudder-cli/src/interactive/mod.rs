//! The interactive front end: `rudder` without `-p` (a positional prompt
//! seeds it).
//!
//! Order: the folder trust question (`trust.rs`) comes first, before any
//! project setting is read; then the session picker for `--resume` without
//! an id; then the setup every front end shares, the session, the
//! [`SessionDriver`] and the TUI (`rudder_tui::run`), which opens with the
//! dialog about project MCP servers no setting decides
//! (`mcp_approval.rs`). Agent events pass
//! through a forwarder that keeps the status snapshot current
//! (`status.rs`); approval requests reach the TUI through
//! [`approver::TuiApprover`]. Built-in commands are in `commands.rs`
//! (listings in `listings.rs`, `memory.rs`, `doctor.rs`, `rewind.rs`),
//! `/init`'s prompt in `init.rs`, pasted images in `images.rs`.

pub mod approver;
mod commands;
mod doctor;
pub mod driver;
mod images;
mod init;
mod listings;
pub mod mcp_approval;
pub mod memory;
mod rewind;
pub mod sessions;
pub mod status;
#[cfg(test)]
mod tests;
pub mod trust;

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use rudder_core::{EventSink, Session, SessionDeps};
use rudder_protocol::AgentEvent;
use rudder_protocol::event::NoticeLevel;
use rudder_tui::{Choice, CustomCommand, StatusLineCommand, StatusSnapshot, TuiOptions, choose};
use tokio::sync::mpsc;

use crate::args::Args;
use crate::exit::Exit;
use crate::setup::{Setup, Start};
use approver::TuiApprover;
use driver::SessionDriver;
use mcp_approval::ProjectServers;
use trust::TrustAnswer;

/// Prompt history file under the rudder home (one JSON string per line).
const HISTORY_FILE: &str = "prompt-history.jsonl";

/// Runs the interactive UI until the person leaves; returns the exit status.
pub async fn run(mut args: Args) -> Exit {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        eprintln!("rudder: {}", rudder_tui::TuiError::NotATerminal);
        return Exit::Usage;
    }
    match trust::ask_if_needed(&args).await {
        Ok(TrustAnswer::Cancelled) => return Exit::Success,
        Ok(_) => {}
        Err(message) => {
            eprintln!("rudder: {message}");
            return Exit::Failure;
        }
    }
    if args.resume.as_deref() == Some("") {
        match pick_session().await {
            Ok(Some(id)) => args.resume = Some(id),
            Ok(None) => return Exit::Success,
            Err(message) => {
                eprintln!("rudder: {message}");
                return Exit::Failure;
            }
        }
    }
    let mut setup = match Setup::from_args(&args).await {
        Ok(setup) => setup,
        Err(error) => {
            eprintln!("rudder: {error}");
            return error.exit();
        }
    };
    let (to_tui, tui_events) = mpsc::unbounded_channel();
    for notice in &setup.notices {
        let _ = to_tui.send(AgentEvent::Notice {
            level: NoticeLevel::Warning,
            message: notice.clone(),
        });
    }
    let (approvals, approval_requests) = mpsc::unbounded_channel();
    let (events, from_sessions) = EventSink::channel();
    let status = Arc::new(Mutex::new(initial_status(&setup)));
    let forwarder = status::spawn_forwarder(from_sessions, to_tui, Arc::clone(&status));
    let awaiting = std::mem::take(&mut setup.mcp.awaiting_approval);
    let mcp = match setup.mcp.start(Arc::clone(&setup.gate)) {
        Ok(mcp) => mcp,
        Err(error) => {
            eprintln!("rudder: cannot start MCP servers: {error}");
            return Exit::Failure;
        }
    };
    let deps = SessionDeps {
        client: setup.client,
        tools: setup.tools,
        gate: setup.gate,
        approver: Arc::new(TuiApprover {
            approvals,
            events: events.clone(),
            status: Arc::clone(&status),
        }),
        events,
        hooks: setup.hooks,
        mcp: mcp.clone(),
    };
    let project_servers = (!awaiting.is_empty()).then(|| {
        ProjectServers::new(
            awaiting,
            setup.config_paths.clone(),
            mcp.as_ref().map(|mcp| Arc::clone(mcp.manager())),
        )
    });
    let options = TuiOptions {
        project_dir: setup.config.cwd.clone(),
        history_path: Some(setup.config.rudder_home.join(HISTORY_FILE)),
        allow_bypass: setup.interactive.allow_bypass,
        status_line: setup
            .interactive
            .status_line
            .clone()
            .map(|command| StatusLineCommand { command }),
        initial_prompt: args
            .prompt
            .clone()
            .filter(|prompt| !prompt.trim().is_empty()),
        custom_commands: rudder_core::commands::command_infos(&setup.config.catalog)
            .into_iter()
            .map(|command| CustomCommand {
                name: command.name,
                description: command.description,
            })
            .collect(),
        editor: editor_command(),
        mcp_servers_to_approve: project_servers
            .as_ref()
            .map(ProjectServers::questions)
            .unwrap_or_default(),
        ..TuiOptions::default()
    };
    let started = match setup.start {
        Start::New => Session::start(setup.config, deps.clone()).await,
        Start::Resume { path, fork } => {
            Session::resume(setup.config, deps.clone(), &path, fork).await
        }
    };
    let session = match started {
        Ok(session) => session,
        Err(error) => {
            eprintln!("rudder: {error}");
            if let Some(mcp) = &mcp {
                mcp.shutdown().await;
            }
            return Exit::Failure;
        }
    };
    let mcp_refresh = mcp
        .clone()
        .map(|mcp| refresh_mcp_status(mcp, Arc::clone(&status)));
    let driver = SessionDriver::new(session, deps, status, setup.interactive, project_servers);
    let result = rudder_tui::run(
        Arc::new(driver.clone()),
        tui_events,
        approval_requests,
        options,
    )
    .await;
    driver.shutdown().await;
    forwarder.abort();
    if let Some(task) = mcp_refresh {
        task.abort();
    }
    match result {
        Ok(()) => Exit::Success,
        Err(error) => {
            eprintln!("rudder: {error}");
            Exit::Failure
        }
    }
}

/// Keeps the MCP server statuses of the snapshot (`/mcp`, `/status`)
/// current: servers connect and fail after the session reported itself.
fn refresh_mcp_status(
    mcp: rudder_core::mcp::McpSession,
    status: status::SharedStatus,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let servers = mcp.manager().mcp_servers();
            status::lock(&status).mcp_servers = servers;
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    })
}

/// The editor `/memory` opens files in: `$VISUAL`, else `$EDITOR` (as git
/// and Claude Code read them); `None` when neither is set.
fn editor_command() -> Option<String> {
    ["VISUAL", "EDITOR"]
        .into_iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.trim().is_empty())
}

/// The snapshot before the session reports itself.
fn initial_status(setup: &Setup) -> StatusSnapshot {
    let config = &setup.config;
    StatusSnapshot {
        session_id: config.session_id.clone(),
        cwd: config.cwd.display().to_string(),
        project_dir: config.cwd.display().to_string(),
        model: config.model.clone(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        output_style: "default".to_owned(),
        permission_mode: config.permission_mode,
        context_window: rudder_model::pricing::context_window(&config.model),
        ..StatusSnapshot::default()
    }
}

/// `--resume` without an id: asks which of this directory's sessions to
/// continue. `None`: the person cancelled.
async fn pick_session() -> Result<Option<String>, String> {
    let process = |name: &str| std::env::var(name).ok();
    let cwd = std::env::current_dir()
        .and_then(|dir| dir.canonicalize())
        .map_err(|error| format!("cannot resolve the working directory: {error}"))?;
    let home = rudder_core::paths::rudder_home(&process)
        .ok_or_else(|| "neither RUDDER_HOME nor HOME is set".to_owned())?;
    let stored = sessions::list(&home, &cwd);
    if stored.is_empty() {
        return Err(format!(
            "no earlier sessions in {} to resume",
            cwd.display()
        ));
    }
    let now = SystemTime::now();
    let choice = Choice {
        title: "Resume which session?".to_owned(),
        body: vec![format!(
            "{} (newest first, at most {})",
            cwd.display(),
            sessions::MAX_LISTED
        )],
        options: stored
            .iter()
            .map(|found| found.describe(now, 100))
            .collect(),
        default: 0,
    };
    let answer = tokio::task::spawn_blocking(move || choose(&choice))
        .await
        .map_err(|error| format!("the session picker failed: {error}"))?
        .map_err(|error| error.to_string())?;
    Ok(answer.and_then(|index| stored.get(index).map(|found| found.id.clone())))
}

//! The built-in commands the TUI hands to the driver
//! (CLAUDE-CODE-INTERFACE.md §8): `/clear`, `/compact`, `/model`, `/resume`,
//! `/rewind`, `!command`, `/permissions`, `/memory` (the listing, when no
//! editor is set), `/hooks`, `/config`, `/agents`, `/doctor`. `/status`,
//! `/cost`, `/todos`, `/context`, `/mcp`, `/help` and `/exit` are answered
//! by the TUI from the status snapshot (`/context` with the session's
//! breakdown); `/init` is a turn (`init.rs`). An unknown name answers
//! [`CommandError::Unsupported`].
//!
//! The TUI sends a command only while no turn runs, so each one takes the
//! session lock without waiting.

use std::time::SystemTime;

use rudder_config::hooks::{SessionEndReason, SessionStartSource};
use rudder_core::Session;
use rudder_core::session::SessionConfig;
use rudder_tui::{CommandError, DriverCommand};

use super::driver::Inner;
use super::status::lock;
use super::{doctor, listings, memory, rewind, sessions};

/// Runs one command; returns the text to show.
pub(super) async fn run(inner: &Inner, command: DriverCommand) -> Result<String, CommandError> {
    match command {
        DriverCommand::Clear => clear(inner).await,
        DriverCommand::Model { model } => model_command(inner, model).await,
        DriverCommand::Resume { session } => resume(inner, session).await,
        DriverCommand::Rewind { target } => rewind_command(inner, target).await,
        DriverCommand::Shell { command } => shell(inner, &command).await,
        DriverCommand::Other { name, .. } => match name.as_str() {
            "permissions" => Ok(permissions(inner)),
            "memory" => Ok(memory::listing(&inner.setup.memory_files)),
            "hooks" => Ok(listings::hooks(&inner.setup.settings)),
            "config" => Ok(listings::config(&inner.setup.settings)),
            "agents" => {
                let session = inner.session.lock().await;
                Ok(listings::agents(
                    &session.config().catalog,
                    &session.frame().model,
                ))
            }
            "doctor" => Ok(doctor::report(inner).await),
            _ => Err(CommandError::Unsupported),
        },
        DriverCommand::Compact { instructions } => compact(inner, instructions).await,
    }
}

fn failed(error: impl ToString) -> CommandError {
    CommandError::Failed(error.to_string())
}

/// Replaces the running session with `next` (the old one is shut down
/// first) and resets the status totals to the new session's.
async fn replace(
    inner: &Inner,
    session: &mut Session,
    reason: SessionEndReason,
    next: impl std::future::Future<Output = Result<Session, rudder_core::SessionError>>,
) -> Result<(), CommandError> {
    session.end(reason).await;
    let next = next.await.map_err(failed)?;
    *session = next;
    inner.adopt(session);
    let (usage, cost) = session.totals();
    let mut status = lock(&inner.status);
    status.total_usage = usage;
    status.total_cost_usd = cost;
    status.last_usage = None;
    status.total_duration_ms = 0;
    status.total_api_duration_ms = 0;
    status.lines_added = 0;
    status.lines_removed = 0;
    Ok(())
}

/// A copy of `config` for another session id.
fn config_for(config: &SessionConfig, session_id: String) -> SessionConfig {
    SessionConfig {
        session_id,
        ..config.clone()
    }
}

/// `/clear`: a new, empty session (the old one stays on disk).
async fn clear(inner: &Inner) -> Result<String, CommandError> {
    let mut session = inner.session.lock().await;
    let old = session.info().session_id;
    let config = config_for(session.config(), uuid::Uuid::new_v4().to_string());
    let next = Session::start_from(config, inner.deps.clone(), SessionStartSource::Clear);
    replace(inner, &mut session, SessionEndReason::Clear, next).await?;
    Ok(format!(
        "Started a new conversation. The previous one ({old}) is saved; /resume lists it."
    ))
}

/// `/compact [instructions]`: replaces the conversation, but for its last
/// turns, with a summary (`rudder_core::compaction`); a failure changes
/// nothing.
async fn compact(inner: &Inner, instructions: Option<String>) -> Result<String, CommandError> {
    let mut session = inner.session.lock().await;
    let outcome = session
        .compact(instructions.as_deref())
        .await
        .map_err(failed)?;
    Ok(format!(
        "Compacted the conversation: {} messages summarized, about {} tokens before and {} after. \
         The removed messages stay in the transcript.",
        outcome.summarized_messages, outcome.pre_tokens, outcome.post_tokens
    ))
}

/// `/model`: shows the model, or switches it (a new request frame).
async fn model_command(inner: &Inner, model: Option<String>) -> Result<String, CommandError> {
    let mut session = inner.session.lock().await;
    let current = session.frame().model.clone();
    let aliases = inner
        .setup
        .model_aliases
        .iter()
        .map(|(alias, id)| format!("{alias} → {id}"))
        .collect::<Vec<_>>()
        .join(", ");
    let Some(requested) = model else {
        return Ok(format!(
            "Model: {current}\nAliases: {aliases}\nType /model <name or alias> to switch."
        ));
    };
    let (base, suffix) = requested
        .find('[')
        .map_or((requested.as_str(), ""), |at| requested.split_at(at));
    let id = inner
        .setup
        .model_aliases
        .iter()
        .find(|(alias, _)| alias == base)
        .map_or_else(|| requested.clone(), |(_, id)| format!("{id}{suffix}"));
    if id == current {
        return Ok(format!("Already using {current}."));
    }
    session.switch_model(&id).map_err(failed)?;
    let mut status = lock(&inner.status);
    status.model.clone_from(&id);
    status.context_window = rudder_model::pricing::context_window(&id);
    Ok(format!(
        "Switched from {current} to {id}. The requests now start differently, so the prompt cache starts over \
         (the next request writes the cache again)."
    ))
}

/// `/resume`: lists this directory's sessions, or resumes one.
async fn resume(inner: &Inner, target: Option<String>) -> Result<String, CommandError> {
    let mut session = inner.session.lock().await;
    let config = session.config().clone();
    let stored = sessions::list(&config.rudder_home, &config.cwd);
    let Some(target) = target else {
        if stored.is_empty() {
            return Ok("No earlier sessions in this directory.".to_owned());
        }
        let now = SystemTime::now();
        let mut lines = vec!["Sessions in this directory (newest first):".to_owned()];
        for (number, found) in stored.iter().enumerate() {
            let current = if found.id == config.session_id {
                " (this one)"
            } else {
                ""
            };
            lines.push(format!(
                "  {}. {}{current}",
                number + 1,
                found.describe(now, 70)
            ));
        }
        lines.push("Type /resume <number> to continue one.".to_owned());
        return Ok(lines.join("\n"));
    };
    let found = match target.parse::<usize>() {
        Ok(number) if number >= 1 => stored.get(number - 1),
        _ => stored.iter().find(|found| found.id.starts_with(&target)),
    }
    .ok_or_else(|| failed(format!("no session `{target}` here; /resume lists them")))?
    .clone();
    if found.id == config.session_id {
        return Ok("That is the current session.".to_owned());
    }
    let next = Session::resume(
        config_for(&config, found.id.clone()),
        inner.deps.clone(),
        &found.path,
        false,
    );
    replace(inner, &mut session, SessionEndReason::Other, next).await?;
    let count = session.messages().len();
    let last = session
        .rewind_points()
        .last()
        .map(|point| format!("\nLast message: {}", point.preview))
        .unwrap_or_default();
    Ok(format!(
        "Resumed session {} ({count} messages).{last}",
        found.id
    ))
}

/// `/rewind` and Esc Esc: lists rewind points, or rewinds to one.
async fn rewind_command(inner: &Inner, target: Option<String>) -> Result<String, CommandError> {
    let mut session = inner.session.lock().await;
    let cwd = session.config().cwd.clone();
    let points = session.rewind_points();
    let Some(target) = target else {
        return Ok(rewind::list_text(&points, &cwd));
    };
    let (uuid, scope) = rewind::parse_target(&target, &points).map_err(CommandError::Failed)?;
    let outcome = session.rewind(&uuid, scope).map_err(failed)?;
    Ok(rewind::outcome_text(&outcome, scope, &cwd))
}

/// `!command`: runs it through the Bash tool and the policy.
async fn shell(inner: &Inner, command: &str) -> Result<String, CommandError> {
    let cancel = inner.command_token();
    let mut session = inner.session.lock().await;
    let run = session.run_shell(command, &cancel).await.map_err(failed)?;
    if run.is_error {
        Err(CommandError::Failed(run.output))
    } else {
        Ok(run.output)
    }
}

/// `/permissions`: the mode and every rule with its source.
fn permissions(inner: &Inner) -> String {
    let mut lines = vec![format!("Permission mode: {}", inner.gate.mode())];
    let rules = inner.gate.rules();
    if rules.is_empty() {
        lines
            .push("No permission rules: every action that is not read-only asks first.".to_owned());
    }
    for list in ["deny", "ask", "allow"] {
        let listed: Vec<&String> = rules
            .iter()
            .filter(|(name, _)| *name == list)
            .map(|(_, rule)| rule)
            .collect();
        if !listed.is_empty() {
            lines.push(format!("{list}:"));
            lines.extend(listed.into_iter().map(|rule| format!("  {rule}")));
        }
    }
    lines.push(
        "Edit rules in .claude/settings.json (project), .claude/settings.local.json (yours) or ~/.claude/settings.json; \
         \"Yes, and don't ask again\" adds one for this session."
            .to_owned(),
    );
    lines.join("\n")
}

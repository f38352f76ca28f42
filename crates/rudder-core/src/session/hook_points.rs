//! The session-level hook points and what their outcomes do: SessionStart,
//! UserPromptSubmit, Stop and SessionEnd (the tool-level ones are in
//! `tool_hooks.rs`).
//!
//! Semantics (CLAUDE-CODE-INTERFACE.md §5.2–§5.4):
//! - SessionStart (`startup` for a new session, `resume` for `--resume` /
//!   `--continue`): additional context (JSON `additionalContext` or plain
//!   stdout) joins the context of the next user message, which is frozen
//!   in the transcript with it — so a resumed session replays the same
//!   bytes. It cannot block.
//! - UserPromptSubmit: a block (exit 2 or `decision: "block"`) or
//!   `"continue": false` drops the prompt — it is neither sent nor
//!   recorded — and ends the turn with the reason; additional context is
//!   added to the prompt message as a `<system-reminder>` block.
//! - Stop: a block makes the turn go on with the reason as the next user
//!   message; the hook then sees `stop_hook_active: true`. At most
//!   [`MAX_STOP_CONTINUATIONS`] times per turn, so a hook that always
//!   blocks cannot hold the session forever. In a subagent's session the
//!   same point runs the SubagentStop hooks (matched on the subagent type,
//!   with `agent_id`, `agent_type` and `agent_transcript_path`), and a
//!   block keeps the subagent going.
//! - A subagent's first message is the Task call's prompt, not a person's:
//!   UserPromptSubmit does not run for it, nor SessionStart and SessionEnd
//!   for its session.
//! - SessionEnd (reason `other` for the end of a headless run): runs with
//!   every hook's timeout bounded by [`SESSION_END_BUDGET`]; it cannot
//!   block.

use std::time::Duration;

use rudder_config::hooks::{
    Audience, HookDecision, HookInput, SessionEndReason, SessionStartSource,
};
use rudder_protocol::ContentBlock;
use rudder_protocol::event::{NoticeLevel, TurnStop};
use tokio_util::sync::CancellationToken;

use super::{Session, hook_run};
use crate::prompt::system_reminder;

/// Most times a Stop hook may keep one turn going.
pub const MAX_STOP_CONTINUATIONS: u32 = 3;

/// Longest a SessionEnd hook may run (Claude Code's 1.5 s budget); its
/// group is then ended (up to 1.3 s more in the worst case).
pub const SESSION_END_BUDGET: Duration = Duration::from_millis(1500);

/// What a Stop hook decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum StopVerdict {
    /// Let the turn end.
    Stop,
    /// Keep going: send this text as the next user message.
    Continue(String),
}

/// How the user message carrying Stop hook feedback begins (it is not a
/// message the person typed, so `/rewind` does not offer it).
pub(super) const STOP_FEEDBACK_PREFIX: &str = "Stop hook feedback:";

/// Runs the SessionStart hooks; returns the text to add to the next user
/// message's context, if any hook gave some.
pub(super) async fn session_start(session: &Session, source: SessionStartSource) -> Option<String> {
    let input = HookInput::SessionStart { source };
    let report = hook_run::run(session, &input, None, &CancellationToken::new()).await;
    let context = report.outcome.additional_context?;
    Some(format!(
        "SessionStart:{} hook additional context:\n{context}",
        source.as_str()
    ))
}

/// Runs the UserPromptSubmit hooks on `prompt`. Returns the prompt to send
/// (with any added context as a last block), or the turn's stop when a
/// hook dropped it.
pub(super) async fn user_prompt_submit(
    session: &Session,
    mut prompt: Vec<ContentBlock>,
    cancel: &CancellationToken,
) -> Result<Vec<ContentBlock>, TurnStop> {
    if session.subagent_link().is_some() {
        return Ok(prompt);
    }
    let text = prompt
        .iter()
        .filter_map(ContentBlock::as_text)
        .collect::<Vec<_>>()
        .join("\n");
    let input = HookInput::UserPromptSubmit { prompt: text };
    let report = hook_run::run(session, &input, None, cancel).await;
    if let Some(message) = report.stop_request() {
        return Err(TurnStop::Denied { message });
    }
    if let Some(reason) = report.block_reason() {
        return Err(TurnStop::Denied {
            message: format!(
                "The UserPromptSubmit hook blocked the prompt (it was not sent): {reason}"
            ),
        });
    }
    if let Some(context) = &report.outcome.additional_context {
        prompt.push(ContentBlock::text(system_reminder(&format!(
            "UserPromptSubmit hook additional context:\n{context}"
        ))));
    }
    Ok(prompt)
}

/// Runs the Stop hooks as the model ends its turn. `continuations` is how
/// often Stop hooks already kept this turn going.
pub(super) async fn stop(
    session: &Session,
    continuations: u32,
    cancel: &CancellationToken,
) -> StopVerdict {
    let input = match session.subagent_link() {
        None => HookInput::Stop {
            stop_hook_active: continuations > 0,
        },
        Some(link) => HookInput::SubagentStop {
            stop_hook_active: continuations > 0,
            agent_id: Some(link.agent_id.clone()),
            agent_type: Some(link.agent_type.clone()),
            agent_transcript_path: session
                .log
                .lock()
                .ok()
                .and_then(|log| log.transcript_path().map(ToOwned::to_owned)),
        },
    };
    let report = hook_run::run(session, &input, None, cancel).await;
    if !report.outcome.continue_session || cancel.is_cancelled() {
        return StopVerdict::Stop;
    }
    let HookDecision::Block {
        reason,
        audience: Audience::Model,
    } = &report.outcome.decision
    else {
        return StopVerdict::Stop;
    };
    if continuations >= MAX_STOP_CONTINUATIONS {
        session.deps.events.notice(
            NoticeLevel::Warning,
            format!(
                "a {} hook blocked the end of the turn {} times; ending it anyway ({reason})",
                input.event().as_str(),
                continuations + 1
            ),
        );
        return StopVerdict::Stop;
    }
    let feedback = match session.subagent_link() {
        None => format!("{STOP_FEEDBACK_PREFIX}\n{reason}"),
        Some(_) => format!("SubagentStop hook feedback:\n{reason}"),
    };
    StopVerdict::Continue(feedback)
}

/// Runs the SessionEnd hooks within [`SESSION_END_BUDGET`].
pub(super) async fn session_end(session: &Session, reason: SessionEndReason) {
    let input = HookInput::SessionEnd { reason };
    hook_run::run(
        session,
        &input,
        Some(SESSION_END_BUDGET),
        &CancellationToken::new(),
    )
    .await;
}

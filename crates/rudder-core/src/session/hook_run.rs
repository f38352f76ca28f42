//! Running hooks on behalf of a session: the common input fields come from
//! the session, the runner's events reach the session's front end, and
//! every run is written to the transcript as a `rudder-hook` line.
//!
//! The transcript line (rudder's own type; Claude Code readers and rudder's
//! resume skip it): `{"type":"rudder-hook", "sessionId", "uuid",
//! "timestamp", "hookId", "hookName", "hookEvent", "command", "exitCode",
//! "outcome", "timedOut", "stdout", "stderr", "durationMs", "effect"}`.
//! What a hook changed in the conversation (a blocked call's error text,
//! added context) is in the conversation lines themselves.

use std::time::Duration;

use rudder_config::hooks::{HookCommon, HookInput};
use rudder_protocol::event::NoticeLevel;
use rudder_protocol::hook::HookRunFinished;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::{Session, now};
use crate::hooks::{HookReport, HookRequest};
use crate::paths;
use crate::transcript::Record;

impl Session {
    /// Runs the hooks configured for `input`'s event (in parallel, each in
    /// its own process group, killed at its timeout or when `cancel`
    /// fires), shows each run to the front end and records it in the
    /// transcript. Returns the merged outcome and the runs; acting on the
    /// outcome is the caller's job (see the decision table of
    /// [`rudder_config::hooks::HookDecision`]). Features that own a hook
    /// point (SubagentStop, PreCompact) call this. Never fails.
    pub async fn run_hooks(&self, input: HookInput, cancel: &CancellationToken) -> HookReport {
        run(self, &input, None, cancel).await
    }
}

/// [`Session::run_hooks`] with a bound on every hook's timeout.
pub(super) async fn run(
    session: &Session,
    input: &HookInput,
    time_cap: Option<Duration>,
    cancel: &CancellationToken,
) -> HookReport {
    let hooks = &session.deps.hooks;
    if !hooks.matches(input.event(), input.matcher_subject()) {
        return HookReport::default();
    }
    let config = &session.config;
    // A subagent's hooks are told the session's transcript, as Claude Code
    // does; its own is in SubagentStop's `agent_transcript_path`.
    let log = match session.subagent_link() {
        Some(link) => &link.parent_log,
        None => &session.log,
    };
    let transcript_path = log
        .lock()
        .ok()
        .and_then(|log| log.transcript_path().map(ToOwned::to_owned))
        .unwrap_or_else(|| {
            paths::transcript_path(&config.rudder_home, &config.cwd, &config.session_id)
        });
    let common = HookCommon {
        session_id: config.session_id.clone(),
        transcript_path,
        cwd: config.cwd.clone(),
        permission_mode: session.deps.gate.mode(),
    };
    let report = hooks
        .run(HookRequest {
            common: &common,
            input,
            cwd: &config.cwd,
            env: &config.child_env,
            time_cap,
            cancel,
            events: &session.deps.events,
        })
        .await;
    for finished in &report.runs {
        record(session, finished);
    }
    report
}

/// Appends one run to the transcript; a failed write is a notice, not a
/// reason to stop the turn.
fn record(session: &Session, run: &HookRunFinished) {
    let line = json!({
        "type": "rudder-hook",
        "sessionId": session.config.session_id,
        "uuid": uuid::Uuid::new_v4().to_string(),
        "timestamp": now(),
        "hookId": run.hook_id,
        "hookName": run.hook_name,
        "hookEvent": run.hook_event,
        "command": run.command,
        "exitCode": run.exit_code,
        "outcome": run.outcome,
        "timedOut": run.timed_out,
        "stdout": run.stdout,
        "stderr": run.stderr,
        "durationMs": run.duration_ms,
        "effect": run.effect,
    });
    let written = match session.log.lock() {
        Ok(mut log) => log
            .append_raw(&Record::Other(line))
            .map_err(|error| error.to_string()),
        Err(_) => Err("the session log lock was poisoned".to_owned()),
    };
    if let Err(error) = written {
        session.deps.events.notice(
            NoticeLevel::Error,
            format!("could not record a hook run in the transcript: {error}"),
        );
    }
}

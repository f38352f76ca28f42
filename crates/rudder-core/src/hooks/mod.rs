//! Running Claude Code hooks: the commands configured for an event start
//! in parallel, each in its own process group, read the event's JSON on
//! stdin, and their answers are merged into one [`HookOutcome`].
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §5 (events, matchers, stdin JSON,
//! exit codes, JSON output, timeouts, env). Definitions, matching, the
//! stdin document and the meaning of one run come from
//! [`rudder_config::hooks`]; this module owns the processes
//! ([`process`]), the merge ([`merge`]) and the events front ends see
//! (`AgentEvent::HookStarted` / `HookFinished`, and a notice for every
//! warning or `systemMessage`). What an outcome does to the conversation
//! is the session's business (`session/hook_points.rs`,
//! `session/tool_hooks.rs`); [`crate::Session::run_hooks`] is the entry
//! point for features that add hook points (SubagentStop, PreCompact).
//!
//! This module never decides permissions and never writes the transcript.

mod capture;
mod merge;
mod process;
mod report;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rudder_config::hooks::{
    HookCommand, HookCommon, HookDecision, HookEvent, HookInput, HookOutcome, HookSet,
    hook_environment, hook_input_json, interpret, matching_hooks,
};
use rudder_protocol::AgentEvent;
use rudder_protocol::event::NoticeLevel;
use rudder_protocol::hook::{HookRunFinished, HookRunOutcome, HookRunStarted};
use tokio_util::sync::CancellationToken;

pub use capture::OUTPUT_CAP_BYTES;
pub use report::HookReport;

use crate::events::EventSink;
use process::{Ending, Execution, HookProcess};

/// The hooks of one session and how to run them. Cheap to clone (the
/// definitions are shared); [`HookRunner::default`] has no hooks.
#[derive(Debug, Clone, Default)]
pub struct HookRunner {
    set: Arc<HookSet>,
    project_dir: PathBuf,
}

/// One event to run hooks for.
#[derive(Debug, Clone, Copy)]
pub struct HookRequest<'a> {
    /// The fields every hook input carries.
    pub common: &'a HookCommon,
    /// The event and its fields.
    pub input: &'a HookInput,
    /// The directory hooks run in (the session's cwd).
    pub cwd: &'a Path,
    /// The session's child environment (settings `env`); the runner adds
    /// `CLAUDE_PROJECT_DIR` and `CLAUDECODE=1`.
    pub env: &'a [(String, String)],
    /// A bound on every hook's timeout for this event (SessionEnd's
    /// 1.5 s budget); `None` keeps each hook's own.
    pub time_cap: Option<Duration>,
    /// Ends every hook of the event (their groups are killed) when it
    /// fires: the turn was interrupted.
    pub cancel: &'a CancellationToken,
    /// Where `HookStarted`, `HookFinished` and notices go.
    pub events: &'a EventSink,
}

impl HookRunner {
    /// A runner for `set`; hooks get `project_dir` as `CLAUDE_PROJECT_DIR`.
    /// Project hooks must already be withheld from `set` when the folder is
    /// untrusted (the settings loader does it).
    pub fn new(set: HookSet, project_dir: PathBuf) -> Self {
        Self {
            set: Arc::new(set),
            project_dir,
        }
    }

    /// Whether any hook runs for `event` on `subject` (the tool name,
    /// source, …; `None` for events without a matcher).
    pub fn matches(&self, event: HookEvent, subject: Option<&str>) -> bool {
        !matching_hooks(&self.set, event, subject).is_empty()
    }

    /// Runs the hooks matching `request.input`, all at once, and waits for
    /// every one to finish, time out or be cancelled. Returns the merged
    /// outcome and one summary per run, in configuration order; with no
    /// matching hook, an empty report (default outcome, no runs). Never
    /// fails: a hook that cannot start is a warning, like one that exits 1.
    pub async fn run(&self, request: HookRequest<'_>) -> HookReport {
        let event = request.input.event();
        let subject = request.input.matcher_subject();
        let commands = matching_hooks(&self.set, event, subject);
        if commands.is_empty() {
            return HookReport::default();
        }
        let stdin = hook_input_json(request.common, request.input).to_string();
        let hook_name = match subject {
            Some(subject) => format!("{event}:{subject}"),
            None => event.to_string(),
        };
        let mut env = request.env.to_vec();
        env.extend(hook_environment(&self.project_dir));
        let runs = futures::future::join_all(commands.iter().map(|command| {
            run_one(
                command,
                &request,
                OneRun {
                    event,
                    hook_name: &hook_name,
                    stdin: stdin.as_bytes(),
                    env: &env,
                },
            )
        }))
        .await;
        let outcomes: Vec<HookOutcome> = runs.iter().map(|(outcome, _)| outcome.clone()).collect();
        HookReport {
            outcome: merge::merge(&outcomes),
            runs: runs.into_iter().map(|(_, finished)| finished).collect(),
        }
    }
}

/// What every run of one event shares.
struct OneRun<'a> {
    event: HookEvent,
    hook_name: &'a str,
    stdin: &'a [u8],
    env: &'a [(String, String)],
}

async fn run_one(
    command: &HookCommand,
    request: &HookRequest<'_>,
    shared: OneRun<'_>,
) -> (HookOutcome, HookRunFinished) {
    let hook_id = uuid::Uuid::new_v4().to_string();
    request.events.emit(AgentEvent::HookStarted(HookRunStarted {
        hook_id: hook_id.clone(),
        hook_name: shared.hook_name.to_owned(),
        hook_event: shared.event.as_str().to_owned(),
        command: command.command.clone(),
    }));
    let timeout = request
        .time_cap
        .map_or(command.timeout, |cap| cap.min(command.timeout));
    let execution = process::execute(HookProcess {
        command: &command.command,
        stdin: shared.stdin,
        cwd: request.cwd,
        env: shared.env,
        timeout,
        cancel: request.cancel,
    })
    .await;
    let outcome = outcome_of(shared.event, shared.hook_name, command, timeout, &execution);
    for message in [&outcome.user_warning, &outcome.system_message]
        .into_iter()
        .flatten()
    {
        request.events.notice(NoticeLevel::Warning, message.clone());
    }
    let finished = HookRunFinished {
        hook_id,
        hook_name: shared.hook_name.to_owned(),
        hook_event: shared.event.as_str().to_owned(),
        command: command.command.clone(),
        exit_code: execution.exit_code(),
        outcome: match execution.ending {
            Ending::Exited(Some(0)) => HookRunOutcome::Success,
            Ending::Cancelled => HookRunOutcome::Cancelled,
            _ => HookRunOutcome::Error,
        },
        timed_out: execution.ending == Ending::TimedOut,
        stdout: if outcome.suppress_output {
            String::new()
        } else {
            execution.stdout.text()
        },
        stderr: execution.stderr.text(),
        duration_ms: u64::try_from(execution.duration.as_millis()).unwrap_or(u64::MAX),
        effect: report::effect_of(&outcome),
    };
    request
        .events
        .emit(AgentEvent::HookFinished(finished.clone()));
    (outcome, finished)
}

/// Interprets one execution. Exit-2 block reasons get Claude Code's
/// `[command]: stderr` form so the reader knows which hook spoke.
fn outcome_of(
    event: HookEvent,
    hook_name: &str,
    command: &HookCommand,
    timeout: Duration,
    execution: &Execution,
) -> HookOutcome {
    if let Ending::NotStarted(error) = &execution.ending {
        return HookOutcome {
            user_warning: Some(format!(
                "{hook_name} hook `{}` could not start: {error}",
                command.command
            )),
            ..HookOutcome::default()
        };
    }
    let mut outcome = interpret(
        event,
        execution.exit_code(),
        &execution.stdout.text(),
        &execution.stderr.text(),
    );
    if execution.exit_code() == Some(2)
        && let HookDecision::Block { reason, .. } = &mut outcome.decision
    {
        *reason = format!("[{}]: {reason}", command.command);
    }
    match &execution.ending {
        Ending::TimedOut => {
            outcome.user_warning = Some(format!(
                "{hook_name} hook `{}` timed out after {} s and was killed; it decided nothing",
                command.command,
                timeout.as_secs_f64()
            ));
        }
        Ending::Cancelled => {
            outcome.timed_out = false;
            outcome.user_warning = Some(format!(
                "{hook_name} hook `{}` was stopped because the turn was interrupted",
                command.command
            ));
        }
        _ => {}
    }
    if execution.stdout.truncated || execution.stderr.truncated {
        let note = format!(
            "{hook_name} hook `{}` printed more than {OUTPUT_CAP_BYTES} bytes; the rest was dropped",
            command.command
        );
        outcome.user_warning = Some(match outcome.user_warning.take() {
            Some(warning) => format!("{warning}\n{note}"),
            None => note,
        });
    }
    outcome
}

#[cfg(test)]
mod tests;

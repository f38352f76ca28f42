//! One user turn: the loop of model request → tool calls → results until the
//! model ends its turn, a limit is hit, or the turn is interrupted.
//!
//! Each step appends to the transcript before the next request is sent, so
//! a crash at any point leaves every completed step on disk. The loop is a
//! short sequence of steps; tool execution lives in `tool_run.rs`, hook
//! points in `hook_points.rs` (UserPromptSubmit before the prompt is
//! recorded, Stop when the model ends its turn). Background subagents meet
//! the loop at three points (`crate::subagent::background::turn_points`):
//! their reports ride along with the next message, the model is told when
//! it ends its turn with some still running, and the turn settles them
//! before its outcome is reported.

use std::time::{Duration, Instant};

use rudder_model::ModelError;
use rudder_model::call::{CallProgress, Completed, call};
use rudder_protocol::event::{PermissionDenial, TurnOutcome, TurnStop};
use rudder_protocol::{AgentEvent, ContentBlock, Message, MessagesRequest, Role, StopReason};
use tokio_util::sync::CancellationToken;

use super::hook_points::{self, StopVerdict};
use super::tool_run::{self, ToolCall};
use super::{Session, fallback, text_calls};
use crate::request::build_request;
use crate::subagent::background::turn_points;

/// What the loop knows while a turn runs.
#[derive(Default)]
struct TurnProgress {
    requests: u32,
    api_time: Duration,
    result_text: String,
    stop_reason: Option<String>,
    denials: Vec<PermissionDenial>,
    /// Corrections sent for tool calls written as text.
    text_call_nudges: u32,
    /// Background subagents the model was told still run, this turn.
    background_told: Vec<String>,
}

/// Runs one turn; see [`Session::run_turn`].
pub(super) async fn run(
    session: &mut Session,
    prompt: Vec<ContentBlock>,
    cancel: &CancellationToken,
) -> TurnOutcome {
    let started = Instant::now();
    let mut progress = TurnProgress::default();
    let stop = drive(session, prompt, cancel, &mut progress).await;
    if session.subagent.is_none() {
        turn_points::settle(session).await;
    }
    session.refresh_context_view();
    let (usage, model_usage, total_cost_usd) = match session.log.lock() {
        Ok(mut log) => {
            if let Err(error) = log.sync() {
                session.deps.events.notice(
                    rudder_protocol::event::NoticeLevel::Error,
                    error.to_string(),
                );
            }
            let accounting = log.accounting();
            (
                accounting.usage().clone(),
                accounting.per_model().clone(),
                accounting.cost_usd(),
            )
        }
        Err(_) => Default::default(),
    };
    let outcome = TurnOutcome {
        stop,
        result_text: progress.result_text,
        num_turns: progress.requests,
        duration_ms: millis(started.elapsed()),
        duration_api_ms: millis(progress.api_time),
        usage,
        model_usage,
        total_cost_usd,
        permission_denials: progress.denials,
        stop_reason: progress.stop_reason,
    };
    if session.subagent.is_none() {
        session
            .deps
            .events
            .emit(AgentEvent::TurnEnded(outcome.clone()));
    }
    outcome
}

async fn drive(
    session: &mut Session,
    prompt: Vec<ContentBlock>,
    cancel: &CancellationToken,
    progress: &mut TurnProgress,
) -> TurnStop {
    let prompt = match hook_points::user_prompt_submit(session, prompt, cancel).await {
        Ok(prompt) => prompt,
        Err(stop) => return stop,
    };
    let mut prompt = match session.expand_mcp_prompt(prompt, cancel).await {
        Ok(prompt) => prompt,
        Err(stop) => return stop,
    };
    let context = session.turn_context();
    if let Some((text, _)) = &context {
        prompt.insert(0, ContentBlock::text(text.clone()));
    }
    let at = usize::from(context.is_some());
    prompt.splice(at..at, turn_points::news(session));
    if let Err(stop) = session.freeze_mcp() {
        return stop;
    }
    session.append_mcp_note(&mut prompt);
    let turn = match append_user(session, Message::new(Role::User, prompt), None) {
        Ok(uuid) => uuid,
        Err(stop) => return stop,
    };
    session.prompt_written(context.and_then(|(_, stamp)| stamp));
    super::checkpointing::begin_turn(session, &turn).await;
    let mut stop_continuations = 0;
    loop {
        if let Some(stop) = limit_reached(session, cancel, progress) {
            return stop;
        }
        session.auto_compact(cancel).await;
        let completed = match request_step(session, cancel, progress).await {
            Ok(completed) => completed,
            Err(stop) => return stop,
        };
        let message = &completed.message;
        progress.result_text = message.text();
        progress.stop_reason = message.stop_reason.as_ref().map(stop_reason_name);
        let calls: Vec<ToolCall> = tool_run::calls_of(message, &completed.invalid_tool_inputs);
        match (&message.stop_reason, calls.is_empty()) {
            (Some(StopReason::PauseTurn), _) => continue,
            (Some(StopReason::Refusal), _) => return TurnStop::Refusal,
            (Some(StopReason::MaxTokens), true) => return TurnStop::MaxTokens,
            (_, true) => {
                // A tool call written as text is corrected before the Stop
                // hooks see the turn as finished.
                // So are background subagents the model may have forgotten.
                let feedback = match text_call_to_correct(session, progress) {
                    Some(tool) => vec![ContentBlock::text(text_calls::nudge(&tool))],
                    None => {
                        match turn_points::at_turn_end(session, &mut progress.background_told) {
                            Some(blocks) => blocks,
                            None => {
                                match hook_points::stop(session, stop_continuations, cancel).await {
                                    StopVerdict::Stop => return TurnStop::Completed,
                                    StopVerdict::Continue(feedback) => {
                                        stop_continuations += 1;
                                        vec![ContentBlock::text(feedback)]
                                    }
                                }
                            }
                        }
                    }
                };
                let message = Message::new(Role::User, feedback);
                if let Err(stop) = append_user(session, message, None) {
                    return stop;
                }
                continue;
            }
            (_, false) => {}
        }
        let mut ran = tool_run::run_calls(session, calls, cancel).await;
        session.append_mcp_note(&mut ran.results);
        progress.denials.extend(ran.denials);
        let tool_use_result = match ran.structured.as_slice() {
            [single] => single.clone(),
            _ => None,
        };
        let mut results = ran.results;
        if ran.stop.is_none() && !cancel.is_cancelled() {
            // Steered messages and background reports ride along with this
            // step's results.
            results.extend(session.steer.take().into_iter().flatten());
            results.extend(turn_points::news(session));
        }
        if let Err(stop) = append_user(session, Message::new(Role::User, results), tool_use_result)
        {
            return stop;
        }
        if let Some(stop) = ran.stop {
            return stop;
        }
    }
}

/// The tool named by a call the model wrote as text in its reply,
/// when it should be told and given another turn (see `text_calls.rs`);
/// counts the correction.
fn text_call_to_correct(session: &Session, progress: &mut TurnProgress) -> Option<String> {
    if progress.text_call_nudges >= text_calls::MAX_NUDGES {
        return None;
    }
    let tools: Vec<&str> = session.frame.tools.iter().map(|tool| tool.name()).collect();
    let tool = text_calls::text_call(&progress.result_text, &tools)?.to_owned();
    progress.text_call_nudges += 1;
    Some(tool)
}

/// Checks the turn's limits before a request is sent.
fn limit_reached(
    session: &Session,
    cancel: &CancellationToken,
    progress: &TurnProgress,
) -> Option<TurnStop> {
    if cancel.is_cancelled() {
        return Some(TurnStop::Interrupted);
    }
    if let Some(limit) = session.config.max_turns
        && progress.requests >= limit
    {
        return Some(TurnStop::MaxTurns { limit });
    }
    if let Some(limit_usd) = session.config.max_budget_usd {
        let spent = session
            .log
            .lock()
            .map(|log| log.accounting().cost_usd())
            .unwrap_or(0.0);
        if spent >= limit_usd {
            return Some(TurnStop::MaxBudget { limit_usd });
        }
    }
    crate::subagent::limit_reached(session)
}

/// Builds and sends one request, then appends the assistant message.
async fn request_step(
    session: &mut Session,
    cancel: &CancellationToken,
    progress: &mut TurnProgress,
) -> Result<Completed, TurnStop> {
    progress.requests += 1;
    loop {
        let request = build_request(&session.frame, &session.messages, &session.build_options());
        match send(session, &request, cancel, progress).await {
            Ok(completed) => return record_reply(session, completed, &request),
            Err(ModelError::Cancelled) => return Err(TurnStop::Interrupted),
            Err(error) => {
                if !fallback::switch(session, &error)? {
                    return Err(TurnStop::ApiError {
                        status: error.status(),
                        message: error.to_string(),
                    });
                }
            }
        }
    }
}

/// Sends one request (with retries), showing its events and retries as
/// they come; adds the time spent to the turn's API time.
async fn send(
    session: &Session,
    request: &MessagesRequest,
    cancel: &CancellationToken,
    progress: &mut TurnProgress,
) -> Result<Completed, ModelError> {
    if let Some(sink) = &session.config.request_sink
        && let Ok(body) = serde_json::to_vec(request)
    {
        sink(&body);
    }
    let events = session.deps.events.clone();
    let parent_tool_use_id = session.parent_tool_use_id();
    let mut on_progress = |update: CallProgress<'_>| match update {
        CallProgress::Event(event) => events.emit(AgentEvent::Stream {
            event: event.clone(),
            parent_tool_use_id: parent_tool_use_id.clone(),
        }),
        CallProgress::Retry(notice) => events.emit(AgentEvent::ApiRetry {
            attempt: notice.attempt,
            max_retries: notice.max_retries,
            delay_ms: millis(notice.delay),
            error: notice.error.to_string(),
            status: notice.error.status(),
        }),
    };
    let started = Instant::now();
    let result = call(
        session.deps.client.as_ref(),
        request,
        &fallback::retry_policy(session),
        &mut on_progress,
        cancel,
    )
    .await;
    progress.api_time += match &result {
        Ok(completed) => completed.api_duration,
        Err(_) => started.elapsed(),
    };
    result
}

/// Appends the assistant message of a completed call, counting its usage
/// under the model `request` named on the wire, and checks the cache
/// health of `request` against the usage.
fn record_reply(
    session: &mut Session,
    completed: Completed,
    request: &MessagesRequest,
) -> Result<Completed, TurnStop> {
    let model = request.model.as_str();
    let appended = session
        .log
        .lock()
        .map_err(|_| poisoned())
        .and_then(|mut log| {
            log.append_assistant(&completed.message, model)
                .map_err(|error| TurnStop::Failed {
                    message: error.to_string(),
                })
        })?;
    session.messages.push(completed.message.to_message());
    session.uuids.push(appended.clone());
    if let Some(link) = &session.subagent {
        link.observe(&completed.message);
    }
    session.observe_response(request, &completed.message.usage);
    session.deps.events.emit(AgentEvent::AssistantMessage {
        uuid: appended,
        message: completed.message.clone(),
        parent_tool_use_id: session.parent_tool_use_id(),
    });
    Ok(completed)
}

/// Appends a user message to the transcript and the conversation; returns
/// its uuid.
fn append_user(
    session: &mut Session,
    message: Message,
    tool_use_result: Option<serde_json::Value>,
) -> Result<String, TurnStop> {
    let uuid = session
        .log
        .lock()
        .map_err(|_| poisoned())
        .and_then(|mut log| {
            log.append_user(&message, tool_use_result.clone())
                .map_err(|error| TurnStop::Failed {
                    message: error.to_string(),
                })
        })?;
    session.messages.push(message.clone());
    session.uuids.push(uuid.clone());
    session.deps.events.emit(AgentEvent::UserMessage {
        uuid: uuid.clone(),
        message,
        tool_use_result,
        parent_tool_use_id: session.parent_tool_use_id(),
    });
    Ok(uuid)
}

fn poisoned() -> TurnStop {
    TurnStop::Failed {
        message: "internal error: the session log lock was poisoned by an earlier panic".to_owned(),
    }
}

fn stop_reason_name(reason: &StopReason) -> String {
    serde_json::to_value(reason)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

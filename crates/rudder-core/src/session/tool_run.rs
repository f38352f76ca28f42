//! Running the tool calls of one assistant message.
//!
//! Every call first goes through the PreToolUse hooks and the permission
//! gate (an `Ask` goes to the PermissionRequest hooks, then the approver),
//! then is executed and followed by the PostToolUse hooks
//! (`tool_hooks.rs`). When every call of the message is a valid call
//! of a read-only tool, the approved calls run concurrently (at most
//! [`MAX_CONCURRENT_TOOLS`] at once); otherwise they run one after another,
//! in order. Results come back in the order of the calls, one `tool_result`
//! per `tool_use` — also for calls that were invalid, unknown, denied or
//! interrupted, so the transcript never holds a dangling `tool_use`.

use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use rudder_model::assemble::InvalidToolInput;
use rudder_protocol::event::{NoticeLevel, PermissionDenial, TurnStop};
use rudder_protocol::permission::{ApprovalDecision, ApprovalRequest, PermissionUpdate};
use rudder_protocol::{AgentEvent, AssistantMessage, ContentBlock};
use rudder_tools::{ToolContext, ToolOutput};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::Session;
use super::side_query::SessionSideQuery;
use super::tool_hooks::{self, CallRef, HookPermission};
use crate::agent_tools;
use crate::paths;
use crate::permissions::{CallToCheck, Decision};

/// Most tool calls run at once (Claude Code's default for
/// `CLAUDE_CODE_MAX_TOOL_USE_CONCURRENCY`).
pub const MAX_CONCURRENT_TOOLS: usize = 10;

/// One `tool_use` of the assistant message.
#[derive(Debug, Clone)]
pub(super) struct ToolCall {
    id: String,
    name: String,
    input: Value,
    /// Set when the model's input was not valid JSON.
    invalid: Option<String>,
}

/// The tool calls of `message`, marking those whose input did not parse.
pub(super) fn calls_of(message: &AssistantMessage, invalid: &[InvalidToolInput]) -> Vec<ToolCall> {
    message
        .content
        .iter()
        .filter_map(|block| match block {
            ContentBlock::ToolUse { id, name, input, .. } => Some(ToolCall {
                id: id.clone(),
                name: name.clone(),
                input: input.clone(),
                invalid: invalid.iter().find(|bad| &bad.id == id).map(|bad| {
                    format!(
                        "The input for {name} was not valid JSON ({}). Received: {}. Send the call again with a \
                         JSON object that matches the tool's schema.",
                        bad.error, bad.raw
                    )
                }),
            }),
            _ => None,
        })
        .collect()
}

impl ToolCall {
    /// A `CallMcpTool` call becomes a call of the MCP tool it names (same
    /// id), so the permission gate judges, and the denial names, the real
    /// tool; unusable proxy input makes the call invalid.
    fn unwrap_mcp_proxy(mut self) -> Self {
        if self.invalid.is_none()
            && let Some(unwrapped) = crate::mcp::unwrap_proxy_call(&self.name, &self.input)
        {
            match unwrapped {
                Ok((name, input)) => {
                    self.name = name;
                    self.input = input;
                }
                Err(message) => self.invalid = Some(message),
            }
        }
        self
    }
}

/// The results of running a message's calls.
pub(super) struct RanCalls {
    /// One `tool_result` block per call, in call order.
    pub results: Vec<ContentBlock>,
    /// Structured output per call (`tool_use_result`).
    pub structured: Vec<Option<Value>>,
    /// Calls that were refused.
    pub denials: Vec<PermissionDenial>,
    /// Set when the turn must stop after these results.
    pub stop: Option<TurnStop>,
}

/// Why a call did not run, and what that means for the turn.
struct Refusal {
    output: ToolOutput,
    denial: Option<PermissionDenial>,
    stop: Option<TurnStop>,
}

/// A call cleared to run: the input to run it with and context a
/// PreToolUse hook added for its result.
struct Approved {
    input: Value,
    context: Option<String>,
}

impl Refusal {
    fn error(message: String) -> Self {
        Self {
            output: ToolOutput::error(message),
            denial: None,
            stop: None,
        }
    }
}

/// Judges and runs `calls`.
pub(super) async fn run_calls(
    session: &Session,
    calls: Vec<ToolCall>,
    cancel: &CancellationToken,
) -> RanCalls {
    let calls: Vec<ToolCall> = if session.deps.mcp.is_some() {
        calls.into_iter().map(ToolCall::unwrap_mcp_proxy).collect()
    } else {
        calls
    };
    let read_only = |call: &ToolCall| {
        call.invalid.is_none()
            && (session
                .lookup_tool(&call.name)
                .is_some_and(|tool| tool.is_read_only())
                || agent_tools::offered(&session.frame.tools, &call.name))
    };
    let concurrent = calls.len() > 1 && calls.iter().all(read_only);
    let mut outputs: Vec<Option<ToolOutput>> = vec![None; calls.len()];
    let mut ran = RanCalls {
        results: Vec::with_capacity(calls.len()),
        structured: Vec::with_capacity(calls.len()),
        denials: Vec::new(),
        stop: None,
    };
    if concurrent {
        let mut approved = Vec::new();
        for (index, call) in calls.iter().enumerate() {
            match authorize(session, call, cancel).await {
                Ok(input) => approved.push((index, input)),
                Err(refusal) => outputs[index] = Some(refuse(&mut ran, refusal)),
            }
        }
        let finished: Vec<(usize, ToolOutput, Option<TurnStop>)> = futures::stream::iter(approved)
            .map(|(index, approved)| {
                let call = &calls[index];
                async move {
                    let (output, stop) = execute(session, call, approved, cancel).await;
                    (index, output, stop)
                }
            })
            .buffer_unordered(MAX_CONCURRENT_TOOLS)
            .collect()
            .await;
        for (index, output, stop) in finished {
            outputs[index] = Some(output);
            if ran.stop.is_none() {
                ran.stop = stop;
            }
        }
    } else {
        for (index, call) in calls.iter().enumerate() {
            if ran.stop.is_some() || cancel.is_cancelled() {
                break;
            }
            outputs[index] = Some(match authorize(session, call, cancel).await {
                Ok(approved) => {
                    let (output, stop) = execute(session, call, approved, cancel).await;
                    if ran.stop.is_none() {
                        ran.stop = stop;
                    }
                    output
                }
                Err(refusal) => refuse(&mut ran, refusal),
            });
        }
    }
    if ran.stop.is_none() && cancel.is_cancelled() {
        ran.stop = Some(TurnStop::Interrupted);
    }
    let not_run = if cancel.is_cancelled() {
        "Not run: the user interrupted the turn."
    } else {
        "Not run: an earlier call in this message stopped the turn."
    };
    for (call, output) in calls.iter().zip(outputs) {
        let output = output.unwrap_or_else(|| ToolOutput::error(not_run));
        ran.results.push(ContentBlock::ToolResult {
            tool_use_id: call.id.clone(),
            content: output.content,
            is_error: output.is_error,
            cache_control: None,
        });
        ran.structured.push(output.structured);
    }
    ran
}

fn refuse(ran: &mut RanCalls, refusal: Refusal) -> ToolOutput {
    if let Some(denial) = refusal.denial {
        ran.denials.push(denial);
    }
    if ran.stop.is_none() {
        ran.stop = refusal.stop;
    }
    refusal.output
}

/// Decides whether `call` may run (PreToolUse hooks, the policy, then
/// PermissionRequest hooks or the approver); returns the input to run it
/// with.
async fn authorize(
    session: &Session,
    call: &ToolCall,
    cancel: &CancellationToken,
) -> Result<Approved, Refusal> {
    if let Some(message) = &call.invalid {
        return Err(Refusal::error(message.clone()));
    }
    let read_only = match session.lookup_tool(&call.name) {
        // Stopping a background subagent ends only work the model started.
        Some(tool) => {
            tool.is_read_only()
                || crate::subagent::background::tools::stops_agent(session, &call.name, &call.input)
        }
        // Task and Skill change nothing themselves; see agent_tools.rs.
        None if agent_tools::offered(&session.frame.tools, &call.name) => true,
        None => {
            return Err(Refusal::error(format!(
                "No such tool: {}. Available tools: {}.",
                call.name,
                session
                    .frame
                    .tools
                    .iter()
                    .map(|tool| tool.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    };
    let cwd = bash_cwd(session);
    let check = |input: &Value, hook_allowed: bool| {
        let to_check = CallToCheck {
            tool_name: &call.name,
            input,
            read_only,
            cwd: &cwd,
        };
        if hook_allowed {
            session.deps.gate.check_hook_allowed(to_check)
        } else {
            session.deps.gate.check(to_check)
        }
    };
    let call_ref = CallRef {
        id: &call.id,
        name: &call.name,
    };
    let hooked = tool_hooks::pre_tool_use(session, call_ref, &call.input, cancel).await;
    if let Some(refusal) = hooked.refusal {
        return Err(denied(session, call, refusal.message, refusal.stop));
    }
    if cancel.is_cancelled() {
        return Err(Refusal::error(
            "Not run: the user interrupted the turn.".to_owned(),
        ));
    }
    let input = hooked.input;
    let approved = |input: Value| Approved {
        input,
        context: hooked.context.clone(),
    };
    let hook_allowed = hooked.permission == HookPermission::Allow;
    let (reason, suggestions, blocked_path) =
        match (check(&input, hook_allowed), &hooked.permission) {
            (Decision::Deny { reason }, _) => return Err(denied(session, call, reason, None)),
            (Decision::Allow { .. }, HookPermission::Ask(reason)) => (
                reason.clone().unwrap_or_else(|| {
                    format!(
                        "A PreToolUse hook asks for approval of this {} call",
                        call.name
                    )
                }),
                Vec::new(),
                None,
            ),
            (Decision::Allow { .. }, _) => return Ok(approved(input)),
            (
                Decision::Ask {
                    reason,
                    suggestions,
                    blocked_path,
                },
                permission,
            ) => match permission {
                HookPermission::Ask(Some(hook_reason)) => {
                    (hook_reason.clone(), suggestions, blocked_path)
                }
                _ => (reason, suggestions, blocked_path),
            },
        };
    let request = ApprovalRequest {
        tool_use_id: call.id.clone(),
        tool_name: call.name.clone(),
        input: input.clone(),
        reason,
        suggestions,
        blocked_path,
    };
    let hook_answer =
        tool_hooks::permission_request(session, call_ref, &input, &request.suggestions, cancel)
            .await;
    let decision = match hook_answer {
        Some(decision) => decision,
        None => {
            session
                .deps
                .events
                .emit(AgentEvent::ApprovalRequested(request.clone()));
            let asking = futures::future::join(
                session.deps.approver.decide(&request),
                tool_hooks::notify_approval(session, call_ref, cancel),
            );
            tokio::select! {
                (decision, ()) = asking => decision,
                () = cancel.cancelled() => return Err(Refusal::error("Not run: the user interrupted the turn.".to_owned())),
            }
        }
    };
    match decision {
        ApprovalDecision::Allow {
            updated_input,
            updated_permissions,
        } => {
            for update in &updated_permissions {
                session.deps.gate.apply(update);
            }
            save_updates(session, &updated_permissions).await;
            let input = updated_input.unwrap_or(input);
            if let Decision::Deny { reason } = check(&input, false) {
                return Err(denied(session, call, reason, None));
            }
            Ok(approved(input))
        }
        ApprovalDecision::Deny { message, interrupt } => {
            let stop = interrupt.then(|| TurnStop::Denied {
                message: message.clone(),
            });
            Err(denied(session, call, message, stop))
        }
    }
}

/// Saves approved updates that name a settings file (see
/// `crate::approvals`), telling the front end where each went or why it
/// could not be saved. The session goes on either way: the gate already
/// holds the update.
pub(crate) async fn save_updates(session: &Session, updates: &[PermissionUpdate]) {
    let Some(store) = session.config.permission_store.clone() else {
        return;
    };
    for update in updates {
        let saving = {
            let (store, update) = (store.clone(), update.clone());
            tokio::task::spawn_blocking(move || store.save(&update))
        };
        match saving.await {
            Ok(Ok(Some(saved))) => {
                let (level, message) = saved.notice();
                session.deps.events.notice(level, message);
            }
            Ok(Ok(None)) => {}
            Ok(Err(error)) => session.deps.events.notice(
                NoticeLevel::Warning,
                format!("The approval holds for this session but could not be saved: {error}"),
            ),
            Err(error) => session.deps.events.notice(
                NoticeLevel::Warning,
                format!("The approval holds for this session but saving it failed: {error}"),
            ),
        }
    }
}

fn denied(session: &Session, call: &ToolCall, reason: String, stop: Option<TurnStop>) -> Refusal {
    let denial = PermissionDenial {
        tool_name: call.name.clone(),
        tool_use_id: call.id.clone(),
        tool_input: call.input.clone(),
    };
    session
        .deps
        .events
        .emit(AgentEvent::PermissionDenied(denial.clone()));
    Refusal {
        output: ToolOutput::error(reason),
        denial: Some(denial),
        stop,
    }
}

/// Runs an approved call, then its PostToolUse hooks; returns the output
/// and the turn's stop if a hook ended it.
async fn execute(
    session: &Session,
    call: &ToolCall,
    approved: Approved,
    cancel: &CancellationToken,
) -> (ToolOutput, Option<TurnStop>) {
    let Approved {
        input,
        context: hook_context,
    } = approved;
    let context = tool_context(session, &call.name, &call.id, &input, cancel);
    let sandboxed = context.sandbox_prefix.is_some();
    session.deps.events.emit(AgentEvent::ToolStarted {
        tool_use_id: call.id.clone(),
        name: call.name.clone(),
        input: input.clone(),
    });
    let checkpoint = super::checkpointing::before_tool(session, &call.name, &input).await;
    let started = Instant::now();
    let output =
        match agent_tools::execute(session, &call.name, &call.id, input.clone(), cancel).await {
            Some(output) => rudder_tools::registry::cap_result(output, &context),
            None => {
                session
                    .execute_tool(&call.name, input.clone(), &context)
                    .await
            }
        };
    session.deps.events.emit(AgentEvent::ToolFinished {
        tool_use_id: call.id.clone(),
        name: call.name.clone(),
        is_error: output.is_error,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    });
    super::checkpointing::after_tool(session, checkpoint).await;
    if sandboxed {
        warn_created_protected_paths(session);
    }
    if call.name == "TodoWrite" && !output.is_error {
        session.deps.events.emit(AgentEvent::TodosUpdated {
            todos: serde_json::to_value(session.tool_state.todos()).unwrap_or_default(),
        });
    }
    let call_ref = CallRef {
        id: &call.id,
        name: &call.name,
    };
    let output = tool_hooks::append_notes(output, hook_context.into_iter().collect());
    tool_hooks::post_tool_use(session, call_ref, &input, output, cancel).await
}

/// What a call of `tool` (id `tool_use_id`) runs with: the session's
/// directories, state, limits and environment, a child of `cancel`, and
/// for Bash the sandbox prefix the policy gives this input.
pub(super) fn tool_context(
    session: &Session,
    tool: &str,
    tool_use_id: &str,
    input: &Value,
    cancel: &CancellationToken,
) -> ToolContext {
    let config = &session.config;
    let sandbox_prefix = if tool == "Bash" {
        session.deps.gate.sandbox_prefix(input, &bash_cwd(session))
    } else {
        None
    };
    ToolContext {
        project_dir: config.cwd.clone(),
        spill_dir: paths::session_dir(&config.rudder_home, &config.cwd, &config.session_id)
            .join("tool-results"),
        state: Arc::clone(&session.tool_state),
        cancel: cancel.child_token(),
        tool_use_id: tool_use_id.to_owned(),
        limits: config.tool_limits.clone(),
        side_query: Some(Arc::new(SessionSideQuery::new(session))),
        env: config.child_env.clone(),
        sandbox_prefix,
        walk_filter: session.deps.gate.walk_filter(),
    }
}

/// Warns about protected paths a sandboxed command created: files that make
/// tools run code (`.mcp.json`, `.envrc`, `.git/hooks`, …) which did not
/// exist when the sandbox was planned. The sandbox keeps the existing ones
/// read-only; new ones are the person's to check before they trust them
/// (`rudder_policy::sandbox`, CVE-2026-25725).
fn warn_created_protected_paths(session: &Session) {
    for path in session.deps.gate.sandbox_created_paths() {
        session.deps.events.notice(
            NoticeLevel::Warning,
            format!(
                "A sandboxed command created {}, a file that makes tools run code. rudder does not \
                 act on it in this session; check it before you trust or reload this folder.",
                path.display()
            ),
        );
    }
}

/// The Bash tool's current directory (it persists between calls); relative
/// paths of every call are judged against it.
pub(super) fn bash_cwd(session: &Session) -> std::path::PathBuf {
    session
        .tool_state
        .bash_cwd
        .lock()
        .map(|cwd| cwd.clone())
        .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
}

//! `--input-format stream-json`: user messages and control requests arrive
//! as JSON lines on stdin; each user message runs as one turn.
//!
//! A reader task parses stdin and answers control requests at once (an
//! `interrupt` must reach a running turn), queueing user messages for the
//! turn loop. Closing stdin ends the session after the current turn; a
//! signal ends it at once (the running turn is cancelled). Each message
//! goes through `Session::submit`, so `/compact` and the other slash
//! commands work. Subagent types the SDK defines in `initialize` reach the
//! session through the same queue, so they are in place before the first
//! prompt.

use std::sync::{Arc, Mutex};

use rudder_config::agents::AgentDef;
use rudder_core::Session;
use rudder_core::checkpoint::CheckpointStore;
use rudder_core::permissions::PermissionGate;
use rudder_core::session::ContextView;
use rudder_protocol::headless::{ControlRequest, InputRecord};
use rudder_protocol::permission::{PermissionUpdate, UpdateDestination};
use rudder_protocol::{Message, PermissionMode};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::control::{self, PendingRequests};
use super::ending::Ending;
use super::mcp_control::{self, McpControl};
use super::output::Stdout;
use super::session_commands;
use crate::exit::Exit;

/// What the reader hands to the turn loop, in arrival order.
enum Input {
    /// A user message: one turn.
    Prompt(Message),
    /// Subagent types from the SDK's `initialize`.
    Agents(Vec<AgentDef>),
}

/// The streams and services the stdin reader answers with.
pub struct StreamIo {
    /// stdout.
    pub out: Stdout,
    /// Requests rudder sent to the SDK.
    pub pending: Arc<PendingRequests>,
    /// The session's MCP servers, for `mcp_*` control requests.
    pub mcp: Option<McpControl>,
    /// The answer to the SDK's `initialize` (commands, agents, styles).
    pub initialize: Value,
}

/// Runs turns from stdin until it closes or a signal arrives; returns the
/// last turn's status.
pub async fn run(
    mut session: Session,
    gate: Arc<dyn PermissionGate>,
    io: StreamIo,
    ending: &Ending,
) -> Exit {
    let current_turn: Arc<Mutex<CancellationToken>> =
        Arc::new(Mutex::new(CancellationToken::new()));
    let (prompts, mut queue) = mpsc::unbounded_channel::<Input>();
    let pending = Arc::clone(&io.pending);
    let reader = tokio::spawn(read_stdin(
        io,
        Arc::clone(&current_turn),
        prompts,
        (gate, session.checkpoints()),
        session.context_view(),
    ));
    let mut exit = Exit::Success;
    loop {
        let next = tokio::select! {
            next = queue.recv() => next,
            () = ending.cancelled() => None,
        };
        let Some(input) = next else {
            break;
        };
        let message = match input {
            Input::Prompt(message) => message,
            Input::Agents(agents) => {
                session.add_agents(agents);
                continue;
            }
        };
        let cancel = ending.turn_token();
        if let Ok(mut slot) = current_turn.lock() {
            *slot = cancel.clone();
        }
        let turn = session.submit(message.content, &cancel);
        match ending.bounded(turn).await {
            Some(outcome) => exit = super::exit_for(&outcome),
            None => exit = Exit::Failure,
        }
    }
    if ending.is_ending() {
        exit = Exit::Failure;
    }
    reader.abort();
    pending.close();
    session.shutdown().await;
    exit
}

async fn read_stdin(
    io: StreamIo,
    current_turn: Arc<Mutex<CancellationToken>>,
    prompts: mpsc::UnboundedSender<Input>,
    (gate, checkpoints): (Arc<dyn PermissionGate>, Option<Arc<CheckpointStore>>),
    context: ContextView,
) {
    let StreamIo {
        out,
        pending,
        mcp,
        mut initialize,
    } = io;
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if line.trim().is_empty() {
            continue;
        }
        let record: InputRecord = match serde_json::from_str(&line) {
            Ok(record) => record,
            Err(error) => {
                eprintln!(
                    "rudder: ignoring an input line that is not a stream-json record ({error}): {line}"
                );
                continue;
            }
        };
        match record {
            InputRecord::User { message, .. } => {
                if prompts.send(Input::Prompt(message)).is_err() {
                    break;
                }
            }
            InputRecord::ControlRequest(request) => {
                let agents = control::take_sdk_agents(&request, &mut initialize);
                if !agents.is_empty() && prompts.send(Input::Agents(agents)).is_err() {
                    break;
                }
                let answer = if request.request.get("subtype").and_then(Value::as_str)
                    == Some("rewind_files")
                {
                    super::rewind_files::answer(&request, checkpoints.as_ref())
                } else {
                    answer_control(
                        &request,
                        &current_turn,
                        gate.as_ref(),
                        &context,
                        mcp.as_ref(),
                        &initialize,
                    )
                };
                out.record(&answer);
            }
            InputRecord::ControlResponse(response) => pending.resolve(response),
            InputRecord::ControlCancelRequest { .. } => {}
        }
    }
    pending.close();
}

/// Answers one SDK control request.
fn answer_control(
    request: &ControlRequest,
    current_turn: &Mutex<CancellationToken>,
    gate: &dyn PermissionGate,
    context: &ContextView,
    mcp: Option<&McpControl>,
    initialize: &Value,
) -> rudder_protocol::headless::OutputRecord {
    let subtype = request
        .request
        .get("subtype")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match subtype {
        "initialize" => control::success(&request.request_id, initialize.clone()),
        "interrupt" => {
            if let Ok(turn) = current_turn.lock() {
                turn.cancel();
            }
            control::success(&request.request_id, json!({}))
        }
        "set_permission_mode" => {
            let requested = request
                .request
                .get("mode")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match requested.parse::<PermissionMode>() {
                Ok(parsed) => {
                    gate.apply(&PermissionUpdate::SetMode {
                        mode: parsed,
                        destination: UpdateDestination::Session,
                    });
                    control::success(&request.request_id, json!({}))
                }
                Err(error) => control::failure(&request.request_id, error),
            }
        }
        "get_context_usage" => control::success(
            &request.request_id,
            session_commands::context_usage_response(&context.get()),
        ),
        mcp_request if mcp_request.starts_with("mcp_") => mcp_control::answer(request, mcp),
        other => control::failure(
            &request.request_id,
            format!("rudder does not support the control request `{other}` yet"),
        ),
    }
}

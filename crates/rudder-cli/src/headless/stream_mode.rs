//! `--input-format stream-json`: user messages and control requests arrive
//! as JSON lines on stdin; each user message runs as one turn.
//!
//! A reader task parses stdin and answers control requests at once (an
//! `interrupt` must reach a running turn), queueing user messages for the
//! turn loop. Closing stdin ends the session after the current turn. A
//! `/compact [instructions]` message compacts instead of running a turn.

use std::sync::{Arc, Mutex};

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
use super::output::Stdout;
use super::session_commands;
use crate::exit::Exit;

/// Runs turns from stdin until it closes; returns the last turn's status.
pub async fn run(
    mut session: Session,
    gate: Arc<dyn PermissionGate>,
    out: Stdout,
    pending: Arc<PendingRequests>,
) -> Exit {
    let current_turn: Arc<Mutex<CancellationToken>> =
        Arc::new(Mutex::new(CancellationToken::new()));
    let (prompts, mut queue) = mpsc::unbounded_channel::<Message>();
    let reader = tokio::spawn(read_stdin(
        out.clone(),
        Arc::clone(&pending),
        Arc::clone(&current_turn),
        prompts,
        (gate, session.checkpoints()),
        session.context_view(),
    ));
    let mut exit = Exit::Success;
    while let Some(message) = queue.recv().await {
        let cancel = CancellationToken::new();
        if let Ok(mut slot) = current_turn.lock() {
            *slot = cancel.clone();
        }
        let outcome = match session_commands::compact_command_in(&message.content) {
            Some(instructions) => session.run_compact_turn(instructions.as_deref()).await,
            None => session.run_turn(message.content, &cancel).await,
        };
        exit = super::exit_for(&outcome);
    }
    reader.abort();
    pending.close();
    session.shutdown().await;
    exit
}

async fn read_stdin(
    out: Stdout,
    pending: Arc<PendingRequests>,
    current_turn: Arc<Mutex<CancellationToken>>,
    prompts: mpsc::UnboundedSender<Message>,
    (gate, checkpoints): (Arc<dyn PermissionGate>, Option<Arc<CheckpointStore>>),
    context: ContextView,
) {
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
                if prompts.send(message).is_err() {
                    break;
                }
            }
            InputRecord::ControlRequest(request) => {
                let answer = if request.request.get("subtype").and_then(Value::as_str)
                    == Some("rewind_files")
                {
                    super::rewind_files::answer(&request, checkpoints.as_ref())
                } else {
                    answer_control(&request, &current_turn, gate.as_ref(), &context)
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
) -> rudder_protocol::headless::OutputRecord {
    let subtype = request
        .request
        .get("subtype")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match subtype {
        "initialize" => control::success(
            &request.request_id,
            json!({
                "commands": [],
                "agents": [],
                "output_style": "default",
                "available_output_styles": ["default"],
                "models": [],
                "account": {},
            }),
        ),
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
        "mcp_status" => control::success(&request.request_id, json!({"mcpServers": []})),
        "get_context_usage" => control::success(
            &request.request_id,
            session_commands::context_usage_response(&context.get()),
        ),
        other => control::failure(
            &request.request_id,
            format!("rudder does not support the control request `{other}` yet"),
        ),
    }
}

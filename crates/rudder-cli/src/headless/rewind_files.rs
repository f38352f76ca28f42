//! The Agent SDK's `rewind_files {user_message_id, dry_run?}` control
//! request (CLAUDE-CODE-INTERFACE.md §10.3, §11): puts every file changed
//! since that user message back as it was before it, from the session's
//! checkpoints. Checkpoints are kept in headless runs only when
//! `CLAUDE_CODE_ENABLE_SDK_FILE_CHECKPOINTING=true`, as in Claude Code.
//!
//! The answer has the SDK's `RewindFilesResult` shape: `{canRewind,
//! error?, filesChanged}`; `filesChanged` lists what was (or, with
//! `dry_run`, would be) written back or removed. The message id is the
//! `uuid` of the user message as printed with `--replay-user-messages`.

use std::sync::Arc;

use rudder_core::checkpoint::{CheckpointError, CheckpointStore};
use rudder_protocol::headless::{ControlRequest, OutputRecord};
use serde_json::{Value, json};

use super::control;

/// Answers one `rewind_files` request.
pub fn answer(request: &ControlRequest, store: Option<&Arc<CheckpointStore>>) -> OutputRecord {
    let Some(store) = store else {
        return control::failure(
            &request.request_id,
            "file checkpointing is off; start rudder with CLAUDE_CODE_ENABLE_SDK_FILE_CHECKPOINTING=true",
        );
    };
    let Some(message) = request
        .request
        .get("user_message_id")
        .and_then(Value::as_str)
    else {
        return control::failure(&request.request_id, "rewind_files needs a user_message_id");
    };
    let dry_run = request
        .request
        .get("dry_run")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    match store.rewind(message, dry_run) {
        Ok(report) => {
            let changed: Vec<String> = report
                .changed()
                .iter()
                .map(|path| path.display().to_string())
                .collect();
            let mut body = json!({
                "canRewind": report.failed.is_empty(),
                "filesChanged": changed,
            });
            if !report.failed.is_empty() {
                let reasons: Vec<String> = report
                    .failed
                    .iter()
                    .map(|(path, reason)| format!("{}: {reason}", path.display()))
                    .collect();
                body["error"] = Value::String(reasons.join("; "));
            }
            control::success(&request.request_id, body)
        }
        Err(error @ CheckpointError::UnknownTurn(_)) => control::success(
            &request.request_id,
            json!({"canRewind": false, "error": error.to_string(), "filesChanged": []}),
        ),
        Err(error) => control::failure(&request.request_id, error.to_string()),
    }
}

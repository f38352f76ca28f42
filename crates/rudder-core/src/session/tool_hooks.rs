//! The tool-level hook points and what their outcomes do: PreToolUse,
//! PermissionRequest, Notification (when an approval is needed) and
//! PostToolUse. `tool_run.rs` calls them in that order.
//!
//! Semantics (CLAUDE-CODE-INTERFACE.md §5.2–§5.4; the 2.1 reading where
//! 2025 and 2.1 differ):
//! - PreToolUse runs before the permission policy, on the input the model
//!   sent. A block (exit 2, `permissionDecision: "deny"`, deprecated
//!   `decision: "block"`) refuses the call; the model reads `Blocked by the
//!   PreToolUse:<tool> hook: <reason>` as the tool error. `allow` skips
//!   the prompt the policy would show, but deny rules, ask rules and the
//!   prompts that guard against destruction still apply
//!   ([`crate::permissions::PermissionGate::check_hook_allowed`]). `ask`
//!   puts the call to the approver even when the policy allows it.
//!   `updatedInput` replaces the input, and the policy judges the new one.
//!   `additionalContext` is added to the tool result.
//! - PermissionRequest runs when a call would be put to the approver; its
//!   allow or deny answers instead of the approver (an allow's
//!   `updatedInput` is judged by the policy again).
//! - Notification (`permission_prompt`) runs beside the approver when the
//!   approver is asked.
//! - PostToolUse runs after a call that succeeded; a block's reason and
//!   any additional context are appended to the result the model reads.
//! - `"continue": false` from PreToolUse or PostToolUse ends the turn
//!   after this message's results.

use rudder_config::hooks::{HookDecision, HookInput};
use rudder_protocol::event::TurnStop;
use rudder_protocol::permission::{ApprovalDecision, PermissionUpdate};
use rudder_protocol::{ContentBlock, ToolResultContent};
use rudder_tools::ToolOutput;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::{Session, hook_run};
use crate::prompt::system_reminder;

/// The permission a PreToolUse hook gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum HookPermission {
    /// No opinion: the policy decides.
    Undecided,
    /// Skip the prompt (rules still apply).
    Allow,
    /// Ask even if the policy allows; the reason for the prompt.
    Ask(Option<String>),
}

/// Why a hook refused a call.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct HookRefusal {
    /// The tool error the model reads.
    pub message: String,
    /// Set when the hook also ended the turn (`"continue": false`).
    pub stop: Option<TurnStop>,
}

/// What the PreToolUse hooks decided for one call.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PreToolUse {
    /// The input to judge and run (a hook's `updatedInput`, else the
    /// model's).
    pub input: Value,
    /// The hooks' permission.
    pub permission: HookPermission,
    /// Context to add to the call's result.
    pub context: Option<String>,
    /// Set when the call must not run.
    pub refusal: Option<HookRefusal>,
}

/// One call, as the hooks see it.
#[derive(Debug, Clone, Copy)]
pub(super) struct CallRef<'a> {
    /// The `tool_use` id.
    pub id: &'a str,
    /// The tool name.
    pub name: &'a str,
}

/// Runs the PreToolUse hooks for `call` with the model's `input`.
pub(super) async fn pre_tool_use(
    session: &Session,
    call: CallRef<'_>,
    input: &Value,
    cancel: &CancellationToken,
) -> PreToolUse {
    let hook_input = HookInput::PreToolUse {
        tool_name: call.name.to_owned(),
        tool_input: input.clone(),
        tool_use_id: call.id.to_owned(),
    };
    let report = hook_run::run(session, &hook_input, None, cancel).await;
    let refusal = match (report.stop_request(), report.block_reason()) {
        (Some(message), _) => Some(HookRefusal {
            message: message.clone(),
            stop: Some(TurnStop::Denied { message }),
        }),
        (None, Some(reason)) => Some(HookRefusal {
            message: format!("Blocked by the PreToolUse:{} hook: {reason}", call.name),
            stop: None,
        }),
        (None, None) => None,
    };
    let outcome = report.outcome;
    PreToolUse {
        input: outcome.updated_input.unwrap_or_else(|| input.clone()),
        permission: match outcome.decision {
            HookDecision::Allow { .. } => HookPermission::Allow,
            HookDecision::Ask { reason } => HookPermission::Ask(reason),
            HookDecision::None | HookDecision::Block { .. } => HookPermission::Undecided,
        },
        context: outcome.additional_context.map(|context| {
            system_reminder(&format!(
                "PreToolUse:{} hook additional context:\n{context}",
                call.name
            ))
        }),
        refusal,
    }
}

/// Runs the PermissionRequest hooks for a call about to be put to the
/// approver; returns their answer, or `None` to ask the approver.
pub(super) async fn permission_request(
    session: &Session,
    call: CallRef<'_>,
    input: &Value,
    suggestions: &[PermissionUpdate],
    cancel: &CancellationToken,
) -> Option<ApprovalDecision> {
    let hook_input = HookInput::PermissionRequest {
        tool_name: call.name.to_owned(),
        tool_input: input.clone(),
        permission_suggestions: suggestions.to_vec(),
    };
    let report = hook_run::run(session, &hook_input, None, cancel).await;
    let outcome = report.outcome;
    match outcome.decision {
        HookDecision::Allow { .. } => Some(ApprovalDecision::Allow {
            updated_input: outcome.updated_input,
            updated_permissions: outcome.updated_permissions,
        }),
        HookDecision::Block { reason, .. } => Some(ApprovalDecision::Deny {
            message: format!(
                "Denied by the PermissionRequest:{} hook: {reason}",
                call.name
            ),
            interrupt: outcome.interrupt,
        }),
        HookDecision::None | HookDecision::Ask { .. } => None,
    }
}

/// Runs the Notification hooks for an approval the approver is asked for.
pub(super) async fn notify_approval(
    session: &Session,
    call: CallRef<'_>,
    cancel: &CancellationToken,
) {
    let input = HookInput::Notification {
        message: format!("rudder needs your permission to use {}", call.name),
        title: None,
        notification_type: "permission_prompt".to_owned(),
    };
    hook_run::run(session, &input, None, cancel).await;
}

/// Runs the PostToolUse hooks after `call` ran with `input` and gave
/// `output` (skipped for failed calls, as Claude Code does). Returns the
/// output with the hooks' feedback appended, and the turn's stop if a hook
/// said `"continue": false`.
pub(super) async fn post_tool_use(
    session: &Session,
    call: CallRef<'_>,
    input: &Value,
    output: ToolOutput,
    cancel: &CancellationToken,
) -> (ToolOutput, Option<TurnStop>) {
    if output.is_error {
        return (output, None);
    }
    let hook_input = HookInput::PostToolUse {
        tool_name: call.name.to_owned(),
        tool_input: input.clone(),
        tool_response: output
            .structured
            .clone()
            .unwrap_or_else(|| Value::String(output.content.text())),
        tool_use_id: call.id.to_owned(),
    };
    let report = hook_run::run(session, &hook_input, None, cancel).await;
    let mut notes = Vec::new();
    if let Some(reason) = report.block_reason() {
        notes.push(format!(
            "PostToolUse:{} hook feedback:\n{reason}",
            call.name
        ));
    }
    if let Some(context) = &report.outcome.additional_context {
        notes.push(system_reminder(&format!(
            "PostToolUse:{} hook additional context:\n{context}",
            call.name
        )));
    }
    let stop = report
        .stop_request()
        .map(|message| TurnStop::Denied { message });
    (append_notes(output, notes), stop)
}

/// Appends `notes` to the result the model reads.
pub(super) fn append_notes(mut output: ToolOutput, notes: Vec<String>) -> ToolOutput {
    if notes.is_empty() {
        return output;
    }
    output.content = match output.content {
        ToolResultContent::Text(mut text) => {
            for note in notes {
                if !text.is_empty() {
                    text.push_str("\n\n");
                }
                text.push_str(&note);
            }
            ToolResultContent::Text(text)
        }
        ToolResultContent::Blocks(mut blocks) => {
            blocks.extend(notes.into_iter().map(ContentBlock::text));
            ToolResultContent::Blocks(blocks)
        }
    };
    output
}

//! The interactive [`Approver`]: an `ask` from the policy becomes a prompt
//! in the TUI, and the session waits for the person's answer.
//!
//! Each request goes to the TUI's approvals channel with a one-shot reply
//! channel; the TUI shows the prompt (with the diff of a proposed edit) and
//! answers allow, allow always, or deny. "Always" carries the request's
//! suggested rules, which the turn loop applies to the session's gate at
//! once (later calls in this session are allowed without asking) and saves
//! to the settings file each names — `.claude/settings.local.json` for the
//! suggested rules (`rudder_core::approvals`), with a notice saying where.
//! Must never: decide on its own; a TUI that has gone away counts as a
//! denial that stops the turn.

use futures::future::BoxFuture;
use rudder_core::EventSink;
use rudder_core::permissions::Approver;
use rudder_protocol::event::NoticeLevel;
use rudder_protocol::permission::{ApprovalDecision, ApprovalRequest, PermissionUpdate, RuleValue};
use rudder_tui::ApprovalPrompt;
use tokio::sync::{mpsc, oneshot};

use super::status::{SharedStatus, lock};

/// Asks the person through the TUI.
pub struct TuiApprover {
    /// The TUI's approvals channel.
    pub approvals: mpsc::UnboundedSender<ApprovalPrompt>,
    /// Where the notice about allowed rules goes.
    pub events: EventSink,
    /// The status snapshot, whose mode a "don't ask again" may change.
    pub status: SharedStatus,
}

impl Approver for TuiApprover {
    fn decide<'a>(&'a self, request: &'a ApprovalRequest) -> BoxFuture<'a, ApprovalDecision> {
        Box::pin(async move {
            let closed = || ApprovalDecision::Deny {
                message: "The approval prompt was closed before it was answered.".to_owned(),
                interrupt: true,
            };
            let (reply, answer) = oneshot::channel();
            if self.approvals.send((request.clone(), reply)).is_err() {
                return closed();
            }
            let decision = answer.await.unwrap_or_else(|_| closed());
            if let ApprovalDecision::Allow {
                updated_permissions,
                ..
            } = &decision
                && !updated_permissions.is_empty()
            {
                for update in updated_permissions {
                    if let PermissionUpdate::SetMode { mode, .. } = update {
                        lock(&self.status).permission_mode = *mode;
                    }
                }
                self.events.notice(
                    NoticeLevel::Info,
                    format!("Allowed from now on: {}.", describe(updated_permissions)),
                );
            }
            decision
        })
    }
}

/// `Bash(make build); acceptEdits mode`.
fn describe(updates: &[PermissionUpdate]) -> String {
    updates
        .iter()
        .map(|update| match update {
            PermissionUpdate::AddRules { rules, .. } => list(rules),
            PermissionUpdate::ReplaceRules {
                rules, behavior, ..
            } => format!("only {} in the {} list", list(rules), behavior.as_str()),
            PermissionUpdate::RemoveRules {
                rules, behavior, ..
            } => format!("no {} in the {} list", list(rules), behavior.as_str()),
            PermissionUpdate::SetMode { mode, .. } => format!("{mode} mode"),
            PermissionUpdate::AddDirectories { directories, .. } => {
                format!("access to {}", directories.join(", "))
            }
            PermissionUpdate::RemoveDirectories { directories, .. } => {
                format!("no access to {}", directories.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `Bash(make), Read`.
fn list(rules: &[RuleValue]) -> String {
    rules
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

//! Approval prompts: the queue of [`ApprovalRequest`]s, the choice being
//! made, and the [`ApprovalDecision`] each choice gives.
//!
//! Owns: the mapping from the user's choice to the decision (Agent SDK
//! `can_use_tool` shapes, CLAUDE-CODE-INTERFACE.md §10.3): "Yes" →
//! `Allow`; "Yes, and don't ask again" → `Allow` with the request's
//! `suggestions` as `updated_permissions` (the session applies and persists
//! them); "No" with feedback → `Deny` that lets the model go on; Esc →
//! `Deny` that stops the turn. Must never: decide on its own or persist
//! rules.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::text::Line;
use rudder_protocol::permission::{ApprovalDecision, ApprovalRequest, PermissionUpdate, RuleValue};
use tokio::sync::oneshot;

use super::App;
use crate::render::tool::{DIFF_LINES, edit_diff};
use crate::render::{fold, tool::display_name};

/// Sent to the model when the user stops at an approval prompt with Esc.
const REJECTED: &str = "The user rejected this tool call and wants to tell you what to do instead. \
Stop here and wait for their next message.";

/// An approval request waiting for the user.
pub(crate) struct PendingApproval {
    /// What is asked.
    pub(crate) request: ApprovalRequest,
    /// Where the answer goes.
    reply: Option<oneshot::Sender<ApprovalDecision>>,
    /// The diff of a proposed edit (empty for other tools).
    pub(crate) preview: Vec<Line<'static>>,
}

/// How the first pending approval is being answered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ApprovalUi {
    /// Highlighted option.
    pub(crate) selected: usize,
    /// Feedback being typed after choosing "No" (`None`: choosing).
    pub(crate) feedback: Option<String>,
}

/// One option of the prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApprovalChoice {
    /// Allow this call.
    Once,
    /// Allow it and apply the suggested rules.
    Always,
    /// Refuse, with feedback.
    Deny,
}

/// The file an approval's preview needs (Edit, MultiEdit, Write), so the
/// event loop can read it before calling [`App::on_approval`].
pub(crate) fn preview_file(request: &ApprovalRequest) -> Option<std::path::PathBuf> {
    matches!(request.tool_name.as_str(), "Edit" | "MultiEdit" | "Write")
        .then(|| {
            request
                .input
                .get("file_path")?
                .as_str()
                .map(std::path::PathBuf::from)
        })
        .flatten()
}

/// How "don't ask again" is described: the rules it would add.
pub(crate) fn suggestion_label(suggestions: &[PermissionUpdate]) -> String {
    let parts: Vec<String> = suggestions
        .iter()
        .map(|update| match update {
            PermissionUpdate::AddRules { rules, .. } => rule_list(rules),
            PermissionUpdate::ReplaceRules {
                rules, behavior, ..
            } => format!(
                "only {} in the {} list",
                rule_list(rules),
                behavior.as_str()
            ),
            PermissionUpdate::RemoveRules {
                rules, behavior, ..
            } => format!("no {} in the {} list", rule_list(rules), behavior.as_str()),
            PermissionUpdate::SetMode { mode, .. } => format!("{mode} mode"),
            PermissionUpdate::AddDirectories { directories, .. } => directories.join(", "),
            PermissionUpdate::RemoveDirectories { directories, .. } => {
                format!("no access to {}", directories.join(", "))
            }
        })
        .collect();
    parts.join("; ")
}

/// `Bash(make), Read`.
fn rule_list(rules: &[RuleValue]) -> String {
    rules
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl App {
    /// A request arrived. `file` is the current text of the file an edit
    /// would change (see [`preview_file`]), for the diff preview.
    pub(crate) fn on_approval(
        &mut self,
        request: ApprovalRequest,
        reply: oneshot::Sender<ApprovalDecision>,
        file: Option<String>,
    ) {
        let preview = edit_diff(&request.tool_name, &request.input, file.as_deref(), false)
            .map(|(lines, _)| fold(lines, DIFF_LINES, ""))
            .unwrap_or_default();
        let name = display_name(&request.tool_name);
        self.approvals.push_back(PendingApproval {
            request,
            reply: Some(reply),
            preview,
        });
        self.notify(&format!("rudder needs your approval for {name}"));
        self.dirty = true;
    }

    /// The options of the first request, in order.
    pub(crate) fn approval_choices(&self) -> Vec<ApprovalChoice> {
        let always = self
            .approvals
            .front()
            .is_some_and(|pending| !pending.request.suggestions.is_empty());
        if always {
            vec![
                ApprovalChoice::Once,
                ApprovalChoice::Always,
                ApprovalChoice::Deny,
            ]
        } else {
            vec![ApprovalChoice::Once, ApprovalChoice::Deny]
        }
    }

    /// Forgets requests whose asker stopped waiting (turn interrupted).
    pub(crate) fn drop_closed_approvals(&mut self) {
        let before = self.approvals.len();
        self.approvals.retain(|pending| {
            pending
                .reply
                .as_ref()
                .is_some_and(|reply| !reply.is_closed())
        });
        if self.approvals.len() != before {
            self.approval_ui = ApprovalUi::default();
            self.dirty = true;
        }
    }

    pub(super) fn approval_key(&mut self, key: KeyEvent) {
        if let Some(feedback) = &mut self.approval_ui.feedback {
            match key.code {
                KeyCode::Enter => {
                    let text = feedback.trim().to_owned();
                    let decision = if text.is_empty() {
                        ApprovalDecision::Deny {
                            message: REJECTED.to_owned(),
                            interrupt: true,
                        }
                    } else {
                        ApprovalDecision::Deny {
                            message: format!("The user denied this tool call and said: {text}"),
                            interrupt: false,
                        }
                    };
                    self.answer(decision);
                }
                KeyCode::Esc => self.approval_ui.feedback = None,
                KeyCode::Backspace => {
                    feedback.pop();
                }
                KeyCode::Char(ch) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    feedback.push(ch)
                }
                _ => {}
            }
            return;
        }
        let choices = self.approval_choices();
        match key.code {
            KeyCode::Up | KeyCode::BackTab => {
                self.approval_ui.selected =
                    (self.approval_ui.selected + choices.len() - 1) % choices.len();
            }
            KeyCode::Down | KeyCode::Tab => {
                self.approval_ui.selected = (self.approval_ui.selected + 1) % choices.len();
            }
            KeyCode::Enter => {
                if let Some(choice) = choices.get(self.approval_ui.selected) {
                    self.choose(*choice);
                }
            }
            KeyCode::Char('y') => self.choose(ApprovalChoice::Once),
            KeyCode::Char('n') => self.choose(ApprovalChoice::Deny),
            KeyCode::Char(digit @ '1'..='9') => {
                let index = usize::from(digit as u8 - b'1');
                if let Some(choice) = choices.get(index) {
                    self.choose(*choice);
                }
            }
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.answer(ApprovalDecision::Deny {
                    message: REJECTED.to_owned(),
                    interrupt: true,
                });
            }
            KeyCode::Esc => self.answer(ApprovalDecision::Deny {
                message: REJECTED.to_owned(),
                interrupt: true,
            }),
            _ => {}
        }
    }

    fn choose(&mut self, choice: ApprovalChoice) {
        match choice {
            ApprovalChoice::Once => self.answer(ApprovalDecision::Allow {
                updated_input: None,
                updated_permissions: Vec::new(),
            }),
            ApprovalChoice::Always => {
                let updates = self
                    .approvals
                    .front()
                    .map(|pending| pending.request.suggestions.clone())
                    .unwrap_or_default();
                self.answer(ApprovalDecision::Allow {
                    updated_input: None,
                    updated_permissions: updates,
                });
            }
            ApprovalChoice::Deny => self.approval_ui.feedback = Some(String::new()),
        }
    }

    fn answer(&mut self, decision: ApprovalDecision) {
        if let Some(mut pending) = self.approvals.pop_front()
            && let Some(reply) = pending.reply.take()
        {
            // The asker may have given up (interrupt); nothing to do then.
            let _ = reply.send(decision);
        }
        self.approval_ui = ApprovalUi::default();
        self.dirty = true;
    }
}

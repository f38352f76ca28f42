//! What one hook run means for the agent: plain data the runner acts on
//! without re-reading Claude Code's documentation. Produced by
//! [`super::interpret`]; when several hooks ran for one event the runner
//! combines their outcomes (any `Block` wins over `Ask` over `Allow`; all
//! contexts are concatenated; any `continue_session: false` stops).

use rudder_protocol::permission::PermissionUpdate;
use serde_json::Value;

/// Who a block reason is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Send it to the model (as the tool error, or as the next instruction).
    Model,
    /// Show it to the user only.
    User,
}

/// The hook's decision. Which ones an event can produce, and what they mean
/// (CLAUDE-CODE-INTERFACE.md §5.3–§5.4):
///
/// | event | `Allow` | `Ask` | `Block` |
/// |---|---|---|---|
/// | PreToolUse | run without prompting (deny/ask rules still apply); reason for the user | prompt even if rules allow; reason shown in the prompt | do not run; reason is the tool error the model sees |
/// | PermissionRequest | grant (with [`HookOutcome::updated_input`] / `updated_permissions` if set) | — | refuse; reason is the tool error; stop the turn if [`HookOutcome::interrupt`] |
/// | PostToolUse | — | — | the tool already ran; send the reason to the model |
/// | UserPromptSubmit | — | — | drop the prompt (never sent); show the reason to the user |
/// | Stop, SubagentStop | — | — | do not stop; the reason is the model's next instruction |
/// | PreCompact | — | — | skip this compaction; show the reason to the user |
/// | Notification, SessionStart, SessionEnd | — | — | — (exit 2 becomes [`HookOutcome::user_warning`]) |
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookDecision {
    /// No opinion: carry on as if the hook had not decided anything.
    None,
    /// Allow (see the table).
    Allow {
        /// Why, for the user.
        reason: Option<String>,
    },
    /// Ask the user (PreToolUse only).
    Ask {
        /// Why, shown in the prompt.
        reason: Option<String>,
    },
    /// Block (see the table).
    Block {
        /// The message.
        reason: String,
        /// Who reads it.
        audience: Audience,
    },
}

/// Everything one hook run asks of the agent.
#[derive(Debug, Clone, PartialEq)]
pub struct HookOutcome {
    /// The decision; see [`HookDecision`].
    pub decision: HookDecision,
    /// `false` (JSON `"continue": false`): stop the agent after the hooks of
    /// this event, whatever `decision` says, and show `stop_reason` to the
    /// user.
    pub continue_session: bool,
    /// JSON `stopReason`: shown to the user when `continue_session` is false.
    pub stop_reason: Option<String>,
    /// JSON `systemMessage`: a warning to show the user.
    pub system_message: Option<String>,
    /// JSON `suppressOutput`: leave this hook's run out of the transcript
    /// view (JSON stdout itself is never shown as text).
    pub suppress_output: bool,
    /// Text to add to the model's context: `additionalContext`, or the plain
    /// stdout of a UserPromptSubmit or SessionStart hook.
    pub additional_context: Option<String>,
    /// PreToolUse/PermissionRequest `updatedInput`: run the tool with this
    /// input instead (the policy must check it again).
    pub updated_input: Option<Value>,
    /// PermissionRequest `updatedPermissions`: rules or mode changes to apply
    /// with the grant.
    pub updated_permissions: Vec<PermissionUpdate>,
    /// PermissionRequest deny with `interrupt: true`: stop the turn too.
    pub interrupt: bool,
    /// Plain stdout to show in the transcript view (verbose); `None` when
    /// it was empty, used as context, or a JSON document.
    pub transcript_output: Option<String>,
    /// A non-blocking problem to show the user: another exit code, a
    /// timeout, exit 2 on an event that cannot block, or JSON fields that
    /// made no sense.
    pub user_warning: Option<String>,
    /// True when the hook timed out or was killed.
    pub timed_out: bool,
}

impl Default for HookOutcome {
    /// No decision, continue, nothing to show.
    fn default() -> Self {
        Self {
            decision: HookDecision::None,
            continue_session: true,
            stop_reason: None,
            system_message: None,
            suppress_output: false,
            additional_context: None,
            updated_input: None,
            updated_permissions: Vec::new(),
            interrupt: false,
            transcript_output: None,
            user_warning: None,
            timed_out: false,
        }
    }
}

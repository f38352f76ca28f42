//! The hook events rudder runs (Claude Code's 2025 set,
//! CLAUDE-CODE-INTERFACE.md §5.2), with their wire names.

use std::fmt;

/// A point in the agent's life where hooks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HookEvent {
    /// Before a tool call is checked and run; matcher on the tool name.
    PreToolUse,
    /// When a permission prompt would be shown; matcher on the tool name.
    PermissionRequest,
    /// After a tool call ran; matcher on the tool name.
    PostToolUse,
    /// When rudder notifies the user; matcher on the notification type.
    Notification,
    /// When the user submits a prompt, before the model sees it.
    UserPromptSubmit,
    /// When the main agent is about to end its turn.
    Stop,
    /// When a subagent is about to finish; matcher on the agent type.
    SubagentStop,
    /// Before compaction; matcher on `manual` or `auto`.
    PreCompact,
    /// When a session starts; matcher on the source (`startup`, `resume`, …).
    SessionStart,
    /// When a session ends; matcher on the reason.
    SessionEnd,
}

impl HookEvent {
    /// Every event, in the order above.
    pub const ALL: [HookEvent; 10] = [
        Self::PreToolUse,
        Self::PermissionRequest,
        Self::PostToolUse,
        Self::Notification,
        Self::UserPromptSubmit,
        Self::Stop,
        Self::SubagentStop,
        Self::PreCompact,
        Self::SessionStart,
        Self::SessionEnd,
    ];

    /// The wire name, e.g. `PreToolUse` (settings key and `hook_event_name`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PreToolUse => "PreToolUse",
            Self::PermissionRequest => "PermissionRequest",
            Self::PostToolUse => "PostToolUse",
            Self::Notification => "Notification",
            Self::UserPromptSubmit => "UserPromptSubmit",
            Self::Stop => "Stop",
            Self::SubagentStop => "SubagentStop",
            Self::PreCompact => "PreCompact",
            Self::SessionStart => "SessionStart",
            Self::SessionEnd => "SessionEnd",
        }
    }

    /// The event with wire name `name`, if rudder runs it.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|event| event.as_str() == name)
    }
}

impl fmt::Display for HookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for event in HookEvent::ALL {
            assert_eq!(HookEvent::from_name(event.as_str()), Some(event));
        }
        assert_eq!(HookEvent::from_name("PostToolUseFailure"), None);
    }
}

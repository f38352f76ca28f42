//! The JSON document a hook reads on stdin, and the variables it runs with.
//!
//! Shape (CLAUDE-CODE-INTERFACE.md §5.2, observed from Claude Code 2.1.330):
//! common fields `session_id`, `transcript_path`, `cwd`, `permission_mode`,
//! `hook_event_name`, then the event's own fields, in that order. Pure.

use std::path::{Path, PathBuf};

use rudder_protocol::PermissionMode;
use rudder_protocol::permission::PermissionUpdate;
use serde_json::{Map, Value, json};

use super::event::HookEvent;

/// Fields every hook input carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookCommon {
    /// The session id.
    pub session_id: String,
    /// The session's JSONL transcript.
    pub transcript_path: PathBuf,
    /// The session's working directory.
    pub cwd: PathBuf,
    /// The permission mode in force.
    pub permission_mode: PermissionMode,
}

/// What triggered a compaction (`PreCompact` matcher subject).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompactTrigger {
    /// `/compact`.
    Manual,
    /// The context filled up.
    Auto,
}

/// Why a session started (`SessionStart` matcher subject).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStartSource {
    /// A new session.
    Startup,
    /// `--resume`, `--continue`.
    Resume,
    /// `/clear`.
    Clear,
    /// After compaction.
    Compact,
}

/// Why a session ended (`SessionEnd` matcher subject).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEndReason {
    /// `/clear`.
    Clear,
    /// Logged out.
    Logout,
    /// The user left the prompt (Ctrl-D, `/exit`).
    PromptInputExit,
    /// Anything else (end of a headless run, a signal).
    Other,
}

impl CompactTrigger {
    /// `manual` or `auto`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Auto => "auto",
        }
    }
}

impl SessionStartSource {
    /// `startup`, `resume`, `clear` or `compact`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Startup => "startup",
            Self::Resume => "resume",
            Self::Clear => "clear",
            Self::Compact => "compact",
        }
    }
}

impl SessionEndReason {
    /// `clear`, `logout`, `prompt_input_exit` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clear => "clear",
            Self::Logout => "logout",
            Self::PromptInputExit => "prompt_input_exit",
            Self::Other => "other",
        }
    }
}

/// The event and its own fields.
#[derive(Debug, Clone, PartialEq)]
pub enum HookInput {
    /// Before a tool call.
    PreToolUse {
        /// Tool name, e.g. `Bash`.
        tool_name: String,
        /// The call's input as the model sent it.
        tool_input: Value,
        /// The `tool_use` id.
        tool_use_id: String,
    },
    /// A permission prompt is about to be shown.
    PermissionRequest {
        /// Tool name.
        tool_name: String,
        /// The call's input.
        tool_input: Value,
        /// The "always allow" updates the prompt would offer (omitted when
        /// empty).
        permission_suggestions: Vec<PermissionUpdate>,
    },
    /// After a tool call.
    PostToolUse {
        /// Tool name.
        tool_name: String,
        /// The call's input.
        tool_input: Value,
        /// The tool's structured result (Bash: `{stdout, stderr,
        /// interrupted, isImage}`).
        tool_response: Value,
        /// The `tool_use` id.
        tool_use_id: String,
    },
    /// A notification to the user.
    Notification {
        /// The text.
        message: String,
        /// A title, when there is one.
        title: Option<String>,
        /// `permission_prompt`, `idle_prompt`, `auth_success`,
        /// `elicitation_dialog`.
        notification_type: String,
    },
    /// A prompt was submitted.
    UserPromptSubmit {
        /// The prompt text.
        prompt: String,
    },
    /// The main agent is about to stop.
    Stop {
        /// True when it is already continuing because a Stop hook blocked
        /// (hooks use it to avoid loops).
        stop_hook_active: bool,
    },
    /// A subagent is about to stop.
    SubagentStop {
        /// As for [`HookInput::Stop`].
        stop_hook_active: bool,
        /// The subagent's id (2.1 field; omitted when `None`).
        agent_id: Option<String>,
        /// The subagent's type (2.1 field; omitted when `None`).
        agent_type: Option<String>,
        /// The subagent's transcript (2.1 field; omitted when `None`).
        agent_transcript_path: Option<PathBuf>,
    },
    /// Before compaction.
    PreCompact {
        /// Manual or automatic.
        trigger: CompactTrigger,
        /// The text after `/compact`, empty otherwise.
        custom_instructions: String,
    },
    /// A session started.
    SessionStart {
        /// Why.
        source: SessionStartSource,
    },
    /// A session ended.
    SessionEnd {
        /// Why.
        reason: SessionEndReason,
    },
}

impl HookInput {
    /// The event this input belongs to.
    pub fn event(&self) -> HookEvent {
        match self {
            Self::PreToolUse { .. } => HookEvent::PreToolUse,
            Self::PermissionRequest { .. } => HookEvent::PermissionRequest,
            Self::PostToolUse { .. } => HookEvent::PostToolUse,
            Self::Notification { .. } => HookEvent::Notification,
            Self::UserPromptSubmit { .. } => HookEvent::UserPromptSubmit,
            Self::Stop { .. } => HookEvent::Stop,
            Self::SubagentStop { .. } => HookEvent::SubagentStop,
            Self::PreCompact { .. } => HookEvent::PreCompact,
            Self::SessionStart { .. } => HookEvent::SessionStart,
            Self::SessionEnd { .. } => HookEvent::SessionEnd,
        }
    }

    /// What matchers are compared with: the tool name, notification type,
    /// trigger, source, reason or subagent type; `None` for
    /// UserPromptSubmit and Stop (every group runs). Pass it to
    /// [`super::matching_hooks`].
    pub fn matcher_subject(&self) -> Option<&str> {
        match self {
            Self::PreToolUse { tool_name, .. }
            | Self::PermissionRequest { tool_name, .. }
            | Self::PostToolUse { tool_name, .. } => Some(tool_name),
            Self::Notification {
                notification_type, ..
            } => Some(notification_type),
            Self::SubagentStop { agent_type, .. } => agent_type.as_deref(),
            Self::PreCompact { trigger, .. } => Some(trigger.as_str()),
            Self::SessionStart { source } => Some(source.as_str()),
            Self::SessionEnd { reason } => Some(reason.as_str()),
            Self::UserPromptSubmit { .. } | Self::Stop { .. } => None,
        }
    }
}

/// The stdin JSON for a hook: the common fields, `hook_event_name`, then
/// the event's fields (§5.2). Key order is fixed, so the same input always
/// gives the same bytes.
pub fn hook_input_json(common: &HookCommon, input: &HookInput) -> Value {
    let mut doc = Map::new();
    doc.insert("session_id".into(), json!(common.session_id));
    doc.insert("transcript_path".into(), json!(common.transcript_path));
    doc.insert("cwd".into(), json!(common.cwd));
    doc.insert("permission_mode".into(), json!(common.permission_mode));
    doc.insert("hook_event_name".into(), json!(input.event().as_str()));
    let mut put = |key: &str, value: Value| {
        doc.insert(key.into(), value);
    };
    match input {
        HookInput::PreToolUse {
            tool_name,
            tool_input,
            tool_use_id,
        } => {
            put("tool_name", json!(tool_name));
            put("tool_input", tool_input.clone());
            put("tool_use_id", json!(tool_use_id));
        }
        HookInput::PermissionRequest {
            tool_name,
            tool_input,
            permission_suggestions,
        } => {
            put("tool_name", json!(tool_name));
            put("tool_input", tool_input.clone());
            if !permission_suggestions.is_empty() {
                put("permission_suggestions", json!(permission_suggestions));
            }
        }
        HookInput::PostToolUse {
            tool_name,
            tool_input,
            tool_response,
            tool_use_id,
        } => {
            put("tool_name", json!(tool_name));
            put("tool_input", tool_input.clone());
            put("tool_response", tool_response.clone());
            put("tool_use_id", json!(tool_use_id));
        }
        HookInput::Notification {
            message,
            title,
            notification_type,
        } => {
            put("message", json!(message));
            if let Some(title) = title {
                put("title", json!(title));
            }
            put("notification_type", json!(notification_type));
        }
        HookInput::UserPromptSubmit { prompt } => put("prompt", json!(prompt)),
        HookInput::Stop { stop_hook_active } => put("stop_hook_active", json!(stop_hook_active)),
        HookInput::SubagentStop {
            stop_hook_active,
            agent_id,
            agent_type,
            agent_transcript_path,
        } => {
            put("stop_hook_active", json!(stop_hook_active));
            if let Some(agent_id) = agent_id {
                put("agent_id", json!(agent_id));
            }
            if let Some(agent_type) = agent_type {
                put("agent_type", json!(agent_type));
            }
            if let Some(path) = agent_transcript_path {
                put("agent_transcript_path", json!(path));
            }
        }
        HookInput::PreCompact {
            trigger,
            custom_instructions,
        } => {
            put("trigger", json!(trigger.as_str()));
            put("custom_instructions", json!(custom_instructions));
        }
        HookInput::SessionStart { source } => put("source", json!(source.as_str())),
        HookInput::SessionEnd { reason } => put("reason", json!(reason.as_str())),
    }
    Value::Object(doc)
}

/// Variables a hook process gets on top of rudder's own environment:
/// `CLAUDE_PROJECT_DIR` (the project root, so hooks can call
/// `"$CLAUDE_PROJECT_DIR"/.claude/hooks/x.sh`) and `CLAUDECODE=1`, as
/// Claude Code sets them (§4.3, §5.1).
pub fn hook_environment(project_dir: &Path) -> Vec<(String, String)> {
    vec![
        (
            "CLAUDE_PROJECT_DIR".into(),
            project_dir.to_string_lossy().into_owned(),
        ),
        ("CLAUDECODE".into(), "1".into()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn common() -> HookCommon {
        HookCommon {
            session_id: "s1".into(),
            transcript_path: PathBuf::from("/t/s1.jsonl"),
            cwd: PathBuf::from("/p"),
            permission_mode: PermissionMode::AcceptEdits,
        }
    }

    #[test]
    fn pre_tool_use_matches_the_observed_shape() {
        let input = HookInput::PreToolUse {
            tool_name: "Bash".into(),
            tool_input: json!({"command": "ls", "description": "List"}),
            tool_use_id: "toolu_1".into(),
        };
        assert_eq!(
            hook_input_json(&common(), &input).to_string(),
            r#"{"session_id":"s1","transcript_path":"/t/s1.jsonl","cwd":"/p","permission_mode":"acceptEdits","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls","description":"List"},"tool_use_id":"toolu_1"}"#
        );
        assert_eq!(input.matcher_subject(), Some("Bash"));
    }

    #[test]
    fn every_event_has_its_fields() {
        let cases = [
            (
                HookInput::UserPromptSubmit {
                    prompt: "hi".into(),
                },
                json!({"prompt": "hi"}),
                None,
            ),
            (
                HookInput::Stop {
                    stop_hook_active: true,
                },
                json!({"stop_hook_active": true}),
                None,
            ),
            (
                HookInput::SubagentStop {
                    stop_hook_active: false,
                    agent_id: None,
                    agent_type: Some("Explore".into()),
                    agent_transcript_path: None,
                },
                json!({"stop_hook_active": false, "agent_type": "Explore"}),
                Some("Explore"),
            ),
            (
                HookInput::PreCompact {
                    trigger: CompactTrigger::Auto,
                    custom_instructions: String::new(),
                },
                json!({"trigger": "auto", "custom_instructions": ""}),
                Some("auto"),
            ),
            (
                HookInput::SessionStart {
                    source: SessionStartSource::Resume,
                },
                json!({"source": "resume"}),
                Some("resume"),
            ),
            (
                HookInput::SessionEnd {
                    reason: SessionEndReason::PromptInputExit,
                },
                json!({"reason": "prompt_input_exit"}),
                Some("prompt_input_exit"),
            ),
            (
                HookInput::Notification {
                    message: "Needs approval".into(),
                    title: None,
                    notification_type: "permission_prompt".into(),
                },
                json!({"message": "Needs approval", "notification_type": "permission_prompt"}),
                Some("permission_prompt"),
            ),
            (
                HookInput::PostToolUse {
                    tool_name: "Write".into(),
                    tool_input: json!({"file_path": "/p/a"}),
                    tool_response: json!({"filePath": "/p/a", "success": true}),
                    tool_use_id: "t2".into(),
                },
                json!({"tool_name": "Write", "tool_input": {"file_path": "/p/a"}, "tool_response": {"filePath": "/p/a", "success": true}, "tool_use_id": "t2"}),
                Some("Write"),
            ),
            (
                HookInput::PermissionRequest {
                    tool_name: "Bash".into(),
                    tool_input: json!({"command": "touch f"}),
                    permission_suggestions: Vec::new(),
                },
                json!({"tool_name": "Bash", "tool_input": {"command": "touch f"}}),
                Some("Bash"),
            ),
        ];
        for (input, fields, subject) in cases {
            let Value::Object(doc) = hook_input_json(&common(), &input) else {
                panic!()
            };
            assert_eq!(doc["hook_event_name"], input.event().as_str());
            let Value::Object(fields) = fields else {
                panic!()
            };
            let own: Map<String, Value> = doc.into_iter().skip(5).collect();
            assert_eq!(own, fields, "{:?}", input.event());
            assert_eq!(input.matcher_subject(), subject);
        }
    }

    #[test]
    fn environment_names_the_project() {
        let env = hook_environment(Path::new("/p"));
        assert!(env.contains(&("CLAUDE_PROJECT_DIR".into(), "/p".into())));
    }
}

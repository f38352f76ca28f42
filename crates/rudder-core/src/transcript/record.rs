//! The lines of a transcript file.
//!
//! Conversation lines use Claude Code's record shape (CLAUDE-CODE-INTERFACE.md
//! §11: `parentUuid, isSidechain, userType, cwd, sessionId, version,
//! gitBranch, type, message, uuid, timestamp`, plus `toolUseResult` on tool
//! results), so existing transcript tools read rudder's files. rudder adds
//! record types of its own (`rudder-frame`, `rudder-model-call`,
//! `rudder-rewind`, `rudder-context`, `rudder-compact`), which Claude Code
//! readers skip as unknown, and skips unknown types itself.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use rudder_protocol::request::ThinkingConfig;
use rudder_protocol::{AssistantMessage, ContentBlock, Message, ToolSpec, Usage};

/// Fields every conversation line carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordMeta {
    /// The previous conversation line's uuid (`null` for the first).
    pub parent_uuid: Option<String>,
    /// True for subagent (sidechain) lines.
    pub is_sidechain: bool,
    /// Always `external`.
    pub user_type: String,
    /// Working directory of the session.
    pub cwd: String,
    /// Session id.
    pub session_id: String,
    /// rudder's version.
    pub version: String,
    /// Git branch at session start (empty outside a repository).
    pub git_branch: String,
    /// Subagent id, on sidechain lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// This line's id.
    pub uuid: String,
    /// RFC 3339 time the line was written.
    pub timestamp: String,
}

/// The request frame frozen when a session starts: everything that shapes a
/// request besides the messages. Resuming uses it instead of re-deriving,
/// so the resumed request's prefix is byte-identical.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameRecord {
    /// Session id.
    pub session_id: String,
    /// Line id.
    pub uuid: String,
    /// RFC 3339 time.
    pub timestamp: String,
    /// Model id requests are sent with.
    pub model: String,
    /// Output token cap.
    pub max_tokens: u32,
    /// Extended thinking, when on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<ThinkingConfig>,
    /// System prompt blocks, without cache markers.
    pub system: Vec<ContentBlock>,
    /// Tool definitions in request order, without cache markers.
    pub tools: Vec<ToolSpec>,
}

/// A model call made outside the main conversation (a WebFetch summary, a
/// compaction, a title), logged with its purpose so every token is
/// accounted for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelCallRecord {
    /// Session id.
    pub session_id: String,
    /// Line id.
    pub uuid: String,
    /// RFC 3339 time.
    pub timestamp: String,
    /// Why the call was made: `web-fetch`, `web-search`, `compaction`, …
    pub purpose: String,
    /// Model the call used.
    pub model: String,
    /// Usage the API reported (zero when the call failed).
    pub usage: Usage,
    /// Why the call failed, when it did (it is logged all the same, so the
    /// transcript lists every request made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What the session last told the model about its surroundings that can
/// change under it: the date and the memory files. Compared at each turn
/// start; a difference is told to the model in the new prompt (after the
/// cached prefix, never edited into it) and a new stamp is recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextStamp {
    /// Local date the model was last given, `YYYY-MM-DD`.
    pub date: String,
    /// The memory files the model was last given, in context order.
    pub memory: Vec<MemoryStamp>,
}

/// One memory file as the model last saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryStamp {
    /// The file, as found.
    pub path: String,
    /// Lower-case hex SHA-256 of its content.
    pub sha256: String,
    /// Bytes of its rendering in the context.
    pub bytes: u64,
}

/// A `rudder-context` line: the [`ContextStamp`] in force from here on.
/// Written right after the user line that carried the context it stamps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextRecord {
    /// Session id.
    pub session_id: String,
    /// Line id.
    pub uuid: String,
    /// RFC 3339 time.
    pub timestamp: String,
    /// The stamp.
    #[serde(flatten)]
    pub stamp: ContextStamp,
}

/// How a compaction replaced the context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "camelCase")]
pub enum CompactMethod {
    /// A model-written summary: the conversation becomes `summary` followed
    /// by the messages at the `kept` indices (of the conversation before
    /// this record), in order.
    #[serde(rename_all = "camelCase")]
    Summary {
        /// The first message of the new context, exactly as sent.
        summary: Message,
        /// Indices of the messages kept verbatim, ascending.
        kept: Vec<usize>,
    },
    /// The deterministic fallback: the results of these tool calls are
    /// replaced by a stub naming the call (see `compaction::trim`).
    #[serde(rename_all = "camelCase")]
    DropToolResults {
        /// `tool_use_id`s whose results were removed.
        tool_use_ids: Vec<String>,
    },
}

/// A `rudder-compact` line: a compaction boundary. Everything it removes
/// stays in the file above it (messages by their line uuid, tool results by
/// their `tool_use_id`); resume applies it to rebuild the compacted context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompactRecord {
    /// Session id.
    pub session_id: String,
    /// Line id.
    pub uuid: String,
    /// RFC 3339 time.
    pub timestamp: String,
    /// `manual` or `auto`.
    pub trigger: String,
    /// Context tokens before the compaction.
    pub pre_tokens: u64,
    /// The last conversation line before the boundary (the removed
    /// conversation is reached from it through `parentUuid`).
    pub logical_parent_uuid: Option<String>,
    /// What replaced what.
    #[serde(flatten)]
    pub method: CompactMethod,
    /// The context stamp in force after the compaction, when it re-read
    /// the date and the memory files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<ContextStamp>,
}

/// A conversation rewind (`/rewind`): the conversation continues from
/// before the user message `target`, which and everything after it are
/// dropped from the context. The file stays append-only; the next
/// conversation line's `parentUuid` is `parent`, so readers that walk the
/// parent chain from the last line see the same conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RewindRecord {
    /// Session id.
    pub session_id: String,
    /// Line id.
    pub uuid: String,
    /// RFC 3339 time.
    pub timestamp: String,
    /// The uuid of the first user message dropped.
    pub target: String,
    /// The uuid of the last line kept (`None`: nothing is kept).
    pub parent: Option<String>,
}

/// One line of a transcript.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// A user message: a prompt or tool results.
    User {
        /// Common fields.
        meta: RecordMeta,
        /// The message as sent.
        message: Message,
        /// Structured tool output when the message holds one tool result.
        tool_use_result: Option<Value>,
    },
    /// An assistant message as received.
    Assistant {
        /// Common fields.
        meta: RecordMeta,
        /// The message.
        message: AssistantMessage,
    },
    /// The session's frozen request frame.
    Frame(FrameRecord),
    /// A side model call.
    ModelCall(ModelCallRecord),
    /// A conversation rewind.
    Rewind(RewindRecord),
    /// The context stamp from here on.
    Context(ContextRecord),
    /// A compaction boundary.
    Compact(CompactRecord),
    /// A line of a type rudder does not use; kept for readers, skipped.
    Other(Value),
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserLine<M> {
    #[serde(flatten)]
    meta: RecordMeta,
    #[serde(rename = "type")]
    kind: String,
    message: M,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tool_use_result: Option<Value>,
}

impl Record {
    /// The line as JSON text, without the trailing newline.
    pub fn to_line(&self) -> Result<String, serde_json::Error> {
        match self {
            Self::User {
                meta,
                message,
                tool_use_result,
            } => serde_json::to_string(&UserLine {
                meta: meta.clone(),
                kind: "user".to_owned(),
                message,
                tool_use_result: tool_use_result.clone(),
            }),
            Self::Assistant { meta, message } => serde_json::to_string(&UserLine {
                meta: meta.clone(),
                kind: "assistant".to_owned(),
                message,
                tool_use_result: None,
            }),
            Self::Frame(frame) => tagged("rudder-frame", frame),
            Self::ModelCall(call) => tagged("rudder-model-call", call),
            Self::Rewind(rewind) => tagged("rudder-rewind", rewind),
            Self::Context(context) => tagged("rudder-context", context),
            Self::Compact(compact) => tagged("rudder-compact", compact),
            Self::Other(value) => serde_json::to_string(value),
        }
    }

    /// Parses one line. Unknown `type`s become [`Record::Other`]; a line
    /// that is not JSON, or a known type with the wrong shape, is an error.
    pub fn from_line(line: &str) -> Result<Self, serde_json::Error> {
        let value: Value = serde_json::from_str(line)?;
        let kind = value
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Ok(match kind.as_str() {
            "user" => {
                let line: UserLine<Message> = serde_json::from_value(value)?;
                Self::User {
                    meta: line.meta,
                    message: line.message,
                    tool_use_result: line.tool_use_result,
                }
            }
            "assistant" => {
                let line: UserLine<AssistantMessage> = serde_json::from_value(value)?;
                Self::Assistant {
                    meta: line.meta,
                    message: line.message,
                }
            }
            "rudder-frame" => Self::Frame(serde_json::from_value(value)?),
            "rudder-model-call" => Self::ModelCall(serde_json::from_value(value)?),
            "rudder-rewind" => Self::Rewind(serde_json::from_value(value)?),
            "rudder-context" => Self::Context(serde_json::from_value(value)?),
            "rudder-compact" => Self::Compact(serde_json::from_value(value)?),
            _ => Self::Other(value),
        })
    }
}

/// Serializes `value` with `"type": kind` as its first field.
fn tagged(kind: &str, value: &impl Serialize) -> Result<String, serde_json::Error> {
    let mut line = serde_json::Map::new();
    line.insert("type".to_owned(), Value::String(kind.to_owned()));
    match serde_json::to_value(value)? {
        Value::Object(fields) => line.extend(fields),
        other => {
            line.insert("value".to_owned(), other);
        }
    }
    serde_json::to_string(&line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> RecordMeta {
        RecordMeta {
            parent_uuid: None,
            is_sidechain: false,
            user_type: "external".into(),
            cwd: "/r".into(),
            session_id: "s".into(),
            version: "0.1.0".into(),
            git_branch: "main".into(),
            agent_id: None,
            uuid: "u1".into(),
            timestamp: "2026-01-01T00:00:00.000Z".into(),
        }
    }

    #[test]
    fn user_line_has_claude_code_field_names() {
        let record = Record::User {
            meta: meta(),
            message: Message::user_text("hi"),
            tool_use_result: None,
        };
        let line = record.to_line().unwrap();
        let value: Value = serde_json::from_str(&line).unwrap();
        for key in [
            "parentUuid",
            "isSidechain",
            "userType",
            "cwd",
            "sessionId",
            "version",
            "gitBranch",
            "uuid",
            "timestamp",
        ] {
            assert!(value.get(key).is_some(), "missing {key} in {line}");
        }
        assert_eq!(value["type"], "user");
        assert_eq!(Record::from_line(&line).unwrap(), record);
    }

    #[test]
    fn frame_line_is_tagged_first_and_round_trips() {
        let frame = Record::Frame(FrameRecord {
            session_id: "s".into(),
            uuid: "f".into(),
            timestamp: "t".into(),
            model: "m".into(),
            max_tokens: 100,
            thinking: None,
            system: vec![ContentBlock::text("sys")],
            tools: vec![],
        });
        let line = frame.to_line().unwrap();
        assert!(line.starts_with(r#"{"type":"rudder-frame""#), "{line}");
        assert_eq!(Record::from_line(&line).unwrap(), frame);
    }

    #[test]
    fn compact_and_context_lines_round_trip() {
        let stamp = ContextStamp {
            date: "2026-01-02".into(),
            memory: vec![MemoryStamp {
                path: "/r/CLAUDE.md".into(),
                sha256: "ab".into(),
                bytes: 12,
            }],
        };
        let compact = Record::Compact(CompactRecord {
            session_id: "s".into(),
            uuid: "c".into(),
            timestamp: "t".into(),
            trigger: "auto".into(),
            pre_tokens: 1234,
            logical_parent_uuid: Some("u9".into()),
            method: CompactMethod::Summary {
                summary: Message::user_text("summary"),
                kept: vec![4, 5],
            },
            context: Some(stamp.clone()),
        });
        let line = compact.to_line().unwrap();
        assert!(line.starts_with(r#"{"type":"rudder-compact""#), "{line}");
        assert!(line.contains(r#""method":"summary""#), "{line}");
        assert!(line.contains(r#""preTokens":1234"#), "{line}");
        assert_eq!(Record::from_line(&line).unwrap(), compact);
        let dropped = Record::Compact(CompactRecord {
            method: CompactMethod::DropToolResults {
                tool_use_ids: vec!["toolu_1".into()],
            },
            context: None,
            ..match compact {
                Record::Compact(record) => record,
                _ => unreachable!(),
            }
        });
        assert_eq!(
            Record::from_line(&dropped.to_line().unwrap()).unwrap(),
            dropped
        );
        let context = Record::Context(ContextRecord {
            session_id: "s".into(),
            uuid: "x".into(),
            timestamp: "t".into(),
            stamp,
        });
        assert_eq!(
            Record::from_line(&context.to_line().unwrap()).unwrap(),
            context
        );
    }

    #[test]
    fn unknown_types_are_kept_and_garbage_is_an_error() {
        let other =
            Record::from_line(r#"{"type":"summary","summary":"x","leafUuid":"u"}"#).unwrap();
        assert!(matches!(other, Record::Other(_)));
        assert!(Record::from_line(r#"{"type":"user","uuid":"#).is_err());
    }
}

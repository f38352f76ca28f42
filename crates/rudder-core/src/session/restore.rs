//! Rebuilding a session's state from its transcript alone.
//!
//! The frame (system prompt, tools, model) comes from the last
//! `rudder-frame` record, the conversation from the main-chain user and
//! assistant records in file order (the file is append-only with one
//! writer, so file order is conversation order), cut back wherever a
//! `rudder-rewind` record says the conversation was rewound. Nothing is re-derived, so
//! the next request is byte-identical, up to its last breakpoint, to the one
//! an uninterrupted process would have sent (USER-PAINS.md §2.1).
//!
//! A crash during a tool call leaves an assistant `tool_use` without its
//! results; [`Restored::dangling_results`] gives the error results that
//! close it, which the caller appends as a new record (the file is never
//! rewritten).
//!
//! `rudder-compact` records are replayed as the live session applied them
//! (the summary and the kept messages, or the stubbed tool results), so a
//! compacted session resumes compacted; `rudder-context` records give the
//! date and memory files the model was last told about.

use std::path::{Path, PathBuf};

use rudder_protocol::{ContentBlock, Message, Role, Usage};

use crate::compaction::facts::SessionFacts;
use crate::compaction::trim;
use crate::request::RequestFrame;
use crate::transcript::{CompactMethod, ContextStamp, Record, read_transcript};

/// Why a transcript could not be resumed.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// The file could not be read.
    #[error("cannot read the transcript {path}: {source}")]
    Read {
        /// The transcript path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file has no frame record (not written by rudder, or empty).
    #[error("{0} has no rudder session frame; it was not written by rudder or is empty")]
    NoFrame(PathBuf),
}

/// A session's state as its transcript records it.
#[derive(Debug, Clone, PartialEq)]
pub struct Restored {
    /// The frozen request frame.
    pub frame: RequestFrame,
    /// The conversation.
    pub messages: Vec<Message>,
    /// The transcript uuid of each message of `messages`.
    pub uuids: Vec<String>,
    /// Uuid of the last conversation record (the parent of the next one).
    pub last_uuid: Option<String>,
    /// Every logged usage, with the model it is priced under.
    pub usages: Vec<(String, Usage)>,
    /// Lines that were skipped (torn or corrupt), one message each.
    pub warnings: Vec<String>,
    /// The date and memory files the model was last told about (`None` for
    /// a transcript written before rudder recorded them).
    pub stamp: Option<ContextStamp>,
    /// Facts of the messages compactions removed (modified files, tool
    /// failures, todos), carried forward.
    pub facts: SessionFacts,
    /// The last assistant message since the last compaction, as its index
    /// in `messages`, and the usage of the request that produced it.
    pub last_response: Option<(usize, Usage)>,
}

impl Restored {
    /// Error results closing the last assistant message's tool calls, when
    /// the transcript ends before their results were written.
    pub fn dangling_results(&self) -> Option<Message> {
        let last = self.messages.last()?;
        if last.role != Role::Assistant {
            return None;
        }
        let results: Vec<ContentBlock> = last
            .tool_uses()
            .map(|(id, _, _)| {
                ContentBlock::tool_result(
                    id,
                    "The session ended before this tool call finished; it may or may not have taken effect. \
                     Check before repeating it.",
                    true,
                )
            })
            .collect();
        (!results.is_empty()).then(|| Message::new(Role::User, results))
    }
}

/// Reads `path` and restores the session it records.
pub fn restore(path: &Path) -> Result<Restored, RestoreError> {
    let loaded = read_transcript(path).map_err(|source| RestoreError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut frame = None;
    let mut messages = Vec::new();
    let mut uuids: Vec<String> = Vec::new();
    let mut last_uuid = None;
    let mut usages = Vec::new();
    let mut stamp = None;
    let mut facts = SessionFacts::default();
    let mut last_response = None;
    for record in loaded.records {
        match record {
            Record::Frame(record) => {
                frame = Some(RequestFrame {
                    model: record.model,
                    max_tokens: record.max_tokens,
                    thinking: record.thinking,
                    system: record.system,
                    tools: record.tools,
                });
            }
            Record::User { meta, message, .. } if !meta.is_sidechain => {
                last_uuid = Some(meta.uuid.clone());
                uuids.push(meta.uuid);
                messages.push(message);
            }
            Record::Assistant { meta, message } if !meta.is_sidechain => {
                let model = frame.as_ref().map_or_else(
                    || message.model.clone(),
                    |frame: &RequestFrame| frame.model.clone(),
                );
                usages.push((model, message.usage.clone()));
                last_uuid = Some(meta.uuid.clone());
                uuids.push(meta.uuid);
                last_response = Some((messages.len(), message.usage.clone()));
                messages.push(message.to_message());
            }
            Record::ModelCall(call) => usages.push((call.model, call.usage)),
            // Usage of the dropped messages stays counted: it was paid for.
            Record::Rewind(rewind) => {
                if let Some(at) = uuids.iter().position(|uuid| *uuid == rewind.target) {
                    uuids.truncate(at);
                    messages.truncate(at);
                    last_uuid = uuids.last().cloned();
                    last_response = last_response.filter(|(index, _)| *index < at);
                }
            }
            Record::Context(context) => stamp = Some(context.stamp),
            Record::Compact(compact) => {
                last_uuid = Some(compact.uuid.clone());
                last_response = None;
                if let Some(context) = &compact.context {
                    stamp = Some(context.clone());
                }
                apply_compaction(
                    &mut messages,
                    &mut uuids,
                    &mut facts,
                    &compact.method,
                    &compact.uuid,
                );
            }
            _ => {}
        }
    }
    let frame = frame.ok_or_else(|| RestoreError::NoFrame(path.to_owned()))?;
    Ok(Restored {
        frame,
        messages,
        uuids,
        last_uuid,
        usages,
        warnings: loaded.warnings,
        stamp,
        facts,
        last_response,
    })
}

/// Applies a compaction to the conversation (and the transcript uuids of
/// its messages: the summary takes the boundary's, `boundary`) and carries
/// the facts of the messages it removes. The live session applies its own
/// compactions with this same function, so live and restored
/// conversations cannot differ.
pub fn apply_compaction(
    messages: &mut Vec<Message>,
    uuids: &mut Vec<String>,
    facts: &mut SessionFacts,
    method: &CompactMethod,
    boundary: &str,
) {
    match method {
        CompactMethod::Summary { summary, kept } => {
            let removed: Vec<Message> = (0..messages.len())
                .filter(|index| !kept.contains(index))
                .map(|index| messages[index].clone())
                .collect();
            facts.observe(&removed);
            let mut compacted = vec![summary.clone()];
            let mut compacted_uuids = vec![boundary.to_owned()];
            for &index in kept {
                if let Some(message) = messages.get(index) {
                    compacted.push(message.clone());
                    compacted_uuids.push(uuids.get(index).cloned().unwrap_or_default());
                }
            }
            *messages = compacted;
            *uuids = compacted_uuids;
        }
        CompactMethod::DropToolResults { tool_use_ids } => {
            trim::apply(messages, tool_use_ids);
        }
    }
}

/// The most recently modified transcript in `project_dir` (for
/// `--continue`), by file modification time. No side index is consulted.
pub fn latest_transcript(project_dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(project_dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "jsonl"))
        .filter_map(|entry| Some((entry.metadata().ok()?.modified().ok()?, entry.path())))
        .max_by_key(|(modified, _)| *modified)
        .map(|(_, path)| path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::log::{LogIdentity, SessionLog};
    use crate::transcript::{FrameRecord, TranscriptWriter};
    use rudder_protocol::AssistantMessage;
    use serde_json::json;

    fn identity() -> LogIdentity {
        LogIdentity {
            session_id: "s".into(),
            cwd: "/r".into(),
            git_branch: String::new(),
            version: "0".into(),
        }
    }

    fn assistant(content: Vec<ContentBlock>) -> AssistantMessage {
        AssistantMessage {
            id: "msg".into(),
            kind: "message".into(),
            role: Role::Assistant,
            model: "echoed-model".into(),
            content,
            stop_reason: None,
            stop_sequence: None,
            usage: Usage {
                output_tokens: 7,
                ..Usage::default()
            },
        }
    }

    fn write_session(path: &Path, end_with_tool_use: bool) {
        let writer = TranscriptWriter::open(path).unwrap();
        let mut log = SessionLog::new(identity(), Some(writer), None);
        log.append_raw(&Record::Frame(FrameRecord {
            session_id: "s".into(),
            uuid: "f".into(),
            timestamp: "t".into(),
            model: "claude-x".into(),
            max_tokens: 10,
            thinking: None,
            system: vec![ContentBlock::text("sys")],
            tools: vec![],
        }))
        .unwrap();
        log.append_user(&Message::user_text("hi"), None).unwrap();
        let mut content = vec![ContentBlock::text("looking")];
        if end_with_tool_use {
            content.push(ContentBlock::ToolUse {
                id: "toolu_1".into(),
                name: "Bash".into(),
                input: json!({"command": "ls"}),
                cache_control: None,
            });
        }
        log.append_assistant(&assistant(content), "claude-x")
            .unwrap();
    }

    #[test]
    fn restores_frame_messages_and_usage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        write_session(&path, false);
        let restored = restore(&path).unwrap();
        assert_eq!(restored.frame.model, "claude-x");
        assert_eq!(restored.messages.len(), 2);
        assert_eq!(restored.messages[0], Message::user_text("hi"));
        assert_eq!(
            restored.usages,
            vec![("claude-x".to_owned(), assistant(vec![]).usage)]
        );
        assert!(restored.dangling_results().is_none());
    }

    #[test]
    fn a_dangling_tool_use_gets_an_error_result() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        write_session(&path, true);
        let closing = restore(&path).unwrap().dangling_results().unwrap();
        assert_eq!(closing.role, Role::User);
        assert!(matches!(
            &closing.content[0],
            ContentBlock::ToolResult { tool_use_id, is_error: true, .. } if tool_use_id == "toolu_1"
        ));
    }

    #[test]
    fn a_transcript_without_a_frame_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        std::fs::write(&path, "{\"type\":\"summary\"}\n").unwrap();
        assert!(matches!(restore(&path), Err(RestoreError::NoFrame(_))));
    }
}

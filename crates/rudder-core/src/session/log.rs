//! The session's write side: transcript lines, the parent chain, and usage
//! accounting, kept together so that a usage is counted if and only if it was
//! logged.
//!
//! Shared (behind a mutex) by the turn loop and by side calls made from tools
//! running concurrently; every method is short and never awaits.
//!
//! A subagent's log ([`SessionLog::for_subagent`]) writes sidechain lines
//! (`isSidechain: true`, `agentId`) to its own file and forwards the usage
//! of every call to its parent's log as a `rudder-model-call` record, so the
//! parent's totals — and a resumed parent — include it. Locks are taken
//! child first, then parent, never the other way.

use std::sync::{Arc, Mutex};

use rudder_protocol::{AssistantMessage, Message, Usage};
use serde_json::Value;

use crate::accounting::Accounting;
use crate::transcript::{
    CompactMethod, CompactRecord, ContextRecord, ContextStamp, ModelCallRecord, Record, RecordMeta,
    RewindRecord, TranscriptError, TranscriptWriter,
};

/// Identity fields stamped on every conversation line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogIdentity {
    /// Session id.
    pub session_id: String,
    /// Working directory.
    pub cwd: String,
    /// Git branch at session start.
    pub git_branch: String,
    /// rudder's version.
    pub version: String,
}

/// Transcript + accounting of one session.
#[derive(Debug)]
pub struct SessionLog {
    identity: LogIdentity,
    writer: Option<TranscriptWriter>,
    last_uuid: Option<String>,
    accounting: Accounting,
    /// Usage of the newest conversation request.
    last_usage: Option<Usage>,
    /// Set for a subagent's log.
    sidechain: Option<Sidechain>,
}

/// What makes a log a subagent's.
#[derive(Debug)]
struct Sidechain {
    agent_id: String,
    /// Purpose tag of the usage records forwarded to the parent.
    purpose: String,
    parent: Arc<Mutex<SessionLog>>,
}

impl SessionLog {
    /// A log writing through `writer` (`None`: `--no-session-persistence`),
    /// continuing the chain after `last_uuid`.
    pub fn new(
        identity: LogIdentity,
        writer: Option<TranscriptWriter>,
        last_uuid: Option<String>,
    ) -> Self {
        Self {
            identity,
            writer,
            last_uuid,
            accounting: Accounting::default(),
            last_usage: None,
            sidechain: None,
        }
    }

    /// The log of subagent `agent_id`: sidechain lines through `writer`,
    /// usage also counted in `parent` under `purpose` (e.g.
    /// `subagent:Explore`).
    pub fn for_subagent(
        identity: LogIdentity,
        writer: Option<TranscriptWriter>,
        agent_id: &str,
        purpose: &str,
        parent: Arc<Mutex<SessionLog>>,
    ) -> Self {
        let mut log = Self::new(identity, writer, None);
        log.sidechain = Some(Sidechain {
            agent_id: agent_id.to_owned(),
            purpose: purpose.to_owned(),
            parent,
        });
        log
    }

    /// Counts `usage` in the parent's log, when this is a subagent's; a
    /// failure to write the parent's record is a transcript error like any
    /// other. A poisoned parent lock (an earlier panic) skips the record.
    fn forward(&self, model: &str, usage: &Usage) -> Result<(), TranscriptError> {
        let Some(sidechain) = &self.sidechain else {
            return Ok(());
        };
        match sidechain.parent.lock() {
            Ok(mut parent) => parent.append_model_call(&sidechain.purpose, model, usage),
            Err(_) => Ok(()),
        }
    }

    /// The identity stamped on every line.
    pub fn identity(&self) -> &LogIdentity {
        &self.identity
    }

    /// The session id.
    pub fn session_id(&self) -> &str {
        &self.identity.session_id
    }

    /// The transcript path, when persisting.
    pub fn transcript_path(&self) -> Option<&std::path::Path> {
        self.writer.as_ref().map(TranscriptWriter::path)
    }

    /// Usage and cost totals so far.
    pub fn accounting(&self) -> &Accounting {
        &self.accounting
    }

    /// Usage the API reported for the newest conversation request of this
    /// process (not side calls); `None` before the first.
    pub fn last_request_usage(&self) -> Option<&Usage> {
        self.last_usage.as_ref()
    }

    /// Counts usage restored from an earlier run of the session.
    pub fn restore_usage(&mut self, model: &str, usage: &Usage) {
        self.accounting.record(model, usage);
    }

    fn meta(&self) -> RecordMeta {
        RecordMeta {
            parent_uuid: self.last_uuid.clone(),
            is_sidechain: self.sidechain.is_some(),
            user_type: "external".to_owned(),
            cwd: self.identity.cwd.clone(),
            session_id: self.identity.session_id.clone(),
            version: self.identity.version.clone(),
            git_branch: self.identity.git_branch.clone(),
            agent_id: self
                .sidechain
                .as_ref()
                .map(|sidechain| sidechain.agent_id.clone()),
            uuid: uuid::Uuid::new_v4().to_string(),
            timestamp: now(),
        }
    }

    fn write(&mut self, record: &Record) -> Result<(), TranscriptError> {
        match &mut self.writer {
            Some(writer) => writer.append(record),
            None => Ok(()),
        }
    }

    /// Appends a non-conversation record (the frame, a note).
    pub fn append_raw(&mut self, record: &Record) -> Result<(), TranscriptError> {
        self.write(record)
    }

    /// Appends a user message; returns its uuid.
    pub fn append_user(
        &mut self,
        message: &Message,
        tool_use_result: Option<Value>,
    ) -> Result<String, TranscriptError> {
        let uuid = uuid::Uuid::new_v4().to_string();
        self.append_user_as(message, tool_use_result, uuid)
    }

    /// Appends a user message under a uuid chosen by the caller (one that a
    /// checkpoint was already filed under); returns it.
    pub fn append_user_as(
        &mut self,
        message: &Message,
        tool_use_result: Option<Value>,
        uuid: String,
    ) -> Result<String, TranscriptError> {
        let mut meta = self.meta();
        meta.uuid.clone_from(&uuid);
        self.write(&Record::User {
            meta,
            message: message.clone(),
            tool_use_result,
        })?;
        self.last_uuid = Some(uuid.clone());
        Ok(uuid)
    }

    /// Appends an assistant message and counts its usage; returns its uuid.
    pub fn append_assistant(
        &mut self,
        message: &AssistantMessage,
        request_model: &str,
    ) -> Result<String, TranscriptError> {
        let meta = self.meta();
        let uuid = meta.uuid.clone();
        self.write(&Record::Assistant {
            meta,
            message: message.clone(),
        })?;
        self.accounting.record(request_model, &message.usage);
        self.last_usage = Some(message.usage.clone());
        self.last_uuid = Some(uuid.clone());
        self.forward(request_model, &message.usage)?;
        Ok(uuid)
    }

    /// Appends an assistant message copied from another transcript (a
    /// fork): written like a received message, but its usage is not counted
    /// again. Returns its uuid.
    pub fn append_replayed_assistant(
        &mut self,
        message: &Message,
    ) -> Result<String, TranscriptError> {
        let meta = self.meta();
        let uuid = meta.uuid.clone();
        let replayed = AssistantMessage {
            id: String::new(),
            kind: "message".to_owned(),
            role: message.role,
            model: String::new(),
            content: message.content.clone(),
            stop_reason: None,
            stop_sequence: None,
            usage: Usage::default(),
        };
        self.write(&Record::Assistant {
            meta,
            message: replayed,
        })?;
        self.last_uuid = Some(uuid.clone());
        Ok(uuid)
    }

    /// Records a conversation rewind: the conversation continues after
    /// `parent` (`None`: from the start), dropping `target` and what
    /// followed it. The next line's `parentUuid` is `parent`.
    pub fn append_rewind(
        &mut self,
        target: &str,
        parent: Option<String>,
    ) -> Result<(), TranscriptError> {
        self.write(&Record::Rewind(RewindRecord {
            session_id: self.identity.session_id.clone(),
            uuid: uuid::Uuid::new_v4().to_string(),
            timestamp: now(),
            target: target.to_owned(),
            parent: parent.clone(),
        }))?;
        self.last_uuid = parent;
        Ok(())
    }

    /// Logs a side model call with its purpose and counts its usage.
    pub fn append_model_call(
        &mut self,
        purpose: &str,
        model: &str,
        usage: &Usage,
    ) -> Result<(), TranscriptError> {
        let record = Record::ModelCall(ModelCallRecord {
            session_id: self.identity.session_id.clone(),
            uuid: uuid::Uuid::new_v4().to_string(),
            timestamp: now(),
            purpose: purpose.to_owned(),
            model: model.to_owned(),
            usage: usage.clone(),
            error: None,
        });
        self.write(&record)?;
        self.accounting.record(model, usage);
        self.forward(model, usage)
    }

    /// Logs a side model call that failed (no usage was reported), so the
    /// transcript lists every request made.
    pub fn append_failed_model_call(
        &mut self,
        purpose: &str,
        model: &str,
        error: &str,
    ) -> Result<(), TranscriptError> {
        self.write(&Record::ModelCall(ModelCallRecord {
            session_id: self.identity.session_id.clone(),
            uuid: uuid::Uuid::new_v4().to_string(),
            timestamp: now(),
            purpose: purpose.to_owned(),
            model: model.to_owned(),
            usage: Usage::default(),
            error: Some(error.to_owned()),
        }))
    }

    /// Records the context stamp in force from here on.
    pub fn append_context(&mut self, stamp: &ContextStamp) -> Result<(), TranscriptError> {
        self.write(&Record::Context(ContextRecord {
            session_id: self.identity.session_id.clone(),
            uuid: uuid::Uuid::new_v4().to_string(),
            timestamp: now(),
            stamp: stamp.clone(),
        }))
    }

    /// Records a compaction boundary; the next conversation line's parent is
    /// the boundary. Returns the boundary's uuid.
    pub fn append_compact(
        &mut self,
        trigger: &str,
        pre_tokens: u64,
        method: CompactMethod,
        context: Option<ContextStamp>,
    ) -> Result<String, TranscriptError> {
        let uuid = uuid::Uuid::new_v4().to_string();
        self.write(&Record::Compact(CompactRecord {
            session_id: self.identity.session_id.clone(),
            uuid: uuid.clone(),
            timestamp: now(),
            trigger: trigger.to_owned(),
            pre_tokens,
            logical_parent_uuid: self.last_uuid.clone(),
            method,
            context,
        }))?;
        self.last_uuid = Some(uuid.clone());
        Ok(uuid)
    }

    /// Flushes the transcript to disk (end of turn).
    pub fn sync(&mut self) -> Result<(), TranscriptError> {
        match &mut self.writer {
            Some(writer) => writer.sync(),
            None => Ok(()),
        }
    }
}

/// Current time in RFC 3339 with milliseconds, UTC (`2026-11-22T10:00:00.000Z`).
pub fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

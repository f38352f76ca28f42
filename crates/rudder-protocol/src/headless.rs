//! The records of headless output (`--output-format json|stream-json`) and
//! input (`--input-format stream-json`), including the Agent SDK control
//! protocol.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §10 (observed Claude Code 2.0.60 and
//! 2.1.330 output; the Python Agent SDK's parser). Field names and casing
//! are the peer's, mixed as they are (`permissionMode`, `modelUsage`,
//! `total_cost_usd`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::event::{McpServerStatus, ModelUsage, PermissionDenial};
use crate::message::{AssistantMessage, Message};
use crate::stream::StreamEvent;
use crate::usage::Usage;

/// One line of stream-json output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutputRecord {
    /// `system` records: `init`, `api_retry`, `compact_boundary`, …
    System(SystemRecord),
    /// A complete assistant message.
    Assistant(AssistantRecord),
    /// A user message (tool results, or an echoed prompt).
    User(UserRecord),
    /// A raw API stream event (`--include-partial-messages`).
    StreamEvent(StreamEventRecord),
    /// The final record of a run.
    Result(ResultRecord),
    /// A control request from rudder to the SDK (e.g. `can_use_tool`).
    ControlRequest(ControlRequest),
    /// rudder's answer to an SDK control request.
    ControlResponse(ControlResponse),
}

/// `{"type":"system","subtype":…}`: `init` carries [`InitFields`]; other
/// subtypes carry their own fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemRecord {
    /// `init`, `api_retry`, `compact_boundary`, `cache_miss`, `notice`, …
    pub subtype: String,
    /// Session id.
    pub session_id: String,
    /// Record id.
    pub uuid: String,
    /// Subtype-specific fields, flattened into the record.
    #[serde(flatten)]
    pub fields: serde_json::Map<String, Value>,
}

/// The fields of `system/init` (flattened into a [`SystemRecord`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitFields {
    /// Working directory.
    pub cwd: String,
    /// Tool names offered to the model.
    pub tools: Vec<String>,
    /// MCP servers and their state.
    pub mcp_servers: Vec<McpServerStatus>,
    /// Model id.
    pub model: String,
    /// Permission mode.
    #[serde(rename = "permissionMode")]
    pub permission_mode: String,
    /// Slash commands.
    pub slash_commands: Vec<String>,
    /// `ANTHROPIC_API_KEY`, `apiKeyHelper`, `none`, …
    #[serde(rename = "apiKeySource")]
    pub api_key_source: String,
    /// The version string of this program (the peer's field name).
    pub claude_code_version: String,
    /// Output style.
    pub output_style: String,
    /// Subagent types.
    pub agents: Vec<String>,
    /// Skills.
    pub skills: Vec<String>,
    /// Plugins (`{name, path}`); rudder loads none yet.
    pub plugins: Vec<Value>,
}

/// `{"type":"assistant",…}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssistantRecord {
    /// The message as the API returned it.
    pub message: AssistantMessage,
    /// The Task call this belongs to, for subagent output.
    pub parent_tool_use_id: Option<String>,
    /// Session id.
    pub session_id: String,
    /// Record id (same as the transcript record).
    pub uuid: String,
}

/// `{"type":"user",…}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    /// The message as sent to the model.
    pub message: Message,
    /// The Task call this belongs to, for subagent messages.
    pub parent_tool_use_id: Option<String>,
    /// Session id.
    pub session_id: String,
    /// Record id.
    pub uuid: String,
    /// Structured tool output, for a single tool result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_use_result: Option<Value>,
}

/// `{"type":"stream_event",…}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamEventRecord {
    /// The raw API event.
    pub event: StreamEvent,
    /// The Task call this belongs to.
    pub parent_tool_use_id: Option<String>,
    /// Session id.
    pub session_id: String,
    /// Record id.
    pub uuid: String,
}

/// `{"type":"result",…}`: the last line of every run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultRecord {
    /// `success`, `error_max_turns`, `error_during_execution`,
    /// `error_max_budget_usd`.
    pub subtype: String,
    /// True when the task did not complete.
    pub is_error: bool,
    /// Wall time of the run in milliseconds.
    pub duration_ms: u64,
    /// Time waiting on the model API in milliseconds.
    pub duration_api_ms: u64,
    /// Model requests made.
    pub num_turns: u32,
    /// Final assistant text (absent on error subtypes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// Session id.
    pub session_id: String,
    /// Total cost in US dollars.
    pub total_cost_usd: f64,
    /// Summed usage.
    pub usage: Usage,
    /// Per-model totals.
    #[serde(rename = "modelUsage")]
    pub model_usage: BTreeMap<String, ModelUsage>,
    /// Refused calls.
    pub permission_denials: Vec<PermissionDenial>,
    /// What went wrong, on error subtypes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// The last `stop_reason`.
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// Record id.
    pub uuid: String,
}

/// `{"type":"control_request","request_id","request":{"subtype",…}}`, in
/// either direction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlRequest {
    /// Correlates the response.
    pub request_id: String,
    /// `{"subtype": "initialize" | "interrupt" | "can_use_tool" | …, …}`.
    pub request: Value,
}

/// `{"type":"control_response","response":{…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlResponse {
    /// Success or error body.
    pub response: ControlResponseBody,
}

/// The body of a control response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "subtype", rename_all = "snake_case")]
pub enum ControlResponseBody {
    /// The request succeeded.
    Success {
        /// Echo of the request id.
        request_id: String,
        /// Subtype-specific answer.
        #[serde(default)]
        response: Value,
    },
    /// The request failed.
    Error {
        /// Echo of the request id.
        request_id: String,
        /// What failed.
        error: String,
    },
}

/// One line of stream-json input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InputRecord {
    /// A user message to run as the next turn.
    User {
        /// The message (`content` a string or blocks).
        message: Message,
        /// Ignored (the SDK sends null).
        #[serde(default)]
        parent_tool_use_id: Option<String>,
        /// Ignored (the SDK sends `default` or an id).
        #[serde(default)]
        session_id: Option<String>,
    },
    /// A control request from the SDK.
    ControlRequest(ControlRequest),
    /// The SDK's answer to one of rudder's control requests.
    ControlResponse(ControlResponse),
    /// The SDK withdraws a request it sent.
    ControlCancelRequest {
        /// The withdrawn request.
        request_id: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sdk_user_line_parses_with_string_content() {
        let line = r#"{"type":"user","message":{"role":"user","content":"hi"},"parent_tool_use_id":null,"session_id":"default"}"#;
        let InputRecord::User { message, .. } = serde_json::from_str(line).unwrap() else {
            panic!("not a user record")
        };
        assert_eq!(message.text(), "hi");
    }

    #[test]
    fn control_records_round_trip() {
        let line = json!({"type":"control_request","request_id":"req_1","request":{"subtype":"initialize","hooks":null}});
        let record: InputRecord = serde_json::from_value(line.clone()).unwrap();
        assert!(matches!(record, InputRecord::ControlRequest(_)));
        assert_eq!(serde_json::to_value(&record).unwrap(), line);

        let answer = OutputRecord::ControlResponse(ControlResponse {
            response: ControlResponseBody::Success {
                request_id: "req_1".into(),
                response: json!({"commands": []}),
            },
        });
        assert_eq!(
            serde_json::to_value(&answer).unwrap(),
            json!({"type":"control_response","response":{"subtype":"success","request_id":"req_1","response":{"commands":[]}}})
        );
    }

    #[test]
    fn system_init_flattens_its_fields() {
        let fields = InitFields {
            cwd: "/r".into(),
            tools: vec!["Read".into()],
            mcp_servers: vec![],
            model: "m".into(),
            permission_mode: "default".into(),
            slash_commands: vec![],
            api_key_source: "none".into(),
            claude_code_version: "0.1.0".into(),
            output_style: "default".into(),
            agents: vec![],
            skills: vec![],
            plugins: vec![],
        };
        let Value::Object(fields) = serde_json::to_value(fields).unwrap() else {
            panic!("not an object")
        };
        let record = OutputRecord::System(SystemRecord {
            subtype: "init".into(),
            session_id: "s".into(),
            uuid: "u".into(),
            fields,
        });
        let value = serde_json::to_value(&record).unwrap();
        assert_eq!(value["type"], "system");
        assert_eq!(value["subtype"], "init");
        assert_eq!(value["permissionMode"], "default");
        assert_eq!(value["tools"], json!(["Read"]));
    }
}

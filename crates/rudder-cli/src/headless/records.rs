//! Turning [`AgentEvent`]s into Claude Code's headless output records
//! (CLAUDE-CODE-INTERFACE.md §10.1).
//!
//! Pure mapping, no I/O: the printer decides what to write where.

use rudder_protocol::event::{SessionInfo, TurnOutcome, TurnStop};
use rudder_protocol::headless::{
    AssistantRecord, InitFields, OutputRecord, ResultRecord, StreamEventRecord, SystemRecord,
    UserRecord,
};
use rudder_protocol::hook::HookRunFinished;
use rudder_protocol::{AgentEvent, ContentBlock};
use serde_json::{Map, Value, json};

/// What the mapping needs besides the event.
#[derive(Debug, Clone, Copy)]
pub struct RecordOptions {
    /// Emit `stream_event` records.
    pub include_partial_messages: bool,
    /// Echo prompt user messages.
    pub replay_user_messages: bool,
    /// Emit `system/hook_started` and `system/hook_response` records
    /// (`--include-hook-events`).
    pub include_hook_events: bool,
}

/// The version string reported as `claude_code_version` (rudder's own).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn system(subtype: &str, session_id: &str, fields: Value) -> OutputRecord {
    let fields = match fields {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    OutputRecord::System(SystemRecord {
        subtype: subtype.to_owned(),
        session_id: session_id.to_owned(),
        uuid: new_uuid(),
        fields,
    })
}

/// The `system/init` record for a session.
pub fn init_record(info: &SessionInfo) -> OutputRecord {
    let fields = InitFields {
        cwd: info.cwd.clone(),
        tools: info.tools.clone(),
        mcp_servers: info.mcp_servers.clone(),
        model: info.model.clone(),
        permission_mode: info.permission_mode.as_str().to_owned(),
        slash_commands: info.slash_commands.clone(),
        api_key_source: info.api_key_source.clone(),
        claude_code_version: VERSION.to_owned(),
        output_style: info.output_style.clone(),
        agents: info.agents.clone(),
        skills: info.skills.clone(),
        plugins: Vec::new(),
    };
    system(
        "init",
        &info.session_id,
        serde_json::to_value(fields).unwrap_or(Value::Null),
    )
}

/// The stream-json records for `event` (none for events headless output
/// does not show). `TurnEnded` maps through [`result_record`] instead.
pub fn records_for(
    event: &AgentEvent,
    session_id: &str,
    options: RecordOptions,
) -> Vec<OutputRecord> {
    match event {
        AgentEvent::SessionReady(info) => vec![init_record(info)],
        AgentEvent::Stream {
            event,
            parent_tool_use_id,
        } if options.include_partial_messages => {
            vec![OutputRecord::StreamEvent(StreamEventRecord {
                event: event.clone(),
                parent_tool_use_id: parent_tool_use_id.clone(),
                session_id: session_id.to_owned(),
                uuid: new_uuid(),
            })]
        }
        AgentEvent::AssistantMessage {
            uuid,
            message,
            parent_tool_use_id,
        } => vec![OutputRecord::Assistant(AssistantRecord {
            message: message.clone(),
            parent_tool_use_id: parent_tool_use_id.clone(),
            session_id: session_id.to_owned(),
            uuid: uuid.clone(),
        })],
        AgentEvent::UserMessage {
            uuid,
            message,
            tool_use_result,
            parent_tool_use_id,
        } => {
            let has_results = message
                .content
                .iter()
                .any(|block| matches!(block, ContentBlock::ToolResult { .. }));
            // A prompt is echoed only on request; a subagent's prompt is
            // part of its output (`parent_tool_use_id` names its Task call).
            if !has_results && !options.replay_user_messages && parent_tool_use_id.is_none() {
                return Vec::new();
            }
            vec![OutputRecord::User(UserRecord {
                message: message.clone(),
                parent_tool_use_id: parent_tool_use_id.clone(),
                session_id: session_id.to_owned(),
                uuid: uuid.clone(),
                tool_use_result: tool_use_result.clone(),
            })]
        }
        AgentEvent::ApiRetry {
            attempt,
            max_retries,
            delay_ms,
            error,
            status,
        } => vec![system(
            "api_retry",
            session_id,
            json!({"attempt": attempt, "max_retries": max_retries, "retry_delay_ms": delay_ms,
                   "error_status": status, "error": error}),
        )],
        AgentEvent::ModelFallback { from, to, reason } => {
            vec![system(
                "model_fallback",
                session_id,
                json!({"from": from, "to": to, "reason": reason}),
            )]
        }
        AgentEvent::CompactBoundary {
            trigger,
            pre_tokens,
        } => vec![system(
            "compact_boundary",
            session_id,
            json!({"compact_metadata": {"trigger": trigger, "pre_tokens": pre_tokens}}),
        )],
        AgentEvent::CacheMiss(miss) => {
            vec![system(
                "cache_miss",
                session_id,
                serde_json::to_value(miss).unwrap_or(Value::Null),
            )]
        }
        AgentEvent::HookStarted(started) if options.include_hook_events => vec![system(
            "hook_started",
            session_id,
            json!({"hook_id": started.hook_id, "hook_name": started.hook_name,
                   "hook_event": started.hook_event}),
        )],
        AgentEvent::HookFinished(finished) if options.include_hook_events => {
            vec![hook_response(finished, session_id)]
        }
        AgentEvent::Notice { level, message } => {
            vec![system(
                "notice",
                session_id,
                json!({"level": level, "message": message}),
            )]
        }
        _ => Vec::new(),
    }
}

/// The `system/hook_response` record of a hook run: the Agent SDK's fields
/// (`output` is stdout then stderr), plus rudder's `timed_out` and
/// `effect` (what the run did, in words).
fn hook_response(finished: &HookRunFinished, session_id: &str) -> OutputRecord {
    let output = [finished.stdout.trim_end(), finished.stderr.trim_end()]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let mut fields = json!({
        "hook_id": finished.hook_id,
        "hook_name": finished.hook_name,
        "hook_event": finished.hook_event,
        "output": output,
        "stdout": finished.stdout,
        "stderr": finished.stderr,
        "outcome": finished.outcome,
        "timed_out": finished.timed_out,
    });
    if let Some(code) = finished.exit_code {
        fields["exit_code"] = json!(code);
    }
    if let Some(effect) = &finished.effect {
        fields["effect"] = json!(effect);
    }
    system("hook_response", session_id, fields)
}

/// Whether the outcome is a failure, and its result subtype.
pub fn classify(outcome: &TurnOutcome, unanswered_asks: usize) -> (bool, &'static str) {
    match &outcome.stop {
        TurnStop::Completed if unanswered_asks == 0 => (false, "success"),
        TurnStop::MaxTurns { .. } => (true, "error_max_turns"),
        TurnStop::MaxBudget { .. } => (true, "error_max_budget_usd"),
        _ => (true, "error_during_execution"),
    }
}

/// What went wrong, for the `errors` array of an error result.
pub fn error_messages(outcome: &TurnOutcome, unanswered_asks: usize) -> Vec<String> {
    let mut errors = Vec::new();
    match &outcome.stop {
        TurnStop::Completed => {}
        TurnStop::MaxTurns { limit } => {
            errors.push(format!("Reached the maximum number of turns ({limit})"))
        }
        TurnStop::MaxBudget { limit_usd } => {
            errors.push(format!("Reached the maximum budget (${limit_usd})"))
        }
        TurnStop::Interrupted => errors.push("Interrupted".to_owned()),
        TurnStop::ApiError { message, .. } => errors.push(message.clone()),
        TurnStop::Refusal => {
            errors.push("The model declined to continue (stop_reason: refusal)".to_owned())
        }
        TurnStop::MaxTokens => {
            errors.push("The response hit max_tokens before the model finished".to_owned())
        }
        TurnStop::Denied { message } | TurnStop::Failed { message } => errors.push(message.clone()),
    }
    if unanswered_asks > 0 {
        errors.push(format!(
            "{unanswered_asks} tool call(s) needed permission and were denied because no one could be asked"
        ));
    }
    errors
}

/// The `result` record of a turn.
pub fn result_record(
    outcome: &TurnOutcome,
    session_id: &str,
    duration_ms: u64,
    unanswered_asks: usize,
) -> ResultRecord {
    let (is_error, subtype) = classify(outcome, unanswered_asks);
    ResultRecord {
        subtype: subtype.to_owned(),
        is_error,
        duration_ms,
        duration_api_ms: outcome.duration_api_ms,
        num_turns: outcome.num_turns,
        result: Some(outcome.result_text.clone()),
        session_id: session_id.to_owned(),
        total_cost_usd: outcome.total_cost_usd,
        usage: outcome.usage.clone(),
        model_usage: outcome.model_usage.clone(),
        permission_denials: outcome.permission_denials.clone(),
        errors: if is_error {
            error_messages(outcome, unanswered_asks)
        } else {
            Vec::new()
        },
        stop_reason: outcome.stop_reason.clone(),
        uuid: new_uuid(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rudder_protocol::Usage;

    fn outcome(stop: TurnStop) -> TurnOutcome {
        TurnOutcome {
            stop,
            result_text: "done".into(),
            num_turns: 2,
            duration_ms: 10,
            duration_api_ms: 5,
            usage: Usage::default(),
            model_usage: Default::default(),
            total_cost_usd: 0.0,
            permission_denials: vec![],
            stop_reason: Some("end_turn".into()),
        }
    }

    #[test]
    fn success_and_error_subtypes() {
        assert_eq!(
            classify(&outcome(TurnStop::Completed), 0),
            (false, "success")
        );
        assert_eq!(
            classify(&outcome(TurnStop::MaxTurns { limit: 3 }), 0),
            (true, "error_max_turns")
        );
        assert_eq!(
            classify(&outcome(TurnStop::Completed), 1),
            (true, "error_during_execution")
        );
    }

    #[test]
    fn result_record_has_the_documented_fields() {
        let record = result_record(&outcome(TurnStop::Completed), "s", 12, 0);
        let value = serde_json::to_value(OutputRecord::Result(record)).unwrap();
        for key in [
            "type",
            "subtype",
            "is_error",
            "duration_ms",
            "duration_api_ms",
            "num_turns",
            "result",
            "session_id",
            "total_cost_usd",
            "usage",
            "modelUsage",
            "permission_denials",
            "uuid",
        ] {
            assert!(value.get(key).is_some(), "missing {key}");
        }
        assert_eq!(value["type"], "result");
        assert!(value.get("errors").is_none());
    }
}

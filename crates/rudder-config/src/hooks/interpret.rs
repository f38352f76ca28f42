//! The meaning of a finished hook run: exit code, stdout and stderr in, a
//! [`HookOutcome`] out. Pure.
//!
//! Exit codes (CLAUDE-CODE-INTERFACE.md §5.3, 2025 semantics):
//! - `0`: success. Stdout that is a JSON object (after blanks, starting
//!   with `{`) is read for the fields of §5.4; other stdout is plain text,
//!   added to the model's context for UserPromptSubmit and SessionStart and
//!   shown in the transcript view otherwise.
//! - `2`: block; stderr is the reason (the runner may prefix it with
//!   `[command]: ` as Claude Code does). JSON on stdout is ignored.
//!   PermissionRequest exit 2 denies (2025; 2.1 ignores it — rudder keeps
//!   the stricter reading). PreCompact exit 2 skips the compaction (2.1;
//!   in 2025 it only showed stderr — blocking is what the hook asked for).
//! - other: a non-blocking error shown to the user; the run continues.
//! - no code (timed out or killed): no decision, a warning.

use serde_json::{Map, Value};

use super::event::HookEvent;
use super::outcome::{Audience, HookDecision, HookOutcome};
use rudder_protocol::permission::PermissionUpdate;

/// Interprets one hook run for `event`. `exit_code` is `None` when the hook
/// timed out or was killed by a signal; `stdout`/`stderr` are its captured
/// output (lossily decoded).
pub fn interpret(
    event: HookEvent,
    exit_code: Option<i32>,
    stdout: &str,
    stderr: &str,
) -> HookOutcome {
    match exit_code {
        None => HookOutcome {
            timed_out: true,
            user_warning: Some(format!(
                "{event} hook timed out or was killed; it decided nothing"
            )),
            ..HookOutcome::default()
        },
        Some(0) => success(event, stdout),
        Some(2) => blocking(event, stderr),
        Some(code) => {
            let stderr = stderr.trim();
            let detail = if stderr.is_empty() {
                String::new()
            } else {
                format!(": {stderr}")
            };
            HookOutcome {
                user_warning: Some(format!(
                    "{event} hook failed with non-blocking status code {code}{detail}"
                )),
                ..HookOutcome::default()
            }
        }
    }
}

/// Who reads a block reason for `event`; `None` when the event cannot block.
fn block_audience(event: HookEvent) -> Option<Audience> {
    match event {
        HookEvent::PreToolUse
        | HookEvent::PermissionRequest
        | HookEvent::PostToolUse
        | HookEvent::Stop
        | HookEvent::SubagentStop => Some(Audience::Model),
        HookEvent::UserPromptSubmit | HookEvent::PreCompact => Some(Audience::User),
        HookEvent::Notification | HookEvent::SessionStart | HookEvent::SessionEnd => None,
    }
}

fn blocking(event: HookEvent, stderr: &str) -> HookOutcome {
    let stderr = stderr.trim();
    let reason = if stderr.is_empty() {
        format!("blocked by a {event} hook (exit code 2)")
    } else {
        stderr.to_owned()
    };
    match block_audience(event) {
        Some(audience) => HookOutcome {
            decision: HookDecision::Block { reason, audience },
            ..HookOutcome::default()
        },
        None => HookOutcome {
            user_warning: Some(reason),
            ..HookOutcome::default()
        },
    }
}

fn success(event: HookEvent, stdout: &str) -> HookOutcome {
    let trimmed = stdout.trim();
    if trimmed.starts_with('{')
        && let Ok(Value::Object(doc)) = serde_json::from_str::<Value>(trimmed)
    {
        return from_json(event, &doc);
    }
    let text = stdout.trim_end();
    if text.trim().is_empty() {
        return HookOutcome::default();
    }
    match event {
        HookEvent::UserPromptSubmit | HookEvent::SessionStart => HookOutcome {
            additional_context: Some(text.to_owned()),
            ..HookOutcome::default()
        },
        _ => HookOutcome {
            transcript_output: Some(text.to_owned()),
            ..HookOutcome::default()
        },
    }
}

/// Reads the JSON output fields (§5.4).
fn from_json(event: HookEvent, doc: &Map<String, Value>) -> HookOutcome {
    let text = |map: &Map<String, Value>, key: &str| {
        map.get(key).and_then(Value::as_str).map(str::to_owned)
    };
    let mut outcome = HookOutcome {
        continue_session: doc.get("continue").and_then(Value::as_bool).unwrap_or(true),
        stop_reason: text(doc, "stopReason"),
        system_message: text(doc, "systemMessage"),
        suppress_output: doc.get("suppressOutput").and_then(Value::as_bool) == Some(true),
        ..HookOutcome::default()
    };
    let mut problems: Vec<String> = Vec::new();
    let reason = text(doc, "reason");
    match doc.get("decision").and_then(Value::as_str) {
        None => {}
        Some("block") => match block_audience(event) {
            Some(audience)
                if event != HookEvent::PermissionRequest && event != HookEvent::PreCompact =>
            {
                outcome.decision = HookDecision::Block {
                    reason: reason
                        .clone()
                        .unwrap_or_else(|| format!("blocked by a {event} hook")),
                    audience,
                };
            }
            _ => problems.push(format!("`decision: block` has no effect on {event}")),
        },
        Some("approve") if event == HookEvent::PreToolUse => {
            outcome.decision = HookDecision::Allow {
                reason: reason.clone(),
            };
        }
        Some("approve") if matches!(event, HookEvent::Stop | HookEvent::SubagentStop) => {}
        Some(other) => problems.push(format!("unknown `decision` value `{other}`")),
    }
    if let Some(specific) = doc.get("hookSpecificOutput") {
        match specific {
            Value::Object(specific) => {
                match specific.get("hookEventName").and_then(Value::as_str) {
                    Some(name) if name != event.as_str() => problems.push(format!(
                        "hookSpecificOutput is for {name}, not {event}; ignored"
                    )),
                    _ => read_specific(event, specific, &mut outcome, &mut problems),
                }
            }
            _ => problems.push("hookSpecificOutput is not an object; ignored".into()),
        }
    }
    if !problems.is_empty() {
        outcome.user_warning = Some(format!("{event} hook output: {}", problems.join("; ")));
    }
    outcome
}

/// Reads `hookSpecificOutput` for `event`.
fn read_specific(
    event: HookEvent,
    specific: &Map<String, Value>,
    outcome: &mut HookOutcome,
    problems: &mut Vec<String>,
) {
    let text = |key: &str| specific.get(key).and_then(Value::as_str).map(str::to_owned);
    match event {
        HookEvent::PreToolUse => {
            let reason = text("permissionDecisionReason");
            match specific.get("permissionDecision").and_then(Value::as_str) {
                None | Some("defer") => {}
                Some("allow") => outcome.decision = HookDecision::Allow { reason },
                Some("ask") => outcome.decision = HookDecision::Ask { reason },
                Some("deny") => {
                    outcome.decision = HookDecision::Block {
                        reason: reason.unwrap_or_else(|| "denied by a PreToolUse hook".into()),
                        audience: Audience::Model,
                    };
                }
                Some(other) => problems.push(format!("unknown permissionDecision `{other}`")),
            }
            read_updated_input(specific.get("updatedInput"), outcome, problems);
            outcome.additional_context = text("additionalContext");
        }
        HookEvent::PermissionRequest => {
            let Some(Value::Object(decision)) = specific.get("decision") else {
                return;
            };
            match decision.get("behavior").and_then(Value::as_str) {
                Some("allow") => {
                    outcome.decision = HookDecision::Allow { reason: None };
                    read_updated_input(decision.get("updatedInput"), outcome, problems);
                    if let Some(updates) = decision.get("updatedPermissions") {
                        match PermissionUpdate::list_from_wire("updatedPermissions", updates) {
                            Ok(updates) => outcome.updated_permissions = updates,
                            Err(error) => {
                                problems.push(format!("{error}; the updates are ignored"))
                            }
                        }
                    }
                }
                Some("deny") => {
                    outcome.decision = HookDecision::Block {
                        reason: decision.get("message").and_then(Value::as_str).map_or_else(
                            || "denied by a PermissionRequest hook".into(),
                            str::to_owned,
                        ),
                        audience: Audience::Model,
                    };
                    outcome.interrupt =
                        decision.get("interrupt").and_then(Value::as_bool) == Some(true);
                }
                other => problems.push(format!("unknown decision.behavior {other:?}")),
            }
        }
        HookEvent::PostToolUse | HookEvent::UserPromptSubmit | HookEvent::SessionStart => {
            outcome.additional_context = text("additionalContext");
        }
        _ => {}
    }
}

fn read_updated_input(
    value: Option<&Value>,
    outcome: &mut HookOutcome,
    problems: &mut Vec<String>,
) {
    match value {
        None => {}
        Some(Value::Object(input)) => outcome.updated_input = Some(Value::Object(input.clone())),
        Some(_) => problems.push("updatedInput is not an object; ignored".into()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run(event: HookEvent, code: Option<i32>, stdout: &str, stderr: &str) -> HookOutcome {
        interpret(event, code, stdout, stderr)
    }

    #[test]
    fn exit_0_plain_text() {
        let outcome = run(HookEvent::PreToolUse, Some(0), "checked\n", "");
        assert_eq!(outcome.decision, HookDecision::None);
        assert_eq!(outcome.transcript_output.as_deref(), Some("checked"));
        assert_eq!(outcome.additional_context, None);
        for event in [HookEvent::UserPromptSubmit, HookEvent::SessionStart] {
            let outcome = run(event, Some(0), "branch: main\n", "");
            assert_eq!(outcome.additional_context.as_deref(), Some("branch: main"));
            assert_eq!(outcome.transcript_output, None);
        }
        assert_eq!(
            run(HookEvent::Stop, Some(0), "  \n", ""),
            HookOutcome::default()
        );
        let not_json = run(HookEvent::PostToolUse, Some(0), "{not json", "");
        assert_eq!(not_json.transcript_output.as_deref(), Some("{not json"));
    }

    #[test]
    fn exit_0_json_common_fields() {
        let outcome = run(
            HookEvent::PostToolUse,
            Some(0),
            r#"{"continue": false, "stopReason": "build broke", "systemMessage": "careful", "suppressOutput": true}"#,
            "",
        );
        assert!(!outcome.continue_session);
        assert_eq!(outcome.stop_reason.as_deref(), Some("build broke"));
        assert_eq!(outcome.system_message.as_deref(), Some("careful"));
        assert!(outcome.suppress_output);
        assert_eq!(outcome.transcript_output, None);
        assert_eq!(outcome.user_warning, None);
    }

    #[test]
    fn exit_0_json_pre_tool_use_decisions() {
        let decide = |decision: &str| {
            run(
                HookEvent::PreToolUse,
                Some(0),
                &json!({"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": decision, "permissionDecisionReason": "r"}}).to_string(),
                "",
            )
            .decision
        };
        assert_eq!(
            decide("allow"),
            HookDecision::Allow {
                reason: Some("r".into())
            }
        );
        assert_eq!(
            decide("ask"),
            HookDecision::Ask {
                reason: Some("r".into())
            }
        );
        assert_eq!(
            decide("deny"),
            HookDecision::Block {
                reason: "r".into(),
                audience: Audience::Model
            }
        );
        assert_eq!(decide("defer"), HookDecision::None);
        let outcome = run(
            HookEvent::PreToolUse,
            Some(0),
            r#"{"hookSpecificOutput": {"permissionDecision": "allow", "updatedInput": {"command": "ls -la"}, "additionalContext": "note"}}"#,
            "",
        );
        assert_eq!(outcome.updated_input, Some(json!({"command": "ls -la"})));
        assert_eq!(outcome.additional_context.as_deref(), Some("note"));
        let odd = run(
            HookEvent::PreToolUse,
            Some(0),
            r#"{"hookSpecificOutput": {"permissionDecision": "maybe"}}"#,
            "",
        );
        assert_eq!(odd.decision, HookDecision::None);
        assert!(odd.user_warning.unwrap().contains("maybe"));
    }

    #[test]
    fn exit_0_json_deprecated_approve_and_block() {
        let approve = run(
            HookEvent::PreToolUse,
            Some(0),
            r#"{"decision": "approve", "reason": "fine"}"#,
            "",
        );
        assert_eq!(
            approve.decision,
            HookDecision::Allow {
                reason: Some("fine".into())
            }
        );
        let block = run(
            HookEvent::PreToolUse,
            Some(0),
            r#"{"decision": "block", "reason": "no"}"#,
            "",
        );
        assert_eq!(
            block.decision,
            HookDecision::Block {
                reason: "no".into(),
                audience: Audience::Model
            }
        );
        let specific_wins = run(
            HookEvent::PreToolUse,
            Some(0),
            r#"{"decision": "block", "reason": "old", "hookSpecificOutput": {"permissionDecision": "allow"}}"#,
            "",
        );
        assert_eq!(specific_wins.decision, HookDecision::Allow { reason: None });
    }

    #[test]
    fn exit_0_json_block_per_event() {
        let cases = [
            (HookEvent::PostToolUse, Audience::Model),
            (HookEvent::Stop, Audience::Model),
            (HookEvent::SubagentStop, Audience::Model),
            (HookEvent::UserPromptSubmit, Audience::User),
        ];
        for (event, audience) in cases {
            let outcome = run(
                event,
                Some(0),
                r#"{"decision": "block", "reason": "because"}"#,
                "",
            );
            assert_eq!(
                outcome.decision,
                HookDecision::Block {
                    reason: "because".into(),
                    audience
                },
                "{event}"
            );
        }
        let stop = run(HookEvent::Stop, Some(0), r#"{"decision": "block"}"#, "");
        assert!(matches!(stop.decision, HookDecision::Block { .. }));
        let useless = run(
            HookEvent::SessionEnd,
            Some(0),
            r#"{"decision": "block"}"#,
            "",
        );
        assert_eq!(useless.decision, HookDecision::None);
        assert!(useless.user_warning.is_some());
    }

    #[test]
    fn exit_0_json_additional_context() {
        for event in [
            HookEvent::UserPromptSubmit,
            HookEvent::SessionStart,
            HookEvent::PostToolUse,
        ] {
            let doc = json!({"hookSpecificOutput": {"hookEventName": event.as_str(), "additionalContext": "ctx"}});
            let outcome = run(event, Some(0), &doc.to_string(), "");
            assert_eq!(
                outcome.additional_context.as_deref(),
                Some("ctx"),
                "{event}"
            );
        }
        let mismatched = run(
            HookEvent::SessionStart,
            Some(0),
            r#"{"hookSpecificOutput": {"hookEventName": "PreToolUse", "additionalContext": "x"}}"#,
            "",
        );
        assert_eq!(mismatched.additional_context, None);
        assert!(mismatched.user_warning.is_some());
    }

    #[test]
    fn exit_0_json_permission_request() {
        let allow = run(
            HookEvent::PermissionRequest,
            Some(0),
            r#"{"hookSpecificOutput": {"hookEventName": "PermissionRequest", "decision": {"behavior": "allow", "updatedInput": {"command": "ls"}, "updatedPermissions": [{"type": "setMode", "mode": "acceptEdits", "destination": "session"}]}}}"#,
            "",
        );
        assert_eq!(allow.decision, HookDecision::Allow { reason: None });
        assert_eq!(allow.updated_input, Some(json!({"command": "ls"})));
        assert_eq!(allow.updated_permissions.len(), 1);
        let deny = run(
            HookEvent::PermissionRequest,
            Some(0),
            r#"{"hookSpecificOutput": {"decision": {"behavior": "deny", "message": "not now", "interrupt": true}}}"#,
            "",
        );
        assert_eq!(
            deny.decision,
            HookDecision::Block {
                reason: "not now".into(),
                audience: Audience::Model
            }
        );
        assert!(deny.interrupt);
        let unknown = run(
            HookEvent::PermissionRequest,
            Some(0),
            r#"{"hookSpecificOutput": {"decision": {"behavior": "allow", "updatedPermissions": [{"type": "removeRules", "rules": [{"toolName": "Bash"}], "behavior": "allow", "destination": "session"}, {"type": "grantAll"}]}}}"#,
            "",
        );
        assert!(unknown.updated_permissions.is_empty());
        let warning = unknown.user_warning.unwrap_or_default();
        assert!(
            warning.contains("updatedPermissions[1]: unknown permission update type `grantAll`"),
            "{warning}"
        );
    }

    #[test]
    fn exit_2_blocks_with_stderr() {
        let outcome = run(
            HookEvent::PreToolUse,
            Some(2),
            r#"{"decision":"approve"}"#,
            "rm is not allowed\n",
        );
        assert_eq!(
            outcome.decision,
            HookDecision::Block {
                reason: "rm is not allowed".into(),
                audience: Audience::Model
            }
        );
        let prompt = run(HookEvent::UserPromptSubmit, Some(2), "", "secret in prompt");
        assert_eq!(
            prompt.decision,
            HookDecision::Block {
                reason: "secret in prompt".into(),
                audience: Audience::User
            }
        );
        assert!(matches!(
            run(HookEvent::PermissionRequest, Some(2), "", "").decision,
            HookDecision::Block { .. }
        ));
        assert!(matches!(
            run(HookEvent::PreCompact, Some(2), "", "x").decision,
            HookDecision::Block {
                audience: Audience::User,
                ..
            }
        ));
        let cannot = run(HookEvent::SessionStart, Some(2), "", "oops");
        assert_eq!(cannot.decision, HookDecision::None);
        assert_eq!(cannot.user_warning.as_deref(), Some("oops"));
    }

    #[test]
    fn other_exit_codes_warn_without_deciding() {
        let outcome = run(
            HookEvent::PreToolUse,
            Some(1),
            r#"{"decision":"block"}"#,
            "lint failed",
        );
        assert_eq!(outcome.decision, HookDecision::None);
        assert!(outcome.continue_session);
        assert_eq!(
            outcome.user_warning.as_deref(),
            Some("PreToolUse hook failed with non-blocking status code 1: lint failed")
        );
    }

    #[test]
    fn timeout_decides_nothing() {
        let outcome = run(HookEvent::PreToolUse, None, "", "");
        assert!(outcome.timed_out);
        assert_eq!(outcome.decision, HookDecision::None);
        assert!(outcome.continue_session);
        assert!(outcome.user_warning.is_some());
    }
}

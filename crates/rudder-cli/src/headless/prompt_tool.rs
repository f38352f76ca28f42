//! `--permission-prompt-tool mcp__<server>__<tool>`: an MCP tool answers
//! the permission prompts of a headless run.
//!
//! Contract (CLAUDE-CODE-INTERFACE.md §10.3): the tool is called with
//! `{"tool_name", "input", "tool_use_id"}` and returns a text content whose
//! JSON is `{"behavior":"allow","updatedInput":{…}}` or
//! `{"behavior":"deny","message":"…"}`. Anything else — an error result, a
//! failed call, text that is not such JSON — denies the call with a message
//! that says what the tool answered, so a broken prompt tool never allows.

use futures::future::BoxFuture;
use rudder_core::mcp::McpSession;
use rudder_core::permissions::Approver;
use rudder_protocol::permission::{ApprovalDecision, ApprovalRequest};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

/// Asks an MCP tool.
pub struct McpPromptTool {
    /// The session's MCP servers.
    pub mcp: McpSession,
    /// The tool's qualified name.
    pub tool: String,
}

impl Approver for McpPromptTool {
    fn decide<'a>(&'a self, request: &'a ApprovalRequest) -> BoxFuture<'a, ApprovalDecision> {
        Box::pin(async move {
            let arguments = json!({
                "tool_name": request.tool_name,
                "input": request.input,
                "tool_use_id": request.tool_use_id,
            });
            let cancel = CancellationToken::new();
            let deny = |message: String| ApprovalDecision::Deny {
                message,
                interrupt: false,
            };
            let result = match self.mcp.call_tool(&self.tool, arguments, &cancel).await {
                Ok(result) => result,
                Err(error) => {
                    return deny(format!(
                        "The permission prompt tool {} failed: {error}",
                        self.tool
                    ));
                }
            };
            let text: String = result
                .content
                .iter()
                .filter_map(|block| block.as_text())
                .collect::<Vec<_>>()
                .join("");
            if result.is_error {
                return deny(format!(
                    "The permission prompt tool {} reported an error: {text}",
                    self.tool
                ));
            }
            parse_answer(&text).unwrap_or_else(|problem| {
                deny(format!(
                    "The permission prompt tool {} answered {text:?}, which is not a permission \
                     decision ({problem}); the call is denied.",
                    self.tool
                ))
            })
        })
    }
}

/// Reads the tool's text as a decision. Errors: not JSON, or not an
/// allow/deny object.
fn parse_answer(text: &str) -> Result<ApprovalDecision, String> {
    let value: Value = serde_json::from_str(text.trim()).map_err(|error| error.to_string())?;
    ApprovalDecision::from_answer(&value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_parse_as_allow_or_deny_only() {
        assert_eq!(
            parse_answer(r#"{"behavior":"allow","updatedInput":{"x":1}}"#).unwrap(),
            ApprovalDecision::Allow {
                updated_input: Some(json!({"x": 1})),
                updated_permissions: Vec::new(),
            }
        );
        assert_eq!(
            parse_answer(r#" {"behavior":"deny","message":"no"} "#).unwrap(),
            ApprovalDecision::Deny {
                message: "no".into(),
                interrupt: false,
            }
        );
        assert!(parse_answer("yes").is_err());
        assert!(parse_answer(r#"{"behavior":"maybe"}"#).is_err());
        let unknown = parse_answer(
            r#"{"behavior":"allow","updatedPermissions":[{"type":"grantAll","destination":"session"}]}"#,
        )
        .unwrap_err();
        assert!(
            unknown.starts_with("updatedPermissions[0]: unknown permission update type `grantAll`"),
            "{unknown}"
        );
    }
}

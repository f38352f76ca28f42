//! Calling one MCP tool: the `CallMcpTool` proxy unwrapped into a call of
//! the tool it names, and the tool object the executor runs for any
//! `mcp__<server>__<tool>` name.
//!
//! Contract: Claude Code §6 naming; `tools/call` results as `tool_result`
//! blocks (`isError` → `is_error`, `structuredContent` → `tool_use_result`);
//! a server still starting is waited for (bounded), one that is not
//! connected is an error result naming its status. The output cap of
//! `MAX_MCP_OUTPUT_TOKENS` is applied by `rudder-mcp`; the executor then
//! applies the general result cap.

use futures::future::BoxFuture;
use rudder_mcp::McpError;
use rudder_tools::{Tool, ToolContext, ToolOutput};
use serde_json::{Value, json};

use super::McpSession;
use super::meta::{CALL_MCP_TOOL, blocks_content};

/// When `name` is `CallMcpTool`, the call it stands for: `Some(Ok((tool,
/// arguments)))`, or `Some(Err(message))` when its input is unusable (no
/// string `name`, not an `mcp__` name, `arguments` not an object). `None`
/// for every other tool. `arguments` may be absent (`{}`) or a string
/// holding a JSON object (models sometimes send that).
pub fn unwrap_proxy_call(name: &str, input: &Value) -> Option<Result<(String, Value), String>> {
    if name != CALL_MCP_TOOL {
        return None;
    }
    let Some(target) = input.get("name").and_then(Value::as_str) else {
        return Some(Err(
            "CallMcpTool needs a string `name`: the tool's full name, mcp__<server>__<tool>."
                .to_owned(),
        ));
    };
    if !target.starts_with("mcp__") {
        return Some(Err(format!(
            "CallMcpTool calls MCP tools (mcp__<server>__<tool>) only; call `{target}` directly."
        )));
    }
    let arguments = match input.get("arguments") {
        None | Some(Value::Null) => json!({}),
        Some(object @ Value::Object(_)) => object.clone(),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(object @ Value::Object(_)) => object,
            _ => {
                return Some(Err(format!(
                    "CallMcpTool: `arguments` must be a JSON object, got the string {text:?}."
                )));
            }
        },
        Some(other) => {
            return Some(Err(format!(
                "CallMcpTool: `arguments` must be a JSON object, got {other}."
            )));
        }
    };
    Some(Ok((target.to_owned(), arguments)))
}

/// The executor's tool object for one qualified MCP tool name.
pub(super) struct McpToolHandle {
    name: String,
    read_only: bool,
    mcp: McpSession,
}

impl McpToolHandle {
    /// A handle for `name`; `read_only` is the server's hint (used only to
    /// run calls concurrently, never to allow them).
    pub(super) fn new(name: String, read_only: bool, mcp: McpSession) -> Self {
        Self {
            name,
            read_only,
            mcp,
        }
    }

    async fn call(&self, input: Value, ctx: &ToolContext) -> ToolOutput {
        match self.mcp.call_tool(&self.name, input, &ctx.cancel).await {
            Ok(result) if result.content.is_empty() => ToolOutput {
                content: rudder_protocol::ToolResultContent::Text(
                    "(the tool returned no content)".to_owned(),
                ),
                is_error: result.is_error,
                structured: result.structured,
            },
            Ok(result) => ToolOutput {
                content: blocks_content(result.content),
                is_error: result.is_error,
                structured: result.structured,
            },
            Err(McpError::UnknownTool(_)) => ToolOutput::error(format!(
                "No connected MCP server offers a tool named {}. Call ToolSearch to see the MCP tools \
                 available now.",
                self.name
            )),
            Err(McpError::Cancelled { .. }) => ToolOutput::error("Interrupted by the user."),
            Err(error) => ToolOutput::error(error.to_string()),
        }
    }
}

impl Tool for McpToolHandle {
    fn name(&self) -> &str {
        &self.name
    }

    fn description(&self) -> &str {
        ""
    }

    fn input_schema(&self) -> Value {
        json!({"type": "object"})
    }

    fn is_read_only(&self) -> bool {
        self.read_only
    }

    fn execute<'a>(&'a self, input: Value, ctx: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        Box::pin(self.call(input, ctx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proxy_unwraps_into_the_named_tool() {
        assert_eq!(unwrap_proxy_call("Read", &json!({})), None);
        assert_eq!(
            unwrap_proxy_call(
                CALL_MCP_TOOL,
                &json!({"name": "mcp__s__echo", "arguments": {"m": 1}})
            ),
            Some(Ok(("mcp__s__echo".to_owned(), json!({"m": 1}))))
        );
        assert_eq!(
            unwrap_proxy_call(
                CALL_MCP_TOOL,
                &json!({"name": "mcp__s__echo", "arguments": "{\"m\": 2}"})
            ),
            Some(Ok(("mcp__s__echo".to_owned(), json!({"m": 2}))))
        );
        assert_eq!(
            unwrap_proxy_call(CALL_MCP_TOOL, &json!({"name": "mcp__s__x"})),
            Some(Ok(("mcp__s__x".to_owned(), json!({}))))
        );
        for bad in [
            json!({}),
            json!({"name": "Bash", "arguments": {}}),
            json!({"name": "mcp__s__x", "arguments": [1]}),
            json!({"name": "mcp__s__x", "arguments": "nope"}),
        ] {
            assert!(
                matches!(unwrap_proxy_call(CALL_MCP_TOOL, &bad), Some(Err(_))),
                "{bad}"
            );
        }
    }
}

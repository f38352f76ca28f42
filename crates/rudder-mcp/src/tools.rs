//! MCP tools as rudder sees them: qualified names, verbatim schemas, a
//! stable order, and call results as rudder content blocks.
//!
//! Contract: MCP spec 2025-06-18 `tools/list` (`name`, `title`,
//! `description`, `inputSchema`, `annotations.readOnlyHint`) and
//! `tools/call` (`content`, `structuredContent`, `isError`); Claude Code §6
//! naming. Invariant: the same server tool list always yields the same
//! [`McpTool`] list, byte for byte and in the same order (sorted by qualified
//! name), so a reconnect never reorders the cached tools block.
//!
//! Works on the spec's JSON shape; never on rmcp types.

use std::collections::BTreeMap;

use rudder_protocol::{ContentBlock, ToolDefinition};
use serde_json::Value;

use crate::content;
use crate::naming::{disambiguated_tool_name, qualified_tool_name};

/// One tool of one connected server, ready for the model's tools block.
#[derive(Debug, Clone, PartialEq)]
pub struct McpTool {
    /// Server name from the configuration.
    pub server: String,
    /// The tool's name on the server (what `tools/call` takes).
    pub tool: String,
    /// Human-readable title, if the server gave one (for display only).
    pub title: Option<String>,
    /// `annotations.readOnlyHint` (a hint from an untrusted server: use it
    /// for scheduling, never for permission decisions).
    pub read_only: bool,
    /// Name `mcp__<server>__<tool>`, the server's description (empty when
    /// absent) and its `inputSchema` passed through verbatim.
    pub definition: ToolDefinition,
}

/// A tool as a server listed it (internal, one per server tool).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ServerTool {
    pub name: String,
    pub title: Option<String>,
    pub description: String,
    pub input_schema: Value,
    pub read_only: bool,
}

impl ServerTool {
    /// Reads one `tools/list` item; `None` when it has no string `name`.
    pub fn from_json(item: &Value) -> Option<Self> {
        let name = item.get("name")?.as_str()?.to_owned();
        let text = |key: &str| item.get(key).and_then(Value::as_str).map(str::to_owned);
        Some(Self {
            name,
            title: text("title"),
            description: text("description").unwrap_or_default(),
            input_schema: item
                .get("inputSchema")
                .cloned()
                .unwrap_or_else(|| serde_json::json!({"type": "object"})),
            read_only: item
                .pointer("/annotations/readOnlyHint")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }
}

/// The qualified tools of one server name, sorted by qualified name. Tools
/// whose normalised names collide all get the hash suffix, so no name is
/// taken by whichever the server happened to list first.
pub(crate) fn qualify(server: &str, tools: &[ServerTool]) -> Vec<McpTool> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for tool in tools {
        *counts
            .entry(qualified_tool_name(server, &tool.name))
            .or_default() += 1;
    }
    let mut out: Vec<McpTool> = tools
        .iter()
        .map(|tool| {
            let plain = qualified_tool_name(server, &tool.name);
            let name = if counts.get(&plain).copied().unwrap_or(0) > 1 {
                disambiguated_tool_name(server, &tool.name)
            } else {
                plain
            };
            McpTool {
                server: server.to_owned(),
                tool: tool.name.clone(),
                title: tool.title.clone(),
                read_only: tool.read_only,
                definition: ToolDefinition {
                    name,
                    description: tool.description.clone(),
                    input_schema: tool.input_schema.clone(),
                    cache_control: None,
                },
            }
        })
        .collect();
    out.sort_by(|a, b| a.definition.name.cmp(&b.definition.name));
    out
}

/// The outcome of one MCP tool call (or what a served tool returns).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct McpToolResult {
    /// Text and image blocks for the `tool_result` (other MCP content kinds
    /// are turned into short text notes).
    pub content: Vec<ContentBlock>,
    /// `isError` from the server: the tool ran and failed.
    pub is_error: bool,
    /// `structuredContent`, if the server sent it.
    pub structured: Option<Value>,
}

impl McpToolResult {
    /// A successful result with one text block.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            content: vec![ContentBlock::text(text)],
            is_error: false,
            structured: None,
        }
    }

    /// A failed result (`isError: true`) with one text block explaining why.
    pub fn error(text: impl Into<String>) -> Self {
        Self {
            content: vec![ContentBlock::text(text)],
            is_error: true,
            structured: None,
        }
    }

    /// Reads a `tools/call` result object. When `content` is empty but
    /// `structuredContent` is present, the JSON text of the latter becomes the
    /// content (spec: servers SHOULD also send it as text; some do not).
    pub(crate) fn from_mcp(result: &Value) -> Self {
        let mut content: Vec<ContentBlock> = result
            .get("content")
            .and_then(Value::as_array)
            .map(|items| items.iter().map(content::from_mcp).collect())
            .unwrap_or_default();
        let structured = result.get("structuredContent").cloned();
        if content.is_empty()
            && let Some(value) = &structured
        {
            content.push(ContentBlock::text(value.to_string()));
        }
        Self {
            content,
            is_error: result
                .get("isError")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            structured,
        }
    }

    /// The result as the spec's JSON object (for `rudder mcp serve`).
    pub(crate) fn to_mcp(&self) -> Value {
        let mut object = serde_json::Map::new();
        object.insert(
            "content".to_owned(),
            Value::Array(self.content.iter().map(content::to_mcp).collect()),
        );
        if let Some(structured) = &self.structured {
            object.insert("structuredContent".to_owned(), structured.clone());
        }
        if self.is_error {
            object.insert("isError".to_owned(), Value::Bool(true));
        }
        Value::Object(object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tool(name: &str) -> ServerTool {
        ServerTool::from_json(
            &json!({"name": name, "inputSchema": {"type": "object", "z": 1, "a": 2}}),
        )
        .unwrap()
    }

    #[test]
    fn tools_are_sorted_and_schemas_verbatim() {
        let tools = qualify("srv", &[tool("zeta"), tool("alpha")]);
        let names: Vec<_> = tools.iter().map(|t| t.definition.name.as_str()).collect();
        assert_eq!(names, ["mcp__srv__alpha", "mcp__srv__zeta"]);
        assert_eq!(
            serde_json::to_string(&tools[0].definition.input_schema).unwrap(),
            r#"{"type":"object","z":1,"a":2}"#
        );
        assert_eq!(tools, qualify("srv", &[tool("alpha"), tool("zeta")]));
    }

    #[test]
    fn colliding_names_are_disambiguated_both_ways() {
        let tools = qualify("s", &[tool("a.b"), tool("a_b")]);
        assert_ne!(tools[0].definition.name, tools[1].definition.name);
        assert!(
            tools
                .iter()
                .all(|t| t.definition.name.starts_with("mcp__s__a_b_"))
        );
        assert!(ServerTool::from_json(&json!({"title": "no name"})).is_none());
    }

    #[test]
    fn results_read_content_error_and_structured() {
        let result = McpToolResult::from_mcp(&json!({
            "content": [{"type": "text", "text": "x"}], "isError": true, "structuredContent": {"n": 1}
        }));
        assert!(result.is_error);
        assert_eq!(result.structured, Some(json!({"n": 1})));
        let only_structured = McpToolResult::from_mcp(&json!({"structuredContent": {"n": 1}}));
        assert_eq!(
            only_structured.content,
            vec![ContentBlock::text(r#"{"n":1}"#)]
        );
        assert_eq!(
            McpToolResult::error("bad").to_mcp(),
            json!({"content": [{"type": "text", "text": "bad"}], "isError": true})
        );
    }
}

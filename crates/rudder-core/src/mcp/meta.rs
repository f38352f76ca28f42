//! The fixed MCP tools every session with MCP servers lists from its start:
//! `ToolSearch`, `CallMcpTool`, `ListMcpResourcesTool` and
//! `ReadMcpResourceTool`.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (ListMcpResourcesTool `server`;
//! ReadMcpResourceTool `server` R, `uri` R) and §6 (Claude Code 2.1 defers
//! MCP tools behind `ToolSearch`). `CallMcpTool` is rudder's own: the stable
//! way to call a tool that is not in the frozen tools block (docs/mcp.md).
//! Descriptions and schemas are static — they sit in the cached prefix.
//!
//! `CallMcpTool` never runs here: the turn loop unwraps it into a call of
//! the named tool first ([`super::unwrap_proxy_call`]), so the permission
//! gate judges the real tool.

use futures::future::BoxFuture;
use rudder_mcp::search::search_tools;
use rudder_protocol::{ContentBlock, ToolDefinition, ToolResultContent};
use rudder_tools::{Tool, ToolContext, ToolOutput};
use serde_json::{Value, json};

use super::McpSession;

/// Name of the tool-search tool (Claude Code 2.1's name).
pub const TOOL_SEARCH: &str = "ToolSearch";
/// Name of the proxy that calls any MCP tool by its qualified name.
pub const CALL_MCP_TOOL: &str = "CallMcpTool";
/// Claude Code's resource listing tool.
pub const LIST_RESOURCES: &str = "ListMcpResourcesTool";
/// Claude Code's resource reading tool.
pub const READ_RESOURCE: &str = "ReadMcpResourceTool";

/// Most tools one search returns.
const MAX_SEARCH_RESULTS: usize = 20;
/// Tools a search returns when the call does not say.
const DEFAULT_SEARCH_RESULTS: usize = 5;

/// Which fixed tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaKind {
    /// `ToolSearch`.
    Search,
    /// `CallMcpTool`.
    Call,
    /// `ListMcpResourcesTool`.
    ListResources,
    /// `ReadMcpResourceTool`.
    ReadResource,
}

impl MetaKind {
    /// The kind named `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            TOOL_SEARCH => Some(Self::Search),
            CALL_MCP_TOOL => Some(Self::Call),
            LIST_RESOURCES => Some(Self::ListResources),
            READ_RESOURCE => Some(Self::ReadResource),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Search => TOOL_SEARCH,
            Self::Call => CALL_MCP_TOOL,
            Self::ListResources => LIST_RESOURCES,
            Self::ReadResource => READ_RESOURCE,
        }
    }

    fn description(self) -> &'static str {
        match self {
            Self::Search => {
                "Finds MCP tools that are not in your tool list (tools of servers that connected after \
                 the session started, or whose schemas are deferred) and shows their names, descriptions \
                 and input schemas. Pass keywords, matched against tool names and descriptions, or \
                 \"select:<name>,<name>\" for exact tools. Waits for servers that are still starting. \
                 Call a tool you found with CallMcpTool."
            }
            Self::Call => {
                "Calls an MCP tool by its full name (mcp__<server>__<tool>), including tools that are \
                 not in your tool list: those announced in a system reminder or found with ToolSearch. \
                 `arguments` must match the tool's input schema as ToolSearch shows it. The call needs \
                 the same permission as the tool itself."
            }
            Self::ListResources => {
                "Lists the resources MCP servers offer (all connected servers, or one), with their \
                 URIs, names and MIME types. Read one with ReadMcpResourceTool."
            }
            Self::ReadResource => {
                "Reads a resource of an MCP server by its URI (from ListMcpResourcesTool or an \
                 @server:uri mention)."
            }
        }
    }

    fn input_schema(self) -> Value {
        match self {
            Self::Search => json!({
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "Keywords, or \"select:<name>,<name>\" for exact tool names"},
                    "max_results": {"type": "integer", "minimum": 1, "maximum": MAX_SEARCH_RESULTS, "description": "Most tools to return (default 5)"}
                },
                "required": ["query"],
                "additionalProperties": false
            }),
            Self::Call => json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string", "description": "The tool's full name, mcp__<server>__<tool>"},
                    "arguments": {"type": "object", "description": "The tool's input, as its input schema describes"}
                },
                "required": ["name"],
                "additionalProperties": false
            }),
            Self::ListResources => json!({
                "type": "object",
                "properties": {
                    "server": {"type": "string", "description": "Only list this server's resources"}
                },
                "additionalProperties": false
            }),
            Self::ReadResource => json!({
                "type": "object",
                "properties": {
                    "server": {"type": "string", "description": "The MCP server's name"},
                    "uri": {"type": "string", "description": "The resource URI"}
                },
                "required": ["server", "uri"],
                "additionalProperties": false
            }),
        }
    }
}

/// The four definitions, sorted by name.
pub fn definitions() -> Vec<ToolDefinition> {
    let mut tools: Vec<ToolDefinition> = [
        MetaKind::Search,
        MetaKind::Call,
        MetaKind::ListResources,
        MetaKind::ReadResource,
    ]
    .into_iter()
    .map(|kind| ToolDefinition {
        name: kind.name().to_owned(),
        description: kind.description().to_owned(),
        input_schema: kind.input_schema(),
        cache_control: None,
    })
    .collect();
    tools.sort_by(|a, b| a.name.cmp(&b.name));
    tools
}

/// One fixed tool bound to the session's servers.
pub struct MetaTool {
    kind: MetaKind,
    mcp: McpSession,
}

impl MetaTool {
    /// The tool `kind` over `mcp`.
    pub fn new(kind: MetaKind, mcp: McpSession) -> Self {
        Self { kind, mcp }
    }

    async fn search(&self, input: &Value) -> ToolOutput {
        let Some(query) = input.get("query").and_then(Value::as_str) else {
            return ToolOutput::error("ToolSearch needs a string `query`.");
        };
        let limit = input
            .get("max_results")
            .and_then(Value::as_u64)
            .map_or(DEFAULT_SEARCH_RESULTS, |n| {
                usize::try_from(n).unwrap_or(MAX_SEARCH_RESULTS)
            })
            .clamp(1, MAX_SEARCH_RESULTS);
        self.mcp.wait_all().await;
        let tools = self.mcp.visible_tools();
        let found = search_tools(&tools, query, limit);
        let mut text = if found.is_empty() {
            let names: Vec<&str> = tools
                .iter()
                .map(|tool| tool.definition.name.as_str())
                .collect();
            format!(
                "No MCP tool matches `{query}`. Connected MCP tools: {}.",
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            )
        } else {
            let mut text = format!(
                "{} tool(s) found. Call one with CallMcpTool {{\"name\": \"<name>\", \"arguments\": {{…}}}} \
                 (a tool that is in your tool list can also be called directly).",
                found.len()
            );
            for tool in &found {
                let entry = json!({
                    "name": tool.definition.name,
                    "description": tool.definition.description,
                    "input_schema": tool.definition.input_schema,
                });
                text.push('\n');
                text.push_str(&entry.to_string());
            }
            text
        };
        self.append_unavailable(&mut text);
        ToolOutput::text(text)
    }

    async fn list_resources(&self, input: &Value) -> ToolOutput {
        let server = input.get("server").and_then(Value::as_str);
        match server {
            Some(server) => self.mcp.wait_for(server).await,
            None => self.mcp.wait_all().await,
        }
        let manager = self.mcp.manager();
        match manager.list_resources(server).await {
            Ok(resources) if resources.is_empty() => {
                let mut text = "No resources found.".to_owned();
                self.append_unavailable(&mut text);
                ToolOutput::text(text)
            }
            Ok(resources) => {
                let list: Vec<Value> = resources
                    .iter()
                    .map(|resource| {
                        let mut item = json!({
                            "server": resource.server,
                            "uri": resource.uri,
                            "name": resource.name,
                        });
                        if let Some(mime) = &resource.mime_type {
                            item["mimeType"] = json!(mime);
                        }
                        if let Some(description) = &resource.description {
                            item["description"] = json!(description);
                        }
                        item
                    })
                    .collect();
                let text = serde_json::to_string_pretty(&list).unwrap_or_default();
                ToolOutput::text(text).with_structured(Value::Array(list))
            }
            Err(error) => ToolOutput::error(error.to_string()),
        }
    }

    async fn read_resource(&self, input: &Value) -> ToolOutput {
        let (Some(server), Some(uri)) = (
            input.get("server").and_then(Value::as_str),
            input.get("uri").and_then(Value::as_str),
        ) else {
            return ToolOutput::error("ReadMcpResourceTool needs string `server` and `uri`.");
        };
        self.mcp.wait_for(server).await;
        match self.mcp.manager().read_resource(server, uri).await {
            Ok(blocks) if blocks.is_empty() => {
                ToolOutput::text(format!("The resource {uri} is empty."))
            }
            Ok(blocks) => ToolOutput {
                content: blocks_content(blocks),
                is_error: false,
                structured: None,
            },
            Err(error) => ToolOutput::error(error.to_string()),
        }
    }

    /// Adds a line naming the servers that are not connected, if any.
    fn append_unavailable(&self, text: &mut String) {
        let unavailable = self.mcp.unavailable();
        if !unavailable.is_empty() {
            let list: Vec<String> = unavailable
                .iter()
                .map(|(server, why)| format!("{server} ({why})"))
                .collect();
            text.push_str(&format!(
                "\nMCP servers not connected: {}.",
                list.join("; ")
            ));
        }
    }
}

/// A single text block as plain text, anything else as blocks.
pub(super) fn blocks_content(mut blocks: Vec<ContentBlock>) -> ToolResultContent {
    if blocks.len() == 1
        && let Some(text) = blocks[0].as_text()
    {
        let text = text.to_owned();
        blocks.clear();
        return ToolResultContent::Text(text);
    }
    ToolResultContent::Blocks(blocks)
}

impl Tool for MetaTool {
    fn name(&self) -> &str {
        self.kind.name()
    }

    fn description(&self) -> &str {
        self.kind.description()
    }

    fn input_schema(&self) -> Value {
        self.kind.input_schema()
    }

    fn is_read_only(&self) -> bool {
        self.kind != MetaKind::Call
    }

    fn execute<'a>(&'a self, input: Value, ctx: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let work = async {
                match self.kind {
                    MetaKind::Search => self.search(&input).await,
                    MetaKind::ListResources => self.list_resources(&input).await,
                    MetaKind::ReadResource => self.read_resource(&input).await,
                    MetaKind::Call => ToolOutput::error(
                        "CallMcpTool needs a JSON object with a string `name` (mcp__<server>__<tool>) \
                         and an object `arguments`.",
                    ),
                }
            };
            tokio::select! {
                output = work => output,
                () = ctx.cancel.cancelled() => ToolOutput::error("Interrupted by the user."),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_are_sorted_static_and_round_trip_names() {
        let tools = definitions();
        let names: Vec<&str> = tools.iter().map(|tool| tool.name.as_str()).collect();
        assert_eq!(
            names,
            [CALL_MCP_TOOL, LIST_RESOURCES, READ_RESOURCE, TOOL_SEARCH]
        );
        assert_eq!(
            serde_json::to_string(&tools).unwrap(),
            serde_json::to_string(&definitions()).unwrap()
        );
        for name in names {
            assert_eq!(MetaKind::from_name(name).map(MetaKind::name), Some(name));
        }
        assert_eq!(MetaKind::from_name("Read"), None);
    }
}

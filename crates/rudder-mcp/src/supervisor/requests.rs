//! Requests the agent sends through the manager: tool calls, resources and
//! prompts, each bounded by `MCP_TOOL_TIMEOUT`.
//!
//! Contract: MCP spec 2025-06-18 `tools/call`, `resources/list`,
//! `resources/read`, `prompts/list`, `prompts/get`; Claude Code §6 —
//! ListMcpResourcesTool / ReadMcpResourceTool, `@server:uri` mentions,
//! prompts as `/mcp__<server>__<prompt>` slash commands, and the tool output
//! cap (`MAX_MCP_OUTPUT_TOKENS`, spill to file).
//!
//! Never starts or stops servers; a server that is not connected is an
//! error naming its status.

use std::collections::BTreeMap;

use rudder_protocol::ContentBlock;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use super::McpManager;
use super::state::ServerPhase;
use crate::content::{from_mcp, resource_contents_block};
use crate::error::McpError;
use crate::naming::prompt_command;
use crate::output::cap_result;
use crate::tools::McpToolResult;

/// One resource a server offers (`resources/list` item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McpResource {
    /// Server name.
    pub server: String,
    /// Resource URI, e.g. `file:///x` or `test://static/resource/1`.
    pub uri: String,
    /// Display name.
    pub name: String,
    /// Description, if any.
    pub description: Option<String>,
    /// MIME type, if known.
    pub mime_type: Option<String>,
}

/// One prompt a server offers, with its slash command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McpPrompt {
    /// Server name.
    pub server: String,
    /// The prompt's name on the server.
    pub name: String,
    /// `mcp__<server>__<prompt>` (type `/` before it).
    pub command: String,
    /// Description, if any.
    pub description: Option<String>,
    /// Declared arguments, in the server's order.
    pub arguments: Vec<McpPromptArgument>,
}

/// One declared prompt argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McpPromptArgument {
    /// Argument name.
    pub name: String,
    /// Description, if any.
    pub description: Option<String>,
    /// Whether the server requires it.
    pub required: bool,
}

impl McpPrompt {
    /// Maps the words after a slash command to the declared arguments in
    /// order (Claude Code: space-separated args). Extra words join the last
    /// argument. Errors: a required argument has no word.
    pub fn bind_args(&self, line: &str) -> Result<BTreeMap<String, String>, String> {
        let mut words: Vec<&str> = line.split_whitespace().collect();
        let mut bound = BTreeMap::new();
        let count = self.arguments.len();
        for (index, argument) in self.arguments.iter().enumerate() {
            if words.is_empty() {
                if argument.required {
                    return Err(format!(
                        "/{} needs argument `{}`",
                        self.command, argument.name
                    ));
                }
                continue;
            }
            let value = if index + 1 == count {
                std::mem::take(&mut words).join(" ")
            } else {
                words.remove(0).to_owned()
            };
            bound.insert(argument.name.clone(), value);
        }
        Ok(bound)
    }
}

/// The expansion of a prompt (`prompts/get`).
#[derive(Debug, Clone, PartialEq)]
pub struct McpPromptResult {
    /// Description, if any.
    pub description: Option<String>,
    /// Messages to insert into the conversation.
    pub messages: Vec<McpPromptMessage>,
}

/// One prompt message.
#[derive(Debug, Clone, PartialEq)]
pub struct McpPromptMessage {
    /// `user` or `assistant`.
    pub role: String,
    /// Its content as rudder blocks.
    pub content: Vec<ContentBlock>,
}

/// Splits an `@server:uri` mention into (server, uri); `None` when `text` is
/// not one (no `@`, no `:`, or an empty part).
pub fn parse_resource_mention(text: &str) -> Option<(&str, &str)> {
    let (server, uri) = text.strip_prefix('@')?.split_once(':')?;
    (!server.is_empty() && !uri.is_empty()).then_some((server, uri))
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

impl McpManager {
    /// Calls the tool named `qualified` (`mcp__<server>__<tool>`) with
    /// `arguments` (a JSON object, or `null` for none).
    ///
    /// Bounded by `MCP_TOOL_TIMEOUT`; `cancel` abandons the call (the server
    /// gets `notifications/cancelled`). Output over `MAX_MCP_OUTPUT_TOKENS`
    /// is spilled to a file and replaced by a preview. A tool that ran and
    /// failed is `Ok` with `is_error: true`. Errors: unknown tool, server not
    /// connected, timeout, cancelled, JSON-RPC or transport error, spill
    /// write failure.
    pub async fn call_tool(
        &self,
        qualified: &str,
        arguments: Value,
        cancel: &CancellationToken,
    ) -> Result<McpToolResult, McpError> {
        let tool = self
            .tools()
            .into_iter()
            .find(|tool| tool.definition.name == qualified);
        let Some(tool) = tool else {
            return Err(self.explain_unknown_tool(qualified));
        };
        let (link, _) = self.connected_link(&tool.server)?;
        let options = &self.ctx.options;
        let result = link
            .call_tool(&tool.tool, arguments, options.tool_timeout, cancel)
            .await?;
        cap_result(
            McpToolResult::from_mcp(&result),
            &tool.server,
            &tool.tool,
            &options.output,
        )
    }

    /// A tool name that matches no connected tool: blame its server when the
    /// name's `mcp__<server>__` prefix belongs to one that is not connected.
    fn explain_unknown_tool(&self, qualified: &str) -> McpError {
        for status in self.status() {
            let prefix = format!("mcp__{}__", crate::naming::normalize(&status.name));
            if qualified.starts_with(&prefix) && status.phase != ServerPhase::Connected {
                return McpError::NotConnected {
                    server: status.name,
                    status: status.phase.as_str().to_owned(),
                    detail: status.detail,
                };
            }
        }
        McpError::UnknownTool(qualified.to_owned())
    }

    /// Lists resources of `server`, or of every connected server that
    /// declares the `resources` capability when `None` (failures of single
    /// servers are then skipped with a warning). Sorted by server, then URI.
    pub async fn list_resources(&self, server: Option<&str>) -> Result<Vec<McpResource>, McpError> {
        let mut out = Vec::new();
        for name in self.targets(server, "resources")? {
            let (link, _) = self.connected_link(&name)?;
            match link.list_resources(self.ctx.options.tool_timeout).await {
                Ok(items) => out.extend(items.iter().filter_map(|item| {
                    Some(McpResource {
                        server: name.clone(),
                        uri: text(item, "uri")?,
                        name: text(item, "name").unwrap_or_default(),
                        description: text(item, "description"),
                        mime_type: text(item, "mimeType"),
                    })
                })),
                Err(error) if server.is_none() => {
                    tracing::warn!(server = %name, %error, "resources/list failed")
                }
                Err(error) => return Err(error),
            }
        }
        out.sort_by(|a, b| (&a.server, &a.uri).cmp(&(&b.server, &b.uri)));
        Ok(out)
    }

    /// Reads resource `uri` of `server`; returns its contents as rudder
    /// blocks (text, images, notes for other binaries). Errors: unknown or
    /// unconnected server, server error, timeout.
    pub async fn read_resource(
        &self,
        server: &str,
        uri: &str,
    ) -> Result<Vec<ContentBlock>, McpError> {
        let (link, _) = self.connected_link(server)?;
        let contents = link
            .read_resource(uri, self.ctx.options.tool_timeout)
            .await?;
        Ok(contents.iter().map(resource_contents_block).collect())
    }

    /// Lists prompts of `server`, or of every connected server declaring the
    /// `prompts` capability when `None`. Sorted by command.
    pub async fn list_prompts(&self, server: Option<&str>) -> Result<Vec<McpPrompt>, McpError> {
        let mut out = Vec::new();
        for name in self.targets(server, "prompts")? {
            let (link, _) = self.connected_link(&name)?;
            match link.list_prompts(self.ctx.options.tool_timeout).await {
                Ok(items) => out.extend(items.iter().filter_map(|item| {
                    let prompt = text(item, "name")?;
                    let arguments = item
                        .get("arguments")
                        .and_then(Value::as_array)
                        .map(|list| {
                            list.iter()
                                .filter_map(|argument| {
                                    Some(McpPromptArgument {
                                        name: text(argument, "name")?,
                                        description: text(argument, "description"),
                                        required: argument
                                            .get("required")
                                            .and_then(Value::as_bool)
                                            .unwrap_or(false),
                                    })
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    Some(McpPrompt {
                        server: name.clone(),
                        command: prompt_command(&name, &prompt),
                        name: prompt,
                        description: text(item, "description"),
                        arguments,
                    })
                })),
                Err(error) if server.is_none() => {
                    tracing::warn!(server = %name, %error, "prompts/list failed")
                }
                Err(error) => return Err(error),
            }
        }
        out.sort_by(|a, b| a.command.cmp(&b.command));
        Ok(out)
    }

    /// Expands prompt `name` of `server` with `arguments`. Errors: unknown
    /// or unconnected server, server error (e.g. a missing argument), timeout.
    pub async fn get_prompt(
        &self,
        server: &str,
        name: &str,
        arguments: BTreeMap<String, String>,
    ) -> Result<McpPromptResult, McpError> {
        let (link, _) = self.connected_link(server)?;
        let arguments: Map<String, Value> = arguments
            .into_iter()
            .map(|(key, value)| (key, Value::String(value)))
            .collect();
        let result = link
            .get_prompt(name, arguments, self.ctx.options.tool_timeout)
            .await?;
        let messages = result
            .get("messages")
            .and_then(Value::as_array)
            .map(|messages| {
                messages
                    .iter()
                    .map(|message| McpPromptMessage {
                        role: text(message, "role").unwrap_or_else(|| "user".to_owned()),
                        content: match message.get("content") {
                            Some(Value::Array(items)) => items.iter().map(from_mcp).collect(),
                            Some(item) => vec![from_mcp(item)],
                            None => Vec::new(),
                        },
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(McpPromptResult {
            description: text(&result, "description"),
            messages,
        })
    }

    /// The servers a listing covers: the named one, or every connected one
    /// declaring `capability`.
    fn targets(&self, server: Option<&str>, capability: &str) -> Result<Vec<String>, McpError> {
        if let Some(server) = server {
            self.connected_link(server)?;
            return Ok(vec![server.to_owned()]);
        }
        Ok(self
            .status()
            .into_iter()
            .filter(|status| status.phase == ServerPhase::Connected)
            .filter(|status| {
                self.connected_link(&status.name)
                    .is_ok_and(|(link, _)| link.has_capability(capability))
            })
            .map(|status| status.name)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_split_at_the_first_colon() {
        assert_eq!(
            parse_resource_mention("@fs:file:///tmp/a"),
            Some(("fs", "file:///tmp/a"))
        );
        assert_eq!(parse_resource_mention("fs:file"), None);
        assert_eq!(parse_resource_mention("@:x"), None);
        assert_eq!(parse_resource_mention("@fs:"), None);
    }

    #[test]
    fn prompt_args_bind_in_order_and_check_required() {
        let prompt = McpPrompt {
            server: "s".into(),
            name: "p".into(),
            command: "mcp__s__p".into(),
            description: None,
            arguments: vec![
                McpPromptArgument {
                    name: "city".into(),
                    description: None,
                    required: true,
                },
                McpPromptArgument {
                    name: "note".into(),
                    description: None,
                    required: false,
                },
            ],
        };
        let bound = prompt.bind_args("Paris bring an umbrella").unwrap();
        assert_eq!(bound["city"], "Paris");
        assert_eq!(bound["note"], "bring an umbrella");
        assert_eq!(prompt.bind_args("Rome").unwrap().len(), 1);
        assert!(prompt.bind_args("  ").unwrap_err().contains("city"));
    }
}

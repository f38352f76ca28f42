//! The WebSearch tool: a web search run by the API's server-side
//! `web_search` tool through a side query, rendered as titles, URLs and
//! the model's summary.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (WebSearch: `query` R minLength
//! 2, `allowed_domains`, `blocked_domains`; Anthropic server-side search;
//! 2.1: the two lists cannot be combined). The side query offers
//! `{"type":"web_search_20250305","name":"web_search","max_uses":8}` plus
//! the domain list given, with purpose `web-search`, on the session model;
//! the agent logs it and counts its usage. `web_search_tool_result` blocks
//! (result lists or error objects) and text blocks of the answer are
//! rendered in order. Read-only.

use futures::future::BoxFuture;
use rudder_protocol::ContentBlock;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::file_tool::{parse_input, tool_error};
use crate::tool::{SideRequest, Tool, ToolContext, ToolOutput};

/// Searches the server tool may run for one call.
pub const MAX_USES: u32 = 8;

const DESCRIPTION: &str = "\
Searches the web and returns the results (titles and URLs) with a short summary.

- Use it for information that may be newer than your training data, such as recent releases, current documentation or news.
- query must be at least 2 characters.
- allowed_domains limits results to the listed sites; blocked_domains leaves the listed sites out. Give one of the two lists, not both.
- When you use what you found, cite the sources as Markdown links in your answer.";

/// Input of the WebSearch tool.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebSearchInput {
    query: String,
    #[serde(default)]
    allowed_domains: Option<Vec<String>>,
    #[serde(default)]
    blocked_domains: Option<Vec<String>>,
}

/// The `WebSearch` tool.
#[derive(Debug, Default, Clone, Copy)]
pub struct WebSearchTool;

impl Tool for WebSearchTool {
    fn name(&self) -> &str {
        "WebSearch"
    }

    fn description(&self) -> &str {
        DESCRIPTION
    }

    fn input_schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "query": {
                    "type": "string",
                    "minLength": 2,
                    "description": "The search query"
                },
                "allowed_domains": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Only return results from these domains"
                },
                "blocked_domains": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Never return results from these domains"
                }
            },
            "required": ["query"],
            "additionalProperties": false,
            "$schema": "http://json-schema.org/draft-07/schema#"
        })
    }

    fn is_read_only(&self) -> bool {
        true
    }

    fn execute<'a>(&'a self, input: Value, ctx: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            match parse_input::<WebSearchInput>("WebSearch", input) {
                Ok(input) => search(input, ctx).await.unwrap_or_else(|output| output),
                Err(output) => output,
            }
        })
    }
}

/// The server tool offered to the model for this input.
///
/// Errors: a [`tool_error`] when both domain lists are given.
fn server_tool(input: &WebSearchInput) -> Result<Value, ToolOutput> {
    let non_empty =
        |list: &Option<Vec<String>>| list.as_ref().filter(|list| !list.is_empty()).cloned();
    let allowed = non_empty(&input.allowed_domains);
    let blocked = non_empty(&input.blocked_domains);
    let mut tool = json!({
        "type": "web_search_20250305",
        "name": "web_search",
        "max_uses": MAX_USES,
    });
    match (allowed, blocked) {
        (Some(_), Some(_)) => {
            return Err(tool_error(
                "allowed_domains and blocked_domains cannot be used together; give only one of them.",
            ));
        }
        (Some(allowed), None) => tool["allowed_domains"] = json!(allowed),
        (None, Some(blocked)) => tool["blocked_domains"] = json!(blocked),
        (None, None) => {}
    }
    Ok(tool)
}

async fn search(input: WebSearchInput, ctx: &ToolContext) -> Result<ToolOutput, ToolOutput> {
    let query = input.query.trim();
    if query.chars().count() < 2 {
        return Err(tool_error("query must be at least 2 characters long."));
    }
    let tool = server_tool(&input)?;
    let Some(side) = &ctx.side_query else {
        return Err(tool_error(
            "Web search is not available in this session: there is no model connection to run it.",
        ));
    };
    let request = SideRequest {
        purpose: "web-search".to_owned(),
        system: "You run web searches for a coding assistant. Search for the user's query with the web_search tool, then summarise what the results say in a few sentences.".to_owned(),
        prompt: format!("Search the web for: {query}"),
        server_tools: vec![tool],
        small_model: false,
    };
    let started = std::time::Instant::now();
    let message = tokio::select! {
        answer = side.query(request) => answer,
        () = ctx.cancel.cancelled() => return Err(tool_error("WebSearch was interrupted.")),
    }
    .map_err(|err| tool_error(format!("The web search failed: {err}")))?;
    let mut sections = Vec::new();
    let mut results = Vec::new();
    for block in &message.content {
        match block {
            ContentBlock::Text { text, .. } if !text.trim().is_empty() => {
                sections.push(text.trim().to_owned());
                results.push(json!(text));
            }
            ContentBlock::WebSearchToolResult {
                tool_use_id,
                content,
            } => {
                let (rendered, links) = render_results(content);
                sections.push(rendered);
                results.push(json!({"tool_use_id": tool_use_id, "content": links}));
            }
            _ => {}
        }
    }
    let mut text = format!("Web search results for \"{query}\":");
    if sections.is_empty() {
        text.push_str("\n\nNo results were returned.");
    }
    for section in &sections {
        text.push_str("\n\n");
        text.push_str(section);
    }
    Ok(ToolOutput::text(text).with_structured(json!({
        "query": query,
        "results": results,
        "durationSeconds": started.elapsed().as_secs_f64(),
    })))
}

/// One `web_search_tool_result` content value as text, and its links.
fn render_results(content: &Value) -> (String, Vec<Value>) {
    let Some(items) = content.as_array() else {
        let code = content
            .get("error_code")
            .and_then(Value::as_str)
            .unwrap_or("unknown_error");
        return (format!("The search failed ({code})."), Vec::new());
    };
    let links: Vec<Value> = items
        .iter()
        .filter_map(|item| {
            let url = item.get("url").and_then(Value::as_str)?;
            let title = item.get("title").and_then(Value::as_str).unwrap_or(url);
            Some(json!({"title": title, "url": url}))
        })
        .collect();
    if links.is_empty() {
        return ("The search found nothing.".to_owned(), links);
    }
    let lines: Vec<String> = links
        .iter()
        .enumerate()
        .map(|(index, link)| {
            format!(
                "{}. [{}]({})",
                index + 1,
                link["title"].as_str().unwrap_or(""),
                link["url"].as_str().unwrap_or("")
            )
        })
        .collect();
    (format!("Links:\n{}", lines.join("\n")), links)
}

//! Deciding when MCP tool schemas are deferred behind a tool-search tool,
//! and the keyword search that tool runs.
//!
//! Contract: issue 7 §4 — when the MCP tool schemas would take more than a
//! configurable share of the context window (default 10 %), they are not
//! listed; the agent exposes a search tool instead (Claude Code 2.1's
//! `ToolSearch`, CLAUDE-CODE-INTERFACE.md §6). Sizes are estimated as bytes /
//! 4 tokens.
//!
//! Pure functions over a tool snapshot; the agent owns the search tool itself.

use crate::output::estimate_tokens;
use crate::tools::McpTool;

/// Default share of the context window MCP schemas may take before they are
/// deferred: 10 %.
pub const DEFAULT_DEFER_SHARE: f64 = 0.10;

/// Bytes the tools' definitions take when serialized as the request sends
/// them (name, description, input schema).
pub fn schema_bytes(tools: &[McpTool]) -> usize {
    tools
        .iter()
        .map(|tool| {
            serde_json::to_string(&tool.definition)
                .map(|json| json.len())
                .unwrap_or(0)
        })
        .sum()
}

/// Whether to defer: takes the total schema size in bytes, the context window
/// in tokens and the allowed share (0.0–1.0, e.g. [`DEFAULT_DEFER_SHARE`]).
/// Returns true when `bytes / 4` tokens exceed `share × window`.
pub fn should_defer(total_schema_bytes: usize, context_window_tokens: usize, share: f64) -> bool {
    let budget = context_window_tokens as f64 * share.clamp(0.0, 1.0);
    estimate_tokens(total_schema_bytes) as f64 > budget
}

/// Finds tools for a query, best first, at most `limit`.
///
/// The query is split into lowercase words (letters and digits). A tool
/// scores, per word, 5 when a `_`/`-`-separated part of its qualified name
/// equals it, 3 when its name contains it, 1 when its description or title
/// does; tools with score 0 are left out. `select:a,b` returns exactly the
/// named tools (qualified names) in that order. Ties sort by name, so the
/// answer is deterministic.
pub fn search_tools<'a>(tools: &'a [McpTool], query: &str, limit: usize) -> Vec<&'a McpTool> {
    if let Some(names) = query.trim().strip_prefix("select:") {
        return names
            .split(',')
            .filter_map(|name| {
                tools
                    .iter()
                    .find(|tool| tool.definition.name == name.trim())
            })
            .take(limit)
            .collect();
    }
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut scored: Vec<(usize, &McpTool)> = tools
        .iter()
        .map(|tool| {
            let name = tool.definition.name.to_lowercase();
            let parts: Vec<&str> = name.split(['_', '-']).collect();
            let description = tool.definition.description.to_lowercase();
            let title = tool.title.as_deref().unwrap_or_default().to_lowercase();
            let score = words
                .iter()
                .map(|word| {
                    if parts.contains(&word.as_str()) {
                        5
                    } else if name.contains(word.as_str()) {
                        3
                    } else if description.contains(word.as_str()) || title.contains(word.as_str()) {
                        1
                    } else {
                        0
                    }
                })
                .sum();
            (score, tool)
        })
        .filter(|(score, _)| *score > 0)
        .collect();
    scored.sort_by(|(score_a, a), (score_b, b)| {
        score_b
            .cmp(score_a)
            .then_with(|| a.definition.name.cmp(&b.definition.name))
    });
    scored
        .into_iter()
        .take(limit)
        .map(|(_, tool)| tool)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rudder_protocol::ToolDefinition;
    use serde_json::json;

    fn tool(name: &str, description: &str) -> McpTool {
        McpTool {
            server: "s".into(),
            tool: name.into(),
            title: None,
            read_only: false,
            definition: ToolDefinition {
                name: format!("mcp__s__{name}"),
                description: description.into(),
                input_schema: json!({"type": "object"}),
                cache_control: None,
            },
        }
    }

    #[test]
    fn defers_above_the_share() {
        assert!(!should_defer(4 * 20_000, 200_000, DEFAULT_DEFER_SHARE));
        assert!(should_defer(4 * 20_001, 200_000, DEFAULT_DEFER_SHARE));
        assert!(should_defer(4, 1000, 0.0));
        let tools = [tool("a", "b")];
        assert_eq!(
            schema_bytes(&tools),
            serde_json::to_string(&tools[0].definition).unwrap().len()
        );
    }

    #[test]
    fn ranks_name_parts_over_substrings_over_descriptions() {
        let tools = [
            tool("list_issues", "List issues"),
            tool("create_issue", "Open a new issue"),
            tool("get_file", "Read a file; mentions issue"),
            tool("search", "Unrelated"),
        ];
        let found: Vec<_> = search_tools(&tools, "issue", 10)
            .iter()
            .map(|t| t.tool.as_str())
            .collect();
        assert_eq!(found, ["create_issue", "list_issues", "get_file"]);
        assert!(search_tools(&tools, "zzz", 10).is_empty());
        let picked: Vec<_> = search_tools(&tools, "select:mcp__s__search, mcp__s__get_file", 10)
            .iter()
            .map(|t| t.tool.as_str())
            .collect();
        assert_eq!(picked, ["search", "get_file"]);
    }
}

//! What the model has been told about MCP tools and servers, and the note
//! that tells it what changed since.
//!
//! Contract: the cache design of `mcp/mod.rs` — tools outside the frozen
//! tools block are announced in a system reminder appended to the next user
//! message (after the last breakpoint; frozen in the transcript with it).
//! Each tool is announced once per session; a server that is not connected
//! is reported when first seen, and again when it fails, needs
//! authentication or is disabled.
//!
//! Pure: works on snapshots the caller takes; no I/O.

use std::collections::{BTreeMap, BTreeSet};

use rudder_mcp::output::estimate_tokens;
use rudder_mcp::{McpTool, ServerPhase, ServerStatus};

/// What one session's model has been told about MCP tools and servers.
/// Each session keeps its own (a subagent or a cleared conversation starts
/// knowing nothing).
#[derive(Debug, Default)]
pub struct Told {
    /// Qualified names in the frame or announced.
    tools: BTreeSet<String>,
    /// The last phase reported (or seen) per server.
    servers: BTreeMap<String, ServerPhase>,
    /// Set by a freeze that deferred the schemas: (estimated tokens, share).
    deferred: Option<(usize, f64)>,
}

impl Told {
    /// Records `names` as known (listed in the frame or announced), e.g. the
    /// MCP tools of a resumed session's frame.
    pub fn know(&mut self, names: impl IntoIterator<Item = String>) {
        self.tools.extend(names);
    }

    /// Records that the freeze deferred schemas of `bytes` bytes because
    /// they exceed `share` of the window; the next note says so.
    pub(super) fn defer(&mut self, bytes: usize, share: f64) {
        self.deferred = Some((estimate_tokens(bytes), share));
    }

    /// The note for what changed, given the current `statuses` and visible
    /// `tools`; records everything it reports. `None` when nothing changed.
    pub(super) fn compose(
        &mut self,
        statuses: &[ServerStatus],
        tools: &[McpTool],
    ) -> Option<String> {
        let mut lines = Vec::new();
        let new: Vec<&str> = tools
            .iter()
            .map(|tool| tool.definition.name.as_str())
            .filter(|name| !self.tools.contains(*name))
            .collect();
        if !new.is_empty() {
            let names = new
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ");
            match self.deferred.take() {
                Some((tokens, share)) => lines.push(format!(
                    "The MCP tools are deferred: their schemas (about {tokens} tokens) would take more than \
                     {}% of the context window, so they are not in your tool list. Available: {names}.",
                    (share * 100.0).round()
                )),
                None => lines.push(format!(
                    "MCP tools available now that are not in your tool list: {names}."
                )),
            }
            lines.push(
                "To use one, call ToolSearch (keywords, or \"select:<name>,<name>\") to see its \
                 description and input schema, then call CallMcpTool with {\"name\": \"<name>\", \
                 \"arguments\": {…}}."
                    .to_owned(),
            );
            self.tools.extend(new.iter().map(|name| (*name).to_owned()));
        }
        for status in statuses {
            let previous = self.servers.insert(status.name.clone(), status.phase);
            let detail = status
                .detail
                .as_deref()
                .map(|detail| format!(": {detail}"))
                .unwrap_or_default();
            match (status.phase, previous) {
                (ServerPhase::Connected, _) => {}
                (ServerPhase::Pending, None) => lines.push(format!(
                    "MCP server `{}` is not connected yet (pending{detail}). Its tools will be announced \
                     when it connects; ToolSearch and CallMcpTool wait for a server that is starting.",
                    status.name
                )),
                (phase, previous)
                    if phase != ServerPhase::Pending && previous != Some(phase) =>
                {
                    lines.push(format!(
                        "MCP server `{}` is unavailable ({}{detail}).",
                        status.name,
                        phase.as_str()
                    ));
                }
                _ => {}
            }
        }
        (!lines.is_empty()).then(|| lines.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use rudder_mcp::config::Scope;
    use rudder_protocol::ToolDefinition;
    use serde_json::json;

    use super::*;

    fn tool(name: &str) -> McpTool {
        McpTool {
            server: "s".into(),
            tool: name.into(),
            title: None,
            read_only: false,
            definition: ToolDefinition {
                name: format!("mcp__s__{name}"),
                description: String::new(),
                input_schema: json!({"type": "object"}),
                cache_control: None,
            },
        }
    }

    fn status(name: &str, phase: ServerPhase, detail: Option<&str>) -> ServerStatus {
        ServerStatus {
            name: name.into(),
            phase,
            detail: detail.map(str::to_owned),
            scope: Scope::User,
            transport: "stdio",
            pid: None,
            restarts: 0,
            tool_count: 0,
        }
    }

    #[test]
    fn a_late_server_is_reported_pending_then_its_tools_once() {
        let mut told = Told::default();
        let pending = [status("s", ServerPhase::Pending, Some("starting"))];
        let first = told.compose(&pending, &[]).unwrap();
        assert!(
            first.contains("`s` is not connected yet (pending: starting)"),
            "{first}"
        );
        assert_eq!(told.compose(&pending, &[]), None);

        let connected = [status("s", ServerPhase::Connected, None)];
        let tools = [tool("a"), tool("b")];
        let second = told.compose(&connected, &tools).unwrap();
        assert!(second.contains("`mcp__s__a`, `mcp__s__b`"), "{second}");
        assert!(second.contains("CallMcpTool"));
        assert_eq!(told.compose(&connected, &tools), None);
    }

    #[test]
    fn frame_tools_are_not_announced_and_failures_are() {
        let mut told = Told::default();
        told.know(["mcp__s__a".to_owned()]);
        let connected = [status("s", ServerPhase::Connected, None)];
        assert_eq!(told.compose(&connected, &[tool("a")]), None);
        let crashed = [status("s", ServerPhase::Failed, Some("exited"))];
        let note = told.compose(&crashed, &[]).unwrap();
        assert_eq!(note, "MCP server `s` is unavailable (failed: exited).");
        assert_eq!(told.compose(&crashed, &[]), None);
    }

    #[test]
    fn deferred_schemas_are_explained_with_their_size() {
        let mut told = Told::default();
        told.defer(4000, 0.1);
        let connected = [status("s", ServerPhase::Connected, None)];
        let note = told.compose(&connected, &[tool("a")]).unwrap();
        assert!(note.starts_with("The MCP tools are deferred"), "{note}");
        assert!(note.contains("about 1000 tokens"));
        assert!(note.contains("more than 10% of the context window"));
    }
}

//! What the policy knows about tool names: which tools read files, which
//! edit them, which names are aliases, and how MCP names split.
//!
//! Contract: Claude Code's tool names and rule coverage
//! (CLAUDE-CODE-INTERFACE.md §2.1, §3.2): `Read(...)` covers Read, Grep,
//! Glob and LS (and the legacy NotebookRead); `Edit(...)` covers Edit,
//! Write, MultiEdit and NotebookEdit; `Task` is the old name of `Agent`.
//! Pure lookups; no I/O.

/// Tools whose calls read files and that `Read` rules cover.
pub const READ_TOOLS: [&str; 5] = ["Read", "Grep", "Glob", "LS", "NotebookRead"];

/// Tools whose calls write files and that `Edit` rules cover.
pub const EDIT_TOOLS: [&str; 4] = ["Edit", "Write", "MultiEdit", "NotebookEdit"];

/// The shell tool.
pub const BASH: &str = "Bash";

/// The web fetch tool.
pub const WEB_FETCH: &str = "WebFetch";

/// The subagent tool (2.1 name; `Task` before).
pub const AGENT: &str = "Agent";

/// The skill tool.
pub const SKILL: &str = "Skill";

/// The kind of a tool, as far as permissions care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolKind {
    /// A file-reading tool ([`READ_TOOLS`]).
    Read,
    /// A file-editing tool ([`EDIT_TOOLS`]).
    Edit,
    /// `Bash`.
    Bash,
    /// `WebFetch`.
    WebFetch,
    /// `Agent` / `Task`.
    Agent,
    /// `Skill`.
    Skill,
    /// An MCP tool (`mcp__server__tool`).
    Mcp,
    /// Anything else.
    Other,
}

/// Classifies a tool name.
pub fn kind_of(tool_name: &str) -> ToolKind {
    if READ_TOOLS.contains(&tool_name) {
        ToolKind::Read
    } else if EDIT_TOOLS.contains(&tool_name) {
        ToolKind::Edit
    } else if tool_name == BASH {
        ToolKind::Bash
    } else if tool_name == WEB_FETCH {
        ToolKind::WebFetch
    } else if tool_name == AGENT || tool_name == "Task" {
        ToolKind::Agent
    } else if tool_name == SKILL {
        ToolKind::Skill
    } else if tool_name.starts_with("mcp__") {
        ToolKind::Mcp
    } else {
        ToolKind::Other
    }
}

/// Whether a rule written for `rule_tool` (an exact name, not a glob)
/// covers a call to `call_tool`: equal names, the Read and Edit families,
/// the `Task`/`Agent` alias, and `mcp__server` covering all of that
/// server's tools.
pub fn name_covers(rule_tool: &str, call_tool: &str) -> bool {
    if rule_tool == call_tool {
        return true;
    }
    match rule_tool {
        "Read" => READ_TOOLS.contains(&call_tool),
        "Edit" => EDIT_TOOLS.contains(&call_tool),
        "Agent" => call_tool == "Task",
        "Task" => call_tool == "Agent",
        _ => match split_mcp(rule_tool) {
            Some((server, None)) => {
                matches!(split_mcp(call_tool), Some((s, Some(_))) if s == server)
            }
            _ => false,
        },
    }
}

/// Splits `mcp__server__tool` into (`server`, `Some("tool")`) and
/// `mcp__server` into (`server`, `None`); `None` for other names.
pub fn split_mcp(name: &str) -> Option<(&str, Option<&str>)> {
    let rest = name.strip_prefix("mcp__")?;
    if rest.is_empty() {
        return None;
    }
    match rest.split_once("__") {
        Some((server, tool)) if !server.is_empty() && !tool.is_empty() => {
            Some((server, Some(tool)))
        }
        Some(_) => None,
        None => Some((rest, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage() {
        assert!(name_covers("Read", "Grep"));
        assert!(name_covers("Edit", "NotebookEdit"));
        assert!(!name_covers("Write", "Edit"));
        assert!(name_covers("Task", "Agent"));
        assert!(name_covers("mcp__gh", "mcp__gh__issues"));
        assert!(!name_covers("mcp__gh", "mcp__ghx__issues"));
        assert!(!name_covers("mcp__gh__a", "mcp__gh__b"));
        assert_eq!(split_mcp("mcp__a__b__c"), Some(("a", Some("b__c"))));
        assert_eq!(split_mcp("mcp__"), None);
    }
}

//! The tools the agent itself implements, because they need the session
//! rather than a [`rudder_tools::ToolContext`]: `Task` (subagents,
//! `subagent.rs`) and `Skill` (`skills.rs`) — and the reading and stopping
//! of background subagents by the shell tools' TaskOutput and TaskStop
//! (`subagent/background/tools.rs`).
//!
//! Their definitions join the built-in ones in the frozen request frame
//! (sorted by name, static text), so a resumed session offers exactly what
//! it offered before. Whether a call is one of them is read from that
//! frame, never from the current configuration. `Agent` is accepted as the
//! name of `Task` (Claude Code 2.1 renamed it; CLAUDE-CODE-INTERFACE.md
//! §2.1); the definition on the wire stays `Task`.
//!
//! Both count as read-only for the permission policy and for concurrency:
//! the call itself changes nothing, and every call a subagent makes passes
//! the same gate. Sibling Task calls of one message therefore run at once.

use rudder_protocol::{ToolDefinition, ToolSpec};
use rudder_tools::ToolOutput;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::catalog::Catalog;
use crate::session::Session;
use crate::{skills, subagent};

/// The Task tool's name on the wire.
pub const TASK: &str = "Task";
/// The name Claude Code 2.1 sends for Task; accepted as an alias.
pub const AGENT_ALIAS: &str = "Agent";
/// The Skill tool's name.
pub const SKILL: &str = "Skill";

/// The agent-implemented tools a session offers: `Task` when `task` and the
/// catalog enables it, `Skill` when `skill` and the catalog enables it.
pub fn definitions(catalog: &Catalog, task: bool, skill: bool) -> Vec<ToolDefinition> {
    let mut tools = Vec::new();
    if task && catalog.task_tool {
        tools.push(subagent::definition());
    }
    if skill && catalog.skill_tool {
        tools.push(skills::definition());
    }
    tools
}

/// The frame name `name` stands for (`Agent` → `Task`).
pub fn canonical(name: &str) -> &str {
    if name == AGENT_ALIAS { TASK } else { name }
}

/// Whether `name` calls an agent-implemented tool the session's frame
/// offers.
pub fn offered(tools: &[ToolSpec], name: &str) -> bool {
    let name = canonical(name);
    (name == TASK || name == SKILL) && tools.iter().any(|tool| tool.name() == name)
}

/// Runs an agent-implemented tool call — also a TaskOutput or TaskStop
/// call (or BashOutput, KillShell) that names a background subagent; `None`
/// when `name` is not one.
pub(crate) async fn execute(
    session: &Session,
    name: &str,
    tool_use_id: &str,
    input: Value,
    cancel: &CancellationToken,
) -> Option<ToolOutput> {
    if !offered(&session.frame().tools, name) {
        return subagent::background::tools::call(session, name, &input, cancel).await;
    }
    Some(match canonical(name) {
        TASK => subagent::run_task(session, tool_use_id, input, cancel).await,
        _ => skills::invoke(session, input, cancel).await,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_is_task_and_only_offered_tools_count() {
        let catalog = Catalog {
            task_tool: true,
            skill_tool: false,
            ..Catalog::default()
        };
        let tools: Vec<ToolSpec> = definitions(&catalog, true, true)
            .into_iter()
            .map(ToolSpec::Custom)
            .collect();
        assert_eq!(tools.len(), 1);
        assert!(offered(&tools, "Task"));
        assert!(offered(&tools, "Agent"));
        assert!(!offered(&tools, "Skill"));
        assert!(!offered(&tools, "Read"));
        assert!(definitions(&catalog, false, true).is_empty());
    }
}

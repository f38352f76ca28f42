//! Subagents: the Task tool (CLAUDE-CODE-INTERFACE.md §2.2 `Task`/`Agent`,
//! §9.1).
//!
//! A Task call starts a child [`Session`] of the chosen type: its own
//! context (the definition's prompt as system prompt, the call's `prompt`
//! as first message), its own sidechain transcript
//! (`<session>/subagents/agent-<id>.jsonl`, lines with `isSidechain: true`
//! and `agentId`), its own tool subset (the definition's `tools`, never
//! Task: subagents cannot start subagents), and the session's permission
//! gate narrowed by the definition ([`gate`]). It runs the same turn loop
//! as the main conversation, so hooks, limits and the cache rules apply to
//! it too; its events reach the front end with `parent_tool_use_id` set to
//! the Task call's id, and the usage of every request it makes is counted
//! in the parent's totals. It returns one text: its final message.
//!
//! Bounds (USER-PAINS.md §2.3): a token budget per subagent and one for all
//! the subagents of a session ([`budget`]), the definition's `maxTurns`,
//! and the session's `--max-budget-usd`. A subagent stopped by one of them
//! returns what it wrote so far, with a note saying why it stopped.
//!
//! Sibling Task calls of one assistant message run concurrently (the Task
//! call itself is read-only; see `agent_tools.rs`). A call with
//! `run_in_background: true` returns at once and the subagent works beside
//! the parent ([`background`]).

pub mod background;
pub mod budget;
pub mod gate;
mod report;
mod spawn;

use std::sync::{Arc, Mutex, OnceLock};

use futures::future::BoxFuture;
use rudder_protocol::ToolDefinition;
use rudder_protocol::event::TurnStop;
use rudder_tools::ToolOutput;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::agent_tools::TASK;
use crate::session::{Session, SessionLog};

pub use background::BackgroundPolicy;
pub use budget::{BudgetStop, SubagentBudget};

const DESCRIPTION: &str = "\
Starts a subagent: a separate agent with its own context window that works \
through one task on its own and returns a single final report. Use it for \
work that would fill your context with material you will not need \
afterwards (broad searches, reading many files, research) and for \
independent pieces of a larger job; to run several at once, call this tool \
several times in one message. The subagent types you can start, and what \
each is for, are listed in the context at the start of the conversation; \
give one as subagent_type (general-purpose when none fits better). The \
subagent sees none of this conversation, so put everything it needs in \
prompt: the goal, the relevant paths and facts, the constraints, and what \
its report should contain. It cannot ask questions and cannot start \
subagents itself. Its report comes back as this tool's result and is not \
shown to the user, so pass on what matters. With run_in_background the \
call returns at once with a task id (agent_1, agent_2, ...) while the \
subagent works and you go on; its report is given to you with the next \
message once it is done. To wait for it, call BashOutput with the task id \
as bash_id (TaskOutput is the same tool); to stop it, KillShell with the \
task id as shell_id (TaskStop). Subagents run under token budgets; one \
that is stopped returns what it had so far, with a note.";

/// The Task tool's definition (static text and schema).
pub fn definition() -> ToolDefinition {
    ToolDefinition {
        name: TASK.to_owned(),
        description: DESCRIPTION.to_owned(),
        input_schema: json!({
            "type": "object",
            "properties": {
                "description": {
                    "type": "string",
                    "description": "A short (3-5 word) label for the task"
                },
                "prompt": {
                    "type": "string",
                    "description": "The task, with everything the subagent needs to know"
                },
                "subagent_type": {
                    "type": "string",
                    "description": "The subagent type to start, from the listed types"
                },
                "model": {
                    "type": "string",
                    "enum": ["sonnet", "opus", "haiku"],
                    "description": "Run on this model instead of the type's own"
                },
                "run_in_background": {
                    "type": "boolean",
                    "description": "Return at once with a task id and let the subagent work in the background"
                }
            },
            "required": ["description", "prompt", "subagent_type"],
            "additionalProperties": false,
            "$schema": "http://json-schema.org/draft-07/schema#"
        }),
        cache_control: None,
    }
}

/// What ties a subagent's session to its parent.
#[derive(Debug)]
pub(crate) struct Link {
    /// The Task call's id (`parent_tool_use_id` of its events).
    pub tool_use_id: String,
    /// The subagent's id (`agentId` of its transcript lines).
    pub agent_id: String,
    /// Its type (the SubagentStop hooks' matcher subject).
    pub agent_type: String,
    /// The session's subagent budget.
    pub budget: Arc<SubagentBudget>,
    /// The parent's log, for the session-wide cost.
    pub parent_log: Arc<Mutex<SessionLog>>,
    /// The session's `--max-budget-usd`.
    pub max_budget_usd: Option<f64>,
    /// Why it was stopped, once a bound stopped it.
    pub stopped: OnceLock<String>,
    /// What it has done so far, for a background subagent's TaskOutput.
    pub progress: Option<Arc<background::Progress>>,
}

impl Link {
    /// Counts a reply of the subagent's model in its progress, when it
    /// runs in the background.
    pub fn observe(&self, message: &rudder_protocol::AssistantMessage) {
        if let Some(progress) = &self.progress {
            progress.observe(message);
        }
    }
}

/// The subagent bounds checked before each of its requests: its token
/// budget, the session's subagent budget and the session's dollar budget.
/// `None` for the main conversation and for a subagent within bounds.
pub(crate) fn limit_reached(session: &Session) -> Option<TurnStop> {
    let link = session.subagent_link()?;
    let used = session.log().lock().ok().map(|log| {
        let usage = log.accounting().usage();
        usage.total_input_tokens() + usage.output_tokens
    })?;
    if let Some(stop) = link.budget.report(&link.agent_id, used) {
        let note = stop.note();
        let _ = link.stopped.set(note.clone());
        return Some(TurnStop::Failed { message: note });
    }
    if let Some(limit_usd) = link.max_budget_usd {
        let spent = link
            .parent_log
            .lock()
            .map(|log| log.accounting().cost_usd())
            .unwrap_or(0.0);
        if spent >= limit_usd {
            let _ = link.stopped.set(format!(
                "the subagent was stopped because the session reached its budget of ${limit_usd}"
            ));
            return Some(TurnStop::MaxBudget { limit_usd });
        }
    }
    None
}

/// Runs a Task call to its end; see the module documentation. Boxed: the
/// subagent's own turn loop runs tool calls too.
pub(crate) fn run_task<'a>(
    session: &'a Session,
    tool_use_id: &'a str,
    input: Value,
    cancel: &'a CancellationToken,
) -> BoxFuture<'a, ToolOutput> {
    Box::pin(spawn::run(session, tool_use_id, input, cancel))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_definition_is_tasks_with_the_documented_fields() {
        let tool = definition();
        assert_eq!(tool.name, "Task");
        let properties = tool.input_schema["properties"].as_object().unwrap();
        for field in [
            "description",
            "prompt",
            "subagent_type",
            "model",
            "run_in_background",
        ] {
            assert!(properties.contains_key(field), "{field}");
        }
        assert_eq!(
            serde_json::to_string(&definition()).unwrap(),
            serde_json::to_string(&tool).unwrap(),
            "static bytes"
        );
    }
}

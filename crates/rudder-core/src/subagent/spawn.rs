//! Starting one subagent for a Task call: its child session (context,
//! tools, gate, model, sidechain transcript), then either running it to its
//! end — the Task call's result is its report (`report.rs`) — or, with
//! `run_in_background`, handing it to `background` and returning at once.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use rudder_config::agents::{AgentDef, AgentModel};
use rudder_protocol::{ContentBlock, ToolSpec};
use rudder_tools::ToolOutput;
use rudder_tools::file_tool::{parse_input, tool_error};
use serde::Deserialize;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::background::{self, BackgroundTask, Progress};
use super::gate::{SubagentGate, entry_tool, lists};
use super::report::{self, TaskFacts};
use super::{BudgetStop, Link};
use crate::agent_tools::{self, SKILL, TASK};
use crate::environment::EnvironmentSnapshot;
use crate::paths;
use crate::prompt::system_reminder;
use crate::request::RequestFrame;
use crate::session::{Session, SessionLog, SessionParts, frame_record, initial_context};
use crate::transcript::{Record, TranscriptWriter};

/// Said to every subagent after its definition's prompt.
const SUBAGENT_NOTE: &str = "\
You are running as a subagent inside rudder: another agent handed you this \
task and will receive your final message as its only view of your work. \
The user does not see your messages and cannot answer questions, so \
decide for yourself and state the assumptions you made. End with one \
complete final message.";

/// The subagent type used when a call names none.
const DEFAULT_TYPE: &str = "general-purpose";

#[derive(Debug, Deserialize)]
struct TaskInput {
    description: String,
    prompt: String,
    #[serde(default)]
    subagent_type: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    run_in_background: Option<bool>,
}

/// Runs a Task call; see [`super::run_task`].
pub(super) async fn run(
    session: &Session,
    tool_use_id: &str,
    input: Value,
    cancel: &CancellationToken,
) -> ToolOutput {
    let input: TaskInput = match parse_input(TASK, input) {
        Ok(input) => input,
        Err(output) => return output,
    };
    if session.subagent_link().is_some() {
        return tool_error("Subagents cannot start subagents; do this part of the work yourself.");
    }
    let catalog = Arc::clone(&session.config().catalog);
    let wanted = input
        .subagent_type
        .as_deref()
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .unwrap_or(DEFAULT_TYPE);
    let Some(agent) = catalog.agent(wanted) else {
        return tool_error(format!(
            "There is no subagent type `{wanted}`. Types you can start: {}.",
            catalog.agent_names().join(", ")
        ));
    };
    if let Some(BudgetStop::Session { used, limit } | BudgetStop::Agent { used, limit }) =
        session.budget().exhausted()
    {
        return tool_error(format!(
            "No subagent was started: this session's subagents have used {used} tokens of their \
             budget of {limit}. Do the work yourself."
        ));
    }
    let wants_background = input.run_in_background == Some(true);
    let background = background_offered(session) && wants_background;
    let reservation = if background {
        match session.background().reserve() {
            Ok(reservation) => Some(reservation),
            Err(error) => return tool_error(error),
        }
    } else {
        None
    };
    let progress = reservation
        .as_ref()
        .map(|reservation| Arc::clone(&reservation.progress));
    let started = Instant::now();
    let mut child = match start_child(session, agent, &input, tool_use_id, progress).await {
        Ok(child) => child,
        Err(message) => return tool_error(message),
    };
    if let Some(reservation) = reservation {
        let task = BackgroundTask {
            description: input.description,
            prompt: input.prompt,
            agent_type: agent.name.clone(),
            started,
        };
        return background::launch(session, reservation, child, task);
    }
    let outcome = child
        .run_turn(vec![ContentBlock::text(input.prompt.clone())], cancel)
        .await;
    child.shutdown().await;
    let facts = TaskFacts {
        description: &input.description,
        prompt: &input.prompt,
        agent_type: &agent.name,
        started,
    };
    let mut finished = report::finish(&child, &outcome, facts, None);
    if wants_background {
        finished.append_note(
            "\n\n(run_in_background needs the TaskOutput tool, which this session does not \
             offer: the subagent ran to its end before this result was returned.)",
        );
    }
    finished.to_output()
}

/// Whether the session can read a background subagent: TaskOutput (offered
/// as BashOutput) is among its tools.
fn background_offered(session: &Session) -> bool {
    session
        .frame()
        .tools
        .iter()
        .any(|tool| tool.name() == "BashOutput")
}

/// Builds the child session of `agent` for one Task call.
async fn start_child(
    session: &Session,
    agent: &AgentDef,
    input: &TaskInput,
    tool_use_id: &str,
    progress: Option<Arc<Progress>>,
) -> Result<Session, String> {
    let parent = session.config();
    let catalog = &parent.catalog;
    let agent_id = uuid::Uuid::new_v4().simple().to_string()[..16].to_owned();
    let requested = input
        .model
        .as_deref()
        .map(AgentModel::parse)
        .or_else(|| agent.model.clone())
        .or_else(|| catalog.models.subagent_default.clone().map(AgentModel::Id))
        .unwrap_or(AgentModel::Inherit);
    let model = catalog.models.resolve(&requested, &session.frame().model);

    let mut tools = (*session.deps().tools).clone();
    let listed = |name: &str, entries: &[String]| lists(entries, name);
    if let Some(entries) = &agent.tools {
        tools.retain(|name| listed(name, entries));
    }
    tools.retain(|name| !listed(name, &agent.disallowed_tools));
    let skill = agent
        .tools
        .as_ref()
        .is_none_or(|entries| listed(SKILL, entries))
        && !listed(SKILL, &agent.disallowed_tools);
    let gate: Arc<dyn crate::permissions::PermissionGate> = Arc::new(SubagentGate::new(
        Arc::clone(&session.deps().gate),
        &agent.name,
        agent.read_only,
        agent.tools.as_deref(),
        agent.permission_mode,
    ));
    // MCP servers come along when the type inherits every tool or names
    // some MCP tool; the gate refuses MCP tools its list does not name.
    let mcp = session.deps().mcp.clone().filter(|_| {
        agent.tools.as_ref().is_none_or(|entries| {
            entries
                .iter()
                .any(|entry| entry_tool(entry).starts_with("mcp__"))
        })
    });
    let mut definitions: Vec<ToolSpec> = tools
        .definitions()
        .into_iter()
        .chain(agent_tools::definitions(catalog, false, skill))
        .chain(mcp.iter().flat_map(|mcp| mcp.meta_definitions()))
        .filter(|tool| !gate.removes_tool(&tool.name))
        .map(ToolSpec::Custom)
        .collect();
    definitions.sort_by(|a, b| a.name().cmp(b.name()));
    let skill_offered = definitions.iter().any(|tool| tool.name() == SKILL);
    let frame = RequestFrame {
        model: model.clone(),
        max_tokens: session.frame().max_tokens,
        thinking: session.frame().thinking.clone(),
        system: vec![ContentBlock::text(format!(
            "{}\n\n{SUBAGENT_NOTE}",
            agent.prompt.trim()
        ))],
        tools: definitions,
    };

    let writer = if parent.persist {
        let path = paths::session_dir(&parent.rudder_home, &parent.cwd, &parent.session_id)
            .join("subagents")
            .join(format!("agent-{agent_id}.jsonl"));
        Some(TranscriptWriter::open(&path).map_err(|error| error.to_string())?)
    } else {
        None
    };
    let identity = session
        .log()
        .lock()
        .map(|log| log.identity().clone())
        .map_err(|_| "internal error: the session log lock was poisoned".to_owned())?;
    let mut log = SessionLog::for_subagent(
        identity,
        writer,
        &agent_id,
        &format!("subagent:{}", agent.name),
        Arc::clone(session.log()),
    );
    log.append_raw(&Record::Frame(frame_record(&parent.session_id, &frame)))
        .map_err(|error| error.to_string())?;

    let environment = EnvironmentSnapshot::capture(&parent.cwd, false).await;
    // The same environment and memory the main conversation started with;
    // memory warnings were reported when it started.
    let (mut context, _, _) = initial_context(parent, environment);
    context.extend(catalog.context_listing(false, skill_offered));

    let mut config = parent.clone();
    config.model = model;
    config.max_turns = agent.max_turns;
    config.max_budget_usd = None;
    let mut deps = session.deps().clone();
    deps.tools = Arc::new(tools);
    deps.gate = gate;
    deps.mcp = mcp;
    Ok(Session::from_parts(SessionParts {
        config,
        deps,
        frame,
        log,
        pending_context: Some(system_reminder(&context.join("\n\n"))),
        subagent: Some(Link {
            tool_use_id: tool_use_id.to_owned(),
            agent_id,
            agent_type: agent.name.clone(),
            budget: Arc::clone(session.budget()),
            parent_log: Arc::clone(session.log()),
            max_budget_usd: parent.max_budget_usd,
            stopped: OnceLock::new(),
            progress,
        }),
        budget: Arc::clone(session.budget()),
        checkpoints: session.checkpoints(),
    }))
}

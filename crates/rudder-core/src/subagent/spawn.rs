//! Starting one subagent for a Task call, running it, and turning how it
//! ended into the Task call's result.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use rudder_config::agents::{AgentDef, AgentModel};
use rudder_protocol::event::TurnStop;
use rudder_protocol::{ContentBlock, Role, ToolSpec};
use rudder_tools::ToolOutput;
use rudder_tools::file_tool::{parse_input, tool_error};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::gate::{SubagentGate, entry_tool, lists};
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

/// Most characters of a stopped subagent's partial text passed back (its
/// newest part is kept).
const MAX_PARTIAL_CHARS: usize = 20_000;

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
    let started = Instant::now();
    let mut child = match start_child(session, agent, &input, tool_use_id).await {
        Ok(child) => child,
        Err(message) => return tool_error(message),
    };
    let outcome = child
        .run_turn(vec![ContentBlock::text(input.prompt.clone())], cancel)
        .await;
    child.shutdown().await;
    let report = Report::of(&child, &outcome.stop, &outcome.result_text);
    let transcript = child
        .log()
        .lock()
        .ok()
        .and_then(|log| log.transcript_path().map(|path| path.display().to_string()));
    let (usage, tool_uses) = totals(&child);
    let agent_id = child
        .subagent_link()
        .map(|link| link.agent_id.clone())
        .unwrap_or_default();
    let mut text = report.text;
    if input.run_in_background == Some(true) {
        text.push_str(
            "\n\n(run_in_background is not supported by rudder yet: the subagent ran to its end \
             before this result was returned.)",
        );
    }
    let structured = json!({
        "status": report.status,
        "agentId": agent_id,
        "agentType": agent.name,
        "description": input.description,
        "prompt": input.prompt,
        "content": [{"type": "text", "text": text}],
        "totalDurationMs": u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "totalTokens": usage.total_input_tokens() + usage.output_tokens,
        "totalToolUseCount": tool_uses,
        "usage": usage,
        "transcriptPath": transcript,
    });
    let output = if report.is_error {
        ToolOutput::error(text)
    } else {
        ToolOutput::text(text)
    };
    output.with_structured(structured)
}

/// Builds the child session of `agent` for one Task call.
async fn start_child(
    session: &Session,
    agent: &AgentDef,
    input: &TaskInput,
    tool_use_id: &str,
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
        }),
        budget: Arc::clone(session.budget()),
        checkpoints: session.checkpoints(),
    }))
}

/// How the subagent ended, as the parent sees it.
struct Report {
    /// `completed`, `stopped`, `interrupted` or `failed`.
    status: &'static str,
    /// The result text.
    text: String,
    /// Whether the Task call failed.
    is_error: bool,
}

impl Report {
    fn of(child: &Session, stop: &TurnStop, final_text: &str) -> Self {
        let stopped = child
            .subagent_link()
            .and_then(|link| link.stopped.get().cloned());
        let partial = partial_text(child);
        let with_note = |note: String| {
            let body = if partial.is_empty() {
                "(The subagent had not written anything yet.)".to_owned()
            } else {
                partial.clone()
            };
            format!(
                "{body}\n\n[rudder: {note}. The text above is its partial result; check it and \
                 finish the work yourself if needed.]"
            )
        };
        match (stop, stopped) {
            (TurnStop::Completed, _) => Self {
                status: "completed",
                text: if final_text.trim().is_empty() {
                    "(The subagent ended without a final message.)".to_owned()
                } else {
                    final_text.to_owned()
                },
                is_error: false,
            },
            (_, Some(note)) => Self {
                status: "stopped",
                text: with_note(note),
                is_error: false,
            },
            (TurnStop::MaxTurns { limit }, None) => Self {
                status: "stopped",
                text: with_note(format!(
                    "the subagent was stopped after {limit} turns, its type's maxTurns"
                )),
                is_error: false,
            },
            (TurnStop::Interrupted, None) => Self {
                status: "interrupted",
                text: with_note("the subagent was interrupted".to_owned()),
                is_error: true,
            },
            (other, None) => Self {
                status: "failed",
                text: with_note(format!("the subagent failed: {}", describe(other))),
                is_error: true,
            },
        }
    }
}

/// What ended a subagent's turn, in words.
fn describe(stop: &TurnStop) -> String {
    match stop {
        TurnStop::ApiError { message, .. }
        | TurnStop::Denied { message }
        | TurnStop::Failed { message } => message.clone(),
        TurnStop::Refusal => "the model declined to continue".to_owned(),
        TurnStop::MaxTokens => "its reply hit the output token limit".to_owned(),
        other => format!("{other:?}"),
    }
}

/// Everything the subagent wrote, newest part kept when long.
fn partial_text(child: &Session) -> String {
    let texts: Vec<String> = child
        .messages()
        .iter()
        .filter(|message| message.role == Role::Assistant)
        .map(rudder_protocol::Message::text)
        .filter(|text| !text.trim().is_empty())
        .collect();
    let joined = texts.join("\n\n");
    let count = joined.chars().count();
    if count <= MAX_PARTIAL_CHARS {
        return joined;
    }
    let tail: String = joined.chars().skip(count - MAX_PARTIAL_CHARS).collect();
    format!("[…]{tail}")
}

/// The subagent's usage and how many tool calls it made.
fn totals(child: &Session) -> (rudder_protocol::Usage, usize) {
    let usage = child
        .log()
        .lock()
        .map(|log| log.accounting().usage().clone())
        .unwrap_or_default();
    let tool_uses = child
        .messages()
        .iter()
        .map(|message| message.tool_uses().count())
        .sum();
    (usage, tool_uses)
}

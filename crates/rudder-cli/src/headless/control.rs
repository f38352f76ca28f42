//! The Agent SDK control protocol over stdin/stdout
//! (CLAUDE-CODE-INTERFACE.md §10.3): rudder's requests to the SDK
//! (`can_use_tool`) and their responses, and answers to the SDK's requests
//! (`initialize`, `interrupt`, `set_permission_mode`, …).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use rudder_config::agents::{AgentDef, AgentModel, agents_from_json};
use rudder_core::SessionConfig;
use rudder_core::permissions::Approver;
use rudder_protocol::headless::{
    ControlRequest, ControlResponse, ControlResponseBody, OutputRecord,
};
use rudder_protocol::permission::{ApprovalDecision, ApprovalRequest};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::output::Stdout;

/// Requests rudder sent to the SDK that await an answer.
#[derive(Debug, Default)]
pub struct PendingRequests {
    next: AtomicU64,
    waiting: Mutex<HashMap<String, oneshot::Sender<ControlResponseBody>>>,
}

impl PendingRequests {
    /// Sends `request` (a `{"subtype": …}` object) and waits for its answer.
    /// Returns `None` when the SDK never answers (stdin closed).
    pub async fn ask(&self, out: &Stdout, request: Value) -> Option<ControlResponseBody> {
        let request_id = format!("rudder_req_{}", self.next.fetch_add(1, Ordering::SeqCst));
        let (sender, receiver) = oneshot::channel();
        if let Ok(mut waiting) = self.waiting.lock() {
            waiting.insert(request_id.clone(), sender);
        }
        out.record(&OutputRecord::ControlRequest(ControlRequest {
            request_id,
            request,
        }));
        receiver.await.ok()
    }

    /// Routes an answer from the SDK to the request waiting for it.
    pub fn resolve(&self, response: ControlResponse) {
        let request_id = match &response.response {
            ControlResponseBody::Success { request_id, .. }
            | ControlResponseBody::Error { request_id, .. } => request_id.clone(),
        };
        let sender = self
            .waiting
            .lock()
            .ok()
            .and_then(|mut waiting| waiting.remove(&request_id));
        if let Some(sender) = sender {
            let _ = sender.send(response.response);
        }
    }

    /// Fails every waiting request (stdin closed).
    pub fn close(&self) {
        if let Ok(mut waiting) = self.waiting.lock() {
            waiting.clear();
        }
    }
}

/// Answers approval requests by asking the SDK (`can_use_tool`).
pub struct StdioApprover {
    /// Where requests go.
    pub out: Stdout,
    /// Where answers come back.
    pub pending: Arc<PendingRequests>,
}

impl Approver for StdioApprover {
    fn decide<'a>(&'a self, request: &'a ApprovalRequest) -> BoxFuture<'a, ApprovalDecision> {
        Box::pin(async move {
            let body = json!({
                "subtype": "can_use_tool",
                "tool_name": request.tool_name,
                "input": request.input,
                "tool_use_id": request.tool_use_id,
                "permission_suggestions": request.suggestions,
                "blocked_path": request.blocked_path,
                "decision_reason": request.reason,
            });
            match self.pending.ask(&self.out, body).await {
                Some(ControlResponseBody::Success { response, .. }) => {
                    ApprovalDecision::from_answer(&response).unwrap_or_else(|error| {
                        let message = format!(
                            "The SDK's permission answer for {} could not be read, so the call is denied: {error}",
                            request.tool_name
                        );
                        eprintln!("rudder: {message}");
                        ApprovalDecision::Deny {
                            message,
                            interrupt: false,
                        }
                    })
                }
                Some(ControlResponseBody::Error { error, .. }) => ApprovalDecision::Deny {
                    message: format!("The permission prompt failed: {error}"),
                    interrupt: false,
                },
                None => ApprovalDecision::Deny {
                    message: "The permission prompt was not answered (input closed).".to_owned(),
                    interrupt: true,
                },
            }
        })
    }
}

/// The headless answer when nobody can be asked: deny with a reason that
/// says how to allow the call, and count it (the run then ends as an error).
pub struct HeadlessDeny {
    /// Calls denied this way.
    pub count: Arc<AtomicUsize>,
}

impl Approver for HeadlessDeny {
    fn decide<'a>(&'a self, request: &'a ApprovalRequest) -> BoxFuture<'a, ApprovalDecision> {
        self.count.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            ApprovalDecision::Deny {
                message: format!(
                    "Permission to use {} was not granted ({}). rudder is running headless with no one to \
                     ask; the user can allow this with --allowedTools, a permission rule, or \
                     --permission-prompt-tool.",
                    request.tool_name, request.reason
                ),
                interrupt: false,
            }
        })
    }
}

/// A success answer to an SDK control request.
pub fn success(request_id: &str, response: Value) -> OutputRecord {
    OutputRecord::ControlResponse(ControlResponse {
        response: ControlResponseBody::Success {
            request_id: request_id.to_owned(),
            response,
        },
    })
}

/// An error answer to an SDK control request.
pub fn failure(request_id: &str, error: impl Into<String>) -> OutputRecord {
    OutputRecord::ControlResponse(ControlResponse {
        response: ControlResponseBody::Error {
            request_id: request_id.to_owned(),
            error: error.into(),
        },
    })
}

/// The answer to the SDK's `initialize` request
/// (CLAUDE-CODE-INTERFACE.md §10.3): the slash commands
/// (`{name, description, argumentHint}`), the subagent types
/// (`{name, description, model?}`), the output style in force and the
/// available ones. rudder offers no model list or account.
pub fn initialize_response(config: &SessionConfig, output_styles: &[String]) -> Value {
    let agents: Vec<Value> = config
        .catalog
        .agents
        .agents
        .iter()
        .map(agent_entry)
        .collect();
    json!({
        "commands": rudder_core::commands::command_infos(&config.catalog),
        "agents": agents,
        "output_style": config.init_extras.output_style,
        "available_output_styles": output_styles,
        "models": [],
        "account": {},
    })
}

/// A definition's `model` as written.
fn model_name(model: &AgentModel) -> &str {
    match model {
        AgentModel::Sonnet => "sonnet",
        AgentModel::Opus => "opus",
        AgentModel::Haiku => "haiku",
        AgentModel::Inherit => "inherit",
        AgentModel::Id(id) => id,
    }
}

/// The subagent types of an `initialize` request (its `agents` object, in
/// `--agents` form), also merged into the `initialize` answer. Entries that
/// do not parse are reported on stderr and skipped. Empty for any other
/// request.
pub fn take_sdk_agents(request: &ControlRequest, initialize: &mut Value) -> Vec<AgentDef> {
    let is_initialize =
        request.request.get("subtype").and_then(Value::as_str) == Some("initialize");
    let Some(agents) = request.request.get("agents").filter(|_| is_initialize) else {
        return Vec::new();
    };
    if agents.is_null() {
        return Vec::new();
    }
    let (agents, problems) = agents_from_json(&agents.to_string());
    for problem in &problems {
        eprintln!("rudder: initialize: {problem}");
    }
    if let Some(listed) = initialize.get_mut("agents").and_then(Value::as_array_mut) {
        for agent in &agents {
            listed.retain(|entry| entry["name"] != agent.name.as_str());
            listed.push(agent_entry(agent));
        }
        listed.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    }
    agents
}

/// One subagent type as the `initialize` answer lists it.
fn agent_entry(agent: &AgentDef) -> Value {
    let mut entry = json!({"name": agent.name, "description": agent.description});
    if let Some(model) = &agent.model {
        entry["model"] = json!(model_name(model));
    }
    entry
}

//! `rudder mcp serve`: rudder's built-in tools offered to another MCP
//! client over stdio, each call judged by the same permission policy as a
//! session in this folder.
//!
//! Contract: Claude Code's `claude mcp serve` (§1.2) through `rudder-mcp`'s
//! [`serve_stdio`]. The policy comes from the settings files and the
//! top-level flags given before `mcp` (`rudder --allowedTools Read mcp
//! serve`). A call the policy allows runs; one it denies, or one that would
//! need approval, is refused with an error result giving the reason —
//! nobody can be asked. `WebSearch` is not offered (it needs a model
//! connection). stdout carries the protocol: nothing else is printed there.
//! Background shells started by calls are killed when the client
//! disconnects or the process gets SIGINT, SIGTERM or SIGHUP.

use std::path::PathBuf;
use std::sync::Arc;

use futures::future::BoxFuture;
use rudder_core::paths;
use rudder_core::permissions::{CallToCheck, Decision, PermissionGate};
use rudder_mcp::{McpToolResult, ServeHandler, serve_stdio};
use rudder_model::proxy::ProxyConfig;
use rudder_protocol::{ContentBlock, ToolDefinition, ToolResultContent};
use rudder_tools::registry::ToolRegistry;
use rudder_tools::{SessionToolState, ToolContext, ToolLimits, ToolOutput};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::{CmdContext, CmdError};
use crate::args::Args;
use crate::headless::ending::Ending;

/// Tools that cannot work without a model connection.
const NOT_SERVED: [&str; 1] = ["WebSearch"];

/// The built-in tools behind the policy.
struct PolicyTools {
    tools: ToolRegistry,
    gate: Arc<dyn PermissionGate>,
    state: Arc<SessionToolState>,
    project_dir: PathBuf,
    spill_dir: PathBuf,
    limits: ToolLimits,
    env: Vec<(String, String)>,
}

impl PolicyTools {
    fn bash_cwd(&self) -> PathBuf {
        self.state
            .bash_cwd
            .lock()
            .map(|cwd| cwd.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    async fn run(&self, name: &str, args: Value) -> ToolOutput {
        let Some(tool) = self.tools.get(name) else {
            return ToolOutput::error(format!("No such tool: {name}."));
        };
        let cwd = self.bash_cwd();
        let decision = self.gate.check(CallToCheck {
            tool_name: name,
            input: &args,
            read_only: tool.is_read_only(),
            cwd: &cwd,
        });
        match decision {
            Decision::Allow { .. } => {}
            Decision::Deny { reason } => {
                return ToolOutput::error(format!("Permission denied: {reason}"));
            }
            Decision::Ask { reason, .. } => {
                return ToolOutput::error(format!(
                    "Refused: the permission policy asks before this call ({reason}) and `rudder \
                     mcp serve` has no one to ask. Allow it with a permission rule (settings \
                     `permissions.allow`, or `rudder --allowedTools <rule> mcp serve`)."
                ));
            }
        }
        let sandbox_prefix = if name == "Bash" {
            self.gate.sandbox_prefix(&args, &cwd)
        } else {
            None
        };
        let context = ToolContext {
            project_dir: self.project_dir.clone(),
            spill_dir: self.spill_dir.clone(),
            state: Arc::clone(&self.state),
            cancel: CancellationToken::new(),
            tool_use_id: format!("mcp_{}", uuid::Uuid::new_v4().simple()),
            limits: self.limits.clone(),
            side_query: None,
            env: self.env.clone(),
            sandbox_prefix,
            walk_filter: self.gate.walk_filter(),
        };
        self.tools.execute(name, args, &context).await
    }
}

impl ServeHandler for PolicyTools {
    fn tools(&self) -> Vec<ToolDefinition> {
        self.tools.definitions()
    }

    fn call<'a>(&'a self, name: &'a str, args: Value) -> BoxFuture<'a, McpToolResult> {
        Box::pin(async move {
            let output = self.run(name, args).await;
            McpToolResult {
                content: match output.content {
                    ToolResultContent::Text(text) => vec![ContentBlock::text(text)],
                    ToolResultContent::Blocks(blocks) => blocks,
                },
                is_error: output.is_error,
                structured: output.structured,
            }
        })
    }
}

/// `rudder mcp serve`: serves until the client closes stdin. Errors: the
/// policy flags are invalid, or the transport failed.
pub async fn serve(args: &Args, context: &CmdContext) -> Result<(), CmdError> {
    let session_id = uuid::Uuid::new_v4().to_string();
    let spill_dir =
        paths::session_dir(&context.rudder_home, &context.cwd, &session_id).join("tool-results");
    let sandbox_writable = [rudder_tools::bash::cwd_record_dir(&spill_dir)];
    let lookup = |name: &str| context.lookup(name);
    let built = crate::setup::gate::build(
        args,
        &context.loaded,
        &context.cwd,
        &lookup,
        &sandbox_writable,
    )
    .map_err(CmdError::Usage)?;
    for notice in &built.notices {
        eprintln!("rudder: {notice}");
    }
    let mut tools = ToolRegistry::builtin_with_proxy(ProxyConfig::from_env(&lookup));
    if let Some(list) = &args.tools {
        crate::setup::restrict_tools(&mut tools, list);
    }
    tools.retain(|name| !NOT_SERVED.contains(&name) && !built.gate.removes_tool(name));
    let state = Arc::new(SessionToolState::new(context.cwd.clone()));
    let handler = Arc::new(PolicyTools {
        tools,
        gate: built.gate,
        state: Arc::clone(&state),
        project_dir: context.cwd.clone(),
        spill_dir,
        limits: crate::setup::tool_limits(&context.env_overrides()),
        env: crate::setup::child_env(&context.loaded, &context.cwd),
    });
    let ending = Ending::install();
    let served = tokio::select! {
        served = serve_stdio(handler) => served,
        () = ending.cancelled() => Ok(()),
    };
    state.shells.kill_all().await;
    served.map_err(|error| CmdError::Failed(error.to_string()))
}

//! The KillShell tool (and its newer name TaskStop): stops a background
//! shell and every process it started.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (KillShell: `shell_id` R; 2.1
//! TaskStop: `task_id`, or the deprecated `shell_id`) and USER-PAINS.md
//! §4.3 (stopping a task ends its whole process tree). The registry
//! resolves `TaskStop` here, so either id field is accepted. A shell that
//! already ended is an error that names its status. Not read-only: it
//! ends processes.

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::bash_output::one_id;
use crate::file_tool::{parse_input, tool_error};
use crate::tool::{Tool, ToolContext, ToolOutput};

const DESCRIPTION: &str = "\
Stops a background shell started with Bash and run_in_background.

- shell_id is the id the Bash call returned (e.g. bash_1).
- The command and every process it started are stopped (SIGTERM, then SIGKILL shortly after).
- Its output produced so far can still be read with BashOutput and stays in its output file.";

/// Input of KillShell, or of TaskStop resolved to it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KillInput {
    #[serde(default)]
    shell_id: Option<String>,
    #[serde(default)]
    task_id: Option<String>,
}

/// The `KillShell` tool (also answering to `TaskStop`).
#[derive(Debug, Default, Clone, Copy)]
pub struct KillShellTool;

impl Tool for KillShellTool {
    fn name(&self) -> &str {
        "KillShell"
    }

    fn description(&self) -> &str {
        DESCRIPTION
    }

    fn input_schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "shell_id": {
                    "type": "string",
                    "description": "Id of the background shell to stop"
                }
            },
            "required": ["shell_id"],
            "additionalProperties": false,
            "$schema": "http://json-schema.org/draft-07/schema#"
        })
    }

    fn is_read_only(&self) -> bool {
        false
    }

    fn execute<'a>(&'a self, input: Value, ctx: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let input = match parse_input::<KillInput>("KillShell", input) {
                Ok(input) => input,
                Err(output) => return output,
            };
            let id = match one_id(("shell_id", input.shell_id), ("task_id", input.task_id)) {
                Ok(id) => id,
                Err(output) => return output,
            };
            match ctx.state.shells.kill(&id).await {
                Ok(info) => {
                    let message = format!(
                        "Stopped background shell {} ({}), with every process it started.",
                        info.id, info.command
                    );
                    ToolOutput::text(message.clone()).with_structured(json!({
                        "message": message,
                        "shell_id": info.id,
                    }))
                }
                Err(err) => tool_error(err),
            }
        })
    }
}

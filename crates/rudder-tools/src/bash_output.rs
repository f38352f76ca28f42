//! The BashOutput tool (and its newer name TaskOutput): the output a
//! background shell produced since the last read, with its status.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (BashOutput ≤ 2.0.63:
//! `bash_id` R, `filter` regex — new output of a background shell;
//! TaskOutput 2.0.64+: `task_id` R, `block` bool, `timeout` ms). One
//! implementation serves both names: the registry resolves `TaskOutput`
//! here, so the input may carry either id field. Lines that do not match
//! `filter` are consumed without being shown, as in Claude Code. With
//! `block`, the call waits for the shell to finish, up to `timeout` ms
//! (default 30 000, at most 600 000). Read-only: it only reads session
//! state.

use std::time::Duration;

use futures::future::BoxFuture;
use regex::Regex;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::file_tool::{optional_count, parse_input, tool_error};
use crate::shells::{ShellRead, ShellStatus};
use crate::tool::{Tool, ToolContext, ToolOutput};

/// Wait of a blocking TaskOutput call without a timeout, ms.
const DEFAULT_BLOCK_MS: u64 = 30_000;

/// Longest wait of a blocking TaskOutput call, ms.
const MAX_BLOCK_MS: u64 = 600_000;

const DESCRIPTION: &str = "\
Reads the output of a background shell started with Bash and run_in_background.

- bash_id is the id the Bash call returned (e.g. bash_1).
- Returns only the output produced since the previous read, with the shell's status (running, completed or killed) and, once it has ended, its exit code.
- filter is an optional regular expression: only the new lines that match it are returned. Lines that do not match are consumed all the same and will not be shown again (they remain in the shell's output file).
- Use it to follow long-running commands such as servers, builds and test runs.";

/// Input of BashOutput, or of TaskOutput resolved to it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputInput {
    #[serde(default)]
    bash_id: Option<String>,
    #[serde(default)]
    filter: Option<String>,
    #[serde(default)]
    task_id: Option<String>,
    #[serde(default)]
    block: Option<bool>,
    #[serde(default, deserialize_with = "optional_count")]
    timeout: Option<u64>,
}

/// The `BashOutput` tool (also answering to `TaskOutput`).
#[derive(Debug, Default, Clone, Copy)]
pub struct BashOutputTool;

impl Tool for BashOutputTool {
    fn name(&self) -> &str {
        "BashOutput"
    }

    fn description(&self) -> &str {
        DESCRIPTION
    }

    fn input_schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "bash_id": {
                    "type": "string",
                    "description": "Id of the background shell to read from"
                },
                "filter": {
                    "type": "string",
                    "description": "Optional regular expression; only new output lines that match it are returned"
                }
            },
            "required": ["bash_id"],
            "additionalProperties": false,
            "$schema": "http://json-schema.org/draft-07/schema#"
        })
    }

    fn is_read_only(&self) -> bool {
        true
    }

    fn execute<'a>(&'a self, input: Value, ctx: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            match parse_input::<OutputInput>("BashOutput", input) {
                Ok(input) => read_output(input, ctx)
                    .await
                    .unwrap_or_else(|output| output),
                Err(output) => output,
            }
        })
    }
}

/// The shell id of a call that may use either field name.
///
/// Errors: a [`tool_error`] when neither or two different ids are given.
pub(crate) fn one_id(
    primary: (&str, Option<String>),
    other: (&str, Option<String>),
) -> Result<String, ToolOutput> {
    match (primary.1, other.1) {
        (Some(first), Some(second)) if first != second => Err(tool_error(format!(
            "{} and {} name different shells; give one of them.",
            primary.0, other.0
        ))),
        (Some(id), _) | (None, Some(id)) => Ok(id),
        (None, None) => Err(tool_error(format!(
            "{} is required: the id of the background shell (e.g. bash_1).",
            primary.0
        ))),
    }
}

async fn read_output(input: OutputInput, ctx: &ToolContext) -> Result<ToolOutput, ToolOutput> {
    let id = one_id(("bash_id", input.bash_id), ("task_id", input.task_id))?;
    let filter = input
        .filter
        .as_deref()
        .filter(|pattern| !pattern.is_empty())
        .map(Regex::new)
        .transpose()
        .map_err(|err| tool_error(format!("filter is not a valid regular expression: {err}")))?;
    let shells = &ctx.state.shells;
    if input.block == Some(true) {
        let wait_ms = input.timeout.unwrap_or(DEFAULT_BLOCK_MS).min(MAX_BLOCK_MS);
        tokio::select! {
            waited = shells.wait(&id, Duration::from_millis(wait_ms)) => {
                waited.map_err(tool_error)?;
            }
            () = ctx.cancel.cancelled() => {}
        }
    }
    let read = shells.read_new(&id, filter.as_ref()).map_err(tool_error)?;
    Ok(render(&read))
}

/// The result text: status, exit code, new stdout and stderr in tags.
fn render(read: &ShellRead) -> ToolOutput {
    let info = &read.info;
    let mut parts = vec![format!("<status>{}</status>", info.status.as_str())];
    if let (ShellStatus::Completed, Some(code)) = (info.status, info.exit_code) {
        parts.push(format!("<exit_code>{code}</exit_code>"));
    }
    let stdout = strip_ansi_escapes::strip_str(&read.stdout);
    let stderr = strip_ansi_escapes::strip_str(&read.stderr);
    for (tag, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        let text = text.trim_end_matches('\n');
        if !text.is_empty() {
            parts.push(format!("<{tag}>\n{text}\n</{tag}>"));
        }
    }
    if stdout.is_empty() && stderr.is_empty() {
        parts.push("(No new output since the last read.)".to_owned());
    }
    if read.dropped_bytes > 0 {
        parts.push(format!(
            "({} bytes of older unread output did not fit in memory and are skipped here; the output file {} has everything.)",
            read.dropped_bytes,
            info.output_path.display()
        ));
    }
    ToolOutput::text(parts.join("\n\n")).with_structured(json!({
        "shellId": info.id,
        "command": info.command,
        "status": info.status.as_str(),
        "exitCode": info.exit_code,
        "stdout": read.stdout,
        "stderr": read.stderr,
        "outputFile": info.output_path,
    }))
}

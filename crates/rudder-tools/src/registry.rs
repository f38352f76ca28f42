//! The registry of tools offered to the model: their definitions for the
//! request, lookup by name (with Claude Code's newer alias names), and
//! execution with the two guarantees every call gets — a panic becomes an
//! error result, and a result over the size cap is spilled to a file.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.1 (tool names by version:
//! `TaskOutput` and `TaskStop` are the 2.0.64+/2.1 names of `BashOutput`
//! and `KillShell`; aliases are callable but not listed), ARCHITECTURE.md
//! "Cache-exact prefixes" (definitions are sorted by name and
//! byte-identical on every call: static descriptions, frozen schemas, no
//! `cache_control`) and USER-PAINS.md §4.5 (no single result above
//! `limits.max_result_bytes` in the request; the rest goes to a private
//! file, named after the tool_use id, with a head/tail preview and its
//! path; images are never spilled). The registry never decides
//! permissions; the agent checks policy before calling `execute`.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;
use rudder_model::proxy::ProxyConfig;
use rudder_protocol::{ContentBlock, ToolDefinition, ToolResultContent};
use serde_json::Value;

use crate::bash::BashTool;
use crate::bash_output::BashOutputTool;
use crate::edit::EditTool;
use crate::file_tool::tool_error;
use crate::glob::GlobTool;
use crate::grep::GrepTool;
use crate::kill_shell::KillShellTool;
use crate::ls::LsTool;
use crate::multi_edit::MultiEditTool;
use crate::notebook_edit::NotebookEditTool;
use crate::read::ReadTool;
use crate::spill;
use crate::todo_write::TodoWriteTool;
use crate::tool::{Tool, ToolContext, ToolOutput};
use crate::web_fetch::WebFetchTool;
use crate::web_search::WebSearchTool;
use crate::write::WriteTool;

/// Names accepted for a tool under another name: (alias, tool name).
pub const ALIASES: [(&str, &str); 2] = [("TaskOutput", "BashOutput"), ("TaskStop", "KillShell")];

/// Bytes kept for the note and the path in a spilled result's preview.
const PREVIEW_NOTE_BYTES: usize = 1024;

/// A set of tools, by name.
#[derive(Clone)]
pub struct ToolRegistry {
    tools: BTreeMap<String, Arc<dyn Tool>>,
}

impl std::fmt::Debug for ToolRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolRegistry")
            .field("tools", &self.names())
            .finish()
    }
}

impl ToolRegistry {
    /// A registry of `tools`; a later tool with the same name as an
    /// earlier one replaces it.
    pub fn new(tools: Vec<Arc<dyn Tool>>) -> Self {
        Self {
            tools: tools
                .into_iter()
                .map(|tool| (tool.name().to_owned(), tool))
                .collect(),
        }
    }

    /// Every built-in tool: Bash, BashOutput, Edit, Glob, Grep, KillShell,
    /// LS, MultiEdit, NotebookEdit, Read, TodoWrite, WebFetch, WebSearch,
    /// Write; WebFetch connects directly (see [`Self::builtin_with_proxy`]).
    pub fn builtin() -> Self {
        Self::builtin_with_proxy(ProxyConfig::default())
    }

    /// Every built-in tool, as [`Self::builtin`], with WebFetch's requests
    /// going through `proxy` (the run's effective proxy variables, as the
    /// model API's requests do).
    pub fn builtin_with_proxy(proxy: ProxyConfig) -> Self {
        Self::new(vec![
            Arc::new(BashTool),
            Arc::new(BashOutputTool),
            Arc::new(EditTool),
            Arc::new(GlobTool),
            Arc::new(GrepTool),
            Arc::new(KillShellTool),
            Arc::new(LsTool),
            Arc::new(MultiEditTool),
            Arc::new(NotebookEditTool),
            Arc::new(ReadTool),
            Arc::new(TodoWriteTool),
            Arc::new(WebFetchTool::new(proxy)),
            Arc::new(WebSearchTool),
            Arc::new(WriteTool),
        ])
    }

    /// Keeps only the tools whose (listed) name `keep` accepts, e.g. for
    /// `--tools` or a bare-name deny rule. An alias resolves only while
    /// its tool is kept.
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.tools.retain(|name, _| keep(name));
    }

    /// The tool definitions for the request's `tools` array, sorted by
    /// name, without `cache_control`; the same bytes on every call.
    /// Aliases are not listed.
    pub fn definitions(&self) -> Vec<ToolDefinition> {
        self.tools
            .values()
            .map(|tool| ToolDefinition {
                name: tool.name().to_owned(),
                description: tool.description().to_owned(),
                input_schema: tool.input_schema(),
                cache_control: None,
            })
            .collect()
    }

    /// The listed tool names, in the order of [`Self::definitions`].
    pub fn names(&self) -> Vec<String> {
        self.tools.keys().cloned().collect()
    }

    /// The tool called `name`, or the tool an alias stands for
    /// (`TaskOutput` → BashOutput, `TaskStop` → KillShell).
    pub fn get(&self, name: &str) -> Option<&Arc<dyn Tool>> {
        self.tools.get(name).or_else(|| {
            ALIASES
                .iter()
                .find(|(alias, _)| *alias == name)
                .and_then(|(_, target)| self.tools.get(*target))
        })
    }

    /// Runs tool `name` (or an alias) on `input`. An unknown name is an
    /// error result listing the available tools; a panic inside the tool
    /// becomes an error result; a result whose text exceeds
    /// `ctx.limits.max_result_bytes` bytes is replaced by a preview, the
    /// whole text going to `<spill_dir>/<tool_use_id>.txt` (see
    /// [`cap_result`]).
    pub async fn execute(&self, name: &str, input: Value, ctx: &ToolContext) -> ToolOutput {
        let Some(tool) = self.get(name) else {
            return tool_error(format!(
                "No such tool: {name}. Available tools: {}.",
                self.names().join(", ")
            ));
        };
        let output = match AssertUnwindSafe(tool.execute(input, ctx))
            .catch_unwind()
            .await
        {
            Ok(output) => output,
            Err(panic) => {
                let reason = panic
                    .downcast_ref::<&str>()
                    .map(|text| (*text).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "no details".to_owned());
                tracing::error!(tool = name, %reason, "a tool panicked");
                tool_error(format!(
                    "The {name} tool failed internally ({reason}). This is a bug in rudder, not in your input; try another way to do the step."
                ))
            }
        };
        cap_result(output, ctx)
    }
}

/// Applies the result cap: text over `ctx.limits.max_result_bytes` bytes is
/// saved to a private file in `ctx.spill_dir` named after the tool_use id,
/// and the result becomes its head and tail around a note naming the file.
/// Results holding images are left alone. If the file cannot be written,
/// the preview says so (the result is still cut).
pub fn cap_result(mut output: ToolOutput, ctx: &ToolContext) -> ToolOutput {
    let cap = ctx.limits.max_result_bytes;
    if output.content.byte_len() <= cap {
        return output;
    }
    if let ToolResultContent::Blocks(blocks) = &output.content
        && blocks
            .iter()
            .any(|block| matches!(block, ContentBlock::Image { .. }))
    {
        return output;
    }
    let text = output.content.text();
    let budget = cap.saturating_sub(PREVIEW_NOTE_BYTES).max(cap / 2);
    let head_bytes = budget * 2 / 3;
    let Some((head, tail)) = spill::head_tail_bytes(&text, head_bytes, budget - head_bytes) else {
        return output;
    };
    let saved = spill::save(&ctx.spill_dir, &ctx.tool_use_id, ".txt", text.as_bytes());
    let omitted = text.len() - head.len() - tail.len();
    let note = match saved {
        Ok(path) => format!(
            "[… result cut: {} bytes in all, {omitted} not shown here. The full result is saved in:\n{}\nRead it with the Read tool (offset/limit) or search it with Grep. …]",
            text.len(),
            path.display()
        ),
        Err(err) => format!(
            "[… result cut: {} bytes in all, {omitted} not shown here. The full result could not be saved ({err}). …]",
            text.len()
        ),
    };
    output.content = ToolResultContent::Text(format!("{head}\n\n{note}\n\n{tail}"));
    output
}

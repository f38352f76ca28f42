//! Where a session's turn meets its MCP servers: prompt expansion, the
//! freeze of the MCP part of the tools block at the first request, the
//! notes about late tools, and tool lookup for names outside the built-in
//! registry.
//!
//! Contract: the cache design in `crate::mcp` (docs/mcp.md). The freeze
//! appends a new frame record to the transcript before the first request
//! (resume reads the last frame record), so the request after a restart
//! carries the same tools block. A session without MCP servers is left
//! exactly as it was.

use std::sync::Arc;

use rudder_protocol::event::TurnStop;
use rudder_protocol::{ContentBlock, ToolSpec};
use rudder_tools::{Tool, ToolContext, ToolOutput};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::{Session, frame_record};
use crate::prompt;
use crate::transcript::Record;

impl Session {
    /// Expands `/mcp__…` prompt commands and `@server:uri` mentions in a
    /// user prompt (see `crate::mcp::prompt`). Errors end the turn before
    /// anything is sent.
    pub(super) async fn expand_mcp_prompt(
        &self,
        prompt: Vec<ContentBlock>,
        cancel: &CancellationToken,
    ) -> Result<Vec<ContentBlock>, TurnStop> {
        match &self.deps.mcp {
            Some(mcp) => mcp
                .expand_prompt(prompt, cancel)
                .await
                .map_err(|message| TurnStop::Failed { message }),
            None => Ok(prompt),
        }
    }

    /// At the first request of a new session: adds the tools of the MCP
    /// servers connected now to the frame (sorted) and records the frame.
    /// Later calls do nothing. Errors: the frame record cannot be written.
    pub(super) fn freeze_mcp(&mut self) -> Result<(), TurnStop> {
        if self.mcp_frozen {
            return Ok(());
        }
        self.mcp_frozen = true;
        let Some(mcp) = &self.deps.mcp else {
            return Ok(());
        };
        let window = rudder_model::pricing::context_window(&self.frame.model);
        let listed: Vec<ToolSpec> = mcp
            .freeze(&mut self.mcp_told, window)
            .into_iter()
            .map(ToolSpec::Custom)
            .collect();
        if listed.is_empty() {
            return Ok(());
        }
        self.frame.tools.extend(listed);
        self.frame.tools.sort_by(|a, b| a.name().cmp(b.name()));
        let record = Record::Frame(frame_record(&self.config.session_id, &self.frame));
        self.log
            .lock()
            .map_err(|_| TurnStop::Failed {
                message: "internal error: the session log lock was poisoned".to_owned(),
            })?
            .append_raw(&record)
            .map_err(|error| TurnStop::Failed {
                message: error.to_string(),
            })
    }

    /// Appends a system reminder about MCP tools and servers the model has
    /// not been told about yet to `blocks` (the next user message), if any.
    pub(super) fn append_mcp_note(&mut self, blocks: &mut Vec<ContentBlock>) {
        let Some(mcp) = &self.deps.mcp else {
            return;
        };
        if let Some(note) = mcp.take_note(&mut self.mcp_told) {
            blocks.push(ContentBlock::text(prompt::system_reminder(&note)));
        }
    }

    /// After a compaction the announcements may be gone from the
    /// conversation: only the frame's MCP tools count as known, so the next
    /// note names the others again.
    pub(super) fn forget_mcp_notes(&mut self) {
        self.mcp_told = crate::mcp::Told::default();
        self.mark_frame_mcp_tools_known();
    }

    /// A resumed session's frame already lists some MCP tools: they need no
    /// announcement.
    pub(super) fn mark_frame_mcp_tools_known(&mut self) {
        let names: Vec<String> = self
            .frame
            .tools
            .iter()
            .map(|tool| tool.name().to_owned())
            .filter(|name| name.starts_with("mcp__"))
            .collect();
        self.mcp_told.know(names);
    }

    /// The tool called `name`: a built-in one (or its alias), else one of
    /// the session's MCP tools.
    pub(super) fn lookup_tool(&self, name: &str) -> Option<Arc<dyn Tool>> {
        self.deps
            .tools
            .get(name)
            .cloned()
            .or_else(|| self.deps.mcp.as_ref()?.tool(name))
    }

    /// Runs tool `name` through the registry when it is built in, else as
    /// an MCP tool, with the same result cap and spill.
    pub(super) async fn execute_tool(
        &self,
        name: &str,
        input: Value,
        context: &ToolContext,
    ) -> ToolOutput {
        if self.deps.tools.get(name).is_none()
            && let Some(tool) = self.deps.mcp.as_ref().and_then(|mcp| mcp.tool(name))
        {
            let output = tool.execute(input, context).await;
            return rudder_tools::registry::cap_result(output, context);
        }
        self.deps.tools.execute(name, input, context).await
    }
}

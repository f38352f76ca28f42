//! `!command` from the prompt: the person runs a shell command directly,
//! through the Bash tool (its process group, timeout, output caps and
//! sandbox) and the permission policy.
//!
//! The person typed the command, so pressing Enter is the approval an
//! `ask` would request; a `deny` rule still refuses it. The run is
//! checkpointed like a turn (so `/rewind` can undo it) and recorded in the
//! conversation as Claude Code records its bash mode
//! (`<bash-input>`, `<bash-stdout>`, `<bash-stderr>`), so the model knows
//! what happened.

use rudder_protocol::{ContentBlock, Message, Role};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::tool_run::{bash_cwd, tool_context};
use super::{Session, checkpointing};
use crate::permissions::{CallToCheck, Decision};
use crate::transcript::TranscriptError;

/// The output of a `!command`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellRun {
    /// What the Bash tool reported (output, exit code, notes).
    pub output: String,
    /// The command failed (non-zero exit, timeout, interrupt).
    pub is_error: bool,
}

/// Why a `!command` did not run.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    /// A deny rule forbids it.
    #[error("not run: {0}")]
    Denied(String),
    /// The Bash tool is not available in this session.
    #[error("not run: the Bash tool is disabled in this session")]
    NoBash,
    /// The run could not be recorded in the transcript.
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
}

impl Session {
    /// Runs `command` as typed after `!`. Interruptible through `cancel`.
    ///
    /// Errors: [`ShellError::Denied`] by policy, [`ShellError::NoBash`],
    /// or the transcript failing.
    pub async fn run_shell(
        &mut self,
        command: &str,
        cancel: &CancellationToken,
    ) -> Result<ShellRun, ShellError> {
        if self.deps.tools.get("Bash").is_none() || self.deps.gate.removes_tool("Bash") {
            return Err(ShellError::NoBash);
        }
        let input = json!({"command": command, "description": "Run from the prompt"});
        let cwd = bash_cwd(self);
        let decision = self.deps.gate.check(CallToCheck {
            tool_name: "Bash",
            input: &input,
            read_only: false,
            cwd: &cwd,
        });
        if let Decision::Deny { reason } = decision {
            return Err(ShellError::Denied(reason));
        }
        let turn = uuid::Uuid::new_v4().to_string();
        checkpointing::begin_turn(self, &turn).await;
        let tool_use_id = format!("toolu_shell_{}", turn.replace('-', ""));
        let context = tool_context(self, "Bash", &tool_use_id, &input, cancel);
        let after = checkpointing::before_tool(self, "Bash", &input).await;
        let output = self.deps.tools.execute("Bash", input, &context).await;
        checkpointing::after_tool(self, after).await;

        let text = output.content.text();
        let field = |name: &str| {
            output
                .structured
                .as_ref()
                .and_then(|value| value.get(name))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let stdout = field("stdout").unwrap_or_else(|| text.clone());
        let stderr = field("stderr").unwrap_or_default();
        let mut content = Vec::new();
        if let Some(context) = self.pending_context.take() {
            content.push(ContentBlock::text(context));
        }
        content.push(ContentBlock::text(format!(
            "<bash-input>{command}</bash-input>"
        )));
        content.push(ContentBlock::text(format!(
            "<bash-stdout>{stdout}</bash-stdout><bash-stderr>{stderr}</bash-stderr>"
        )));
        let message = Message::new(Role::User, content);
        let uuid = self
            .log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .append_user_as(&message, None, turn)?;
        self.messages.push(message);
        self.uuids.push(uuid);
        Ok(ShellRun {
            output: text,
            is_error: output.is_error,
        })
    }
}

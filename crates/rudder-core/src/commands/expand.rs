//! Running the `` !`command` `` spans and reading the `@file` mentions of a
//! command or skill body, each through the session's permission policy.
//!
//! `rudder-config` finds the spans and mentions and splices results in
//! ([`inline_shell_and_files`]); it takes synchronous callbacks, while
//! permission answers and the Bash tool are asynchronous. So the text is
//! walked twice: a dry pass records what it would run and read (in order),
//! the spans then run here one by one — stopping at the first refusal, so
//! nothing after a refused command runs — and a second pass splices the
//! recorded outputs in.
//!
//! A span is a Bash call: judged by the gate with the definition's
//! `allowed-tools` added ([`PermissionGate::check_with_allow`]), an "ask"
//! put to the session's approver, then run by the Bash tool in the
//! session's directory with its limits, environment and sandbox, in a
//! throwaway tool state (a `cd` inside a span does not move the session's
//! shell). A mention is a Read call on the resolved path.
//!
//! [`PermissionGate::check_with_allow`]: crate::permissions::PermissionGate::check_with_allow

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rudder_config::expand::{ExpandError, Expansion, inline_shell_and_files};
use rudder_protocol::AgentEvent;
use rudder_protocol::permission::{ApprovalDecision, ApprovalRequest};
use rudder_tools::{SessionToolState, ToolContext};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::paths;
use crate::permissions::{CallToCheck, Decision};
use crate::session::{Session, save_updates};

/// Largest file an `@mention` inlines, in bytes.
pub const MAX_MENTION_BYTES: u64 = 256 * 1024;

/// Expands the spans and mentions of `text`. `allow` are the definition's
/// `allowed-tools`, `label` names it in decisions and approval prompts
/// (e.g. `/review (.claude/commands/review.md)`).
///
/// # Errors
/// [`ExpandError::Shell`] when a span was refused (by a rule, the mode, or
/// the approver) or the Bash tool is not available; the span did not run.
pub(crate) async fn expand(
    session: &Session,
    text: &str,
    allow: &[String],
    label: &str,
    cancel: &CancellationToken,
) -> Result<Expansion, ExpandError> {
    let mut commands: Vec<String> = Vec::new();
    let mut mentions: Vec<String> = Vec::new();
    inline_shell_and_files(
        text,
        &mut |command| {
            commands.push(command.to_owned());
            Ok(String::new())
        },
        &mut |mention| {
            mentions.push(mention.to_owned());
            Ok(String::new())
        },
    )?;
    let expander = Expander {
        session,
        allow,
        label,
        cancel,
    };
    let mut outputs: HashMap<String, String> = HashMap::new();
    for (index, command) in commands.iter().enumerate() {
        if outputs.contains_key(command) {
            continue;
        }
        let output =
            expander
                .run_span(command, index)
                .await
                .map_err(|message| ExpandError::Shell {
                    command: command.clone(),
                    message,
                })?;
        outputs.insert(command.clone(), output);
    }
    let mut files: HashMap<String, Result<String, String>> = HashMap::new();
    for (index, mention) in mentions.iter().enumerate() {
        let contents = expander.read_mention(mention, index).await;
        files.insert(mention.clone(), contents);
    }
    inline_shell_and_files(
        text,
        &mut |command| {
            outputs
                .get(command)
                .cloned()
                .ok_or_else(|| "it was not run".to_owned())
        },
        &mut |mention| {
            files
                .get(mention)
                .cloned()
                .unwrap_or_else(|| Err("it was not read".to_owned()))
        },
    )
}

/// One expansion's session, rules and label.
struct Expander<'a> {
    session: &'a Session,
    allow: &'a [String],
    label: &'a str,
    cancel: &'a CancellationToken,
}

impl Expander<'_> {
    /// Judges and runs one span; its output, or why it did not run.
    async fn run_span(&self, command: &str, index: usize) -> Result<String, String> {
        let config = self.session.config();
        let input = json!({
            "command": command,
            "description": format!("Output for {}", self.label),
        });
        let id = format!("expand_{}_{index}", config.session_id);
        let input = self.permit("Bash", input, false, &id).await?;
        let tools = &self.session.deps().tools;
        if tools.get("Bash").is_none() {
            return Err("the Bash tool is not available in this session".to_owned());
        }
        let context = ToolContext {
            project_dir: config.cwd.clone(),
            spill_dir: paths::session_dir(&config.rudder_home, &config.cwd, &config.session_id)
                .join("tool-results"),
            state: Arc::new(SessionToolState::new(config.cwd.clone())),
            cancel: self.cancel.child_token(),
            tool_use_id: id,
            limits: config.tool_limits.clone(),
            side_query: None,
            env: config.child_env.clone(),
            sandbox_prefix: self.session.deps().gate.sandbox_prefix(&input, &config.cwd),
            walk_filter: None,
        };
        let output = tools.execute("Bash", input, &context).await;
        Ok(output.content.text())
    }

    /// Judges and reads one `@mention`.
    async fn read_mention(&self, mention: &str, index: usize) -> Result<String, String> {
        let config = self.session.config();
        let path = resolve_mention(&config.cwd, mention);
        let input = json!({ "file_path": path.display().to_string() });
        let id = format!("mention_{}_{index}", config.session_id);
        self.permit("Read", input, true, &id).await?;
        let metadata = std::fs::metadata(&path).map_err(|error| error.to_string())?;
        if !metadata.is_file() {
            return Err("not a file".to_owned());
        }
        if metadata.len() > MAX_MENTION_BYTES {
            return Err(format!(
                "{} bytes, more than the {MAX_MENTION_BYTES} an @mention inlines",
                metadata.len()
            ));
        }
        let bytes = std::fs::read(&path).map_err(|error| error.to_string())?;
        String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_owned())
    }

    /// The permission decision for one call: the gate with the
    /// definition's rules, then the approver for an "ask". Returns the
    /// input to run with, or the reason it may not run.
    async fn permit(
        &self,
        tool_name: &str,
        input: Value,
        read_only: bool,
        id: &str,
    ) -> Result<Value, String> {
        let deps = self.session.deps();
        let cwd = self.session.config().cwd.clone();
        let check = |input: &Value| {
            deps.gate.check_with_allow(
                self.label,
                self.allow,
                CallToCheck {
                    tool_name,
                    input,
                    read_only,
                    cwd: &cwd,
                },
            )
        };
        let (reason, suggestions, blocked_path) = match check(&input) {
            Decision::Allow { .. } => return Ok(input),
            Decision::Deny { reason } => return Err(reason),
            Decision::Ask {
                reason,
                suggestions,
                blocked_path,
            } => (reason, suggestions, blocked_path),
        };
        let request = ApprovalRequest {
            tool_use_id: id.to_owned(),
            tool_name: tool_name.to_owned(),
            input: input.clone(),
            reason: format!("{}: {reason}", self.label),
            suggestions,
            blocked_path,
        };
        deps.events
            .emit(AgentEvent::ApprovalRequested(request.clone()));
        let decision = tokio::select! {
            decision = deps.approver.decide(&request) => decision,
            () = self.cancel.cancelled() => return Err("the user interrupted".to_owned()),
        };
        match decision {
            ApprovalDecision::Allow {
                updated_input,
                updated_permissions,
            } => {
                for update in &updated_permissions {
                    deps.gate.apply(update);
                }
                save_updates(self.session, &updated_permissions).await;
                let input = updated_input.unwrap_or(input);
                match check(&input) {
                    Decision::Deny { reason } => Err(reason),
                    _ => Ok(input),
                }
            }
            ApprovalDecision::Deny { message, .. } => Err(message),
        }
    }
}

/// `mention` as an absolute path: `~/…` from `$HOME`, relative ones from
/// `cwd`.
fn resolve_mention(cwd: &Path, mention: &str) -> PathBuf {
    match (mention.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => cwd.join(mention),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_resolve_against_the_working_directory() {
        let cwd = Path::new("/repo");
        assert_eq!(
            resolve_mention(cwd, "src/lib.ts"),
            PathBuf::from("/repo/src/lib.ts")
        );
        assert_eq!(
            resolve_mention(cwd, "/etc/hosts"),
            PathBuf::from("/etc/hosts")
        );
    }
}

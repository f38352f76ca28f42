//! Keeping the TUI's [`StatusSnapshot`] current: every agent event passes
//! through here on its way to the TUI, and what it says about the session
//! (id, model, mode, usage, cost, durations, changed lines) is folded into
//! the shared snapshot that `Driver::status` returns without waiting.
//!
//! Owns: the forwarding task and the folding. Must never: drop, reorder or
//! hold back an event.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use rudder_protocol::AgentEvent;
use rudder_tui::StatusSnapshot;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The snapshot shared by the forwarder and the driver.
pub type SharedStatus = Arc<Mutex<StatusSnapshot>>;

/// Locks `status` (a panic elsewhere never makes it unusable).
pub fn lock(status: &SharedStatus) -> std::sync::MutexGuard<'_, StatusSnapshot> {
    status.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Forwards events from `from` to `to`, folding each into `status` first.
/// Ends when `from` closes (every session and the driver are gone) or the
/// TUI stops listening.
pub fn spawn_forwarder(
    mut from: mpsc::UnboundedReceiver<AgentEvent>,
    to: mpsc::UnboundedSender<AgentEvent>,
    status: SharedStatus,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tracker = Tracker::default();
        while let Some(event) = from.recv().await {
            tracker.observe(&mut lock(&status), &event);
            if to.send(event).is_err() {
                break;
            }
        }
    })
}

/// What the folding remembers between events: started edits, by id.
#[derive(Debug, Default)]
struct Tracker {
    edits: HashMap<String, (String, Value)>,
}

impl Tracker {
    fn observe(&mut self, status: &mut StatusSnapshot, event: &AgentEvent) {
        match event {
            AgentEvent::SessionReady(info) => {
                status.session_id.clone_from(&info.session_id);
                status.cwd.clone_from(&info.cwd);
                status.model.clone_from(&info.model);
                status.permission_mode = info.permission_mode;
                status.transcript_path.clone_from(&info.transcript_path);
                status.mcp_servers.clone_from(&info.mcp_servers);
                status.output_style.clone_from(&info.output_style);
                status.context_window = rudder_model::pricing::context_window(&info.model);
            }
            AgentEvent::AssistantMessage {
                message,
                parent_tool_use_id: None,
                ..
            } => {
                status.last_usage = Some(message.usage.clone());
                if !message.model.is_empty() {
                    status.model.clone_from(&message.model);
                }
            }
            AgentEvent::ToolStarted {
                tool_use_id,
                name,
                input,
            } if matches!(name.as_str(), "Edit" | "MultiEdit" | "Write") => {
                self.edits
                    .insert(tool_use_id.clone(), (name.clone(), input.clone()));
            }
            AgentEvent::ToolFinished {
                tool_use_id,
                is_error,
                ..
            } => {
                if let Some((name, input)) = self.edits.remove(tool_use_id)
                    && !is_error
                {
                    let (added, removed) = changed_lines(&name, &input);
                    status.lines_added += added;
                    status.lines_removed += removed;
                }
            }
            AgentEvent::TurnEnded(outcome) => {
                status.total_usage = outcome.usage.clone();
                status.total_cost_usd = outcome.total_cost_usd;
                status.total_duration_ms += outcome.duration_ms;
                status.total_api_duration_ms += outcome.duration_api_ms;
            }
            _ => {}
        }
    }
}

/// Lines an edit added and removed: the replaced text minus the lines it
/// shares at its start and end with the replacement (one hunk per edit);
/// a Write counts its whole content as added.
fn changed_lines(tool: &str, input: &Value) -> (u64, u64) {
    let text = |value: &Value, key: &str| {
        value
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    match tool {
        "Write" => (text(input, "content").lines().count() as u64, 0),
        "Edit" => hunk(&text(input, "old_string"), &text(input, "new_string")),
        "MultiEdit" => input
            .get("edits")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|edit| hunk(&text(edit, "old_string"), &text(edit, "new_string")))
            .fold((0, 0), |(a, r), (added, removed)| (a + added, r + removed)),
        _ => (0, 0),
    }
}

fn hunk(old: &str, new: &str) -> (u64, u64) {
    let old: Vec<&str> = old.lines().collect();
    let new: Vec<&str> = new.lines().collect();
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    (
        (new.len() - prefix - suffix) as u64,
        (old.len() - prefix - suffix) as u64,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_edit_counts_only_the_lines_it_changes() {
        let input = json!({"old_string": "a\nb\nc\n", "new_string": "a\nB\nB2\nc\n"});
        assert_eq!(changed_lines("Edit", &input), (2, 1));
        assert_eq!(
            changed_lines("Write", &json!({"content": "x\ny\n"})),
            (2, 0)
        );
    }
}

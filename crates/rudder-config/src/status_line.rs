//! The status line command's stdin: the JSON Claude Code documents
//! (CLAUDE-CODE-INTERFACE.md §9.5). The setting itself is
//! [`crate::settings::StatusLineSetting`]; the front end runs the command
//! (first stdout line = the status line) — only for a trusted folder when
//! it comes from project settings. Pure.

use std::path::PathBuf;

use serde_json::{Value, json};

/// What the status line command is told.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusLineInput {
    /// Session id.
    pub session_id: String,
    /// The session's transcript.
    pub transcript_path: PathBuf,
    /// Current working directory.
    pub cwd: PathBuf,
    /// Model id on the wire, e.g. `claude-sonnet-4-5`.
    pub model_id: String,
    /// Model name for people, e.g. `Sonnet 4.5`.
    pub model_display_name: String,
    /// Where the session started (`workspace.project_dir`).
    pub project_dir: PathBuf,
    /// rudder's version.
    pub version: String,
    /// The active output style's name.
    pub output_style: String,
    /// Running totals.
    pub cost: StatusCost,
    /// Context window use (a Claude Code 2.1 field; omitted when `None`).
    pub context_window: Option<StatusContextWindow>,
}

/// Session totals for `cost`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StatusCost {
    /// US dollars.
    pub total_cost_usd: f64,
    /// Wall time since the session started, milliseconds.
    pub total_duration_ms: u64,
    /// Time spent waiting for the model, milliseconds.
    pub total_api_duration_ms: u64,
    /// Lines added by file tools.
    pub total_lines_added: u64,
    /// Lines removed by file tools.
    pub total_lines_removed: u64,
}

/// Context window use for `context_window`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusContextWindow {
    /// Input tokens over the session.
    pub total_input_tokens: u64,
    /// Output tokens over the session.
    pub total_output_tokens: u64,
    /// The model's window, tokens.
    pub context_window_size: u64,
    /// Tokens the current context occupies.
    pub current_tokens: u64,
}

/// The stdin JSON: `hook_event_name: "Status"`, `session_id`,
/// `transcript_path`, `cwd`, `model{id, display_name}`,
/// `workspace{current_dir, project_dir}`, `version`, `output_style{name}`,
/// `cost{…}` and, when given, `context_window{…, used_percentage,
/// remaining_percentage}` (whole percents).
pub fn status_line_input(input: &StatusLineInput) -> Value {
    let mut doc = json!({
        "hook_event_name": "Status",
        "session_id": input.session_id,
        "transcript_path": input.transcript_path,
        "cwd": input.cwd,
        "model": {"id": input.model_id, "display_name": input.model_display_name},
        "workspace": {"current_dir": input.cwd, "project_dir": input.project_dir},
        "version": input.version,
        "output_style": {"name": input.output_style},
        "cost": {
            "total_cost_usd": input.cost.total_cost_usd,
            "total_duration_ms": input.cost.total_duration_ms,
            "total_api_duration_ms": input.cost.total_api_duration_ms,
            "total_lines_added": input.cost.total_lines_added,
            "total_lines_removed": input.cost.total_lines_removed,
        },
    });
    if let (Some(window), Value::Object(members)) = (input.context_window, &mut doc) {
        let used = (window.current_tokens.saturating_mul(100))
            .checked_div(window.context_window_size)
            .unwrap_or(0)
            .min(100);
        members.insert(
            "context_window".into(),
            json!({
                "total_input_tokens": window.total_input_tokens,
                "total_output_tokens": window.total_output_tokens,
                "context_window_size": window.context_window_size,
                "used_percentage": used,
                "remaining_percentage": 100 - used,
            }),
        );
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_shape() {
        let mut input = StatusLineInput {
            session_id: "s".into(),
            transcript_path: PathBuf::from("/t.jsonl"),
            cwd: PathBuf::from("/p/src"),
            model_id: "claude-sonnet-4-5".into(),
            model_display_name: "Sonnet 4.5".into(),
            project_dir: PathBuf::from("/p"),
            version: "0.1.0".into(),
            output_style: "default".into(),
            cost: StatusCost {
                total_cost_usd: 0.5,
                total_duration_ms: 1000,
                total_api_duration_ms: 400,
                total_lines_added: 3,
                total_lines_removed: 1,
            },
            context_window: None,
        };
        let doc = status_line_input(&input);
        assert_eq!(doc["hook_event_name"], "Status");
        assert_eq!(doc["model"]["display_name"], "Sonnet 4.5");
        assert_eq!(
            doc["workspace"],
            json!({"current_dir": "/p/src", "project_dir": "/p"})
        );
        assert_eq!(doc["cost"]["total_lines_added"], 3);
        assert!(doc.get("context_window").is_none());
        input.context_window = Some(StatusContextWindow {
            total_input_tokens: 10,
            total_output_tokens: 5,
            context_window_size: 200_000,
            current_tokens: 50_000,
        });
        let doc = status_line_input(&input);
        assert_eq!(doc["context_window"]["used_percentage"], 25);
        assert_eq!(doc["context_window"]["remaining_percentage"], 75);
    }
}

//! The status line: rudder's built-in one (model, context used / window,
//! session cost, cache-hit % of the last request) and Claude Code's
//! `statusLine` command contract (CLAUDE-CODE-INTERFACE.md §9.5): the
//! command gets the status JSON on stdin and its first stdout line is shown.
//!
//! Owns: the built-in text, the stdin JSON, and running the command once
//! with a timeout. Debouncing (~300 ms) and cancelling a run in flight
//! belong to the event loop, which owns tasks. Must never: run the command
//! without a timeout or leave it running (kill on drop).

use std::process::Stdio;
use std::time::Duration;

use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::driver::StatusSnapshot;
use crate::render::{dim, tokens};

/// Debounce between a change and running the command (Claude Code: ~300 ms).
pub(crate) const DEBOUNCE: Duration = Duration::from_millis(300);
/// A run taking longer than this is killed.
const TIMEOUT: Duration = Duration::from_secs(5);
/// Most stdout bytes read.
const MAX_OUTPUT: u64 = 16 * 1024;

/// `Sonnet 4.5 · 12.3k/200.0k (6%) · $0.04 · cache 87%`.
pub(crate) fn builtin_status(status: &StatusSnapshot) -> Line<'static> {
    let mut parts = Vec::new();
    let model = if status.model_display_name.is_empty() {
        &status.model
    } else {
        &status.model_display_name
    };
    if !model.is_empty() {
        parts.push(model.clone());
    }
    let used = status.context_used();
    if let Some(percent) = used.saturating_mul(100).checked_div(status.context_window) {
        parts.push(format!(
            "{}/{} ({percent}%)",
            tokens(used),
            tokens(status.context_window)
        ));
    } else if used > 0 {
        parts.push(format!("{} tokens", tokens(used)));
    }
    parts.push(format!("${:.2}", status.total_cost_usd));
    if let Some(hit) = status.cache_hit_percent() {
        parts.push(format!("cache {hit}%"));
    }
    Line::from(Span::styled(parts.join(" · "), dim()))
}

/// The line under the prompt that names a non-default permission mode.
pub(crate) fn mode_line(mode: rudder_protocol::PermissionMode) -> Option<Line<'static>> {
    use rudder_protocol::PermissionMode as Mode;
    let (text, colour) = match mode {
        Mode::Default => return None,
        Mode::AcceptEdits => ("⏵⏵ accept edits on", Color::Magenta),
        Mode::Plan => ("⏸ plan mode on", Color::Cyan),
        Mode::DontAsk => ("⏵ don't ask mode on", Color::Yellow),
        Mode::BypassPermissions => ("⏵⏵ bypass permissions on", Color::Red),
    };
    Some(Line::from(vec![
        Span::styled(text, Style::new().fg(colour)),
        Span::styled(" (shift+tab to cycle)", dim()),
    ]))
}

/// The JSON the `statusLine` command reads on stdin (Claude Code's fields).
pub(crate) fn command_input(status: &StatusSnapshot) -> Value {
    let last = status.last_usage.clone().unwrap_or_default();
    let used = status.context_used();
    let window = status.context_window;
    let used_percent = if window > 0 {
        used as f64 * 100.0 / window as f64
    } else {
        0.0
    };
    json!({
        "hook_event_name": "Status",
        "session_id": status.session_id,
        "transcript_path": status.transcript_path,
        "cwd": status.cwd,
        "model": {
            "id": status.model,
            "display_name": if status.model_display_name.is_empty() { &status.model } else { &status.model_display_name },
        },
        "workspace": {
            "current_dir": status.cwd,
            "project_dir": status.project_dir,
        },
        "version": status.version,
        "output_style": { "name": status.output_style },
        "cost": {
            "total_cost_usd": status.total_cost_usd,
            "total_duration_ms": status.total_duration_ms,
            "total_api_duration_ms": status.total_api_duration_ms,
            "total_lines_added": status.lines_added,
            "total_lines_removed": status.lines_removed,
        },
        "context_window": {
            "total_input_tokens": status.total_usage.total_input_tokens(),
            "total_output_tokens": status.total_usage.output_tokens,
            "context_window_size": window,
            "used_percentage": used_percent,
            "remaining_percentage": (100.0 - used_percent).max(0.0),
            "current_usage": {
                "input_tokens": last.input_tokens,
                "output_tokens": last.output_tokens,
                "cache_creation_input_tokens": last.cache_creation_input_tokens,
                "cache_read_input_tokens": last.cache_read_input_tokens,
            },
        },
        "exceeds_200k_tokens": used > 200_000,
    })
}

/// Runs `command` with `sh -c` in `cwd`, `input` on stdin and `COLUMNS`
/// set, and returns the first line of its stdout (ANSI colours kept).
/// Errors: a message when it could not start, timed out, or printed
/// nothing. The child is killed if this future is dropped.
pub(crate) async fn run_command(
    command: &str,
    cwd: &str,
    input: &Value,
    columns: u16,
) -> Result<String, String> {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(if cwd.is_empty() { "." } else { cwd })
        .env("COLUMNS", columns.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| format!("statusLine command failed to start: {error}"))?;
    let payload = input.to_string();
    let run = async {
        if let Some(mut stdin) = child.stdin.take() {
            // A command that ignores stdin may close it early; that is fine.
            let _ = stdin.write_all(payload.as_bytes()).await;
        }
        let mut output = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            stdout
                .take(MAX_OUTPUT)
                .read_to_end(&mut output)
                .await
                .map_err(|error| format!("statusLine output unreadable: {error}"))?;
        }
        let _ = child.wait().await;
        Ok::<_, String>(output)
    };
    let output = tokio::time::timeout(TIMEOUT, run)
        .await
        .map_err(|_| format!("statusLine command timed out after {}s", TIMEOUT.as_secs()))??;
    let text = String::from_utf8_lossy(&output);
    text.lines()
        .next()
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .ok_or_else(|| "statusLine command printed nothing".to_owned())
}

/// Parses the command's line, ANSI colours included; control characters
/// other than colour sequences are dropped.
pub(crate) fn parse_ansi(text: &str) -> Line<'static> {
    use ansi_to_tui::IntoText;
    match text.as_bytes().into_text() {
        Ok(parsed) => parsed.lines.into_iter().next().unwrap_or_default(),
        Err(_) => Line::from(crate::render::sanitize(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rudder_protocol::usage::Usage;

    fn snapshot() -> StatusSnapshot {
        StatusSnapshot {
            session_id: "s-1".into(),
            model: "claude-sonnet-4-5".into(),
            model_display_name: "Sonnet 4.5".into(),
            cwd: "/p".into(),
            context_window: 200_000,
            total_cost_usd: 0.0421,
            last_usage: Some(Usage {
                input_tokens: 100,
                cache_read_input_tokens: 8_700,
                cache_creation_input_tokens: 1_200,
                output_tokens: 300,
                ..Usage::default()
            }),
            ..StatusSnapshot::default()
        }
    }

    #[test]
    fn builtin_line_shows_model_context_cost_and_cache() {
        assert_eq!(
            builtin_status(&snapshot()).to_string(),
            "Sonnet 4.5 · 10.3k/200.0k (5%) · $0.04 · cache 87%"
        );
    }

    #[test]
    fn command_input_has_claude_code_fields() {
        let input = command_input(&snapshot());
        assert_eq!(input["hook_event_name"], "Status");
        assert_eq!(input["model"]["display_name"], "Sonnet 4.5");
        assert_eq!(input["context_window"]["context_window_size"], 200_000);
        assert_eq!(input["workspace"]["current_dir"], "/p");
    }

    #[tokio::test]
    async fn command_gets_stdin_and_first_line_is_kept() {
        let line = run_command(
            "read x; echo \"[$x]\" | cut -c1-20; echo second",
            "",
            &json!({"a": 1}),
            80,
        )
        .await
        .unwrap();
        assert_eq!(line, "[{\"a\":1}]");
        assert!(run_command("true", "", &json!({}), 80).await.is_err());
    }

    #[test]
    fn ansi_colours_survive() {
        let line = parse_ansi("\x1b[31mred\x1b[0m plain");
        assert_eq!(line.to_string(), "red plain");
        assert_eq!(line.spans[0].style.fg, Some(Color::Red));
    }
}

//! Tool calls shown the way Claude Code shows them: one headline
//! (`⏺ Read(src/calc.py)`) and a short result under a `⎿` gutter; edits as
//! diffs; long output folded.
//!
//! Owns: the display name and argument summary of each built-in tool, the
//! result summaries, and the edit diffs of Edit/MultiEdit/Write input. Must
//! never: run tools or read files (callers pass file text when they have
//! it).

use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use super::diff::{DiffStat, render_diff};
use super::{RESULT_GUTTER, RESULT_INDENT, dim, fold, prefix_lines, sanitize};
use crate::todo::{parse_todos, todo_lines};

/// Lines of tool output shown before folding.
pub(crate) const OUTPUT_LINES: usize = 5;
/// Lines of a diff shown before folding.
pub(crate) const DIFF_LINES: usize = 40;

/// State of a tool call, which colours its bullet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallState {
    /// Waiting or running.
    Running,
    /// Finished well.
    Done,
    /// Failed or refused.
    Failed,
}

/// The name Claude Code shows: Edit and MultiEdit are "Update", TodoWrite is
/// "Update Todos", `mcp__server__tool` is "server - tool (MCP)".
pub(crate) fn display_name(name: &str) -> String {
    match name {
        "Edit" | "MultiEdit" => "Update".to_owned(),
        "TodoWrite" => "Update Todos".to_owned(),
        _ => match name
            .strip_prefix("mcp__")
            .and_then(|rest| rest.split_once("__"))
        {
            Some((server, tool)) => format!("{server} - {tool} (MCP)"),
            None => name.to_owned(),
        },
    }
}

/// The main argument of a call, shortened: a path relative to `cwd`, a
/// command's first line, a pattern, a URL, or compact JSON for other tools.
pub(crate) fn argument_summary(name: &str, input: &Value, cwd: &str) -> String {
    let field = |key: &str| input.get(key).and_then(Value::as_str).map(str::to_owned);
    let path = |key: &str| field(key).map(|path| relative(&path, cwd));
    let summary = match name {
        "Read" | "Write" | "Edit" | "MultiEdit" => path("file_path"),
        "NotebookEdit" | "NotebookRead" => path("notebook_path"),
        "LS" => path("path"),
        "Bash" => field("command").map(|command| {
            let first = command.lines().next().unwrap_or_default().to_owned();
            if command.lines().nth(1).is_some() {
                format!("{first} …")
            } else {
                first
            }
        }),
        "Glob" | "Grep" => field("pattern").map(|pattern| match path("path") {
            Some(dir) => format!("{pattern} in {dir}"),
            None => pattern,
        }),
        "WebFetch" => field("url"),
        "WebSearch" => field("query"),
        "Task" => field("description"),
        "BashOutput" => field("bash_id"),
        "KillShell" | "KillBash" => field("shell_id"),
        "Skill" => field("skill"),
        "SlashCommand" => field("command"),
        "TodoWrite" | "ExitPlanMode" => Some(String::new()),
        _ => None,
    };
    sanitize(&summary.unwrap_or_else(|| compact_json(input))).replace('\n', " ")
}

/// `⏺ Name(argument)`, truncated to `width` columns.
pub(crate) fn headline(
    name: &str,
    input: &Value,
    cwd: &str,
    state: CallState,
    width: u16,
) -> Line<'static> {
    let bullet = match state {
        CallState::Running => Style::new().fg(Color::DarkGray),
        CallState::Done => Style::new().fg(Color::Green),
        CallState::Failed => Style::new().fg(Color::Red),
    };
    let display = display_name(name);
    let argument = argument_summary(name, input, cwd);
    let room = usize::from(width)
        .saturating_sub(display.width() + 4)
        .max(8);
    let mut spans = vec![
        Span::styled("⏺ ", bullet),
        Span::styled(display, super::bold()),
    ];
    if !argument.is_empty() {
        spans.push(Span::raw(format!("({})", truncate(&argument, room))));
    }
    Line::from(spans)
}

/// The lines under a finished call's headline. `result` is the text of the
/// tool result; `file` the edited file's text after the call, when known
/// (for line numbers).
pub(crate) fn result_lines(
    name: &str,
    input: &Value,
    result: &str,
    is_error: bool,
    cwd: &str,
    file: Option<&str>,
) -> Vec<Line<'static>> {
    if is_error {
        let lines = text_lines(result, Style::new().fg(Color::Red));
        return gutter(fold(lines, OUTPUT_LINES, ""));
    }
    let count = result
        .lines()
        .filter(|line| !line.trim().is_empty())
        .count();
    let summary = |text: String| gutter(vec![Line::from(text)]);
    match name {
        "Read" => summary(format!("Read {} lines", result.lines().count())),
        "Edit" | "MultiEdit" => match edit_diff(name, input, file, true) {
            Some((diff, stat)) => {
                let path = input
                    .get("file_path")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let mut lines = vec![Line::from(format!(
                    "Updated {} {}",
                    relative(path, cwd),
                    stat.summary()
                ))];
                lines.extend(fold(diff, DIFF_LINES, ""));
                gutter(lines)
            }
            None => summary(first_line(result)),
        },
        "Write" => {
            let content = input
                .get("content")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let path = input
                .get("file_path")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let mut lines = vec![Line::from(format!(
                "Wrote {} lines to {}",
                content.lines().count(),
                relative(path, cwd)
            ))];
            lines.extend(fold(text_lines(content, dim()), OUTPUT_LINES * 2, ""));
            gutter(lines)
        }
        "Glob" => summary(format!("Found {count} files")),
        "Grep" => summary(format!("Found {count} lines")),
        "LS" => summary(format!("Listed {count} paths")),
        "TodoWrite" => gutter(todo_lines(&parse_todos(input))),
        _ => {
            if result.trim().is_empty() {
                summary("(No content)".to_owned())
            } else {
                gutter(fold(
                    text_lines(result.trim_end(), Style::new()),
                    OUTPUT_LINES,
                    "",
                ))
            }
        }
    }
}

/// The diff an Edit, MultiEdit or Write call makes. `file` is the file's
/// text (before the call when `after` is false, after it when true), used
/// for line numbers and, for Write, as the old text. `None` for other tools
/// or malformed input.
pub(crate) fn edit_diff(
    name: &str,
    input: &Value,
    file: Option<&str>,
    after: bool,
) -> Option<(Vec<Line<'static>>, DiffStat)> {
    let pair = |edit: &Value| -> Option<(String, String)> {
        Some((
            edit.get("old_string")?.as_str()?.to_owned(),
            edit.get("new_string")?.as_str()?.to_owned(),
        ))
    };
    let edits: Vec<(String, String)> = match name {
        "Edit" => vec![pair(input)?],
        "MultiEdit" => input
            .get("edits")?
            .as_array()?
            .iter()
            .filter_map(pair)
            .collect(),
        "Write" => {
            let content = input.get("content")?.as_str()?.to_owned();
            let old = if after {
                String::new()
            } else {
                file.unwrap_or_default().to_owned()
            };
            return Some(render_diff(
                &old,
                &content,
                if after { None } else { Some(1) },
            ));
        }
        _ => return None,
    };
    let mut lines = Vec::new();
    let mut stat = DiffStat::default();
    for (index, (old, new)) in edits.iter().enumerate() {
        if index > 0 {
            lines.push(Line::from(Span::styled("⋯", dim())));
        }
        let anchor = if after { new } else { old };
        let first_line = file.and_then(|text| line_of(text, anchor));
        let (diff, part) = render_diff(old, new, first_line);
        lines.extend(diff);
        stat.added += part.added;
        stat.removed += part.removed;
    }
    Some((lines, stat))
}

/// 1-based line where `needle` first occurs in `text`.
fn line_of(text: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    let at = text.find(needle)?;
    Some(text[..at].matches('\n').count() + 1)
}

/// Hangs lines under the `⎿` gutter.
fn gutter(lines: Vec<Line<'static>>) -> Vec<Line<'static>> {
    prefix_lines(
        lines,
        Span::styled(RESULT_GUTTER, dim()),
        Span::raw(RESULT_INDENT),
    )
}

/// Longest output line shown (columns); minified JSON and the like are cut
/// rather than wrapped over hundreds of rows.
const MAX_LINE_COLUMNS: usize = 400;

fn text_lines(text: &str, style: Style) -> Vec<Line<'static>> {
    sanitize(text)
        .lines()
        .map(|line| Line::from(Span::styled(truncate(line, MAX_LINE_COLUMNS), style)))
        .collect()
}

fn first_line(text: &str) -> String {
    sanitize(text.lines().next().unwrap_or_default())
}

/// `path` relative to `cwd` when it lies inside it.
pub(crate) fn relative(path: &str, cwd: &str) -> String {
    let cwd = cwd.trim_end_matches('/');
    match path
        .strip_prefix(cwd)
        .and_then(|rest| rest.strip_prefix('/'))
    {
        Some(rest) if !cwd.is_empty() && !rest.is_empty() => rest.to_owned(),
        _ => path.to_owned(),
    }
}

/// Cuts text to `max` columns, ending with `…` when cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.width() <= max {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let width = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if used + width + 1 > max {
            break;
        }
        out.push(ch);
        used += width;
    }
    out.push('…');
    out
}

fn compact_json(input: &Value) -> String {
    match input {
        Value::Object(map) if map.is_empty() => String::new(),
        Value::Object(map) => map
            .iter()
            .map(|(key, value)| match value {
                Value::String(text) => format!("{key}: {text:?}"),
                other => format!("{key}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn headlines_follow_claude_code_names() {
        let line = headline(
            "Read",
            &json!({"file_path": "/p/src/calc.py"}),
            "/p",
            CallState::Done,
            80,
        );
        assert_eq!(line.to_string(), "⏺ Read(src/calc.py)");
        let line = headline(
            "mcp__github__get_issue",
            &json!({"n": 1}),
            "/p",
            CallState::Running,
            80,
        );
        assert_eq!(line.to_string(), "⏺ github - get_issue (MCP)(n: 1)");
        let line = headline(
            "Bash",
            &json!({"command": "a\nb"}),
            "/p",
            CallState::Done,
            80,
        );
        assert_eq!(line.to_string(), "⏺ Bash(a …)");
    }

    #[test]
    fn long_arguments_are_truncated() {
        let line = headline(
            "Bash",
            &json!({"command": "x".repeat(100)}),
            "",
            CallState::Done,
            30,
        );
        assert!(line.to_string().ends_with("…)"), "{line}");
        assert!(line.width() <= 30);
    }

    #[test]
    fn very_long_output_lines_are_cut() {
        let lines = result_lines("Bash", &json!({}), &"x".repeat(10_000), false, "", None);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].width() < MAX_LINE_COLUMNS + 10);
    }

    #[test]
    fn read_result_counts_lines() {
        let lines = result_lines("Read", &json!({}), "a\nb\nc", false, "", None);
        assert_eq!(lines[0].to_string(), "  ⎿  Read 3 lines");
    }
}

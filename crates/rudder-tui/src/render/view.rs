//! The live viewport under the scrollback: what is in flight (streaming
//! text, running tools, spinner), queued prompts, the todo list, the prompt
//! box, the approval prompt, the MCP server dialog or a picker, completion,
//! and the status line.
//!
//! Owns: turning [`App`] state into a [`View`] of pre-wrapped lines whose
//! size depends only on the viewport, never on the transcript's length
//! (USER-PAINS.md §1.3), and drawing it into a buffer. Must never: change
//! the app or touch the terminal.

use std::time::Instant;

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget};
use rudder_protocol::permission::ApprovalRequest;

use super::tool::{CallState, argument_summary, display_name, headline, truncate};
use super::wrap::wrap_lines;
use super::{bold, dim, sanitize};
use crate::app::{App, ApprovalChoice, MCP_CHOICES, PendingApproval, Picker, suggestion_label};
use crate::options::McpServerQuestion;
use crate::statusline::{builtin_status, mode_line, parse_ansi};
use crate::todo::{TodoStatus, todo_lines};

/// Spinner frames, one per 120 ms.
const SPINNER: [&str; 6] = ["·", "✢", "✳", "✶", "✻", "✽"];
/// Most prompt rows shown at once (the box scrolls to the cursor).
const MAX_PROMPT_ROWS: usize = 10;

/// The bordered box in the middle: the prompt or an approval.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PromptBox {
    border: Style,
    lines: Vec<Line<'static>>,
    /// Cursor (row, column) inside the box's content.
    cursor: Option<(u16, u16)>,
}

/// A frame's content, top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct View {
    above: Vec<Line<'static>>,
    prompt: PromptBox,
    below: Vec<Line<'static>>,
}

impl View {
    /// Rows the view needs.
    pub(crate) fn height(&self) -> u16 {
        let rows = self.above.len() + self.prompt.lines.len() + 2 + self.below.len();
        u16::try_from(rows).unwrap_or(u16::MAX)
    }

    /// Draws into `area` (the top rows of `above` are dropped when it does
    /// not fit) and returns where the terminal cursor belongs.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        let box_height = u16::try_from(self.prompt.lines.len() + 2).unwrap_or(u16::MAX);
        let below = u16::try_from(self.below.len()).unwrap_or(u16::MAX);
        let above_room = area.height.saturating_sub(box_height + below);
        let above_rows = usize::from(above_room).min(self.above.len());
        let above = &self.above[self.above.len() - above_rows..];
        let mut y = area.y;
        let above_height = u16::try_from(above_rows).unwrap_or(0);
        Paragraph::new(above.to_vec()).render(Rect::new(area.x, y, area.width, above_height), buf);
        y += above_height;
        let box_area = Rect::new(
            area.x,
            y,
            area.width,
            box_height.min(area.bottom().saturating_sub(y)),
        );
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(self.prompt.border);
        let inner = block.inner(box_area);
        block.render(box_area, buf);
        Paragraph::new(self.prompt.lines.clone()).render(
            Rect::new(
                inner.x + 1,
                inner.y,
                inner.width.saturating_sub(2),
                inner.height,
            ),
            buf,
        );
        y += box_area.height;
        let below_area = Rect::new(area.x, y, area.width, area.bottom().saturating_sub(y));
        Paragraph::new(self.below.clone()).render(below_area, buf);
        self.prompt.cursor.map(|(row, column)| Position {
            x: (inner.x + 1 + column).min(inner.right().saturating_sub(1)),
            y: (inner.y + row).min(inner.bottom().saturating_sub(1)),
        })
    }
}

/// Builds the view for a terminal `width` columns wide and at most
/// `max_height` rows tall, at time `now` (spinner frame, elapsed time).
pub(crate) fn build(app: &App, now: Instant, max_height: u16) -> View {
    let width = usize::from(app.width.max(20));
    let inner_width = width.saturating_sub(4);
    let below = below_lines(app, width);
    let prompt = match (app.approvals.front(), &app.picker) {
        (Some(pending), _) => approval_box(
            app,
            pending,
            inner_width,
            usize::from(max_height).saturating_sub(below.len() + 3),
        ),
        (None, _) if let Some(question) = app.mcp_question() => mcp_box(app, question, inner_width),
        (None, Some(picker)) => picker_box(
            picker,
            inner_width,
            usize::from(max_height).saturating_sub(below.len() + 3),
        ),
        (None, None) => input_box(app, inner_width),
    };
    // One blank row keeps the prompt off the last transcript line.
    let mut above = vec![Line::default()];
    above.extend(live_lines(app, now));
    above.extend(queue_lines(app, width));
    if app
        .todos
        .iter()
        .any(|todo| todo.status == TodoStatus::InProgress)
    {
        above.extend(todo_lines(&app.todos));
    }
    View {
        above: wrap_lines(&above, width),
        prompt,
        below,
    }
}

/// Streaming text, running tools and the spinner.
fn live_lines(app: &App, now: Instant) -> Vec<Line<'static>> {
    let mut lines = app.streaming_lines();
    for tool in &app.tools {
        lines.push(headline(
            &tool.name,
            &tool.input,
            app.cwd(),
            CallState::Running,
            app.width,
        ));
    }
    let spinner = |started: Instant| {
        let elapsed = now.saturating_duration_since(started);
        let frame = (elapsed.as_millis() / 120) as usize % SPINNER.len();
        (SPINNER[frame], elapsed.as_secs())
    };
    if let Some(turn) = &app.turn {
        let (frame, seconds) = spinner(turn.started);
        let label = if turn.thinking {
            "Thinking…"
        } else {
            "Working…"
        };
        let mut spans = vec![
            Span::styled(format!("{frame} "), Style::new().fg(Color::LightRed)),
            Span::styled(label, Style::new().fg(Color::LightRed)),
            Span::styled(format!(" ({seconds}s · esc to interrupt)"), dim()),
        ];
        if let Some(retry) = &turn.retry {
            spans.push(Span::styled(
                format!(" · {retry}"),
                Style::new().fg(Color::Yellow),
            ));
        }
        if !app.approvals.is_empty() {
            spans = vec![Span::styled("… waiting for your approval", dim())];
        }
        lines.push(Line::default());
        lines.push(Line::from(spans));
    } else if let Some(label) = &app.command_running {
        lines.push(Line::from(vec![
            Span::styled("✻ ", Style::new().fg(Color::LightRed)),
            Span::styled(format!("Running {}…", sanitize(label)), dim()),
        ]));
    }
    lines
}

fn queue_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    app.queue
        .iter()
        .map(|text| {
            let first = sanitize(text.text.lines().next().unwrap_or_default());
            Line::from(vec![
                Span::styled("↳ queued: ", dim()),
                Span::raw(truncate(&first, width.saturating_sub(12))),
            ])
        })
        .collect()
}

fn input_box(app: &App, width: usize) -> PromptBox {
    let content_width = u16::try_from(width.saturating_sub(2)).unwrap_or(u16::MAX);
    let (rows, (row, column)) = app.editor.layout(content_width);
    let first = usize::from(row).saturating_sub(MAX_PROMPT_ROWS - 1);
    let lines = rows
        .into_iter()
        .enumerate()
        .skip(first)
        .take(MAX_PROMPT_ROWS)
        .map(|(index, text)| {
            let marker = if index == 0 { "> " } else { "  " };
            Line::from(vec![
                Span::styled(marker, dim()),
                Span::raw(sanitize(&text)),
            ])
        })
        .collect();
    PromptBox {
        border: dim(),
        lines,
        cursor: Some((row - u16::try_from(first).unwrap_or(0), column + 2)),
    }
}

fn approval_box(app: &App, pending: &PendingApproval, width: usize, max_rows: usize) -> PromptBox {
    let request = &pending.request;
    let mut lines = vec![Line::from(Span::styled(
        approval_title(request),
        bold().fg(Color::Yellow),
    ))];
    lines.push(headline(
        &request.tool_name,
        &request.input,
        app.cwd(),
        CallState::Running,
        app.width.saturating_sub(4),
    ));
    if request.tool_name == "Bash"
        && let Some(command) = request
            .input
            .get("command")
            .and_then(|value| value.as_str())
    {
        for line in sanitize(command).lines().skip(1).take(5) {
            lines.push(Line::from(format!("  {line}")));
        }
    }
    if !request.reason.is_empty() {
        lines.push(Line::from(Span::styled(sanitize(&request.reason), dim())));
    }
    let mut tail = vec![Line::default(), Line::from(question(request, app.cwd()))];
    let choices = app.approval_choices();
    for (index, choice) in choices.iter().enumerate() {
        let selected = index == app.approval_ui.selected && app.approval_ui.feedback.is_none();
        let label = match choice {
            ApprovalChoice::Once => "Yes".to_owned(),
            ApprovalChoice::Always => format!(
                "Yes, and don't ask again for {}",
                suggestion_label(&request.suggestions)
            ),
            ApprovalChoice::Deny => "No, and tell rudder what to do differently (esc)".to_owned(),
        };
        let style = if selected {
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        let pointer = if selected { "❯ " } else { "  " };
        tail.push(Line::from(Span::styled(
            format!("{pointer}{}. {label}", index + 1),
            style,
        )));
    }
    let mut cursor = None;
    if let Some(feedback) = &app.approval_ui.feedback {
        tail.push(Line::from(Span::styled(
            "What should rudder do instead? (Enter to send, Esc to go back)",
            dim(),
        )));
        let text = truncate(&sanitize(feedback), width.saturating_sub(3));
        let column =
            u16::try_from(unicode_width::UnicodeWidthStr::width(text.as_str()) + 2).unwrap_or(0);
        tail.push(Line::from(vec![Span::styled("> ", dim()), Span::raw(text)]));
        cursor = Some(column);
    }
    let head = wrap_lines(&lines, width);
    let tail = wrap_lines(&tail, width);
    let room = max_rows.saturating_sub(head.len() + tail.len()).max(3);
    let mut all = head;
    if !pending.preview.is_empty() {
        let preview = wrap_lines(&pending.preview, width);
        let shown = preview.len().min(room);
        all.extend(preview.iter().take(shown).cloned());
        if shown < preview.len() {
            all.push(Line::from(Span::styled(
                format!("… +{} lines", preview.len() - shown),
                dim(),
            )));
        }
    }
    all.extend(tail);
    let cursor = cursor.map(|column| (u16::try_from(all.len() - 1).unwrap_or(0), column));
    PromptBox {
        border: Style::new().fg(Color::Yellow),
        lines: all,
        cursor,
    }
}

/// A picker: title, subtitle, the rows around the highlighted one (as
/// many as `max_rows` allows), and the keys.
fn picker_box(picker: &Picker, width: usize, max_rows: usize) -> PromptBox {
    let mut lines = vec![Line::from(Span::styled(
        sanitize(&picker.title),
        bold().fg(Color::Cyan),
    ))];
    if !picker.subtitle.is_empty() {
        lines.push(Line::from(Span::styled(
            truncate(&sanitize(&picker.subtitle), width),
            dim(),
        )));
    }
    lines.push(Line::default());
    let room = max_rows.saturating_sub(lines.len() + 2).max(3);
    let first = picker
        .selected
        .saturating_sub(room - 1)
        .min(picker.items.len().saturating_sub(room));
    for (index, item) in picker.items.iter().enumerate().skip(first).take(room) {
        let selected = index == picker.selected;
        let pointer = if selected { "❯ " } else { "  " };
        let style = match (selected, item.enabled) {
            (true, _) => Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            (false, true) => Style::new(),
            (false, false) => dim(),
        };
        let number = if index < 9 {
            format!("{}. ", index + 1)
        } else {
            "   ".to_owned()
        };
        let label = format!("{pointer}{number}{}", sanitize(&item.label));
        let label = truncate(&label, width.saturating_sub(8).max(10) * 3 / 5);
        let used = unicode_width::UnicodeWidthStr::width(label.as_str());
        let mut spans = vec![Span::styled(label, style)];
        if !item.detail.is_empty() {
            let detail = format!("  · {}", sanitize(&item.detail));
            spans.push(Span::styled(
                truncate(&detail, width.saturating_sub(used)),
                dim(),
            ));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "↑/↓ to select · Enter to choose · Esc to go back",
        dim(),
    )));
    PromptBox {
        border: Style::new().fg(Color::Cyan),
        lines,
        cursor: None,
    }
}

/// The project MCP server dialog, worded as Claude Code's.
fn mcp_box(app: &App, question: &McpServerQuestion, width: usize) -> PromptBox {
    let mut lines = vec![
        Line::from(Span::styled(
            format!(
                "New MCP server found in .mcp.json: {}",
                sanitize(&question.name)
            ),
            bold().fg(Color::Yellow),
        )),
        Line::from(Span::styled(sanitize(&question.target), dim())),
        Line::default(),
        Line::from(
            "MCP servers may run code or reach system resources. Their tool calls go through your permission rules.",
        ),
        Line::default(),
    ];
    for (index, (_, label)) in MCP_CHOICES.iter().enumerate() {
        let selected = index == app.mcp_selected;
        let style = if selected {
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        let pointer = if selected { "❯ " } else { "  " };
        lines.push(Line::from(Span::styled(
            format!("{pointer}{}. {label}", index + 1),
            style,
        )));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "Enter to confirm · Esc to continue without it",
        dim(),
    )));
    PromptBox {
        border: Style::new().fg(Color::Yellow),
        lines: wrap_lines(&lines, width),
        cursor: None,
    }
}

fn approval_title(request: &ApprovalRequest) -> String {
    match request.tool_name.as_str() {
        "Bash" => "Bash command".to_owned(),
        "Edit" | "MultiEdit" => "Edit file".to_owned(),
        "Write" => "Create file".to_owned(),
        other => format!("{} tool", display_name(other)),
    }
}

fn question(request: &ApprovalRequest, cwd: &str) -> String {
    let target = argument_summary(&request.tool_name, &request.input, cwd);
    match request.tool_name.as_str() {
        "Edit" | "MultiEdit" => format!("Do you want to make this edit to {target}?"),
        "Write" => format!("Do you want to create {target}?"),
        "Bash" => "Do you want to proceed?".to_owned(),
        _ => format!("Do you want to allow {}?", display_name(&request.tool_name)),
    }
}

fn below_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(completion) = &app.completion
        && app.approvals.is_empty()
    {
        for (index, item) in completion.items.iter().enumerate() {
            let selected = index == completion.selected;
            let style = if selected {
                Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
            } else {
                Style::new()
            };
            let label = truncate(&item.label, width.saturating_sub(4).min(40));
            let mut spans = vec![Span::styled(format!("  {label:<22}"), style)];
            if !item.detail.is_empty() {
                let room = width.saturating_sub(28);
                spans.push(Span::styled(
                    format!("  {}", truncate(&item.detail, room)),
                    dim(),
                ));
            }
            lines.push(Line::from(spans));
        }
    }
    if let Some(line) = mode_line(app.status.permission_mode) {
        lines.push(line);
    }
    let status = match (&app.custom_status, app.status_line_command()) {
        (Some(text), Some(_)) => parse_ansi(text),
        _ => builtin_status(&app.status),
    };
    lines.push(status);
    wrap_lines(&lines, width).into_iter().take(12).collect()
}

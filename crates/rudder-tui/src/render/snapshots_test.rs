//! Render snapshots (insta over ratatui's `TestBackend`): each markdown
//! construct, a highlighted code block, a diff, folded output, an approval
//! prompt, the status line, and the prompt box with a multi-line entry and
//! a paste placeholder. Styles are part of the snapshot where they carry
//! meaning (colours of code and diffs).

use std::time::Instant;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};
use rudder_protocol::permission::{
    ApprovalRequest, PermissionMode, PermissionUpdate, RuleBehavior, RuleValue, UpdateDestination,
};
use rudder_protocol::usage::Usage;
use serde_json::json;
use tokio::sync::oneshot;

use super::diff::render_diff;
use super::highlight::highlight;
use super::markdown::render_markdown;
use super::tool::result_lines;
use super::view;
use super::wrap::wrap_lines;
use crate::driver::StatusSnapshot;
use crate::options::TuiOptions;
use crate::testing::{app_with, type_text};

/// Lines drawn into a buffer exactly as tall as they are.
fn buffer(lines: &[Line<'static>], width: u16) -> Buffer {
    let height = u16::try_from(lines.len().max(1)).unwrap_or(u16::MAX);
    let mut buffer = Buffer::empty(ratatui::layout::Rect::new(0, 0, width, height));
    Paragraph::new(lines.to_vec()).render(buffer.area, &mut buffer);
    buffer
}

/// Only the text of the lines, one per row.
pub(super) fn text(lines: &[Line<'static>]) -> String {
    lines.iter().map(|line| format!("{line}\n")).collect()
}

#[test]
fn markdown_headings_and_emphasis() {
    let lines = render_markdown(
        "# Title\n\n## Section\n\n### Sub\n\nSome *italic*, **bold**, ~~gone~~ and `code` text.",
        60,
    );
    insta::assert_debug_snapshot!(buffer(&lines, 60));
}

#[test]
fn markdown_lists() {
    let lines = render_markdown(
        "- one\n- two\n  - nested a\n  - nested b\n- three\n\n1. first\n2. second\n\n- [x] done\n- [ ] todo\n",
        40,
    );
    insta::assert_snapshot!(text(&lines));
}

#[test]
fn markdown_block_quote_rule_and_link() {
    let lines = render_markdown(
        "> quoted words that go on long enough to wrap around the edge\n> second\n\n---\n\nSee [the docs](https://example.com/docs) or <https://x.y>.",
        40,
    );
    insta::assert_snapshot!(text(&lines));
}

#[test]
fn markdown_table() {
    let lines = render_markdown(
        "| Name | Count | Note |\n|:-----|------:|:----:|\n| alpha | 1 | short |\n| beta | 22 | a much longer note that will not fit |\n",
        40,
    );
    insta::assert_snapshot!(text(&lines));
}

#[test]
fn markdown_wraps_paragraphs_at_the_width() {
    let lines = render_markdown(
        "A paragraph with enough words in it to wrap over several rows of a narrow terminal.",
        24,
    );
    insta::assert_snapshot!(text(&lines));
}

#[test]
fn highlighted_code_block() {
    let lines = render_markdown(
        "```rust\nfn main() {\n    let x = 42; // answer\n}\n```",
        40,
    );
    insta::assert_debug_snapshot!(buffer(&lines, 40));
    assert_eq!(highlight("x = 1\n", "python").len(), 1);
}

#[test]
fn coloured_diff() {
    let (lines, _) = render_diff(
        "def add(a, b):\n    return a - b\n\nprint(add(1, 2))\n",
        "def add(a, b):\n    return a + b\n\nprint(add(1, 2))\nprint(add(2, 3))\n",
        Some(1),
    );
    insta::assert_debug_snapshot!(buffer(&lines, 40));
}

#[test]
fn folded_long_output() {
    let output: String = (1..=40).map(|n| format!("line {n}\n")).collect();
    let lines = result_lines(
        "Bash",
        &json!({"command": "seq 40"}),
        &output,
        false,
        "",
        None,
    );
    insta::assert_snapshot!(text(&lines));
}

#[test]
fn edit_result_with_diff() {
    let input = json!({"file_path": "/p/calc.py", "old_string": "return a - b", "new_string": "return a + b"});
    let lines = result_lines("Edit", &input, "ok", false, "/p", None);
    insta::assert_snapshot!(text(&lines));
}

/// The viewport of `app` drawn at `width` × at most `height`, with the
/// cursor position.
pub(super) fn draw_view(app: &crate::app::App, width: u16, height: u16) -> String {
    let view = view::build(app, Instant::now(), height);
    let rows = view.height().min(height);
    let mut terminal = Terminal::new(TestBackend::new(width, rows)).unwrap();
    let mut cursor = None;
    terminal
        .draw(|frame| {
            let area = frame.area();
            cursor = view.render(area, frame.buffer_mut());
        })
        .unwrap();
    let mut text = terminal.backend().to_string();
    if let Some(position) = cursor {
        text.push_str(&format!("\ncursor: {}, {}", position.x, position.y));
    }
    text
}

#[test]
fn approval_prompt_for_an_edit_shows_the_diff() {
    let (mut app, _driver) = app_with(TuiOptions::default());
    app.status.cwd = "/p".into();
    let (reply, _receiver) = oneshot::channel();
    let request = ApprovalRequest {
        tool_use_id: "t1".into(),
        tool_name: "Edit".into(),
        input: json!({"file_path": "/p/calc.py", "old_string": "    return a - b\n", "new_string": "    return a + b\n"}),
        reason: "Edits need approval in default mode".into(),
        suggestions: vec![PermissionUpdate::AddRules {
            rules: vec![RuleValue {
                tool_name: "Edit".into(),
                rule_content: Some("/p/**".into()),
            }],
            behavior: RuleBehavior::Allow,
            destination: UpdateDestination::Session,
        }],
        blocked_path: None,
    };
    let file = "def add(a, b):\n    return a - b\n".to_owned();
    app.on_approval(request, reply, Some(file));
    insta::assert_snapshot!(draw_view(&app, 70, 24));
}

#[test]
fn status_line_and_mode() {
    let (mut app, _driver) = app_with(TuiOptions::default());
    app.status = StatusSnapshot {
        model: "claude-sonnet-4-5".into(),
        context_window: 200_000,
        total_cost_usd: 1.234,
        permission_mode: PermissionMode::AcceptEdits,
        last_usage: Some(Usage {
            input_tokens: 500,
            cache_read_input_tokens: 45_000,
            output_tokens: 1_000,
            ..Usage::default()
        }),
        ..StatusSnapshot::default()
    };
    insta::assert_snapshot!(draw_view(&app, 70, 24));
}

#[test]
fn input_box_with_multi_line_entry_and_paste_placeholder() {
    let (mut app, _driver) = app_with(TuiOptions::default());
    type_text(&mut app, "Please review this:");
    app.on_key(
        crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Enter,
            crossterm::event::KeyModifiers::SHIFT,
        ),
        Instant::now(),
    );
    let pasted: String = (1..=120).map(|n| format!("log line {n}\n")).collect();
    app.on_paste(&pasted);
    type_text(&mut app, " and fix it");
    insta::assert_snapshot!(draw_view(&app, 50, 24));
}

#[test]
fn running_turn_shows_streaming_tail_tools_queue_and_todos() {
    use rudder_protocol::event::AgentEvent;
    use rudder_protocol::stream::{Delta, StreamEvent};
    let (mut app, _driver) = app_with(TuiOptions::default());
    type_text(&mut app, "go");
    app.on_key(
        crate::testing::key(crossterm::event::KeyCode::Enter),
        Instant::now(),
    );
    app.on_agent_event(AgentEvent::TodosUpdated {
        todos: json!([
            {"content": "Read the code", "status": "completed", "activeForm": "Reading"},
            {"content": "Fix the bug", "status": "in_progress", "activeForm": "Fixing"},
            {"content": "Run tests", "status": "pending", "activeForm": "Testing"}
        ]),
    });
    app.on_agent_event(AgentEvent::ToolStarted {
        tool_use_id: "t1".into(),
        name: "Bash".into(),
        input: json!({"command": "pytest -q"}),
    });
    app.on_agent_event(AgentEvent::Stream {
        event: StreamEvent::ContentBlockDelta {
            index: 0,
            delta: Delta::TextDelta {
                text: "Done with part one.\n\nNow **streaming** the".into(),
            },
        },
        parent_tool_use_id: None,
    });
    type_text(&mut app, "and then add docs");
    app.on_key(
        crate::testing::key(crossterm::event::KeyCode::Enter),
        Instant::now(),
    );
    let committed = text(&app.take_output());
    let frame = regex_free_seconds(&draw_view(&app, 60, 24));
    let frame = frame.replace(|c: char| "✢✳✶✻✽".contains(c), "·");
    insta::assert_snapshot!(format!(
        "--- scrollback ---\n{committed}--- viewport ---\n{frame}"
    ));
}

/// Replaces the elapsed seconds in the spinner line, which depend on time.
fn regex_free_seconds(frame: &str) -> String {
    frame
        .lines()
        .map(|line| match line.find("s · esc") {
            Some(end) => {
                let start = line[..end].rfind('(').map_or(end, |at| at + 1);
                format!("{}N{}", &line[..start], &line[end..])
            }
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn command_palette() {
    let (mut app, _driver) = app_with(TuiOptions {
        custom_commands: vec![crate::options::CustomCommand {
            name: "review-pr".into(),
            description: "Review a pull request (project)".into(),
        }],
        ..TuiOptions::default()
    });
    type_text(&mut app, "/re");
    insta::assert_snapshot!(draw_view(&app, 70, 24));
}

#[test]
fn api_error_at_turn_end() {
    use rudder_protocol::event::{AgentEvent, TurnStop};
    let (mut app, _driver) = app_with(TuiOptions::default());
    type_text(&mut app, "go");
    app.on_key(
        crate::testing::key(crossterm::event::KeyCode::Enter),
        Instant::now(),
    );
    let AgentEvent::TurnEnded(mut outcome) = crate::app::tests::turn_ended() else {
        unreachable!("turn_ended builds a TurnEnded");
    };
    outcome.stop = TurnStop::ApiError {
        message: "overloaded_error: Overloaded".into(),
        status: Some(529),
    };
    app.on_agent_event(AgentEvent::TurnEnded(outcome));
    insta::assert_debug_snapshot!(buffer(&app.take_output(), 60));
}

#[test]
fn narrow_terminal_of_40_columns() {
    use rudder_protocol::event::AgentEvent;
    use rudder_protocol::stream::{Delta, StreamEvent};
    let (mut app, _driver) = app_with(TuiOptions::default());
    app.on_resize(40, 24);
    type_text(&mut app, "explain");
    app.on_key(
        crate::testing::key(crossterm::event::KeyCode::Enter),
        Instant::now(),
    );
    for text in [
        "## Plan\n\nWe read `src/calc.py`, then fix the ",
        "sign error in **add** and run the tests.\n\n| step | tool |\n|---|---|\n| read | Read |\n| fix | Edit |\n\nDone",
    ] {
        app.on_agent_event(AgentEvent::Stream {
            event: StreamEvent::ContentBlockDelta {
                index: 0,
                delta: Delta::TextDelta { text: text.into() },
            },
            parent_tool_use_id: None,
        });
    }
    app.on_agent_event(AgentEvent::ToolStarted {
        tool_use_id: "t1".into(),
        name: "Bash".into(),
        input: json!({"command": "python -m pytest tests/test_calc.py -q --maxfail=1"}),
    });
    type_text(
        &mut app,
        "a prompt long enough to wrap inside the narrow box",
    );
    let committed = text(&wrap_lines(&app.take_output(), 40));
    let frame = regex_free_seconds(&draw_view(&app, 40, 24));
    let frame = frame.replace(|c: char| "✢✳✶✻✽".contains(c), "·");
    insta::assert_snapshot!(format!(
        "--- scrollback ---\n{committed}--- viewport ---\n{frame}"
    ));
}

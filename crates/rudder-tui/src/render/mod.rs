//! Turning transcript content into ratatui [`Line`]s: markdown, code
//! highlighting, diffs, tool calls, and the live viewport.
//!
//! Owns: pure functions from data to lines and widgets. Must never: touch
//! the terminal, the driver, or app state beyond reading it.

#[cfg(test)]
mod bench_test;
pub(crate) mod diff;
pub(crate) mod highlight;
pub(crate) mod markdown;
#[cfg(test)]
mod snapshots_pickers_test;
#[cfg(test)]
mod snapshots_test;
pub(crate) mod tool;
pub(crate) mod view;
pub(crate) mod wrap;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

/// Dim grey, for secondary information.
pub(crate) fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

/// The "⎿" gutter that hangs results under a tool call.
pub(crate) const RESULT_GUTTER: &str = "  ⎿  ";

/// Indent of lines that continue a result under [`RESULT_GUTTER`].
pub(crate) const RESULT_INDENT: &str = "     ";

/// Keeps the first `max` lines and replaces the rest with a dim
/// "… +K lines" marker. Returns the lines unchanged when they fit.
pub(crate) fn fold(mut lines: Vec<Line<'static>>, max: usize, indent: &str) -> Vec<Line<'static>> {
    if lines.len() <= max.saturating_add(1) {
        return lines;
    }
    let hidden = lines.len() - max;
    lines.truncate(max);
    lines.push(Line::from(vec![
        Span::raw(indent.to_owned()),
        Span::styled(format!("… +{hidden} lines"), dim()),
    ]));
    lines
}

/// Prefixes every line: `first` on the first, `rest` on the others.
pub(crate) fn prefix_lines(
    lines: Vec<Line<'static>>,
    first: Span<'static>,
    rest: Span<'static>,
) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .enumerate()
        .map(|(index, line)| {
            let mut spans = vec![if index == 0 {
                first.clone()
            } else {
                rest.clone()
            }];
            spans.extend(line.spans);
            Line::from(spans).style(line.style)
        })
        .collect()
}

/// Makes text safe to print: tabs become spaces, other control characters
/// (escape sequences from tool output included) are dropped.
pub(crate) fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\t' => out.push_str("    "),
            '\n' => out.push('\n'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Bold text, for headings and titles.
pub(crate) fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

/// Token counts as Claude Code prints them: `950`, `12.3k`, `1.2M`.
pub(crate) fn tokens(count: u64) -> String {
    match count {
        0..1_000 => count.to_string(),
        1_000..1_000_000 => format!("{:.1}k", count as f64 / 1_000.0),
        _ => format!("{:.1}M", count as f64 / 1_000_000.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_keeps_short_output_and_marks_long_output() {
        let lines: Vec<Line<'static>> = (0..3).map(|n| Line::from(n.to_string())).collect();
        assert_eq!(fold(lines.clone(), 3, "").len(), 3);
        let long: Vec<Line<'static>> = (0..10).map(|n| Line::from(n.to_string())).collect();
        let folded = fold(long, 4, "");
        assert_eq!(folded.len(), 5);
        assert_eq!(folded[4].to_string(), "… +6 lines");
    }

    #[test]
    fn sanitize_drops_escapes_and_expands_tabs() {
        assert_eq!(sanitize("a\tb\x1b[31mc\r\n"), "a    b[31mc\n");
    }
}

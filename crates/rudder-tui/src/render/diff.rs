//! Coloured unified diffs of proposed and applied edits (similar).
//!
//! Owns: turning an old and a new text into numbered `-`/`+` lines with the
//! changed words emphasised, and counting additions and removals. Must
//! never: read files; callers pass the texts and the line the snippet
//! starts at.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use similar::{ChangeTag, TextDiff};

use super::{dim, sanitize};

/// Lines added and removed by a diff.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct DiffStat {
    /// `+` lines.
    pub(crate) added: usize,
    /// `-` lines.
    pub(crate) removed: usize,
}

impl DiffStat {
    /// Claude Code's summary: "with 2 additions and 1 removal".
    pub(crate) fn summary(self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        match (self.added, self.removed) {
            (0, 0) => "with no changes".to_owned(),
            (added, 0) => format!("with {}", plural(added, "addition")),
            (0, removed) => format!("with {}", plural(removed, "removal")),
            (added, removed) => format!(
                "with {} and {}",
                plural(added, "addition"),
                plural(removed, "removal")
            ),
        }
    }
}

/// Diffs `old` against `new` with three lines of context. `first_line` is
/// the 1-based file line where both snippets start (1 for whole files);
/// `None` when unknown, which leaves the line numbers out. Hunks are
/// separated by a dim `⋯` row.
pub(crate) fn render_diff(
    old: &str,
    new: &str,
    first_line: Option<usize>,
) -> (Vec<Line<'static>>, DiffStat) {
    let old = sanitize(old);
    let new = sanitize(new);
    let diff = TextDiff::from_lines(&old, &new);
    let mut stat = DiffStat::default();
    let groups = diff.grouped_ops(3);
    let last_line = first_line.unwrap_or(0) + old.lines().count().max(new.lines().count());
    let gutter = if first_line.is_some() {
        last_line.to_string().len()
    } else {
        0
    };
    let mut lines = Vec::new();
    for (index, group) in groups.iter().enumerate() {
        if index > 0 {
            lines.push(Line::from(Span::styled("⋯", dim())));
        }
        for op in group {
            for change in diff.iter_inline_changes(op) {
                let (sign, colour, number) = match change.tag() {
                    ChangeTag::Delete => {
                        stat.removed += 1;
                        ("-", Some(Color::Red), change.old_index())
                    }
                    ChangeTag::Insert => {
                        stat.added += 1;
                        ("+", Some(Color::Green), change.new_index())
                    }
                    ChangeTag::Equal => (" ", None, change.new_index()),
                };
                let base = colour.map_or(Style::new(), |colour| Style::new().fg(colour));
                let mut spans = Vec::new();
                if let Some(first) = first_line {
                    let number = number.map_or(String::new(), |n| (n + first).to_string());
                    spans.push(Span::styled(format!("{number:>gutter$} "), dim()));
                }
                spans.push(Span::styled(format!("{sign} "), base));
                for (emphasised, text) in change.iter_strings_lossy() {
                    let text = text.trim_end_matches('\n').to_owned();
                    if text.is_empty() {
                        continue;
                    }
                    let style = if emphasised && colour.is_some() {
                        base.add_modifier(Modifier::REVERSED)
                    } else {
                        base
                    };
                    spans.push(Span::styled(text, style));
                }
                lines.push(Line::from(spans));
            }
        }
    }
    (lines, stat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_changes_and_numbers_lines_from_the_offset() {
        let (lines, stat) = render_diff("a\nb\nc\n", "a\nB\nc\nd\n", Some(10));
        assert_eq!(
            stat,
            DiffStat {
                added: 2,
                removed: 1
            }
        );
        let text: Vec<String> = lines.iter().map(ToString::to_string).collect();
        assert_eq!(text, ["10   a", "11 - b", "11 + B", "12   c", "13 + d"]);
        assert_eq!(stat.summary(), "with 2 additions and 1 removal");
    }
}

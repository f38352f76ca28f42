//! Word wrapping of styled lines to a column width.
//!
//! Owns: splitting [`Line`]s into rows no wider than the terminal, by
//! display width (unicode-width), breaking at spaces when possible and
//! inside words only when a word is wider than the row. Must never: change
//! text or styles, only where lines break.

use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Display width of a line in terminal columns.
pub(crate) fn line_width(line: &Line<'_>) -> usize {
    line.spans.iter().map(|span| span.content.width()).sum()
}

/// Wraps one line to rows of at most `width` columns (at least 1). Leading
/// spaces of a continuation row are dropped; an empty line stays one row.
pub(crate) fn wrap_line(line: &Line<'static>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    if line_width(line) <= width {
        return vec![line.clone()];
    }
    let mut rows: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let mut used = 0usize;
    for span in &line.spans {
        for token in tokens(&span.content) {
            let token_width = token.width();
            let is_space = token.starts_with(' ');
            if used + token_width <= width {
                push(&mut rows, token, span.style);
                used += token_width;
                continue;
            }
            if is_space {
                // A break here: the spaces vanish.
                rows.push(Vec::new());
                used = 0;
                continue;
            }
            if token_width <= width && used > 0 {
                rows.push(Vec::new());
                push(&mut rows, token, span.style);
                used = token_width;
                continue;
            }
            // Wider than a row: break by characters.
            for ch in token.chars() {
                let ch_width = ch.width().unwrap_or(0);
                if used + ch_width > width && used > 0 {
                    rows.push(Vec::new());
                    used = 0;
                }
                push(&mut rows, &ch.to_string(), span.style);
                used += ch_width;
            }
        }
    }
    rows.into_iter()
        .map(|spans| Line::from(spans).style(line.style))
        .collect()
}

/// Wraps every line.
pub(crate) fn wrap_lines(lines: &[Line<'static>], width: usize) -> Vec<Line<'static>> {
    lines
        .iter()
        .flat_map(|line| wrap_line(line, width))
        .collect()
}

/// Appends text to the last row, merging with the previous span when the
/// style is the same.
fn push(rows: &mut [Vec<Span<'static>>], text: &str, style: ratatui::style::Style) {
    let Some(row) = rows.last_mut() else {
        return;
    };
    match row.last_mut() {
        Some(last) if last.style == style => last.content.to_mut().push_str(text),
        _ => row.push(Span::styled(text.to_owned(), style)),
    }
}

/// Splits text into runs of spaces and runs of non-spaces.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_space = None;
    for (index, ch) in text.char_indices() {
        let space = ch == ' ';
        match in_space {
            Some(previous) if previous != space => {
                out.push(&text[start..index]);
                start = index;
            }
            _ => {}
        }
        in_space = Some(space);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Style, Stylize};

    fn text(lines: &[Line<'static>]) -> Vec<String> {
        lines.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn wraps_at_spaces_and_keeps_styles() {
        let line = Line::from(vec![
            Span::raw("hello "),
            "brave".bold(),
            Span::raw(" new world"),
        ]);
        let rows = wrap_line(&line, 11);
        assert_eq!(text(&rows), ["hello brave", "new world"]);
        assert_eq!(rows[0].spans[1].style, Style::new().bold());
    }

    #[test]
    fn breaks_long_words_and_counts_wide_characters() {
        let rows = wrap_line(&Line::from("abcdefghij"), 4);
        assert_eq!(text(&rows), ["abcd", "efgh", "ij"]);
        let rows = wrap_line(&Line::from("中文中文"), 5);
        assert_eq!(text(&rows), ["中文", "中文"]);
    }

    #[test]
    fn empty_line_is_one_row() {
        assert_eq!(wrap_line(&Line::default(), 10).len(), 1);
    }
}

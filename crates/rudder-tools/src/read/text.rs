//! Read's text view: one streaming pass over the file that hashes all of
//! it, counts its lines, and keeps only the requested window rendered in
//! `cat -n` form (line number right-aligned in 6 columns, a tab, the line).
//!
//! Memory stays bounded whatever the file: at most one line's first
//! `max_line_chars` characters are buffered, and rendering stops at the
//! output budget. Contract: CLAUDE-CODE-INTERFACE.md §2.2 (2000 lines by
//! default, lines over 2000 characters cut, numbering from 1).

use std::io::{self, BufRead, BufReader, Read};

use crate::read_tracker::{FileStamp, StampBuilder};

/// Marker appended to a line cut at the character limit.
pub const CUT_MARKER: &str = "…[line truncated]";

/// Which lines to render and how much output is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextWindow {
    /// First line to show, 1-based.
    pub first_line: u64,
    /// Most lines to show.
    pub max_lines: u64,
    /// Characters kept of each line; the rest is cut and marked.
    pub max_line_chars: usize,
    /// Most bytes of rendered output; lines past it are left out.
    pub max_output_bytes: usize,
}

/// What the pass produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextView {
    /// The shown lines in `cat -n` form, each ending in `\n`.
    pub numbered: String,
    /// The shown lines as text (cut lines included), joined with `\n`.
    pub content: String,
    /// Number of lines shown.
    pub shown_lines: u64,
    /// Lines in the whole file (a final newline does not start a line).
    pub total_lines: u64,
    /// True when the output budget stopped rendering before the window's end.
    pub budget_reached: bool,
    /// Stamp of the whole file.
    pub stamp: FileStamp,
}

/// Appends line `number` in `cat -n` form (with its trailing `\n`) to `out`.
pub fn push_numbered(out: &mut String, number: u64, line: &str) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = writeln!(out, "{number:>6}\t{line}");
}

/// Streams `reader` to its end and renders `window` of it.
///
/// Errors: the reader's I/O errors.
pub fn read_window(reader: impl Read, window: TextWindow) -> io::Result<TextView> {
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let mut stamp = StampBuilder::default();
    let mut lines = LineCollector::new(window);
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        stamp.update(chunk);
        let mut rest = chunk;
        while let Some(newline) = rest.iter().position(|byte| *byte == b'\n') {
            lines.take(&rest[..newline]);
            lines.end_line();
            rest = &rest[newline + 1..];
        }
        lines.take(rest);
        let used = chunk.len();
        reader.consume(used);
    }
    if lines.line_open {
        lines.end_line();
    }
    Ok(TextView {
        numbered: lines.numbered,
        content: lines.content.join("\n"),
        shown_lines: lines.shown,
        total_lines: lines.completed,
        budget_reached: lines.budget_reached,
        stamp: stamp.finish(),
    })
}

/// Splits the stream into lines and renders those in the window.
struct LineCollector {
    window: TextWindow,
    /// Lines completed so far.
    completed: u64,
    /// Bytes of the current line seen so far.
    current_len: usize,
    /// The kept prefix of the current line (only inside the window).
    current: Vec<u8>,
    /// Whether bytes were seen since the last newline.
    line_open: bool,
    numbered: String,
    content: Vec<String>,
    shown: u64,
    budget_reached: bool,
}

impl LineCollector {
    fn new(window: TextWindow) -> Self {
        Self {
            window,
            completed: 0,
            current_len: 0,
            current: Vec::new(),
            line_open: false,
            numbered: String::new(),
            content: Vec::new(),
            shown: 0,
            budget_reached: false,
        }
    }

    /// Whether the line being read is one to render.
    fn current_is_wanted(&self) -> bool {
        let number = self.completed + 1;
        !self.budget_reached
            && number >= self.window.first_line
            && number - self.window.first_line < self.window.max_lines
    }

    fn take(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.line_open = true;
        self.current_len += bytes.len();
        // Enough bytes for max_line_chars characters of any width, plus one
        // more character to know that the line was cut.
        let keep = (self.window.max_line_chars + 1) * 4;
        if self.current_is_wanted() && self.current.len() < keep {
            let room = keep - self.current.len();
            self.current
                .extend_from_slice(&bytes[..bytes.len().min(room)]);
        }
    }

    fn end_line(&mut self) {
        if self.current_is_wanted() {
            self.render_current();
        }
        self.completed += 1;
        self.current.clear();
        self.current_len = 0;
        self.line_open = false;
    }

    fn render_current(&mut self) {
        let decoded = String::from_utf8_lossy(&self.current);
        let text = decoded.strip_suffix('\r').unwrap_or(&decoded);
        let kept_all = self.current.len() == self.current_len;
        let line = match text.char_indices().nth(self.window.max_line_chars) {
            Some((cut, _)) => format!("{}{CUT_MARKER}", &text[..cut]),
            None if !kept_all => format!("{text}{CUT_MARKER}"),
            None => text.to_owned(),
        };
        let mut rendered = String::with_capacity(line.len() + 8);
        push_numbered(&mut rendered, self.completed + 1, &line);
        if self.numbered.len() + rendered.len() > self.window.max_output_bytes {
            self.budget_reached = true;
            return;
        }
        self.numbered.push_str(&rendered);
        self.content.push(line);
        self.shown += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(first_line: u64, max_lines: u64) -> TextWindow {
        TextWindow {
            first_line,
            max_lines,
            max_line_chars: 10,
            max_output_bytes: 1 << 20,
        }
    }

    #[test]
    fn renders_cat_n_and_counts_every_line() {
        let view = read_window("a\r\nb\nc".as_bytes(), window(2, 1)).unwrap();
        assert_eq!(view.numbered, "     2\tb\n");
        assert_eq!(view.total_lines, 3);
        assert_eq!(view.stamp, FileStamp::of_bytes(b"a\r\nb\nc"));
    }

    #[test]
    fn crlf_is_not_shown_and_long_lines_are_cut() {
        let view = read_window("0123456789abc\r\nok\r\n".as_bytes(), window(1, 10)).unwrap();
        assert_eq!(
            view.numbered,
            format!("     1\t0123456789{CUT_MARKER}\n     2\tok\n")
        );
        assert_eq!(view.total_lines, 2);
    }

    #[test]
    fn output_budget_stops_rendering_but_not_counting() {
        let text = "line\n".repeat(100);
        let view = read_window(
            text.as_bytes(),
            TextWindow {
                max_output_bytes: 36,
                ..window(1, 2000)
            },
        )
        .unwrap();
        assert_eq!(view.shown_lines, 3);
        assert!(view.budget_reached);
        assert_eq!(view.total_lines, 100);
    }

    #[test]
    fn lines_across_chunk_boundaries_are_joined() {
        let long = format!("{}\nnext\n", "x".repeat(200_000));
        let view = read_window(long.as_bytes(), window(2, 1)).unwrap();
        assert_eq!(view.numbered, "     2\tnext\n");
    }

    #[test]
    fn a_cut_wide_character_line_keeps_whole_characters() {
        let view = read_window("ééééééééééééé\n".as_bytes(), window(1, 1)).unwrap();
        assert_eq!(view.content, format!("éééééééééé{CUT_MARKER}"));
    }
}

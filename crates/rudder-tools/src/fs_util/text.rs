//! The shape of a text file that a change must keep: its line ending, its
//! byte-order mark and whether it ends with a newline.
//!
//! Writers detect the shape of the file they replace and give the new text
//! the same shape, so a model that writes `\n` does not turn a CRLF file
//! into a mixed one, and a file keeps its final newline (the issue's
//! "line endings and a trailing newline are preserved"). Pure functions,
//! no I/O.

use std::path::Path;

use super::FileError;

/// The UTF-8 byte-order mark.
const BOM: &str = "\u{feff}";

/// A file's line ending convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    /// `\n` (Unix).
    Lf,
    /// `\r\n` (Windows).
    CrLf,
}

/// The shape of an existing text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextShape {
    /// Dominant line ending: CRLF when more lines end in `\r\n` than in a bare `\n`.
    pub line_ending: LineEnding,
    /// Whether the file starts with a UTF-8 byte-order mark.
    pub bom: bool,
    /// Whether the file's last byte is a newline.
    pub final_newline: bool,
}

impl TextShape {
    /// The shape given to a file that does not exist yet: LF, no BOM, and
    /// the final newline left as the text has it.
    pub const NEW_FILE: Self = Self {
        line_ending: LineEnding::Lf,
        bom: false,
        final_newline: false,
    };

    /// Detects the shape of `text` (the whole file, BOM included).
    pub fn detect(text: &str) -> Self {
        let crlf = text.matches("\r\n").count();
        let lf = text.matches('\n').count() - crlf;
        Self {
            line_ending: if crlf > lf {
                LineEnding::CrLf
            } else {
                LineEnding::Lf
            },
            bom: text.starts_with(BOM),
            final_newline: text.ends_with('\n'),
        }
    }

    /// Gives `body` (text without a BOM) this shape, as Write does: bare
    /// `\n` become `\r\n` in a CRLF file, the BOM is restored, and a final
    /// newline is added when the original file had one and `body` lost it.
    /// A body that adds a final newline keeps it.
    pub fn apply(&self, body: &str) -> String {
        let mut out = String::with_capacity(body.len() + body.len() / 16 + 4);
        if self.bom {
            out.push_str(BOM);
        }
        match self.line_ending {
            LineEnding::Lf => out.push_str(body),
            LineEnding::CrLf => push_crlf(&mut out, body),
        }
        self.restore_final_newline(&mut out, body);
        out
    }

    /// Restores only the BOM and a lost final newline, as Edit does: the
    /// edit itself already chose line endings, and lines it did not touch
    /// must keep theirs (even in a file with mixed endings).
    pub fn restore(&self, body: &str) -> String {
        let mut out = String::with_capacity(body.len() + 5);
        if self.bom {
            out.push_str(BOM);
        }
        out.push_str(body);
        self.restore_final_newline(&mut out, body);
        out
    }

    fn restore_final_newline(&self, out: &mut String, body: &str) {
        if self.final_newline && !body.is_empty() && !body.ends_with('\n') {
            out.push_str(match self.line_ending {
                LineEnding::Lf => "\n",
                LineEnding::CrLf => "\r\n",
            });
        }
    }
}

/// Appends `text` with every bare `\n` turned into `\r\n`.
fn push_crlf(out: &mut String, text: &str) {
    let mut previous = '\0';
    for ch in text.chars() {
        if ch == '\n' && previous != '\r' {
            out.push('\r');
        }
        out.push(ch);
        previous = ch;
    }
}

/// `text` with every bare `\n` turned into `\r\n` (existing `\r\n` kept).
pub fn to_crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16 + 2);
    push_crlf(&mut out, text);
    out
}

/// Decodes a file's bytes as UTF-8 and splits off a BOM.
///
/// Returns the text without the BOM and the file's [`TextShape`].
/// Errors: [`FileError::NotUtf8`] naming `path`.
pub fn decode_text<'a>(bytes: &'a [u8], path: &Path) -> Result<(&'a str, TextShape), FileError> {
    let text = std::str::from_utf8(bytes).map_err(|_| FileError::NotUtf8 {
        path: path.to_path_buf(),
    })?;
    let shape = TextShape::detect(text);
    Ok((text.strip_prefix(BOM).unwrap_or(text), shape))
}

/// Number of lines of `text` as an editor counts them (a final newline
/// does not start another line; empty text has no lines).
pub fn line_count(text: &str) -> usize {
    let newlines = text.matches('\n').count();
    if text.is_empty() || text.ends_with('\n') {
        newlines
    } else {
        newlines + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_file_keeps_crlf_and_its_final_newline() {
        let shape = TextShape::detect("a\r\nb\r\n");
        assert_eq!(shape.line_ending, LineEnding::CrLf);
        assert_eq!(shape.apply("x\ny"), "x\r\ny\r\n");
        assert_eq!(shape.apply("x\r\ny\n"), "x\r\ny\r\n");
    }

    #[test]
    fn restore_leaves_line_endings_alone() {
        let shape = TextShape::detect("\u{feff}a\r\nb\r\n");
        assert_eq!(shape.restore("a\r\nb\nc"), "\u{feff}a\r\nb\nc\r\n");
    }

    #[test]
    fn file_without_final_newline_does_not_gain_one_unless_written() {
        let shape = TextShape::detect("a\nb");
        assert!(!shape.final_newline);
        assert_eq!(shape.apply("x"), "x");
        assert_eq!(shape.apply("x\n"), "x\n");
    }

    #[test]
    fn bom_is_kept_out_of_the_text_and_restored() {
        let bytes = "\u{feff}hello\n".as_bytes();
        let (text, shape) = decode_text(bytes, Path::new("/f")).unwrap();
        assert_eq!(text, "hello\n");
        assert_eq!(shape.apply("bye\n"), "\u{feff}bye\n");
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        assert!(matches!(
            decode_text(b"caf\xe9", Path::new("/f")),
            Err(FileError::NotUtf8 { .. })
        ));
    }

    #[test]
    fn lines_are_counted_like_an_editor() {
        assert_eq!(line_count(""), 0);
        assert_eq!(line_count("a"), 1);
        assert_eq!(line_count("a\n"), 1);
        assert_eq!(line_count("a\nb"), 2);
    }
}

//! Exact-string replacement, the core of Edit and MultiEdit, and the
//! numbered snippet their results show.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (Edit: exact match, no regex;
//! `old_string` must be unique unless `replace_all`; `new_string` must
//! differ). In a file whose lines end in CRLF, an `old_string` written
//! with bare `\n` still matches, and the inserted text gets CRLF; lines the
//! edit does not touch are never re-encoded. Pure functions, no I/O.

use thiserror::Error;

use crate::fs_util::{LineEnding, to_crlf};
use crate::read::push_numbered;

/// Lines of context shown around an edit in its result.
const SNIPPET_CONTEXT: usize = 4;

/// Most lines a result snippet shows.
const SNIPPET_MAX_LINES: usize = 40;

/// One replacement asked for by the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replacement<'a> {
    /// Text to find, exactly.
    pub old: &'a str,
    /// Text to put in its place.
    pub new: &'a str,
    /// Replace every occurrence instead of requiring exactly one.
    pub replace_all: bool,
}

/// Why a replacement cannot be made. Messages speak of "the file"; the
/// caller names it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EditError {
    /// `old` and `new` are the same.
    #[error("old_string and new_string are identical, so there is nothing to change.")]
    Identical,
    /// `old` is empty on a file that has content.
    #[error(
        "old_string is empty. Give the exact text to replace; an empty old_string only creates a new file or fills an empty one."
    )]
    EmptyOld,
    /// `old` does not occur.
    #[error(
        "old_string was not found in the file. It must match exactly, including whitespace and indentation, and without the line numbers Read shows. Read the file again to see its current text."
    )]
    NotFound,
    /// `old` occurs more than once and `replace_all` is false.
    #[error(
        "old_string occurs {count} times in the file. Include more surrounding lines to make it unique, or set replace_all to true to change every occurrence."
    )]
    NotUnique {
        /// How many times it occurs.
        count: usize,
    },
}

/// The result of a replacement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The whole new text.
    pub text: String,
    /// How many occurrences were replaced.
    pub replacements: usize,
}

/// Applies `edit` to `text`, whose dominant line ending is `ending`.
///
/// Errors: [`EditError`] — identical strings, empty `old`, not found, or
/// not unique without `replace_all`.
pub fn apply(text: &str, edit: &Replacement<'_>, ending: LineEnding) -> Result<Applied, EditError> {
    if edit.old == edit.new {
        return Err(EditError::Identical);
    }
    if edit.old.is_empty() {
        return Err(EditError::EmptyOld);
    }
    let raw = (edit.old.to_owned(), edit.new.to_owned());
    let candidates = match ending {
        LineEnding::CrLf => vec![(to_crlf(edit.old), to_crlf(edit.new)), raw],
        LineEnding::Lf => vec![raw],
    };
    let (old, new, count) = candidates
        .into_iter()
        .map(|(old, new)| {
            let count = text.matches(old.as_str()).count();
            (old, new, count)
        })
        .find(|(_, _, count)| *count > 0)
        .ok_or(EditError::NotFound)?;
    if count > 1 && !edit.replace_all {
        return Err(EditError::NotUnique { count });
    }
    let replaced = if edit.replace_all {
        text.replace(old.as_str(), &new)
    } else {
        text.replacen(old.as_str(), &new, 1)
    };
    Ok(Applied {
        text: replaced,
        replacements: if edit.replace_all { count } else { 1 },
    })
}

/// The lines around byte range `changed` of `text`, numbered like Read's
/// output, with [`SNIPPET_CONTEXT`] lines before and after, at most
/// [`SNIPPET_MAX_LINES`] lines in all.
pub fn snippet(text: &str, changed: std::ops::Range<usize>) -> String {
    let start = changed.start.min(text.len());
    let end = changed.end.clamp(start, text.len());
    let first_changed = text[..start].matches('\n').count();
    let last_changed = first_changed
        + text[start..end]
            .trim_end_matches('\n')
            .matches('\n')
            .count();
    let from = first_changed.saturating_sub(SNIPPET_CONTEXT);
    let to = (last_changed + SNIPPET_CONTEXT).min(from + SNIPPET_MAX_LINES - 1);
    let mut out = String::new();
    for (index, line) in text.lines().enumerate().skip(from).take(to - from + 1) {
        push_numbered(&mut out, index as u64 + 1, line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit<'a>(old: &'a str, new: &'a str) -> Replacement<'a> {
        Replacement {
            old,
            new,
            replace_all: false,
        }
    }

    #[test]
    fn unique_match_is_replaced() {
        let applied = apply("a b c", &edit("b", "x"), LineEnding::Lf).unwrap();
        assert_eq!((applied.text.as_str(), applied.replacements), ("a x c", 1));
    }

    #[test]
    fn ambiguity_and_absence_are_errors() {
        assert_eq!(
            apply("b b", &edit("b", "x"), LineEnding::Lf),
            Err(EditError::NotUnique { count: 2 })
        );
        assert_eq!(
            apply("abc", &edit("z", "x"), LineEnding::Lf),
            Err(EditError::NotFound)
        );
        assert_eq!(
            apply("abc", &edit("a", "a"), LineEnding::Lf),
            Err(EditError::Identical)
        );
    }

    #[test]
    fn replace_all_counts_occurrences() {
        let all = Replacement {
            replace_all: true,
            ..edit("b", "x")
        };
        let applied = apply("b b b", &all, LineEnding::Lf).unwrap();
        assert_eq!((applied.text.as_str(), applied.replacements), ("x x x", 3));
    }

    #[test]
    fn lf_edit_in_crlf_file_matches_and_keeps_crlf() {
        let text = "one\r\ntwo\r\nthree\r\n";
        let applied = apply(text, &edit("one\ntwo", "1\n2\n2.5"), LineEnding::CrLf).unwrap();
        assert_eq!(applied.text, "1\r\n2\r\n2.5\r\nthree\r\n");
    }

    #[test]
    fn lf_region_of_a_mixed_file_is_left_lf() {
        let text = "a\r\nb\r\nc\nd\n";
        let applied = apply(text, &edit("c\nd", "C\nD"), LineEnding::CrLf).unwrap();
        assert_eq!(applied.text, "a\r\nb\r\nC\nD\n");
    }

    #[test]
    fn snippet_numbers_lines_around_the_change() {
        let text = (1..=20).map(|n| format!("l{n}\n")).collect::<String>();
        let start = text.find("l10").unwrap();
        let shown = snippet(&text, start..start + 3);
        assert!(shown.starts_with("     6\tl6\n"));
        assert!(shown.ends_with("    14\tl14\n"));
    }
}

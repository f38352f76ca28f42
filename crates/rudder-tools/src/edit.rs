//! The Edit tool (one exact-string replacement), and the checked edit
//! sequence that MultiEdit shares with it.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (Edit: `file_path`,
//! `old_string`, `new_string`, `replace_all`; exact match, unique unless
//! `replace_all`, `new_string` must differ; the file must have been read
//! and be unchanged since). An empty `old_string` creates a file that does
//! not exist, or fills an empty one. Line endings, BOM and the final
//! newline are kept; the write is atomic and goes through symbolic links
//! to their target (see `fs_util`).

use std::ops::Range;

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::file_tool::{FileEnv, parse_input, run_blocking, tool_error};
use crate::fs_util::{FileError, PendingChange, TextShape, decode_text, line_count};
use crate::text_edit::{EditError, Replacement, apply, snippet};
use crate::tool::{Tool, ToolContext, ToolOutput};

const DESCRIPTION: &str = "\
Replaces exact text in a file.

- Read the file with the Read tool first; the edit is refused if the file was not read in this session or has changed since.
- old_string must match the file exactly, including indentation and other whitespace. Do not include the line-number prefix that Read shows (the number and the tab before each line).
- old_string must occur exactly once, unless replace_all is true. If it occurs more often, include more surrounding lines to make it unique. Use replace_all to rename something throughout the file.
- new_string must differ from old_string.
- An empty old_string creates the file with new_string as its content (or fills an existing empty file).
- The file keeps its line endings (LF or CRLF), permissions and final newline.
- Prefer editing existing files over writing new ones.";

/// Input of the Edit tool.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EditInput {
    file_path: String,
    old_string: String,
    new_string: String,
    #[serde(default)]
    replace_all: bool,
}

/// The `Edit` tool.
#[derive(Debug, Default, Clone, Copy)]
pub struct EditTool;

impl Tool for EditTool {
    fn name(&self) -> &str {
        "Edit"
    }

    fn description(&self) -> &str {
        DESCRIPTION
    }

    fn input_schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "file_path": {
                    "type": "string",
                    "description": "Absolute path of the file to change"
                },
                "old_string": {
                    "type": "string",
                    "description": "The exact text to replace"
                },
                "new_string": {
                    "type": "string",
                    "description": "The text to put in its place (must differ from old_string)"
                },
                "replace_all": {
                    "type": "boolean",
                    "default": false,
                    "description": "Replace every occurrence of old_string (default false: it must occur exactly once)"
                }
            },
            "required": ["file_path", "old_string", "new_string"],
            "additionalProperties": false,
            "$schema": "http://json-schema.org/draft-07/schema#"
        })
    }

    fn is_read_only(&self) -> bool {
        false
    }

    fn execute<'a>(&'a self, input: Value, ctx: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        Box::pin(run_blocking(ctx, move |env| {
            let input = match parse_input::<EditInput>("Edit", input) {
                Ok(input) => input,
                Err(output) => return output,
            };
            let edit = Replacement {
                old: &input.old_string,
                new: &input.new_string,
                replace_all: input.replace_all,
            };
            match edit_file(&input.file_path, &[edit], &env) {
                Ok(outcome) => outcome
                    .report(&format!("{} replacement(s)", outcome.replacements))
                    .with_structured(json!({
                        "filePath": input.file_path,
                        "oldString": input.old_string,
                        "newString": input.new_string,
                        "replaceAll": input.replace_all,
                    })),
                Err(failure) => failure.into_output(&input.file_path, None),
            }
        }))
    }
}

/// What a successful sequence of edits did.
#[derive(Debug)]
pub(crate) struct EditOutcome {
    /// The written change (paths, link note).
    pub change: PendingChange,
    /// The file's new text (without BOM).
    pub text: String,
    /// Occurrences replaced, over all edits.
    pub replacements: usize,
    /// Whether the file was created.
    pub created: bool,
}

impl EditOutcome {
    /// The result for the model: a confirmation naming `what` was done and
    /// the changed region, numbered like Read's output.
    pub fn report(&self, what: &str) -> ToolOutput {
        let path = self.change.requested.display();
        if self.created {
            return ToolOutput::text(format!(
                "Created {path}{} with {} lines.",
                self.change.link_note(),
                line_count(&self.text)
            ));
        }
        let original = self
            .change
            .existing
            .as_ref()
            .map(|existing| String::from_utf8_lossy(&existing.bytes).into_owned())
            .unwrap_or_default();
        let changed = changed_range(original.trim_start_matches('\u{feff}'), &self.text);
        ToolOutput::text(format!(
            "Edited {path}{}: {what}. The changed lines now read:\n{}",
            self.change.link_note(),
            snippet(&self.text, changed)
        ))
    }
}

/// Why a sequence of edits failed; nothing was written.
#[derive(Debug)]
pub(crate) enum EditFailure {
    /// The file could not be opened, checked or written.
    File(FileError),
    /// Edit number `index` (from 0) could not be applied.
    Edit {
        /// Position in the sequence, from 0.
        index: usize,
        /// What went wrong.
        error: EditError,
    },
}

impl From<FileError> for EditFailure {
    fn from(err: FileError) -> Self {
        Self::File(err)
    }
}

impl EditFailure {
    /// The error result; `edit_count` is `Some(n)` for MultiEdit, whose
    /// messages name the failing edit.
    pub fn into_output(self, file_path: &str, edit_count: Option<usize>) -> ToolOutput {
        match (self, edit_count) {
            (Self::File(err), _) => err.into(),
            (Self::Edit { error, .. }, None) => tool_error(format!("{file_path}: {error}")),
            (Self::Edit { index, error }, Some(count)) => tool_error(format!(
                "{file_path}: edits[{index}] (edit {} of {count}) failed, so none of the edits were applied: {error}",
                index + 1
            )),
        }
    }
}

/// Applies `edits` in order to the file at `file_path`, all or nothing,
/// and writes the result.
///
/// Errors: [`EditFailure::File`] for path, read-tracking, encoding and I/O
/// problems; [`EditFailure::Edit`] for the first edit that cannot apply.
pub(crate) fn edit_file(
    file_path: &str,
    edits: &[Replacement<'_>],
    env: &FileEnv,
) -> Result<EditOutcome, EditFailure> {
    let tracker = &env.state.read_files;
    let change = PendingChange::open(file_path, tracker)?;
    let (body, shape) = match &change.existing {
        Some(existing) => decode_text(&existing.bytes, &change.requested)?,
        None => ("", TextShape::NEW_FILE),
    };
    let creates = edits.first().is_some_and(|first| first.old.is_empty()) && body.is_empty();
    if change.existing.is_none() && !creates {
        return Err(FileError::NotFound {
            path: change.requested.clone(),
        }
        .into());
    }
    let mut text = body.to_owned();
    let mut replacements = 0;
    for (index, edit) in edits.iter().enumerate() {
        let failed = |error| EditFailure::Edit { index, error };
        if index == 0 && creates {
            if edit.new.is_empty() {
                return Err(failed(EditError::Identical));
            }
            text = edit.new.to_owned();
            replacements += 1;
        } else {
            let applied = apply(&text, edit, shape.line_ending).map_err(failed)?;
            replacements += applied.replacements;
            text = applied.text;
        }
    }
    let bytes = shape.restore(&text);
    change.commit(bytes.as_bytes(), tracker)?;
    Ok(EditOutcome {
        created: change.existing.is_none(),
        change,
        text,
        replacements,
    })
}

/// Byte range of `after` that differs from `before` (common prefix and
/// suffix removed), on character boundaries.
fn changed_range(before: &str, after: &str) -> Range<usize> {
    let prefix = before
        .char_indices()
        .zip(after.chars())
        .find(|((_, a), b)| a != b)
        .map_or(before.len().min(after.len()), |((index, _), _)| index);
    let max_suffix = (before.len() - prefix).min(after.len() - prefix);
    let suffix = before
        .chars()
        .rev()
        .zip(after.chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .scan(0, |total, len| {
            *total += len;
            Some(*total)
        })
        .take_while(|total| *total <= max_suffix)
        .last()
        .unwrap_or(0);
    prefix..after.len() - suffix
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_range_covers_exactly_the_difference() {
        assert_eq!(changed_range("abcdef", "abXYef"), 2..4);
        assert_eq!(changed_range("aaa", "aaaa"), 3..4);
        assert_eq!(changed_range("héllo", "hallo"), 1..2);
    }
}

//! The one error type of this crate, and source positions.
//!
//! Loading configuration never stops at the first bad file: loaders collect
//! [`ConfigError`]s as warnings next to what did load, and each one names the
//! file (and line and column where there is one) so the CLI can print it as
//! `path:line:col: message`. Nothing here does I/O.

use std::fmt;
use std::path::PathBuf;

/// A 1-based line and column in a text file (columns count bytes, as
/// serde_json and libyaml report them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` in `text` (clamped to the text's end).
    pub fn of_offset(text: &str, offset: usize) -> Self {
        let offset = offset.min(text.len());
        let before = text.as_bytes().get(..offset).unwrap_or_default();
        let line = before.iter().filter(|byte| **byte == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|byte| *byte == b'\n')
            .map_or(0, |index| index + 1);
        Self {
            line,
            column: offset - line_start + 1,
        }
    }

    /// Turns a position reported inside a slice that starts at `self` into a
    /// position in the whole text.
    pub fn offset_by(self, inner: Position) -> Self {
        if inner.line <= 1 {
            Self {
                line: self.line,
                column: self.column + inner.column.saturating_sub(1),
            }
        } else {
            Self {
                line: self.line + inner.line - 1,
                column: inner.column,
            }
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Something in a configuration file that could not be used.
///
/// `path` is the file concerned; for inline JSON given on the command line
/// it is the flag's name (`--settings`, `--agents`). Each variant's message
/// says what was wrong and what was done about it (usually: that part was
/// skipped, the rest loaded).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read (permissions, not UTF-8, a
    /// directory where a file was expected).
    #[error("{}: cannot read: {message}; skipped", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's or decoder's reason.
        message: String,
    },
    /// The file is larger than rudder reads for its kind.
    #[error("{}: {size} bytes is over the {limit}-byte limit; skipped", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The file is not valid JSON (or its front matter not valid YAML).
    #[error("{}:{position}: {message}; file skipped", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// Where the parser stopped.
        position: Position,
        /// The parser's message.
        message: String,
    },
    /// A key rudder knows has a value of the wrong shape.
    #[error("{}:{position}: `{key}`: {message}; this key is ignored", path.display())]
    InvalidValue {
        /// The file.
        path: PathBuf,
        /// Dotted key path, e.g. `permissions.defaultMode`.
        key: String,
        /// Where the value starts (or where the parser stopped inside it).
        position: Position,
        /// What was expected.
        message: String,
    },
    /// The merged settings do not fit the typed view (cannot happen when
    /// every layer passed its checks; reported rather than panicking).
    #[error("merged settings do not fit the expected shape: {message}; defaults used")]
    MergedShape {
        /// The deserializer's message.
        message: String,
    },
    /// A definition lacks a field it cannot do without.
    #[error("{}: missing required `{field}`; skipped", path.display())]
    MissingField {
        /// The file.
        path: PathBuf,
        /// The field's name, e.g. `description`.
        field: String,
    },
    /// A hook matcher is neither a name list nor a valid regular expression.
    #[error("{}: hooks.{event}: matcher `{matcher}` is not a valid regex ({message}); this group is ignored", path.display())]
    InvalidMatcher {
        /// The settings file.
        path: PathBuf,
        /// The hook event.
        event: String,
        /// The matcher as written.
        matcher: String,
        /// The regex compiler's message.
        message: String,
    },
    /// A hook handler of a type rudder does not run (`prompt`, `http`, …).
    #[error("{}: hooks.{event}: handler type `{kind}` is not supported (only `command`); it is ignored", path.display())]
    UnsupportedHook {
        /// The settings file.
        path: PathBuf,
        /// The hook event.
        event: String,
        /// The handler's `type`.
        kind: String,
    },
    /// A hook event rudder does not run (a Claude Code 2.1 addition such as
    /// `PostToolUseFailure`).
    #[error("{}: hooks.{event}: rudder does not run this event; its hooks are ignored", path.display())]
    UnsupportedEvent {
        /// The settings file.
        path: PathBuf,
        /// The event name as written.
        event: String,
    },
    /// Two definitions of the same kind and scope share a name.
    #[error("{}: a {kind} named `{name}` is already defined by {}; this one is ignored", path.display(), kept.display())]
    DuplicateName {
        /// The ignored file.
        path: PathBuf,
        /// `command`, `agent`, `skill`, `output style`.
        kind: &'static str,
        /// The shared name.
        name: String,
        /// The file that was kept.
        kept: PathBuf,
    },
    /// An `@path` import in a memory file could not be followed.
    #[error("{}:{line}: import `@{import}` {reason}; not loaded", path.display())]
    Import {
        /// The importing file.
        path: PathBuf,
        /// The line of the import.
        line: usize,
        /// The import as written.
        import: String,
        /// `was not found`, `is more than 5 imports deep`, `forms an import
        /// cycle`, `names a file on the built-in secrets list …`.
        reason: String,
    },
    /// An environment variable has a value that cannot be used.
    #[error("environment variable {name}={value:?}: expected {expected}; ignored")]
    EnvVar {
        /// The variable's name.
        name: String,
        /// Its value.
        value: String,
        /// What was expected, e.g. `a whole number of milliseconds`.
        expected: String,
    },
    /// A value on the command line (e.g. `--setting-sources`) is invalid.
    #[error("{flag}: {message}")]
    InvalidArgument {
        /// The flag, e.g. `--setting-sources`.
        flag: String,
        /// What is wrong and what is accepted.
        message: String,
    },
    /// A named item (skill, command) does not exist.
    #[error("no {kind} named `{name}`")]
    NotFound {
        /// `skill`, `command`, …
        kind: &'static str,
        /// The requested name.
        name: String,
    },
}

/// The message of a serde_json error without its trailing
/// ` at line L column C` (the position is reported separately).
pub(crate) fn json_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
}

/// The position of a serde_json error (line 1, column 1 when it has none).
pub(crate) fn json_position(error: &serde_json::Error) -> Position {
    Position {
        line: error.line().max(1),
        column: error.column().max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_lines_and_columns() {
        let text = "ab\ncd\nef";
        assert_eq!(
            Position::of_offset(text, 0),
            Position { line: 1, column: 1 }
        );
        assert_eq!(
            Position::of_offset(text, 4),
            Position { line: 2, column: 2 }
        );
        assert_eq!(
            Position::of_offset(text, 99),
            Position { line: 3, column: 3 }
        );
    }

    #[test]
    fn inner_positions_shift_by_the_slice_start() {
        let start = Position {
            line: 3,
            column: 10,
        };
        assert_eq!(
            start.offset_by(Position { line: 1, column: 5 }),
            Position {
                line: 3,
                column: 14
            }
        );
        assert_eq!(
            start.offset_by(Position { line: 2, column: 5 }),
            Position { line: 4, column: 5 }
        );
    }

    #[test]
    fn json_messages_drop_the_position_suffix() {
        let error = serde_json::from_str::<u32>("\"x\"").unwrap_err();
        assert_eq!(
            json_message(&error),
            "invalid type: string \"x\", expected u32"
        );
    }
}

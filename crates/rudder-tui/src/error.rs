//! Errors [`crate::run`] can return.
//!
//! Owns: the error enum only. Must never: swallow terminal I/O failures (the
//! caller decides whether to fall back to headless output).

/// Why the TUI stopped abnormally.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// stdin or stdout is not a terminal; run headless (`-p`) instead.
    #[error("the interactive UI needs a terminal on stdin and stdout; use -p for scripts")]
    NotATerminal,
    /// Reading from or writing to the terminal failed.
    #[error("terminal I/O failed while {action}: {source}")]
    Io {
        /// What the TUI was doing, e.g. `drawing the prompt`.
        action: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl TuiError {
    /// Wraps an I/O error with what was being done.
    pub(crate) fn io(action: &'static str) -> impl FnOnce(std::io::Error) -> Self {
        move |source| Self::Io { action, source }
    }
}

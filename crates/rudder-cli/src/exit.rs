//! Process exit statuses of headless runs.
//!
//! 0: the task completed. 1: it did not (API failure, max turns, interrupt,
//! refusal). 2: the command line was wrong. 3: the run needed a permission
//! that nobody could grant (headless, no permission-prompt tool) — distinct
//! so that automation can tell "blocked by policy" from "failed"
//! (USER-PAINS.md §6.7).

use std::process::ExitCode;

/// How a run ended, as the process sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The task completed.
    Success,
    /// The task did not complete.
    Failure,
    /// Invalid arguments or input.
    Usage,
    /// A tool call needed approval that nobody could give.
    PermissionNeeded,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(match exit {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::PermissionNeeded => 3,
        })
    }
}

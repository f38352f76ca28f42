//! Compaction: replacing most of a long conversation by a summary, or —
//! when no summary can be had — by stubs for its oldest tool results.
//!
//! Invariants (USER-PAINS.md §2.4, §3.1–3.4):
//! - Compaction starts only between model requests, after every
//!   `tool_use` has its `tool_result` ([`plan`] never splits a pair).
//! - The summary request carries no tools.
//! - After a summary, the context holds, verbatim: the system prompt (the
//!   frame is untouched), the environment and the memory files re-read from
//!   disk, the summary, the todo list, the paths of files modified, recent
//!   tool failures ([`summary::summary_message`]), then the last user
//!   message and the last K turns ([`plan`]).
//! - Automatic summaries are tried at most [`MAX_AUTO_ATTEMPTS`] times
//!   until the user speaks again; then the deterministic fallback
//!   ([`trim`]) drops the oldest tool results, visibly.
//! - Every removal is a transcript record and an event; the removed
//!   content stays in the file, and resume replays the records to rebuild
//!   the compacted context byte for byte.
//!
//! The modules here are pure; `session/compact.rs` drives them.

pub mod facts;
pub mod plan;
pub mod summary;
pub mod trim;

use crate::transcript::TranscriptError;

/// Percentage of the context window at which automatic compaction starts
/// when nothing lowers it.
pub const DEFAULT_THRESHOLD_PERCENT: u8 = 92;

/// Turns kept verbatim after a summary, by default.
pub const DEFAULT_KEEP_TURNS: usize = 2;

/// Automatic summary attempts allowed until the user's next prompt.
pub const MAX_AUTO_ATTEMPTS: u32 = 2;

/// Share of the window (percent) the verbatim tail may take after a
/// summary; older turns beyond it are summarized too.
pub const KEEP_BUDGET_PERCENT: u64 = 30;

/// When and how a session compacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactionSettings {
    /// Compact automatically when the context reaches the threshold.
    pub auto: bool,
    /// The threshold, in percent of the context window (1–100).
    pub threshold_percent: u8,
    /// Turns (a user prompt and everything up to the next) kept verbatim.
    pub keep_turns: usize,
}

impl Default for CompactionSettings {
    fn default() -> Self {
        Self {
            auto: true,
            threshold_percent: DEFAULT_THRESHOLD_PERCENT,
            keep_turns: DEFAULT_KEEP_TURNS,
        }
    }
}

impl CompactionSettings {
    /// The settings Claude Code's knobs give (CLAUDE-CODE-INTERFACE.md
    /// §4.3, §11): `autoCompactEnabled: false` or `DISABLE_AUTO_COMPACT`
    /// turn automatic compaction off; `CLAUDE_AUTOCOMPACT_PCT_OVERRIDE`
    /// (1–100) can only lower the threshold.
    pub fn from_knobs(
        auto_compact_enabled: Option<bool>,
        disable_auto_compact: bool,
        percent_override: Option<u64>,
    ) -> Self {
        let threshold_percent = percent_override
            .and_then(|percent| u8::try_from(percent).ok())
            .filter(|percent| (1..DEFAULT_THRESHOLD_PERCENT).contains(percent))
            .unwrap_or(DEFAULT_THRESHOLD_PERCENT);
        Self {
            auto: auto_compact_enabled != Some(false) && !disable_auto_compact,
            threshold_percent,
            keep_turns: DEFAULT_KEEP_TURNS,
        }
    }

    /// Tokens at which automatic compaction starts for a `window`-token
    /// context, `None` when it is off.
    pub fn threshold_tokens(&self, window: u64) -> Option<u64> {
        self.auto
            .then(|| window.saturating_mul(u64::from(self.threshold_percent)) / 100)
    }
}

/// What started a compaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompactTrigger {
    /// `/compact` (the TUI, or a headless prompt).
    Manual,
    /// The threshold was reached.
    Auto,
}

impl CompactTrigger {
    /// `manual` or `auto`, as in `compact_metadata.trigger`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Auto => "auto",
        }
    }

    /// The PreCompact hook's matcher subject.
    pub fn for_hooks(self) -> rudder_config::hooks::CompactTrigger {
        match self {
            Self::Manual => rudder_config::hooks::CompactTrigger::Manual,
            Self::Auto => rudder_config::hooks::CompactTrigger::Auto,
        }
    }
}

/// How a compaction went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactOutcome {
    /// What started it.
    pub trigger: CompactTrigger,
    /// Context tokens before (measured where the API reported them).
    pub pre_tokens: u64,
    /// Context tokens after (estimated).
    pub post_tokens: u64,
    /// Messages replaced by the summary (0 for the fallback).
    pub summarized_messages: usize,
    /// Tool results replaced by stubs (0 for a summary).
    pub dropped_tool_results: usize,
}

/// Why a compaction did not happen. The conversation and the transcript
/// are then unchanged, and the session stays usable.
#[derive(Debug, thiserror::Error)]
pub enum CompactError {
    /// Everything is within the turns kept verbatim.
    #[error(
        "nothing to compact: the conversation is no longer than the {keep_turns} turns kept verbatim"
    )]
    NothingToCompact {
        /// The turns kept.
        keep_turns: usize,
    },
    /// The summary request failed or returned no text.
    #[error("the compaction summary failed: {0}")]
    Summary(String),
    /// A PreCompact hook blocked the compaction.
    #[error("a PreCompact hook blocked the compaction: {0}")]
    Blocked(String),
    /// The boundary could not be written.
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
}

/// Counts failed automatic summaries until the user's next prompt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AutoGuard {
    failures: u32,
    noticed: bool,
}

impl AutoGuard {
    /// Whether another automatic summary may be tried.
    pub fn may_try(&self) -> bool {
        self.failures < MAX_AUTO_ATTEMPTS
    }

    /// Counts a failed attempt.
    pub fn failed(&mut self) {
        self.failures += 1;
    }

    /// True the first time it is asked after attempts ran out (the single
    /// notice to the user), false afterwards.
    pub fn take_notice(&mut self) -> bool {
        let first = !self.noticed;
        self.noticed = true;
        first
    }

    /// The user spoke, or a summary succeeded: attempts are allowed again.
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knobs_turn_off_and_only_lower_the_threshold() {
        let default = CompactionSettings::from_knobs(None, false, None);
        assert_eq!(default, CompactionSettings::default());
        assert_eq!(default.threshold_tokens(200_000), Some(184_000));
        assert_eq!(
            CompactionSettings::from_knobs(Some(false), false, None).threshold_tokens(1000),
            None
        );
        assert!(!CompactionSettings::from_knobs(None, true, None).auto);
        assert_eq!(
            CompactionSettings::from_knobs(None, false, Some(70)).threshold_percent,
            70
        );
        assert_eq!(
            CompactionSettings::from_knobs(None, false, Some(99)).threshold_percent,
            DEFAULT_THRESHOLD_PERCENT,
            "an override may only lower the threshold"
        );
    }

    #[test]
    fn the_guard_allows_two_attempts_and_one_notice_until_reset() {
        let mut guard = AutoGuard::default();
        assert!(guard.may_try());
        guard.failed();
        assert!(guard.may_try());
        guard.failed();
        assert!(!guard.may_try());
        assert!(guard.take_notice());
        assert!(!guard.take_notice());
        guard.reset();
        assert!(guard.may_try());
    }
}

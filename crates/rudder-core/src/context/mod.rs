//! The session's context: how full it is, what fills it, and the volatile
//! facts (date, memory files) the model was told about.
//!
//! Invariants:
//! - Token counts come from the API: after a response, the context holds
//!   that request's input (uncached + cache read + cache write) plus the
//!   response's output. Only what was appended since, and everything before
//!   the first response, is estimated ([`estimate_tokens`]: 4 bytes per
//!   token). [`ContextUsage::measured`] says which.
//! - Nothing volatile is re-derived into the cached prefix: the date and the
//!   memory files are stamped when sent ([`changes`]); a later difference
//!   is told to the model in the next prompt, after the prefix.
//!
//! This module is plain data and pure functions; the session calls them.

pub mod breakdown;
pub mod changes;

use std::sync::Arc;

use rudder_config::memory::{MemoryFile, load_memory};
use rudder_config::{ConfigPaths, SourceSet};
use rudder_protocol::Usage;
use serde::Serialize;

use crate::compaction::CompactionSettings;

/// Tokens in `bytes` bytes of request text: `ceil(bytes / 4)`, the usual
/// average for English and code (and the testkit's exact model). Used only
/// where the API has not reported a count.
pub fn estimate_tokens(bytes: usize) -> u64 {
    u64::try_from(bytes.div_ceil(4)).unwrap_or(u64::MAX)
}

/// Where the session reads memory files (`CLAUDE.md` and relatives) from:
/// at start, at each turn start (to notice edits) and after a compaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemorySource {
    /// The folders to look in.
    pub paths: ConfigPaths,
    /// Which levels (user, project, local) are read.
    pub sources: SourceSet,
}

impl MemorySource {
    /// The memory files as they are on disk now, in context order, and the
    /// warnings of the load (unreadable files, imports not followed).
    pub fn load(&self) -> (Vec<MemoryFile>, Vec<String>) {
        let loaded = load_memory(&self.paths, self.sources);
        let warnings = loaded.warnings.iter().map(ToString::to_string).collect();
        (loaded.files, warnings)
    }
}

/// Today's local date as `YYYY-MM-DD`. The system clock in the binary; a
/// test sets its own to simulate a session running past midnight.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> String + Send + Sync>);

impl Clock {
    /// The local system date.
    pub fn system() -> Self {
        Self(Arc::new(|| {
            chrono::Local::now().format("%Y-%m-%d").to_string()
        }))
    }

    /// A clock answering `today()` with `date`.
    pub fn from_fn(date: impl Fn() -> String + Send + Sync + 'static) -> Self {
        Self(Arc::new(date))
    }

    /// Today's date, `YYYY-MM-DD`.
    pub fn today(&self) -> String {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Clock").field(&self.today()).finish()
    }
}

/// How a session manages its context.
#[derive(Debug, Clone, Default)]
pub struct ContextSettings {
    /// Where memory files are read from; `None`: the session has none.
    pub memory: Option<MemorySource>,
    /// Today's date.
    pub clock: Clock,
    /// When and how to compact.
    pub compaction: CompactionSettings,
    /// The context window in tokens used for the auto-compaction threshold
    /// (`CLAUDE_CODE_AUTO_COMPACT_WINDOW`); `None`: the model's own
    /// (`rudder_model::pricing::context_window`).
    pub window: Option<u64>,
}

/// One row of a `/context` breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContextPart {
    /// `System prompt`, `System tools`, `Memory files`, `Messages` or
    /// `Tool results`.
    pub name: String,
    /// Estimated tokens (bytes / 4 of the part as sent).
    pub tokens: u64,
}

/// What fills the context now: the `/context` view, the SDK's
/// `get_context_usage` answer and the status line's numbers. Plain data.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ContextUsage {
    /// Model id the context is sent to.
    pub model: String,
    /// Tokens in the context: measured (see `measured`) or estimated.
    pub total_tokens: u64,
    /// Whether `total_tokens` is built on the API's last reported usage
    /// (true) or purely estimated (before the first response, or right
    /// after a compaction).
    pub measured: bool,
    /// The model's context window in tokens.
    pub window: u64,
    /// Tokens at which automatic compaction starts, `None` when it is off.
    pub auto_compact_threshold: Option<u64>,
    /// The parts, estimated, in a fixed order.
    pub parts: Vec<ContextPart>,
    /// Usage of the last model request of the conversation, when any
    /// (context size and cache-hit % for the status line).
    pub last_usage: Option<Usage>,
}

impl ContextUsage {
    /// `total_tokens` as a percentage of the window (0–100, may exceed 100
    /// when the context overflows).
    pub fn percentage(&self) -> f64 {
        if self.window == 0 {
            return 0.0;
        }
        // Token counts stay far below 2^52, so the conversion is exact.
        self.total_tokens as f64 * 100.0 / self.window as f64
    }

    /// Percentage of the last request's input read from the prompt cache,
    /// `None` before the first response.
    pub fn cache_hit_percent(&self) -> Option<u8> {
        let usage = self.last_usage.as_ref()?;
        let total = usage.total_input_tokens();
        if total == 0 {
            return None;
        }
        let percent = usage.cache_read_input_tokens.saturating_mul(100) / total;
        Some(u8::try_from(percent.min(100)).unwrap_or(100))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_round_up_and_percentages_use_the_window() {
        assert_eq!(
            (estimate_tokens(0), estimate_tokens(1), estimate_tokens(8)),
            (0, 1, 2)
        );
        let usage = ContextUsage {
            total_tokens: 50,
            window: 200,
            last_usage: Some(Usage {
                input_tokens: 10,
                cache_read_input_tokens: 30,
                ..Usage::default()
            }),
            ..ContextUsage::default()
        };
        assert!((usage.percentage() - 25.0).abs() < 1e-9);
        assert_eq!(usage.cache_hit_percent(), Some(75));
        assert_eq!(ContextUsage::default().cache_hit_percent(), None);
    }

    #[test]
    fn a_clock_can_be_set() {
        let clock = Clock::from_fn(|| "2026-01-02".to_owned());
        assert_eq!(clock.today(), "2026-01-02");
        assert_eq!(Clock::system().today().len(), 10);
    }
}

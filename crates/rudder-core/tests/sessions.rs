//! Sessions through the public API, in process, against the scripted model
//! server: resume equals an uninterrupted run, compaction, cache health,
//! context accounting, many sessions writing side by side, and background
//! subagents that outlive a turn.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "sessions/background.rs"]
mod background;
#[path = "sessions/common.rs"]
mod common;
#[path = "sessions/compaction.rs"]
mod compaction;
#[path = "sessions/concurrency.rs"]
mod concurrency;
#[path = "sessions/context.rs"]
mod context;
#[path = "sessions/resume_property.rs"]
mod resume_property;

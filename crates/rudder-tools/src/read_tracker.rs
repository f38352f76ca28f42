//! Which files the session has read, and their state at that time.

/// Files read in this session (to be built by the file-tools work).
#[derive(Debug, Default)]
pub struct ReadTracker {}

//! Which files the session has read, and what they held at that time: the
//! read-before-write rule of Claude Code's Write/Edit/NotebookEdit
//! (CLAUDE-CODE-INTERFACE.md §2.2: the file must have been read earlier
//! in the conversation and not changed on disk since).
//!
//! Read records a [`FileStamp`] of the *whole* file (even after a partial
//! read: editing after reading lines 1–2000 of a long file is allowed, as
//! in Claude Code). Writers check the stamp before writing and record the
//! new one after, so consecutive edits need no re-read. The content hash
//! is what decides: a `touch` does not invalidate a read, a same-size
//! rewrite does. Keys are canonical paths (links resolved), so reading a
//! link and editing its target count as the same file.
//!
//! Pure bookkeeping: this module never touches the file system.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use sha2::{Digest, Sha256};

/// What a file held when it was last read or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    /// SHA-256 of the file's bytes.
    pub sha256: [u8; 32],
    /// Size in bytes.
    pub len: u64,
}

impl FileStamp {
    /// The stamp of `bytes` (the whole file).
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self {
            sha256: Sha256::digest(bytes).into(),
            len: bytes.len() as u64,
        }
    }
}

/// Builds a [`FileStamp`] from a file streamed in chunks.
#[derive(Debug, Default, Clone)]
pub struct StampBuilder {
    hasher: Sha256,
    len: u64,
}

impl StampBuilder {
    /// Adds the next chunk of the file.
    pub fn update(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
        self.len += chunk.len() as u64;
    }

    /// The stamp of everything added.
    pub fn finish(self) -> FileStamp {
        FileStamp {
            sha256: self.hasher.finalize().into(),
            len: self.len,
        }
    }
}

/// Why a write to an existing file is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Staleness {
    /// The file was never read in this session.
    NotRead,
    /// The file changed since it was last read or written.
    Changed,
}

/// Files read in this session and their stamps. Shared by the concurrent
/// tool calls of one session.
#[derive(Debug, Default)]
pub struct ReadTracker {
    files: Mutex<HashMap<PathBuf, FileStamp>>,
}

impl ReadTracker {
    /// Records that `path` (canonical) was read or written with content `stamp`.
    pub fn record(&self, path: &Path, stamp: FileStamp) {
        self.files().insert(path.to_path_buf(), stamp);
    }

    /// The stamp recorded for `path`, if it was read or written.
    pub fn stamp(&self, path: &Path) -> Option<FileStamp> {
        self.files().get(path).copied()
    }

    /// Checks that `path`, whose current content has stamp `current`, may
    /// be written: it was read and has not changed since.
    ///
    /// Errors: [`Staleness::NotRead`] or [`Staleness::Changed`].
    pub fn check(&self, path: &Path, current: &FileStamp) -> Result<(), Staleness> {
        match self.stamp(path) {
            None => Err(Staleness::NotRead),
            Some(recorded) if recorded == *current => Ok(()),
            Some(_) => Err(Staleness::Changed),
        }
    }

    fn files(&self) -> MutexGuard<'_, HashMap<PathBuf, FileStamp>> {
        // The map stays consistent even if a holder panicked mid-insert.
        self.files.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unread_files_are_refused_and_read_files_pass() {
        let tracker = ReadTracker::default();
        let path = Path::new("/p/a.rs");
        let stamp = FileStamp::of_bytes(b"fn main() {}");
        assert_eq!(tracker.check(path, &stamp), Err(Staleness::NotRead));
        tracker.record(path, stamp);
        assert_eq!(tracker.check(path, &stamp), Ok(()));
    }

    #[test]
    fn a_change_of_content_is_detected_even_at_the_same_size() {
        let tracker = ReadTracker::default();
        let path = Path::new("/p/a.rs");
        tracker.record(path, FileStamp::of_bytes(b"abc"));
        assert_eq!(
            tracker.check(path, &FileStamp::of_bytes(b"abd")),
            Err(Staleness::Changed)
        );
    }

    #[test]
    fn streamed_stamp_equals_whole_stamp() {
        let mut builder = StampBuilder::default();
        builder.update(b"hello ");
        builder.update(b"world");
        assert_eq!(builder.finish(), FileStamp::of_bytes(b"hello world"));
    }
}

//! The shared path of every writer (Write, Edit, MultiEdit, NotebookEdit):
//! resolve the target, load what is there, enforce read-before-write, then
//! replace the file atomically and record its new stamp.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (an existing file must have
//! been read in this session and be unchanged since) and USER-PAINS.md
//! §5.3 (write through links to their target, never replace the link).
//! A file that does not exist yet may be created without a read.

use std::fs::{self, Metadata};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use nix::unistd::{AccessFlags, access};

use super::{FileError, path, write_atomic};
use crate::read_tracker::{FileStamp, ReadTracker, Staleness};

/// Largest existing file a writer loads into memory, in bytes (64 MiB).
pub const MAX_EDIT_BYTES: u64 = 64 * 1024 * 1024;

/// The current content of a file about to be replaced.
#[derive(Debug)]
pub struct Existing {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Its metadata (mode and owner are carried over to the new file).
    pub metadata: Metadata,
}

/// A checked, not yet written change to one file.
#[derive(Debug)]
pub struct PendingChange {
    /// The path as the model gave it.
    pub requested: PathBuf,
    /// The canonical file that will be written (a link's final target).
    pub target: PathBuf,
    /// Whether `requested` is itself a symbolic link.
    pub via_link: bool,
    /// What the file holds now; `None` when it does not exist yet.
    pub existing: Option<Existing>,
}

impl PendingChange {
    /// Resolves `file_path` and loads the current file, enforcing the
    /// read-before-write rule against `tracker`.
    ///
    /// Errors: [`FileError::NotAbsolute`], the resolution errors of
    /// [`path::resolve_for_write`], [`FileError::TooLarge`] (over
    /// [`MAX_EDIT_BYTES`]), [`FileError::NotRead`], [`FileError::Stale`],
    /// [`FileError::ReadOnly`] and [`FileError::PermissionDenied`].
    pub fn open(file_path: &str, tracker: &ReadTracker) -> Result<Self, FileError> {
        let requested = path::require_absolute(file_path)?;
        let (target, exists) = path::resolve_for_write(&requested)?;
        let via_link = fs::symlink_metadata(&requested).is_ok_and(|meta| meta.is_symlink());
        let existing = if exists {
            Some(load_checked(&requested, &target, tracker)?)
        } else {
            None
        };
        Ok(Self {
            requested,
            target,
            via_link,
            existing,
        })
    }

    /// Writes `bytes` to the target atomically (keeping mode and owner) and
    /// records the new stamp, so the next change needs no re-read.
    ///
    /// Errors: those of [`write_atomic`].
    pub fn commit(&self, bytes: &[u8], tracker: &ReadTracker) -> Result<(), FileError> {
        write_atomic(
            &self.target,
            bytes,
            self.existing.as_ref().map(|existing| &existing.metadata),
        )
        .map_err(|err| match err {
            FileError::PermissionDenied { action, .. } => FileError::PermissionDenied {
                path: self.requested.clone(),
                action,
            },
            other => other,
        })?;
        tracker.record(&self.target, FileStamp::of_bytes(bytes));
        Ok(())
    }

    /// A note for results when the write went through a link, else `""`.
    pub fn link_note(&self) -> String {
        if self.via_link {
            format!(" (through the symbolic link, to {})", self.target.display())
        } else {
            String::new()
        }
    }
}

/// Loads an existing file and checks it may be replaced.
fn load_checked(
    requested: &std::path::Path,
    target: &std::path::Path,
    tracker: &ReadTracker,
) -> Result<Existing, FileError> {
    let metadata = fs::metadata(target).map_err(|err| FileError::io(requested, "read", err))?;
    if metadata.len() > MAX_EDIT_BYTES {
        return Err(FileError::TooLarge {
            path: requested.to_path_buf(),
            size: metadata.len(),
            limit: MAX_EDIT_BYTES,
            hint: "Change it with Bash instead (e.g. sed, or a short script).",
        });
    }
    let bytes = fs::read(target).map_err(|err| FileError::io(requested, "read", err))?;
    tracker
        .check(target, &FileStamp::of_bytes(&bytes))
        .map_err(|staleness| match staleness {
            Staleness::NotRead => FileError::NotRead {
                path: requested.to_path_buf(),
            },
            Staleness::Changed => FileError::Stale {
                path: requested.to_path_buf(),
            },
        })?;
    let mode = metadata.permissions().mode();
    if mode & 0o222 == 0 {
        return Err(FileError::ReadOnly {
            path: requested.to_path_buf(),
            mode: mode & 0o7777,
        });
    }
    if access(target, AccessFlags::W_OK).is_err() {
        return Err(FileError::PermissionDenied {
            path: requested.to_path_buf(),
            action: "write",
        });
    }
    Ok(Existing { bytes, metadata })
}

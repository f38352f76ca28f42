//! The one error type of the file tools, with messages written for the
//! model: each says what failed, on which path, and what to do next.
//!
//! Never panics, never hides the path. Wording is our own; the situations
//! follow Claude Code's file tools (CLAUDE-CODE-INTERFACE.md §2.2).

use std::io;
use std::path::PathBuf;

use thiserror::Error;

/// Why a file tool could not do its work.
#[derive(Debug, Error)]
pub enum FileError {
    /// The tool was given a relative path.
    #[error(
        "{path} is not an absolute path. File tools take absolute paths only, e.g. /home/me/project/src/main.rs."
    )]
    NotAbsolute {
        /// The path as given.
        path: String,
    },
    /// Nothing exists at the path.
    #[error("{path} does not exist. Check the path, or use Glob or LS to find the file.")]
    NotFound {
        /// The path as given.
        path: PathBuf,
    },
    /// The path names a directory where a file was expected.
    #[error("{path} is a directory, not a file. Use LS or Glob to list its contents.")]
    IsDirectory {
        /// The path as given.
        path: PathBuf,
    },
    /// The path names a named pipe, socket or device: opening or reading
    /// it can wait forever for another process.
    #[error(
        "{path} is not a regular file (it is a named pipe, socket or device), so the file tools do not open it. Use Bash if you really need it."
    )]
    NotRegular {
        /// The path as given.
        path: PathBuf,
    },
    /// A symbolic link (or a chain of them) ends at nothing.
    #[error(
        "{path} is a symbolic link to {target}, which does not exist. Fix or remove the link first (e.g. with Bash)."
    )]
    DanglingSymlink {
        /// The link as given.
        path: PathBuf,
        /// Where the link chain points.
        target: PathBuf,
    },
    /// The operating system refused access.
    #[error("Permission denied: cannot {action} {path}. Check its permissions, or ask the user.")]
    PermissionDenied {
        /// The path that was refused.
        path: PathBuf,
        /// What was attempted: `read`, `write`, `create`.
        action: &'static str,
    },
    /// The file has no write permission bit at all; rudder will not replace
    /// it behind its owner's back.
    #[error("{path} is read-only (mode {mode:04o}). Ask the user before changing its permissions.")]
    ReadOnly {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A write to an existing file that was not read in this session.
    #[error("{path} has not been read in this session. Read it first, then retry the change.")]
    NotRead {
        /// The file.
        path: PathBuf,
    },
    /// The file's content changed since it was last read.
    #[error(
        "{path} has changed on disk since it was last read (edited by the user, a formatter or another command). Read it again, then redo the change against its current content."
    )]
    Stale {
        /// The file.
        path: PathBuf,
    },
    /// The file holds binary data (a NUL byte near its start).
    #[error(
        "{path} looks like a binary file; Read shows text, images (PNG, JPEG, GIF, WebP), PDF and notebooks only. Use Bash (e.g. `file`, `xxd | head`) to inspect it."
    )]
    Binary {
        /// The file.
        path: PathBuf,
    },
    /// The file is not valid UTF-8, so an exact-text change cannot be made safely.
    #[error(
        "{path} is not valid UTF-8 text, so it cannot be edited here without corrupting it. Use Bash (e.g. iconv) for files in other encodings."
    )]
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// The file is larger than the tool handles.
    #[error("{path} is {size} bytes, over this tool's limit of {limit} bytes. {hint}")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
        /// What to do instead.
        hint: &'static str,
    },
    /// Any other I/O failure.
    #[error("Could not {action} {path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// What was attempted, e.g. `read`, `write`, `list`.
        action: &'static str,
        /// The operating system's error.
        source: io::Error,
    },
}

impl FileError {
    /// Maps an I/O error on `path` to the most specific variant: missing
    /// file, permission, directory, or the generic [`FileError::Io`].
    pub fn io(path: impl Into<PathBuf>, action: &'static str, source: io::Error) -> Self {
        let path = path.into();
        match source.kind() {
            io::ErrorKind::NotFound => Self::NotFound { path },
            io::ErrorKind::PermissionDenied => Self::PermissionDenied { path, action },
            io::ErrorKind::IsADirectory => Self::IsDirectory { path },
            _ => Self::Io {
                path,
                action,
                source,
            },
        }
    }
}

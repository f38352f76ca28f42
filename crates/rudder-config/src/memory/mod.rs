//! Memory files: `CLAUDE.md` and its relatives, with their `@path`
//! imports, as the agent puts them into the first user message.
//!
//! Which files, in this order (CLAUDE-CODE-INTERFACE.md §7):
//! 1. managed: `/etc/claude-code/CLAUDE.md`, `/etc/rudder/CLAUDE.md`;
//! 2. user: `~/.claude/CLAUDE.md`, `~/.rudder/CLAUDE.md`, `~/.rudder/AGENTS.md`;
//! 3. project: every folder from the top (below `/`) down to the working
//!    directory: `CLAUDE.md`, `.claude/CLAUDE.md`, `AGENTS.md`, then
//!    `CLAUDE.local.md`;
//! 4. later, lazily: the same names in folders below the working directory
//!    when the model first touches them ([`memory_for_subdir`]).
//!
//! Each file is followed by the files it imports. A file is loaded once per
//! call (by real path, and by content: a symlinked `AGENTS.md` does not
//! appear twice); across calls the agent keeps the
//! [`MemoryFile::sha256`]s it has sent and drops repeats with
//! [`retain_unseen`], so a file enters the context once per session.

mod load;
mod render;

use std::collections::HashSet;
use std::path::PathBuf;

pub use load::{MAX_IMPORT_DEPTH, load_memory, memory_for_subdir};
pub use render::render_memory;

use crate::error::ConfigError;

/// Where a memory file sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemoryLevel {
    /// Administrator policy (`/etc/…`).
    Managed,
    /// The user's own (`~/.claude`, `~/.rudder`).
    User,
    /// Checked into the project (`CLAUDE.md`, `AGENTS.md`).
    Project,
    /// Personal to this checkout (`CLAUDE.local.md`).
    Local,
    /// In a folder below the working directory, loaded lazily.
    Subdirectory,
}

impl MemoryLevel {
    /// What the render calls it: `managed policy`, `user`, `project`,
    /// `project, local`, `subdirectory`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Managed => "managed policy",
            Self::User => "user",
            Self::Project => "project",
            Self::Local => "project, local",
            Self::Subdirectory => "subdirectory",
        }
    }
}

/// One loaded memory file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryFile {
    /// The file (as found, not canonicalized).
    pub path: PathBuf,
    /// Its level (an import has its importer's level).
    pub level: MemoryLevel,
    /// The file whose `@path` brought it in, for imports.
    pub imported_from: Option<PathBuf>,
    /// The text, with HTML block comments removed. `@path` mentions stay as
    /// written; the imported files follow as their own entries.
    pub content: String,
    /// Lower-case hex SHA-256 of `content`.
    pub sha256: String,
}

/// Memory files found by one call, in context order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryLoad {
    /// The files.
    pub files: Vec<MemoryFile>,
    /// Unreadable files and imports that were not followed (missing, too
    /// deep, cyclic). None of them stops loading.
    pub warnings: Vec<ConfigError>,
}

/// Keeps the files whose `sha256` is not in `seen` and adds their hashes:
/// how the agent makes sure each file's content enters the context once
/// per session.
pub fn retain_unseen(files: Vec<MemoryFile>, seen: &mut HashSet<String>) -> Vec<MemoryFile> {
    files
        .into_iter()
        .filter(|file| seen.insert(file.sha256.clone()))
        .collect()
}

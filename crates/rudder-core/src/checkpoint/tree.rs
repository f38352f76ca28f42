//! What the working tree looked like around a Bash call.
//!
//! A Bash command can change any file, so the store keeps a manifest of
//! the working tree: every regular file the walk finds (tracked and
//! untracked, `.gitignore`d ones and VCS directories skipped, hidden files
//! included — the rules of the Glob/Grep walk), with its stamp (size,
//! mtime, ctime, inode) and its stored content. Before a Bash call the
//! manifest is brought up to date (only files whose stamp changed are read
//! again); after it, a second walk finds what the command created, changed
//! or deleted, and their states from the manifest become the turn's
//! checkpoint.
//!
//! Owns: walking and comparing stamps. Must never: read file contents (the
//! store does that, within its caps) or follow symbolic links.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use ignore::WalkBuilder;
use rudder_tools::walk::VCS_DIRS;

use super::journal::Before;

/// What changes when a file is written: if all of these are equal, the
/// file is taken as unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    ino: u64,
}

impl Stamp {
    /// The stamp of `meta`.
    pub(crate) fn of(meta: &std::fs::Metadata) -> Self {
        Self {
            len: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            ino: meta.ino(),
        }
    }

    /// Whether the file's status changed at or after `time` (seconds and
    /// nanoseconds since the epoch). The kernel stamps files with a coarse
    /// clock, so a file changed just after `time` may still look older:
    /// this errs towards "older", never towards "newer".
    fn changed_since(&self, time: (i64, i64)) -> bool {
        self.ctime >= time
    }
}

/// One walk of the tree: regular files by absolute path.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// Each file's stamp.
    pub(crate) files: HashMap<PathBuf, Stamp>,
    /// The walk stopped at the file cap.
    pub(crate) truncated: bool,
}

/// Walks `root` in name order, skipping `exclude`d directories, and stops
/// after `max_files` files.
pub(crate) fn scan(root: &Path, exclude: &[PathBuf], max_files: usize) -> Scan {
    let exclude = exclude.to_vec();
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|kind| kind.is_dir());
            let vcs =
                is_dir && entry.depth() > 0 && VCS_DIRS.iter().any(|vcs| entry.file_name() == *vcs);
            !vcs && !exclude.iter().any(|dir| entry.path().starts_with(dir))
        });
    let mut result = Scan::default();
    for entry in builder.build().filter_map(Result::ok) {
        if !entry.file_type().is_some_and(|kind| kind.is_file()) {
            continue;
        }
        if result.files.len() >= max_files {
            result.truncated = true;
            break;
        }
        if let Ok(meta) = entry.metadata() {
            result
                .files
                .insert(entry.path().to_path_buf(), Stamp::of(&meta));
        }
    }
    result
}

/// A manifest entry: the file's stamp and its content as stored.
#[derive(Debug, Clone)]
pub(crate) struct TreeEntry {
    /// The stamp when it was stored.
    pub(crate) stamp: Stamp,
    /// Its content (or why it was not kept).
    pub(crate) before: Before,
}

/// The manifest of the working tree.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    /// Files by absolute path.
    pub(crate) files: HashMap<PathBuf, TreeEntry>,
    /// The last walk stopped at the file cap.
    pub(crate) truncated: bool,
    /// When the running Bash call started (set by the pre-call refresh).
    pub(crate) started: Option<SystemTime>,
}

/// What a Bash call did to the tree.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Changes {
    /// Existing files whose stamp changed, or that were deleted.
    pub(crate) touched: Vec<PathBuf>,
    /// Files that did not exist before the call.
    pub(crate) created: Vec<PathBuf>,
}

impl Tree {
    /// Compares the manifest with a walk made after the call.
    ///
    /// A file missing from the walk counts as deleted only if it is really
    /// gone (a capped walk may just not reach it). A file missing from the
    /// manifest counts as created only if the manifest was complete, or its
    /// status changed after the call started (a capped walk may have
    /// skipped it before): a pre-existing file is never taken for a new one,
    /// which rewinding would delete.
    pub(crate) fn changes(&self, after: &Scan) -> Changes {
        let mut changes = Changes::default();
        for (path, entry) in &self.files {
            match after.files.get(path) {
                Some(stamp) if *stamp == entry.stamp => {}
                Some(_) => changes.touched.push(path.clone()),
                None => match std::fs::symlink_metadata(path) {
                    Ok(meta) if meta.is_file() && Stamp::of(&meta) == entry.stamp => {}
                    _ => changes.touched.push(path.clone()),
                },
            }
        }
        let started = self
            .started
            .and_then(|time| time.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or((0, 0), |since| {
                (
                    i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
                    i64::from(since.subsec_nanos()),
                )
            });
        for (path, stamp) in &after.files {
            if !self.files.contains_key(path) && (!self.truncated || stamp.changed_since(started)) {
                changes.created.push(path.clone());
            }
        }
        changes.touched.sort();
        changes.created.sort();
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_untracked_and_hidden_files_but_not_ignored_or_excluded_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(root.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::write(root.join(".gitignore"), "build/\n").unwrap();
        std::fs::create_dir_all(root.join("build")).unwrap();
        std::fs::write(root.join("build/out.o"), "x").unwrap();
        std::fs::create_dir_all(root.join("home")).unwrap();
        std::fs::write(root.join("home/blob"), "x").unwrap();
        std::fs::write(root.join(".env.example"), "A=1").unwrap();
        std::fs::write(root.join("main.rs"), "fn main() {}").unwrap();
        let found = scan(&root, &[root.join("home")], 100);
        let mut names: Vec<String> = found
            .files
            .keys()
            .map(|path| path.strip_prefix(&root).unwrap().display().to_string())
            .collect();
        names.sort();
        assert_eq!(names, [".env.example", ".gitignore", "main.rs"]);
        assert!(!found.truncated);
        let capped = scan(&root, &[], 2);
        assert_eq!(capped.files.len(), 2);
        assert!(capped.truncated);
    }
}

//! Checkpoints: every file a tool changes is saved per user turn, outside
//! git, so `/rewind` (and the SDK's `rewind_files`) can put the files back
//! exactly as they were before a chosen turn (USER-PAINS.md §7 "Undo";
//! CLAUDE-CODE-INTERFACE.md §11).
//!
//! Layout: `<rudder_home>/file-history/<session-id>/` holds
//! `checkpoints.jsonl` (the journal, see `journal.rs`) and `blobs/`
//! (content-addressed copies, see `blobs.rs`). Directories are 0700 and
//! files 0600.
//!
//! What is saved, per user turn, before the turn's first change to a file:
//! - **File tools** (Edit, MultiEdit, Write, NotebookEdit): the target's
//!   content right before the write (or "absent" for a new file).
//! - **Bash**: a manifest of the working tree (see `tree.rs`) is refreshed
//!   before each call — only files whose size/mtime/ctime/inode changed are
//!   read again — and compared after it; each file the command created,
//!   changed or deleted gets its pre-call state from the manifest.
//!
//! Bounds ([`CheckpointLimits`]): a file larger than `max_file_bytes` is
//! not copied; the working-tree walk stops after `max_tree_files` files
//! (in name order); Bash snapshots copy at most `max_tree_bytes` per
//! session. A file that was not copied is still journaled, with the
//! reason, and the person is told when the turn touches it; rewinding then
//! reports it as not restorable instead of guessing.
//!
//! Not covered: files outside the working directory changed by Bash,
//! changes made by background shells after their call returned, symbolic
//! links themselves, and edits made outside rudder (they are never undone).
//!
//! Owns: the store and its I/O. Blocking: callers run it on a blocking
//! thread. Must never: write inside the working tree except when asked to
//! rewind, or touch git.

mod blobs;
mod journal;
mod restore;
#[cfg(test)]
mod tests;
mod tree;

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

pub use journal::Before;
pub use restore::RestoreReport;

use blobs::Blobs;
use journal::{Entry, Journal};
use tree::{Tree, TreeEntry};

/// Size caps of a checkpoint store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointLimits {
    /// Largest file copied, in bytes (default 5 MiB).
    pub max_file_bytes: u64,
    /// Bytes Bash snapshots may copy per session (default 256 MiB).
    pub max_tree_bytes: u64,
    /// Files the working-tree walk visits (default 20 000).
    pub max_tree_files: usize,
}

impl Default for CheckpointLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: 5 * 1024 * 1024,
            max_tree_bytes: 256 * 1024 * 1024,
            max_tree_files: 20_000,
        }
    }
}

/// Why the store could not save or rewind.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The journal or a blob could not be written or read.
    #[error("checkpoint store {path}: {source}")]
    Io {
        /// The store directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No turn with this id was recorded in this session.
    #[error("no checkpoint was recorded for the message {0} in this session")]
    UnknownTurn(String),
}

/// Saves pre-images of changed files per user turn and rewinds them.
/// Shared by the turn loop and front ends (`Arc`); internally locked.
#[derive(Debug)]
pub struct CheckpointStore {
    dir: PathBuf,
    root: PathBuf,
    exclude: Vec<PathBuf>,
    limits: CheckpointLimits,
    blobs: Blobs,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    journal: Journal,
    turn: Option<String>,
    saved: HashSet<PathBuf>,
    tree: Option<Tree>,
    tree_bytes: u64,
    warned: HashSet<PathBuf>,
    warned_truncated: bool,
}

impl CheckpointStore {
    /// `<rudder_home>/file-history/<session_id>`: where a session's store lives.
    pub fn dir_for(rudder_home: &Path, session_id: &str) -> PathBuf {
        rudder_home.join("file-history").join(session_id)
    }

    /// A store in `dir` for the working tree at `root` (canonical). Paths
    /// under `exclude` (rudder's own state) are never walked. Nothing is
    /// written until the first change is saved; an existing journal is
    /// appended to (a resumed session keeps its checkpoints).
    pub fn new(
        dir: PathBuf,
        root: PathBuf,
        exclude: Vec<PathBuf>,
        limits: CheckpointLimits,
    ) -> Self {
        Self {
            blobs: Blobs::new(dir.join("blobs")),
            state: Mutex::new(State {
                journal: Journal::new(&dir),
                turn: None,
                saved: HashSet::new(),
                tree: None,
                tree_bytes: 0,
                warned: HashSet::new(),
                warned_truncated: false,
            }),
            dir,
            root,
            exclude,
            limits,
        }
    }

    /// The store directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn io(&self) -> impl FnOnce(std::io::Error) -> CheckpointError + '_ {
        move |source| CheckpointError::Io {
            path: self.dir.clone(),
            source,
        }
    }

    /// Starts the checkpoint of a user turn: later changes are saved under
    /// `turn` (the uuid of the user message that started it).
    ///
    /// Errors: the journal cannot be written.
    pub fn begin_turn(&self, turn: &str) -> Result<(), CheckpointError> {
        let mut state = self.state();
        state
            .journal
            .append(&Entry::Turn {
                turn: turn.to_owned(),
                timestamp: crate::session::now(),
            })
            .map_err(self.io())?;
        state.turn = Some(turn.to_owned());
        state.saved.clear();
        Ok(())
    }

    /// Saves `path`'s current state before a file tool writes it (once per
    /// turn). Returns messages for the person (a file too large to keep).
    ///
    /// Errors: the journal or the blob cannot be written.
    pub fn save_before_write(&self, path: &Path) -> Result<Vec<String>, CheckpointError> {
        let path = resolve(path);
        let mut state = self.state();
        if state.turn.is_none() || state.saved.contains(&path) {
            return Ok(Vec::new());
        }
        let before = self.capture(&path, None)?;
        self.record(&mut state, &path, before)
    }

    /// Refreshes the working-tree manifest before a Bash call. Returns
    /// messages for the person (the tree exceeds the walk cap).
    ///
    /// Errors: a blob cannot be written.
    pub fn before_bash(&self) -> Result<Vec<String>, CheckpointError> {
        let started = SystemTime::now();
        let scan = tree::scan(&self.root, &self.exclude, self.limits.max_tree_files);
        let mut state = self.state();
        let old = state.tree.take().unwrap_or_default();
        let mut tree = Tree {
            truncated: scan.truncated,
            started: Some(started),
            ..Tree::default()
        };
        for (path, stamp) in scan.files {
            let entry = match old.files.get(&path) {
                Some(entry) if entry.stamp == stamp => entry.clone(),
                _ => TreeEntry {
                    stamp,
                    before: self.capture(&path, Some(&mut state.tree_bytes))?,
                },
            };
            tree.files.insert(path, entry);
        }
        let mut messages = Vec::new();
        if tree.truncated && !state.warned_truncated {
            state.warned_truncated = true;
            messages.push(format!(
                "The working tree has more than {} files; Bash changes are checkpointed only in the first {} \
                 (by name), so /rewind may not undo Bash changes to the others.",
                self.limits.max_tree_files, self.limits.max_tree_files
            ));
        }
        state.tree = Some(tree);
        Ok(messages)
    }

    /// After a Bash call: saves, for the current turn, the earlier state of
    /// every file the call created, changed or deleted, and updates the
    /// manifest. Returns messages for the person (a changed file that was
    /// too large to keep).
    ///
    /// Errors: the journal or a blob cannot be written.
    pub fn after_bash(&self) -> Result<Vec<String>, CheckpointError> {
        let scan = tree::scan(&self.root, &self.exclude, self.limits.max_tree_files);
        let mut state = self.state();
        let Some(mut tree) = state.tree.take() else {
            return Ok(Vec::new());
        };
        let changes = tree.changes(&scan);
        let mut messages = Vec::new();
        for path in &changes.touched {
            if let Some(entry) = tree.files.get(path) {
                let before = entry.before.clone();
                messages.extend(self.record(&mut state, path, before)?);
            }
        }
        for path in &changes.created {
            messages.extend(self.record(&mut state, path, Before::Absent)?);
        }
        for path in changes.touched.iter().chain(&changes.created) {
            match fs::symlink_metadata(path) {
                Ok(meta) if meta.is_file() => {
                    let before = self.capture(path, Some(&mut state.tree_bytes))?;
                    tree.files.insert(
                        path.clone(),
                        TreeEntry {
                            stamp: tree::Stamp::of(&meta),
                            before,
                        },
                    );
                }
                _ => {
                    tree.files.remove(path);
                }
            }
        }
        tree.truncated = scan.truncated;
        tree.started = None;
        state.tree = Some(tree);
        Ok(messages)
    }

    /// The files a rewind to before `turn` would consider (changed by that
    /// turn or later), in the order they were first changed.
    ///
    /// Errors: the journal cannot be read; the turn is unknown.
    pub fn changed_since(&self, turn: &str) -> Result<Vec<PathBuf>, CheckpointError> {
        let entries = self.state().journal.read().map_err(self.io())?;
        Ok(restore::plan(&entries, turn)?
            .files
            .into_iter()
            .map(|(path, _)| path)
            .collect())
    }

    /// Whether a turn with this id was recorded.
    pub fn has_turn(&self, turn: &str) -> bool {
        self.state().journal.read().is_ok_and(|entries| {
            entries
                .iter()
                .any(|entry| matches!(entry, Entry::Turn { turn: id, .. } if id == turn))
        })
    }

    /// Puts every file changed since the start of `turn` back as it was
    /// then, byte for byte (with `dry_run`, only reports what it would do).
    /// The working-tree manifest is refreshed by the next Bash call.
    ///
    /// Errors: the journal cannot be read; the turn is unknown. Files that
    /// cannot be restored are listed in the report, not errors.
    pub fn rewind(&self, turn: &str, dry_run: bool) -> Result<RestoreReport, CheckpointError> {
        let state = self.state();
        let entries = state.journal.read().map_err(self.io())?;
        let plan = restore::plan(&entries, turn)?;
        Ok(restore::apply(&plan, &self.blobs, dry_run))
    }

    /// The state of `path` now, copied into the blob store within the caps.
    /// `tree_budget` counts bytes against the session's Bash snapshot cap.
    fn capture(
        &self,
        path: &Path,
        tree_budget: Option<&mut u64>,
    ) -> Result<Before, CheckpointError> {
        let meta = match fs::metadata(path) {
            Ok(meta) => meta,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Before::Absent);
            }
            Err(error) => {
                return Ok(Before::NotSaved {
                    size: 0,
                    reason: format!("it could not be read: {error}"),
                });
            }
        };
        let size = meta.len();
        if !meta.is_file() {
            return Ok(Before::NotSaved {
                size,
                reason: "it is not a regular file".to_owned(),
            });
        }
        if size > self.limits.max_file_bytes {
            return Ok(Before::NotSaved {
                size,
                reason: format!(
                    "{} is over the {} checkpoint cap per file",
                    mib(size),
                    mib(self.limits.max_file_bytes)
                ),
            });
        }
        if let Some(used) = &tree_budget
            && **used + size > self.limits.max_tree_bytes
        {
            return Ok(Before::NotSaved {
                size,
                reason: format!(
                    "the session's {} budget for Bash snapshots is used up",
                    mib(self.limits.max_tree_bytes)
                ),
            });
        }
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) => {
                return Ok(Before::NotSaved {
                    size,
                    reason: format!("it could not be read: {error}"),
                });
            }
        };
        let blob = self.blobs.put(&bytes).map_err(self.io())?;
        if let Some(used) = tree_budget {
            *used += bytes.len() as u64;
        }
        Ok(Before::Stored {
            blob,
            mode: meta.mode() & 0o7777,
            size: bytes.len() as u64,
        })
    }

    /// Journals `before` as `path`'s state before the current turn changed
    /// it, unless the turn already saved it. Returns a message when the
    /// state could not be kept.
    fn record(
        &self,
        state: &mut State,
        path: &Path,
        before: Before,
    ) -> Result<Vec<String>, CheckpointError> {
        let Some(turn) = state.turn.clone() else {
            return Ok(Vec::new());
        };
        if !state.saved.insert(path.to_owned()) {
            return Ok(Vec::new());
        }
        let mut messages = Vec::new();
        if let Before::NotSaved { reason, .. } = &before
            && state.warned.insert(path.to_owned())
        {
            messages.push(format!(
                "{} was changed but not checkpointed ({reason}); /rewind cannot restore it.",
                path.display()
            ));
        }
        state
            .journal
            .append(&Entry::File {
                turn,
                path: path.to_owned(),
                before,
            })
            .map_err(self.io())?;
        Ok(messages)
    }
}

/// `path` with symbolic links resolved (of the file when it exists, else
/// of its directory), so a restore writes where the tool wrote.
fn resolve(path: &Path) -> PathBuf {
    if let Ok(real) = fs::canonicalize(path) {
        return real;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => fs::canonicalize(parent)
            .map(|parent| parent.join(name))
            .unwrap_or_else(|_| path.to_owned()),
        _ => path.to_owned(),
    }
}

/// `5.0 MiB`.
fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

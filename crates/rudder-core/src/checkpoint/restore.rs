//! Rewinding files: which state each file must go back to, and putting it
//! there byte for byte.
//!
//! The plan for "before turn T" takes, for every file with a journal line
//! after T's `turn` line, the first such line's `before`. Applying it
//! writes stored content through a temporary file renamed into place (with
//! the recorded permission bits), deletes files that did not exist, and
//! reports the files it cannot restore (not kept: over a cap, unreadable).
//!
//! Owns: planning and applying. Must never: touch a file the plan does not
//! name.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::CheckpointError;
use super::blobs::Blobs;
use super::journal::{Before, Entry};

/// The states to restore for a rewind to before one turn, in the order the
/// files were first changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Each file and the state it goes back to.
    pub(crate) files: Vec<(PathBuf, Before)>,
}

/// What a rewind did (or, for a dry run, would do) to the files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestoreReport {
    /// Files written back to their earlier content.
    pub restored: Vec<PathBuf>,
    /// Files deleted because they did not exist before the turn.
    pub removed: Vec<PathBuf>,
    /// Files already in their earlier state (left untouched).
    pub unchanged: Vec<PathBuf>,
    /// Files that could not be restored, with the reason.
    pub failed: Vec<(PathBuf, String)>,
}

impl RestoreReport {
    /// Files the rewind changes, restored then removed.
    pub fn changed(&self) -> Vec<&Path> {
        self.restored
            .iter()
            .chain(&self.removed)
            .map(PathBuf::as_path)
            .collect()
    }
}

/// The plan for rewinding to before `turn`, from the journal's `entries`.
///
/// Errors: [`CheckpointError::UnknownTurn`] when the journal has no such
/// turn.
pub(crate) fn plan(entries: &[Entry], turn: &str) -> Result<Plan, CheckpointError> {
    let start = entries
        .iter()
        .position(|entry| matches!(entry, Entry::Turn { turn: id, .. } if id == turn))
        .ok_or_else(|| CheckpointError::UnknownTurn(turn.to_owned()))?;
    let mut seen: HashMap<&Path, ()> = HashMap::new();
    let mut files = Vec::new();
    for entry in &entries[start..] {
        if let Entry::File { path, before, .. } = entry
            && seen.insert(path.as_path(), ()).is_none()
        {
            files.push((path.clone(), before.clone()));
        }
    }
    Ok(Plan { files })
}

/// Carries out `plan` (or only reports what it would do, with `dry_run`).
pub(crate) fn apply(plan: &Plan, blobs: &Blobs, dry_run: bool) -> RestoreReport {
    let mut report = RestoreReport::default();
    for (path, before) in &plan.files {
        match before {
            Before::Absent => match fs::symlink_metadata(path) {
                Err(error) if error.kind() == io::ErrorKind::NotFound => {
                    report.unchanged.push(path.clone());
                }
                Ok(meta) if meta.is_dir() => report.failed.push((
                    path.clone(),
                    "did not exist before, and is now a directory; left in place".to_owned(),
                )),
                _ if dry_run => report.removed.push(path.clone()),
                _ => match fs::remove_file(path) {
                    Ok(()) => report.removed.push(path.clone()),
                    Err(error) => report
                        .failed
                        .push((path.clone(), format!("cannot delete it: {error}"))),
                },
            },
            Before::Stored { blob, mode, .. } => match blobs.get(blob) {
                Err(error) => report.failed.push((
                    path.clone(),
                    format!("its saved content cannot be read: {error}"),
                )),
                Ok(bytes) if is_current(path, &bytes, *mode) => {
                    report.unchanged.push(path.clone());
                }
                Ok(_) if dry_run => report.restored.push(path.clone()),
                Ok(bytes) => match write_back(path, &bytes, *mode) {
                    Ok(()) => report.restored.push(path.clone()),
                    Err(error) => report
                        .failed
                        .push((path.clone(), format!("cannot write it: {error}"))),
                },
            },
            Before::NotSaved { reason, .. } => report
                .failed
                .push((path.clone(), format!("it was not saved ({reason})"))),
        }
    }
    report
}

/// Whether `path` already holds `bytes` with permission bits `mode`.
fn is_current(path: &Path, bytes: &[u8], mode: u32) -> bool {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return false;
    };
    meta.is_file()
        && meta.len() == bytes.len() as u64
        && meta.permissions().mode() & 0o7777 == mode
        && fs::read(path).is_ok_and(|current| current == bytes)
}

/// Writes `bytes` to `path` through a temporary file in the same directory
/// (creating missing parents), with permission bits `mode`.
fn write_back(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let parent = path
        .parent()
        .ok_or_else(|| io::Error::other("the path has no parent directory"))?;
    fs::create_dir_all(parent)?;
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = parent.join(format!(".{name}.rudder-rewind-{}", std::process::id()));
    let written = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temp)
        .and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_data()))
        .and_then(|()| fs::set_permissions(&temp, fs::Permissions::from_mode(mode)))
        .and_then(|()| fs::rename(&temp, path));
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

//! Atomic file replacement: write a temporary file next to the target,
//! flush it, then rename it over the target.
//!
//! A reader sees either the old or the new content, never a torn file. The
//! replacement keeps the old file's permission bits and, where the process
//! may, its owner and group. Callers pass the *final* target of a symbolic
//! link chain (see `path.rs`), so links are never replaced by regular
//! files. Hard links to the old file keep the old content: rename gives
//! the path a new inode, as editors that save atomically do.
//!
//! The temporary file is created with `O_EXCL` in the target's directory
//! (the only place a rename is atomic) and removed if anything fails.

use std::fs::{self, Metadata, Permissions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use super::FileError;

/// Mode requested for a new file; the process umask then applies, as it
/// would for `open(…, O_CREAT, 0666)`.
const NEW_FILE_MODE: u32 = 0o666;

/// Replaces (or creates) `target` with `bytes`.
///
/// `existing` is the metadata of the file being replaced (`None` for a new
/// file, whose missing parent directories are created). The new file gets
/// the old permission bits and, best effort, the old owner and group.
///
/// Errors: [`FileError::PermissionDenied`] when the directory is not
/// writable, [`FileError::Io`] for anything else (disk full, …); the
/// target is left untouched in every error case.
pub fn write_atomic(
    target: &Path,
    bytes: &[u8],
    existing: Option<&Metadata>,
) -> Result<(), FileError> {
    let dir = target.parent().ok_or_else(|| FileError::Io {
        path: target.to_path_buf(),
        action: "write",
        source: std::io::Error::other("the path has no parent directory"),
    })?;
    if existing.is_none() {
        fs::create_dir_all(dir).map_err(|err| FileError::io(dir, "create", err))?;
    }
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mode = existing.map_or(NEW_FILE_MODE, |meta| meta.permissions().mode() & 0o7777);
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".rudder-tmp")
        .permissions(Permissions::from_mode(mode))
        .tempfile_in(dir)
        .map_err(|err| FileError::io(target, "write", err))?;
    let write_err = |err| FileError::io(target, "write", err);
    if let Some(meta) = existing {
        // Exact bits, not filtered by the umask as the create mode was.
        temp.as_file()
            .set_permissions(Permissions::from_mode(mode))
            .map_err(write_err)?;
        keep_owner(temp.as_file(), meta);
    }
    temp.write_all(bytes).map_err(write_err)?;
    temp.as_file().sync_all().map_err(write_err)?;
    temp.persist(target)
        .map_err(|err| FileError::io(target, "write", err.error))?;
    if let Ok(dir_handle) = fs::File::open(dir) {
        // Durability of the rename; a failure here does not undo the write.
        let _ = dir_handle.sync_all();
    }
    Ok(())
}

/// Gives `file` the owner and group of the replaced file when they differ
/// from ours. Only root (or a member of the group) may; otherwise the
/// attempt fails harmlessly and the file belongs to us, as any editor's
/// save would.
fn keep_owner(file: &fs::File, old: &Metadata) {
    let Ok(current) = file.metadata() else {
        return;
    };
    if current.uid() != old.uid() || current.gid() != old.gid() {
        let _ = std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacement_keeps_the_mode_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.sh");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, Permissions::from_mode(0o750)).unwrap();
        let meta = fs::metadata(&path).unwrap();
        write_atomic(&path, b"new", Some(&meta)).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o7777,
            0o750
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn new_file_creates_missing_directories() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/new.txt");
        write_atomic(&path, b"hi", None).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "hi");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_ne!(mode & 0o600, 0, "owner can read and write: {mode:o}");
    }
}

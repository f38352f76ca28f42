//! How file tools turn the path a model gives into the file they touch.
//!
//! Reading follows every symbolic link to the real file. Writing follows
//! the link chain to its final target and writes *there*, so the link
//! survives (USER-PAINS.md §5.3, CC#28376). A dangling link and a link to
//! a directory are errors, never silently replaced. This module only
//! resolves: it never creates, writes or deletes anything, and it does
//! not decide permissions (policy judges the resolved path before the
//! tool runs).

use std::fs;
use std::path::{Component, Path, PathBuf};

use super::FileError;

/// Checks that `path` is absolute and returns it as a `PathBuf`.
///
/// Errors: [`FileError::NotAbsolute`] for a relative or empty path.
pub fn require_absolute(path: &str) -> Result<PathBuf, FileError> {
    let candidate = PathBuf::from(path);
    if candidate.is_absolute() {
        Ok(candidate)
    } else {
        Err(FileError::NotAbsolute {
            path: path.to_owned(),
        })
    }
}

/// Resolves an existing regular file for reading: follows all symbolic
/// links and returns the canonical path of the file itself.
///
/// Errors: [`FileError::NotFound`], [`FileError::DanglingSymlink`],
/// [`FileError::IsDirectory`], [`FileError::NotRegular`] (a named pipe,
/// socket or device, whose open or read could block forever),
/// [`FileError::PermissionDenied`] (a parent directory cannot be
/// searched), [`FileError::Io`].
pub fn resolve_existing_file(path: &Path) -> Result<PathBuf, FileError> {
    let canonical = canonicalize(path)?;
    let metadata = fs::metadata(&canonical).map_err(|err| FileError::io(path, "read", err))?;
    regular_file(path, &metadata)?;
    Ok(canonical)
}

/// Checks that `metadata` (of `path`, links followed) is a regular file.
///
/// Errors: [`FileError::IsDirectory`], [`FileError::NotRegular`].
pub fn regular_file(path: &Path, metadata: &fs::Metadata) -> Result<(), FileError> {
    if metadata.is_dir() {
        return Err(FileError::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    if !metadata.is_file() {
        return Err(FileError::NotRegular {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Resolves an existing directory (following links) to its canonical path.
///
/// Errors: as [`resolve_existing_file`], plus [`FileError::Io`] when the
/// path is a file (the message names it as not a directory).
pub fn resolve_existing_dir(path: &Path) -> Result<PathBuf, FileError> {
    let canonical = canonicalize(path)?;
    let metadata = fs::metadata(&canonical).map_err(|err| FileError::io(path, "list", err))?;
    if !metadata.is_dir() {
        return Err(FileError::Io {
            path: path.to_path_buf(),
            action: "list",
            source: std::io::Error::other("it is a file, not a directory"),
        });
    }
    Ok(canonical)
}

/// Where a write to `path` lands: the canonical path of the file (the
/// final target when `path` is a symbolic link), and whether that file
/// exists yet.
///
/// For a path that does not exist, the longest existing ancestor is
/// canonicalized and the missing components are appended; they may not
/// contain `..`.
///
/// Errors: [`FileError::DanglingSymlink`] when `path` is a link whose chain
/// ends at nothing, [`FileError::IsDirectory`] when the target is a
/// directory, [`FileError::NotRegular`] when it is a pipe, socket or device, [`FileError::Io`] when an ancestor is a file or a missing
/// part contains `..`, [`FileError::PermissionDenied`].
pub fn resolve_for_write(path: &Path) -> Result<(PathBuf, bool), FileError> {
    match fs::symlink_metadata(path) {
        Ok(_) => {
            let canonical = canonicalize(path)?;
            let metadata =
                fs::metadata(&canonical).map_err(|err| FileError::io(path, "write", err))?;
            regular_file(path, &metadata)?;
            Ok((canonical, true))
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            Ok((resolve_missing(path)?, false))
        }
        Err(err) => Err(FileError::io(path, "write", err)),
    }
}

/// Canonicalizes `path`, telling a dangling link apart from a missing file.
fn canonicalize(path: &Path) -> Result<PathBuf, FileError> {
    fs::canonicalize(path).map_err(|err| {
        if err.kind() == std::io::ErrorKind::NotFound
            && let Ok(target) = fs::read_link(path)
        {
            return FileError::DanglingSymlink {
                path: path.to_path_buf(),
                target,
            };
        }
        FileError::io(path, "read", err)
    })
}

/// Canonical location for a path that does not exist yet.
fn resolve_missing(path: &Path) -> Result<PathBuf, FileError> {
    let mut missing = Vec::new();
    let mut existing = path;
    while fs::symlink_metadata(existing).is_err() {
        let (Some(parent), Some(name)) = (existing.parent(), existing.file_name()) else {
            break;
        };
        missing.push(name.to_owned());
        existing = parent;
    }
    let mut resolved = canonicalize(existing)?;
    if !resolved.is_dir() {
        return Err(FileError::Io {
            path: path.to_path_buf(),
            action: "create",
            source: std::io::Error::other(format!("{} is not a directory", existing.display())),
        });
    }
    for name in missing.iter().rev() {
        if Path::new(name)
            .components()
            .any(|part| matches!(part, Component::ParentDir))
        {
            return Err(FileError::Io {
                path: path.to_path_buf(),
                action: "create",
                source: std::io::Error::other("'..' below a directory that does not exist"),
            });
        }
        resolved.push(name);
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn relative_paths_are_refused() {
        assert!(matches!(
            require_absolute("src/main.rs"),
            Err(FileError::NotAbsolute { .. })
        ));
        assert!(require_absolute("/etc/hosts").is_ok());
    }

    #[test]
    fn write_through_a_link_chain_lands_on_the_final_target() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.txt");
        fs::write(&real, "x").unwrap();
        symlink(&real, dir.path().join("one")).unwrap();
        symlink(dir.path().join("one"), dir.path().join("two")).unwrap();
        let (target, exists) = resolve_for_write(&dir.path().join("two")).unwrap();
        assert!(exists);
        assert_eq!(target, fs::canonicalize(&real).unwrap());
    }

    #[test]
    fn missing_file_in_missing_directories_resolves_below_the_real_ancestor() {
        let dir = tempfile::tempdir().unwrap();
        let (target, exists) = resolve_for_write(&dir.path().join("a/b/c.txt")).unwrap();
        assert!(!exists);
        assert_eq!(
            target,
            fs::canonicalize(dir.path()).unwrap().join("a/b/c.txt")
        );
    }

    #[test]
    fn dangling_link_is_reported_with_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link");
        symlink(dir.path().join("gone"), &link).unwrap();
        assert!(matches!(
            resolve_for_write(&link),
            Err(FileError::DanglingSymlink { .. })
        ));
        assert!(matches!(
            resolve_existing_file(&link),
            Err(FileError::DanglingSymlink { .. })
        ));
    }

    #[test]
    fn directories_are_not_files() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            resolve_existing_file(dir.path()),
            Err(FileError::IsDirectory { .. })
        ));
        assert!(matches!(
            resolve_for_write(dir.path()),
            Err(FileError::IsDirectory { .. })
        ));
    }
}

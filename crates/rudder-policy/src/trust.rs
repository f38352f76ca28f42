//! The per-user store of trusted folders: `<base>/trust.json`, where the
//! caller gives `<base>` (`~/.rudder`, or `$RUDDER_HOME`).
//!
//! Contract (ARCHITECTURE.md "Nothing runs before trust"; USER-PAINS.md
//! §5.1; CLAUDE-CODE-INTERFACE.md §12):
//! - the key is the canonical path of the folder's verified repository root
//!   — the nearest ancestor whose `.git` is a real directory holding `HEAD`
//!   or a `gitdir:` file — or of the folder itself outside a repository. It
//!   is never taken from what the repository's files say about other
//!   repositories: no `commondir`, no `gitdir` target is followed
//!   (CVE-2026-40068, GHSA-q5hj-mxqh-vv77);
//! - trusting a folder trusts everything below it;
//! - writes take an exclusive lock (`trust.json.lock`, std `File::lock`),
//!   re-read the file, merge, write a temporary file in the same directory
//!   with mode 0600 and rename it into place: concurrent sessions never
//!   lose each other's entries, a crash never leaves a torn file, and a
//!   file that does not parse is reported, never overwritten.
//!
//! Owns this file only; never reads anything from the trusted folder but
//! its `.git` entry's type.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

/// The store's file name inside the base directory.
pub const TRUST_FILE: &str = "trust.json";

/// Why the trust store could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// A filesystem operation failed.
    #[error("{action} `{}` failed: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The store exists but is not valid; it is left untouched.
    #[error("the trust store `{}` is not valid ({message}); fix or remove it — rudder does not overwrite it", path.display())]
    Corrupt {
        /// The store's path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> TrustError {
    let path = path.to_path_buf();
    move |source| TrustError::Io {
        action,
        path,
        source,
    }
}

/// The trust store under one base directory.
#[derive(Debug, Clone)]
pub struct TrustStore {
    base: PathBuf,
}

impl TrustStore {
    /// The store in `base_dir` (created on first write, mode 0700).
    pub fn new(base_dir: impl Into<PathBuf>) -> Self {
        Self {
            base: base_dir.into(),
        }
    }

    /// The store file's path.
    pub fn file(&self) -> PathBuf {
        self.base.join(TRUST_FILE)
    }

    /// Whether `dir` (or a folder above its trust key) is trusted.
    ///
    /// Errors: `dir` cannot be resolved, or the store cannot be read or
    /// does not parse.
    pub fn is_trusted(&self, dir: &Path) -> Result<bool, TrustError> {
        let key = trust_key(dir)?;
        let store = self.read()?;
        let Some(trusted) = store.get("trusted").and_then(Value::as_object) else {
            return Ok(false);
        };
        Ok(trusted
            .keys()
            .any(|entry| key.starts_with(Path::new(entry))))
    }

    /// Trusts `dir`: records its trust key and returns it.
    ///
    /// Errors: `dir` cannot be resolved; the base directory, the lock, the
    /// temporary file or the rename fail; the existing store does not parse
    /// (it is then left as it is).
    pub fn trust(&self, dir: &Path) -> Result<PathBuf, TrustError> {
        let key = trust_key(dir)?;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.base)
            .map_err(io("creating", &self.base))?;
        let lock_path = self.base.join(format!("{TRUST_FILE}.lock"));
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io("opening", &lock_path))?;
        lock.lock().map_err(io("locking", &lock_path))?;
        let mut store = self.read()?;
        let object = store.as_object_mut().ok_or_else(|| TrustError::Corrupt {
            path: self.file(),
            message: "the top level is not an object".into(),
        })?;
        object.entry("version").or_insert(json!(1));
        let trusted = object
            .entry("trusted")
            .or_insert_with(|| Value::Object(Map::new()));
        let Some(trusted) = trusted.as_object_mut() else {
            return Err(TrustError::Corrupt {
                path: self.file(),
                message: "`trusted` is not an object".into(),
            });
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        trusted.insert(key.display().to_string(), json!({ "trustedAt": now }));
        self.write(&store)?;
        drop(lock);
        Ok(key)
    }

    fn read(&self) -> Result<Value, TrustError> {
        let path = self.file();
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(json!({})),
            Err(e) => return Err(io("reading", &path)(e)),
        };
        let value: Value = serde_json::from_str(&text).map_err(|e| TrustError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if !value.is_object() {
            return Err(TrustError::Corrupt {
                path,
                message: "the top level is not an object".into(),
            });
        }
        Ok(value)
    }

    fn write(&self, store: &Value) -> Result<(), TrustError> {
        let path = self.file();
        let mut temp = tempfile::NamedTempFile::new_in(&self.base)
            .map_err(io("creating a temporary file in", &self.base))?;
        temp.as_file()
            .set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(io("setting permissions of", temp.path()))?;
        let text = serde_json::to_string_pretty(store).map_err(|e| TrustError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        temp.write_all(text.as_bytes())
            .and_then(|()| temp.write_all(b"\n"))
            .and_then(|()| temp.as_file().sync_all())
            .map_err(io("writing", temp.path()))?;
        temp.persist(&path)
            .map_err(|e| io("renaming into", &path)(e.error))?;
        Ok(())
    }
}

/// The key `dir` is trusted under: the canonical path of its verified
/// repository root, or of `dir` itself outside a repository.
///
/// Errors: `dir` does not exist or cannot be resolved.
pub fn trust_key(dir: &Path) -> Result<PathBuf, TrustError> {
    let canonical = fs::canonicalize(dir).map_err(io("resolving", dir))?;
    for candidate in canonical.ancestors() {
        if is_repository_root(candidate) {
            return Ok(candidate.to_path_buf());
        }
    }
    Ok(canonical)
}

/// Whether `dir/.git` is a real repository directory (holding `HEAD`) or a
/// worktree/submodule `gitdir:` file. Symlinked `.git` entries do not
/// count; nothing the files point to is followed.
fn is_repository_root(dir: &Path) -> bool {
    let git = dir.join(".git");
    let Ok(meta) = fs::symlink_metadata(&git) else {
        return false;
    };
    if meta.is_dir() {
        return fs::symlink_metadata(git.join("HEAD")).is_ok_and(|m| m.is_file());
    }
    if meta.is_file() {
        let Ok(mut file) = File::open(&git) else {
            return false;
        };
        let mut head = [0u8; 7];
        return std::io::Read::read_exact(&mut file, &mut head).is_ok() && &head == b"gitdir:";
    }
    false
}

#[cfg(test)]
mod tests;

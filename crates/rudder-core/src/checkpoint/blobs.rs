//! The content-addressed blob store of a session's checkpoints:
//! `<dir>/blobs/<first two hex digits>/<remaining 62>`, one file per
//! distinct content, named by its SHA-256.
//!
//! Owns: writing a blob once (temporary file, then rename, mode 0600 in
//! 0700 directories — checkpoints hold source code) and reading it back
//! verified. Must never: overwrite an existing blob or return bytes whose
//! hash differs from their name.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

/// Distinguishes temporary files written by concurrent calls in one process.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// The blob directory of one checkpoint store.
#[derive(Debug, Clone)]
pub(crate) struct Blobs {
    dir: PathBuf,
}

impl Blobs {
    /// Blobs under `dir` (created on the first write).
    pub(crate) fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    fn path_of(&self, hash: &str) -> Option<PathBuf> {
        let valid = hash.len() == 64 && hash.bytes().all(|byte| byte.is_ascii_hexdigit());
        valid.then(|| self.dir.join(&hash[..2]).join(&hash[2..]))
    }

    /// Stores `bytes` and returns their lower-case hex SHA-256. Storing the
    /// same content twice writes it once.
    ///
    /// Errors: the directory or the file cannot be created or written.
    pub(crate) fn put(&self, bytes: &[u8]) -> io::Result<String> {
        let hash = hex::encode(Sha256::digest(bytes));
        let Some(path) = self.path_of(&hash) else {
            return Err(io::Error::other("a SHA-256 digest was not 64 hex digits"));
        };
        if path.is_file() {
            return Ok(hash);
        }
        let parent = path.parent().unwrap_or(&self.dir);
        create_private_dir(parent)?;
        let temp = parent.join(format!(
            ".tmp-{}-{}",
            std::process::id(),
            NEXT_TEMP.fetch_add(1, Ordering::Relaxed)
        ));
        let written = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)
            .and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_data()))
            .and_then(|()| fs::rename(&temp, &path));
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
        written.map(|()| hash)
    }

    /// Reads the blob named `hash`, checking that its content still has
    /// that hash.
    ///
    /// Errors: the blob is missing or unreadable, or its content was
    /// altered (`InvalidData`).
    pub(crate) fn get(&self, hash: &str) -> io::Result<Vec<u8>> {
        let path = self.path_of(hash).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{hash}` is not a blob name"),
            )
        })?;
        let bytes = fs::read(&path)?;
        if hex::encode(Sha256::digest(&bytes)) != hash {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the checkpoint blob {} was altered", path.display()),
            ));
        }
        Ok(bytes)
    }
}

/// Creates `dir` and its missing parents with mode 0700.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_once_and_reads_back_verified() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::new(dir.path().join("blobs"));
        let first = blobs.put(b"hello\n").unwrap();
        let second = blobs.put(b"hello\n").unwrap();
        assert_eq!(first, second);
        assert_eq!(blobs.get(&first).unwrap(), b"hello\n");
        let path = blobs.path_of(&first).unwrap();
        std::fs::write(&path, b"tampered").unwrap();
        let error = blobs.get(&first).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert!(blobs.get("../../etc/passwd").is_err());
    }
}

//! Oversized tool output saved to files under the session's spill
//! directory, and the head + tail previews that stand in for it.
//!
//! Contract: USER-PAINS.md §4.5 (no tool result exceeds a size cap in the
//! request; the excess goes to a file with a head/tail preview and the
//! path) and CLAUDE-CODE-INTERFACE.md §2.2 (Bash output over 30 000
//! characters is cut; 2.1 spills it to a file and returns path + preview).
//!
//! The directory is created private (0700) and every file private (0600),
//! with `O_EXCL`: an existing file is never overwritten, so nothing saved
//! earlier is lost. This module never decides *when* to spill; callers do.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use thiserror::Error;

/// Why output could not be saved.
#[derive(Debug, Error)]
#[error("could not save the full output under {dir}: {source}")]
pub struct SpillError {
    /// The spill directory.
    pub dir: PathBuf,
    /// The operating system's error.
    #[source]
    pub source: io::Error,
}

/// Turns `raw` (a tool_use id, a shell id) into a safe file-name stem:
/// ASCII letters, digits, `-`, `_` and `.` are kept, anything else becomes
/// `_`; a leading dot is replaced and an empty result becomes `output`.
pub fn file_stem(raw: &str) -> String {
    let mut stem: String = raw
        .chars()
        .take(120)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.starts_with('.') {
        stem.replace_range(0..1, "_");
    }
    if stem.is_empty() {
        stem.push_str("output");
    }
    stem
}

/// Creates a new private file in `dir` named `<stem><suffix>` (or
/// `<stem>-2<suffix>`, `-3`, … when that name is taken), creating `dir`
/// with mode 0700 when missing. Returns the open file and its path.
///
/// Errors: [`SpillError`] when the directory or file cannot be created.
pub fn create(dir: &Path, stem: &str, suffix: &str) -> Result<(File, PathBuf), SpillError> {
    let failed = |source| SpillError {
        dir: dir.to_path_buf(),
        source,
    };
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(failed)?;
    let stem = file_stem(stem);
    for attempt in 1..=1000u32 {
        let name = if attempt == 1 {
            format!("{stem}{suffix}")
        } else {
            format!("{stem}-{attempt}{suffix}")
        };
        let path = dir.join(name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(file) => return Ok((file, path)),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(failed(err)),
        }
    }
    Err(failed(io::Error::other(
        "a thousand files of that name already exist",
    )))
}

/// Saves `bytes` to a new private file (see [`create`]) and returns its path.
///
/// Errors: [`SpillError`] when the file cannot be created or written.
pub fn save(dir: &Path, stem: &str, suffix: &str, bytes: &[u8]) -> Result<PathBuf, SpillError> {
    let (mut file, path) = create(dir, stem, suffix)?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .map_err(|source| SpillError {
            dir: dir.to_path_buf(),
            source,
        })?;
    Ok(path)
}

/// The first `head` and last `tail` *bytes* of `text`, shrunk to character
/// boundaries, when the text is longer than `head + tail` bytes; `None`
/// when it fits whole.
pub fn head_tail_bytes(text: &str, head: usize, tail: usize) -> Option<(&str, &str)> {
    if text.len() <= head.saturating_add(tail) {
        return None;
    }
    let head_end = text.floor_char_boundary(head);
    let tail_start = text.ceil_char_boundary(text.len() - tail);
    Some((&text[..head_end], &text[tail_start..]))
}

/// The first `head` and last `tail` *characters* of `text` when it has more
/// than `head + tail` characters; `None` when it fits whole.
pub fn head_tail_chars(text: &str, head: usize, tail: usize) -> Option<(&str, &str)> {
    let head_end = text.char_indices().nth(head).map(|(index, _)| index)?;
    let tail_start = if tail == 0 {
        text.len()
    } else {
        text.char_indices()
            .rev()
            .nth(tail - 1)
            .map_or(0, |(index, _)| index)
    };
    (tail_start > head_end).then(|| (&text[..head_end], &text[tail_start..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn stems_keep_safe_characters_only() {
        assert_eq!(file_stem("toolu_01AB-c.d"), "toolu_01AB-c.d");
        assert_eq!(file_stem("../../etc/passwd"), "_._.._etc_passwd");
        assert_eq!(file_stem(""), "output");
    }

    #[test]
    fn files_are_private_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let spill = dir.path().join("spill");
        let first = save(&spill, "toolu_1", ".txt", b"one").unwrap();
        let second = save(&spill, "toolu_1", ".txt", b"two").unwrap();
        assert_ne!(first, second);
        assert_eq!(std::fs::read(&first).unwrap(), b"one");
        assert_eq!(std::fs::read(&second).unwrap(), b"two");
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&spill), 0o700);
        assert_eq!(mode(&first), 0o600);
    }

    #[test]
    fn head_and_tail_respect_character_boundaries() {
        assert_eq!(head_tail_bytes("héllo wörld", 2, 2), Some(("h", "ld")));
        assert_eq!(head_tail_bytes("short", 3, 3), None);
        assert_eq!(head_tail_chars("héllo wörld", 2, 3), Some(("hé", "rld")));
        assert_eq!(head_tail_chars("abcdef", 3, 3), None);
        assert_eq!(head_tail_chars("abcdefg", 3, 0), Some(("abc", "")));
    }
}

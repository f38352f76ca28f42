//! The checkpoint journal: `<dir>/checkpoints.jsonl`, one JSON line per
//! event, appended and never rewritten.
//!
//! Two kinds of line: `{"type":"turn","turn":<id>,…}` marks where a user
//! turn began (its id is the uuid of the user message that started it),
//! and `{"type":"file","turn":<id>,"path":…,"before":{…}}` records a
//! file's state before the first change the turn made to it. A file's
//! state "before turn T" is therefore the `before` of its first `file` line
//! after T's `turn` line; files without one were not changed since.
//!
//! Owns: the line format, appending, and reading back (a torn or corrupt
//! line is skipped, as in the transcript). Must never: rewrite or truncate
//! the file.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::blobs::create_private_dir;

/// The journal's file name inside the store directory.
pub(crate) const JOURNAL_FILE: &str = "checkpoints.jsonl";

/// A file's state before a change, as far as the store kept it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Before {
    /// The file did not exist: rewinding deletes it.
    Absent,
    /// Its content is the blob `blob`; `mode` holds its permission bits.
    Stored {
        /// Hex SHA-256 of the content (the blob's name).
        blob: String,
        /// Permission bits (`st_mode & 0o7777`).
        mode: u32,
        /// Size in bytes.
        size: u64,
    },
    /// The content was not kept; rewinding cannot restore this file.
    NotSaved {
        /// Size in bytes when it was seen.
        size: u64,
        /// Why, for the person: a size cap, an unreadable file.
        reason: String,
    },
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Entry {
    /// A user turn began.
    Turn {
        /// The turn's id (its user message's uuid).
        turn: String,
        /// RFC 3339 time.
        timestamp: String,
    },
    /// A file's state before `turn` first changed it.
    File {
        /// The turn that changed it.
        turn: String,
        /// Absolute path.
        path: PathBuf,
        /// Its state before.
        before: Before,
    },
}

/// The open journal.
#[derive(Debug)]
pub(crate) struct Journal {
    path: PathBuf,
    file: Option<File>,
}

impl Journal {
    /// The journal in `dir` (opened on the first append).
    pub(crate) fn new(dir: &Path) -> Self {
        Self {
            path: dir.join(JOURNAL_FILE),
            file: None,
        }
    }

    /// Appends `entry` as one line in a single write.
    ///
    /// Errors: the directory or file cannot be created, or the write fails.
    pub(crate) fn append(&mut self, entry: &Entry) -> io::Result<()> {
        let mut line = serde_json::to_string(entry).map_err(io::Error::other)?;
        line.push('\n');
        if self.file.is_none() {
            if let Some(dir) = self.path.parent() {
                create_private_dir(dir)?;
            }
            let mut file = OpenOptions::new()
                .append(true)
                .create(true)
                .mode(0o600)
                .open(&self.path)?;
            // A torn last line from a crash must not swallow this one.
            let len = file.metadata()?.len();
            if len > 0 && !ends_with_newline(&self.path, len)? {
                file.write_all(b"\n")?;
            }
            self.file = Some(file);
        }
        match &mut self.file {
            Some(file) => file.write_all(line.as_bytes()),
            None => Err(io::Error::other("the checkpoint journal is not open")),
        }
    }

    /// Every readable entry, in file order; a missing file has none.
    ///
    /// Errors: the file exists but cannot be read.
    pub(crate) fn read(&self) -> io::Result<Vec<Entry>> {
        let text = match std::fs::read(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(error),
        };
        Ok(text
            .split(|byte| *byte == b'\n')
            .filter_map(|line| serde_json::from_slice(line).ok())
            .collect())
    }
}

fn ends_with_newline(path: &Path, len: u64) -> io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_and_reads_back_skipping_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(JOURNAL_FILE);
        std::fs::write(&path, "{\"type\":\"turn\",\"tu").unwrap();
        let mut journal = Journal::new(dir.path());
        let entry = Entry::File {
            turn: "t1".into(),
            path: "/r/a.txt".into(),
            before: Before::Absent,
        };
        journal.append(&entry).unwrap();
        assert_eq!(journal.read().unwrap(), vec![entry]);
    }
}

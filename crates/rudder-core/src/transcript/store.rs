//! The append-only transcript file of one session.
//!
//! Guarantees (USER-PAINS.md §6.4): each record is one `write` of a whole
//! line, appended before the next model request; the file is fsynced at the
//! end of each turn; earlier bytes are never rewritten. A torn last line left
//! by a crash is terminated with a newline (so the next record starts on its
//! own line) and skipped by the reader with a warning. Directories are
//! created 0700 and the file 0600: transcripts hold source code and tool
//! output.
//!
//! One writer per file (§6.5): a writer holds an exclusive `flock` on the
//! file for as long as it lives, so a second process (or a second session
//! in this one) that tries to write the same transcript — a `--resume` of a
//! live session, a reused `--session-id` — fails with
//! [`TranscriptError::Locked`] instead of interleaving lines. The kernel
//! drops the lock when the holder dies, `kill -9` included.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::record::Record;

/// Why a transcript could not be opened, written or read.
#[derive(Debug, thiserror::Error)]
pub enum TranscriptError {
    /// The directory or file could not be created or opened.
    #[error(
        "cannot open the transcript {path}: {source}. Check that the directory is writable, or set RUDDER_HOME to a writable directory"
    )]
    Open {
        /// The transcript path.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A record could not be appended.
    #[error("cannot write to the transcript {path}: {source}")]
    Write {
        /// The transcript path.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// Another writer holds the transcript (a live session).
    #[error(
        "the session {path} is in use by another rudder process; wait for it to end, or continue it under a new id with --fork-session"
    )]
    Locked {
        /// The transcript path.
        path: PathBuf,
    },
    /// A new session was asked to write a transcript that already has records.
    #[error(
        "a session with this id already exists ({path}); resume it with --resume, or pick another --session-id"
    )]
    Exists {
        /// The transcript path.
        path: PathBuf,
    },
    /// A record could not be serialized (a bug).
    #[error("cannot serialize a transcript record: {0}")]
    Serialize(#[from] serde_json::Error),
}

/// An open transcript, positioned for appending.
#[derive(Debug)]
pub struct TranscriptWriter {
    path: PathBuf,
    file: File,
}

impl TranscriptWriter {
    /// Opens (creating if needed) the transcript at `path` for appending,
    /// and takes the writer's lock on it.
    ///
    /// Creates missing directories (0700) and the file (0600). If the file
    /// ends with a torn line, appends a newline so new records stay whole.
    /// Errors: [`TranscriptError::Open`] when the location is not writable
    /// (callers open the transcript before sending any request),
    /// [`TranscriptError::Locked`] when another writer holds it.
    pub fn open(path: &Path) -> Result<Self, TranscriptError> {
        let (mut file, _) = open_locked(path)?;
        let open_error = |source| TranscriptError::Open {
            path: path.to_owned(),
            source,
        };
        if ends_with_torn_line(&mut file).map_err(open_error)? {
            file.write_all(b"\n").map_err(open_error)?;
        }
        Ok(Self {
            path: path.to_owned(),
            file,
        })
    }

    /// Opens the transcript of a new session: like [`TranscriptWriter::open`],
    /// but the file must be new or empty, and a newly created file's
    /// directory entry is fsynced so the file survives a power cut.
    ///
    /// Errors: as [`TranscriptWriter::open`], and [`TranscriptError::Exists`]
    /// when the file already holds records (a reused session id).
    pub fn open_new(path: &Path) -> Result<Self, TranscriptError> {
        let (file, created) = open_locked(path)?;
        let open_error = |source| TranscriptError::Open {
            path: path.to_owned(),
            source,
        };
        if file.metadata().map_err(open_error)?.len() > 0 {
            return Err(TranscriptError::Exists {
                path: path.to_owned(),
            });
        }
        if created && let Some(dir) = path.parent() {
            File::open(dir)
                .and_then(|dir| dir.sync_all())
                .map_err(open_error)?;
        }
        Ok(Self {
            path: path.to_owned(),
            file,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `record` as one line, in a single write.
    pub fn append(&mut self, record: &Record) -> Result<(), TranscriptError> {
        let mut line = record.to_line()?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .map_err(|source| TranscriptError::Write {
                path: self.path.clone(),
                source,
            })
    }

    /// Flushes the file's data to disk (end of turn).
    pub fn sync(&mut self) -> Result<(), TranscriptError> {
        self.file
            .sync_data()
            .map_err(|source| TranscriptError::Write {
                path: self.path.clone(),
                source,
            })
    }
}

/// Creates the directories and opens `path` for appending under the
/// writer's lock; returns the file and whether this call created it.
fn open_locked(path: &Path) -> Result<(File, bool), TranscriptError> {
    let open_error = |source| TranscriptError::Open {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(open_error)?;
    }
    let existed = path.exists();
    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .map_err(open_error)?;
    match file.try_lock() {
        Ok(()) => Ok((file, !existed)),
        Err(TryLockError::WouldBlock) => Err(TranscriptError::Locked {
            path: path.to_owned(),
        }),
        Err(TryLockError::Error(source)) => Err(open_error(source)),
    }
}

fn ends_with_torn_line(file: &mut File) -> io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

/// A transcript read back: its records in file order and what was skipped.
#[derive(Debug, Default)]
pub struct LoadedTranscript {
    /// Parsed records, in order.
    pub records: Vec<Record>,
    /// One message per skipped line (torn or malformed), naming its number.
    pub warnings: Vec<String>,
}

/// Reads every record of the transcript at `path`.
///
/// Lines that do not parse (a torn last line, a corrupt line) are skipped
/// and reported in [`LoadedTranscript::warnings`]; reading never stops at
/// the first bad line.
pub fn read_transcript(path: &Path) -> io::Result<LoadedTranscript> {
    let text = std::fs::read(path)?;
    let mut loaded = LoadedTranscript::default();
    for (index, line) in text.split(|byte| *byte == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let parsed = std::str::from_utf8(line)
            .map_err(|error| error.to_string())
            .and_then(|line| Record::from_line(line).map_err(|error| error.to_string()));
        match parsed {
            Ok(record) => loaded.records.push(record),
            Err(error) => loaded.warnings.push(format!(
                "{}: line {} skipped ({error})",
                path.display(),
                index + 1
            )),
        }
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::record::ModelCallRecord;

    fn call(uuid: &str) -> Record {
        Record::ModelCall(ModelCallRecord {
            session_id: "s".into(),
            uuid: uuid.into(),
            timestamp: "t".into(),
            purpose: "test".into(),
            model: "m".into(),
            usage: Default::default(),
            error: None,
        })
    }

    #[test]
    fn appends_whole_lines_and_reads_them_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/s.jsonl");
        let mut writer = TranscriptWriter::open(&path).unwrap();
        writer.append(&call("1")).unwrap();
        writer.append(&call("2")).unwrap();
        writer.sync().unwrap();
        let loaded = read_transcript(&path).unwrap();
        assert_eq!(loaded.records, vec![call("1"), call("2")]);
        assert!(loaded.warnings.is_empty());
    }

    #[test]
    fn a_torn_last_line_is_skipped_and_never_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let whole = format!("{}\n", call("1").to_line().unwrap());
        std::fs::write(&path, format!("{whole}{{\"type\":\"user\",\"uu")).unwrap();
        let before = std::fs::read(&path).unwrap();

        let mut writer = TranscriptWriter::open(&path).unwrap();
        writer.append(&call("2")).unwrap();
        let after = std::fs::read(&path).unwrap();
        assert_eq!(&after[..before.len()], &before[..], "earlier bytes changed");

        let loaded = read_transcript(&path).unwrap();
        assert_eq!(loaded.records, vec![call("1"), call("2")]);
        assert_eq!(loaded.warnings.len(), 1);
        assert!(
            loaded.warnings[0].contains("line 2"),
            "{:?}",
            loaded.warnings
        );
    }

    #[test]
    fn a_second_writer_is_refused_until_the_first_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let mut first = TranscriptWriter::open_new(&path).unwrap();
        first.append(&call("1")).unwrap();
        let error = TranscriptWriter::open(&path).unwrap_err();
        assert!(matches!(error, TranscriptError::Locked { .. }), "{error}");
        assert!(error.to_string().contains("--fork-session"), "{error}");
        drop(first);
        let mut second = TranscriptWriter::open(&path).unwrap();
        second.append(&call("2")).unwrap();
        assert_eq!(read_transcript(&path).unwrap().records.len(), 2);
    }

    #[test]
    fn a_new_session_never_appends_to_an_existing_transcript() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        TranscriptWriter::open_new(&path)
            .unwrap()
            .append(&call("1"))
            .unwrap();
        let before = std::fs::read(&path).unwrap();
        let error = TranscriptWriter::open_new(&path).unwrap_err();
        assert!(matches!(error, TranscriptError::Exists { .. }), "{error}");
        assert_eq!(std::fs::read(&path).unwrap(), before);
        // An empty file left by a start that crashed before its first record
        // is taken over.
        let empty = dir.path().join("e.jsonl");
        std::fs::write(&empty, "").unwrap();
        assert!(TranscriptWriter::open_new(&empty).is_ok());
    }

    #[test]
    fn an_unwritable_location_fails_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").unwrap();
        let error = TranscriptWriter::open(&blocker.join("s.jsonl")).unwrap_err();
        assert!(error.to_string().contains("RUDDER_HOME"), "{error}");
    }
}

//! The append-only transcript file of one session.
//!
//! Guarantees (USER-PAINS.md §6.4): each record is one `write` of a whole
//! line, appended before the next model request; the file is fsynced at the
//! end of each turn; earlier bytes are never rewritten. A torn last line left
//! by a crash is terminated with a newline (so the next record starts on its
//! own line) and skipped by the reader with a warning. Directories are
//! created 0700 and the file 0600: transcripts hold source code and tool
//! output.

use std::fs::{File, OpenOptions};
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
    /// Opens (creating if needed) the transcript at `path` for appending.
    ///
    /// Creates missing directories (0700) and the file (0600). If the file
    /// ends with a torn line, appends a newline so new records stay whole.
    /// Fails with [`TranscriptError::Open`] when the location is not
    /// writable: callers open the transcript before sending any request.
    pub fn open(path: &Path) -> Result<Self, TranscriptError> {
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
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600)
            .open(path)
            .map_err(open_error)?;
        if ends_with_torn_line(&mut file).map_err(open_error)? {
            file.write_all(b"\n").map_err(open_error)?;
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
    fn an_unwritable_location_fails_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").unwrap();
        let error = TranscriptWriter::open(&blocker.join("s.jsonl")).unwrap_err();
        assert!(error.to_string().contains("RUDDER_HOME"), "{error}");
    }
}

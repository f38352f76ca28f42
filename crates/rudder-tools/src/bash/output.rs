//! Capturing one output stream of a foreground command with a memory
//! bound, and composing the text the model sees.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (Bash: stdout then stderr;
//! output over `BASH_MAX_OUTPUT_LENGTH`, 30 000 characters, is cut; 2.1
//! saves the full output to a file and returns its path with a preview).
//!
//! Memory per stream stays under [`HEAD_BYTES`] + [`TAIL_BYTES`]: the
//! first bytes are kept, and once a stream outgrows them everything is
//! also written to a private file under the spill directory (up to
//! [`FILE_CAP_BYTES`]) while a ring keeps the last bytes. Nothing here
//! runs processes; `mod.rs` feeds the bytes in.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio_util::sync::CancellationToken;

use crate::spill::{self, SpillError};

/// Bytes of a stream kept in memory from its start.
pub(crate) const HEAD_BYTES: usize = 1024 * 1024;

/// Bytes of a stream kept in memory from its end, once it outgrew the head.
pub(crate) const TAIL_BYTES: usize = 256 * 1024;

/// Largest file written for one stream, in bytes (64 MiB); later bytes are
/// counted but dropped.
pub(crate) const FILE_CAP_BYTES: u64 = 64 * 1024 * 1024;

/// Which stream a capture holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreamName {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl StreamName {
    fn as_str(self) -> &'static str {
        match self {
            Self::Stdout => "stdout",
            Self::Stderr => "stderr",
        }
    }
}

/// One stream's output, as far as it is kept.
#[derive(Debug)]
pub(crate) struct Capture {
    name: StreamName,
    spill_dir: PathBuf,
    stem: String,
    head: Vec<u8>,
    tail: VecDeque<u8>,
    total: u64,
    file: Option<(File, PathBuf)>,
    file_bytes: u64,
    /// Set when the file could not be created or written.
    file_error: Option<String>,
}

/// A finished capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Captured {
    /// The stream's text (lossy UTF-8); when the stream outgrew memory, its
    /// head and tail around a marker line.
    pub text: String,
    /// Bytes the stream produced.
    pub total_bytes: u64,
    /// The file holding the stream, when it outgrew memory.
    pub file: Option<PathBuf>,
    /// Bytes beyond [`FILE_CAP_BYTES`] that the file does not hold.
    pub dropped_bytes: u64,
    /// Why the file could not be written, if it could not.
    pub file_error: Option<String>,
    /// The exact bytes, when the stream was kept whole in memory and is not
    /// valid UTF-8 (so `text` differs from them).
    raw: Option<Vec<u8>>,
    /// Which stream this is.
    pub name: StreamName,
}

impl Capture {
    /// An empty capture; its file, if needed, is `<stem>.<stream>` in
    /// `spill_dir`.
    pub fn new(name: StreamName, spill_dir: &Path, stem: &str) -> Self {
        Self {
            name,
            spill_dir: spill_dir.to_path_buf(),
            stem: stem.to_owned(),
            head: Vec::new(),
            tail: VecDeque::new(),
            total: 0,
            file: None,
            file_bytes: 0,
            file_error: None,
        }
    }

    /// Reads `stream` to its end, or until `stop` is cancelled, keeping
    /// what the bounds allow.
    pub async fn read_all<R: AsyncRead + Unpin>(
        mut self,
        mut stream: R,
        stop: &CancellationToken,
    ) -> Self {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let read = tokio::select! {
                read = stream.read(&mut buffer) => read,
                () = stop.cancelled() => return self,
            };
            match read {
                Ok(0) | Err(_) => return self,
                Ok(read) => self.push(&buffer[..read]),
            }
        }
    }

    /// Adds a chunk of output.
    pub fn push(&mut self, chunk: &[u8]) {
        self.total += chunk.len() as u64;
        let room = HEAD_BYTES - self.head.len();
        let (into_head, rest) = chunk.split_at(room.min(chunk.len()));
        self.head.extend_from_slice(into_head);
        if rest.is_empty() {
            return;
        }
        if self.file.is_none() && self.file_error.is_none() {
            self.open_file();
        }
        self.write_file(rest);
        if rest.len() >= TAIL_BYTES {
            self.tail.clear();
            self.tail.extend(&rest[rest.len() - TAIL_BYTES..]);
        } else {
            let excess = (self.tail.len() + rest.len()).saturating_sub(TAIL_BYTES);
            self.tail.drain(..excess);
            self.tail.extend(rest);
        }
    }

    fn open_file(&mut self) {
        let suffix = format!(".{}", self.name.as_str());
        match spill::create(&self.spill_dir, &self.stem, &suffix) {
            Ok((mut file, path)) => match file.write_all(&self.head) {
                Ok(()) => {
                    self.file_bytes = self.head.len() as u64;
                    self.file = Some((file, path));
                }
                Err(err) => self.file_error = Some(err.to_string()),
            },
            Err(err) => self.file_error = Some(err.to_string()),
        }
    }

    fn write_file(&mut self, bytes: &[u8]) {
        let Some((file, _)) = &mut self.file else {
            return;
        };
        let room = FILE_CAP_BYTES.saturating_sub(self.file_bytes);
        let take = bytes.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        if take == 0 {
            return;
        }
        match file.write_all(&bytes[..take]) {
            Ok(()) => self.file_bytes += take as u64,
            Err(err) => self.file_error = Some(err.to_string()),
        }
    }

    /// Ends the capture.
    pub fn finish(mut self) -> Captured {
        if let Some((file, _)) = &mut self.file
            && let Err(err) = file.flush()
        {
            self.file_error = Some(err.to_string());
        }
        let head_len = self.head.len() as u64;
        let (mut text, raw) = match String::from_utf8(std::mem::take(&mut self.head)) {
            Ok(text) => (text, None),
            Err(err) => {
                let bytes = err.into_bytes();
                (String::from_utf8_lossy(&bytes).into_owned(), Some(bytes))
            }
        };
        if !self.tail.is_empty() {
            let gap = self.total - head_len - self.tail.len() as u64;
            if gap > 0 {
                text.push_str(&format!(
                    "\n[… {gap} bytes of {} not kept in memory …]\n",
                    self.name.as_str()
                ));
            }
            let (front, back) = self.tail.as_slices();
            let mut tail = front.to_vec();
            tail.extend_from_slice(back);
            text.push_str(&String::from_utf8_lossy(&tail));
        }
        Captured {
            text,
            raw: raw.filter(|_| self.tail.is_empty()),
            total_bytes: self.total,
            dropped_bytes: self.total.saturating_sub(self.file_bytes.max(head_len)),
            file: self.file.map(|(_, path)| path),
            file_error: self.file_error,
            name: self.name,
        }
    }
}

impl Captured {
    /// Makes sure the whole stream is on disk: writes it now when it was
    /// kept in memory whole and is not empty. Returns the path, or `None`
    /// for an empty stream.
    ///
    /// Errors: [`SpillError`] when the file cannot be written.
    pub fn ensure_file(
        &mut self,
        spill_dir: &Path,
        stem: &str,
    ) -> Result<Option<PathBuf>, SpillError> {
        if self.file.is_none() && self.total_bytes > 0 && self.file_error.is_none() {
            let suffix = format!(".{}", self.name.as_str());
            let bytes = self.raw.as_deref().unwrap_or(self.text.as_bytes());
            self.file = Some(spill::save(spill_dir, stem, &suffix, bytes)?);
        }
        Ok(self.file.clone())
    }

    /// A line telling the model where this stream's full output is:
    /// `stdout, 123 bytes: /path` (the path last, alone up to the line end).
    pub fn file_note(&self) -> Option<String> {
        let path = self.file.as_ref()?;
        let mut note = format!("{}, {} bytes", self.name.as_str(), self.total_bytes);
        if self.dropped_bytes > 0 {
            note.push_str(&format!(
                " (the file stops after {FILE_CAP_BYTES} bytes; {} later bytes were dropped)",
                self.dropped_bytes
            ));
        }
        if let Some(error) = &self.file_error {
            note.push_str(&format!(" (writing it failed part-way: {error})"));
        }
        note.push_str(&format!(": {}", path.display()));
        Some(note)
    }
}

/// The text for the model from both streams (stdout, then stderr on the
/// lines after it), ANSI escape sequences removed.
pub(crate) fn combine(stdout: &str, stderr: &str) -> String {
    let stdout = strip_ansi_escapes::strip_str(stdout);
    let stderr = strip_ansi_escapes::strip_str(stderr);
    let stdout = stdout.trim_end_matches('\n');
    let stderr = stderr.trim_end_matches('\n');
    match (stdout.is_empty(), stderr.is_empty()) {
        (_, true) => stdout.to_owned(),
        (true, false) => stderr.to_owned(),
        (false, false) => format!("{stdout}\n{stderr}"),
    }
}

/// Cuts `text` to at most about `max_chars` characters: two thirds from
/// the start and one third from the end around a marker naming `notes`
/// (where the full output is). Returns the text unchanged when it fits.
pub(crate) fn cut(text: &str, max_chars: usize, notes: &[String]) -> String {
    let head = max_chars * 2 / 3;
    let tail = max_chars - head;
    let Some((start, end)) = spill::head_tail_chars(text, head, tail) else {
        return text.to_owned();
    };
    let total = text.chars().count();
    let omitted = total - start.chars().count() - end.chars().count();
    let mut marker =
        format!("\n\n[… output cut: {total} characters in all, {omitted} not shown here. ");
    if notes.is_empty() {
        marker.push_str("The full output could not be saved.");
    } else {
        marker.push_str("The full output is saved in:\n");
        marker.push_str(&notes.join("\n"));
        marker.push_str("\nRead it with the Read tool (offset/limit) or search it with Grep.");
    }
    marker.push_str(" …]\n\n");
    format!("{start}{marker}{end}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_stream_stays_in_memory_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut capture = Capture::new(StreamName::Stdout, dir.path(), "t");
        capture.push(b"hello ");
        capture.push(b"world");
        let captured = capture.finish();
        assert_eq!(captured.text, "hello world");
        assert_eq!(captured.file, None);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_large_stream_goes_to_a_file_whole_and_memory_keeps_head_and_tail() {
        let dir = tempfile::tempdir().unwrap();
        let mut capture = Capture::new(StreamName::Stderr, dir.path(), "t");
        let mut expected = Vec::new();
        for index in 0..100_000u32 {
            let line = format!("line {index:08}\n");
            expected.extend_from_slice(line.as_bytes());
            capture.push(line.as_bytes());
        }
        let captured = capture.finish();
        let file = captured.file.clone().unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), expected);
        assert!(captured.text.starts_with("line 00000000\n"));
        assert!(captured.text.ends_with("line 00099999\n"));
        assert!(captured.text.len() <= HEAD_BYTES + TAIL_BYTES + 100);
        assert!(captured.text.contains("not kept in memory"));
    }

    #[test]
    fn streams_combine_stdout_first_without_ansi() {
        assert_eq!(combine("\u{1b}[31mred\u{1b}[0m\n", "warn\n"), "red\nwarn");
        assert_eq!(combine("", "only err\n"), "only err");
        assert_eq!(combine("out", ""), "out");
    }

    #[test]
    fn long_text_is_cut_around_a_marker_naming_the_file() {
        let text: String = (0..1000).map(|i| format!("{i:04}\n")).collect();
        let cut_text = cut(&text, 300, &["stdout, 5000 bytes: /x/y".to_owned()]);
        assert!(cut_text.starts_with("0000\n"));
        assert!(cut_text.ends_with("0999\n"));
        assert!(cut_text.contains("\nstdout, 5000 bytes: /x/y\n"));
        assert!(cut_text.chars().count() < 300 + 300);
        assert_eq!(cut("short", 300, &[]), "short");
    }
}

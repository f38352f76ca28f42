//! Prompt history: bounded, persisted as one JSON string per line so
//! multi-line prompts survive.
//!
//! The file is shared by every rudder process of the user, so it is written
//! the way issue 5 requires of shared files: appends and trims happen under
//! an exclusive lock (`<file>.lock`, std `File::lock`), and a trim re-reads
//! the file under that lock and replaces it by atomic rename, so an entry
//! another process appended meanwhile is kept, never clobbered, and a crash
//! leaves the old file or the new one, never a torn one.
//!
//! Owns: loading, appending and trimming the history file. Must never: keep
//! more than its limit in memory, or fail the UI on a bad file (a corrupt
//! line is skipped).

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Entries longer than this (bytes) are not remembered.
const MAX_ENTRY_BYTES: usize = 100 * 1024;

/// The history, oldest first.
#[derive(Debug, Clone, Default)]
pub(crate) struct History {
    entries: VecDeque<String>,
    limit: usize,
    path: Option<PathBuf>,
    /// Lines the file held when last read or trimmed, plus this process's
    /// appends since: when it passes twice the limit, the file is trimmed.
    file_lines: usize,
}

impl History {
    /// History kept in memory only.
    pub(crate) fn in_memory(limit: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            limit: limit.max(1),
            path: None,
            file_lines: 0,
        }
    }

    /// Loads `path` (a missing file is an empty history) and trims the file
    /// when it holds more than twice `limit` lines. Returns the history and
    /// a warning when the file could not be read or trimmed.
    pub(crate) fn load(path: Option<PathBuf>, limit: usize) -> (Self, Option<String>) {
        let mut history = Self::in_memory(limit);
        let Some(path) = path else {
            return (history, None);
        };
        let warning = match read_lines(&path) {
            Ok(lines) => {
                history.file_lines = lines.len();
                for line in &lines {
                    if let Ok(entry) = serde_json::from_str::<String>(line) {
                        history.remember(entry);
                    }
                }
                None
            }
            Err(error) => Some(format!(
                "could not read history {}: {error}",
                path.display()
            )),
        };
        history.path = Some(path);
        let warning = warning.or_else(|| history.trim_if_long().err());
        (history, warning)
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Entry `index` (0 = oldest).
    pub(crate) fn get(&self, index: usize) -> Option<&str> {
        self.entries.get(index).map(String::as_str)
    }

    /// Adds an entry (skipped when empty, huge, or equal to the last one)
    /// and appends it to the file under the lock. Errors: a message when
    /// the file could not be written; the entry is still kept in memory.
    pub(crate) fn push(&mut self, entry: &str) -> Result<(), String> {
        if entry.trim().is_empty()
            || entry.len() > MAX_ENTRY_BYTES
            || self.entries.back().is_some_and(|last| last == entry)
        {
            return Ok(());
        }
        self.remember(entry.to_owned());
        let Some(path) = &self.path else {
            return Ok(());
        };
        let line = serde_json::to_string(entry).map_err(|error| error.to_string())?;
        let append = || -> std::io::Result<()> {
            let _lock = lock(path)?;
            let mut file = OpenOptions::new().create(true).append(true).open(path)?;
            writeln!(file, "{line}")
        };
        append()
            .map_err(|error| format!("could not save history to {}: {error}", path.display()))?;
        self.file_lines += 1;
        self.trim_if_long()
    }

    fn remember(&mut self, entry: String) {
        self.entries.push_back(entry);
        while self.entries.len() > self.limit {
            self.entries.pop_front();
        }
    }

    /// Trims the file to its newest `limit` lines once it may hold more
    /// than twice that many.
    fn trim_if_long(&mut self) -> Result<(), String> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        if self.file_lines <= self.limit.saturating_mul(2) {
            return Ok(());
        }
        let kept = trim_file(path, self.limit)
            .map_err(|error| format!("could not trim history {}: {error}", path.display()))?;
        self.file_lines = kept;
        Ok(())
    }
}

/// The file's lines; a missing file has none.
fn read_lines(path: &Path) -> std::io::Result<Vec<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text.lines().map(str::to_owned).collect()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(error) => Err(error),
    }
}

/// Takes the history's exclusive lock (creating its folder); released when
/// the returned file is dropped.
fn lock(path: &Path) -> std::io::Result<File> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path.with_file_name(name))?;
    file.lock()?;
    Ok(file)
}

/// Under the lock, re-reads `path`, keeps its newest `limit` valid entries
/// and renames a new file over it. Returns how many lines it kept.
fn trim_file(path: &Path, limit: usize) -> std::io::Result<usize> {
    let _lock = lock(path)?;
    let lines = read_lines(path)?;
    let valid: Vec<&String> = lines
        .iter()
        .filter(|line| serde_json::from_str::<String>(line).is_ok())
        .collect();
    let kept = &valid[valid.len().saturating_sub(limit)..];
    let mut text = String::new();
    for line in kept {
        text.push_str(line);
        text.push('\n');
    }
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!(".{}.tmp", std::process::id()));
    let temporary = path.with_file_name(name);
    let mut file = File::create(&temporary)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })?;
    Ok(kept.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persists_multi_line_entries_and_trims_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        let (mut history, warning) = History::load(Some(path.clone()), 3);
        assert!(warning.is_none());
        for entry in ["one", "two\nlines", "two\nlines", "three", "four"] {
            history.push(entry).unwrap();
        }
        assert_eq!(history.len(), 3);
        let (again, _) = History::load(Some(path), 3);
        assert_eq!(again.get(0), Some("two\nlines"));
        assert_eq!(again.get(2), Some("four"));
    }

    fn file_entries(path: &Path) -> Vec<String> {
        read_lines(path)
            .unwrap()
            .iter()
            .map(|line| serde_json::from_str::<String>(line).unwrap())
            .collect()
    }

    #[test]
    fn a_trim_keeps_what_another_process_appended() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        let (mut first, _) = History::load(Some(path.clone()), 2);
        let (mut second, _) = History::load(Some(path.clone()), 2);
        for entry in ["a1", "a2", "a3", "a4"] {
            first.push(entry).unwrap();
        }
        second.push("b1").unwrap();
        // The fifth line this process wrote takes its count past twice the
        // limit: the trim re-reads the file, so b1 survives it.
        first.push("a5").unwrap();
        assert_eq!(file_entries(&path), ["b1", "a5"]);
        assert!(
            !dir.path()
                .join(format!("history.jsonl.{}.tmp", std::process::id()))
                .exists()
        );
    }

    #[test]
    fn concurrent_writers_lose_no_entry_and_tear_no_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        let writers: Vec<_> = (0..4)
            .map(|writer| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let (mut history, _) = History::load(Some(path), 1000);
                    for n in 0..100 {
                        history
                            .push(&format!("{writer}-{n}\n{}", "x".repeat(4000)))
                            .unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        let mut entries = file_entries(&path);
        entries.sort();
        entries.dedup();
        assert_eq!(entries.len(), 400);
    }

    #[test]
    fn a_corrupt_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        std::fs::write(&path, "\"one\"\n{torn\n\"two\"\n").unwrap();
        let (history, warning) = History::load(Some(path), 10);
        assert!(warning.is_none());
        assert_eq!((history.len(), history.get(1)), (2, Some("two")));
    }
}

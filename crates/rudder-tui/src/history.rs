//! Prompt history: bounded, persisted as one JSON string per line so
//! multi-line prompts survive.
//!
//! Owns: loading, appending and trimming the history file. Must never: keep
//! more than its limit in memory, or fail the UI on a bad file (a corrupt
//! line is skipped).

use std::collections::VecDeque;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

/// Entries longer than this (bytes) are not remembered.
const MAX_ENTRY_BYTES: usize = 100 * 1024;

/// The history, oldest first.
#[derive(Debug, Clone, Default)]
pub(crate) struct History {
    entries: VecDeque<String>,
    limit: usize,
    path: Option<PathBuf>,
}

impl History {
    /// History kept in memory only.
    pub(crate) fn in_memory(limit: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            limit: limit.max(1),
            path: None,
        }
    }

    /// Loads `path` (a missing file is an empty history). Returns the
    /// history and a warning when the file could not be read.
    pub(crate) fn load(path: Option<PathBuf>, limit: usize) -> (Self, Option<String>) {
        let mut history = Self::in_memory(limit);
        let Some(path) = path else {
            return (history, None);
        };
        let warning = match std::fs::read_to_string(&path) {
            Ok(text) => {
                let lines: Vec<&str> = text.lines().collect();
                for line in &lines {
                    if let Ok(entry) = serde_json::from_str::<String>(line) {
                        history.remember(entry);
                    }
                }
                if lines.len() > history.limit.saturating_mul(2) {
                    history.path = Some(path);
                    return (history.clone(), history.rewrite().err());
                }
                None
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => Some(format!(
                "could not read history {}: {error}",
                path.display()
            )),
        };
        history.path = Some(path);
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
    /// and appends it to the file. Errors: a message when the file could not
    /// be written; the entry is still kept in memory.
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
        let write = || -> std::io::Result<()> {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let mut file = OpenOptions::new().create(true).append(true).open(path)?;
            writeln!(file, "{line}")
        };
        write().map_err(|error| format!("could not save history to {}: {error}", path.display()))
    }

    fn remember(&mut self, entry: String) {
        self.entries.push_back(entry);
        while self.entries.len() > self.limit {
            self.entries.pop_front();
        }
    }

    /// Rewrites the file with only the kept entries.
    fn rewrite(&self) -> Result<(), String> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let mut text = String::new();
        for entry in &self.entries {
            let line = serde_json::to_string(entry).map_err(|error| error.to_string())?;
            text.push_str(&line);
            text.push('\n');
        }
        std::fs::write(path, text)
            .map_err(|error| format!("could not trim history {}: {error}", path.display()))
    }
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
}

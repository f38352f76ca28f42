//! What the model was told about the date and the memory files, and what to
//! tell it when either changed.
//!
//! Invariant (USER-PAINS.md §2.1): a change — a new day, an edited
//! `CLAUDE.md` — is never edited into what was already sent. It becomes a
//! `<system-reminder>` at the front of the next prompt, after the cached
//! prefix, and a new [`ContextStamp`] is recorded. The same stamp and the
//! same files always give the same reminder bytes.

use std::collections::HashMap;

use rudder_config::memory::{MemoryFile, render_memory};

use crate::prompt::system_reminder;
use crate::transcript::{ContextStamp, MemoryStamp};

/// The stamp for telling the model `date` and `files`.
pub fn stamp_of(date: &str, files: &[MemoryFile]) -> ContextStamp {
    ContextStamp {
        date: date.to_owned(),
        memory: files
            .iter()
            .map(|file| MemoryStamp {
                path: file.path.display().to_string(),
                sha256: file.sha256.clone(),
                bytes: u64::try_from(file.content.len()).unwrap_or(u64::MAX),
            })
            .collect(),
    }
}

/// Bytes of the memory files in a stamp (for the `/context` breakdown).
pub fn memory_bytes(stamp: &ContextStamp) -> u64 {
    stamp.memory.iter().map(|file| file.bytes).sum()
}

/// A difference between what the model was told and how things are now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextChange {
    /// The reminder to put at the front of the next prompt.
    pub reminder: String,
    /// The stamp to record once the prompt carrying it is written.
    pub stamp: ContextStamp,
}

/// Compares `told` with `today` and the memory files on disk now (`files`,
/// in context order). Returns `None` when nothing changed.
pub fn changes(told: &ContextStamp, today: &str, files: &[MemoryFile]) -> Option<ContextChange> {
    let mut parts = Vec::new();
    if told.date != today {
        parts.push(format!(
            "The date has changed since it was last given: today is {today}."
        ));
    }
    let before: HashMap<&str, &str> = told
        .memory
        .iter()
        .map(|file| (file.path.as_str(), file.sha256.as_str()))
        .collect();
    let changed: Vec<MemoryFile> = files
        .iter()
        .filter(|file| {
            before.get(file.path.display().to_string().as_str()) != Some(&file.sha256.as_str())
        })
        .cloned()
        .collect();
    if !changed.is_empty() {
        parts.push(format!(
            "These memory files are new or changed since they were last shown; the versions below replace \
             any earlier ones:\n\n{}",
            render_memory(&changed)
        ));
    }
    let now: Vec<String> = files
        .iter()
        .map(|file| file.path.display().to_string())
        .collect();
    let removed: Vec<&str> = told
        .memory
        .iter()
        .map(|file| file.path.as_str())
        .filter(|path| !now.iter().any(|present| present == path))
        .collect();
    if !removed.is_empty() {
        parts.push(format!(
            "These memory files were removed; their earlier instructions no longer apply: {}.",
            removed.join(", ")
        ));
    }
    if parts.is_empty() {
        return None;
    }
    Some(ContextChange {
        reminder: system_reminder(&parts.join("\n\n")),
        stamp: stamp_of(today, files),
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use rudder_config::memory::MemoryLevel;

    use super::*;

    fn file(path: &str, content: &str) -> MemoryFile {
        use sha2::{Digest, Sha256};
        MemoryFile {
            path: PathBuf::from(path),
            level: MemoryLevel::Project,
            imported_from: None,
            content: content.into(),
            sha256: hex::encode(Sha256::digest(content.as_bytes())),
        }
    }

    #[test]
    fn nothing_changed_means_no_reminder() {
        let files = [file("/r/CLAUDE.md", "use tabs")];
        let told = stamp_of("2026-01-01", &files);
        assert_eq!(changes(&told, "2026-01-01", &files), None);
        assert_eq!(memory_bytes(&told), 8);
    }

    #[test]
    fn a_new_day_an_edit_and_a_removal_are_all_told_once() {
        let told = stamp_of(
            "2026-01-01",
            &[file("/r/CLAUDE.md", "use tabs"), file("/r/AGENTS.md", "x")],
        );
        let now = [file("/r/CLAUDE.md", "use spaces")];
        let change = changes(&told, "2026-01-02", &now).unwrap();
        assert!(change.reminder.starts_with("<system-reminder>"));
        assert!(change.reminder.contains("today is 2026-01-02"));
        assert!(change.reminder.contains("use spaces"));
        assert!(!change.reminder.contains("use tabs"));
        assert!(change.reminder.contains("removed") && change.reminder.contains("/r/AGENTS.md"));
        assert_eq!(change.stamp, stamp_of("2026-01-02", &now));
        assert_eq!(changes(&change.stamp, "2026-01-02", &now), None);
        // Deterministic: the same inputs give the same bytes.
        assert_eq!(changes(&told, "2026-01-02", &now), Some(change));
    }
}

//! This directory's earlier sessions, for the `--resume` picker and
//! `/resume`: newest first, each with its first prompt.
//!
//! Owns: listing transcript files and reading the start of each. Bounded:
//! only the newest [`MAX_LISTED`] files are opened, and only their first
//! [`HEAD_BYTES`] bytes are read, so thousands of stored sessions cost a
//! directory listing. Must never: write anything.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rudder_core::paths;
use rudder_core::transcript::Record;
use rudder_protocol::{ContentBlock, Role};

/// Most sessions listed.
pub const MAX_LISTED: usize = 30;
/// Bytes read from the start of a transcript to find its first prompt.
const HEAD_BYTES: u64 = 256 * 1024;

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// Session id (the file name without `.jsonl`).
    pub id: String,
    /// The transcript.
    pub path: PathBuf,
    /// Last write.
    pub modified: SystemTime,
    /// The first prompt, on one line (empty when none was found).
    pub first_prompt: String,
}

impl StoredSession {
    /// `3 min ago · fix the failing test`, cut to `width` characters.
    pub fn describe(&self, now: SystemTime, width: usize) -> String {
        let age = now
            .duration_since(self.modified)
            .map_or(0, |age| age.as_secs());
        let age = match age {
            0..60 => "just now".to_owned(),
            60..3_600 => format!("{} min ago", age / 60),
            3_600..86_400 => format!("{} h ago", age / 3_600),
            _ => format!("{} d ago", age / 86_400),
        };
        let prompt = if self.first_prompt.is_empty() {
            "(no prompt)"
        } else {
            &self.first_prompt
        };
        let text = format!("{age} · {prompt}");
        match text.char_indices().nth(width) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text,
        }
    }
}

/// The newest sessions of `cwd`, newest first.
pub fn list(rudder_home: &Path, cwd: &Path) -> Vec<StoredSession> {
    let dir = paths::project_dir(rudder_home, cwd);
    let mut files: Vec<(SystemTime, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .filter_map(|path| Some((std::fs::metadata(&path).ok()?.modified().ok()?, path)))
        .collect();
    files.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    files
        .into_iter()
        .take(MAX_LISTED)
        .filter_map(|(modified, path)| {
            let id = path.file_stem()?.to_str()?.to_owned();
            Some(StoredSession {
                first_prompt: first_prompt(&path),
                id,
                path,
                modified,
            })
        })
        .collect()
}

/// The first thing the person typed in the transcript at `path`.
fn first_prompt(path: &Path) -> String {
    let mut head = Vec::new();
    let read =
        std::fs::File::open(path).and_then(|file| file.take(HEAD_BYTES).read_to_end(&mut head));
    if read.is_err() {
        return String::new();
    }
    for line in head.split(|byte| *byte == b'\n') {
        let Ok(Record::User { message, meta, .. }) = std::str::from_utf8(line)
            .map_err(|_| ())
            .and_then(|line| Record::from_line(line).map_err(|_| ()))
        else {
            continue;
        };
        if meta.is_sidechain || message.role != Role::User {
            continue;
        }
        let text: Vec<&str> = message
            .content
            .iter()
            .filter_map(|block| match block {
                ContentBlock::Text { text, .. }
                    if !text.trim_start().starts_with("<system-reminder>")
                        && !text.starts_with("<bash-stdout>") =>
                {
                    Some(text.as_str())
                }
                _ => None,
            })
            .collect();
        if !text.is_empty() {
            return text
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
        }
    }
    String::new()
}

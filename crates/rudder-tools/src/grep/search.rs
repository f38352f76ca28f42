//! Grep's search engine: ripgrep's own crates in-process — `grep-regex`
//! for the matcher, `grep-searcher` for line-oriented search with context
//! and binary detection, and `ignore`'s parallel walker.
//!
//! Matching follows `rg`'s defaults so that results equal `rg --hidden`
//! with VCS directories excluded (see `walk.rs`): `(?m)` line anchors, a
//! `\n` line terminator (none in multiline mode, where `.` also matches
//! newlines, as `rg -U --multiline-dotall`), and binary files skipped at
//! their first NUL byte. Results are gathered per file and sorted by the
//! caller, so output never depends on thread timing; in content mode only
//! the lines the caller can show are kept in memory. Files on the built-in
//! secrets list (`rudder_protocol::secrets`) that the walk finds are not
//! read, only counted: the policy judged the search root, not them.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use grep_regex::RegexMatcher;
use grep_searcher::{BinaryDetection, Searcher, SearcherBuilder, Sink, SinkContext, SinkMatch};
use ignore::{WalkBuilder, WalkState};
use tokio_util::sync::CancellationToken;

/// Characters shown of one matching or context line in content mode.
pub const MAX_LINE_CHARS: usize = 500;

/// What to collect from each file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The names of files with at least one match.
    Files,
    /// The number of matching lines per file.
    Count,
    /// Matching lines, with context.
    Content {
        /// Lines of context before each match.
        before: usize,
        /// Lines of context after each match.
        after: usize,
        /// Show line numbers.
        line_numbers: bool,
    },
}

/// A search to run.
#[derive(Debug, Clone)]
pub struct Search {
    /// The compiled pattern.
    pub matcher: RegexMatcher,
    /// Matches may span lines (`rg -U`).
    pub multiline: bool,
    /// What to collect.
    pub mode: Mode,
    /// Content mode: keep only the first this many output lines (in path
    /// order) in memory; `None` keeps everything.
    pub keep_lines: Option<usize>,
    /// The home directory (canonical), for the secrets below it
    /// (`~/.ssh/…`); `None` when unknown (name-based secrets still count).
    pub home: Option<PathBuf>,
}

/// What a search found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Found {
    /// Files mode: matching files with their modification time.
    pub files: Vec<(SystemTime, PathBuf)>,
    /// Count mode: files and their matching-line counts.
    pub counts: Vec<(PathBuf, u64)>,
    /// Content mode: output lines per file, in path order (only the first
    /// `keep_lines` lines' files are kept).
    pub content: BTreeMap<PathBuf, Vec<String>>,
    /// Content mode: output lines over all files, kept or not.
    pub content_lines: usize,
    /// Content mode: files with at least one match.
    pub content_files: usize,
    /// Files the walk found on the secrets list and did not read.
    pub secrets_skipped: usize,
}

impl Search {
    fn searcher(&self) -> Searcher {
        let (before, after) = match self.mode {
            Mode::Content { before, after, .. } => (before, after),
            _ => (0, 0),
        };
        SearcherBuilder::new()
            .line_number(true)
            .multi_line(self.multiline)
            .before_context(before)
            .after_context(after)
            .binary_detection(BinaryDetection::quit(b'\x00'))
            .build()
    }

    /// Searches one file, or every file the walker `walk` yields, and
    /// returns what was found (unsorted except content, which is by path).
    /// `show_paths` puts the path before content lines. Unreadable files
    /// are skipped, as `rg` skips them, and so are secret files the walk
    /// finds (`single` is searched whatever it is: the caller named it).
    /// Stops early when `cancel` fires.
    pub fn run(
        &self,
        walk: Option<&WalkBuilder>,
        single: &Path,
        show_paths: bool,
        cancel: &CancellationToken,
    ) -> Found {
        let found = Mutex::new(Collector::default());
        match walk {
            None => self.search_file(&mut self.searcher(), single, show_paths, &found),
            Some(walk) => walk.build_parallel().run(|| {
                let found = &found;
                let mut searcher = self.searcher();
                let search = self.clone();
                let cancel = cancel.clone();
                Box::new(move |entry| {
                    if cancel.is_cancelled() {
                        return WalkState::Quit;
                    }
                    if let Ok(entry) = entry
                        && entry.file_type().is_some_and(|kind| kind.is_file())
                    {
                        if search.is_secret(entry.path()) {
                            lock(found).found.secrets_skipped += 1;
                        } else {
                            search.search_file(&mut searcher, entry.path(), show_paths, found);
                        }
                    }
                    WalkState::Continue
                })
            }),
        }
        found
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .found
    }

    /// Whether `path` is on the built-in secrets list.
    fn is_secret(&self, path: &Path) -> bool {
        // An empty home is a prefix of no absolute path's `~/…` trees.
        let home = self.home.as_deref().unwrap_or(Path::new(""));
        rudder_protocol::secrets::secret_reason(path, home).is_some()
    }

    fn search_file(
        &self,
        searcher: &mut Searcher,
        path: &Path,
        show_paths: bool,
        found: &Mutex<Collector>,
    ) {
        let lock = || lock(found);
        match self.mode {
            Mode::Files => {
                let mut sink = FirstMatch(false);
                if searcher.search_path(&self.matcher, path, &mut sink).is_ok() && sink.0 {
                    let modified = std::fs::metadata(path)
                        .and_then(|meta| meta.modified())
                        .unwrap_or(SystemTime::UNIX_EPOCH);
                    lock().found.files.push((modified, path.to_path_buf()));
                }
            }
            Mode::Count => {
                let mut sink = CountLines(0);
                if searcher.search_path(&self.matcher, path, &mut sink).is_ok() && sink.0 > 0 {
                    lock().found.counts.push((path.to_path_buf(), sink.0));
                }
            }
            Mode::Content {
                line_numbers,
                before,
                after,
            } => {
                let prefix = if show_paths {
                    path.display().to_string()
                } else {
                    String::new()
                };
                let mut sink = ContentLines {
                    prefix,
                    line_numbers,
                    // No line of a file past the first `keep_lines` (one
                    // more for the leading separator the caller drops) can
                    // be shown, whatever the other files hold.
                    keep: self
                        .keep_lines
                        .map_or(usize::MAX, |keep| keep.saturating_add(1)),
                    lines: Vec::new(),
                    total: 0,
                    matched: false,
                };
                // A separator line between files when context is shown, as rg does.
                if before + after > 0 {
                    sink.push_line("--".to_owned());
                }
                if searcher.search_path(&self.matcher, path, &mut sink).is_ok() && sink.matched {
                    lock().offer(path, sink.lines, sink.total, self.keep_lines);
                }
            }
        }
    }
}

/// The collector, even if a walker thread panicked while holding it.
fn lock(found: &Mutex<Collector>) -> std::sync::MutexGuard<'_, Collector> {
    found.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Gathers results from the walker threads.
#[derive(Default)]
struct Collector {
    found: Found,
    /// Lines held in `found.content`.
    kept_lines: usize,
}

impl Collector {
    /// Adds one file's content lines (the first of its `total`), keeping
    /// only the files (in path order) needed for the first `keep` lines.
    fn offer(&mut self, path: &Path, lines: Vec<String>, total: usize, keep: Option<usize>) {
        let found = &mut self.found;
        found.content_lines += total;
        found.content_files += 1;
        let Some(keep) = keep else {
            self.kept_lines += lines.len();
            found.content.insert(path.to_path_buf(), lines);
            return;
        };
        let beyond_last = found
            .content
            .last_key_value()
            .is_some_and(|(last, _)| last.as_path() < path);
        if self.kept_lines >= keep && beyond_last {
            return;
        }
        self.kept_lines += lines.len();
        found.content.insert(path.to_path_buf(), lines);
        while found.content.len() > 1 {
            let last_len = found
                .content
                .last_key_value()
                .map_or(0, |(_, lines)| lines.len());
            if self.kept_lines - last_len < keep {
                break;
            }
            found.content.pop_last();
            self.kept_lines -= last_len;
        }
    }
}

/// Stops at the first match.
struct FirstMatch(bool);

impl Sink for FirstMatch {
    type Error = io::Error;

    fn matched(&mut self, _: &Searcher, _: &SinkMatch<'_>) -> Result<bool, io::Error> {
        self.0 = true;
        Ok(false)
    }
}

/// Counts matching lines.
struct CountLines(u64);

impl Sink for CountLines {
    type Error = io::Error;

    fn matched(&mut self, _: &Searcher, found: &SinkMatch<'_>) -> Result<bool, io::Error> {
        self.0 += found.lines().count() as u64;
        Ok(true)
    }
}

/// Renders matching and context lines as `path:line:text` / `path-line-text`,
/// holding at most `keep` of them and counting the rest.
struct ContentLines {
    prefix: String,
    line_numbers: bool,
    keep: usize,
    lines: Vec<String>,
    /// Lines produced, held or not.
    total: usize,
    matched: bool,
}

impl ContentLines {
    /// Counts `line`, and holds it while fewer than `keep` are held.
    fn push_line(&mut self, line: String) {
        self.total += 1;
        if self.lines.len() < self.keep {
            self.lines.push(line);
        }
    }

    fn push(&mut self, number: Option<u64>, separator: char, bytes: &[u8]) {
        self.total += 1;
        if self.lines.len() >= self.keep {
            return;
        }
        let text = String::from_utf8_lossy(bytes);
        let text = text.trim_end_matches(['\n', '\r']);
        let text = match text.char_indices().nth(MAX_LINE_CHARS) {
            Some((cut, _)) => format!("{}…[line truncated]", &text[..cut]),
            None => text.to_owned(),
        };
        let mut line = String::with_capacity(self.prefix.len() + text.len() + 12);
        if !self.prefix.is_empty() {
            line.push_str(&self.prefix);
            line.push(separator);
        }
        if self.line_numbers
            && let Some(number) = number
        {
            line.push_str(&number.to_string());
            line.push(separator);
        }
        line.push_str(&text);
        self.lines.push(line);
    }
}

impl Sink for ContentLines {
    type Error = io::Error;

    fn matched(&mut self, _: &Searcher, found: &SinkMatch<'_>) -> Result<bool, io::Error> {
        self.matched = true;
        let first = found.line_number();
        for (offset, line) in found.lines().enumerate() {
            self.push(first.map(|n| n + offset as u64), ':', line);
        }
        Ok(true)
    }

    fn context(&mut self, _: &Searcher, context: &SinkContext<'_>) -> Result<bool, io::Error> {
        self.push(context.line_number(), '-', context.bytes());
        Ok(true)
    }

    fn context_break(&mut self, _: &Searcher) -> Result<bool, io::Error> {
        self.push_line("--".to_owned());
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_of_one_huge_file_is_kept_only_as_far_as_it_can_be_shown() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.log");
        std::fs::write(&path, "match\n".repeat(10_000)).unwrap();
        let search = Search {
            matcher: grep_regex::RegexMatcher::new("match").unwrap(),
            multiline: false,
            mode: Mode::Content {
                before: 0,
                after: 0,
                line_numbers: true,
            },
            keep_lines: Some(5),
            home: None,
        };
        let found = search.run(None, &path, false, &CancellationToken::new());
        assert_eq!(found.content_lines, 10_000);
        let kept: usize = found.content.values().map(Vec::len).sum();
        assert!(kept <= 6, "{kept} lines held for 5 to show");
    }

    #[test]
    fn offer_keeps_only_the_first_files_needed() {
        let mut collector = Collector::default();
        let lines = |n: usize| vec!["x".to_owned(); n];
        for path in ["/c", "/a", "/b", "/d"] {
            collector.offer(Path::new(path), lines(2), 2, Some(3));
        }
        let found = collector.found;
        let kept: Vec<_> = found
            .content
            .keys()
            .map(|p| p.display().to_string())
            .collect();
        assert_eq!(kept, ["/a", "/b"]);
        assert_eq!(found.content_lines, 8);
        assert_eq!(found.content_files, 4);
    }
}

//! Finding memory files and following their `@path` imports.
//!
//! Imports (CLAUDE-CODE-INTERFACE.md §7): `@path` outside code spans and
//! fenced blocks (and outside HTML block comments), relative to the
//! importing file's folder; `~/…` and absolute paths allowed; at most
//! [`MAX_IMPORT_DEPTH`] hops (the 2025 documentation's limit); a file
//! already on the import chain is a cycle and is not followed; a missing
//! target is noted, not fatal. A file on the built-in secrets list
//! (`rudder_protocol::secrets`: `.env`, private keys, `~/.ssh`, …) is never
//! imported, whatever imports it: memory goes to the model without any
//! permission check, and a cloned repository's CLAUDE.md could otherwise
//! name the user's keys.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use rudder_protocol::secrets::secret_reason;
use sha2::{Digest, Sha256};

use super::{MemoryFile, MemoryLevel, MemoryLoad};
use crate::discover::{MAX_MARKDOWN_BYTES, read_optional};
use crate::error::ConfigError;
use crate::markdown::{at_mentions, lines, strip_block_comments};
use crate::paths::{ConfigPaths, SourceSet};

/// Most import hops followed from a top-level memory file.
pub const MAX_IMPORT_DEPTH: usize = 5;

/// Memory file names in one project folder, in load order, and whether each
/// is a `local` (personal) file.
const PROJECT_NAMES: [(&str, bool); 4] = [
    ("CLAUDE.md", false),
    (".claude/CLAUDE.md", false),
    ("AGENTS.md", false),
    ("CLAUDE.local.md", true),
];

/// Loads the memory files of a session start: managed, user, then the
/// project folders from the top down to `paths.cwd` (§7), each followed by
/// its imports. User files need `sources.user`; `CLAUDE.md`/`AGENTS.md`
/// need `sources.project`; `CLAUDE.local.md` needs `sources.local`.
pub fn load_memory(paths: &ConfigPaths, sources: SourceSet) -> MemoryLoad {
    let mut loader = Loader::new(paths);
    for dir in [&paths.claude_managed_dir, &paths.rudder_managed_dir] {
        loader.top_level(&dir.join("CLAUDE.md"), MemoryLevel::Managed);
    }
    if sources.user {
        if let Some(dir) = &paths.claude_user_dir {
            loader.top_level(&dir.join("CLAUDE.md"), MemoryLevel::User);
        }
        if let Some(dir) = &paths.rudder_user_dir {
            loader.top_level(&dir.join("CLAUDE.md"), MemoryLevel::User);
            loader.top_level(&dir.join("AGENTS.md"), MemoryLevel::User);
        }
    }
    let mut folders: Vec<&Path> = paths
        .cwd
        .ancestors()
        .filter(|dir| dir.parent().is_some())
        .collect();
    folders.reverse();
    for dir in folders {
        loader.folder(dir, sources, MemoryLevel::Project);
    }
    loader.finish()
}

/// The memory files of the folders between `paths.cwd` (exclusive) and
/// `dir` (inclusive), top down: what the agent adds when the model first
/// reads or edits something in `dir`. Empty when `dir` is not below the
/// working directory. The agent drops files it already sent with
/// [`super::retain_unseen`].
pub fn memory_for_subdir(paths: &ConfigPaths, sources: SourceSet, dir: &Path) -> MemoryLoad {
    let mut loader = Loader::new(paths);
    let Ok(relative) = dir.strip_prefix(&paths.cwd) else {
        return loader.finish();
    };
    let mut folder = paths.cwd.clone();
    for component in relative.components() {
        folder.push(component);
        loader.folder(&folder, sources, MemoryLevel::Subdirectory);
    }
    loader.finish()
}

/// State of one loading pass.
struct Loader<'a> {
    paths: &'a ConfigPaths,
    /// Real paths already read.
    seen_paths: HashSet<PathBuf>,
    /// Content hashes already kept.
    seen_hashes: HashSet<String>,
    out: MemoryLoad,
}

impl<'a> Loader<'a> {
    fn new(paths: &'a ConfigPaths) -> Self {
        Self {
            paths,
            seen_paths: HashSet::new(),
            seen_hashes: HashSet::new(),
            out: MemoryLoad::default(),
        }
    }

    fn finish(self) -> MemoryLoad {
        self.out
    }

    /// The memory files of one project folder. `level` is `Project` or
    /// `Subdirectory`; `CLAUDE.local.md` is `Local` at project level.
    fn folder(&mut self, dir: &Path, sources: SourceSet, level: MemoryLevel) {
        for (name, local) in PROJECT_NAMES {
            let enabled = if local {
                sources.local
            } else {
                sources.project
            };
            if !enabled {
                continue;
            }
            let file_level = if local && level == MemoryLevel::Project {
                MemoryLevel::Local
            } else {
                level
            };
            self.top_level(&dir.join(name), file_level);
        }
    }

    /// A memory file found by name (not imported); silent when missing.
    fn top_level(&mut self, path: &Path, level: MemoryLevel) {
        let mut chain = Vec::new();
        self.file(path, level, None, &mut chain);
    }

    /// Reads `path` and, depth first, what it imports. `chain` holds the
    /// real paths of the importers above it.
    fn file(
        &mut self,
        path: &Path,
        level: MemoryLevel,
        imported_from: Option<&Path>,
        chain: &mut Vec<PathBuf>,
    ) {
        let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        if self.seen_paths.contains(&real) {
            return;
        }
        let text = match read_optional(path, MAX_MARKDOWN_BYTES) {
            Ok(Some(text)) => text,
            Ok(None) => return,
            Err(error) => {
                self.out.warnings.push(error);
                return;
            }
        };
        self.seen_paths.insert(real.clone());
        let (content, line_numbers) = strip_block_comments(&text);
        let sha256 = hex::encode(Sha256::digest(content.as_bytes()));
        if !self.seen_hashes.insert(sha256.clone()) {
            return;
        }
        let imports = imports(&content, &line_numbers);
        if !content.trim().is_empty() {
            self.out.files.push(MemoryFile {
                path: path.to_owned(),
                level,
                imported_from: imported_from.map(Path::to_owned),
                content,
                sha256,
            });
        }
        chain.push(real);
        for (line, import) in imports {
            self.import(path, line, &import, level, chain);
        }
        chain.pop();
    }

    /// Follows one `@import` of `importer` (at `line`).
    fn import(
        &mut self,
        importer: &Path,
        line: usize,
        import: &str,
        level: MemoryLevel,
        chain: &mut Vec<PathBuf>,
    ) {
        let note = |reason: String| ConfigError::Import {
            path: importer.to_owned(),
            line,
            import: import.to_owned(),
            reason,
        };
        let target = if import.starts_with('~') {
            self.paths.expand_home(import)
        } else {
            let folder = importer.parent().unwrap_or(Path::new("/"));
            Some(folder.join(import))
        }
        .map(|target| lexically_normal(&target));
        let Some(target) = target.filter(|target| target.is_file()) else {
            self.out.warnings.push(note("was not found".into()));
            return;
        };
        if chain.len() > MAX_IMPORT_DEPTH {
            self.out.warnings.push(note(format!(
                "is more than {MAX_IMPORT_DEPTH} imports deep"
            )));
            return;
        }
        let real = std::fs::canonicalize(&target).unwrap_or_else(|_| target.clone());
        let home = self.paths.home.as_deref().unwrap_or(Path::new(""));
        let home_real = std::fs::canonicalize(home).unwrap_or_else(|_| home.to_owned());
        if let Some(why) = secret_reason(&target, home).or_else(|| secret_reason(&real, &home_real))
        {
            self.out.warnings.push(note(format!(
                "names a file on the built-in secrets list ({why}), which memory never imports"
            )));
            return;
        }
        if chain.contains(&real) {
            self.out.warnings.push(note("forms an import cycle".into()));
            return;
        }
        self.file(&target, level, Some(importer), chain);
    }
}

/// `path` without `.` components and with `..` applied to the part before
/// it (no symlinks resolved), so headers read `/p/shared/b.md`, not
/// `/p/docs/../shared/b.md`.
fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `(line in the original file, path)` of each import in comment-free
/// `content`; `line_numbers[i]` is the original line of content line `i`.
fn imports(content: &str, line_numbers: &[usize]) -> Vec<(usize, String)> {
    lines(content)
        .into_iter()
        .enumerate()
        .filter(|(_, line)| !line.in_code)
        .flat_map(|(index, line)| {
            let number = line_numbers.get(index).copied().unwrap_or(index + 1);
            at_mentions(line.text)
                .into_iter()
                .map(move |(_, path)| (number, path))
        })
        .collect()
}

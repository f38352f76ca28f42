//! Finding and reading definition files: the edge where this crate touches
//! the filesystem for Markdown definitions (commands, agents, skills,
//! output styles) and settings files.
//!
//! Missing files and folders are normal and silent; a file that exists but
//! cannot be read is a warning. Nothing here runs a program.

use std::fmt;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::error::ConfigError;
use crate::frontmatter;
use crate::paths::{ConfigPaths, SourceSet};
use crate::settings::WithheldKey;

/// Largest settings file read, in bytes (Claude Code 2.1 caps `--settings`
/// files at 2 MiB).
pub const MAX_SETTINGS_BYTES: u64 = 2 * 1024 * 1024;
/// Largest Markdown file (memory, command, agent, skill, style) read, in bytes.
pub const MAX_MARKDOWN_BYTES: u64 = 1024 * 1024;
/// How deep definition folders are searched for `*.md` files.
const MAX_FOLDER_DEPTH: usize = 8;

/// Where a definition (command, agent, skill, output style) came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DefinitionScope {
    /// Built into rudder.
    BuiltIn,
    /// `~/.claude/…` or `~/.rudder/…`.
    User,
    /// `.claude/…` or `.rudder/…` of the project.
    Project,
    /// Given on the command line (`--agents`).
    Cli,
}

impl DefinitionScope {
    /// `built-in`, `user`, `project`, `cli`: the label Claude Code shows in
    /// listings, e.g. `(project)`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BuiltIn => "built-in",
            Self::User => "user",
            Self::Project => "project",
            Self::Cli => "cli",
        }
    }
}

impl fmt::Display for DefinitionScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The folders holding `subdir` definitions (`commands`, `agents`, …),
/// highest priority first within each scope: project `.rudder/`, project
/// `.claude/`, then user `~/.rudder/`, `~/.claude/`, limited to the enabled
/// sources. The caller decides which scope wins between project and user.
pub(crate) fn definition_roots(
    paths: &ConfigPaths,
    sources: SourceSet,
    subdir: &str,
) -> Vec<(DefinitionScope, PathBuf)> {
    let mut roots = Vec::new();
    if sources.project {
        for dir in paths.project_dirs() {
            roots.push((DefinitionScope::Project, dir.join(subdir)));
        }
    }
    if sources.user {
        for dir in paths.user_dirs() {
            roots.push((DefinitionScope::User, dir.join(subdir)));
        }
    }
    roots
}

/// The trust gate for definitions: in an untrusted folder, a project
/// definition's field that grants permissions (`allowed-tools` of commands
/// and skills, `permissionMode` of agents — the counterparts of
/// `permissions.allow` and `defaultMode`) is cleared and recorded as
/// withheld. User and command-line definitions are untouched.
pub(crate) fn withhold_if_untrusted<T: Default + PartialEq>(
    value: &mut T,
    scope: DefinitionScope,
    trusted: bool,
    path: &Path,
    key: &str,
    withheld: &mut Vec<WithheldKey>,
) {
    if !trusted && scope == DefinitionScope::Project && *value != T::default() {
        *value = T::default();
        withheld.push(WithheldKey {
            path: path.to_owned(),
            key: key.to_owned(),
        });
    }
}

/// What to do with a definition file whose front matter does not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BadFrontMatter {
    /// Skip the file (skills, output styles: without their front matter
    /// they would be misnamed or misdescribed).
    Skip,
    /// Read it with default front matter (commands: the body still works).
    UseDefaults,
}

/// Reads the definition file at `path` (at most [`MAX_MARKDOWN_BYTES`])
/// and parses its front matter as `F`. Returns the front matter and the
/// body, or `None` when the file is absent, unreadable, or — with
/// [`BadFrontMatter::Skip`] — its front matter does not parse; every
/// problem is pushed onto `warnings` with the file's path.
pub(crate) fn read_definition<F: DeserializeOwned + Default>(
    path: &Path,
    bad_front: BadFrontMatter,
    warnings: &mut Vec<ConfigError>,
) -> Option<(F, String)> {
    let text = match read_optional(path, MAX_MARKDOWN_BYTES) {
        Ok(text) => text?,
        Err(error) => {
            warnings.push(error);
            return None;
        }
    };
    let document = frontmatter::split(&text);
    let front = match frontmatter::parse(document.front, path) {
        Ok(front) => front,
        Err(error) => {
            warnings.push(error);
            if bad_front == BadFrontMatter::Skip {
                return None;
            }
            F::default()
        }
    };
    Some((front, document.body.to_owned()))
}

/// A definition found in a file, known by its name.
pub(crate) trait Named {
    /// The name it is invoked by.
    fn name(&self) -> &str;
    /// The file it was read from.
    fn path(&self) -> &Path;
}

/// Adds `item`, read under `root`, unless a definition of that name is
/// already known: a second one under the same root is reported as a
/// duplicate (the first one read wins); one from an earlier root — a
/// higher-priority folder — shadows it silently.
pub(crate) fn add_unless_known<T: Named>(
    items: &mut Vec<T>,
    item: T,
    root: &Path,
    kind: &'static str,
    warnings: &mut Vec<ConfigError>,
) {
    match items.iter().find(|known| known.name() == item.name()) {
        Some(known) if known.path().starts_with(root) => {
            warnings.push(ConfigError::DuplicateName {
                path: item.path().to_owned(),
                kind,
                name: item.name().to_owned(),
                kept: known.path().to_owned(),
            })
        }
        Some(_) => {}
        None => items.push(item),
    }
}

/// Reads a UTF-8 text file of at most `limit` bytes. `Ok(None)` when it
/// does not exist.
///
/// # Errors
/// [`ConfigError::TooLarge`] over the limit; [`ConfigError::Read`] when it
/// exists but cannot be read as UTF-8 text.
pub(crate) fn read_optional(path: &Path, limit: u64) -> Result<Option<String>, ConfigError> {
    let read_error = |message: String| ConfigError::Read {
        path: path.to_owned(),
        message,
    };
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(read_error(error.to_string())),
    };
    if !metadata.is_file() {
        return Err(read_error("not a regular file".into()));
    }
    if metadata.len() > limit {
        return Err(ConfigError::TooLarge {
            path: path.to_owned(),
            size: metadata.len(),
            limit,
        });
    }
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(|text| {
                Some(
                    text.strip_prefix('\u{feff}')
                        .map(str::to_owned)
                        .unwrap_or(text),
                )
            })
            .map_err(|_| read_error("not UTF-8 text".into())),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
        Err(error) => Err(read_error(error.to_string())),
    }
}

/// Every `*.md` file under `root` (following symlinks, at most
/// [`MAX_FOLDER_DEPTH`] levels deep), sorted by path so results are stable.
/// A missing `root` gives nothing.
pub(crate) fn markdown_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    collect_markdown(root, 0, &mut files);
    files.sort();
    files
}

fn collect_markdown(dir: &Path, depth: usize, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(metadata) = std::fs::metadata(&path) else {
            continue;
        };
        if metadata.is_dir() && depth < MAX_FOLDER_DEPTH {
            collect_markdown(&path, depth + 1, files);
        } else if metadata.is_file() && path.extension().is_some_and(|ext| ext == "md") {
            files.push(path);
        }
    }
}

/// The immediate subfolders of `dir`, sorted (for `skills/<name>/`).
pub(crate) fn subfolders(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut folders: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    folders.sort();
    folders
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_text_and_reports_problems() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.md");
        assert_eq!(read_optional(&file, 10).unwrap(), None);
        std::fs::write(&file, "\u{feff}hello").unwrap();
        assert_eq!(read_optional(&file, 100).unwrap().as_deref(), Some("hello"));
        assert!(matches!(
            read_optional(&file, 2),
            Err(ConfigError::TooLarge { .. })
        ));
        std::fs::write(&file, [0xff, 0xfe, 0x00]).unwrap();
        assert!(matches!(
            read_optional(&file, 100),
            Err(ConfigError::Read { .. })
        ));
        assert!(matches!(
            read_optional(dir.path(), 100),
            Err(ConfigError::Read { .. })
        ));
    }

    #[test]
    fn markdown_files_are_found_recursively_and_sorted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b/c")).unwrap();
        std::fs::write(dir.path().join("z.md"), "").unwrap();
        std::fs::write(dir.path().join("b/c/y.md"), "").unwrap();
        std::fs::write(dir.path().join("b/notes.txt"), "").unwrap();
        let found = markdown_files(dir.path());
        assert_eq!(
            found,
            [dir.path().join("b/c/y.md"), dir.path().join("z.md")]
        );
        assert!(markdown_files(&dir.path().join("missing")).is_empty());
    }
}

//! The Glob tool: files whose path matches a glob pattern, newest first.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (Glob: `pattern`, optional
//! `path`, omitted = the current directory; results sorted by
//! modification time; 2.1 caps them at 100 with a truncation flag).
//! Decisions: the current directory is the Bash tool's (as in Claude Code,
//! where `cd` moves it for every tool), the one the policy judges relative
//! paths against; the walk follows the shared rules of `walk.rs` (gitignore
//! honoured, hidden files included, VCS directories skipped), as the issue
//! asks for a gitignore-aware Glob; patterns use standard glob syntax where
//! `*` stays within one directory and `**` crosses directories, matched
//! against the path relative to the search directory; newest first, ties
//! by path, so output is deterministic. Read-only.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use futures::future::BoxFuture;
use globset::{GlobBuilder, GlobMatcher};
use ignore::WalkState;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::file_tool::{FileEnv, execute_blocking, tool_error};
use crate::fs_util::{FileError, regular_file};
use crate::tool::{Tool, ToolContext, ToolOutput};
use crate::walk::walker;

/// Most paths returned by one call.
pub const MAX_RESULTS: usize = 100;

const DESCRIPTION: &str = "\
Finds files by name pattern, in any size of directory tree.

- pattern uses glob syntax, matched against the path below the search directory: `*` matches within one directory level, `**` across levels, `?` one character, `{a,b}` alternatives, `[abc]` a character set. Examples: `**/*.rs`, `src/**/*.{ts,tsx}`, `*.md` (top level only).
- path is the directory to search (default: the current working directory, where the last Bash `cd` left it). A relative path starts there too.
- Files ignored by .gitignore are skipped; hidden files are included; .git and other version-control directories are skipped.
- Returns absolute paths, most recently modified first, at most 100; a note says when there are more.
- Use Grep to search file contents. For open-ended searches that need several rounds, consider delegating to an agent.";

/// Input of the Glob tool.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GlobInput {
    pattern: String,
    #[serde(default)]
    path: Option<String>,
}

/// The `Glob` tool.
#[derive(Debug, Default, Clone, Copy)]
pub struct GlobTool;

impl Tool for GlobTool {
    fn name(&self) -> &str {
        "Glob"
    }

    fn description(&self) -> &str {
        DESCRIPTION
    }

    fn input_schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "pattern": {
                    "type": "string",
                    "description": "Glob pattern to match file paths against, e.g. \"**/*.rs\""
                },
                "path": {
                    "type": "string",
                    "description": "Directory to search in; omit it to search the current working directory"
                }
            },
            "required": ["pattern"],
            "additionalProperties": false,
            "$schema": "http://json-schema.org/draft-07/schema#"
        })
    }

    fn is_read_only(&self) -> bool {
        true
    }

    fn execute<'a>(&'a self, input: Value, ctx: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        execute_blocking::<GlobInput, _>(ctx, "Glob", input, glob)
    }
}

/// The directory a search tool starts from: `path` made absolute against
/// the current directory ([`FileEnv::cwd`], the Bash tool's; the current
/// directory itself when `path` is absent), which must be an existing
/// directory or, when `allow_file`, a file. Returns its canonical path.
///
/// Errors: [`FileError::NotFound`], [`FileError::Io`] naming a file
/// where a directory is needed, [`FileError::NotRegular`] for a pipe,
/// socket or device.
pub(crate) fn search_root(
    path: Option<&str>,
    env: &FileEnv,
    allow_file: bool,
) -> Result<PathBuf, FileError> {
    let cwd = env.cwd();
    let root = match path {
        Some(path) if !path.is_empty() => cwd.join(path),
        _ => cwd,
    };
    // The real path, as the policy judged it (`sub/..` after a `cd` into a
    // linked `sub` is not lexically the parent).
    let root = std::fs::canonicalize(&root).map_err(|err| FileError::io(&root, "search", err))?;
    let metadata = std::fs::metadata(&root).map_err(|err| FileError::io(&root, "search", err))?;
    if metadata.is_dir() {
        return Ok(root);
    }
    if !allow_file {
        return Err(FileError::Io {
            path: root,
            action: "search",
            source: std::io::Error::other("it is a file, not a directory; pass its directory"),
        });
    }
    regular_file(&root, &metadata)?;
    Ok(root)
}

/// Splits the leading directories without glob characters off `pattern`:
/// `src/**/*.rs` → (`src`, `**/*.rs`). An absolute pattern yields an
/// absolute directory.
fn split_literal_prefix(pattern: &str) -> (PathBuf, String) {
    let is_magic = |part: &str| part.contains(['*', '?', '[', '{', '\\']);
    let parts: Vec<&str> = pattern.split('/').collect();
    let literal = parts
        .iter()
        .take(parts.len().saturating_sub(1))
        .take_while(|part| !is_magic(part))
        .count();
    let mut prefix = PathBuf::from(if pattern.starts_with('/') { "/" } else { "" });
    for part in &parts[..literal] {
        prefix.push(part);
    }
    (prefix, parts[literal..].join("/"))
}

fn glob(input: &GlobInput, env: &FileEnv) -> Result<ToolOutput, ToolOutput> {
    if input.pattern.trim().is_empty() {
        return Err(tool_error("pattern is empty; give a glob such as **/*.rs."));
    }
    let (prefix, rest) = split_literal_prefix(&input.pattern);
    let base = search_root(input.path.as_deref(), env, false)?;
    let root = base.join(&prefix);
    if !root.is_dir() {
        return Ok(no_files());
    }
    let matcher = GlobBuilder::new(&rest)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|err| {
            tool_error(format!(
                "pattern \"{}\" is not a valid glob: {err}",
                input.pattern
            ))
        })?
        .compile_matcher();
    let mut found = find(&root, &matcher, env);
    if env.cancel.is_cancelled() {
        return Err(tool_error("Glob was interrupted."));
    }
    if found.is_empty() {
        return Ok(no_files());
    }
    found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let total = found.len();
    let shown: Vec<String> = found
        .into_iter()
        .take(MAX_RESULTS)
        .map(|(_, path)| path.display().to_string())
        .collect();
    let mut text = shown.join("\n");
    let truncated = total > MAX_RESULTS;
    if truncated {
        text.push_str(&format!(
            "\n(Showing the {MAX_RESULTS} most recently modified of {total} matching files. Use a narrower pattern or path to see the others.)"
        ));
    }
    Ok(ToolOutput::text(text).with_structured(json!({
        "filenames": shown,
        "numFiles": total,
        "truncated": truncated,
    })))
}

fn no_files() -> ToolOutput {
    ToolOutput::text("No files found").with_structured(json!({
        "filenames": [],
        "numFiles": 0,
        "truncated": false,
    }))
}

/// Every file below `root` whose path relative to `root` matches, with its
/// modification time.
fn find(root: &Path, matcher: &GlobMatcher, env: &FileEnv) -> Vec<(SystemTime, PathBuf)> {
    let found = Mutex::new(Vec::new());
    walker(root, env.walk_filter.as_ref())
        .build_parallel()
        .run(|| {
            let found = &found;
            let cancel = env.cancel.clone();
            Box::new(move |entry| {
                if cancel.is_cancelled() {
                    return WalkState::Quit;
                }
                let Ok(entry) = entry else {
                    return WalkState::Continue;
                };
                if !entry.file_type().is_some_and(|kind| kind.is_file()) {
                    return WalkState::Continue;
                }
                let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
                if matcher.is_match(relative) {
                    let modified = entry
                        .metadata()
                        .ok()
                        .and_then(|meta| meta.modified().ok())
                        .unwrap_or(SystemTime::UNIX_EPOCH);
                    let mut found = found
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    found.push((modified, entry.into_path()));
                }
                WalkState::Continue
            })
        });
    found
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_leading_directories_are_split_off() {
        assert_eq!(
            split_literal_prefix("src/**/*.rs"),
            (PathBuf::from("src"), "**/*.rs".to_owned())
        );
        assert_eq!(
            split_literal_prefix("/abs/dir/*.md"),
            (PathBuf::from("/abs/dir"), "*.md".to_owned())
        );
        assert_eq!(
            split_literal_prefix("*.md"),
            (PathBuf::new(), "*.md".to_owned())
        );
        assert_eq!(
            split_literal_prefix("docs/readme.md"),
            (PathBuf::from("docs"), "readme.md".to_owned())
        );
    }
}

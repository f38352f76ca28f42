//! The Grep tool: regular-expression search over file contents with
//! ripgrep's engine (see `search.rs`), in Claude Code's parameters.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (Grep: `pattern` R, ripgrep
//! regex; `path`; `glob` as rg --glob; `type` as rg --type;
//! `output_mode` files_with_matches (default) | content | count; `-A`,
//! `-B`, `-C` and `-n` for content only; `-i`; `multiline` as rg -U
//! --multiline-dotall; `head_limit`; `offset`; .gitignore respected).
//! Decisions: `path` and its default start in the current directory as
//! Glob's do (`glob.rs`); `-n` defaults to true (Claude Code 2.1); `head_limit` 0 or
//! absent means no limit, but content mode keeps at most
//! [`MAX_CONTENT_LINES`] lines (a note says so); files are listed newest
//! first like Glob, counts and content by path; `glob` may hold several
//! globs separated by spaces or top-level commas; paths are absolute; a
//! single-file search shows no path before content lines, as rg does;
//! secret files the walk finds are skipped and counted in a note (the
//! policy judged the root, not them); entries the session's `Read(...)`
//! deny rules cover are left out of the walk silently (`walk.rs`).
//! Read-only.

pub mod search;

use std::path::Path;

use futures::future::BoxFuture;
use grep_regex::RegexMatcherBuilder;
use ignore::overrides::OverrideBuilder;
use ignore::types::TypesBuilder;
use rudder_protocol::ToolResultContent;
use serde::Deserialize;
use serde_json::{Value, json};

use self::search::{Found, Mode, Search};
use crate::file_tool::{FileEnv, execute_blocking, optional_count, tool_error};
use crate::glob::search_root;
use crate::tool::{Tool, ToolContext, ToolOutput};
use crate::walk::walker;

/// Most content lines one call keeps (after `offset`) when no
/// `head_limit` is given.
pub const MAX_CONTENT_LINES: usize = 20_000;

const DESCRIPTION: &str = "\
Searches file contents for a regular expression, using ripgrep's engine and regex syntax.

- pattern is a ripgrep (Rust) regular expression, e.g. `fn\\s+main` or `log.*Error`. Escape literal special characters: `interface\\{\\}` finds `interface{}`.
- path is the file or directory to search (default: the current working directory, where the last Bash `cd` left it; a relative path starts there too). glob limits the files searched by name (e.g. `*.rs`, `**/*.{ts,tsx}`); type limits them by ripgrep file type (e.g. rust, py, js, go), which is faster for standard languages.
- output_mode: files_with_matches (the default) lists the matching files, most recently modified first; content shows the matching lines (-n line numbers are on by default; -A, -B and -C add lines of context after, before or around each match); count gives the number of matching lines per file.
- -i makes the search case-insensitive. multiline lets a match span lines, with `.` matching newlines too.
- head_limit keeps only the first N entries (lines, files or counts) after skipping offset entries; use the two to page through long results.
- Files ignored by .gitignore, binary files and .git directories are skipped; hidden files are searched. Files on the built-in secrets list (.env files, private keys, credentials) are searched only when path names them.
- Use this tool instead of running grep or rg through Bash. For open-ended searches that need several rounds, consider delegating to an agent.";

/// What to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
enum OutputMode {
    Content,
    #[default]
    FilesWithMatches,
    Count,
}

/// Input of the Grep tool.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GrepInput {
    pattern: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    glob: Option<String>,
    #[serde(default)]
    output_mode: Option<OutputMode>,
    #[serde(default, rename = "-B", deserialize_with = "optional_count")]
    before: Option<u64>,
    #[serde(default, rename = "-A", deserialize_with = "optional_count")]
    after: Option<u64>,
    #[serde(default, rename = "-C", deserialize_with = "optional_count")]
    context: Option<u64>,
    #[serde(default, rename = "-n")]
    line_numbers: Option<bool>,
    #[serde(default, rename = "-i")]
    case_insensitive: Option<bool>,
    #[serde(default, rename = "type")]
    file_type: Option<String>,
    #[serde(default, deserialize_with = "optional_count")]
    head_limit: Option<u64>,
    #[serde(default, deserialize_with = "optional_count")]
    offset: Option<u64>,
    #[serde(default)]
    multiline: Option<bool>,
}

/// The `Grep` tool.
#[derive(Debug, Default, Clone, Copy)]
pub struct GrepTool;

impl Tool for GrepTool {
    fn name(&self) -> &str {
        "Grep"
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
                    "description": "Regular expression to search file contents for"
                },
                "path": {
                    "type": "string",
                    "description": "File or directory to search; omit it to search the current working directory"
                },
                "glob": {
                    "type": "string",
                    "description": "Only search files whose path matches this glob, e.g. \"*.js\" or \"*.{ts,tsx}\" (like rg --glob)"
                },
                "output_mode": {
                    "type": "string",
                    "enum": ["content", "files_with_matches", "count"],
                    "description": "content: matching lines; files_with_matches: matching files (default); count: matching lines per file"
                },
                "-B": {
                    "type": "number",
                    "description": "Lines of context to show before each match (content mode only)"
                },
                "-A": {
                    "type": "number",
                    "description": "Lines of context to show after each match (content mode only)"
                },
                "-C": {
                    "type": "number",
                    "description": "Lines of context to show before and after each match (content mode only)"
                },
                "-n": {
                    "type": "boolean",
                    "description": "Show line numbers (content mode only; default true)"
                },
                "-i": {
                    "type": "boolean",
                    "description": "Case-insensitive search"
                },
                "type": {
                    "type": "string",
                    "description": "Only search files of this ripgrep file type, e.g. js, py, rust, go, java"
                },
                "head_limit": {
                    "type": "number",
                    "description": "Return only the first N entries (lines, files or counts); 0 or omitted means no limit"
                },
                "offset": {
                    "type": "number",
                    "description": "Skip the first N entries before applying head_limit"
                },
                "multiline": {
                    "type": "boolean",
                    "description": "Let matches span lines, with . matching newlines (like rg -U --multiline-dotall)"
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
        execute_blocking::<GrepInput, _>(ctx, "Grep", input, grep)
    }
}

/// Entries to skip and to keep (`None`: all).
#[derive(Debug, Clone, Copy)]
struct Page {
    offset: usize,
    limit: Option<usize>,
}

impl Page {
    fn of(input: &GrepInput) -> Self {
        let to_usize = |value: u64| usize::try_from(value).unwrap_or(usize::MAX);
        Self {
            offset: input.offset.map_or(0, to_usize),
            limit: input.head_limit.filter(|limit| *limit > 0).map(to_usize),
        }
    }

    /// The page of `entries`, and a note when entries were left out.
    fn apply<T>(self, entries: Vec<T>, total: usize, what: &str) -> (Vec<T>, Option<String>) {
        let shown: Vec<T> = entries
            .into_iter()
            .skip(self.offset)
            .take(self.limit.unwrap_or(usize::MAX))
            .collect();
        let note = (self.offset > 0 || shown.len() + self.offset < total).then(|| {
            if shown.is_empty() {
                format!(
                    "(offset {} is past the last of the {total} {what}.)",
                    self.offset
                )
            } else {
                format!(
                    "(Showing {what} {}–{} of {total}. Use offset and head_limit to see others.)",
                    self.offset + 1,
                    self.offset + shown.len()
                )
            }
        });
        (shown, note)
    }
}

fn grep(input: &GrepInput, env: &FileEnv) -> Result<ToolOutput, ToolOutput> {
    if input.pattern.is_empty() {
        return Err(tool_error(
            "pattern is empty; give a regular expression to search for.",
        ));
    }
    let multiline = input.multiline == Some(true);
    let matcher = RegexMatcherBuilder::new()
        .case_insensitive(input.case_insensitive == Some(true))
        .multi_line(true)
        .dot_matches_new_line(multiline)
        .line_terminator((!multiline).then_some(b'\n'))
        .build(&input.pattern)
        .map_err(|err| {
            let hint = if multiline {
                ""
            } else {
                " To match across lines, set multiline to true."
            };
            tool_error(format!(
                "pattern is not a valid regular expression: {err}.{hint}"
            ))
        })?;
    let root = search_root(input.path.as_deref(), env, true)?;
    let page = Page::of(input);
    let output_mode = input.output_mode.unwrap_or_default();
    let mode = match output_mode {
        OutputMode::FilesWithMatches => Mode::Files,
        OutputMode::Count => Mode::Count,
        OutputMode::Content => {
            let context = input.context.unwrap_or(0);
            let lines = |value: Option<u64>| {
                usize::try_from(value.unwrap_or(context)).unwrap_or(usize::MAX)
            };
            Mode::Content {
                before: lines(input.before),
                after: lines(input.after),
                line_numbers: input.line_numbers != Some(false),
            }
        }
    };
    let keep_lines = page.offset.saturating_add(
        page.limit
            .unwrap_or(MAX_CONTENT_LINES)
            .min(MAX_CONTENT_LINES),
    );
    let search = Search {
        matcher,
        multiline,
        mode,
        keep_lines: Some(keep_lines),
        home: std::env::var_os("HOME").and_then(|home| std::fs::canonicalize(home).ok()),
    };
    let found = if root.is_dir() {
        let mut walk = walker(&root, env.walk_filter.as_ref());
        if let Some(file_type) = input.file_type.as_deref().filter(|kind| !kind.is_empty()) {
            walk.types(file_types(file_type)?);
        }
        if let Some(globs) = input.glob.as_deref().filter(|glob| !glob.trim().is_empty()) {
            walk.overrides(overrides(&root, globs)?);
        }
        search.run(Some(&walk), &root, true, &env.cancel)
    } else {
        search.run(None, &root, false, &env.cancel)
    };
    if env.cancel.is_cancelled() {
        return Err(tool_error("Grep was interrupted."));
    }
    let skipped = found.secrets_skipped;
    let output = match mode {
        Mode::Files => files_result(found, page),
        Mode::Count => count_result(found, page),
        Mode::Content { before, after, .. } => {
            content_result(found, page, before + after > 0, keep_lines)
        }
    };
    Ok(with_secrets_note(output, skipped))
}

/// Adds a note saying how many secret files the walk left unread.
fn with_secrets_note(mut output: ToolOutput, skipped: usize) -> ToolOutput {
    if skipped == 0 {
        return output;
    }
    let noun = if skipped == 1 { "file" } else { "files" };
    let note = format!(
        "({skipped} {noun} on the built-in secrets list (.env files, private keys, credentials) were not searched; a path naming one is searched if the permission policy allows it.)"
    );
    if let ToolResultContent::Text(text) = &mut output.content {
        text.push_str("\n\n");
        text.push_str(&note);
    }
    if let Some(Value::Object(structured)) = &mut output.structured {
        structured.insert("secretsSkipped".to_owned(), json!(skipped));
    }
    output
}

/// A file-type filter selecting `name` from ripgrep's built-in types.
fn file_types(name: &str) -> Result<ignore::types::Types, ToolOutput> {
    let mut builder = TypesBuilder::new();
    builder.add_defaults().select(name);
    builder.build().map_err(|_| {
        tool_error(format!(
            "type \"{name}\" is not a known ripgrep file type. Examples: rust, py, js, ts, go, java, c, cpp, md, json, yaml; or use glob instead."
        ))
    })
}

/// Include-globs from `globs` (separated by spaces or top-level commas;
/// a leading `!` excludes), rooted at `root`.
fn overrides(root: &Path, globs: &str) -> Result<ignore::overrides::Override, ToolOutput> {
    let mut builder = OverrideBuilder::new(root);
    for glob in split_globs(globs) {
        builder
            .add(&glob)
            .map_err(|err| tool_error(format!("glob \"{glob}\" is not a valid glob: {err}")))?;
    }
    builder
        .build()
        .map_err(|err| tool_error(format!("glob \"{globs}\" is not valid: {err}")))
}

/// Splits on whitespace and on commas outside `{…}`.
fn split_globs(globs: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for c in globs.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if c.is_whitespace() || (c == ',' && depth == 0) {
            if !current.is_empty() {
                parts.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

fn files_result(found: Found, page: Page) -> ToolOutput {
    let mut files = found.files;
    files.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let total = files.len();
    if total == 0 {
        return ToolOutput::text("No files found").with_structured(
            json!({"mode": "files_with_matches", "filenames": [], "numFiles": 0}),
        );
    }
    let paths: Vec<String> = files
        .into_iter()
        .map(|(_, path)| path.display().to_string())
        .collect();
    let (shown, note) = page.apply(paths, total, "files");
    let noun = if total == 1 { "file" } else { "files" };
    let mut text = format!("Found {total} {noun}");
    if let Some(note) = note {
        text.push(' ');
        text.push_str(&note);
    }
    for path in &shown {
        text.push('\n');
        text.push_str(path);
    }
    ToolOutput::text(text).with_structured(json!({
        "mode": "files_with_matches",
        "filenames": shown,
        "numFiles": total,
    }))
}

fn count_result(found: Found, page: Page) -> ToolOutput {
    let mut counts = found.counts;
    counts.sort();
    let files = counts.len();
    let matches: u64 = counts.iter().map(|(_, count)| count).sum();
    if files == 0 {
        return ToolOutput::text("No matches found")
            .with_structured(json!({"mode": "count", "numFiles": 0, "numMatches": 0}));
    }
    let lines: Vec<String> = counts
        .into_iter()
        .map(|(path, count)| format!("{}:{count}", path.display()))
        .collect();
    let (shown, note) = page.apply(lines, files, "files");
    let mut text = shown.join("\n");
    let lines_noun = if matches == 1 { "line" } else { "lines" };
    let files_noun = if files == 1 { "file" } else { "files" };
    text.push_str(&format!(
        "\n\nFound {matches} matching {lines_noun} in {files} {files_noun}."
    ));
    if let Some(note) = note {
        text.push(' ');
        text.push_str(&note);
    }
    ToolOutput::text(text).with_structured(json!({
        "mode": "count",
        "numFiles": files,
        "numMatches": matches,
    }))
}

fn content_result(found: Found, page: Page, separators: bool, kept: usize) -> ToolOutput {
    // Every file's lines start with a `--` separator when context is shown;
    // the first one of the whole output is not printed (as rg does).
    let skip_first = usize::from(separators && found.content_files > 0);
    let total = found.content_lines - skip_first;
    if total == 0 {
        return ToolOutput::text("No matches found")
            .with_structured(json!({"mode": "content", "numFiles": 0, "numLines": 0}));
    }
    let lines: Vec<String> = found
        .content
        .into_values()
        .flatten()
        .skip(skip_first)
        .collect();
    let (mut shown, note) = page.apply(lines, total, "lines");
    if shown.first().is_some_and(|line| line == "--") {
        shown.remove(0);
    }
    let mut text = shown.join("\n");
    if let Some(note) = note {
        text.push_str("\n\n");
        text.push_str(&note);
        if page.limit.is_none() && total > kept {
            text.push_str(&format!(
                " At most {MAX_CONTENT_LINES} lines are returned per call."
            ));
        }
    }
    ToolOutput::text(text.clone()).with_structured(json!({
        "mode": "content",
        "numFiles": found.content_files,
        "numLines": total,
        "content": text,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_split_on_spaces_and_top_level_commas_only() {
        assert_eq!(split_globs("*.rs *.toml"), ["*.rs", "*.toml"]);
        assert_eq!(
            split_globs("*.{ts,tsx},!dist/**"),
            ["*.{ts,tsx}", "!dist/**"]
        );
        assert_eq!(split_globs("  "), Vec::<String>::new());
    }
}

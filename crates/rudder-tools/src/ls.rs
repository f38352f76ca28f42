//! The LS tool: a sorted tree of the files and directories below a
//! directory.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.1 (LS is a Claude Code 1.x tool:
//! absolute `path`, optional `ignore` globs) — output as Claude Code 1.x
//! gave it: an indented `- name` tree, directories with a trailing `/`,
//! capped at [`MAX_ENTRIES`] entries with a note saying so. Decisions: the
//! walk follows the shared rules of `walk.rs` (gitignore honoured, hidden
//! files listed, VCS directories skipped, links not followed); the walk is
//! breadth first, so a cut listing shows the upper levels whole; `ignore`
//! globs use gitignore syntax (`*.log` anywhere, `build/` directories,
//! `/x` at the top only). Read-only.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};

use futures::future::BoxFuture;
use ignore::overrides::{Override, OverrideBuilder};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::file_tool::{FileEnv, execute_blocking, tool_error};
use crate::fs_util::{require_absolute, resolve_existing_dir};
use crate::tool::{Tool, ToolContext, ToolOutput};
use crate::walk::walker;

/// Most entries listed by one call.
pub const MAX_ENTRIES: usize = 1000;

const DESCRIPTION: &str = "\
Lists the files and directories below a directory, as an indented tree.

- path must be an absolute path to a directory.
- ignore is an optional list of gitignore-style globs to leave out, e.g. [\"*.log\", \"node_modules/\"].
- Files ignored by .gitignore and .git directories are left out; hidden files are listed. Directories end with a slash.
- At most 1000 entries are listed, nearest levels first; a note says when the listing is cut. List a subdirectory to see more.
- To find files by name pattern, Glob is usually the better tool.";

/// Input of the LS tool.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LsInput {
    path: String,
    #[serde(default)]
    ignore: Option<Vec<String>>,
}

/// The `LS` tool.
#[derive(Debug, Default, Clone, Copy)]
pub struct LsTool;

impl Tool for LsTool {
    fn name(&self) -> &str {
        "LS"
    }

    fn description(&self) -> &str {
        DESCRIPTION
    }

    fn input_schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "path": {
                    "type": "string",
                    "description": "Absolute path of the directory to list"
                },
                "ignore": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Globs of entries to leave out"
                }
            },
            "required": ["path"],
            "additionalProperties": false,
            "$schema": "http://json-schema.org/draft-07/schema#"
        })
    }

    fn is_read_only(&self) -> bool {
        true
    }

    fn execute<'a>(&'a self, input: Value, ctx: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        execute_blocking::<LsInput, _>(ctx, "LS", input, list)
    }
}

/// A directory's children, by name.
#[derive(Debug, Default)]
struct Node {
    children: BTreeMap<String, Node>,
    is_dir: bool,
}

fn list(input: &LsInput, env: &FileEnv) -> Result<ToolOutput, ToolOutput> {
    let requested = require_absolute(&input.path)?;
    let root = resolve_existing_dir(&requested)?;
    let globs = input.ignore.as_deref().unwrap_or_default();
    let ignore = ignore_globs(&root, globs)?;
    let (entries, truncated) = breadth_first(&root, &ignore, env);
    if env.cancel.is_cancelled() {
        return Err(tool_error("LS was interrupted."));
    }
    let mut tree = Node {
        is_dir: true,
        ..Node::default()
    };
    for (relative, is_dir) in &entries {
        let mut node = &mut tree;
        for part in relative.iter() {
            node = node
                .children
                .entry(part.to_string_lossy().into_owned())
                .or_default();
        }
        node.is_dir = *is_dir;
    }
    let mut text = String::new();
    if truncated {
        text.push_str(&format!(
            "There are more than {MAX_ENTRIES} entries below {}; the first {MAX_ENTRIES}, nearest levels first, are listed. List a subdirectory, or use Glob or Bash, to see the others.\n\n",
            requested.display()
        ));
    }
    let shown = requested.display().to_string();
    text.push_str(&format!("- {}/\n", shown.trim_end_matches('/')));
    render(&tree, 1, &mut text);
    if entries.is_empty() {
        text.push_str("  (empty)\n");
    }
    Ok(
        ToolOutput::text(text.trim_end().to_owned()).with_structured(json!({
            "path": requested,
            "numEntries": entries.len(),
            "truncated": truncated,
        })),
    )
}

/// Overrides that leave out entries matching `globs` (gitignore syntax).
fn ignore_globs(root: &Path, globs: &[String]) -> Result<Override, ToolOutput> {
    let mut builder = OverrideBuilder::new(root);
    for glob in globs.iter().filter(|glob| !glob.trim().is_empty()) {
        let negated = format!("!{}", glob.trim());
        builder
            .add(&negated)
            .map_err(|err| tool_error(format!("ignore glob \"{glob}\" is not valid: {err}")))?;
    }
    builder
        .build()
        .map_err(|err| tool_error(format!("ignore globs are not valid: {err}")))
}

/// Entries below `root` (paths relative to it, with whether each is a
/// directory), level by level, at most [`MAX_ENTRIES`]; true when more exist.
fn breadth_first(root: &Path, ignore: &Override, env: &FileEnv) -> (Vec<(PathBuf, bool)>, bool) {
    let mut entries = Vec::new();
    let mut queue = VecDeque::from([root.to_path_buf()]);
    while let Some(dir) = queue.pop_front() {
        if env.cancel.is_cancelled() {
            break;
        }
        let mut walk = walker(&dir, env.walk_filter.as_ref());
        walk.max_depth(Some(1))
            .overrides(ignore.clone())
            .sort_by_file_name(|a, b| a.cmp(b));
        for entry in walk.build().filter_map(Result::ok) {
            if entry.depth() == 0 {
                continue;
            }
            if entries.len() == MAX_ENTRIES {
                return (entries, true);
            }
            let is_dir = entry.file_type().is_some_and(|kind| kind.is_dir());
            let relative = entry
                .path()
                .strip_prefix(root)
                .unwrap_or(entry.path())
                .to_path_buf();
            if is_dir {
                queue.push_back(entry.path().to_path_buf());
            }
            entries.push((relative, is_dir));
        }
    }
    (entries, false)
}

/// Appends `node`'s children as `- name` lines, two spaces per level.
fn render(node: &Node, depth: usize, out: &mut String) {
    for (name, child) in &node.children {
        out.push_str(&"  ".repeat(depth));
        out.push_str("- ");
        out.push_str(name);
        if child.is_dir {
            out.push('/');
        }
        out.push('\n');
        render(child, depth + 1, out);
    }
}

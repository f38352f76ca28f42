//! The MultiEdit tool: several exact-string replacements in one file,
//! applied in order, all or nothing.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (MultiEdit, Claude Code 1.x:
//! `file_path`, `edits` ≥ 1 of `{old_string, new_string, replace_all?}`,
//! sequential and atomic). Each edit sees the text left by the ones
//! before it; if any fails, nothing is written and the error names the
//! edit (`edits[i]`). Same rules as Edit otherwise (read first, exact
//! match, line endings kept).

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::edit::edit_file;
use crate::file_tool::{parse_input, run_blocking, tool_error};
use crate::text_edit::Replacement;
use crate::tool::{Tool, ToolContext, ToolOutput};

const DESCRIPTION: &str = "\
Makes several exact-text replacements in one file in a single step.

- Works like Edit, applied in order: each edit sees the text as the previous edits left it, so later old_strings must match the already-edited text.
- All or nothing: if any edit fails (not found, not unique, identical strings), the file is left unchanged and the error says which edit failed.
- Read the file with the Read tool first; the change is refused if the file was not read in this session or has changed since.
- old_string must match exactly, including whitespace, without the line-number prefix that Read shows, and must occur once unless replace_all is true.
- To create a file, give a first edit with an empty old_string and the file's content as new_string.
- Prefer this over several Edit calls when changing several places in the same file.";

/// Input of the MultiEdit tool.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MultiEditInput {
    file_path: String,
    edits: Vec<EditSpec>,
}

/// One edit of the `edits` array.
#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct EditSpec {
    old_string: String,
    new_string: String,
    #[serde(default)]
    replace_all: bool,
}

/// The `MultiEdit` tool.
#[derive(Debug, Default, Clone, Copy)]
pub struct MultiEditTool;

impl Tool for MultiEditTool {
    fn name(&self) -> &str {
        "MultiEdit"
    }

    fn description(&self) -> &str {
        DESCRIPTION
    }

    fn input_schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "file_path": {
                    "type": "string",
                    "description": "Absolute path of the file to change"
                },
                "edits": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "old_string": {
                                "type": "string",
                                "description": "The exact text to replace"
                            },
                            "new_string": {
                                "type": "string",
                                "description": "The text to put in its place"
                            },
                            "replace_all": {
                                "type": "boolean",
                                "default": false,
                                "description": "Replace every occurrence of old_string (default false)"
                            }
                        },
                        "required": ["old_string", "new_string"],
                        "additionalProperties": false
                    },
                    "minItems": 1,
                    "description": "Edits to apply in order, all or nothing"
                }
            },
            "required": ["file_path", "edits"],
            "additionalProperties": false,
            "$schema": "http://json-schema.org/draft-07/schema#"
        })
    }

    fn is_read_only(&self) -> bool {
        false
    }

    fn execute<'a>(&'a self, input: Value, ctx: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        Box::pin(run_blocking(ctx, move |env| {
            let input = match parse_input::<MultiEditInput>("MultiEdit", input) {
                Ok(input) => input,
                Err(output) => return output,
            };
            if input.edits.is_empty() {
                return tool_error("edits is empty; give at least one edit.");
            }
            let edits: Vec<Replacement<'_>> = input
                .edits
                .iter()
                .map(|spec| Replacement {
                    old: &spec.old_string,
                    new: &spec.new_string,
                    replace_all: spec.replace_all,
                })
                .collect();
            match edit_file(&input.file_path, &edits, &env) {
                Ok(outcome) => outcome
                    .report(&format!(
                        "{} edits applied, {} replacement(s)",
                        edits.len(),
                        outcome.replacements
                    ))
                    .with_structured(json!({
                        "filePath": input.file_path,
                        "edits": input.edits,
                    })),
                Err(failure) => failure.into_output(&input.file_path, Some(edits.len())),
            }
        }))
    }
}

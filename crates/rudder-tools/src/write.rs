//! The Write tool: create a file or replace its whole content.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (Write: absolute `file_path`,
//! `content`; overwrites; an existing file must have been read first).
//! Missing parent directories are created. An existing file keeps its
//! line endings (LF content is written as CRLF into a CRLF file), its BOM,
//! its final newline, its permissions, and its symbolic links (the link's
//! target is written). The write is atomic.

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::file_tool::{FileEnv, execute_blocking};
use crate::fs_util::{PendingChange, TextShape, line_count};
use crate::tool::{Tool, ToolContext, ToolOutput};

const DESCRIPTION: &str = "\
Writes a file, creating it or replacing all of its content.

- file_path must be an absolute path. Missing parent directories are created.
- An existing file must be read with the Read tool first; the write is refused if it was not read in this session or has changed since.
- The file keeps its line endings (LF or CRLF), permissions and final newline. Writing to a symbolic link writes the file it points to.
- Prefer Edit or MultiEdit for changes to existing files: they send only the changed text. Use Write for new files or complete rewrites.
- Do not create documentation or README files unless asked to.";

/// Input of the Write tool.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WriteInput {
    file_path: String,
    content: String,
}

/// The `Write` tool.
#[derive(Debug, Default, Clone, Copy)]
pub struct WriteTool;

impl Tool for WriteTool {
    fn name(&self) -> &str {
        "Write"
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
                    "description": "Absolute path of the file to write"
                },
                "content": {
                    "type": "string",
                    "description": "The complete content of the file"
                }
            },
            "required": ["file_path", "content"],
            "additionalProperties": false,
            "$schema": "http://json-schema.org/draft-07/schema#"
        })
    }

    fn is_read_only(&self) -> bool {
        false
    }

    fn execute<'a>(&'a self, input: Value, ctx: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        execute_blocking::<WriteInput, _>(ctx, "Write", input, write)
    }
}

fn write(input: &WriteInput, env: &FileEnv) -> Result<ToolOutput, ToolOutput> {
    let tracker = &env.state.read_files;
    let change = PendingChange::open(&input.file_path, tracker)?;
    let bytes = match &change.existing {
        Some(existing) => match std::str::from_utf8(&existing.bytes) {
            Ok(old) => TextShape::detect(old).apply(&input.content),
            // Replacing a file in another encoding: nothing to keep.
            Err(_) => input.content.clone(),
        },
        None => input.content.clone(),
    };
    change.commit(bytes.as_bytes(), tracker)?;
    let lines = line_count(&input.content);
    let path = change.requested.display();
    let (kind, text) = match change.existing {
        Some(_) => (
            "update",
            format!("Wrote {lines} lines to {path}{}.", change.link_note()),
        ),
        None => ("create", format!("Created {path} with {lines} lines.")),
    };
    Ok(ToolOutput::text(text).with_structured(json!({
        "type": kind,
        "filePath": input.file_path,
        "content": input.content,
    })))
}

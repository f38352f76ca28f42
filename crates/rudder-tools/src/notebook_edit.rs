//! The NotebookEdit tool: replace, insert or delete one cell of a Jupyter
//! notebook, keeping the notebook valid JSON.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (NotebookEdit: `notebook_path`,
//! `new_source`, `cell_id`, `cell_type` code|markdown — required for
//! insert —, `edit_mode` replace (default)|insert|delete; insert goes
//! after `cell_id`, or at the start without one). Like Edit, the notebook
//! must have been read in this session and be unchanged since. Unknown
//! fields and key order survive; the file is written as nbformat writes
//! it (1-space indent). Replacing a code cell clears its outputs and
//! execution count, since they no longer match the source.

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::file_tool::{FileEnv, execute_blocking, tool_error};
use crate::fs_util::{FileError, PendingChange};
use crate::notebook::{self, cell_id, find_cell, to_line_list};
use crate::tool::{Tool, ToolContext, ToolOutput};

const DESCRIPTION: &str = "\
Changes one cell of a Jupyter notebook (.ipynb): replaces its source, inserts a new cell, or deletes a cell.

- notebook_path must be an absolute path, and the notebook must have been read with the Read tool in this session (and not changed since).
- cell_id is the id Read shows for each cell (cells without an id are shown as cell-0, cell-1, … counting from 0).
- edit_mode replace (the default) sets the cell's source to new_source; a code cell's outputs are cleared. Pass cell_type to change the cell's type as well.
- edit_mode insert adds a new cell after cell_id, or at the start of the notebook when cell_id is omitted; cell_type is required.
- edit_mode delete removes the cell with cell_id (new_source is ignored; pass an empty string).";

/// What to do with the cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum EditMode {
    #[default]
    Replace,
    Insert,
    Delete,
}

/// The type of a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum CellType {
    Code,
    Markdown,
}

impl CellType {
    fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Markdown => "markdown",
        }
    }
}

/// Input of the NotebookEdit tool.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotebookEditInput {
    notebook_path: String,
    new_source: String,
    #[serde(default)]
    cell_id: Option<String>,
    #[serde(default)]
    cell_type: Option<CellType>,
    #[serde(default)]
    edit_mode: Option<EditMode>,
}

/// The `NotebookEdit` tool.
#[derive(Debug, Default, Clone, Copy)]
pub struct NotebookEditTool;

impl Tool for NotebookEditTool {
    fn name(&self) -> &str {
        "NotebookEdit"
    }

    fn description(&self) -> &str {
        DESCRIPTION
    }

    fn input_schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "notebook_path": {
                    "type": "string",
                    "description": "Absolute path of the notebook (.ipynb) to change"
                },
                "cell_id": {
                    "type": "string",
                    "description": "Id of the cell to replace or delete, or the cell to insert after (omit to insert at the start)"
                },
                "new_source": {
                    "type": "string",
                    "description": "The new source of the cell"
                },
                "cell_type": {
                    "type": "string",
                    "enum": ["code", "markdown"],
                    "description": "Type of the cell; required when inserting"
                },
                "edit_mode": {
                    "type": "string",
                    "enum": ["replace", "insert", "delete"],
                    "description": "replace (default), insert or delete"
                }
            },
            "required": ["notebook_path", "new_source"],
            "additionalProperties": false,
            "$schema": "http://json-schema.org/draft-07/schema#"
        })
    }

    fn is_read_only(&self) -> bool {
        false
    }

    fn execute<'a>(&'a self, input: Value, ctx: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        execute_blocking::<NotebookEditInput, _>(ctx, "NotebookEdit", input, edit_notebook)
    }
}

fn edit_notebook(input: &NotebookEditInput, env: &FileEnv) -> Result<ToolOutput, ToolOutput> {
    let tracker = &env.state.read_files;
    let change = PendingChange::open(&input.notebook_path, tracker)?;
    let Some(existing) = &change.existing else {
        return Err(FileError::NotFound {
            path: change.requested.clone(),
        }
        .into());
    };
    let mut root = notebook::parse(&existing.bytes, &change.requested).map_err(tool_error)?;
    let with_ids = uses_cell_ids(&root);
    let mode = input.edit_mode.unwrap_or_default();
    let path = &change.requested;
    let cells = root
        .get_mut("cells")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| tool_error("the notebook has no cells array"))?;
    let required_id = || {
        input.cell_id.as_deref().ok_or_else(|| {
            tool_error(format!(
                "cell_id is required to {} a cell.",
                if mode == EditMode::Delete {
                    "delete"
                } else {
                    "replace"
                }
            ))
        })
    };
    let (summary, touched_id, touched_type) = match mode {
        EditMode::Replace => {
            let index = find_cell(cells, required_id()?, path).map_err(tool_error)?;
            let cell = &mut cells[index];
            let kind = replace_cell(cell, &input.new_source, input.cell_type);
            let id = cell_id(cell, index);
            (format!("Replaced the source of cell {id}"), id, kind)
        }
        EditMode::Insert => {
            let kind = input.cell_type.ok_or_else(|| {
                tool_error("cell_type (code or markdown) is required to insert a cell.")
            })?;
            let (index, place) = match input.cell_id.as_deref() {
                Some(after) => {
                    let found = find_cell(cells, after, path).map_err(tool_error)?;
                    (found + 1, format!("after cell {after}"))
                }
                None => (0, "at the start".to_owned()),
            };
            let id = with_ids.then(|| new_cell_id(cells));
            cells.insert(index, new_cell(kind, &input.new_source, id.as_deref()));
            let shown_id = cell_id(&cells[index], index);
            (
                format!("Inserted {} cell {shown_id} {place}", kind.as_str()),
                shown_id,
                kind.as_str().to_owned(),
            )
        }
        EditMode::Delete => {
            let index = find_cell(cells, required_id()?, path).map_err(tool_error)?;
            let id = cell_id(&cells[index], index);
            let removed = cells.remove(index);
            let kind = removed
                .get("cell_type")
                .and_then(Value::as_str)
                .unwrap_or("code")
                .to_owned();
            (format!("Deleted cell {id}"), id, kind)
        }
    };
    change.commit(&notebook::to_bytes(&root), tracker)?;
    Ok(ToolOutput::text(format!(
        "{summary} of {}{}.",
        path.display(),
        change.link_note()
    ))
    .with_structured(json!({
        "notebook_path": input.notebook_path,
        "cell_id": touched_id,
        "cell_type": touched_type,
        "language": notebook::language(&root),
        "edit_mode": match mode {
            EditMode::Replace => "replace",
            EditMode::Insert => "insert",
            EditMode::Delete => "delete",
        },
        "new_source": input.new_source,
    })))
}

/// Whether new cells get an `id`: nbformat 4.5 and later, or any cell has one.
fn uses_cell_ids(root: &Map<String, Value>) -> bool {
    let version = |key| root.get(key).and_then(Value::as_u64).unwrap_or(0);
    let has_ids = root
        .get("cells")
        .and_then(Value::as_array)
        .is_some_and(|cells| cells.iter().any(|cell| cell.get("id").is_some()));
    (version("nbformat"), version("nbformat_minor")) >= (4, 5) || has_ids
}

/// Sets a cell's source (and type); clears a code cell's stale outputs.
/// Returns the cell's type afterwards.
fn replace_cell(cell: &mut Value, source: &str, new_type: Option<CellType>) -> String {
    let Some(fields) = cell.as_object_mut() else {
        return "code".to_owned();
    };
    if let Some(kind) = new_type {
        fields.insert("cell_type".into(), json!(kind.as_str()));
    }
    let kind = fields
        .get("cell_type")
        .and_then(Value::as_str)
        .unwrap_or("code")
        .to_owned();
    if kind == "code" {
        fields.insert("execution_count".into(), Value::Null);
        fields.insert("outputs".into(), json!([]));
    } else {
        fields.remove("execution_count");
        fields.remove("outputs");
    }
    fields.insert("source".into(), to_line_list(source));
    kind
}

/// A new cell with nbformat's keys, in the sorted order nbformat writes.
fn new_cell(kind: CellType, source: &str, id: Option<&str>) -> Value {
    let mut cell = Map::new();
    cell.insert("cell_type".into(), json!(kind.as_str()));
    if kind == CellType::Code {
        cell.insert("execution_count".into(), Value::Null);
    }
    if let Some(id) = id {
        cell.insert("id".into(), json!(id));
    }
    cell.insert("metadata".into(), json!({}));
    if kind == CellType::Code {
        cell.insert("outputs".into(), json!([]));
    }
    cell.insert("source".into(), to_line_list(source));
    Value::Object(cell)
}

/// An 8-hex-digit id (nbformat's form) not used by any cell.
fn new_cell_id(cells: &[Value]) -> String {
    loop {
        let id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
        if !cells
            .iter()
            .any(|cell| cell.get("id").and_then(Value::as_str) == Some(&id))
        {
            return id;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacing_a_code_cell_clears_its_outputs() {
        let mut cell = json!({"cell_type": "code", "execution_count": 3, "metadata": {"x": 1},
                              "outputs": [{"output_type": "stream"}], "source": ["old"]});
        assert_eq!(replace_cell(&mut cell, "new\nline", None), "code");
        assert_eq!(
            cell,
            json!({"cell_type": "code", "execution_count": null, "metadata": {"x": 1},
                   "outputs": [], "source": ["new\n", "line"]})
        );
    }

    #[test]
    fn turning_code_into_markdown_drops_code_fields() {
        let mut cell =
            json!({"cell_type": "code", "execution_count": 1, "outputs": [], "source": "x"});
        replace_cell(&mut cell, "# T", Some(CellType::Markdown));
        assert_eq!(cell, json!({"cell_type": "markdown", "source": ["# T"]}));
    }

    #[test]
    fn new_cells_have_nbformat_keys() {
        assert_eq!(
            new_cell(CellType::Code, "x = 1", Some("abcd1234")),
            json!({"cell_type": "code", "execution_count": null, "id": "abcd1234",
                   "metadata": {}, "outputs": [], "source": ["x = 1"]})
        );
        assert_eq!(new_cell_id(&[]).len(), 8);
    }
}

//! Jupyter notebook (nbformat 4) helpers shared by Read and NotebookEdit:
//! parsing, cell ids, cell sources, and writing back the way nbformat does.
//!
//! Notebooks stay `serde_json::Value`s (key order kept by the workspace's
//! `preserve_order`), so fields this module does not know survive a round
//! trip untouched (RUST-DEPS.md, "Jupyter notebooks"). Cells without an
//! `id` (nbformat < 4.5) are addressed as `cell-N`, N counting from 0, as
//! Claude Code does. No I/O here.

use std::path::Path;

use serde::Serialize;
use serde_json::ser::PrettyFormatter;
use serde_json::{Map, Value};
use thiserror::Error;

/// Why a notebook cannot be read or edited.
#[derive(Debug, Error)]
pub enum NotebookError {
    /// The file is not JSON, or not a notebook.
    #[error(
        "{path} is not a valid Jupyter notebook ({reason}). Read it as text with Bash (e.g. `head -c 2000`) to see what it holds."
    )]
    Malformed {
        /// The notebook.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// No cell has the given id.
    #[error(
        "No cell with id \"{id}\" in {path}. Its cells are: {available}. Read the notebook to see them."
    )]
    CellNotFound {
        /// The id asked for.
        id: String,
        /// The notebook.
        path: String,
        /// The ids that exist, comma-separated.
        available: String,
    },
}

/// Parses notebook `bytes`; the root must be an object with a `cells` array.
///
/// Errors: [`NotebookError::Malformed`] naming `path`.
pub fn parse(bytes: &[u8], path: &Path) -> Result<Map<String, Value>, NotebookError> {
    let malformed = |reason: String| NotebookError::Malformed {
        path: path.display().to_string(),
        reason,
    };
    let root: Value = serde_json::from_slice(bytes).map_err(|err| malformed(err.to_string()))?;
    let Value::Object(root) = root else {
        return Err(malformed("the top level is not a JSON object".into()));
    };
    if !root.get("cells").is_some_and(Value::is_array) {
        return Err(malformed("it has no \"cells\" array".into()));
    }
    Ok(root)
}

/// The id a cell is addressed by: its `id`, or `cell-{index}` when it has none.
pub fn cell_id(cell: &Value, index: usize) -> String {
    cell.get("id")
        .and_then(Value::as_str)
        .map_or_else(|| format!("cell-{index}"), str::to_owned)
}

/// Index of the cell addressed by `id` (see [`cell_id`]).
///
/// Errors: [`NotebookError::CellNotFound`] listing the ids that exist.
pub fn find_cell(cells: &[Value], id: &str, path: &Path) -> Result<usize, NotebookError> {
    let by_id = cells
        .iter()
        .enumerate()
        .position(|(index, cell)| cell_id(cell, index) == id);
    let by_index = || {
        id.strip_prefix("cell-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n < cells.len())
    };
    by_id.or_else(by_index).ok_or_else(|| {
        let ids: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(index, cell)| cell_id(cell, index))
            .collect();
        NotebookError::CellNotFound {
            id: id.to_owned(),
            path: path.display().to_string(),
            available: if ids.is_empty() {
                "none".to_owned()
            } else {
                ids.join(", ")
            },
        }
    })
}

/// The text of a multi-line field (`source`, stream `text`, `text/plain`),
/// which nbformat stores as a string or a list of line strings.
pub fn multiline_text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts.iter().filter_map(Value::as_str).collect(),
        _ => String::new(),
    }
}

/// `text` in nbformat's stored form: a list of lines, each keeping its `\n`.
pub fn to_line_list(text: &str) -> Value {
    Value::Array(
        text.split_inclusive('\n')
            .map(|line| Value::String(line.to_owned()))
            .collect(),
    )
}

/// The notebook's language (`metadata.language_info.name`, else the
/// kernelspec's `language`), or `python` as nbformat assumes.
pub fn language(root: &Map<String, Value>) -> String {
    let metadata = root.get("metadata");
    metadata
        .and_then(|m| m.pointer("/language_info/name"))
        .or_else(|| metadata.and_then(|m| m.pointer("/kernelspec/language")))
        .and_then(Value::as_str)
        .unwrap_or("python")
        .to_owned()
}

/// Serializes `root` as nbformat writes notebooks: 1-space indentation,
/// non-ASCII kept as is, and a final newline.
pub fn to_bytes(root: &Map<String, Value>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut out, PrettyFormatter::with_indent(b" "));
    // Serializing a Value into a Vec cannot fail.
    let _ = root.serialize(&mut serializer);
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_without_ids_are_addressed_by_index() {
        let cells = vec![json!({"cell_type": "code"}), json!({"id": "x1"})];
        assert_eq!(cell_id(&cells[0], 0), "cell-0");
        assert_eq!(find_cell(&cells, "x1", Path::new("/n")).unwrap(), 1);
        assert_eq!(find_cell(&cells, "cell-0", Path::new("/n")).unwrap(), 0);
        let err = find_cell(&cells, "nope", Path::new("/n")).unwrap_err();
        assert!(err.to_string().contains("cell-0, x1"));
    }

    #[test]
    fn sources_round_trip_through_line_lists() {
        let list = to_line_list("a\nb\n");
        assert_eq!(list, json!(["a\n", "b\n"]));
        assert_eq!(multiline_text(Some(&list)), "a\nb\n");
        assert_eq!(to_line_list(""), json!([]));
    }

    #[test]
    fn written_like_nbformat() {
        let root = json!({"cells": [], "nbformat": 4, "metadata": {"k": "é"}});
        let Value::Object(root) = root else { panic!() };
        assert_eq!(
            String::from_utf8(to_bytes(&root)).unwrap(),
            "{\n \"cells\": [],\n \"nbformat\": 4,\n \"metadata\": {\n  \"k\": \"é\"\n }\n}\n"
        );
    }
}

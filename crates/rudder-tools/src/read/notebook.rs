//! Read's notebook view: every cell with its id, type and source, followed
//! by its outputs (stream text, results, errors with ANSI colours removed),
//! and PNG/JPEG outputs as image blocks between the text.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (`.ipynb`: all cells with
//! outputs). The id shown is the one NotebookEdit takes (`cell-N` for cells
//! without an id). Rendering stops at a cell boundary when the output
//! budget is reached. Pure: takes parsed JSON, returns blocks.

use std::sync::LazyLock;

use regex::Regex;
use rudder_protocol::{ContentBlock, ImageSource, ToolResultContent};
use serde_json::{Map, Value};

use crate::notebook::{cell_id, multiline_text};

/// Most bytes shown of one output; the rest is cut with a note.
const MAX_OUTPUT_BYTES: usize = 10_000;

/// Largest base64 image output passed on (the API's 5 MiB limit).
const MAX_IMAGE_BASE64: usize = 5 * 1024 * 1024;

/// ANSI escape sequences, which tracebacks are full of.
static ANSI: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\x1b\[[0-9;?]*[ -/]*[@-~]").ok());

/// The rendered notebook.
#[derive(Debug, Clone, PartialEq)]
pub struct NotebookView {
    /// Text, or text and image blocks when outputs hold images.
    pub content: ToolResultContent,
    /// Cells rendered.
    pub shown_cells: usize,
    /// Cells in the notebook.
    pub total_cells: usize,
}

/// A piece of rendered output.
enum Piece {
    Text(String),
    Image {
        media_type: &'static str,
        data: String,
    },
}

/// Renders the notebook `root` within `max_output_bytes` of text.
pub fn render(root: &Map<String, Value>, max_output_bytes: usize) -> NotebookView {
    let cells: &[Value] = root
        .get("cells")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let mut blocks = Vec::new();
    let mut text = String::new();
    let mut text_bytes = 0;
    let mut shown_cells = 0;
    for (index, cell) in cells.iter().enumerate() {
        let pieces = render_cell(cell, index);
        let cell_bytes: usize = pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => text.len(),
                Piece::Image { .. } => 0,
            })
            .sum();
        if shown_cells > 0 && text_bytes + cell_bytes > max_output_bytes {
            break;
        }
        text_bytes += cell_bytes;
        shown_cells += 1;
        for piece in pieces {
            match piece {
                Piece::Text(part) => text.push_str(&part),
                Piece::Image { media_type, data } => {
                    if !text.is_empty() {
                        blocks.push(ContentBlock::text(std::mem::take(&mut text)));
                    }
                    blocks.push(image_block_from_base64(media_type, data));
                }
            }
        }
    }
    let content = if blocks.is_empty() {
        ToolResultContent::Text(text)
    } else {
        if !text.is_empty() {
            blocks.push(ContentBlock::text(text));
        }
        ToolResultContent::Blocks(blocks)
    };
    NotebookView {
        content,
        shown_cells,
        total_cells: cells.len(),
    }
}

fn image_block_from_base64(media_type: &'static str, data: String) -> ContentBlock {
    ContentBlock::Image {
        source: ImageSource::Base64 {
            media_type: media_type.to_owned(),
            data,
        },
        cache_control: None,
    }
}

fn render_cell(cell: &Value, index: usize) -> Vec<Piece> {
    let id = cell_id(cell, index);
    let kind = cell
        .get("cell_type")
        .and_then(Value::as_str)
        .unwrap_or("code");
    let mut head = format!("<cell id=\"{id}\" type=\"{kind}\"");
    if let Some(count) = cell.get("execution_count").and_then(Value::as_u64) {
        head.push_str(&format!(" execution_count=\"{count}\""));
    }
    head.push_str(">\n");
    let mut text = head;
    push_block(&mut text, &multiline_text(cell.get("source")));
    let mut pieces = Vec::new();
    for output in cell
        .get("outputs")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
    {
        render_output(output, &mut text, &mut pieces);
    }
    text.push_str("</cell>\n");
    pieces.push(Piece::Text(text));
    pieces
}

/// Appends an output's text to `text`; an image output flushes `text`
/// into `pieces` and adds the image after it.
fn render_output(output: &Value, text: &mut String, pieces: &mut Vec<Piece>) {
    let kind = output
        .get("output_type")
        .and_then(Value::as_str)
        .unwrap_or("");
    match kind {
        "stream" => {
            let name = output
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("stdout");
            text.push_str(&format!("<output type=\"stream\" name=\"{name}\">\n"));
            push_block(text, &cut(multiline_text(output.get("text"))));
        }
        "error" => {
            let field = |key| output.get(key).and_then(Value::as_str).unwrap_or("");
            text.push_str(&format!(
                "<output type=\"error\" name=\"{}\">\n",
                field("ename")
            ));
            let traceback: Vec<&str> = output
                .get("traceback")
                .and_then(Value::as_array)
                .map(|lines| lines.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let body = if traceback.is_empty() {
                format!("{}: {}", field("ename"), field("evalue"))
            } else {
                traceback.join("\n")
            };
            push_block(text, &cut(strip_ansi(&body)));
        }
        _ => {
            let data = output.get("data");
            text.push_str(&format!("<output type=\"{kind}\">\n"));
            let shown = ["text/plain", "text/markdown"]
                .iter()
                .find_map(|mime| data.and_then(|d| d.get(*mime)))
                .map(|value| cut(multiline_text(Some(value))));
            if let Some(body) = shown {
                push_block(text, &body);
            }
            for media_type in ["image/png", "image/jpeg"] {
                let Some(image) = data.and_then(|d| d.get(media_type)) else {
                    continue;
                };
                let base64: String = multiline_text(Some(image))
                    .chars()
                    .filter(|ch| !ch.is_ascii_whitespace())
                    .collect();
                if base64.len() > MAX_IMAGE_BASE64 {
                    text.push_str("[image output too large to show]\n");
                    continue;
                }
                pieces.push(Piece::Text(std::mem::take(text)));
                pieces.push(Piece::Image {
                    media_type,
                    data: base64,
                });
            }
        }
    }
    text.push_str("</output>\n");
}

/// Appends `body` and makes sure a newline follows it.
fn push_block(text: &mut String, body: &str) {
    text.push_str(body);
    if !body.is_empty() && !body.ends_with('\n') {
        text.push('\n');
    }
}

/// Cuts an output to [`MAX_OUTPUT_BYTES`] on a character boundary.
fn cut(mut body: String) -> String {
    if body.len() <= MAX_OUTPUT_BYTES {
        return body;
    }
    let total = body.len();
    let mut end = MAX_OUTPUT_BYTES;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    body.truncate(end);
    body.push_str(&format!("\n[output cut: {total} bytes in all]\n"));
    body
}

fn strip_ansi(text: &str) -> String {
    match ANSI.as_ref() {
        Some(ansi) => ansi.replace_all(text, "").into_owned(),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn notebook(cells: Value) -> Map<String, Value> {
        let Value::Object(root) = json!({"cells": cells, "nbformat": 4}) else {
            panic!()
        };
        root
    }

    #[test]
    fn cells_show_ids_sources_and_outputs() {
        let root = notebook(json!([
            {"id": "m1", "cell_type": "markdown", "source": ["# Title\n", "text"]},
            {"cell_type": "code", "execution_count": 2, "source": "print(1)",
             "outputs": [{"output_type": "stream", "name": "stdout", "text": ["1\n"]},
                         {"output_type": "error", "ename": "ValueError", "evalue": "bad",
                          "traceback": ["\u{1b}[0;31mValueError\u{1b}[0m: bad"]}]}
        ]));
        let view = render(&root, 100_000);
        let ToolResultContent::Text(text) = view.content else {
            panic!()
        };
        assert_eq!(
            text,
            "<cell id=\"m1\" type=\"markdown\">\n# Title\ntext\n</cell>\n\
             <cell id=\"cell-1\" type=\"code\" execution_count=\"2\">\nprint(1)\n\
             <output type=\"stream\" name=\"stdout\">\n1\n</output>\n\
             <output type=\"error\" name=\"ValueError\">\nValueError: bad\n</output>\n</cell>\n"
        );
    }

    #[test]
    fn image_outputs_become_image_blocks() {
        let root = notebook(json!([
            {"cell_type": "code", "source": "plot()", "outputs": [
                {"output_type": "display_data",
                 "data": {"image/png": "iVBO\nRw0K", "text/plain": "<Figure>"}}]}
        ]));
        let ToolResultContent::Blocks(blocks) = render(&root, 100_000).content else {
            panic!()
        };
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[1].type_name(), "image");
        assert_eq!(blocks[2].as_text(), Some("</output>\n</cell>\n"));
    }

    #[test]
    fn budget_stops_at_a_cell_boundary() {
        let cells: Vec<Value> = (0..10)
            .map(|i| json!({"id": format!("c{i}"), "cell_type": "code", "source": "x = 1"}))
            .collect();
        let view = render(&notebook(Value::Array(cells)), 100);
        assert_eq!(view.total_cells, 10);
        assert!(view.shown_cells < 10 && view.shown_cells > 0);
    }
}

//! The Read tool: text files in `cat -n` form, images as image blocks,
//! PDFs as page text, notebooks cell by cell.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (Read: absolute `file_path`,
//! `offset`/`limit`, 2000 lines by default, lines over 2000 characters cut,
//! images/PDF/notebooks, directories not readable, empty-file notice, 2.1
//! `pages` and token cap with a partial-view notice). The kind of file is
//! decided by content (magic bytes; a NUL in the first 8 KiB means binary),
//! except notebooks, which are known by their `.ipynb` extension.
//!
//! Every successful read records the whole file's stamp in the session's
//! read tracker (even a partial view), which the writers check. Read never
//! changes the file system.

mod image;
mod notebook;
mod pdf;
mod text;

use std::fs::{self, File};
use std::io::{Read as _, Seek, SeekFrom};
use std::path::Path;

use futures::future::BoxFuture;
use rudder_protocol::ToolResultContent;
use serde::Deserialize;
use serde_json::{Value, json};

pub use image::{MAX_IMAGE_BYTES, image_block, sniff_media_type};
pub use text::{CUT_MARKER, push_numbered};

use crate::file_tool::{FileEnv, execute_blocking, optional_count, tool_error};
use crate::fs_util::{FileError, require_absolute, resolve_existing_file};
use crate::read_tracker::FileStamp;
use crate::tool::{Tool, ToolContext, ToolOutput};

/// Lines shown when the call gives no `limit`.
pub const DEFAULT_LINE_LIMIT: u64 = 2000;

/// Characters kept of one line.
pub const MAX_LINE_CHARS: usize = 2000;

/// Bytes inspected to tell text from binary.
const SNIFF_BYTES: usize = 8 * 1024;

/// Largest notebook read, in bytes.
const MAX_NOTEBOOK_BYTES: u64 = 64 * 1024 * 1024;

const DESCRIPTION: &str = "\
Reads a file from the local file system and returns its contents.

- file_path must be an absolute path.
- By default up to 2000 lines are returned from the start of the file. For longer files pass offset (the line to start at, counting from 1) and limit (how many lines to return).
- Lines longer than 2000 characters are cut short.
- Text comes back numbered like `cat -n`: the line number, a tab, then the line. The number and the tab are not part of the file; leave them out when you quote the text in Edit.
- Images (PNG, JPEG, GIF, WebP) come back as images you can look at.
- PDF files come back as text, page by page. For long documents pass pages, e.g. \"1-5\" (at most 20 pages per call).
- Jupyter notebooks (.ipynb) come back cell by cell with their outputs; the cell ids shown are the ones NotebookEdit takes.
- Directories cannot be read (use LS or Glob), and binary files are refused.
- A file must be read with this tool before Edit, MultiEdit, Write or NotebookEdit may change it.
- You can read several files at once by calling this tool several times in one message.";

/// Input of the Read tool.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadInput {
    file_path: String,
    #[serde(default, deserialize_with = "optional_count")]
    offset: Option<u64>,
    #[serde(default, deserialize_with = "optional_count")]
    limit: Option<u64>,
    #[serde(default)]
    pages: Option<String>,
}

/// The `Read` tool.
#[derive(Debug, Default, Clone, Copy)]
pub struct ReadTool;

impl Tool for ReadTool {
    fn name(&self) -> &str {
        "Read"
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
                    "description": "Absolute path of the file to read"
                },
                "offset": {
                    "type": "number",
                    "description": "Line to start reading at, counting from 1. Only needed for files too long to read at once"
                },
                "limit": {
                    "type": "number",
                    "description": "How many lines to read. Only needed for files too long to read at once"
                },
                "pages": {
                    "type": "string",
                    "description": "PDF files only: the pages to read, e.g. \"3\" or \"1-5\" (at most 20 pages per call)"
                }
            },
            "required": ["file_path"],
            "additionalProperties": false,
            "$schema": "http://json-schema.org/draft-07/schema#"
        })
    }

    fn is_read_only(&self) -> bool {
        true
    }

    fn execute<'a>(&'a self, input: Value, ctx: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        execute_blocking::<ReadInput, _>(ctx, "Read", input, read)
    }
}

/// What a file's first bytes say it is.
enum Kind {
    Text,
    Binary,
    Image(&'static str),
    Pdf,
    Notebook,
}

fn classify(path: &Path, head: &[u8]) -> Kind {
    let extension = path
        .extension()
        .map(|ext| ext.to_string_lossy().to_ascii_lowercase());
    if extension.as_deref() == Some("ipynb") {
        Kind::Notebook
    } else if let Some(media_type) = image::sniff_media_type(head) {
        Kind::Image(media_type)
    } else if head.starts_with(b"%PDF-") || extension.as_deref() == Some("pdf") {
        Kind::Pdf
    } else if head.contains(&0) {
        Kind::Binary
    } else {
        Kind::Text
    }
}

fn read(input: &ReadInput, env: &FileEnv) -> Result<ToolOutput, ToolOutput> {
    let requested = require_absolute(&input.file_path)?;
    let canonical = resolve_existing_file(&requested)?;
    let open_err = |err| FileError::io(&requested, "read", err);
    let mut file = File::open(&canonical).map_err(open_err)?;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    (&mut file)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(open_err)?;
    let kind = classify(&canonical, &head);
    if input.pages.is_some() && !matches!(kind, Kind::Pdf) {
        return Err(tool_error(
            "pages applies to PDF files only; use offset and limit for other files.",
        ));
    }
    if input.limit == Some(0) {
        return Err(tool_error("limit must be at least 1."));
    }
    let budget = env.limits.read_max_tokens.saturating_mul(4);
    let (output, stamp) = match kind {
        Kind::Binary => {
            return Err(FileError::Binary {
                path: requested.clone(),
            }
            .into());
        }
        Kind::Text => {
            file.seek(SeekFrom::Start(0)).map_err(open_err)?;
            read_text(input, &requested, file, budget)?
        }
        Kind::Image(media_type) => read_image(&requested, &canonical, media_type)?,
        Kind::Pdf => read_pdf(input, &requested, &canonical, budget)?,
        Kind::Notebook => read_notebook(&requested, &canonical, budget)?,
    };
    env.state.read_files.record(&canonical, stamp);
    Ok(output)
}

fn read_text(
    input: &ReadInput,
    requested: &Path,
    file: File,
    budget: usize,
) -> Result<(ToolOutput, FileStamp), ToolOutput> {
    let first_line = input.offset.unwrap_or(1).max(1);
    let window = text::TextWindow {
        first_line,
        max_lines: input.limit.unwrap_or(DEFAULT_LINE_LIMIT),
        max_line_chars: MAX_LINE_CHARS,
        max_output_bytes: budget,
    };
    let view =
        text::read_window(file, window).map_err(|err| FileError::io(requested, "read", err))?;
    let total = view.total_lines;
    let mut out = view.numbered;
    if view.stamp.len == 0 {
        out = reminder("The file exists and is empty.");
    } else if view.shown_lines == 0 && first_line > total {
        out = reminder(&format!(
            "The file has {total} lines, so offset {first_line} is past its end. Read from an earlier line."
        ));
    } else if view.shown_lines < total {
        let last = first_line + view.shown_lines - 1;
        let why = if view.budget_reached {
            format!(
                " (the output limit of about {} tokens was reached)",
                budget / 4
            )
        } else {
            String::new()
        };
        append_notice(
            &mut out,
            &format!(
                "Partial view: lines {first_line}–{last} of {total}{why}. Use offset and limit to read other lines."
            ),
        );
    }
    let structured = json!({
        "type": "text",
        "file": {
            "filePath": requested,
            "content": view.content,
            "numLines": view.shown_lines,
            "startLine": first_line,
            "totalLines": total,
        }
    });
    Ok((
        ToolOutput::text(out).with_structured(structured),
        view.stamp,
    ))
}

fn read_image(
    requested: &Path,
    canonical: &Path,
    media_type: &'static str,
) -> Result<(ToolOutput, FileStamp), ToolOutput> {
    let bytes = read_capped(
        requested,
        canonical,
        image::MAX_IMAGE_BYTES,
        "Make a smaller copy first (e.g. with Bash: `convert in.png -resize 50% /tmp/small.png`) and read that.",
    )?;
    let output = ToolOutput {
        content: ToolResultContent::Blocks(vec![image::image_block(media_type, &bytes)]),
        is_error: false,
        structured: Some(json!({
            "type": "image",
            "file": {"filePath": requested, "type": media_type, "originalSize": bytes.len()}
        })),
    };
    Ok((output, FileStamp::of_bytes(&bytes)))
}

fn read_pdf(
    input: &ReadInput,
    requested: &Path,
    canonical: &Path,
    budget: usize,
) -> Result<(ToolOutput, FileStamp), ToolOutput> {
    let range = input
        .pages
        .as_deref()
        .map(pdf::parse_pages)
        .transpose()
        .map_err(tool_error)?;
    let bytes = read_capped(
        requested,
        canonical,
        pdf::MAX_PDF_BYTES,
        "Split it first (e.g. with Bash: `pdftotext` or `qpdf --pages`), then read the parts.",
    )?;
    let view = pdf::render(&bytes, range, budget).map_err(|reason| {
        tool_error(format!(
            "{} could not be read as a PDF: {reason}.",
            requested.display()
        ))
    })?;
    let mut out = view.text;
    if !view.has_text {
        append_notice(
            &mut out,
            "No text could be extracted from these pages (the PDF may hold scanned images only).",
        );
    }
    if let Some(shown) = view.shown
        && (shown.first > 1 || shown.last < view.total_pages)
    {
        append_notice(
            &mut out,
            &format!(
                "Partial view: pages {}–{} of {}. Use pages to read others, at most {} per call.",
                shown.first,
                shown.last,
                view.total_pages,
                pdf::MAX_PAGES_PER_CALL
            ),
        );
    }
    let structured = json!({
        "type": "pdf",
        "file": {"filePath": requested, "originalSize": bytes.len(), "totalPages": view.total_pages}
    });
    Ok((
        ToolOutput::text(out).with_structured(structured),
        FileStamp::of_bytes(&bytes),
    ))
}

fn read_notebook(
    requested: &Path,
    canonical: &Path,
    budget: usize,
) -> Result<(ToolOutput, FileStamp), ToolOutput> {
    let bytes = read_capped(
        requested,
        canonical,
        MAX_NOTEBOOK_BYTES,
        "Inspect it with Bash and jq instead.",
    )?;
    let root = crate::notebook::parse(&bytes, requested).map_err(tool_error)?;
    let view = notebook::render(&root, budget);
    let content = if view.total_cells == 0 {
        ToolResultContent::Text(reminder("The notebook has no cells."))
    } else if view.shown_cells < view.total_cells {
        let notice = format!(
            "Partial view: cells 1–{} of {} (the output limit was reached). Use Bash with jq to read the other cells.",
            view.shown_cells, view.total_cells
        );
        append_block(view.content, notice)
    } else {
        view.content
    };
    let output = ToolOutput {
        content,
        is_error: false,
        structured: Some(json!({
            "type": "notebook",
            "file": {
                "filePath": requested,
                "cells": view.total_cells,
                "language": crate::notebook::language(&root),
            }
        })),
    };
    Ok((output, FileStamp::of_bytes(&bytes)))
}

/// Reads a whole file that must not exceed `limit` bytes.
fn read_capped(
    requested: &Path,
    canonical: &Path,
    limit: u64,
    hint: &'static str,
) -> Result<Vec<u8>, FileError> {
    let size = fs::metadata(canonical)
        .map_err(|err| FileError::io(requested, "read", err))?
        .len();
    if size > limit {
        return Err(FileError::TooLarge {
            path: requested.to_path_buf(),
            size,
            limit,
            hint,
        });
    }
    fs::read(canonical).map_err(|err| FileError::io(requested, "read", err))
}

/// A notice for the model, set apart from file content.
fn reminder(text: &str) -> String {
    format!("<system-reminder>{text}</system-reminder>")
}

/// Appends a notice on a line of its own.
fn append_notice(out: &mut String, text: &str) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&reminder(text));
}

/// Appends a notice to rendered content, as its own block when there are images.
fn append_block(content: ToolResultContent, notice: String) -> ToolResultContent {
    match content {
        ToolResultContent::Text(mut text) => {
            append_notice(&mut text, &notice);
            ToolResultContent::Text(text)
        }
        ToolResultContent::Blocks(mut blocks) => {
            blocks.push(rudder_protocol::ContentBlock::text(reminder(&notice)));
            ToolResultContent::Blocks(blocks)
        }
    }
}

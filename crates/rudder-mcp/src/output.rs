//! Keeping MCP tool output under a token cap: oversize output goes to a file
//! and the model gets a preview, the path and an explicit truncation note.
//!
//! Contract: Claude Code's `MAX_MCP_OUTPUT_TOKENS` (default 25 000 tokens;
//! CLAUDE-CODE-INTERFACE.md §4.3) and USER-PAINS.md §4.5 (head/tail preview,
//! retrieval path, explicit note). Tokens are estimated as bytes / 4
//! (rounded up) over text and base64 image data: the Claude tokenizer is not
//! public, so this is an estimate and is labelled as one.
//!
//! Writes only inside the spill directory the caller gives; never deletes.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use rudder_protocol::{ContentBlock, ImageSource};

use crate::error::McpError;
use crate::naming::normalize;
use crate::tools::McpToolResult;

/// How much output a tool result may carry and where the rest goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputLimit {
    /// Cap in estimated tokens (bytes / 4); `MAX_MCP_OUTPUT_TOKENS`, default
    /// 25 000.
    pub max_tokens: usize,
    /// Directory for spill files (created when needed).
    pub spill_dir: PathBuf,
    /// Bytes of text shown from the start of the output (the end gets half
    /// as many). Default 2 000.
    pub preview_bytes: usize,
}

/// Estimated tokens of a byte count: `bytes / 4`, rounded up.
pub fn estimate_tokens(bytes: usize) -> usize {
    bytes.div_ceil(4)
}

/// Estimated tokens of a result's content: text bytes plus image base64
/// bytes, / 4. (`structured` is not counted: the model is sent the content.)
pub fn result_tokens(result: &McpToolResult) -> usize {
    let content: usize = result.content.iter().map(ContentBlock::byte_len).sum();
    estimate_tokens(content)
}

/// Returns `result` unchanged when it fits `limit`; otherwise writes the full
/// text to `<spill_dir>/mcp-<server>-<tool>-<uuid>.txt` (images to sibling
/// files), and returns a single text block: a note with the estimated size,
/// the limit and the path(s), then the first `preview_bytes` and last
/// `preview_bytes / 2` bytes of the text. `is_error` is kept; `structured` is
/// dropped (it is in the file's text). Errors: the spill file cannot be
/// written ([`McpError::Spill`]).
pub fn cap_result(
    result: McpToolResult,
    server: &str,
    tool: &str,
    limit: &OutputLimit,
) -> Result<McpToolResult, McpError> {
    let tokens = result_tokens(&result);
    if tokens <= limit.max_tokens {
        return Ok(result);
    }
    let spill = |path: &Path, bytes: &[u8]| {
        std::fs::create_dir_all(&limit.spill_dir)
            .and_then(|()| std::fs::write(path, bytes))
            .map_err(|source| McpError::Spill {
                path: path.to_owned(),
                source,
            })
    };
    let stem = format!(
        "mcp-{}-{}-{}",
        normalize(server),
        normalize(tool),
        uuid::Uuid::new_v4().simple()
    );
    let mut text = String::new();
    let mut image_paths = Vec::new();
    for block in &result.content {
        match block {
            ContentBlock::Image {
                source: ImageSource::Base64 { media_type, data },
                ..
            } => {
                let extension = media_type.rsplit('/').next().unwrap_or("bin");
                let (bytes, extension) =
                    match base64::engine::general_purpose::STANDARD.decode(data) {
                        Ok(bytes) => (bytes, extension),
                        Err(_) => (data.clone().into_bytes(), "b64"),
                    };
                let path = limit.spill_dir.join(format!(
                    "{stem}-image-{}.{extension}",
                    image_paths.len() + 1
                ));
                spill(&path, &bytes)?;
                image_paths.push(path);
            }
            other => {
                if !text.is_empty() {
                    text.push('\n');
                }
                match other.as_text() {
                    Some(block_text) => text.push_str(block_text),
                    None => text.push_str(&serde_json::to_string(other).unwrap_or_default()),
                }
            }
        }
    }
    let text_path = limit.spill_dir.join(format!("{stem}.txt"));
    spill(&text_path, text.as_bytes())?;

    let head_len = floor_boundary(&text, limit.preview_bytes.min(text.len()));
    let tail_start = ceil_boundary(
        &text,
        text.len()
            .saturating_sub(limit.preview_bytes / 2)
            .max(head_len),
    );
    let mut note = format!(
        "[Output too large: about {tokens} tokens (estimated as bytes/4), over the limit of {} \
         (MAX_MCP_OUTPUT_TOKENS). The full text ({} bytes) is saved to {}",
        limit.max_tokens,
        text.len(),
        text_path.display()
    );
    for path in &image_paths {
        note.push_str(&format!("; an image is saved to {}", path.display()));
    }
    note.push_str(&format!(
        ". Shown below: the first {head_len} and the last {} bytes. Read the file for the rest.]\n",
        text.len() - tail_start
    ));
    note.push_str(&text[..head_len]);
    if tail_start > head_len {
        note.push_str(&format!(
            "\n[… {} bytes omitted …]\n",
            tail_start - head_len
        ));
        note.push_str(&text[tail_start..]);
    }
    Ok(McpToolResult {
        content: vec![ContentBlock::text(note)],
        is_error: result.is_error,
        structured: None,
    })
}

fn floor_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn ceil_boundary(text: &str, mut index: usize) -> usize {
    while index < text.len() && !text.is_char_boundary(index) {
        index += 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(dir: &Path) -> OutputLimit {
        OutputLimit {
            max_tokens: 10,
            spill_dir: dir.to_owned(),
            preview_bytes: 8,
        }
    }

    #[test]
    fn small_results_pass_through() {
        let dir = tempfile::tempdir().unwrap();
        let result = McpToolResult::text("0123456789");
        assert_eq!(
            cap_result(result.clone(), "s", "t", &limit(dir.path())).unwrap(),
            result
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn large_results_spill_with_head_tail_and_path() {
        let dir = tempfile::tempdir().unwrap();
        let body = format!("HEAD{}é{}TAIL", "x".repeat(100), "y".repeat(100));
        let mut result = McpToolResult::text(body.clone());
        result.structured = Some(serde_json::json!({"big": true}));
        let capped = cap_result(result, "my srv", "read", &limit(dir.path())).unwrap();
        let text = capped.content[0].as_text().unwrap();
        assert!(text.contains("MAX_MCP_OUTPUT_TOKENS"));
        assert!(text.contains("HEADxxxx"));
        assert!(text.ends_with("bytes omitted …]\nTAIL"), "{text}");
        assert!(capped.structured.is_none());
        let files: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1);
        assert!(text.contains(&files[0].display().to_string()));
        assert!(
            files[0]
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("mcp-my_srv-read-")
        );
        assert_eq!(std::fs::read_to_string(&files[0]).unwrap(), body);
    }
}

//! A scripted turn resolved into one concrete response: ids chosen, tool
//! inputs rendered as JSON text, stop reason and output tokens fixed — and
//! the rules for cutting text into stream deltas. Both wire formats
//! (`anthropic_sse.rs`, `openai_sse.rs`) render a [`Reply`]; neither decides
//! anything about content.

use crate::ids::id;
use crate::scenario::{ScriptedBlock, ScriptedTurn};
use crate::usage::tokens;

/// Id prefixes of one wire format.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IdStyle {
    /// e.g. `msg_01` or `chatcmpl-`.
    pub(crate) message: &'static str,
    /// e.g. `toolu_01` or `call_`.
    pub(crate) tool: &'static str,
}

/// One block of a resolved response.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    /// Text.
    Text(String),
    /// A tool call with its id and its arguments as JSON text (or the
    /// scripted raw text, which need not be JSON).
    ToolUse {
        id: String,
        name: String,
        input_json: String,
    },
    /// Thinking and its signature.
    Thinking { thinking: String, signature: String },
}

/// A resolved response.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// Message id (`msg_…` / `chatcmpl-…`).
    pub(crate) id: String,
    /// Model id echoed.
    pub(crate) model: String,
    /// Content in order.
    pub(crate) blocks: Vec<Block>,
    /// Anthropic-spelled stop reason.
    pub(crate) stop_reason: String,
    /// Output tokens reported.
    pub(crate) output_tokens: u64,
}

impl Reply {
    /// Resolves turn `index` for a request whose body bytes are `seed`
    /// (ids derive from both), claiming to come from `model`.
    pub(crate) fn new(
        turn: &ScriptedTurn,
        index: usize,
        seed: &[u8],
        model: String,
        style: IdStyle,
    ) -> Self {
        let turn_tag = format!("turn {index}");
        let blocks: Vec<Block> = turn
            .content
            .iter()
            .enumerate()
            .map(|(i, block)| match block {
                ScriptedBlock::Text { text } => Block::Text(text.clone()),
                ScriptedBlock::Thinking {
                    thinking,
                    signature,
                } => Block::Thinking {
                    thinking: thinking.clone(),
                    signature: signature.clone(),
                },
                ScriptedBlock::ToolUse {
                    id: scripted_id,
                    name,
                    input,
                    raw_input,
                } => Block::ToolUse {
                    id: scripted_id.clone().unwrap_or_else(|| {
                        id(
                            style.tool,
                            &[seed, turn_tag.as_bytes(), format!("block {i}").as_bytes()],
                        )
                    }),
                    name: name.clone(),
                    input_json: match (raw_input, input) {
                        (Some(raw), _) => raw.clone(),
                        (None, Some(value)) => value.to_string(),
                        (None, None) => "{}".to_owned(),
                    },
                },
            })
            .collect();
        let content_bytes: usize = blocks
            .iter()
            .map(|block| match block {
                Block::Text(text) => text.len(),
                Block::ToolUse {
                    name, input_json, ..
                } => name.len() + input_json.len(),
                Block::Thinking { thinking, .. } => thinking.len(),
            })
            .sum();
        Self {
            id: id(style.message, &[seed, turn_tag.as_bytes()]),
            model,
            blocks,
            stop_reason: turn.effective_stop_reason(),
            output_tokens: turn.output_tokens.unwrap_or(tokens(content_bytes)),
        }
    }
}

/// `text` cut into at most 3 non-empty pieces at character boundaries
/// (none for empty text), as the API streams text in several deltas.
pub(crate) fn text_pieces(text: &str) -> Vec<&str> {
    let chars = text.chars().count();
    let size = chars.div_ceil(3).max(1);
    let mut pieces = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let cut = rest
            .char_indices()
            .nth(size)
            .map_or(rest.len(), |(at, _)| at);
        let (piece, tail) = rest.split_at(cut);
        pieces.push(piece);
        rest = tail;
    }
    pieces
}

/// Tool-input JSON text cut into 2–3 non-empty fragments (one when it is a
/// single character). Valid JSON is cut only after a `{`, `[`, `,` or `:`
/// outside strings, so every prefix is what a partial-JSON parser expects
/// from the real API; other text is cut like [`text_pieces`].
pub(crate) fn json_fragments(json: &str) -> Vec<&str> {
    if serde_json::from_str::<serde_json::Value>(json).is_err() {
        return text_pieces(json);
    }
    let mut cuts = Vec::new();
    let (mut in_string, mut escaped) = (false, false);
    for (at, ch) in json.char_indices() {
        if in_string {
            match (escaped, ch) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if ch == '"' {
            in_string = true;
        } else if matches!(ch, '{' | '[' | ',' | ':') && at + 1 < json.len() {
            cuts.push(at + 1);
        }
    }
    let chosen: Vec<usize> = match cuts.len() {
        0 => return text_pieces(json),
        1 | 2 => cuts,
        n => vec![cuts[n / 3], cuts[2 * n / 3]],
    };
    let mut fragments = Vec::new();
    let mut start = 0;
    for cut in chosen {
        if cut > start {
            fragments.push(&json[start..cut]);
            start = cut;
        }
    }
    fragments.push(&json[start..]);
    fragments
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const STYLE: IdStyle = IdStyle {
        message: "msg_01",
        tool: "toolu_01",
    };

    #[test]
    fn text_is_cut_at_character_boundaries() {
        assert_eq!(text_pieces("abcdefg"), vec!["abc", "def", "g"]);
        assert_eq!(text_pieces("é€"), vec!["é", "€"]);
        assert!(text_pieces("").is_empty());
        assert_eq!(text_pieces("abcdefg").concat(), "abcdefg");
    }

    #[test]
    fn json_is_cut_between_tokens_only() {
        let text = r#"{"command":"echo \"a,b:c\"","timeout":5,"flags":[1,2]}"#;
        let fragments = json_fragments(text);
        assert!(fragments.len() >= 2, "{fragments:?}");
        assert_eq!(fragments.concat(), text);
        for fragment in &fragments[..fragments.len() - 1] {
            assert!(fragment.ends_with(['{', '[', ',', ':']), "{fragments:?}");
        }
        assert_eq!(json_fragments("{}"), vec!["{", "}"]);
        assert_eq!(
            json_fragments("{\"path\": \"a"),
            vec!["{\"pa", "th\":", " \"a"]
        );
    }

    #[test]
    fn replies_get_ids_stop_reasons_and_token_estimates() {
        let turn = ScriptedTurn::new(vec![
            ScriptedBlock::Text { text: "hi".into() },
            ScriptedBlock::ToolUse {
                id: None,
                name: "Read".into(),
                input: Some(json!({"file_path": "/a"})),
                raw_input: None,
            },
            ScriptedBlock::ToolUse {
                id: Some("toolu_fixed".into()),
                name: "Bash".into(),
                input: None,
                raw_input: Some("{oops".into()),
            },
        ]);
        let reply = Reply::new(&turn, 0, b"body", "m".into(), STYLE);
        assert!(reply.id.starts_with("msg_01"));
        assert_eq!(reply.stop_reason, "tool_use");
        let Block::ToolUse { id, input_json, .. } = &reply.blocks[1] else {
            panic!("not a tool call")
        };
        assert!(id.starts_with("toolu_01"));
        assert_eq!(input_json, r#"{"file_path":"/a"}"#);
        assert_eq!(
            reply.blocks[2],
            Block::ToolUse {
                id: "toolu_fixed".into(),
                name: "Bash".into(),
                input_json: "{oops".into()
            }
        );
        // "hi" + "Read" + 18 bytes of JSON + "Bash" + "{oops" = 33 bytes.
        assert_eq!(reply.output_tokens, 9);
        let again = Reply::new(&turn, 0, b"body", "m".into(), STYLE);
        assert_eq!(again.blocks, reply.blocks);
        let other = Reply::new(&turn, 0, b"body2", "m".into(), STYLE);
        assert_ne!(other.blocks[1], reply.blocks[1]);
    }
}

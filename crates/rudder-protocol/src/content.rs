//! Content blocks of the Anthropic Messages API, as they appear in requests,
//! responses and transcripts.
//!
//! Contract: <https://docs.anthropic.com/en/api/messages> (content block
//! shapes). Blocks this crate does not model are kept verbatim in
//! [`ContentBlock::Other`], so a transcript written by a newer peer still
//! round-trips byte-for-byte through rudder.
//!
//! This module never adds `cache_control` on its own: breakpoints are placed
//! by the request builder, never stored in a transcript.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A prompt-cache marker (`{"type":"ephemeral"}`, optional `ttl` of `"5m"` or
/// `"1h"`), attached to the block that ends a cached prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheControl {
    /// Always `"ephemeral"` on today's API.
    #[serde(rename = "type")]
    pub kind: String,
    /// Time to live: `"5m"` (API default when absent) or `"1h"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
}

impl CacheControl {
    /// The default 5-minute ephemeral marker.
    pub fn ephemeral() -> Self {
        Self {
            kind: "ephemeral".to_owned(),
            ttl: None,
        }
    }
}

/// Where an image's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ImageSource {
    /// Inline bytes: `media_type` such as `image/png`, `data` in standard base64.
    Base64 {
        /// MIME type: `image/png`, `image/jpeg`, `image/gif` or `image/webp`.
        media_type: String,
        /// Base64 of the file's bytes.
        data: String,
    },
    /// An image the API fetches itself.
    Url {
        /// Absolute http(s) URL.
        url: String,
    },
}

/// The body of a `tool_result` block: a plain string or a list of blocks
/// (text and image). Kept in whichever form the tool produced, so the bytes
/// sent never change between requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ToolResultContent {
    /// The common case: the tool's text output.
    Text(String),
    /// Rich output, e.g. the Read tool returning an image.
    Blocks(Vec<ContentBlock>),
}

impl ToolResultContent {
    /// All text in the result, blocks joined with `\n`; images are skipped.
    pub fn text(&self) -> String {
        match self {
            Self::Text(text) => text.clone(),
            Self::Blocks(blocks) => blocks
                .iter()
                .filter_map(ContentBlock::as_text)
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// Length in bytes of the text and of the base64 payload of images.
    pub fn byte_len(&self) -> usize {
        match self {
            Self::Text(text) => text.len(),
            Self::Blocks(blocks) => blocks.iter().map(ContentBlock::byte_len).sum(),
        }
    }
}

/// One block of a message's `content` array.
#[derive(Debug, Clone, PartialEq)]
pub enum ContentBlock {
    /// `{"type":"text","text":…}`.
    Text {
        /// The text.
        text: String,
        /// Set only by the request builder.
        cache_control: Option<CacheControl>,
    },
    /// `{"type":"image","source":…}`.
    Image {
        /// The image bytes or URL.
        source: ImageSource,
        /// Set only by the request builder.
        cache_control: Option<CacheControl>,
    },
    /// `{"type":"tool_use","id","name","input"}`: a call the model asks for.
    ToolUse {
        /// `toolu_…` id that the matching `tool_result` echoes.
        id: String,
        /// Tool name, e.g. `Bash` or `mcp__github__get_issue`.
        name: String,
        /// Arguments as the model sent them (key order kept).
        input: Value,
        /// Set only by the request builder.
        cache_control: Option<CacheControl>,
    },
    /// `{"type":"tool_result","tool_use_id","content","is_error"}`.
    ToolResult {
        /// The `id` of the `tool_use` this answers.
        tool_use_id: String,
        /// The tool's output.
        content: ToolResultContent,
        /// True when the call failed; the content then explains why.
        is_error: bool,
        /// Set only by the request builder.
        cache_control: Option<CacheControl>,
    },
    /// Extended-thinking output; must be sent back unchanged with its signature.
    Thinking {
        /// The thinking text.
        thinking: String,
        /// Opaque signature that authenticates `thinking`.
        signature: String,
    },
    /// Encrypted thinking; must be sent back unchanged.
    RedactedThinking {
        /// Opaque payload.
        data: String,
    },
    /// A call of a server-side tool (e.g. `web_search`) that the API ran itself.
    ServerToolUse {
        /// `srvtoolu_…` id.
        id: String,
        /// Server tool name, e.g. `web_search`.
        name: String,
        /// Arguments, e.g. `{"query": …}`.
        input: Value,
    },
    /// The API's result of a `web_search` server tool call.
    WebSearchToolResult {
        /// The `id` of the `server_tool_use` this answers.
        tool_use_id: String,
        /// Result list or an error object, kept verbatim.
        content: Value,
    },
    /// Any block type this crate does not model, kept verbatim (with its
    /// `type` field) so it round-trips unchanged.
    Other(Value),
}

impl ContentBlock {
    /// A text block without cache control.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text {
            text: text.into(),
            cache_control: None,
        }
    }

    /// A `tool_result` block with text content.
    pub fn tool_result(
        tool_use_id: impl Into<String>,
        text: impl Into<String>,
        is_error: bool,
    ) -> Self {
        Self::ToolResult {
            tool_use_id: tool_use_id.into(),
            content: ToolResultContent::Text(text.into()),
            is_error,
            cache_control: None,
        }
    }

    /// The text of a `text` block, else `None`.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The `type` string this block has on the wire.
    pub fn type_name(&self) -> &str {
        match self {
            Self::Text { .. } => "text",
            Self::Image { .. } => "image",
            Self::ToolUse { .. } => "tool_use",
            Self::ToolResult { .. } => "tool_result",
            Self::Thinking { .. } => "thinking",
            Self::RedactedThinking { .. } => "redacted_thinking",
            Self::ServerToolUse { .. } => "server_tool_use",
            Self::WebSearchToolResult { .. } => "web_search_tool_result",
            Self::Other(value) => value.get("type").and_then(Value::as_str).unwrap_or(""),
        }
    }

    /// Whether this block kind accepts a `cache_control` marker.
    pub fn is_cacheable(&self) -> bool {
        matches!(
            self,
            Self::Text { .. } | Self::Image { .. } | Self::ToolUse { .. } | Self::ToolResult { .. }
        )
    }

    /// Sets (or clears) the block's cache marker; a no-op on kinds that take none.
    pub fn set_cache_control(&mut self, marker: Option<CacheControl>) {
        match self {
            Self::Text { cache_control, .. }
            | Self::Image { cache_control, .. }
            | Self::ToolUse { cache_control, .. }
            | Self::ToolResult { cache_control, .. } => *cache_control = marker,
            _ => {}
        }
    }

    /// The block's cache marker, if any.
    pub fn cache_control(&self) -> Option<&CacheControl> {
        match self {
            Self::Text { cache_control, .. }
            | Self::Image { cache_control, .. }
            | Self::ToolUse { cache_control, .. }
            | Self::ToolResult { cache_control, .. } => cache_control.as_ref(),
            _ => None,
        }
    }

    /// Approximate payload size in bytes (text, JSON input, base64 data).
    pub fn byte_len(&self) -> usize {
        match self {
            Self::Text { text, .. } => text.len(),
            Self::Image { source, .. } => match source {
                ImageSource::Base64 { data, .. } => data.len(),
                ImageSource::Url { url } => url.len(),
            },
            Self::ToolUse { input, name, .. } => name.len() + input.to_string().len(),
            Self::ToolResult { content, .. } => content.byte_len(),
            Self::Thinking {
                thinking,
                signature,
            } => thinking.len() + signature.len(),
            Self::RedactedThinking { data } => data.len(),
            Self::ServerToolUse { input, .. } => input.to_string().len(),
            Self::WebSearchToolResult { content, .. } | Self::Other(content) => {
                content.to_string().len()
            }
        }
    }
}

/// Wire form of the modelled blocks; the public enum adds `Other`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Wire<'a> {
    Text {
        text: std::borrow::Cow<'a, str>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cache_control: Option<CacheControl>,
    },
    Image {
        source: ImageSource,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cache_control: Option<CacheControl>,
    },
    ToolUse {
        id: std::borrow::Cow<'a, str>,
        name: std::borrow::Cow<'a, str>,
        input: Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cache_control: Option<CacheControl>,
    },
    ToolResult {
        tool_use_id: std::borrow::Cow<'a, str>,
        #[serde(default = "empty_result")]
        content: ToolResultContent,
        #[serde(default, skip_serializing_if = "is_false")]
        is_error: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cache_control: Option<CacheControl>,
    },
    Thinking {
        thinking: std::borrow::Cow<'a, str>,
        #[serde(default)]
        signature: std::borrow::Cow<'a, str>,
    },
    RedactedThinking {
        data: std::borrow::Cow<'a, str>,
    },
    ServerToolUse {
        id: std::borrow::Cow<'a, str>,
        name: std::borrow::Cow<'a, str>,
        input: Value,
    },
    WebSearchToolResult {
        tool_use_id: std::borrow::Cow<'a, str>,
        content: Value,
    },
}

fn empty_result() -> ToolResultContent {
    ToolResultContent::Text(String::new())
}

fn is_false(value: &bool) -> bool {
    !*value
}

const MODELLED: [&str; 8] = [
    "text",
    "image",
    "tool_use",
    "tool_result",
    "thinking",
    "redacted_thinking",
    "server_tool_use",
    "web_search_tool_result",
];

impl Serialize for ContentBlock {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use std::borrow::Cow::Borrowed;
        let wire = match self {
            Self::Other(value) => return value.serialize(serializer),
            Self::Text {
                text,
                cache_control,
            } => Wire::Text {
                text: Borrowed(text),
                cache_control: cache_control.clone(),
            },
            Self::Image {
                source,
                cache_control,
            } => Wire::Image {
                source: source.clone(),
                cache_control: cache_control.clone(),
            },
            Self::ToolUse {
                id,
                name,
                input,
                cache_control,
            } => Wire::ToolUse {
                id: Borrowed(id),
                name: Borrowed(name),
                input: input.clone(),
                cache_control: cache_control.clone(),
            },
            Self::ToolResult {
                tool_use_id,
                content,
                is_error,
                cache_control,
            } => Wire::ToolResult {
                tool_use_id: Borrowed(tool_use_id),
                content: content.clone(),
                is_error: *is_error,
                cache_control: cache_control.clone(),
            },
            Self::Thinking {
                thinking,
                signature,
            } => Wire::Thinking {
                thinking: Borrowed(thinking),
                signature: Borrowed(signature),
            },
            Self::RedactedThinking { data } => Wire::RedactedThinking {
                data: Borrowed(data),
            },
            Self::ServerToolUse { id, name, input } => Wire::ServerToolUse {
                id: Borrowed(id),
                name: Borrowed(name),
                input: input.clone(),
            },
            Self::WebSearchToolResult {
                tool_use_id,
                content,
            } => Wire::WebSearchToolResult {
                tool_use_id: Borrowed(tool_use_id),
                content: content.clone(),
            },
        };
        wire.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ContentBlock {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let kind = value
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !MODELLED.contains(&kind) {
            return Ok(Self::Other(value));
        }
        let wire: Wire<'static> =
            serde_json::from_value(value).map_err(serde::de::Error::custom)?;
        Ok(match wire {
            Wire::Text {
                text,
                cache_control,
            } => Self::Text {
                text: text.into_owned(),
                cache_control,
            },
            Wire::Image {
                source,
                cache_control,
            } => Self::Image {
                source,
                cache_control,
            },
            Wire::ToolUse {
                id,
                name,
                input,
                cache_control,
            } => Self::ToolUse {
                id: id.into_owned(),
                name: name.into_owned(),
                input,
                cache_control,
            },
            Wire::ToolResult {
                tool_use_id,
                content,
                is_error,
                cache_control,
            } => Self::ToolResult {
                tool_use_id: tool_use_id.into_owned(),
                content,
                is_error,
                cache_control,
            },
            Wire::Thinking {
                thinking,
                signature,
            } => Self::Thinking {
                thinking: thinking.into_owned(),
                signature: signature.into_owned(),
            },
            Wire::RedactedThinking { data } => Self::RedactedThinking {
                data: data.into_owned(),
            },
            Wire::ServerToolUse { id, name, input } => Self::ServerToolUse {
                id: id.into_owned(),
                name: name.into_owned(),
                input,
            },
            Wire::WebSearchToolResult {
                tool_use_id,
                content,
            } => Self::WebSearchToolResult {
                tool_use_id: tool_use_id.into_owned(),
                content,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_block_round_trips_without_cache_control() {
        let block = ContentBlock::text("hi");
        let wire = serde_json::to_string(&block).unwrap();
        assert_eq!(wire, r#"{"type":"text","text":"hi"}"#);
        assert_eq!(serde_json::from_str::<ContentBlock>(&wire).unwrap(), block);
    }

    #[test]
    fn cache_control_is_serialized_last() {
        let mut block = ContentBlock::tool_result("toolu_1", "ok", false);
        block.set_cache_control(Some(CacheControl::ephemeral()));
        assert_eq!(
            serde_json::to_string(&block).unwrap(),
            r#"{"type":"tool_result","tool_use_id":"toolu_1","content":"ok","cache_control":{"type":"ephemeral"}}"#
        );
    }

    #[test]
    fn tool_use_input_keeps_key_order() {
        let wire = r#"{"type":"tool_use","id":"t","name":"Bash","input":{"z":1,"a":2}}"#;
        let block: ContentBlock = serde_json::from_str(wire).unwrap();
        assert_eq!(serde_json::to_string(&block).unwrap(), wire);
    }

    #[test]
    fn unknown_block_types_round_trip_verbatim() {
        let value = json!({"type": "container_upload", "file_id": "f1", "extra": [1, 2]});
        let block: ContentBlock = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(block.type_name(), "container_upload");
        assert_eq!(serde_json::to_value(&block).unwrap(), value);
    }

    #[test]
    fn tool_result_accepts_string_or_blocks() {
        let blocks: ContentBlock = serde_json::from_value(json!({
            "type": "tool_result", "tool_use_id": "t", "is_error": true,
            "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]
        }))
        .unwrap();
        let ContentBlock::ToolResult {
            content, is_error, ..
        } = blocks
        else {
            panic!("not a tool_result")
        };
        assert!(is_error);
        assert_eq!(content.text(), "a\nb");
    }
}

//! Conversation messages (`{"role","content"}`) and the assistant message
//! the API returns.
//!
//! rudder always stores and sends `content` as an array of blocks. Incoming
//! string content (from stream-json input or a Claude Code transcript) is
//! normalized to one text block when read, so a message is rendered the same
//! way on every request and after every resume.

use serde::{Deserialize, Deserializer, Serialize};

use crate::content::ContentBlock;
use crate::usage::Usage;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The person, a script, or tool results sent back to the model.
    User,
    /// The model.
    Assistant,
}

/// One message of the conversation as sent to the Messages API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// `user` or `assistant`.
    pub role: Role,
    /// Content blocks; a bare string on input becomes one text block.
    #[serde(deserialize_with = "blocks_or_string")]
    pub content: Vec<ContentBlock>,
}

impl Message {
    /// A user message holding one text block.
    pub fn user_text(text: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: vec![ContentBlock::text(text)],
        }
    }

    /// A message with the given role and blocks.
    pub fn new(role: Role, content: Vec<ContentBlock>) -> Self {
        Self { role, content }
    }

    /// Concatenated text of the message's text blocks.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(ContentBlock::as_text)
            .collect::<Vec<_>>()
            .join("")
    }

    /// The `tool_use` blocks of the message as `(id, name, input)`.
    pub fn tool_uses(&self) -> impl Iterator<Item = (&str, &str, &serde_json::Value)> {
        self.content.iter().filter_map(|block| match block {
            ContentBlock::ToolUse {
                id, name, input, ..
            } => Some((id.as_str(), name.as_str(), input)),
            _ => None,
        })
    }
}

/// Deserializes `content` given either as a string or as a block array.
fn blocks_or_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<ContentBlock>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Blocks(Vec<ContentBlock>),
    }
    Ok(match Either::deserialize(deserializer)? {
        Either::Text(text) => vec![ContentBlock::text(text)],
        Either::Blocks(blocks) => blocks,
    })
}

/// Why the model stopped producing output (`stop_reason`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The model finished its turn.
    EndTurn,
    /// The output hit `max_tokens`.
    MaxTokens,
    /// A stop sequence matched.
    StopSequence,
    /// The model wants tools run.
    ToolUse,
    /// A long server-tool turn was paused; send the conversation back to continue.
    PauseTurn,
    /// The model declined for safety reasons.
    Refusal,
    /// The context window filled up.
    ModelContextWindowExceeded,
    /// A value this version does not know.
    #[serde(untagged)]
    Other(String),
}

/// A complete assistant message as the API returns it (the `message_start`
/// payload completed by the stream), and as stream-json `assistant` records
/// and transcripts carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssistantMessage {
    /// `msg_…` id from the API.
    pub id: String,
    /// Always `"message"`.
    #[serde(rename = "type", default = "message_type")]
    pub kind: String,
    /// Always `assistant`.
    pub role: Role,
    /// Model id the API reports having used.
    pub model: String,
    /// Content blocks in stream order.
    pub content: Vec<ContentBlock>,
    /// Why generation stopped; `None` while streaming.
    pub stop_reason: Option<StopReason>,
    /// The matched stop sequence, if any.
    #[serde(default)]
    pub stop_sequence: Option<String>,
    /// Token usage of the request that produced this message.
    #[serde(default)]
    pub usage: Usage,
}

fn message_type() -> String {
    "message".to_owned()
}

impl AssistantMessage {
    /// The conversation message (role and content) to send back to the API.
    pub fn to_message(&self) -> Message {
        Message::new(Role::Assistant, self.content.clone())
    }

    /// Concatenated text of the text blocks.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(ContentBlock::as_text)
            .collect::<Vec<_>>()
            .join("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_content_is_normalized_to_one_text_block() {
        let message: Message =
            serde_json::from_str(r#"{"role":"user","content":"continue"}"#).unwrap();
        assert_eq!(message, Message::user_text("continue"));
        assert_eq!(
            serde_json::to_string(&message).unwrap(),
            r#"{"role":"user","content":[{"type":"text","text":"continue"}]}"#
        );
    }

    #[test]
    fn unknown_stop_reasons_are_kept() {
        let reason: StopReason = serde_json::from_str(r#""brand_new""#).unwrap();
        assert_eq!(reason, StopReason::Other("brand_new".into()));
        let known: StopReason = serde_json::from_str(r#""pause_turn""#).unwrap();
        assert_eq!(known, StopReason::PauseTurn);
    }
}

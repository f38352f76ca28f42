//! The wire types of one OpenAI Chat Completions stream chunk
//! (`chat.completion.chunk`), read leniently.
//!
//! Contract: <https://platform.openai.com/docs/api-reference/chat-streaming/streaming>,
//! widened for compatible servers: every field may be missing or `null`,
//! `reasoning_content`/`reasoning` carry thinking, `function.arguments` may
//! be an object instead of JSON text, and a chunk may be `{"error":{…}}`.
//!
//! Plain data: this module only deserializes; `super::stream` interprets.

use serde::Deserialize;
use serde_json::Value;

/// One `chat.completion.chunk`, read leniently: any field may be missing
/// or `null`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Chunk {
    pub(super) id: Option<String>,
    pub(super) model: Option<String>,
    #[serde(deserialize_with = "or_default")]
    pub(super) choices: Vec<Choice>,
    pub(super) usage: Option<ChunkUsage>,
    pub(super) error: Option<Value>,
}

/// One entry of `choices` (rudder reads only `index` 0).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Choice {
    #[serde(deserialize_with = "or_default")]
    pub(super) index: u32,
    #[serde(deserialize_with = "or_default")]
    pub(super) delta: ChoiceDelta,
    pub(super) finish_reason: Option<String>,
}

/// What a chunk adds to the message.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ChoiceDelta {
    pub(super) content: Option<String>,
    pub(super) refusal: Option<String>,
    pub(super) reasoning_content: Option<String>,
    pub(super) reasoning: Option<String>,
    #[serde(deserialize_with = "or_default")]
    pub(super) tool_calls: Vec<ToolCallDelta>,
}

/// A fragment of one tool call; `index` (or `id`) says which.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ToolCallDelta {
    #[serde(deserialize_with = "or_default")]
    pub(super) index: u32,
    pub(super) id: Option<String>,
    #[serde(deserialize_with = "or_default")]
    pub(super) function: FunctionDelta,
}

/// The function part of a tool call fragment.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct FunctionDelta {
    pub(super) name: Option<String>,
    /// JSON text; some servers send the object itself.
    pub(super) arguments: Option<Value>,
}

/// Token counts, on the last chunk when `include_usage` is set.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ChunkUsage {
    #[serde(deserialize_with = "or_default")]
    pub(super) prompt_tokens: u64,
    #[serde(deserialize_with = "or_default")]
    pub(super) completion_tokens: u64,
    pub(super) prompt_tokens_details: Option<PromptDetails>,
}

/// The breakdown of `prompt_tokens`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct PromptDetails {
    #[serde(deserialize_with = "or_default")]
    pub(super) cached_tokens: u64,
}

/// Reads `null` as the type's default.
fn or_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

//! The body of `POST /v1/messages`.
//!
//! Contract: <https://docs.anthropic.com/en/api/messages>. Field order here is
//! the order on the wire; `serde_json` keeps it, so the same value always
//! serializes to the same bytes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::content::{CacheControl, ContentBlock};
use crate::message::Message;

/// A client-side tool the model may call: name, description and JSON Schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolDefinition {
    /// Tool name, `^[a-zA-Z0-9_-]{1,128}$` (e.g. `Read`, `mcp__srv__tool`).
    pub name: String,
    /// What the tool does and when to use it. Static text: it must never
    /// depend on time, machine, directory or session (it sits in the cached
    /// prefix).
    pub description: String,
    /// JSON Schema of the input object.
    pub input_schema: Value,
    /// Set only by the request builder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
}

/// An entry of the request's `tools` array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ToolSpec {
    /// A tool rudder runs itself.
    Custom(ToolDefinition),
    /// A server tool the API runs, e.g.
    /// `{"type":"web_search_20250305","name":"web_search","max_uses":8}`.
    Server(Value),
}

impl ToolSpec {
    /// The tool's `name`.
    pub fn name(&self) -> &str {
        match self {
            Self::Custom(tool) => &tool.name,
            Self::Server(value) => value.get("name").and_then(Value::as_str).unwrap_or(""),
        }
    }

    /// Sets or clears the cache marker on this tool.
    pub fn set_cache_control(&mut self, marker: Option<CacheControl>) {
        match self {
            Self::Custom(tool) => tool.cache_control = marker,
            Self::Server(Value::Object(map)) => match marker {
                Some(marker) => {
                    map.insert(
                        "cache_control".to_owned(),
                        serde_json::to_value(marker).unwrap_or(Value::Null),
                    );
                }
                None => {
                    map.shift_remove("cache_control");
                }
            },
            Self::Server(_) => {}
        }
    }

    /// Whether the tool carries a cache marker.
    pub fn has_cache_control(&self) -> bool {
        match self {
            Self::Custom(tool) => tool.cache_control.is_some(),
            Self::Server(value) => value.get("cache_control").is_some(),
        }
    }
}

/// Extended thinking configuration (`thinking`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ThinkingConfig {
    /// Thinking on with a budget in tokens (≥ 1024, below `max_tokens`).
    Enabled {
        /// Maximum thinking tokens.
        budget_tokens: u32,
    },
    /// Thinking off.
    Disabled,
}

/// The JSON body of a Messages API request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessagesRequest {
    /// Model id, e.g. `claude-sonnet-4-5`.
    pub model: String,
    /// Output token cap.
    pub max_tokens: u32,
    /// System prompt blocks (text blocks only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system: Vec<ContentBlock>,
    /// The conversation, alternating user/assistant, starting with user.
    pub messages: Vec<Message>,
    /// Tools, in the builder's fixed sorted order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ToolSpec>,
    /// Extended thinking, when enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<ThinkingConfig>,
    /// `{"user_id": …}` and the like.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Whether the response is an SSE stream.
    #[serde(default)]
    pub stream: bool,
}

impl MessagesRequest {
    /// Number of `cache_control` markers in the request (the API allows 4).
    pub fn breakpoint_count(&self) -> usize {
        let tools = self
            .tools
            .iter()
            .filter(|tool| tool.has_cache_control())
            .count();
        let system = self
            .system
            .iter()
            .filter(|block| block.cache_control().is_some())
            .count();
        let messages = self
            .messages
            .iter()
            .flat_map(|message| &message.content)
            .filter(|block| block.cache_control().is_some())
            .count();
        tools + system + messages
    }
}

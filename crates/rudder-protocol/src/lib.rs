//! Plain data shared by every rudder crate.
//!
//! Content blocks, messages, requests and stream events of the Anthropic
//! Messages API; usage; the permission vocabulary (with the built-in
//! secrets list, a pure function over paths); the [`event::AgentEvent`]s
//! the agent reports; and the headless stream-json records. serde only: no
//! I/O, no async, nothing that could make two builds of the same value
//! serialize differently.

pub mod cache;
pub mod content;
pub mod event;
pub mod headless;
pub mod hook;
pub mod message;
pub mod permission;
pub mod request;
pub mod secrets;
pub mod stream;
pub mod usage;

pub use content::{CacheControl, ContentBlock, ImageSource, ToolResultContent};
pub use event::AgentEvent;
pub use message::{AssistantMessage, Message, Role, StopReason};
pub use permission::PermissionMode;
pub use request::{MessagesRequest, ToolDefinition, ToolSpec};
pub use stream::StreamEvent;
pub use usage::Usage;

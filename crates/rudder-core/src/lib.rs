//! rudder's agent: sessions, request building, the turn loop, tool
//! orchestration and transcripts.
//!
//! A front end creates a [`session::Session`] with its services
//! ([`session::SessionDeps`]), submits user turns, and renders the
//! [`rudder_protocol::AgentEvent`]s it receives. This crate never prints.

pub mod accounting;
pub mod agent_tools;
pub mod approvals;
pub mod cache_health;
pub mod catalog;
pub mod checkpoint;
pub mod commands;
pub mod compaction;
pub mod context;
pub mod environment;
pub mod events;
pub mod hooks;
pub mod mcp;
pub mod paths;
pub mod permissions;
pub mod prompt;
pub mod request;
pub mod sandbox_net;
pub mod session;
pub mod skills;
pub mod subagent;
pub mod transcript;
pub mod walk_filter;

pub use events::EventSink;
pub use session::{Session, SessionConfig, SessionDeps, SessionError};

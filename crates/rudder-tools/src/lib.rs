//! rudder's built-in tools, with Claude Code's names, input schemas and
//! semantics (CLAUDE-CODE-INTERFACE.md §2).
//!
//! One module per tool behind the [`Tool`] trait; [`registry`] wires them.
//! Tools never decide permissions and never print.

pub mod read_tracker;
pub mod registry;
pub mod shells;
pub mod state;
pub mod todo;
pub mod tool;

pub use state::SessionToolState;
pub use tool::{SideQuery, SideRequest, Tool, ToolContext, ToolLimits, ToolOutput};

//! rudder's built-in tools, with Claude Code's names, input schemas and
//! semantics (CLAUDE-CODE-INTERFACE.md §2).
//!
//! One module per tool behind the [`Tool`] trait; [`registry`] wires them.
//! Tools never decide permissions and never print.

pub mod edit;
pub mod file_tool;
pub mod fs_util;
pub mod glob;

pub mod multi_edit;
pub mod notebook;
pub mod notebook_edit;
pub mod read;
pub mod read_tracker;
pub mod registry;
pub mod shells;
pub mod state;
pub mod text_edit;
pub mod todo;
pub mod tool;
pub mod walk;
pub mod write;

pub use state::SessionToolState;
pub use tool::{SideQuery, SideRequest, Tool, ToolContext, ToolLimits, ToolOutput};

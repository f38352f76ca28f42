//! rudder's built-in tools, with Claude Code's names, input schemas and
//! semantics (CLAUDE-CODE-INTERFACE.md §2).
//!
//! One module per tool behind the [`Tool`] trait; [`registry`] wires them.
//! Tools never decide permissions and never print.

pub mod bash;
pub mod bash_output;
pub mod command;
pub mod edit;
pub mod file_tool;
pub mod fs_util;
pub mod glob;
pub mod grep;
pub mod kill_shell;
pub mod ls;
pub mod multi_edit;
pub mod notebook;
pub mod notebook_edit;
pub mod read;
pub mod read_tracker;
pub mod registry;
pub mod shells;
pub mod spill;
pub mod state;
pub mod text_edit;
pub mod todo;
pub mod todo_write;
pub mod tool;
pub mod walk;
pub mod web_fetch;
pub mod web_search;
pub mod write;

pub use bash::process::become_child_subreaper;
pub use registry::ToolRegistry;
pub use shells::{ShellInfo, ShellRegistry, ShellStatus};
pub use state::SessionToolState;
pub use tool::{SideQuery, SideRequest, Tool, ToolContext, ToolLimits, ToolOutput};

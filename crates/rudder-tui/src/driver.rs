//! The seam between the TUI and the agent: the [`Driver`] trait the CLI
//! implements over a session, the commands it carries, the status
//! snapshot it reports, and the rows of the pickers it fills (rewind
//! points, memory files).
//!
//! Owns: the vocabulary only (plain data plus one trait). Must never: hold
//! agent logic, import `rudder-core`, or do I/O. The TUI calls the sync
//! methods from its event loop, so they must return quickly.

use std::path::PathBuf;

use futures::future::BoxFuture;
use rudder_protocol::content::ContentBlock;
use rudder_protocol::event::McpServerStatus;
use rudder_protocol::permission::PermissionMode;
use rudder_protocol::usage::Usage;

/// How the TUI drives the agent. Implemented by `rudder-cli` over a session
/// (see the crate docs for a sketch); tests use a fake.
///
/// Contract: every [`Driver::submit`] is answered by exactly one
/// `AgentEvent::TurnEnded` on the event channel given to [`crate::run`],
/// also when the turn fails to start or is interrupted.
pub trait Driver: Send + Sync {
    /// Starts a turn with `prompt`. The TUI calls this only when no turn is
    /// running: messages typed during a turn are queued by the TUI and sent
    /// after `TurnEnded` (Claude Code's queue semantics, USER-PAINS.md §7).
    /// The text may contain `@path` mentions and start with `/name` of a
    /// custom command; expanding both is the driver's job, as in `-p` mode
    /// (CLAUDE-CODE-INTERFACE.md §8). `/init` arrives this way too: it is a
    /// turn of the agent (writing CLAUDE.md), and the driver supplies its
    /// prompt. Image blocks of pasted images follow the text block.
    fn submit(&self, prompt: Vec<ContentBlock>);

    /// Delivers `prompt` to the running turn at its next tool boundary (the
    /// "steer" key). If the turn ends before a tool boundary, the driver
    /// starts a new turn with it right after, as if it had been submitted.
    fn steer(&self, prompt: Vec<ContentBlock>);

    /// Interrupts the running turn (Esc), keeping what was done; a no-op when
    /// idle. The turn still ends with a `TurnEnded` (stop `interrupted`).
    fn interrupt(&self);

    /// Switches the permission mode (Shift+Tab; Claude Code's cycle
    /// default → acceptEdits → plan, CLAUDE-CODE-INTERFACE.md §3.1), i.e.
    /// applies `PermissionUpdate::SetMode` with destination `session`.
    /// Errors: a message to show, e.g. when the mode is disabled by policy.
    fn set_permission_mode(&self, mode: PermissionMode) -> Result<(), String>;

    /// Runs a command that needs the agent. Returns the text to print in the
    /// transcript, or a [`CommandError`]. The TUI runs at most one command
    /// at a time, and only while no turn is running.
    fn command<'a>(&'a self, command: DriverCommand)
    -> BoxFuture<'a, Result<String, CommandError>>;

    /// The person's messages a rewind can return to, oldest first, for the
    /// rewind picker (Esc Esc, `/rewind`). The TUI asks only while no turn
    /// runs. Errors: [`CommandError::Failed`] with a message to show.
    fn rewind_points<'a>(&'a self) -> BoxFuture<'a, Result<Vec<RewindChoice>, CommandError>>;

    /// The memory files `/memory` offers to open in the editor: the
    /// standard places (project, project-local, user) whether or not they
    /// exist yet, then every other file loaded into the context. Quick
    /// (file metadata only).
    fn memory_files(&self) -> Vec<MemoryChoice>;

    /// Reads the image file at `path` (relative to the session's working
    /// directory unless absolute) into an `image` content block (base64),
    /// for a pasted or dropped image. Errors: a message to show — not an
    /// image, too large (with the limit), unreadable — or
    /// [`ImageError::NotFound`] when no such file exists, so the TUI can
    /// insert the pasted text as text instead.
    fn load_image<'a>(&'a self, path: PathBuf) -> BoxFuture<'a, Result<ContentBlock, ImageError>>;

    /// Turns image bytes the TUI read from the system clipboard (Ctrl+V,
    /// Claude Code's "paste image") into an `image` content block with the
    /// same rules as [`Driver::load_image`]: type by content, same size
    /// limit, base64. At most 16 MiB arrive (`clipboard.rs`). Called off
    /// the event loop, from a task. Errors: [`ImageError::Refused`] with a
    /// message to show (not an image, too large, with the limit).
    fn image_from_clipboard(&self, bytes: Vec<u8>) -> Result<ContentBlock, ImageError>;

    /// The person answered the project MCP server dialog for `server` (a
    /// `.mcp.json` server no setting approves or rejects, listed in
    /// [`crate::TuiOptions::mcp_servers_to_approve`]). The driver saves
    /// the answer (Claude Code's settings keys, CLAUDE-CODE-INTERFACE.md
    /// §6) and starts the server, or every waiting one for
    /// [`McpServerChoice::UseAll`], in this session; it must return at
    /// once and report the outcome as a notice event.
    fn choose_mcp_server(&self, server: &str, choice: McpServerChoice);

    /// A snapshot for `/context`, `/cost`, `/status` and the status line.
    /// Must not block on a running turn: stale numbers are fine, the TUI
    /// patches model and usage from the events it sees.
    fn status(&self) -> StatusSnapshot;
}

/// A built-in command the TUI cannot answer on its own
/// (CLAUDE-CODE-INTERFACE.md §8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriverCommand {
    /// `/compact [instructions]`: summarise the conversation.
    Compact {
        /// Extra instructions for the summary, if given.
        instructions: Option<String>,
    },
    /// `/clear`: start a fresh conversation.
    Clear,
    /// `/model [name]`: show (`None`) or switch the model.
    Model {
        /// The model to switch to.
        model: Option<String>,
    },
    /// `/resume [id]`: list sessions (`None`) or resume one.
    Resume {
        /// Session id or search text.
        session: Option<String>,
    },
    /// `/rewind [target]`: list checkpoints (`None`) or restore one.
    Rewind {
        /// Which message, then optionally `both`, `code` or
        /// `conversation`: a number of the driver's list (1 is the latest)
        /// or a [`RewindChoice::id`], e.g. `2 code`.
        target: Option<String>,
    },
    /// `!command`: run a shell command directly, through the permission
    /// policy and the Bash tool's limits; returns its output.
    Shell {
        /// The command line after `!`.
        command: String,
    },
    /// Any other built-in that shows text (`/memory` without an editor,
    /// `/permissions`, `/hooks`, `/config`, `/agents`, `/doctor`).
    /// Unsupported ones answer [`CommandError::Unsupported`].
    Other {
        /// Command name without the slash, e.g. `memory`.
        name: String,
        /// Everything after the name, trimmed.
        args: String,
    },
}

/// An answer of the project MCP server dialog (Claude Code's three
/// options, CLAUDE-CODE-INTERFACE.md §6 "Project server approval").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McpServerChoice {
    /// "Use this and all future MCP servers in this project"
    /// (`enableAllProjectMcpServers: true`).
    UseAll,
    /// "Use this MCP server" (the name joins `enabledMcpjsonServers`).
    Use,
    /// "Continue without using this MCP server" (the name joins
    /// `disabledMcpjsonServers`).
    Decline,
}

/// Why a [`DriverCommand`] produced no output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The driver does not implement this command yet; the TUI says
    /// "not available yet".
    #[error("not available yet")]
    Unsupported,
    /// The command ran and failed; the message is shown as an error.
    #[error("{0}")]
    Failed(String),
}

/// Why a pasted image was not attached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// No file at that path: the paste was text that looked like a path.
    #[error("no such file")]
    NotFound,
    /// The file is there but cannot be attached; the message says why.
    #[error("{0}")]
    Refused(String),
}

/// One of the person's messages in the rewind picker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RewindChoice {
    /// What identifies it in [`DriverCommand::Rewind`]'s target (the
    /// message's transcript uuid for the CLI's driver).
    pub id: String,
    /// The message on one line.
    pub preview: String,
    /// Whether its files can be put back (a checkpoint exists for it).
    pub code: bool,
    /// Files changed since it (as the person would name them), which a
    /// code rewind restores.
    pub files: Vec<String>,
}

/// A memory file `/memory` can open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryChoice {
    /// What it is, e.g. `Project memory`, `User memory`.
    pub label: String,
    /// The file.
    pub path: PathBuf,
    /// Whether it exists (opening a missing one creates it).
    pub exists: bool,
}

/// One row of `/context`: what occupies the context window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextPart {
    /// e.g. `System prompt`, `System tools`, `Memory files`, `Messages`.
    pub name: String,
    /// Estimated tokens.
    pub tokens: u64,
}

/// What the TUI shows about the session: status line, `/status`, `/cost`,
/// `/context`, and the `statusLine` command's stdin JSON
/// (CLAUDE-CODE-INTERFACE.md §9.5). Plain data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusSnapshot {
    /// Session id (UUID).
    pub session_id: String,
    /// Path of the session's transcript file.
    pub transcript_path: String,
    /// Current working directory.
    pub cwd: String,
    /// Project root (where `.claude/` lives).
    pub project_dir: String,
    /// Model id, e.g. `claude-sonnet-4-5`.
    pub model: String,
    /// Human name of the model, e.g. `Sonnet 4.5`; empty means use `model`.
    pub model_display_name: String,
    /// rudder's version.
    pub version: String,
    /// Output style name.
    pub output_style: String,
    /// Permission mode in force.
    pub permission_mode: PermissionMode,
    /// Context window of the model in tokens.
    pub context_window: u64,
    /// What fills the context, for `/context` (may be empty).
    pub context_parts: Vec<ContextPart>,
    /// Usage summed over the session.
    pub total_usage: Usage,
    /// Usage of the last model request (context size, cache-hit %).
    pub last_usage: Option<Usage>,
    /// Session cost in US dollars.
    pub total_cost_usd: f64,
    /// Wall time of the session's turns in milliseconds.
    pub total_duration_ms: u64,
    /// Time spent waiting on the model API in milliseconds.
    pub total_api_duration_ms: u64,
    /// Lines added by edits this session.
    pub lines_added: u64,
    /// Lines removed by edits this session.
    pub lines_removed: u64,
    /// MCP servers and their state, for `/mcp`.
    pub mcp_servers: Vec<McpServerStatus>,
}

impl StatusSnapshot {
    /// Tokens the last request put in the context (all input plus output),
    /// or 0 before the first request.
    pub fn context_used(&self) -> u64 {
        self.last_usage
            .as_ref()
            .map_or(0, |usage| usage.total_input_tokens() + usage.output_tokens)
    }

    /// Percentage of the last request's input read from the prompt cache,
    /// or `None` before the first request.
    pub fn cache_hit_percent(&self) -> Option<u8> {
        let usage = self.last_usage.as_ref()?;
        let total = usage.total_input_tokens();
        if total == 0 {
            return None;
        }
        let percent = usage.cache_read_input_tokens.saturating_mul(100) / total;
        Some(u8::try_from(percent.min(100)).unwrap_or(100))
    }
}

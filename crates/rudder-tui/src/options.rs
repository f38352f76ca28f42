//! Settings the CLI hands the TUI when it starts it.
//!
//! Owns: plain configuration data and its defaults. Must never: read
//! settings files itself (rudder-config does that; the CLI maps the result
//! here).

use std::path::PathBuf;

/// How the user is told that a turn ended or an approval waits while the
/// terminal is not focused (USER-PAINS.md §7 "Notifications").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Notification {
    /// Nothing.
    Off,
    /// The terminal bell (BEL).
    #[default]
    Bell,
    /// An OSC 9 desktop notification (iTerm2, kitty, WezTerm, foot …).
    Osc9,
}

/// A custom slash command (`.claude/commands/*.md`, skills) offered in the
/// `/` palette. Running one submits `/name args` as a prompt; the driver
/// expands it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomCommand {
    /// Name without the slash.
    pub name: String,
    /// One-line description shown in the palette.
    pub description: String,
}

/// Claude Code's `statusLine` setting (CLAUDE-CODE-INTERFACE.md §9.5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusLineCommand {
    /// Shell command run with `sh -c`, the status JSON on its stdin.
    pub command: String,
}

/// A project (`.mcp.json`) MCP server waiting for the person's approval,
/// put to them in a dialog when the TUI starts (Claude Code's project
/// server approval, CLAUDE-CODE-INTERFACE.md §6).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct McpServerQuestion {
    /// The server's name in `.mcp.json`.
    pub name: String,
    /// What it runs or reaches, as written: the command line of a stdio
    /// server, the URL of a remote one.
    pub target: String,
}

/// Everything [`crate::run`] needs besides the driver and its channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TuiOptions {
    /// Project root: `@` completion lists its files (gitignore-aware).
    pub project_dir: PathBuf,
    /// Where prompt history is kept (one JSON string per line); `None`
    /// keeps it in memory only.
    pub history_path: Option<PathBuf>,
    /// Most history entries kept (older ones are dropped from the file).
    pub history_limit: usize,
    /// Custom commands for the `/` palette.
    pub custom_commands: Vec<CustomCommand>,
    /// Whether Shift+Tab may reach `bypassPermissions`.
    pub allow_bypass: bool,
    /// The `statusLine` command, if configured.
    pub status_line: Option<StatusLineCommand>,
    /// How to notify when unfocused.
    pub notification: Notification,
    /// A prompt to submit as soon as the TUI starts (`rudder "prompt"`).
    pub initial_prompt: Option<String>,
    /// The editor `/memory` opens files in (`$VISUAL`, else `$EDITOR`; run
    /// with `sh -c` and the file as its last argument). `None`: `/memory`
    /// lists the files instead.
    pub editor: Option<String>,
    /// Project MCP servers to ask about at start-up, one at a time, before
    /// the prompt takes keys (the initial prompt waits for the answers).
    pub mcp_servers_to_approve: Vec<McpServerQuestion>,
}

impl Default for TuiOptions {
    fn default() -> Self {
        Self {
            project_dir: PathBuf::from("."),
            history_path: None,
            history_limit: 1000,
            custom_commands: Vec::new(),
            allow_bypass: false,
            status_line: None,
            notification: Notification::default(),
            initial_prompt: None,
            editor: None,
            mcp_servers_to_approve: Vec::new(),
        }
    }
}

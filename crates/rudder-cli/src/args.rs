//! Command-line arguments: Claude Code's flags (CLAUDE-CODE-INTERFACE.md
//! §1.1, and the ones the Agent SDK passes, §10.4) plus rudder's own
//! (`--print-request`, `--trust`, `--provider`, `--base-url`).
//!
//! Flags a script may pass that rudder does not act on yet are accepted and
//! reported once on stderr rather than failing the run.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// How results are printed in headless mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// The final answer text only.
    Text,
    /// One JSON result object.
    Json,
    /// Newline-delimited JSON events (needs `--verbose`).
    StreamJson,
}

/// How input is read in headless mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// The prompt argument and/or stdin text.
    Text,
    /// Newline-delimited JSON user messages and control requests.
    StreamJson,
}

/// rudder: an agentic coding CLI.
#[derive(Debug, Parser)]
#[command(name = "rudder", disable_version_flag = true, about, long_about = None)]
pub struct Args {
    /// Subcommands (`config`, `doctor`, …).
    #[command(subcommand)]
    pub command: Option<Command>,

    /// The prompt. With `-p`, stdin (when piped) is appended to it.
    pub prompt: Option<String>,

    /// Non-interactive: run the prompt, print the result, exit.
    #[arg(short = 'p', long = "print")]
    pub print: bool,

    /// Print the version and exit.
    #[arg(short = 'v', long = "version")]
    pub version: bool,

    /// Output format of headless runs.
    #[arg(long, value_enum, default_value = "text")]
    pub output_format: OutputFormat,

    /// Input format of headless runs (stream-json implies headless).
    #[arg(long, value_enum, default_value = "text")]
    pub input_format: InputFormat,

    /// Full turn-by-turn output (required by stream-json output).
    #[arg(long)]
    pub verbose: bool,

    /// Emit raw API stream events as `stream_event` records.
    #[arg(long)]
    pub include_partial_messages: bool,

    /// Echo stdin user messages back on stdout (stream-json in and out).
    #[arg(long)]
    pub replay_user_messages: bool,

    /// Model id or alias (sonnet, opus, haiku).
    #[arg(long)]
    pub model: Option<String>,

    /// Fallback models, comma-separated, used when the model is overloaded.
    #[arg(long)]
    pub fallback_model: Option<String>,

    /// Stop after this many model requests.
    #[arg(long)]
    pub max_turns: Option<u32>,

    /// Stop when the session's cost reaches this many US dollars.
    #[arg(long)]
    pub max_budget_usd: Option<f64>,

    /// Replace the system prompt.
    #[arg(long, allow_hyphen_values = true)]
    pub system_prompt: Option<String>,

    /// Replace the system prompt with a file's content.
    #[arg(long, conflicts_with = "system_prompt")]
    pub system_prompt_file: Option<PathBuf>,

    /// Append to the system prompt.
    #[arg(long, allow_hyphen_values = true)]
    pub append_system_prompt: Option<String>,

    /// Append a file's content to the system prompt.
    #[arg(long)]
    pub append_system_prompt_file: Option<PathBuf>,

    /// Use this session id (a UUID).
    #[arg(long)]
    pub session_id: Option<String>,

    /// Continue the most recent session in this directory.
    #[arg(short = 'c', long = "continue")]
    pub continue_session: bool,

    /// Resume a session by id.
    #[arg(short = 'r', long, num_args = 0..=1, default_missing_value = "")]
    pub resume: Option<String>,

    /// With --resume/--continue: start a new session id from the old one.
    #[arg(long)]
    pub fork_session: bool,

    /// Do not write a transcript.
    #[arg(long)]
    pub no_session_persistence: bool,

    /// Permission mode: default, acceptEdits, plan, dontAsk, bypassPermissions.
    #[arg(long)]
    pub permission_mode: Option<String>,

    /// Same as --permission-mode bypassPermissions.
    #[arg(long)]
    pub dangerously_skip_permissions: bool,

    /// Make bypassPermissions available without starting in it.
    #[arg(long)]
    pub allow_dangerously_skip_permissions: bool,

    /// Allow rules, comma- or space-separated (e.g. "Bash(git log:*)" Read).
    #[arg(long = "allowedTools", visible_alias = "allowed-tools", num_args = 1.., value_delimiter = ',')]
    pub allowed_tools: Vec<String>,

    /// Deny rules; a bare tool name removes the tool.
    #[arg(long = "disallowedTools", visible_alias = "disallowed-tools", num_args = 1.., value_delimiter = ',')]
    pub disallowed_tools: Vec<String>,

    /// Restrict the built-in tools: "" none, "default" all, or "Bash,Edit,Read".
    #[arg(long)]
    pub tools: Option<String>,

    /// Who answers permission prompts in headless mode: `stdio` (the Agent
    /// SDK control protocol) or an MCP tool name.
    #[arg(long)]
    pub permission_prompt_tool: Option<String>,

    /// Extra working directories.
    #[arg(long = "add-dir", num_args = 1..)]
    pub add_dir: Vec<PathBuf>,

    /// An extra settings layer: a file path or a JSON string.
    #[arg(long)]
    pub settings: Option<String>,

    /// Which settings files to load: user,project,local (empty: none).
    #[arg(long)]
    pub setting_sources: Option<String>,

    /// MCP server configuration files or JSON strings.
    #[arg(long, num_args = 1..)]
    pub mcp_config: Vec<String>,

    /// Use only the servers from --mcp-config.
    #[arg(long)]
    pub strict_mcp_config: bool,

    /// Subagent definitions as JSON.
    #[arg(long)]
    pub agents: Option<String>,

    /// Load no custom slash commands and no skills.
    #[arg(long)]
    pub disable_slash_commands: bool,

    /// Extra `anthropic-beta` header values, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub betas: Vec<String>,

    /// Extended thinking budget in tokens.
    #[arg(long)]
    pub max_thinking_tokens: Option<u32>,

    /// `adaptive`, `enabled` or `disabled` (accepted for SDK compatibility).
    #[arg(long)]
    pub thinking: Option<String>,

    /// Trust this folder for this run (project hooks, MCP servers and env apply).
    #[arg(long)]
    pub trust: bool,

    /// Write every request body, byte for byte, to this file (`-` = stderr).
    #[arg(long, value_name = "FILE")]
    pub print_request: Option<String>,

    /// Provider of the model API: anthropic or openai.
    #[arg(long)]
    pub provider: Option<String>,

    /// Base URL of the model API.
    #[arg(long)]
    pub base_url: Option<String>,

    /// Print a `system/hook_started` and `system/hook_response` record for
    /// every hook run (stream-json output).
    #[arg(long)]
    pub include_hook_events: bool,

    /// Accepted for compatibility; not acted on yet.
    #[arg(long, hide = true)]
    pub json_schema: Option<String>,

    /// Accepted for compatibility; not acted on yet.
    #[arg(long, hide = true)]
    pub effort: Option<String>,

    /// Accepted for compatibility; not acted on yet.
    #[arg(long, hide = true, num_args = 1..)]
    pub plugin_dir: Vec<PathBuf>,

    /// Diagnostic logs on stderr, optionally with a `tracing` filter
    /// (e.g. `rudder_model=trace`).
    #[arg(long, num_args = 0..=1, value_name = "FILTER")]
    pub debug: Option<Option<String>>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the merged settings and where each value came from.
    Config,
    /// Trust a folder: its project settings (hooks, MCP servers, env,
    /// apiKeyHelper, permissions) apply in every later session under it.
    Trust {
        /// The folder (default: the current one). A folder inside a git
        /// repository trusts the whole repository.
        dir: Option<PathBuf>,
    },
    /// Check the setup: the endpoint answers and lists its models; the
    /// provider, key source, model, trust and sandbox in use.
    Doctor,
    /// Configure MCP servers, check them, or serve rudder's tools over MCP.
    Mcp {
        /// What to do.
        #[command(subcommand)]
        command: crate::mcp_cmd::McpCommand,
    },
}

impl Args {
    /// Whether this run is headless (no TUI).
    pub fn is_headless(&self) -> bool {
        self.print || self.input_format == InputFormat::StreamJson
    }

    /// Flags that were given but are not acted on yet, for a one-time notice.
    pub fn ignored_flags(&self) -> Vec<&'static str> {
        let mut ignored = Vec::new();
        if self.json_schema.is_some() {
            ignored.push("--json-schema");
        }
        if self.effort.is_some() {
            ignored.push("--effort");
        }
        if !self.plugin_dir.is_empty() {
            ignored.push("--plugin-dir");
        }
        ignored
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_agent_sdk_command_line() {
        let args = Args::try_parse_from([
            "rudder",
            "--output-format",
            "stream-json",
            "--verbose",
            "--system-prompt",
            "",
            "--allowedTools",
            "Read,Bash(git log:*)",
            "--max-turns",
            "3",
            "--permission-prompt-tool",
            "stdio",
            "--resume=abc",
            "--setting-sources=user,project",
            "--input-format",
            "stream-json",
        ])
        .unwrap();
        assert!(args.is_headless());
        assert_eq!(args.system_prompt.as_deref(), Some(""));
        assert_eq!(args.allowed_tools, ["Read", "Bash(git log:*)"]);
        assert_eq!(args.resume.as_deref(), Some("abc"));
        assert_eq!(args.max_turns, Some(3));
    }

    #[test]
    fn print_mode_takes_a_positional_prompt() {
        let args =
            Args::try_parse_from(["rudder", "-p", "fix the test", "--output-format", "json"])
                .unwrap();
        assert!(args.print);
        assert_eq!(args.prompt.as_deref(), Some("fix the test"));
        assert_eq!(args.output_format, OutputFormat::Json);
    }
}

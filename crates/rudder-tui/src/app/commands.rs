//! Slash commands: the palette's built-in list, what the TUI answers
//! itself from the status snapshot (`/help`, `/context`, `/cost`,
//! `/status`, `/todos`, `/mcp`, `/exit`), what opens a picker (`/rewind`
//! without arguments, `/memory` when an editor is set), what is a turn of
//! the agent (`/init`, custom commands: sent as prompts), and what goes to
//! the driver as a [`DriverCommand`].
//!
//! Owns: command names, parsing and display text (CLAUDE-CODE-INTERFACE.md
//! §8). Must never: implement agent behaviour (compaction, model switch,
//! rewind, the `/init` prompt …); those belong to the driver.

use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

use super::{App, Effect};
use crate::complete::CommandInfo;
use crate::driver::{CommandError, DriverCommand};
use crate::render::tool::OUTPUT_LINES;
use crate::render::{dim, fold, prefix_lines, sanitize, tokens};
use crate::todo::todo_lines;

/// Built-in commands and their palette descriptions.
pub(super) const BUILTINS: &[(&str, &str)] = &[
    ("help", "Show every command and key"),
    ("clear", "Clear the conversation and start fresh"),
    ("compact", "Summarise the conversation [instructions]"),
    ("context", "Show what fills the context window"),
    ("cost", "Show the session's cost and token usage"),
    ("model", "Show or switch the model [name]"),
    ("resume", "Resume an earlier session [id]"),
    ("rewind", "Restore code and/or conversation to a checkpoint"),
    ("memory", "Open a memory file (CLAUDE.md) in your editor"),
    ("init", "Have the agent write a CLAUDE.md for this project"),
    ("permissions", "Show the permission mode and rules"),
    ("mcp", "Show MCP servers"),
    ("agents", "List subagent types with their tools and model"),
    ("hooks", "List the hooks in force"),
    (
        "config",
        "Show the settings and the file each value comes from",
    ),
    ("status", "Show session, model and account status"),
    ("todos", "Show the todo list"),
    ("doctor", "Check the installation"),
    ("exit", "Leave rudder"),
];

/// Other names of built-ins: `(alias, command)`.
pub(super) const ALIASES: &[(&str, &str)] = &[
    ("quit", "exit"),
    ("reset", "clear"),
    ("new", "clear"),
    ("checkpoint", "rewind"),
];

/// The built-in commands for the palette.
pub(crate) fn builtin_commands() -> Vec<CommandInfo> {
    BUILTINS
        .iter()
        .map(|(name, description)| CommandInfo {
            name: (*name).to_owned(),
            description: (*description).to_owned(),
        })
        .collect()
}

impl App {
    /// Runs `/name args`. Returns false when it is a custom command, which
    /// the caller sends as a prompt.
    pub(super) fn run_slash(&mut self, text: &str) -> bool {
        let body = text.trim_start_matches('/');
        let (name, args) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
        let args = args.trim().to_owned();
        let some = |args: &str| (!args.is_empty()).then(|| args.to_owned());
        let builtin = BUILTINS.iter().any(|(builtin, _)| *builtin == name)
            || ALIASES.iter().any(|(alias, _)| *alias == name);
        if (!builtin && self.is_custom(name)) || name == "init" {
            // A turn of the agent, sent as a prompt: the driver expands it
            // (a custom command's body, `/init`'s survey prompt) and the
            // session echoes it.
            return false;
        }
        self.commit(vec![Line::from(Span::styled(
            format!("> {}", sanitize(text)),
            dim(),
        ))]);
        match name {
            "help" => self.commit(self.help_lines()),
            "exit" | "quit" => self.effects.push(Effect::Exit),
            "context" => self.show_context(),
            "cost" => self.show_cost(),
            "status" => self.show_status(),
            "todos" => {
                let lines = if self.todos.is_empty() {
                    vec![Line::from("No todos.")]
                } else {
                    todo_lines(&self.todos)
                };
                self.commit(lines);
            }
            "mcp" => self.show_mcp(),
            "memory" if self.options.editor.is_some() => self.open_memory(),
            "rewind" | "checkpoint" if args.is_empty() => self.open_rewind(),
            "clear" | "reset" | "new" => self.run_command(text, DriverCommand::Clear),
            "compact" => self.run_command(
                text,
                DriverCommand::Compact {
                    instructions: some(&args),
                },
            ),
            "model" => self.run_command(text, DriverCommand::Model { model: some(&args) }),
            "resume" => self.run_command(
                text,
                DriverCommand::Resume {
                    session: some(&args),
                },
            ),
            "rewind" | "checkpoint" => self.run_command(
                text,
                DriverCommand::Rewind {
                    target: some(&args),
                },
            ),
            _ if builtin => {
                self.run_command(
                    text,
                    DriverCommand::Other {
                        name: name.to_owned(),
                        args,
                    },
                );
            }
            _ => self.commit_notice(&format!("Unknown command: /{name} (try /help)"), Color::Red),
        }
        true
    }

    fn is_custom(&self, name: &str) -> bool {
        self.options
            .custom_commands
            .iter()
            .any(|command| command.name == name)
            || self
                .info
                .as_ref()
                .is_some_and(|info| info.slash_commands.iter().any(|command| command == name))
    }

    /// Hands a command to the driver, unless a turn or command is running.
    pub(super) fn run_command(&mut self, label: &str, command: DriverCommand) {
        if self.turn.is_some() || self.command_running.is_some() {
            self.commit_notice(
                &format!("{label} runs when the agent is idle (Esc interrupts)."),
                Color::Yellow,
            );
            return;
        }
        if matches!(command, DriverCommand::Shell { .. }) {
            self.commit(vec![Line::from(Span::styled(
                sanitize(label),
                Style::new().fg(Color::Magenta),
            ))]);
        }
        self.command_running = Some(label.to_owned());
        self.effects.push(Effect::Command(command));
        self.dirty = true;
    }

    /// A driver command finished.
    pub(crate) fn on_command_result(&mut self, result: Result<String, CommandError>) {
        let label = self.command_running.take().unwrap_or_default();
        match result {
            Ok(text) if text.trim().is_empty() => {}
            Ok(text) => {
                let lines: Vec<Line<'static>> = sanitize(text.trim_end())
                    .lines()
                    .map(|l| Line::from(l.to_owned()))
                    .collect();
                let max = if label.starts_with('!') {
                    OUTPUT_LINES * 2
                } else {
                    usize::MAX - 1
                };
                let lines = fold(lines, max, "");
                self.commit(prefix_lines(
                    lines,
                    Span::styled("⎿  ", dim()),
                    Span::raw("   "),
                ));
            }
            Err(CommandError::Unsupported) => {
                self.commit_notice(&format!("{label} is not available yet"), Color::Yellow);
            }
            Err(CommandError::Failed(message)) => self.commit_notice(&message, Color::Red),
        }
        if label.starts_with("/clear") || label.starts_with("/reset") || label.starts_with("/new") {
            self.todos.clear();
            self.tools.clear();
        }
        self.refresh_status();
        self.drain_queue();
    }

    fn show_context(&mut self) {
        self.status = self.driver.status();
        let used = self.status.context_used();
        let window = self.status.context_window.max(1);
        let percent = used.saturating_mul(100) / window;
        let filled = usize::try_from((used.saturating_mul(20) / window).min(20)).unwrap_or(20);
        let mut lines = vec![Line::from(vec![
            Span::styled("⛁ ".repeat(filled), Style::new().fg(Color::Cyan)),
            Span::styled("⛶ ".repeat(20 - filled), dim()),
        ])];
        lines.push(Line::from(format!(
            "{} · {} / {} tokens ({percent}%)",
            self.status.model,
            tokens(used),
            tokens(self.status.context_window)
        )));
        for part in &self.status.context_parts {
            let share = part.tokens.saturating_mul(1000) / window;
            lines.push(Line::from(vec![
                Span::raw(format!("  {:<18}", part.name)),
                Span::styled(
                    format!("{} ({}.{}%)", tokens(part.tokens), share / 10, share % 10),
                    dim(),
                ),
            ]));
        }
        self.commit(lines);
    }

    fn show_cost(&mut self) {
        self.status = self.driver.status();
        let status = &self.status;
        let usage = &status.total_usage;
        let text = format!(
            "Total cost:            ${:.4}\n\
             Total duration (API):  {}\n\
             Total duration (wall): {}\n\
             Total code changes:    {} lines added, {} lines removed\n\
             Usage:                 {} input, {} output, {} cache read, {} cache write",
            status.total_cost_usd,
            duration(status.total_api_duration_ms),
            duration(status.total_duration_ms),
            status.lines_added,
            status.lines_removed,
            tokens(usage.input_tokens),
            tokens(usage.output_tokens),
            tokens(usage.cache_read_input_tokens),
            tokens(usage.cache_creation_input_tokens),
        );
        self.commit_notice(&text, Color::Reset);
    }

    fn show_status(&mut self) {
        self.status = self.driver.status();
        let status = &self.status;
        let text = format!(
            "Version:         {}\nSession:         {}\nModel:           {}\nWorking dir:     {}\n\
             Permission mode: {}\nTranscript:      {}\nMCP servers:     {}",
            status.version,
            status.session_id,
            status.model,
            status.cwd,
            status.permission_mode,
            status.transcript_path,
            status.mcp_servers.len(),
        );
        self.commit_notice(&text, Color::Reset);
    }

    fn show_mcp(&mut self) {
        self.status = self.driver.status();
        let text = if self.status.mcp_servers.is_empty() {
            "No MCP servers configured.".to_owned()
        } else {
            self.status
                .mcp_servers
                .iter()
                .map(|server| format!("{} · {}", server.name, server.status))
                .collect::<Vec<_>>()
                .join("\n")
        };
        self.commit_notice(&text, Color::Reset);
    }
}

/// `1m 5s`, `12s`, `0.4s`.
fn duration(ms: u64) -> String {
    if ms < 1_000 {
        format!("{:.1}s", ms as f64 / 1_000.0)
    } else if ms < 60_000 {
        format!("{}s", ms / 1_000)
    } else {
        format!("{}m {}s", ms / 60_000, (ms % 60_000) / 1_000)
    }
}

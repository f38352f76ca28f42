//! `/help`: every built-in command (with its other names), every custom
//! command and skill with its description, and the keys.
//!
//! Owns: the help text. Must never: list a command the prompt would not
//! run.

use ratatui::text::{Line, Span};

use super::App;
use super::commands::{ALIASES, BUILTINS};
use crate::render::{bold, dim};

/// Keys shown by `/help`.
const KEYS: &[(&str, &str)] = &[
    ("Enter", "send (queued while the agent works)"),
    ("Alt+Enter", "steer: deliver at the next tool boundary"),
    ("Shift+Enter, Ctrl+J, \\ Enter", "new line"),
    ("Esc", "interrupt the agent"),
    (
        "Esc Esc",
        "rewind picker (empty prompt), or clear the prompt",
    ),
    ("Shift+Tab", "cycle permission mode"),
    ("@", "mention a file; / commands; ! shell command"),
    (
        "drop or paste an image file",
        "attach it to the prompt as [Image #1]",
    ),
    ("Ctrl+V", "attach the image in the clipboard"),
    ("Up / Down", "history"),
    ("Ctrl+C twice, Ctrl+D", "exit"),
];

/// Width of the name column.
const NAME_COLUMN: usize = 16;

fn row(name: String, description: &str) -> Line<'static> {
    let description = if description.trim().is_empty() {
        "(no description)".to_owned()
    } else {
        description.to_owned()
    };
    Line::from(vec![
        Span::raw(format!("  {name:<NAME_COLUMN$}")),
        Span::styled(description, dim()),
    ])
}

impl App {
    /// The lines `/help` prints.
    pub(super) fn help_lines(&self) -> Vec<Line<'static>> {
        let mut lines = vec![Line::from(Span::styled("Built-in commands", bold()))];
        for (name, description) in BUILTINS {
            let aliases: Vec<String> = ALIASES
                .iter()
                .filter(|(_, command)| command == name)
                .map(|(alias, _)| format!("/{alias}"))
                .collect();
            let description = if aliases.is_empty() {
                (*description).to_owned()
            } else {
                format!("{description} (also {})", aliases.join(", "))
            };
            lines.push(row(format!("/{name}"), &description));
        }
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            "Custom commands and skills",
            bold(),
        )));
        let custom: Vec<_> = self
            .commands
            .iter()
            .filter(|command| !BUILTINS.iter().any(|(name, _)| *name == command.name))
            .collect();
        if custom.is_empty() {
            lines.push(Line::from(Span::styled(
                "  none: add Markdown files to .claude/commands/ or skills to .claude/skills/",
                dim(),
            )));
        }
        for command in custom {
            lines.push(row(format!("/{}", command.name), &command.description));
        }
        lines.push(Line::default());
        lines.push(Line::from(Span::styled("Keys", bold())));
        for (key, meaning) in KEYS {
            lines.push(Line::from(vec![
                Span::raw(format!("  {key:<30}")),
                Span::styled((*meaning).to_owned(), dim()),
            ]));
        }
        lines
    }
}

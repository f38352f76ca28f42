//! Key and paste handling for the prompt: editing, history, completion,
//! submit / queue / steer, interrupt, mode cycling, pasted (or dropped)
//! image files, and Ctrl+V for an image in the clipboard.
//!
//! Owns: the key map (documented on [`App::on_key`]). Must never: do I/O;
//! slow work leaves as an [`Effect`].

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::style::Color;

use super::{App, Effect};
use crate::complete::CompletionKind;
use crate::driver::DriverCommand;
use crate::editor::Prompt;

/// Two presses of Esc or Ctrl+C closer than this count as a double press.
pub(crate) const DOUBLE_PRESS: Duration = Duration::from_millis(800);

impl App {
    /// Handles one key at time `now`.
    ///
    /// Keys (Claude Code's, CLAUDE-CODE-INTERFACE.md and issue 8):
    /// Enter sends (queued while a turn runs); Shift+Enter, Ctrl+J or a
    /// trailing `\` before Enter insert a newline; **Alt+Enter steers**: while
    /// a turn runs it delivers the prompt at the next tool boundary (idle, it
    /// sends like Enter); Up/Down move between lines, then through history;
    /// Tab or Enter accept a completion; Esc closes completion, interrupts a
    /// running turn (queued prompts come back to the editor), and Esc Esc
    /// when idle opens the rewind picker (empty prompt) or clears the
    /// prompt; the MCP server dialog (`mcp.rs`) and an open picker (see
    /// [`App::picker_key`]) take the keys;
    /// Shift+Tab cycles the permission mode; Ctrl+C clears the prompt,
    /// interrupts, or twice exits; Ctrl+D on an empty prompt exits;
    /// Ctrl+A/E/U/K/W edit like a shell; Ctrl+V attaches the image in the
    /// system clipboard (Claude Code's image paste; the terminal pastes
    /// text only, so the event loop reads the clipboard itself).
    pub(crate) fn on_key(&mut self, key: KeyEvent, now: Instant) {
        if key.kind == KeyEventKind::Release {
            return;
        }
        self.dirty = true;
        if !self.approvals.is_empty() {
            self.approval_key(key);
            return;
        }
        if self.mcp_question().is_some() {
            self.mcp_key(key, now);
            return;
        }
        if self.picker.is_some() {
            self.picker_key(key);
            return;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('c') if ctrl => self.ctrl_c(now),
            KeyCode::Char('d') if ctrl && self.editor.is_empty() => self.effects.push(Effect::Exit),
            KeyCode::Esc => self.escape(now),
            KeyCode::BackTab => self.cycle_mode(),
            KeyCode::Up if self.completion.is_some() => self.move_selection(-1),
            KeyCode::Down if self.completion.is_some() => self.move_selection(1),
            KeyCode::Tab if self.completion.is_some() => {
                self.accept_completion();
            }
            KeyCode::Enter if self.completion.is_some() && key.modifiers.is_empty() => {
                self.enter_completion()
            }
            KeyCode::Enter => self.enter(key.modifiers),
            KeyCode::Char('j') if ctrl => self.edit(|editor| editor.insert_char('\n')),
            KeyCode::Char('a') if ctrl => self.edit(|editor| editor.home()),
            KeyCode::Char('e') if ctrl => self.edit(|editor| editor.end()),
            KeyCode::Char('u') if ctrl => self.edit(|editor| editor.kill_line_before()),
            KeyCode::Char('k') if ctrl => self.edit(|editor| editor.kill_line_after()),
            KeyCode::Char('w') if ctrl => self.edit(|editor| editor.delete_word()),
            KeyCode::Char('v') if ctrl => self.effects.push(Effect::ReadClipboardImage),
            KeyCode::Char(ch) if !ctrl => self.edit(|editor| editor.insert_char(ch)),
            KeyCode::Backspace => self.edit(|editor| editor.backspace()),
            KeyCode::Delete => self.edit(|editor| editor.delete()),
            KeyCode::Left => self.edit(|editor| editor.left()),
            KeyCode::Right => self.edit(|editor| editor.right()),
            KeyCode::Home => self.edit(|editor| editor.home()),
            KeyCode::End => self.edit(|editor| editor.end()),
            KeyCode::Up => self.up(),
            KeyCode::Down => self.down(),
            _ => {}
        }
    }

    /// Handles a bracketed paste. The path of an image file (as terminals
    /// paste a dropped file, see `dropped.rs`) is read by the driver and
    /// attached as `[Image #n]`; other text goes into the prompt.
    pub(crate) fn on_paste(&mut self, text: &str) {
        self.dirty = true;
        if !self.approvals.is_empty() {
            if let Some(feedback) = &mut self.approval_ui.feedback {
                feedback.push_str(&text.replace(['\r', '\n'], " "));
            }
            return;
        }
        if self.picker.is_some() || self.mcp_question().is_some() {
            return;
        }
        if let Some(path) = crate::dropped::image_path(text) {
            self.effects.push(Effect::LoadImage {
                path,
                text: text.to_owned(),
            });
            return;
        }
        self.edit(|editor| editor.paste(text));
    }

    fn edit(&mut self, change: impl FnOnce(&mut crate::editor::Editor)) {
        change(&mut self.editor);
        self.refresh_completion();
    }

    pub(super) fn ctrl_c(&mut self, now: Instant) {
        if !self.editor.is_empty() {
            self.edit(|editor| editor.clear());
        } else if self.turn.is_some() {
            self.driver.interrupt();
        } else if self
            .last_ctrl_c
            .is_some_and(|last| now.duration_since(last) < DOUBLE_PRESS)
        {
            self.effects.push(Effect::Exit);
        } else {
            self.last_ctrl_c = Some(now);
            self.commit_notice("Press Ctrl+C again to exit", Color::DarkGray);
        }
    }

    fn escape(&mut self, now: Instant) {
        if self.completion.take().is_some() {
            return;
        }
        if self.turn.is_some() {
            self.driver.interrupt();
            if !self.queue.is_empty() {
                let mut queued = Prompt::default();
                for prompt in std::mem::take(&mut self.queue) {
                    queued.join(prompt);
                }
                if !self.editor.is_empty() {
                    queued.join(self.editor.submission());
                }
                self.editor.restore(queued);
            }
            return;
        }
        let double = self
            .last_esc
            .is_some_and(|last| now.duration_since(last) < DOUBLE_PRESS);
        if !double {
            self.last_esc = Some(now);
            return;
        }
        self.last_esc = None;
        if self.editor.is_empty() {
            self.open_rewind();
        } else {
            self.edit(|editor| editor.clear());
        }
    }

    fn enter(&mut self, modifiers: KeyModifiers) {
        if modifiers.contains(KeyModifiers::SHIFT) {
            self.edit(|editor| editor.insert_char('\n'));
            return;
        }
        if self.editor.char_before_cursor() == Some('\\') {
            self.edit(|editor| {
                editor.backspace();
                editor.insert_char('\n');
            });
            return;
        }
        self.submit(modifiers.contains(KeyModifiers::ALT));
    }

    /// Sends the prompt: a `/command`, a `!shell` line, a steer, or a prompt
    /// (queued while a turn runs).
    fn submit(&mut self, steer: bool) {
        let prompt = self.editor.submission();
        let trimmed = prompt.text.trim().to_owned();
        if trimmed.is_empty() {
            return;
        }
        if let Err(message) = self.history.push(&prompt.text) {
            self.commit_notice(&message, Color::Yellow);
        }
        self.history_pos = None;
        self.completion = None;
        if let Some(command) = trimmed.strip_prefix('!') {
            if self.turn.is_some() || self.command_running.is_some() {
                self.commit_notice(
                    "Shell commands run when the agent is idle (Esc interrupts).",
                    Color::Yellow,
                );
                return;
            }
            self.editor.clear();
            self.run_command(
                &format!("!{command}"),
                DriverCommand::Shell {
                    command: command.trim().to_owned(),
                },
            );
            return;
        }
        self.editor.clear();
        if trimmed.starts_with('/') && self.run_slash(&trimmed) {
            return;
        }
        if steer && self.turn.is_some() {
            self.driver.steer(prompt.blocks());
            self.commit_notice(
                "Steering: delivered at the next tool boundary.",
                Color::DarkGray,
            );
            return;
        }
        self.send_prompt(prompt);
    }

    fn move_selection(&mut self, delta: isize) {
        if let Some(completion) = &mut self.completion {
            let count = completion.items.len();
            let next = (completion.selected as isize + delta).rem_euclid(count.max(1) as isize);
            completion.selected = usize::try_from(next).unwrap_or(0);
        }
    }

    /// Replaces the completed word with the selected item.
    fn accept_completion(&mut self) -> Option<CompletionKind> {
        let completion = self.completion.take()?;
        let item = completion.items.get(completion.selected)?;
        self.editor
            .replace_range(completion.start, completion.end, &item.insert);
        self.refresh_completion();
        Some(completion.kind)
    }

    /// Enter on an open list: a file is inserted, a command also runs.
    fn enter_completion(&mut self) {
        if self.accept_completion() == Some(CompletionKind::Command) {
            self.submit(false);
        }
    }

    /// Up: the previous line, or on the first line the previous prompt.
    fn up(&mut self) {
        if !self.editor.up() {
            self.history_previous();
        }
    }

    /// Down: the next line, or on the last line the next prompt.
    fn down(&mut self) {
        if !self.editor.down() {
            self.history_next();
        }
    }

    fn history_previous(&mut self) {
        let position = match self.history_pos {
            None if self.history.len() > 0 => {
                self.draft = self.editor.text().to_owned();
                self.history.len() - 1
            }
            Some(position) if position > 0 => position - 1,
            _ => return,
        };
        if let Some(entry) = self.history.get(position) {
            self.editor.set_text(entry);
            self.history_pos = Some(position);
            self.completion = None;
        }
    }

    fn history_next(&mut self) {
        let Some(position) = self.history_pos else {
            return;
        };
        if let Some(entry) = self.history.get(position + 1) {
            self.editor.set_text(entry);
            self.history_pos = Some(position + 1);
        } else {
            let draft = std::mem::take(&mut self.draft);
            self.editor.set_text(&draft);
            self.history_pos = None;
        }
        self.completion = None;
    }
}

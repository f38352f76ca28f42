//! Pickers in the prompt area: a short list answered with the arrow keys
//! and Enter (or a digit), Esc to go back. Two use them:
//!
//! - **Rewind** (Esc Esc on an empty prompt, or `/rewind`): the person's
//!   messages, newest first, with the files changed since each; then what
//!   to restore — code and conversation, conversation, or code (Claude
//!   Code's rewind menu). The choice runs `/rewind <id> <scope>` through
//!   the driver, which does the work.
//! - **Memory** (`/memory` when an editor is configured): the memory
//!   files; the chosen one is opened in the editor.
//!
//! Owns: picker state and its keys. Must never: rewind or open anything
//! itself; choices leave as a [`DriverCommand`] or an [`Effect`].

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;

use super::{App, Effect};
use crate::driver::{CommandError, DriverCommand, MemoryChoice, RewindChoice};

/// The scopes of the rewind menu, in order, with the `/rewind` word each
/// sends (`None`: never mind).
const SCOPES: [(&str, Option<&str>); 4] = [
    ("Restore code and conversation", Some("both")),
    ("Restore conversation", Some("conversation")),
    ("Restore code", Some("code")),
    ("Never mind", None),
];

/// What the picker is choosing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Purpose {
    /// A message to rewind to (newest first, as the items).
    RewindMessage(Vec<RewindChoice>),
    /// What to restore for `point`; Esc goes back to `points`.
    RewindScope {
        /// The chosen message.
        point: RewindChoice,
        /// The list it was chosen from.
        points: Vec<RewindChoice>,
        /// Its row in that list.
        row: usize,
    },
    /// A memory file to open in the editor.
    Memory(Vec<MemoryChoice>),
}

/// One row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PickerItem {
    /// What the row says.
    pub(crate) label: String,
    /// Dim text after it.
    pub(crate) detail: String,
    /// Whether it can be chosen (a code rewind needs a checkpoint).
    pub(crate) enabled: bool,
}

/// An open picker.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Picker {
    /// The question.
    pub(crate) title: String,
    /// A line under it (may be empty).
    pub(crate) subtitle: String,
    /// The rows (never empty).
    pub(crate) items: Vec<PickerItem>,
    /// The highlighted row (always an enabled one).
    pub(crate) selected: usize,
    purpose: Purpose,
}

/// `n files changed since: a, b` for a rewind row.
fn files_detail(point: &RewindChoice) -> String {
    match (point.code, point.files.as_slice()) {
        (false, _) => "no file checkpoint".to_owned(),
        (true, []) => "no file changes since".to_owned(),
        (true, [one]) => format!("1 file changed since: {one}"),
        (true, [first, second]) => format!("2 files changed since: {first}, {second}"),
        (true, [first, rest @ ..]) => {
            format!("{} files changed since: {first}, …", rest.len() + 1)
        }
    }
}

impl Picker {
    fn rewind_messages(points: Vec<RewindChoice>, selected: usize) -> Self {
        let items = points
            .iter()
            .map(|point| PickerItem {
                label: point.preview.clone(),
                detail: files_detail(point),
                enabled: true,
            })
            .collect();
        Self {
            title: "Rewind to before one of your messages".to_owned(),
            subtitle: "Newest first. Files and/or the conversation go back to how they were."
                .to_owned(),
            items,
            selected,
            purpose: Purpose::RewindMessage(points),
        }
    }

    fn rewind_scope(point: RewindChoice, points: Vec<RewindChoice>, row: usize) -> Self {
        let items = SCOPES
            .iter()
            .map(|(label, scope)| {
                let code = matches!(scope, Some("both" | "code"));
                let detail = if code && !point.code {
                    "no file checkpoint for this message".to_owned()
                } else if code {
                    files_detail(&point)
                } else {
                    String::new()
                };
                PickerItem {
                    label: (*label).to_owned(),
                    detail,
                    enabled: !code || point.code,
                }
            })
            .collect();
        let selected = if point.code { 0 } else { 1 };
        Self {
            title: "Rewind to before this message?".to_owned(),
            subtitle: format!("> {}", point.preview),
            items,
            selected,
            purpose: Purpose::RewindScope { point, points, row },
        }
    }

    fn memory(files: Vec<MemoryChoice>) -> Self {
        let items = files
            .iter()
            .map(|file| PickerItem {
                label: file.label.clone(),
                detail: format!(
                    "{}{}",
                    file.path.display(),
                    if file.exists { "" } else { " (new)" }
                ),
                enabled: true,
            })
            .collect();
        Self {
            title: "Open which memory file in your editor?".to_owned(),
            subtitle: "rudder reads them again at your next message.".to_owned(),
            items,
            selected: 0,
            purpose: Purpose::Memory(files),
        }
    }

    /// Moves the highlight `step` rows (±1), skipping disabled rows,
    /// wrapping around.
    fn step(&mut self, step: isize) {
        let count = self.items.len() as isize;
        let mut row = self.selected as isize;
        for _ in 0..count {
            row = (row + step).rem_euclid(count);
            if self.items[row as usize].enabled {
                self.selected = row as usize;
                return;
            }
        }
    }
}

impl App {
    /// Esc Esc on an empty prompt, or `/rewind`: asks the driver for the
    /// rewind points; [`App::on_rewind_points`] opens the picker.
    pub(super) fn open_rewind(&mut self) {
        if self.turn.is_some() || self.command_running.is_some() {
            self.commit_notice(
                "/rewind runs when the agent is idle (Esc interrupts).",
                Color::Yellow,
            );
            return;
        }
        self.command_running = Some("/rewind".to_owned());
        self.effects.push(Effect::LoadRewindPoints);
    }

    /// The driver listed the rewind points (oldest first).
    pub(crate) fn on_rewind_points(&mut self, points: Result<Vec<RewindChoice>, CommandError>) {
        self.command_running = None;
        self.dirty = true;
        match points {
            Ok(points) if points.is_empty() => {
                self.commit_notice(
                    "Nothing to rewind yet: no message has been sent in this conversation.",
                    Color::Reset,
                );
                self.drain_queue();
            }
            Ok(mut points) => {
                points.reverse();
                self.picker = Some(Picker::rewind_messages(points, 0));
            }
            Err(error) => {
                self.commit_notice(&format!("/rewind: {error}"), Color::Red);
                self.drain_queue();
            }
        }
    }

    /// `/memory` with an editor configured: the memory-file picker.
    pub(super) fn open_memory(&mut self) {
        let files = self.driver.memory_files();
        if files.is_empty() {
            self.commit_notice("No memory files to open.", Color::Reset);
            return;
        }
        self.picker = Some(Picker::memory(files));
    }

    /// A key while a picker is open: Up/Down (or k/j, Tab) move, Enter or
    /// a digit chooses, Esc goes back a step or closes, Ctrl+C closes.
    pub(super) fn picker_key(&mut self, key: KeyEvent) {
        let Some(picker) = &mut self.picker else {
            return;
        };
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => picker.step(-1),
            KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => picker.step(1),
            KeyCode::Enter => self.choose_picked(),
            KeyCode::Char(digit @ '1'..='9') => {
                let row = usize::from(digit as u8 - b'1');
                if picker.items.get(row).is_some_and(|item| item.enabled) {
                    picker.selected = row;
                    self.choose_picked();
                }
            }
            KeyCode::Esc => self.picker_back(),
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.close_picker();
            }
            _ => {}
        }
    }

    fn close_picker(&mut self) {
        self.picker = None;
        self.drain_queue();
    }

    fn picker_back(&mut self) {
        let back = match self.picker.take() {
            Some(Picker {
                purpose: Purpose::RewindScope { points, row, .. },
                ..
            }) => Some(Picker::rewind_messages(points, row)),
            _ => None,
        };
        self.picker = back;
        if self.picker.is_none() {
            self.drain_queue();
        }
    }

    /// Enter on the highlighted row.
    fn choose_picked(&mut self) {
        let Some(picker) = self.picker.take() else {
            return;
        };
        let row = picker.selected;
        match picker.purpose {
            Purpose::RewindMessage(points) => {
                if let Some(point) = points.get(row).cloned() {
                    self.picker = Some(Picker::rewind_scope(point, points, row));
                }
            }
            Purpose::RewindScope { point, .. } => match SCOPES.get(row) {
                Some((_, Some(scope))) => self.run_command(
                    "/rewind",
                    DriverCommand::Rewind {
                        target: Some(format!("{} {scope}", point.id)),
                    },
                ),
                _ => self.drain_queue(),
            },
            Purpose::Memory(files) => {
                if let Some(file) = files.get(row) {
                    self.effects.push(Effect::OpenEditor(file.path.clone()));
                }
            }
        }
    }
}

//! The app state machine: everything the TUI knows, and the reducers that
//! change it in answer to keys, agent events, approval requests and command
//! results.
//!
//! Owns: state and transitions only. Calls the [`Driver`]'s quick sync
//! methods directly; anything slow or external (async commands, file
//! listing, notifications, the status-line command, exiting) is returned as
//! an [`Effect`] for the event loop to carry out. Must never: touch the
//! terminal, spawn tasks, or sleep, so it is testable without a TTY.

mod approval;
mod commands;
mod events;
mod help;
mod keys;
mod mcp;
mod picker;
#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod tests_pickers;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use rudder_protocol::content::ContentBlock;
use rudder_protocol::event::SessionInfo;
use rudder_protocol::permission::PermissionMode;
use serde_json::Value;

pub(crate) use approval::{
    ApprovalChoice, ApprovalUi, PendingApproval, preview_file, suggestion_label,
};
pub(crate) use commands::builtin_commands;
pub(crate) use mcp::MCP_CHOICES;
pub(crate) use picker::Picker;

use crate::complete::{CommandInfo, Completion};
use crate::driver::{Driver, DriverCommand, ImageError, StatusSnapshot};
use crate::editor::{Editor, Prompt};
use crate::history::History;
use crate::options::{McpServerQuestion, TuiOptions};
use crate::render::markdown::render_markdown;
use crate::render::{dim, prefix_lines};
use crate::stream::MarkdownStream;
use crate::todo::Todo;

/// Something the event loop must do for the app.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Effect {
    /// Run this through [`Driver::command`] and hand the result to
    /// [`App::on_command_result`].
    Command(DriverCommand),
    /// List the project's files and hand them to [`App::set_files`].
    IndexFiles,
    /// Ask [`Driver::rewind_points`] and hand the answer to
    /// [`App::on_rewind_points`].
    LoadRewindPoints,
    /// Ask [`Driver::load_image`] for the image at `path` and hand the
    /// answer, with the pasted `text`, to [`App::on_image`].
    LoadImage {
        /// The image file, as pasted.
        path: std::path::PathBuf,
        /// What was pasted (inserted as text when there is no such file).
        text: String,
    },
    /// Read an image from the system clipboard (`clipboard.rs`), have
    /// [`Driver::image_from_clipboard`] make it a block, and hand the
    /// answer to [`App::on_clipboard_image`].
    ReadClipboardImage,
    /// Suspend the TUI, edit this file in the configured editor, resume,
    /// and report to [`App::on_editor_closed`].
    OpenEditor(std::path::PathBuf),
    /// Ring the bell or send a notification with this text.
    Notify(String),
    /// Something shown in the status line changed.
    StatusChanged,
    /// Leave the TUI.
    Exit,
}

/// A tool call between its request and its result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ActiveTool {
    /// `tool_use` id.
    pub(crate) id: String,
    /// Tool name.
    pub(crate) name: String,
    /// Input (as started, after hooks).
    pub(crate) input: Value,
    /// Whether it passed the policy and runs.
    pub(crate) started: bool,
}

/// A turn in progress.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Turn {
    /// When it started, for the elapsed time.
    pub(crate) started: Instant,
    /// A retry notice to show, if the API is being retried.
    pub(crate) retry: Option<String>,
    /// Whether the model is thinking right now.
    pub(crate) thinking: bool,
}

/// Whether the file list for `@` completion is there.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Files {
    NotLoaded,
    Loading,
    Loaded(Vec<String>),
}

/// The whole UI state.
pub(crate) struct App {
    driver: Arc<dyn Driver>,
    options: TuiOptions,
    /// Terminal width in columns.
    pub(crate) width: u16,
    /// Terminal height in rows.
    pub(crate) height: u16,
    /// Latest session numbers.
    pub(crate) status: StatusSnapshot,
    info: Option<SessionInfo>,
    /// Lines waiting to be written to scrollback.
    output: Vec<Line<'static>>,
    stream: MarkdownStream,
    streamed_text: bool,
    message_started: bool,
    /// Tool calls waiting for their results.
    pub(crate) tools: Vec<ActiveTool>,
    /// The running turn.
    pub(crate) turn: Option<Turn>,
    /// Prompts typed during the turn, sent when it ends.
    pub(crate) queue: Vec<Prompt>,
    /// The prompt being typed.
    pub(crate) editor: Editor,
    history: History,
    history_pos: Option<usize>,
    draft: String,
    /// The open completion list.
    pub(crate) completion: Option<Completion>,
    files: Files,
    commands: Vec<CommandInfo>,
    /// Approval requests, first shown.
    pub(crate) approvals: VecDeque<PendingApproval>,
    /// How the first approval is being answered.
    pub(crate) approval_ui: ApprovalUi,
    /// Project MCP servers still to ask about, first shown.
    mcp_questions: VecDeque<McpServerQuestion>,
    /// The highlighted option of the MCP server dialog.
    pub(crate) mcp_selected: usize,
    /// The open picker (rewind, memory files).
    pub(crate) picker: Option<Picker>,
    /// The agent's todo list.
    pub(crate) todos: Vec<Todo>,
    /// Text from the `statusLine` command.
    pub(crate) custom_status: Option<String>,
    /// A command being run through the driver.
    pub(crate) command_running: Option<String>,
    focused: bool,
    last_esc: Option<Instant>,
    last_ctrl_c: Option<Instant>,
    effects: Vec<Effect>,
    /// Whether the viewport must be redrawn.
    pub(crate) dirty: bool,
}

impl App {
    /// A new app for a terminal of `width` × `height`, with the session's
    /// first status snapshot taken from the driver.
    pub(crate) fn new(
        driver: Arc<dyn Driver>,
        options: TuiOptions,
        history: History,
        size: (u16, u16),
    ) -> Self {
        let status = driver.status();
        let mcp_questions = options.mcp_servers_to_approve.iter().cloned().collect();
        let mut commands = builtin_commands();
        for custom in &options.custom_commands {
            if !commands.iter().any(|command| command.name == custom.name) {
                commands.push(CommandInfo {
                    name: custom.name.clone(),
                    description: custom.description.clone(),
                });
            }
        }
        Self {
            driver,
            options,
            width: size.0,
            height: size.1,
            status,
            info: None,
            output: Vec::new(),
            stream: MarkdownStream::default(),
            streamed_text: false,
            message_started: false,
            tools: Vec::new(),
            turn: None,
            queue: Vec::new(),
            editor: Editor::default(),
            history,
            history_pos: None,
            draft: String::new(),
            completion: None,
            files: Files::NotLoaded,
            commands,
            approvals: VecDeque::new(),
            approval_ui: ApprovalUi::default(),
            mcp_questions,
            mcp_selected: 0,
            picker: None,
            todos: Vec::new(),
            custom_status: None,
            command_running: None,
            focused: true,
            last_esc: None,
            last_ctrl_c: None,
            effects: vec![Effect::StatusChanged],
            dirty: true,
        }
    }

    /// Opens the MCP server dialog when servers wait for approval, else
    /// submits the initial prompt, if the options carry one (then it is
    /// sent after the dialog's last answer).
    pub(crate) fn start(&mut self) {
        if let Some(question) = self.mcp_questions.front() {
            let text = format!(
                "rudder asks whether to use the MCP server {}",
                question.name
            );
            self.notify(&text);
            return;
        }
        self.send_initial_prompt();
    }

    /// Submits the initial prompt once, if the options carry one.
    fn send_initial_prompt(&mut self) {
        if let Some(prompt) = self.options.initial_prompt.take() {
            self.send_prompt(Prompt::text(prompt));
        }
    }

    /// Takes the effects produced since the last call.
    pub(crate) fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// Takes the lines to write to scrollback since the last call; they
    /// leave the app's memory.
    pub(crate) fn take_output(&mut self) -> Vec<Line<'static>> {
        std::mem::take(&mut self.output)
    }

    /// The terminal was resized.
    pub(crate) fn on_resize(&mut self, width: u16, height: u16) {
        self.width = width;
        self.height = height;
        self.dirty = true;
    }

    /// The terminal gained or lost focus.
    pub(crate) fn on_focus(&mut self, focused: bool) {
        self.focused = focused;
    }

    /// Whether something animates (the spinner), so the loop should tick.
    pub(crate) fn animating(&self) -> bool {
        (self.turn.is_some() && self.approvals.is_empty()) || self.command_running.is_some()
    }

    /// The working directory used to shorten paths.
    pub(crate) fn cwd(&self) -> &str {
        self.info
            .as_ref()
            .map_or(&self.status.cwd, |info| &info.cwd)
    }

    /// The uncommitted tail of the streaming message, rendered; only as
    /// much source as the screen can show is rendered.
    pub(crate) fn streaming_lines(&self) -> Vec<Line<'static>> {
        if self.stream.pending().trim().is_empty() {
            return Vec::new();
        }
        let tail = self.stream.tail(usize::from(self.height).max(1));
        let whole = tail.len() == self.stream.pending().len();
        self.assistant_lines(&tail, whole && !self.message_started)
    }

    /// The status-line command's text, if configured and produced.
    pub(crate) fn status_line_command(&self) -> Option<&str> {
        self.options
            .status_line
            .as_ref()
            .map(|line| line.command.as_str())
    }

    /// The files were listed.
    pub(crate) fn set_files(&mut self, files: Vec<String>) {
        self.files = Files::Loaded(files);
        self.refresh_completion();
        self.dirty = true;
    }

    /// The status-line command printed `text` (`None`: it failed).
    pub(crate) fn set_custom_status(&mut self, text: Option<String>) {
        if self.custom_status != text {
            self.custom_status = text;
            self.dirty = true;
        }
    }

    /// The editor `/memory` opens files in, if one is set.
    pub(crate) fn editor_command(&self) -> Option<&str> {
        self.options.editor.as_deref()
    }

    /// How notifications are sent.
    pub(crate) fn notification(&self) -> crate::options::Notification {
        self.options.notification
    }

    // ----- output -----

    fn commit(&mut self, lines: Vec<Line<'static>>) {
        if lines.is_empty() {
            return;
        }
        self.output.push(Line::default());
        self.output.extend(lines);
        self.dirty = true;
    }

    fn commit_notice(&mut self, text: &str, colour: Color) {
        let lines = text
            .lines()
            .map(|line| {
                Line::from(Span::styled(
                    crate::render::sanitize(line),
                    Style::new().fg(colour),
                ))
            })
            .collect();
        self.commit(prefix_lines(
            lines,
            Span::styled("⎿  ", dim()),
            Span::raw("   "),
        ));
    }

    /// Markdown lines of assistant text, with the `⏺` bullet when `first`.
    fn assistant_lines(&self, text: &str, first: bool) -> Vec<Line<'static>> {
        let lines = render_markdown(text, self.width.saturating_sub(2));
        let bullet = if first {
            Span::raw("⏺ ")
        } else {
            Span::raw("  ")
        };
        prefix_lines(lines, bullet, Span::raw("  "))
    }

    fn commit_assistant(&mut self, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        let lines = self.assistant_lines(text, !self.message_started);
        self.message_started = true;
        self.commit(lines);
    }

    fn flush_stream(&mut self) {
        let rest = self.stream.take_all();
        self.commit_assistant(&rest);
    }

    // ----- prompts -----

    /// Sends a prompt now, or queues it while a turn, a command or a
    /// picker is in the way.
    fn send_prompt(&mut self, prompt: Prompt) {
        if self.turn.is_some() || self.command_running.is_some() || self.picker.is_some() {
            self.queue.push(prompt);
            self.dirty = true;
            return;
        }
        self.turn = Some(Turn {
            started: Instant::now(),
            retry: None,
            thinking: false,
        });
        self.driver.submit(prompt.blocks());
        self.dirty = true;
    }

    /// After a turn, command or picker: send what was queued, as one
    /// prompt.
    fn drain_queue(&mut self) {
        if self.turn.is_some()
            || self.command_running.is_some()
            || self.picker.is_some()
            || self.queue.is_empty()
        {
            return;
        }
        let mut prompt = Prompt::default();
        for queued in std::mem::take(&mut self.queue) {
            prompt.join(queued);
        }
        self.send_prompt(prompt);
    }

    /// The image pasted as `text` was read (or not): attach it as
    /// `[Image #n]`, insert the text as typed when there is no such file,
    /// or say why it was refused.
    pub(crate) fn on_image(&mut self, text: &str, image: Result<ContentBlock, ImageError>) {
        match image {
            Ok(block) => self.editor.attach_image(block),
            Err(ImageError::NotFound) => self.editor.paste(text),
            Err(ImageError::Refused(message)) => {
                self.commit_notice(&format!("Image not attached: {message}"), Color::Yellow);
            }
        }
        self.refresh_completion();
        self.dirty = true;
    }

    /// The image read from the clipboard (Ctrl+V) arrived: attach it as
    /// `[Image #n]`, like a pasted image file, or show why there is none
    /// (`Err`: which program is missing, no image, too large, …).
    pub(crate) fn on_clipboard_image(&mut self, image: Result<ContentBlock, String>) {
        match image {
            Ok(block) => self.editor.attach_image(block),
            Err(message) => {
                self.commit_notice(&format!("Image not attached: {message}"), Color::Yellow);
            }
        }
        self.refresh_completion();
        self.dirty = true;
    }

    /// The editor opened for `path` by `/memory` exited (`Err`: it could
    /// not run, or failed).
    pub(crate) fn on_editor_closed(&mut self, path: &std::path::Path, result: Result<(), String>) {
        let editor = self.options.editor.clone().unwrap_or_default();
        match result {
            Ok(()) => self.commit_notice(
                &format!(
                    "Opened {} in `{editor}`. rudder reads memory files again at your next message.",
                    path.display()
                ),
                Color::Reset,
            ),
            Err(error) => self.commit_notice(
                &format!(
                    "Could not edit {} with `{editor}`: {error}. Set $VISUAL or $EDITOR to the editor to use.",
                    path.display()
                ),
                Color::Red,
            ),
        }
        self.drain_queue();
    }

    /// Takes a fresh snapshot, keeping what the events told us when the
    /// driver's snapshot lacks it.
    fn refresh_status(&mut self) {
        let mut fresh = self.driver.status();
        if fresh.last_usage.is_none() {
            fresh.last_usage = self.status.last_usage.take();
        }
        if fresh.model.is_empty() {
            fresh.model = std::mem::take(&mut self.status.model);
        }
        fresh.total_cost_usd = fresh.total_cost_usd.max(self.status.total_cost_usd);
        self.status = fresh;
        self.effects.push(Effect::StatusChanged);
        self.dirty = true;
    }

    fn notify(&mut self, text: &str) {
        if !self.focused {
            self.effects.push(Effect::Notify(text.to_owned()));
        }
    }

    /// The next mode of the Shift+Tab cycle (CLAUDE-CODE-INTERFACE.md §3.1).
    fn next_mode(&self, mode: PermissionMode) -> PermissionMode {
        match mode {
            PermissionMode::Default => PermissionMode::AcceptEdits,
            PermissionMode::AcceptEdits => PermissionMode::Plan,
            PermissionMode::Plan if self.options.allow_bypass => PermissionMode::BypassPermissions,
            PermissionMode::Plan | PermissionMode::DontAsk | PermissionMode::BypassPermissions => {
                PermissionMode::Default
            }
        }
    }

    fn cycle_mode(&mut self) {
        let next = self.next_mode(self.status.permission_mode);
        match self.driver.set_permission_mode(next) {
            Ok(()) => {
                self.status.permission_mode = next;
                self.effects.push(Effect::StatusChanged);
            }
            Err(message) => self.commit_notice(&message, Color::Red),
        }
        self.dirty = true;
    }

    /// Recomputes the completion list after an edit.
    fn refresh_completion(&mut self) {
        let word = self.editor.word_before_cursor();
        if word.1.starts_with('@') && self.files == Files::NotLoaded {
            self.files = Files::Loading;
            self.effects.push(Effect::IndexFiles);
        }
        let files = match &self.files {
            Files::Loaded(files) => Some(files.as_slice()),
            Files::NotLoaded | Files::Loading => None,
        };
        self.completion = crate::complete::completion_for(
            self.editor.text(),
            self.editor.cursor(),
            word,
            files,
            &self.commands,
        );
    }
}

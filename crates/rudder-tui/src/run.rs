//! The event loop: wires the terminal, the agent's channels and the app.
//!
//! Owns: waiting (on keys, agent events, approval requests, command
//! results, rewind points, pasted images, clipboard images, file listings
//! and the status-line command), carrying out the app's effects (suspending the
//! terminal while the editor runs), and pacing redraws: a frame only when something changed,
//! at most ~30 per second, and a timer only while something animates, so
//! an idle TUI makes no wakeups at all (USER-PAINS.md §1.2). Must never:
//! decide anything the app decides; it only moves data between the two.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use rudder_protocol::content::ContentBlock;
use rudder_protocol::event::AgentEvent;
use rudder_protocol::permission::{ApprovalDecision, ApprovalRequest};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::app::{App, Effect, preview_file};
use crate::clipboard;
use crate::driver::{CommandError, Driver, ImageError, RewindChoice};
use crate::error::TuiError;
use crate::history::History;
use crate::options::{Notification, TuiOptions};
use crate::render::view;
use crate::render::wrap::wrap_lines;
use crate::statusline;
use crate::terminal::{Screen, cursor_row, restore};

/// Shortest time between two frames (~30 fps).
const FRAME: Duration = Duration::from_millis(33);
/// Spinner step while a turn runs.
const TICK: Duration = Duration::from_millis(120);
/// Largest file read for an approval's diff preview.
const MAX_PREVIEW_FILE: u64 = 1024 * 1024;

/// An approval request and where its answer goes.
pub type ApprovalPrompt = (ApprovalRequest, oneshot::Sender<ApprovalDecision>);

/// Runs the interactive UI until the user exits (`/exit`, Ctrl+D, Ctrl+C
/// twice) or the agent closes its event channel.
///
/// Takes the driver, the agent's events, and the approval requests (each
/// with the channel its [`ApprovalDecision`] goes back on). The transcript
/// goes to the terminal's normal scrollback; only the prompt area at the
/// bottom is redrawn. Errors: [`TuiError::NotATerminal`] when stdin or
/// stdout is not a TTY, [`TuiError::Io`] when the terminal fails. The
/// terminal is restored on every exit path, panics included.
pub async fn run(
    driver: Arc<dyn Driver>,
    mut events: mpsc::UnboundedReceiver<AgentEvent>,
    mut approvals: mpsc::UnboundedReceiver<ApprovalPrompt>,
    options: TuiOptions,
) -> Result<(), TuiError> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(TuiError::NotATerminal);
    }
    let (history, warning) = History::load(options.history_path.clone(), options.history_limit);
    let project_dir = options.project_dir.clone();
    let status_command = options.status_line.clone();
    let screen = Screen::enter().map_err(|error| {
        let _ = restore(false);
        TuiError::io("setting up the terminal")(error)
    })?;
    let _guard = RestoreGuard::install();
    let size = crossterm::terminal::size().map_err(TuiError::io("reading the terminal size"))?;
    let mut app = App::new(driver.clone(), options, history, size);
    if let Some(warning) = warning {
        app.on_agent_event(AgentEvent::Notice {
            level: rudder_protocol::event::NoticeLevel::Warning,
            message: warning,
        });
    }
    app.start();
    let mut loop_state = Loop {
        screen,
        driver,
        project_dir,
        status_command,
        commands: mpsc::unbounded_channel(),
        points: mpsc::unbounded_channel(),
        images: mpsc::unbounded_channel(),
        clipboard: mpsc::unbounded_channel(),
        files: mpsc::unbounded_channel(),
        status_lines: mpsc::unbounded_channel(),
        status_task: None,
        status_due: None,
        last_frame: None,
        last_tick: Instant::now(),
    };
    let result = loop_state.run(&mut app, &mut events, &mut approvals).await;
    if let Some(task) = loop_state.status_task.take() {
        task.abort();
    }
    let left = loop_state
        .screen
        .leave()
        .map_err(TuiError::io("restoring the terminal"));
    result.and(left)
}

/// Everything the loop owns besides the app.
struct Loop {
    screen: Screen,
    driver: Arc<dyn Driver>,
    project_dir: std::path::PathBuf,
    status_command: Option<crate::options::StatusLineCommand>,
    commands: Channel<Result<String, CommandError>>,
    points: Channel<Result<Vec<RewindChoice>, CommandError>>,
    images: Channel<(String, Result<ContentBlock, ImageError>)>,
    clipboard: Channel<Result<ContentBlock, String>>,
    files: Channel<Vec<String>>,
    status_lines: Channel<Option<String>>,
    status_task: Option<JoinHandle<()>>,
    status_due: Option<Instant>,
    last_frame: Option<Instant>,
    last_tick: Instant,
}

type Channel<T> = (mpsc::UnboundedSender<T>, mpsc::UnboundedReceiver<T>);

impl Loop {
    async fn run(
        &mut self,
        app: &mut App,
        events: &mut mpsc::UnboundedReceiver<AgentEvent>,
        approvals: &mut mpsc::UnboundedReceiver<ApprovalPrompt>,
    ) -> Result<(), TuiError> {
        let mut input = EventStream::new();
        let mut approvals_open = true;
        let terminated = terminated();
        tokio::pin!(terminated);
        loop {
            app.drop_closed_approvals();
            for effect in app.take_effects() {
                if let Effect::OpenEditor(path) = effect {
                    // The editor needs stdin to itself.
                    drop(input);
                    let result = self.edit(app, &path).await?;
                    input = EventStream::new();
                    app.on_editor_closed(&path, result);
                    continue;
                }
                if !self.apply(effect, app)? {
                    return Ok(());
                }
            }
            let now = Instant::now();
            let frame_due = app
                .dirty
                .then(|| self.last_frame.map_or(now, |last| (last + FRAME).max(now)));
            let tick_due = app.animating().then(|| self.last_tick + TICK);
            let wake = [frame_due, tick_due, self.status_due]
                .into_iter()
                .flatten()
                .min();
            tokio::select! {
                event = input.next() => match event {
                    Some(Ok(Event::Resize(width, height))) => {
                        // The cursor query needs stdin to itself.
                        drop(input);
                        let row = cursor_row();
                        input = EventStream::new();
                        self.screen
                            .resize(width, height, row)
                            .map_err(TuiError::io("resizing the viewport"))?;
                        app.on_resize(width, height);
                    }
                    Some(Ok(event)) => self.on_terminal(app, event),
                    Some(Err(error)) => return Err(TuiError::io("reading input")(error)),
                    None => return Ok(()),
                },
                event = events.recv() => match event {
                    Some(event) => app.on_agent_event(event),
                    // The agent is gone: nothing more can happen.
                    None => return Ok(()),
                },
                prompt = approvals.recv(), if approvals_open => match prompt {
                    Some((request, reply)) => {
                        let file = read_preview(&request);
                        app.on_approval(request, reply, file);
                    }
                    None => approvals_open = false,
                },
                Some(result) = self.commands.1.recv() => app.on_command_result(result),
                Some(points) = self.points.1.recv() => app.on_rewind_points(points),
                Some((text, image)) = self.images.1.recv() => app.on_image(&text, image),
                Some(image) = self.clipboard.1.recv() => app.on_clipboard_image(image),
                Some(files) = self.files.1.recv() => app.set_files(files),
                Some(text) = self.status_lines.1.recv() => app.set_custom_status(text),
                () = sleep_until(wake), if wake.is_some() => self.on_timer(app)?,
                // Killed or hung up: leave the terminal usable.
                () = &mut terminated => return Ok(()),
            }
        }
    }

    fn on_timer(&mut self, app: &mut App) -> Result<(), TuiError> {
        let now = Instant::now();
        if self.status_due.is_some_and(|due| due <= now) {
            self.status_due = None;
            self.start_status_command(app);
        }
        if app.animating() && self.last_tick + TICK <= now {
            self.last_tick = now;
            app.dirty = true;
        }
        if app.dirty && self.last_frame.is_none_or(|last| last + FRAME <= now) {
            self.draw(app)?;
        }
        Ok(())
    }

    fn on_terminal(&mut self, app: &mut App, event: Event) {
        match event {
            Event::Key(key) => app.on_key(key, std::time::Instant::now()),
            Event::Paste(text) => app.on_paste(&text),
            Event::FocusGained => app.on_focus(true),
            Event::FocusLost => app.on_focus(false),
            Event::Mouse(_) | Event::Resize(..) => {}
        }
    }

    fn draw(&mut self, app: &mut App) -> Result<(), TuiError> {
        let output = wrap_lines(&app.take_output(), usize::from(app.width.max(1)));
        let view = view::build(app, std::time::Instant::now(), app.height);
        self.screen
            .frame(&output, view.height(), |area, buf| view.render(area, buf))
            .map_err(TuiError::io("drawing the prompt"))?;
        app.dirty = false;
        self.last_frame = Some(Instant::now());
        Ok(())
    }

    /// Carries out one effect; returns false to exit.
    fn apply(&mut self, effect: Effect, app: &App) -> Result<bool, TuiError> {
        match effect {
            Effect::Command(command) => {
                let driver = self.driver.clone();
                let reply = self.commands.0.clone();
                tokio::spawn(async move {
                    let result = driver.command(command).await;
                    let _ = reply.send(result);
                });
            }
            Effect::LoadRewindPoints => {
                let driver = self.driver.clone();
                let reply = self.points.0.clone();
                tokio::spawn(async move {
                    let _ = reply.send(driver.rewind_points().await);
                });
            }
            Effect::LoadImage { path, text } => {
                let driver = self.driver.clone();
                let reply = self.images.0.clone();
                tokio::spawn(async move {
                    let _ = reply.send((text, driver.load_image(path).await));
                });
            }
            Effect::ReadClipboardImage => {
                let driver = self.driver.clone();
                let reply = self.clipboard.0.clone();
                tokio::spawn(async move {
                    let env = clipboard::ClipboardEnv::from_process();
                    let image =
                        clipboard::image_block(driver.as_ref(), &env, clipboard::TIMEOUT).await;
                    let _ = reply.send(image);
                });
            }
            // Carried out by the loop itself (it owns the input stream).
            Effect::OpenEditor(_) => {}
            Effect::IndexFiles => {
                let root = self.project_dir.clone();
                let reply = self.files.0.clone();
                tokio::task::spawn_blocking(move || {
                    let _ = reply.send(crate::complete::list_files(&root));
                });
            }
            Effect::Notify(text) => {
                let osc = match app.notification() {
                    Notification::Off => return Ok(true),
                    Notification::Bell => None,
                    Notification::Osc9 => Some(text.as_str()),
                };
                self.screen
                    .notify(osc)
                    .map_err(TuiError::io("sending a notification"))?;
            }
            Effect::StatusChanged => {
                if self.status_command.is_some() {
                    self.status_due = Some(Instant::now() + statusline::DEBOUNCE);
                }
            }
            Effect::Exit => return Ok(false),
        }
        Ok(true)
    }

    /// Suspends the terminal, runs the configured editor on `path` until
    /// it exits, and takes the terminal back (the viewport is drawn anew
    /// below whatever the editor left). Returns the editor's own result;
    /// errors are the terminal's.
    async fn edit(
        &mut self,
        app: &mut App,
        path: &std::path::Path,
    ) -> Result<Result<(), String>, TuiError> {
        let Some(editor) = app.editor_command().map(str::to_owned) else {
            return Ok(Err("no editor is set".to_owned()));
        };
        self.screen
            .suspend()
            .map_err(TuiError::io("handing the terminal to the editor"))?;
        let file = path.to_owned();
        let result = tokio::task::spawn_blocking(move || crate::external::edit(&editor, &file))
            .await
            .unwrap_or_else(|error| Err(error.to_string()));
        self.screen
            .resume()
            .map_err(TuiError::io("taking the terminal back from the editor"))?;
        self.last_frame = None;
        app.dirty = true;
        Ok(result)
    }

    /// Runs the `statusLine` command, cancelling a run still in flight.
    fn start_status_command(&mut self, app: &App) {
        let Some(command) = self.status_command.clone() else {
            return;
        };
        if let Some(task) = self.status_task.take() {
            task.abort();
        }
        let input = statusline::command_input(&app.status);
        let cwd = app.status.cwd.clone();
        let columns = app.width;
        let reply = self.status_lines.0.clone();
        self.status_task = Some(tokio::spawn(async move {
            let line = statusline::run_command(&command.command, &cwd, &input, columns)
                .await
                .ok();
            let _ = reply.send(line);
        }));
    }
}

/// Resolves on SIGTERM or SIGHUP (never, where signals are unavailable).
async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let (Ok(mut term), Ok(mut hangup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) {
            tokio::select! {
                _ = term.recv() => return,
                _ = hangup.recv() => return,
            }
        }
    }
    std::future::pending::<()>().await;
}

async fn sleep_until(deadline: Option<Instant>) {
    if let Some(deadline) = deadline {
        tokio::time::sleep_until(deadline).await;
    }
}

/// The current text of the file an approval's diff needs, when small.
fn read_preview(request: &ApprovalRequest) -> Option<String> {
    let path = preview_file(request)?;
    let size = std::fs::metadata(&path).ok()?.len();
    (size <= MAX_PREVIEW_FILE)
        .then(|| std::fs::read_to_string(&path).ok())
        .flatten()
}

/// Restores the terminal when the loop unwinds, and from the panic hook.
struct RestoreGuard {
    previous: Arc<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>,
}

impl RestoreGuard {
    fn install() -> Self {
        let previous: Arc<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send> =
            Arc::from(std::panic::take_hook());
        let chained = previous.clone();
        std::panic::set_hook(Box::new(move |info| {
            let _ = restore(true);
            chained(info);
        }));
        Self { previous }
    }
}

impl Drop for RestoreGuard {
    fn drop(&mut self) {
        let previous = self.previous.clone();
        // Only the panic hook is put back here; `Screen::leave` restores the
        // terminal on normal exits.
        let _ = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| previous(info)));
        if std::thread::panicking() {
            let _ = restore(true);
        }
    }
}

//! rudder's interactive terminal front end (issue 8).
//!
//! The transcript goes to the terminal's normal scrollback, so it can be
//! scrolled, selected and copied like any CLI output; only the area at the
//! bottom (streaming tail, spinner, prompt or approval, status line) is
//! redrawn, at most ~30 times a second and only when something changed.
//! Idle, the process sleeps: no timers run unless something animates.
//! Finished messages are written out and dropped from memory, so memory
//! stays flat over long sessions (USER-PAINS.md §1).
//!
//! This crate holds no agent logic and does not depend on `rudder-core`. It
//! consumes [`rudder_protocol::AgentEvent`]s, answers
//! [`ApprovalRequest`](rudder_protocol::permission::ApprovalRequest)s, and
//! drives the agent through the small [`Driver`] trait.
//!
//! # Keys
//!
//! Enter sends (while a turn runs it is queued and sent when the turn
//! ends); **Alt+Enter steers** (delivered at the next tool boundary);
//! Shift+Enter, Ctrl+J or `\` Enter insert a newline; Esc interrupts (queued
//! prompts come back to the editor), Esc Esc opens the rewind picker;
//! Shift+Tab cycles default → acceptEdits → plan (→ bypassPermissions when
//! allowed); `@` completes files, `/` commands, `!` runs a shell command;
//! a pasted or dropped image file, or with Ctrl+V an image copied to the
//! clipboard, is attached as `[Image #1]`; Up/Down
//! walk the history; Ctrl+D or Ctrl+C twice exits.
//!
//! # Implementing the driver (rudder-cli)
//!
//! A sketch over a session that has `run_turn(prompt, &CancellationToken)`,
//! a permission gate with `apply(&PermissionUpdate)` and an event channel:
//!
//! ```text
//! struct SessionDriver {
//!     session: Arc<tokio::sync::Mutex<Session>>,   // locked by a turn
//!     gate: Arc<dyn PermissionGate>,
//!     cancel: Mutex<CancellationToken>,            // one per turn
//!     steer: Arc<Mutex<Vec<Vec<ContentBlock>>>>,   // read by the turn loop
//!     status: Arc<Mutex<StatusSnapshot>>,          // updated from events
//!     events: EventSink,
//! }
//! submit(prompt)  -> new token into `cancel`; tokio::spawn(lock session;
//!                    run_turn(prompt, &token); the session emits TurnEnded)
//! steer(prompt)   -> push to `steer` (the turn appends it to the next tool
//!                    results; if the turn ends first, submit it)
//! interrupt()     -> cancel.lock().cancel()
//! set_permission_mode(m) -> gate.apply(&PermissionUpdate::SetMode {
//!                    mode: m, destination: UpdateDestination::Session }); Ok(())
//! command(c)      -> Box::pin(async { lock session; match c { Compact{..} =>
//!                    session.compact(..), Clear => .., Shell{command} => run
//!                    through the Bash tool + policy, _ => Err(Unsupported) } })
//! status()        -> status.lock().clone()  (never waits for the turn)
//! rewind_points() -> lock session; its user messages (pickers are opened
//!                    only while idle, so the lock is free)
//! memory_files()  -> the memory files and where new ones would go
//! load_image(p)   -> read, check type and size, base64 image block
//! image_from_clipboard(bytes) -> the same checks on bytes the TUI read
//!                    from the clipboard (Ctrl+V)
//! choose_mcp_server(name, choice) -> save the answer to settings, start
//!                    the approved server(s) on the manager, notice event
//! ```
//! Approvals: the session's `Approver` sends `(request, oneshot::Sender)`
//! on the channel given to [`run`] and awaits the receiver.

mod app;
mod choose;
mod clipboard;
mod complete;
mod driver;
mod dropped;
mod editor;
mod error;
mod external;
mod history;
mod options;
mod render;
mod run;
mod statusline;
mod stream;
mod terminal;
#[cfg(test)]
mod testing;
mod todo;

pub use choose::{Choice, choose};
pub use driver::{
    CommandError, ContextPart, Driver, DriverCommand, ImageError, McpServerChoice, MemoryChoice,
    RewindChoice, StatusSnapshot,
};
pub use error::TuiError;
pub use options::{CustomCommand, McpServerQuestion, Notification, StatusLineCommand, TuiOptions};
pub use run::{ApprovalPrompt, run};

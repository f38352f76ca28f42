//! Ending a headless run on SIGINT, SIGTERM or SIGHUP (a closed terminal),
//! whatever it is doing.
//!
//! Contract: USER-PAINS.md §4.1 and issue 7 — after any session end, zero
//! descendant processes remain within 5 s. A signal cancels the running
//! turn (model stream, tool calls, MCP calls all watch that token) and
//! stops taking new ones; the runner then calls `Session::shutdown` (MCP
//! servers, background shells). A turn that has not returned
//! [`TURN_GRACE`] after the signal is dropped, so the shutdown always
//! happens. (A parent SIGKILL cannot be caught: the next start's reaper
//! cleans up after it.)

use std::future::Future;
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long a cancelled turn may take to return before it is dropped.
pub const TURN_GRACE: Duration = Duration::from_secs(3);

/// Cancelled when the process receives SIGINT, SIGTERM or SIGHUP.
pub struct Ending {
    token: CancellationToken,
    task: JoinHandle<()>,
}

impl Ending {
    /// Starts listening for the three signals (from now on they no longer
    /// kill the process outright). A signal that cannot be watched is
    /// reported on stderr and keeps its default action.
    pub fn install() -> Self {
        let token = CancellationToken::new();
        let mut watched = Vec::new();
        for (kind, name) in [
            (SignalKind::interrupt(), "SIGINT"),
            (SignalKind::terminate(), "SIGTERM"),
            (SignalKind::hangup(), "SIGHUP"),
        ] {
            match signal(kind) {
                Ok(stream) => watched.push(stream),
                Err(error) => eprintln!("rudder: cannot watch {name} ({error})"),
            }
        }
        let cancel = token.clone();
        let task = tokio::spawn(async move {
            if watched.is_empty() {
                return;
            }
            let waits = watched.iter_mut().map(|stream| Box::pin(stream.recv()));
            let _ = futures::future::select_all(waits).await;
            cancel.cancel();
        });
        Self { token, task }
    }

    /// A token for one turn: cancelled by a signal, or by its own
    /// `cancel()` (an SDK `interrupt`).
    pub fn turn_token(&self) -> CancellationToken {
        self.token.child_token()
    }

    /// Whether a signal arrived.
    pub fn is_ending(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Resolves when a signal arrives.
    pub async fn cancelled(&self) {
        self.token.cancelled().await;
    }

    /// Runs `work` until it finishes, or until [`TURN_GRACE`] after a
    /// signal; `None` when it was dropped.
    pub async fn bounded<T>(&self, work: impl Future<Output = T>) -> Option<T> {
        tokio::select! {
            output = work => Some(output),
            () = async {
                self.token.cancelled().await;
                tokio::time::sleep(TURN_GRACE).await;
            } => None,
        }
    }
}

impl Drop for Ending {
    fn drop(&mut self) {
        self.task.abort();
    }
}

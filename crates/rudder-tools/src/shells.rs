//! Background shells of a session: Bash commands started with
//! `run_in_background`, their unread output, and their end.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (Bash `run_in_background`
//! returns an id; BashOutput reads the output produced since the last
//! read, optionally filtered by a regex, with the shell's status;
//! KillShell / TaskStop stop it) and USER-PAINS.md §4.3 (each shell is a
//! process group owned by the session; stopping it or ending the session
//! ends the whole tree, `&`-detached members included).
//!
//! The registry owns every shell it started. At most [`MAX_RUNNING`] run
//! at once; finished ones are kept for reading (the oldest are forgotten
//! beyond [`MAX_KEPT`]). Unread output is held in memory up to
//! [`UNREAD_CAP_BYTES`] per stream (older unread bytes are dropped and
//! counted); everything also goes to the shell's output file, up to
//! [`OUTPUT_FILE_CAP_BYTES`]. [`ShellRegistry::kill_all`] ends every group
//! and waits for them; dropping the registry sends SIGKILL to every group
//! still running. The per-shell supervisor lives in `bash/background.rs`.

use std::collections::VecDeque;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use nix::sys::signal::Signal;
use nix::unistd::Pid;
use regex::Regex;
use thiserror::Error;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::bash::background;
use crate::bash::process::{Group, Spawn, signal_group};
use crate::spill::{self, SpillError};

/// Most background shells running at once in one session.
pub const MAX_RUNNING: usize = 32;

/// Most shells (running and finished) remembered; the oldest finished ones
/// are forgotten first.
pub const MAX_KEPT: usize = 64;

/// Unread output kept in memory per stream of a shell, in bytes (1 MiB).
pub const UNREAD_CAP_BYTES: usize = 1024 * 1024;

/// Largest output file of one shell, in bytes (64 MiB).
pub const OUTPUT_FILE_CAP_BYTES: u64 = 64 * 1024 * 1024;

/// How long stopping a shell may take before the caller stops waiting.
const STOP_WAIT: Duration = Duration::from_secs(5);

/// Where a background shell is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShellStatus {
    /// Still running.
    Running,
    /// The command ended by itself.
    Completed,
    /// Stopped by KillShell, `kill_all` or the end of the session.
    Killed,
}

impl ShellStatus {
    /// `running`, `completed` or `killed`, as BashOutput reports it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Killed => "killed",
        }
    }
}

/// What is known about a background shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellInfo {
    /// `bash_1`, `bash_2`, …
    pub id: String,
    /// The command as given.
    pub command: String,
    /// Current status.
    pub status: ShellStatus,
    /// Exit code once completed (128 + signal number when a signal ended it).
    pub exit_code: Option<i32>,
    /// File receiving stdout and stderr as they arrive.
    pub output_path: PathBuf,
}

/// Output read from a shell since the previous read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellRead {
    /// The shell, as of this read.
    pub info: ShellInfo,
    /// New stdout (filtered when a filter was given).
    pub stdout: String,
    /// New stderr (filtered when a filter was given).
    pub stderr: String,
    /// Unread bytes that had to be dropped from memory before this read
    /// (they are in the output file).
    pub dropped_bytes: u64,
}

/// Why a shell operation failed. Messages are written for the model.
#[derive(Debug, Error)]
pub enum ShellError {
    /// The running-shell limit is reached.
    #[error(
        "{limit} background shells are already running. Stop one with KillShell, or wait for one to finish, before starting another."
    )]
    TooMany {
        /// The limit.
        limit: usize,
    },
    /// No shell has this id.
    #[error("There is no background shell with id {id}. {known}")]
    NotFound {
        /// The id asked for.
        id: String,
        /// Which ids exist.
        known: String,
    },
    /// The shell already ended.
    #[error("Shell {id} is not running (status: {status}), so there is nothing to stop.")]
    NotRunning {
        /// The shell.
        id: String,
        /// Its status.
        status: &'static str,
    },
    /// The shell could not be started.
    #[error("Could not start the shell: {0}")]
    Spawn(#[source] std::io::Error),
    /// The output file could not be created.
    #[error("Could not create the output file: {0}")]
    Output(#[from] SpillError),
}

/// Unread output of one stream.
#[derive(Debug, Default)]
pub(crate) struct Unread {
    bytes: VecDeque<u8>,
    dropped: u64,
}

impl Unread {
    /// Adds output, dropping the oldest unread bytes beyond the cap.
    pub fn push(&mut self, chunk: &[u8]) {
        self.bytes.extend(chunk);
        let excess = self.bytes.len().saturating_sub(UNREAD_CAP_BYTES);
        if excess > 0 {
            self.bytes.drain(..excess);
            self.dropped += excess as u64;
        }
    }

    /// Takes the unread text. While the shell runs, an incomplete UTF-8
    /// character at the end stays for the next read.
    fn take(&mut self, finished: bool) -> (String, u64) {
        let mut bytes: Vec<u8> = self.bytes.drain(..).collect();
        if !finished {
            let keep = incomplete_suffix(&bytes);
            self.bytes.extend(bytes.drain(bytes.len() - keep..));
        }
        let dropped = std::mem::take(&mut self.dropped);
        (String::from_utf8_lossy(&bytes).into_owned(), dropped)
    }
}

/// Length of an incomplete UTF-8 sequence at the end of `bytes` (0–3).
fn incomplete_suffix(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(3) {
        let byte = bytes[bytes.len() - back];
        if byte & 0b1100_0000 == 0b1000_0000 {
            continue;
        }
        let needed = match byte {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        return if needed > back { back } else { 0 };
    }
    0
}

/// Mutable state of one shell, shared by its supervisor and readers.
#[derive(Debug)]
pub(crate) struct ShellState {
    pub status: ShellStatus,
    pub exit_code: Option<i32>,
    pub stdout: Unread,
    pub stderr: Unread,
    /// The output file; `None` after a write failed.
    pub file: Option<File>,
    pub file_bytes: u64,
}

/// One background shell.
#[derive(Debug)]
pub(crate) struct Shell {
    pub id: String,
    pub command: String,
    pub output_path: PathBuf,
    pub pgid: Pid,
    /// Cancelled to ask the supervisor to end the group.
    pub stop: CancellationToken,
    /// Becomes true when the supervisor has finished (group ended and reaped).
    pub done: watch::Receiver<bool>,
    pub state: Mutex<ShellState>,
}

impl Shell {
    /// The state, even if a holder panicked (it stays consistent).
    pub fn lock(&self) -> MutexGuard<'_, ShellState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn info(&self) -> ShellInfo {
        let state = self.lock();
        ShellInfo {
            id: self.id.clone(),
            command: self.command.clone(),
            status: state.status,
            exit_code: state.exit_code,
            output_path: self.output_path.clone(),
        }
    }

    async fn wait_done(&self, limit: Duration) -> bool {
        let mut done = self.done.clone();
        tokio::time::timeout(limit, done.wait_for(|finished| *finished))
            .await
            .is_ok_and(|result| result.is_ok())
    }
}

/// A shell just started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedShell {
    /// Its id, e.g. `bash_1`.
    pub id: String,
    /// The file receiving its output.
    pub output_path: PathBuf,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    shells: Vec<Arc<Shell>>,
}

/// The background shells of one session.
#[derive(Debug, Default)]
pub struct ShellRegistry {
    inner: Mutex<Inner>,
}

impl ShellRegistry {
    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts `spawn` as a background shell running `command`; its output
    /// goes to a new file in `spill_dir` named after the shell and
    /// `tool_use_id`. Must be called inside a tokio runtime.
    ///
    /// Errors: [`ShellError::TooMany`], [`ShellError::Output`],
    /// [`ShellError::Spawn`].
    pub(crate) fn start(
        &self,
        command: &str,
        spawn: &Spawn,
        spill_dir: &Path,
        tool_use_id: &str,
    ) -> Result<StartedShell, ShellError> {
        let mut inner = self.inner();
        let running = inner
            .shells
            .iter()
            .filter(|shell| shell.lock().status == ShellStatus::Running)
            .count();
        if running >= MAX_RUNNING {
            return Err(ShellError::TooMany { limit: MAX_RUNNING });
        }
        let id = format!("bash_{}", inner.next_id + 1);
        let (file, output_path) =
            spill::create(spill_dir, &format!("{id}-{tool_use_id}"), ".output")?;
        let (group, stdout, stderr) = match Group::start(spawn) {
            Ok(started) => started,
            Err(err) => {
                drop(file);
                let _ = std::fs::remove_file(&output_path);
                return Err(ShellError::Spawn(err));
            }
        };
        inner.next_id += 1;
        let (done_tx, done_rx) = watch::channel(false);
        let shell = Arc::new(Shell {
            id: id.clone(),
            command: command.to_owned(),
            output_path: output_path.clone(),
            pgid: group.pgid(),
            stop: CancellationToken::new(),
            done: done_rx,
            state: Mutex::new(ShellState {
                status: ShellStatus::Running,
                exit_code: None,
                stdout: Unread::default(),
                stderr: Unread::default(),
                file: Some(file),
                file_bytes: 0,
            }),
        });
        inner.shells.push(Arc::clone(&shell));
        forget_oldest_finished(&mut inner.shells);
        drop(inner);
        tokio::spawn(background::supervise(shell, group, stdout, stderr, done_tx));
        Ok(StartedShell { id, output_path })
    }

    /// Every shell remembered, oldest first.
    pub fn list(&self) -> Vec<ShellInfo> {
        self.inner()
            .shells
            .iter()
            .map(|shell| shell.info())
            .collect()
    }

    fn find(&self, id: &str) -> Result<Arc<Shell>, ShellError> {
        let inner = self.inner();
        if let Some(shell) = inner.shells.iter().find(|shell| shell.id == id) {
            return Ok(Arc::clone(shell));
        }
        let ids: Vec<&str> = inner.shells.iter().map(|shell| shell.id.as_str()).collect();
        let known = if ids.is_empty() {
            "No background shells were started in this session.".to_owned()
        } else {
            format!("Known shells: {}.", ids.join(", "))
        };
        Err(ShellError::NotFound {
            id: id.to_owned(),
            known,
        })
    }

    /// Takes the output shell `id` produced since the previous read. With
    /// `filter`, only lines matching it are returned; the others are
    /// consumed all the same.
    ///
    /// Errors: [`ShellError::NotFound`].
    pub fn read_new(&self, id: &str, filter: Option<&Regex>) -> Result<ShellRead, ShellError> {
        let shell = self.find(id)?;
        let mut state = shell.lock();
        let finished = state.status != ShellStatus::Running;
        let (stdout, dropped_out) = state.stdout.take(finished);
        let (stderr, dropped_err) = state.stderr.take(finished);
        drop(state);
        let keep = |text: String| match filter {
            None => text,
            Some(regex) => text
                .lines()
                .filter(|line| regex.is_match(line))
                .map(|line| format!("{line}\n"))
                .collect(),
        };
        Ok(ShellRead {
            info: shell.info(),
            stdout: keep(stdout),
            stderr: keep(stderr),
            dropped_bytes: dropped_out + dropped_err,
        })
    }

    /// Waits up to `limit` for shell `id` to finish; returns its status then.
    ///
    /// Errors: [`ShellError::NotFound`].
    pub async fn wait(&self, id: &str, limit: Duration) -> Result<ShellInfo, ShellError> {
        let shell = self.find(id)?;
        shell.wait_done(limit).await;
        Ok(shell.info())
    }

    /// Stops shell `id`: SIGTERM to its whole group, SIGKILL after a short
    /// grace, members reaped. Returns its final state.
    ///
    /// Errors: [`ShellError::NotFound`], [`ShellError::NotRunning`].
    pub async fn kill(&self, id: &str) -> Result<ShellInfo, ShellError> {
        let shell = self.find(id)?;
        let status = shell.lock().status;
        if status != ShellStatus::Running {
            return Err(ShellError::NotRunning {
                id: id.to_owned(),
                status: status.as_str(),
            });
        }
        shell.stop.cancel();
        shell.wait_done(STOP_WAIT).await;
        Ok(shell.info())
    }

    /// Stops every running shell and waits (a few seconds at most) until
    /// their groups are gone. The session calls this when it ends.
    pub async fn kill_all(&self) {
        let shells: Vec<Arc<Shell>> = self.inner().shells.clone();
        for shell in &shells {
            shell.stop.cancel();
        }
        let waits = shells.iter().map(|shell| shell.wait_done(STOP_WAIT));
        futures::future::join_all(waits).await;
    }
}

impl Drop for ShellRegistry {
    fn drop(&mut self) {
        for shell in &self.inner().shells {
            if shell.lock().status == ShellStatus::Running {
                shell.stop.cancel();
                signal_group(shell.pgid, Signal::SIGKILL);
            }
        }
    }
}

/// Keeps at most [`MAX_KEPT`] shells, forgetting the oldest finished ones.
fn forget_oldest_finished(shells: &mut Vec<Arc<Shell>>) {
    while shells.len() > MAX_KEPT {
        let Some(index) = shells
            .iter()
            .position(|shell| shell.lock().status != ShellStatus::Running)
        else {
            return;
        };
        shells.remove(index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unread_output_is_capped_and_counts_what_it_dropped() {
        let mut unread = Unread::default();
        unread.push(&vec![b'a'; UNREAD_CAP_BYTES]);
        unread.push(b"bcd");
        let (text, dropped) = unread.take(false);
        assert_eq!(dropped, 3);
        assert!(text.ends_with("abcd"));
        assert_eq!(text.len(), UNREAD_CAP_BYTES);
        assert_eq!(unread.take(false), (String::new(), 0));
    }

    #[test]
    fn a_split_character_waits_for_its_remaining_bytes() {
        let mut unread = Unread::default();
        let euro = "€".as_bytes();
        unread.push(b"price: ");
        unread.push(&euro[..2]);
        assert_eq!(unread.take(false).0, "price: ");
        unread.push(&euro[2..]);
        assert_eq!(unread.take(false).0, "€");
        assert_eq!(incomplete_suffix("ab€".as_bytes()), 0);
    }
}

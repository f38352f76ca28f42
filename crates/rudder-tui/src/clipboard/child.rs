//! One clipboard program as a child process: the leader of a process
//! group of its own, stdin from /dev/null, stdout read up to a cap, the
//! start of stderr kept for messages.
//!
//! Contract: ARCHITECTURE.md "Bounded resources" (every child in its own
//! process group, owned, limited, gone when its owner ends). The whole
//! group gets SIGKILL when the deadline passes, when stdout passes the cap,
//! when the run is dropped (the TUI exits), and after the leader exited if
//! anything of the group is left; a clipboard reader holds no state worth
//! a gentler end. Members re-parented to rudder (a child subreaper, see
//! rudder-cli's `main`) are reaped by process group. Must never: signal
//! anything but the group it started, or wait without a deadline.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Child;
use tokio::time::Instant;

/// Most stderr bytes kept for a message.
const MAX_STDERR_BYTES: usize = 4 * 1024;

/// How long the killed leader may take to be collected, and the group's
/// other members to be reaped.
const KILL_WAIT: Duration = Duration::from_millis(500);

/// How often the killed group's members are reaped.
const POLL: Duration = Duration::from_millis(20);

/// Why a run produced no output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RunError {
    /// The deadline passed; the group was killed.
    TimedOut,
    /// stdout passed the cap; the group was killed.
    TooLarge,
    /// It could not start, its output could not be read, or it exited with
    /// a failure: the first line of its stderr, or what failed.
    Failed(String),
}

/// Runs `program args…` until it exits or `deadline` passes, and returns
/// its stdout when it exits successfully.
///
/// Errors: [`RunError::TimedOut`], [`RunError::TooLarge`] (more than `cap`
/// bytes on stdout), [`RunError::Failed`]. In every case the process
/// group is ended before this returns, or, when this future is dropped,
/// on the drop.
pub(super) async fn run(
    program: &Path,
    args: &[String],
    deadline: Instant,
    cap: usize,
) -> Result<Vec<u8>, RunError> {
    let child = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| RunError::Failed(format!("cannot start it: {error}")))?;
    let mut owned = Owned::new(child);
    let result = tokio::time::timeout_at(deadline, owned.output(cap)).await;
    owned.end().await;
    match result {
        Err(_) => Err(RunError::TimedOut),
        Ok(output) => output,
    }
}

/// A started child and its process group, killed on drop unless ended.
struct Owned {
    child: Child,
    /// The group, which is the leader's pid (`None` if it had exited
    /// before its pid was read).
    group: Option<Pid>,
    ended: bool,
}

impl Owned {
    fn new(child: Child) -> Self {
        let group = child
            .id()
            .and_then(|pid| i32::try_from(pid).ok())
            .map(Pid::from_raw);
        Self {
            child,
            group,
            ended: false,
        }
    }

    /// Reads stdout (up to `cap`) and stderr until both close, then waits
    /// for the leader. Stdout passing the cap ends the read at once (the
    /// program may still be blocked writing).
    async fn output(&mut self, cap: usize) -> Result<Vec<u8>, RunError> {
        let mut stdout = Box::pin(read_capped(self.child.stdout.take(), cap));
        let mut stderr = Box::pin(read_capped(self.child.stderr.take(), MAX_STDERR_BYTES));
        let mut said = None;
        let stdout = loop {
            tokio::select! {
                read = &mut stdout => break read,
                read = &mut stderr, if said.is_none() => said = Some(read),
            }
        };
        let stdout =
            stdout.map_err(|error| RunError::Failed(format!("cannot read its output: {error}")))?;
        if stdout.len() > cap {
            return Err(RunError::TooLarge);
        }
        let said = match said {
            Some(read) => read,
            None => stderr.await,
        }
        .unwrap_or_default();
        let status = self
            .child
            .wait()
            .await
            .map_err(|error| RunError::Failed(format!("cannot wait for it: {error}")))?;
        if status.success() {
            return Ok(stdout);
        }
        let said = String::from_utf8_lossy(&said);
        Err(RunError::Failed(
            match said.lines().map(str::trim).find(|line| !line.is_empty()) {
                Some(line) => line.to_owned(),
                None => format!("it exited with {status}"),
            },
        ))
    }

    /// Kills whatever is left of the group, collects the leader and reaps
    /// the members re-parented to rudder, within [`KILL_WAIT`].
    async fn end(&mut self) {
        self.ended = true;
        let Some(group) = self.group else {
            return;
        };
        if self.child.try_wait().ok().flatten().is_none() || group_exists(group) {
            signal_group(group);
        }
        let _ = tokio::time::timeout(KILL_WAIT, self.child.wait()).await;
        let deadline = Instant::now() + KILL_WAIT;
        while reap_members(group) && Instant::now() < deadline {
            tokio::time::sleep(POLL).await;
        }
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        if let Some(group) = self.group {
            signal_group(group);
            // Members re-parented to rudder stay zombies unless reaped.
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    let deadline = Instant::now() + KILL_WAIT;
                    while reap_members(group) && Instant::now() < deadline {
                        tokio::time::sleep(POLL).await;
                    }
                });
            }
        }
    }
}

/// Reads `pipe` to its end, keeping at most `cap + 1` bytes (one more
/// than allowed tells the caller the cap was passed).
async fn read_capped(pipe: Option<impl AsyncRead + Unpin>, cap: usize) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if let Some(pipe) = pipe {
        let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
        pipe.take(limit).read_to_end(&mut bytes).await?;
    }
    Ok(bytes)
}

/// Whether group `group` still has a member (zombies included).
fn group_exists(group: Pid) -> bool {
    killpg(group, None) != Err(Errno::ESRCH)
}

/// SIGKILL to every member of `group`; a group already gone is fine.
fn signal_group(group: Pid) {
    if group.as_raw() > 1 {
        let _ = killpg(group, Signal::SIGKILL);
    }
}

/// Reaps the exited members of `group` that are rudder's children.
/// Returns whether any member may still be left to reap.
fn reap_members(group: Pid) -> bool {
    loop {
        match waitpid(Pid::from_raw(-group.as_raw()), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => return true,
            Ok(_) => continue,
            Err(_) => return false,
        }
    }
}

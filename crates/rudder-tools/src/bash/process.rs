//! One shell process tree: spawned in a session and process group of its
//! own, ended as a whole, and reaped.
//!
//! Contract: ARCHITECTURE.md "Bounded resources" and USER-PAINS.md §4.3 /
//! §6.3 (every child in its own process group owned by one session; no
//! controlling terminal; stdin from /dev/null; on timeout or interrupt the
//! whole group dies within 2 s, `&`-detached members included) and
//! RUST-DEPS.md "Process trees" (do not assume the group is gone when the
//! leader exits; reap by process group when rudder is a child subreaper).
//!
//! The session (`setsid`) is made by process-wrap's `ProcessSession`, so
//! this crate needs no `unsafe`. The leader is waited for by tokio, and
//! only after that are other members reaped with `waitpid(-pgid)`, so the
//! leader's exit status is never stolen. A [`Group`] that is dropped
//! before [`Group::terminate`] finished sends SIGKILL to the whole group
//! and, inside a tokio runtime, reaps its members in the background.
//! Processes that leave the group on purpose (`setsid`, `setpgid`) are out
//! of reach of group signals; that is a known limit.

use std::io;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::signal::{Signal, kill, killpg};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;
use process_wrap::tokio::{ChildWrapper, CommandWrap, KillOnDrop, ProcessSession};
use tokio::process::{ChildStderr, ChildStdin, ChildStdout};

/// How often a group is polled while it is being ended.
const POLL: Duration = Duration::from_millis(20);

/// How long a group gets after SIGKILL before rudder gives up waiting.
const KILL_WAIT: Duration = Duration::from_millis(800);

/// Makes this process a child subreaper (Linux `PR_SET_CHILD_SUBREAPER`):
/// orphans of the shells rudder starts are re-parented to rudder instead of
/// PID 1, so ending a group can reap every member at once and a finished
/// group leaves no zombies behind (RUST-DEPS.md "Process trees").
///
/// The binary calls this once at start-up, before starting any child.
/// From then on, orphans of *every* child (hooks, MCP servers, git) come
/// to rudder: each owner must wait for its child and reap its group by
/// process group, as Bash groups do here (process-wrap's `ProcessGroup`
/// child does the same in `wait`), or exited orphans stay zombies until
/// rudder exits. Takes nothing; returns `Ok(())` when set.
///
/// Errors: the `prctl` failure (e.g. not permitted in a restricted
/// container); rudder still works without it, zombies are then reaped by
/// PID 1 a moment later.
#[cfg(target_os = "linux")]
pub fn become_child_subreaper() -> Result<(), io::Error> {
    nix::sys::prctl::set_child_subreaper(true).map_err(io::Error::from)
}

/// Makes this process a child subreaper where the OS has the notion; on
/// systems without it this does nothing and returns `Ok(())`.
#[cfg(not(target_os = "linux"))]
pub fn become_child_subreaper() -> Result<(), io::Error> {
    Ok(())
}

/// What to start: `argv[0]` with the rest as arguments.
#[derive(Debug, Clone)]
pub struct Spawn {
    /// Program and arguments; at least one element.
    pub argv: Vec<String>,
    /// Working directory.
    pub cwd: PathBuf,
    /// Variables set on top of the inherited environment, in order.
    pub env: Vec<(String, String)>,
}

/// A running process group whose leader rudder started (the Bash tool's
/// shells, and hooks run by `rudder-core`).
#[derive(Debug)]
pub struct Group {
    leader: Box<dyn ChildWrapper>,
    pgid: Pid,
    /// The leader's exit status, once it was waited for.
    status: Option<ExitStatus>,
    /// True once the group was seen empty (nothing left to kill).
    ended: bool,
}

impl Group {
    /// Starts `spawn` as the leader of a new session and process group,
    /// with stdin from /dev/null and stdout/stderr piped.
    ///
    /// Errors: the spawn failure (program missing, directory missing, …).
    pub fn start(spawn: &Spawn) -> io::Result<(Self, ChildStdout, ChildStderr)> {
        let (group, _, stdout, stderr) = Self::start_with(spawn, Stdio::null())?;
        Ok((group, stdout, stderr))
    }

    /// Like [`Group::start`], but stdin is a pipe: returns the writing end
    /// too (hooks read their input document from it).
    ///
    /// Errors: the spawn failure (program missing, directory missing, …).
    pub fn start_with_stdin(
        spawn: &Spawn,
    ) -> io::Result<(Self, ChildStdin, ChildStdout, ChildStderr)> {
        match Self::start_with(spawn, Stdio::piped())? {
            (group, Some(stdin), stdout, stderr) => Ok((group, stdin, stdout, stderr)),
            _ => Err(io::Error::other("the child's input pipe was not created")),
        }
    }

    fn start_with(
        spawn: &Spawn,
        stdin: Stdio,
    ) -> io::Result<(Self, Option<ChildStdin>, ChildStdout, ChildStderr)> {
        let (program, args) = spawn
            .argv
            .split_first()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty command line"))?;
        let mut command = tokio::process::Command::new(program);
        command
            .args(args)
            .current_dir(&spawn.cwd)
            .envs(spawn.env.iter().map(|(key, value)| (key, value)))
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut wrapped = CommandWrap::from(command);
        wrapped.wrap(ProcessSession).wrap(KillOnDrop);
        // The session wrapper's child reaps by group in `wait`, which could
        // block on members left running; keep the plain child and do the
        // group handling here.
        let mut leader = wrapped.spawn()?.into_inner();
        let pid = leader
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .ok_or_else(|| io::Error::other("the shell exited before its id could be read"))?;
        let stdin = leader.stdin().take();
        let stdout = leader.stdout().take();
        let stderr = leader.stderr().take();
        let group = Self {
            leader,
            pgid: Pid::from_raw(pid),
            status: None,
            ended: false,
        };
        match (stdout, stderr) {
            (Some(stdout), Some(stderr)) => Ok((group, stdin, stdout, stderr)),
            _ => Err(io::Error::other(
                "the shell's output pipes were not created",
            )),
        }
    }

    /// The process group id (the leader's pid).
    pub fn pgid(&self) -> Pid {
        self.pgid
    }

    /// Waits until the leader exits and returns its status. Cancel-safe:
    /// dropping the future leaves the group running.
    ///
    /// Errors: the wait failure reported by the OS.
    pub async fn wait_leader(&mut self) -> io::Result<ExitStatus> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        let status = self.leader.wait().await?;
        self.status = Some(status);
        Ok(status)
    }

    /// Ends the whole group: nothing happens if it is already empty;
    /// otherwise SIGTERM, up to `grace` for the members to exit, then
    /// SIGKILL and up to one more second. Members that became rudder's
    /// children (as a subreaper) are reaped on the way. Returns when the
    /// group is empty (zombies of other parents aside) or the waits ran out.
    pub async fn terminate(&mut self, grace: Duration) {
        if self.settled() {
            return;
        }
        signal_group(self.pgid, Signal::SIGTERM);
        if self.settle_within(grace).await {
            return;
        }
        signal_group(self.pgid, Signal::SIGKILL);
        if !self.settle_within(KILL_WAIT).await {
            tracing::warn!(
                pgid = self.pgid.as_raw(),
                "processes of a shell group survived SIGKILL"
            );
        }
    }

    /// Polls until the group is empty or `limit` passes; true when empty.
    async fn settle_within(&mut self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if self.settled() {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Collects the leader if it exited, reaps other members once the
    /// leader is collected, and reports whether nothing is left alive.
    fn settled(&mut self) -> bool {
        if self.ended {
            return true;
        }
        if self.status.is_none()
            && let Ok(Some(status)) = self.leader.try_wait()
        {
            self.status = Some(status);
        }
        if self.status.is_none() {
            return false;
        }
        reap_members(self.pgid);
        self.ended = !group_alive(self.pgid);
        if self.ended {
            // Members that died since the first pass are zombies now.
            reap_members(self.pgid);
        }
        self.ended
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        signal_group(self.pgid, Signal::SIGKILL);
        // Members re-parented to rudder (as a subreaper) would stay zombies:
        // reap them once they died. Nobody waits for the leader any more,
        // so it may be reaped here too.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let pgid = self.pgid;
            runtime.spawn(async move {
                let deadline = tokio::time::Instant::now() + KILL_WAIT;
                while tokio::time::Instant::now() < deadline {
                    reap_members(pgid);
                    if kill(Pid::from_raw(-pgid.as_raw()), None) == Err(Errno::ESRCH) {
                        return;
                    }
                    tokio::time::sleep(POLL).await;
                }
            });
        }
    }
}

/// Sends `signal` to every member of group `pgid`; a group that is already
/// gone is not an error.
pub(crate) fn signal_group(pgid: Pid, signal: Signal) {
    match killpg(pgid, signal) {
        Ok(()) | Err(Errno::ESRCH) => {}
        Err(err) => tracing::warn!(pgid = pgid.as_raw(), %err, "could not signal a shell group"),
    }
}

/// Reaps every exited member of group `pgid` that is a child of this
/// process (members re-parented here when rudder is a subreaper). Called
/// only once the leader was collected, or nobody waits for it any more.
fn reap_members(pgid: Pid) {
    loop {
        match waitpid(Pid::from_raw(-pgid.as_raw()), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(_) => return,
            Ok(_) => continue,
        }
    }
}

/// Whether group `pgid` still has a member that is not a zombie. Where
/// `/proc` cannot be read, any member counts.
pub(crate) fn group_alive(pgid: Pid) -> bool {
    if kill(Pid::from_raw(-pgid.as_raw()), None) == Err(Errno::ESRCH) {
        return false;
    }
    live_members(pgid).is_none_or(|count| count > 0)
}

/// Members of group `pgid` that are not zombies, counted from `/proc`;
/// `None` when `/proc` is not available.
fn live_members(pgid: Pid) -> Option<usize> {
    let entries = std::fs::read_dir("/proc").ok()?;
    let wanted = pgid.as_raw().to_string();
    let count = entries
        .filter_map(Result::ok)
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|entry| std::fs::read_to_string(entry.path().join("stat")).ok())
        .filter(|stat| {
            // `pid (comm) state ppid pgrp …`; comm may hold spaces and parens.
            let Some((_, rest)) = stat.rsplit_once(')') else {
                return false;
            };
            let mut fields = rest.split_whitespace();
            let state = fields.next().unwrap_or("Z");
            let pgrp = fields.nth(1).unwrap_or("");
            pgrp == wanted && state != "Z" && state != "X"
        })
        .count();
    Some(count)
}

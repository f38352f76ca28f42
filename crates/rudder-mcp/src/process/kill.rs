//! Ending a server's whole process group, bounded in time, and reaping it.
//!
//! Contract: MCP spec "stdio" shutdown (close the server's stdin, wait, then
//! SIGTERM, then SIGKILL) applied to the process *group*, because launchers
//! like `npx` leave the real server in a child process; RUST-DEPS.md
//! "Process trees" (a group is not gone when its leader exits; reap by
//! group when rudder is a child subreaper).
//!
//! Signals only the groups it is given; never by name, never PID 1 or 0.

use std::time::Duration;

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;
use tokio::process::Child;
use tokio::time::Instant;

use super::procfs::{group_members, live_group_members, read_stat};

/// How long to wait after SIGKILL for the kernel to finish the group.
const KILL_WAIT: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(25);

/// What [`terminate_group`] had to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// The group was empty after stdin closed (or already).
    Exited,
    /// SIGTERM ended it.
    Terminated,
    /// SIGKILL was needed.
    Killed,
    /// Members were still running after SIGKILL and the wait (a process in
    /// uninterruptible sleep); logged.
    Survivors,
}

/// Ends process group `pgid` whose leader is `child`: waits up to
/// `eof_wait` for it to exit on its own (its stdin should already be
/// closed), then SIGTERM and up to `grace`, then SIGKILL and up to 2 s; then
/// reaps the leader and any group members rudder is parent of. Total time is
/// bounded by `eof_wait + grace + 2 s` plus polling.
pub(crate) async fn terminate_group(
    child: &mut Child,
    pgid: i32,
    eof_wait: Duration,
    grace: Duration,
) -> Ending {
    if pgid <= 1 {
        return Ending::Exited;
    }
    let mut ending = Ending::Exited;
    if !wait_empty(child, pgid, eof_wait).await {
        signal_group(pgid, Signal::SIGTERM);
        ending = Ending::Terminated;
        if !wait_empty(child, pgid, grace).await {
            signal_group(pgid, Signal::SIGKILL);
            ending = Ending::Killed;
            if !wait_empty(child, pgid, KILL_WAIT).await {
                tracing::warn!(pgid, "MCP server group still has members after SIGKILL");
                ending = Ending::Survivors;
            }
        }
    }
    // Reap the leader (tokio owns it) and then any other member we parent.
    let _ = tokio::time::timeout(Duration::from_millis(500), child.wait()).await;
    reap_group(pgid, pgid);
    ending
}

/// Polls until the group has no running member (zombies do not count) or
/// `limit` passes; reaps the leader as soon as it exits. True when empty.
async fn wait_empty(child: &mut Child, pgid: i32, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        let _ = child.try_wait();
        reap_group(pgid, pgid);
        if live_group_members(pgid).is_empty() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Sends `signal` to group `pgid`; a group that no longer exists is fine.
pub(crate) fn signal_group(pgid: i32, signal: Signal) {
    if pgid <= 1 {
        return;
    }
    match killpg(Pid::from_raw(pgid), signal) {
        Ok(()) | Err(Errno::ESRCH) => {}
        Err(error) => tracing::warn!(pgid, %error, "cannot signal MCP server group"),
    }
}

/// Reaps the exited members of `pgid` whose parent is rudder (members
/// re-parented to rudder when the binary made itself a child subreaper),
/// except `leader`, which tokio reaps (reaping it here would let tokio later
/// signal a PID the kernel may have reused). Waits only on exact PIDs.
pub(crate) fn reap_group(pgid: i32, leader: i32) {
    let me = std::process::id() as i32;
    for member in group_members(pgid) {
        if member.is_zombie() && member.ppid == me && member.pid != leader {
            let _ = waitpid(Pid::from_raw(member.pid), Some(WaitPidFlag::WNOHANG));
        }
    }
}

/// SIGKILLs group `pgid` if it is still the group rudder started: its leader
/// is alive with start time `leader_start`, or the leader is gone and
/// members remain (a group id cannot be reused while it has members). A
/// leader PID now held by another process means the group is gone: nothing
/// is sent. Returns whether the signal was sent. Synchronous, for `Drop`.
pub(crate) fn kill_group_if_ours(pgid: i32, leader_start: u64) -> bool {
    if pgid <= 1 {
        return false;
    }
    let ours = match read_stat(pgid) {
        Some(stat) => stat.start_time == leader_start && stat.pgid == pgid,
        None => !live_group_members(pgid).is_empty(),
    };
    if ours {
        signal_group(pgid, Signal::SIGKILL);
    }
    ours
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Stdio;
    use tokio::process::Command;

    fn spawn_group(script: &str) -> (Child, i32) {
        let child = Command::new("sh")
            .args(["-c", script])
            .stdin(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let pid = child.id().unwrap() as i32;
        (child, pid)
    }

    #[tokio::test]
    async fn sigterm_ends_a_group_with_background_children() {
        let (mut child, pgid) = spawn_group("sleep 30 & sleep 30 & wait");
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(live_group_members(pgid).len() >= 3);
        let ending = terminate_group(
            &mut child,
            pgid,
            Duration::from_millis(50),
            Duration::from_secs(2),
        )
        .await;
        assert_eq!(ending, Ending::Terminated);
        assert!(live_group_members(pgid).is_empty());
    }

    #[tokio::test]
    async fn sigkill_follows_an_ignored_sigterm() {
        let (mut child, pgid) = spawn_group("trap '' TERM; sleep 30 & wait; sleep 30");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let ending =
            terminate_group(&mut child, pgid, Duration::ZERO, Duration::from_millis(200)).await;
        assert_eq!(ending, Ending::Killed);
        assert!(live_group_members(pgid).is_empty());
    }
}

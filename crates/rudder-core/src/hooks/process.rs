//! One hook command as a process: `/bin/sh -c <command>` in a session and
//! process group of its own, its input document on stdin, stdout and
//! stderr captured with a byte cap, and the whole group ended when the
//! hook is done, timed out or cancelled.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §5.1 (hooks run through the shell in
//! the session's cwd, with Claude Code's environment plus
//! `CLAUDE_PROJECT_DIR`; a timed-out hook decides nothing) and
//! ARCHITECTURE.md "Bounded resources" (every child in its own process
//! group, gone when its owner ends). The group is rudder-tools' [`Group`]
//! (process-wrap's `ProcessSession`, no `unsafe`).
//!
//! Ending: when the shell exits, the pipes get [`DRAIN_WAIT`] to close
//! (members it left running may still hold them); then whatever is left of
//! the group gets SIGTERM, [`TERM_GRACE`], SIGKILL. On timeout or cancel
//! the same happens at once. So no member of a hook's group outlives the
//! hook's run: a hook that wants a daemon must detach it on purpose
//! (`setsid`). Worst case after the timeout: 0.5 s grace + 0.8 s after
//! SIGKILL.

use std::path::Path;
use std::time::{Duration, Instant};

use rudder_tools::bash::process::{Group, Spawn};
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

use super::capture::{Captured, OUTPUT_CAP_BYTES, read_capped};

/// How long the pipes may stay open after the shell exited.
pub const DRAIN_WAIT: Duration = Duration::from_millis(300);

/// Time between SIGTERM and SIGKILL when a group is ended.
pub const TERM_GRACE: Duration = Duration::from_millis(500);

/// The shell hooks run with.
const SHELL: &str = "/bin/sh";

/// What to run.
#[derive(Debug, Clone, Copy)]
pub(super) struct HookProcess<'a> {
    /// The shell command.
    pub command: &'a str,
    /// Bytes written to stdin, which is then closed.
    pub stdin: &'a [u8],
    /// Working directory.
    pub cwd: &'a Path,
    /// Variables set on top of rudder's environment.
    pub env: &'a [(String, String)],
    /// Kill the group after this long.
    pub timeout: Duration,
    /// Kill the group when this fires.
    pub cancel: &'a CancellationToken,
}

/// How the run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Ending {
    /// The shell exited; `None` when a signal ended it.
    Exited(Option<i32>),
    /// Killed at the timeout.
    TimedOut,
    /// Killed because the cancel token fired.
    Cancelled,
    /// The shell could not be started (the OS error).
    NotStarted(String),
}

/// A finished run.
#[derive(Debug)]
pub(super) struct Execution {
    /// How it ended.
    pub ending: Ending,
    /// Captured stdout.
    pub stdout: Captured,
    /// Captured stderr.
    pub stderr: Captured,
    /// Wall time, ending of the group included.
    pub duration: Duration,
}

impl Execution {
    /// The exit code, when the shell exited with one.
    pub fn exit_code(&self) -> Option<i32> {
        match self.ending {
            Ending::Exited(code) => code,
            _ => None,
        }
    }
}

/// Runs `process` to its end; never fails (a spawn error is an
/// [`Ending::NotStarted`]).
pub(super) async fn execute(process: HookProcess<'_>) -> Execution {
    let started = Instant::now();
    let spawn = Spawn {
        argv: vec![
            SHELL.to_owned(),
            "-c".to_owned(),
            process.command.to_owned(),
        ],
        cwd: process.cwd.to_owned(),
        env: process.env.to_vec(),
    };
    let (mut group, mut stdin, mut out_pipe, mut err_pipe) = match Group::start_with_stdin(&spawn) {
        Ok(started) => started,
        Err(error) => {
            return Execution {
                ending: Ending::NotStarted(error.to_string()),
                stdout: Captured::default(),
                stderr: Captured::default(),
                duration: started.elapsed(),
            };
        }
    };
    let input = process.stdin.to_vec();
    // A hook that never reads its input must not stall the run: the write
    // happens beside it and ends (broken pipe) when the group is gone.
    let writer = tokio::spawn(async move {
        let _ = stdin.write_all(&input).await;
        let _ = stdin.shutdown().await;
    });
    let deadline = tokio::time::Instant::now() + process.timeout;
    let mut stdout = Captured::default();
    let mut stderr = Captured::default();
    let ending = {
        let reading = futures::future::join(
            read_capped(&mut out_pipe, &mut stdout, OUTPUT_CAP_BYTES),
            read_capped(&mut err_pipe, &mut stderr, OUTPUT_CAP_BYTES),
        );
        tokio::pin!(reading);
        let mut pipes_closed = false;
        let ending = loop {
            tokio::select! {
                status = group.wait_leader() => {
                    break Ending::Exited(status.ok().and_then(|status| status.code()));
                }
                _ = &mut reading, if !pipes_closed => pipes_closed = true,
                () = tokio::time::sleep_until(deadline) => break Ending::TimedOut,
                () = process.cancel.cancelled() => break Ending::Cancelled,
            }
        };
        if matches!(ending, Ending::Exited(_)) && !pipes_closed {
            let drain_until = deadline.min(tokio::time::Instant::now() + DRAIN_WAIT);
            tokio::select! {
                _ = &mut reading => {}
                () = tokio::time::sleep_until(drain_until) => {}
                () = process.cancel.cancelled() => {}
            }
        }
        ending
    };
    group.terminate(TERM_GRACE).await;
    writer.abort();
    Execution {
        ending,
        stdout,
        stderr,
        duration: started.elapsed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn run(command: &str, stdin: &str, timeout: Duration) -> Execution {
        let dir = tempfile::tempdir().unwrap();
        let cancel = CancellationToken::new();
        execute(HookProcess {
            command,
            stdin: stdin.as_bytes(),
            cwd: dir.path(),
            env: &[("HOOK_TEST_VAR".to_owned(), "set".to_owned())],
            timeout,
            cancel: &cancel,
        })
        .await
    }

    #[tokio::test]
    async fn reads_stdin_and_reports_exit_code_and_output() {
        let execution = run(
            "cat; echo \" $HOOK_TEST_VAR\"; echo oops >&2; exit 3",
            "{\"a\":1}",
            Duration::from_secs(10),
        )
        .await;
        assert_eq!(execution.ending, Ending::Exited(Some(3)));
        assert_eq!(execution.stdout.text(), "{\"a\":1} set\n");
        assert_eq!(execution.stderr.text(), "oops\n");
    }

    #[tokio::test]
    async fn a_hook_that_ignores_stdin_still_finishes() {
        let big = "x".repeat(1 << 20);
        let execution = run("echo done", &big, Duration::from_secs(10)).await;
        assert_eq!(execution.ending, Ending::Exited(Some(0)));
        assert_eq!(execution.stdout.text(), "done\n");
    }

    #[tokio::test]
    async fn a_timed_out_hook_is_killed_with_its_group() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("child.pid");
        let command = format!(
            "sleep 30 & echo $! > {}; echo partial; wait",
            pid_file.display()
        );
        let execution = run(&command, "", Duration::from_millis(300)).await;
        assert_eq!(execution.ending, Ending::TimedOut);
        assert_eq!(execution.stdout.text(), "partial\n");
        assert!(execution.duration < Duration::from_millis(2300));
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        let alive = std::path::Path::new(&format!("/proc/{}", pid.trim())).exists()
            && !std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
                .unwrap_or_default()
                .contains(") Z");
        assert!(!alive, "the hook's background child survived");
    }

    #[tokio::test]
    async fn a_background_child_holding_the_pipe_does_not_hold_the_hook() {
        let execution = run("sleep 120 & echo quick", "", Duration::from_secs(60)).await;
        assert_eq!(execution.ending, Ending::Exited(Some(0)));
        assert_eq!(execution.stdout.text(), "quick\n");
        assert!(
            execution.duration < Duration::from_secs(60),
            "waited for the timeout"
        );
    }

    #[tokio::test]
    async fn cancelling_kills_the_hook() {
        let dir = tempfile::tempdir().unwrap();
        let cancel = CancellationToken::new();
        let trigger = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            trigger.cancel();
        });
        let execution = execute(HookProcess {
            command: "sleep 30",
            stdin: b"",
            cwd: dir.path(),
            env: &[],
            timeout: Duration::from_secs(30),
            cancel: &cancel,
        })
        .await;
        assert_eq!(execution.ending, Ending::Cancelled);
        assert!(execution.duration < Duration::from_millis(2200));
    }

    #[tokio::test]
    async fn a_missing_directory_is_reported_not_panicked() {
        let cancel = CancellationToken::new();
        let execution = execute(HookProcess {
            command: "true",
            stdin: b"",
            cwd: Path::new("/nonexistent/rudder-hook-dir"),
            env: &[],
            timeout: Duration::from_secs(5),
            cancel: &cancel,
        })
        .await;
        assert!(matches!(execution.ending, Ending::NotStarted(_)));
    }
}

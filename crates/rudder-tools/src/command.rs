//! Running a short helper command to completion: `/bin/sh -c <command>` in
//! a session and process group of its own (the Bash tool's [`Group`]),
//! stdin from /dev/null, stdout and stderr captured up to a bound, and the
//! whole group ended when the time limit passes or the caller drops the
//! future. For commands named by settings that print a value, such as
//! `apiKeyHelper` (CLAUDE-CODE-INTERFACE.md §4.2).
//!
//! Contract: ARCHITECTURE.md "Bounded resources" (own process group, a
//! limit, gone when its owner ends). Decides nothing about whether the
//! command may run: callers only pass commands from settings that are
//! trusted (user, managed, command line, or a trusted project).

use std::io;
use std::path::Path;
use std::process::ExitStatus;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::bash::process::{Group, Spawn};

/// Grace between SIGTERM and SIGKILL when a command is ended early.
const GRACE: Duration = Duration::from_millis(500);

/// What a finished command printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    /// The shell's exit status.
    pub status: ExitStatus,
    /// Standard output, at most `max_bytes` of it, decoded lossily.
    pub stdout: String,
    /// Standard error, at most `max_bytes` of it, decoded lossily.
    pub stderr: String,
}

/// Why a command gave no output.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The shell could not be started or waited for.
    #[error("could not run `/bin/sh -c`: {0}")]
    Start(#[from] io::Error),
    /// The command did not finish in time; its whole group was ended.
    #[error("did not finish within {} ms and was stopped", .0.as_millis())]
    TimedOut(Duration),
}

/// Runs `command` with `/bin/sh -c` in `cwd`, with `env` set on top of the
/// inherited environment, and waits at most `timeout` for it. Keeps the
/// first `max_bytes` bytes of each output stream (the rest is read and
/// dropped, so a chatty command never blocks on a full pipe).
///
/// Errors: [`CommandError::Start`] when the shell cannot be started,
/// [`CommandError::TimedOut`] when it runs past `timeout` (every process of
/// its group is ended before this returns).
pub async fn run_shell_command(
    command: &str,
    cwd: &Path,
    env: &[(String, String)],
    timeout: Duration,
    max_bytes: usize,
) -> Result<CommandOutput, CommandError> {
    let spawn = Spawn {
        argv: vec!["/bin/sh".to_owned(), "-c".to_owned(), command.to_owned()],
        cwd: cwd.to_owned(),
        env: env.to_vec(),
    };
    let (mut group, stdout, stderr) = Group::start(&spawn)?;
    let stdout = tokio::spawn(read_bounded(stdout, max_bytes));
    let stderr = tokio::spawn(read_bounded(stderr, max_bytes));
    let waited = tokio::time::timeout(timeout, group.wait_leader()).await;
    // Members the command left behind (`&`) go with it; their end closes
    // the pipes, so the readers below finish.
    group.terminate(GRACE).await;
    let status = match waited {
        Err(_) => {
            stdout.abort();
            stderr.abort();
            return Err(CommandError::TimedOut(timeout));
        }
        Ok(status) => status?,
    };
    let collect = |reader: tokio::task::JoinHandle<String>| async move {
        tokio::time::timeout(GRACE, reader)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default()
    };
    Ok(CommandOutput {
        status,
        stdout: collect(stdout).await,
        stderr: collect(stderr).await,
    })
}

/// Reads `stream` to its end, keeping its first `max_bytes` bytes.
async fn read_bounded(mut stream: impl AsyncRead + Unpin + Send, max_bytes: usize) -> String {
    let mut kept = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => {
                let room = max_bytes.saturating_sub(kept.len());
                kept.extend_from_slice(&buffer[..read.min(room)]);
            }
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[tokio::test]
    async fn output_status_and_environment_come_back() {
        let dir = tempfile::tempdir().unwrap();
        let env = vec![("GREETING".to_owned(), "hi".to_owned())];
        let output = run_shell_command(
            "echo \"$GREETING from $(pwd)\"; echo oops >&2; exit 3",
            dir.path(),
            &env,
            Duration::from_secs(10),
            1024,
        )
        .await
        .unwrap();
        let cwd = dir.path().canonicalize().unwrap();
        assert_eq!(output.stdout, format!("hi from {}\n", cwd.display()));
        assert_eq!(output.stderr, "oops\n");
        assert_eq!(output.status.code(), Some(3));
    }

    #[tokio::test]
    async fn a_slow_command_is_stopped_with_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("late");
        let command = format!("(sleep 2; touch {}) & sleep 30", marker.display());
        let started = Instant::now();
        let error = run_shell_command(&command, dir.path(), &[], Duration::from_millis(200), 64)
            .await
            .unwrap_err();
        assert!(matches!(error, CommandError::TimedOut(_)), "{error}");
        assert!(started.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert!(!marker.exists(), "the background child was ended too");
    }

    #[tokio::test]
    async fn output_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let output = run_shell_command(
            "head -c 100000 /dev/zero | tr '\\0' x",
            dir.path(),
            &[],
            Duration::from_secs(10),
            10,
        )
        .await
        .unwrap();
        assert_eq!(output.stdout, "xxxxxxxxxx");
        assert!(output.status.success());
    }
}

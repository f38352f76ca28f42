//! The supervisor of one background shell: pumps its output into the
//! shell's unread buffers and output file, waits for the command to end
//! or to be stopped, then ends and reaps the whole group and records the
//! final status.
//!
//! Contract: USER-PAINS.md §4.3 — a background command that exits leaves
//! nothing behind (members it started with `&` are ended with it), and a
//! stopped one is ended as a whole group. Owned by `shells.rs`; never
//! touches any other shell.

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{ChildStderr, ChildStdout};
use tokio::sync::watch;

use super::output::StreamName;
use super::process::Group;
use crate::shells::{OUTPUT_FILE_CAP_BYTES, Shell, ShellStatus};

/// Grace between SIGTERM and SIGKILL when a group is ended.
pub(crate) const TERM_GRACE: Duration = Duration::from_millis(500);

/// How long the output pipes may stay open after the group ended (a
/// process that left the group may still hold them).
pub(crate) const DRAIN_WAIT: Duration = Duration::from_millis(300);

/// Runs shell `shell` until it ends or is stopped; sends `true` on `done`
/// when the group is gone and the status final.
pub(crate) async fn supervise(
    shell: Arc<Shell>,
    mut group: Group,
    stdout: ChildStdout,
    stderr: ChildStderr,
    done: watch::Sender<bool>,
) {
    let out = tokio::spawn(pump(Arc::clone(&shell), stdout, StreamName::Stdout));
    let err = tokio::spawn(pump(Arc::clone(&shell), stderr, StreamName::Stderr));
    let exited = tokio::select! {
        status = group.wait_leader() => status.ok(),
        () = shell.stop.cancelled() => None,
    };
    group.terminate(TERM_GRACE).await;
    let mut pumps = [out, err];
    let drain = futures::future::join_all(pumps.iter_mut());
    if tokio::time::timeout(DRAIN_WAIT, drain).await.is_err() {
        for pump in &pumps {
            pump.abort();
        }
    }
    {
        let mut state = shell.lock();
        match exited {
            Some(status) if !shell.stop.is_cancelled() => {
                state.status = ShellStatus::Completed;
                state.exit_code = Some(exit_code(status));
            }
            _ => state.status = ShellStatus::Killed,
        }
        if let Some(file) = &mut state.file {
            let _ = file.flush();
        }
    }
    let _ = done.send(true);
}

/// The exit code of `status`: the code, or 128 + the signal that ended it.
pub(crate) fn exit_code(status: ExitStatus) -> i32 {
    status
        .code()
        .or_else(|| status.signal().map(|signal| 128 + signal))
        .unwrap_or(-1)
}

/// Copies one stream into the shell's state until its end.
async fn pump<R: AsyncRead + Unpin>(shell: Arc<Shell>, mut stream: R, name: StreamName) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        let chunk = &buffer[..read];
        let mut state = shell.lock();
        match name {
            StreamName::Stdout => state.stdout.push(chunk),
            StreamName::Stderr => state.stderr.push(chunk),
        }
        let room = OUTPUT_FILE_CAP_BYTES.saturating_sub(state.file_bytes);
        let take = chunk.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        if take > 0
            && let Some(file) = &mut state.file
        {
            if file.write_all(&chunk[..take]).is_ok() {
                state.file_bytes += take as u64;
            } else {
                state.file = None;
            }
        }
    }
}

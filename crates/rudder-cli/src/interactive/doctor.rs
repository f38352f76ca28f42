//! `/doctor`: checks of the installation a person can act on — where
//! rudder keeps its state and whether it is writable, the folder's trust,
//! git, the Bash sandbox, and the checkpoint store of this session.
//!
//! Owns: the checks and their wording. Never changes anything except a
//! probe file it removes at once.

use std::path::Path;

use rudder_core::checkpoint::CheckpointStore;
use rudder_policy::TrustStore;
use rudder_policy::sandbox::{self, SandboxStatus};

use super::driver::Inner;

/// The report, one check per line (`✓` fine, `✗` needs attention).
pub(super) async fn report(inner: &Inner) -> String {
    let config = inner.session.lock().await.config().clone();
    let mut lines = vec![format!("rudder {}", env!("CARGO_PKG_VERSION"))];
    if let Ok(exe) = std::env::current_exe() {
        lines.push(format!("  binary: {}", exe.display()));
    }
    lines.push(check(
        writable(&config.rudder_home),
        &format!("state directory {}", config.rudder_home.display()),
    ));
    let trusted = TrustStore::new(&config.rudder_home).is_trusted(&config.cwd);
    lines.push(match trusted {
        Ok(true) => check(Ok(()), "this folder is trusted (project settings apply)"),
        Ok(false) => check(
            Err("not trusted: project hooks, MCP servers and env are withheld".to_owned()),
            "folder trust",
        ),
        Err(error) => check(Err(error.to_string()), "trust store"),
    });
    let git = tokio::process::Command::new("git")
        .arg("--version")
        .output()
        .await;
    lines.push(match git {
        Ok(output) if output.status.success() => {
            check(Ok(()), String::from_utf8_lossy(&output.stdout).trim())
        }
        _ => check(Err("not found on PATH".to_owned()), "git"),
    });
    lines.push(match sandbox::detect() {
        SandboxStatus::Available { bwrap } => check(
            Ok(()),
            &format!("Bash sandbox available ({})", bwrap.display()),
        ),
        SandboxStatus::Unavailable { reason } => check(Err(reason), "Bash sandbox"),
    });
    let store = CheckpointStore::dir_for(&config.rudder_home, &config.session_id);
    lines.push(if config.checkpoints {
        check(
            Ok(()),
            &format!("checkpoints on: {} ({})", store.display(), size(&store)),
        )
    } else {
        check(Err("off in this session".to_owned()), "checkpoints")
    });
    lines.join("\n")
}

fn check(result: Result<(), String>, what: &str) -> String {
    match result {
        Ok(()) => format!("  ✓ {what}"),
        Err(problem) => format!("  ✗ {what}: {problem}"),
    }
}

/// Whether a file can be created in `dir` (created if missing).
fn writable(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|error| format!("cannot create it: {error}"))?;
    let probe = dir.join(format!(".doctor-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|error| format!("not writable: {error}"))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// `12.3 MiB in 40 files`, or `empty`.
fn size(dir: &Path) -> String {
    let (mut bytes, mut files) = (0u64, 0usize);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(next).into_iter().flatten().flatten() {
            match entry.metadata() {
                Ok(meta) if meta.is_dir() => stack.push(entry.path()),
                Ok(meta) => {
                    bytes += meta.len();
                    files += 1;
                }
                Err(_) => {}
            }
        }
    }
    if files == 0 {
        "empty".to_owned()
    } else {
        format!(
            "{:.1} MiB in {files} files",
            bytes as f64 / (1024.0 * 1024.0)
        )
    }
}

//! Behaviour of the built-in tools through their public API (the
//! registry), as the agent drives them: one test binary, one module per
//! tool family, shared set-up here.

// Test code: a failed unwrap is a failed test (helpers outside `#[test]`
// functions are not covered by clippy.toml's allowance).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod background;
mod bash;
mod file_tools;
mod glob;
mod grep;
mod ls;
mod registry;
mod todo;
mod web;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::kill;
use nix::unistd::Pid;
use rudder_tools::{SessionToolState, ToolContext, ToolLimits, ToolOutput, ToolRegistry};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

/// A project directory, a session state and the built-in registry.
struct Env {
    /// Keeps the temporary directory alive.
    _dir: tempfile::TempDir,
    project: PathBuf,
    spill: PathBuf,
    ctx: ToolContext,
    registry: ToolRegistry,
}

impl Env {
    fn new() -> Self {
        // Orphans of the shells come back to this process, so a finished
        // group leaves no zombies (as in the binary).
        rudder_tools::become_child_subreaper().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let project = std::fs::canonicalize(dir.path()).unwrap().join("project");
        std::fs::create_dir(&project).unwrap();
        let spill = project.parent().unwrap().join("spill");
        let ctx = ToolContext {
            project_dir: project.clone(),
            spill_dir: spill.clone(),
            state: Arc::new(SessionToolState::new(project.clone())),
            cancel: CancellationToken::new(),
            tool_use_id: "toolu_test".to_owned(),
            limits: ToolLimits::default(),
            side_query: None,
            env: Vec::new(),
            sandbox_prefix: None,
            walk_filter: None,
        };
        Self {
            _dir: dir,
            project,
            spill,
            ctx,
            registry: ToolRegistry::builtin(),
        }
    }

    /// Runs tool `name` with `input`.
    async fn run(&self, name: &str, input: Value) -> ToolOutput {
        self.registry.execute(name, input, &self.ctx).await
    }

    /// Runs tool `name` as call `id` (spill files are named after it).
    async fn run_as(&self, id: &str, name: &str, input: Value) -> ToolOutput {
        let mut ctx = self.ctx.clone();
        ctx.tool_use_id = id.to_owned();
        self.registry.execute(name, input, &ctx).await
    }

    /// `relative` below the project directory.
    fn path(&self, relative: &str) -> PathBuf {
        self.project.join(relative)
    }

    /// Writes `content` to `relative`, creating directories.
    fn write(&self, relative: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        path
    }
}

/// The text of a result.
fn text(output: &ToolOutput) -> String {
    output.content.text()
}

/// Whether no process of group `pgid` exists any more (zombies included).
fn group_gone(pgid: i32) -> bool {
    kill(Pid::from_raw(-pgid), None) == Err(Errno::ESRCH)
}

/// Waits up to `limit` for `check` to hold; returns whether it did.
async fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    check()
}

/// The process group id a command wrote to `path` with `echo $$ > path`.
fn pgid_in(path: &Path) -> i32 {
    std::fs::read_to_string(path)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// The path on the line after `marker` in `text` (spill notes put it last
/// on its line).
fn path_after(text: &str, marker: &str) -> PathBuf {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker:?} in {text}"))
        + marker.len();
    let line = text[start..].lines().next().unwrap();
    PathBuf::from(line.trim())
}

//! The volatile facts about where a session runs — date, directory,
//! platform, git branch and status — captured once when the session starts.
//!
//! They are rendered into the first user message and so frozen in the
//! transcript: no later request re-derives them, and a resumed session sends
//! the same bytes (USER-PAINS.md §2.1). Capturing never runs a program from
//! an untrusted folder: the branch is read from `.git/HEAD` as a file, and
//! `git status` runs only when the caller says the folder is trusted, with
//! `core.fsmonitor` off.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// Longest git status kept, in bytes.
const MAX_GIT_STATUS_BYTES: usize = 4_000;

/// The environment of a session at its start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentSnapshot {
    /// Local date, `YYYY-MM-DD`.
    pub date: String,
    /// Working directory (absolute).
    pub cwd: PathBuf,
    /// `linux`, `macos`, …
    pub platform: String,
    /// The git repository root, when cwd is inside one.
    pub git_root: Option<PathBuf>,
    /// Current branch (empty when detached or outside a repository).
    pub git_branch: String,
    /// `git status --short` output, when the folder is trusted and git ran.
    pub git_status: Option<String>,
}

impl EnvironmentSnapshot {
    /// Captures the snapshot for `cwd`. `run_git` allows running `git
    /// status` (only for trusted folders).
    pub async fn capture(cwd: &Path, run_git: bool) -> Self {
        let git_root = find_git_root(cwd);
        let git_branch = git_root.as_deref().map(read_branch).unwrap_or_default();
        let git_status = match (&git_root, run_git) {
            (Some(_), true) => git_status(cwd).await,
            _ => None,
        };
        Self {
            date: chrono::Local::now().format("%Y-%m-%d").to_string(),
            cwd: cwd.to_owned(),
            platform: std::env::consts::OS.to_owned(),
            git_root,
            git_branch,
            git_status,
        }
    }

    /// The `<env>` text given to the model in the first user message.
    pub fn render(&self) -> String {
        let mut text = String::from("<env>\n");
        text.push_str(&format!("Working directory: {}\n", self.cwd.display()));
        text.push_str(&format!(
            "Is directory a git repo: {}\n",
            yes_no(self.git_root.is_some())
        ));
        text.push_str(&format!("Platform: {}\n", self.platform));
        text.push_str(&format!("Today's date: {}\n", self.date));
        text.push_str("</env>");
        if self.git_root.is_some() {
            text.push_str(&format!(
                "\n\nGit branch at session start: {}",
                self.git_branch
            ));
            if let Some(status) = &self.git_status {
                let status = if status.trim().is_empty() {
                    "(clean)"
                } else {
                    status.trim_end()
                };
                text.push_str(&format!("\nGit status at session start:\n{status}"));
            }
        }
        text
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "Yes" } else { "No" }
}

/// The closest ancestor of `dir` (itself included) holding `.git`.
pub fn find_git_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|candidate| candidate.join(".git").exists())
        .map(Path::to_owned)
}

/// The branch named by `<root>/.git/HEAD`, read as a file (no git process).
/// Empty for a detached HEAD or a worktree file we do not follow.
pub fn read_branch(root: &Path) -> String {
    std::fs::read_to_string(root.join(".git").join("HEAD"))
        .ok()
        .and_then(|head| {
            head.trim()
                .strip_prefix("ref: refs/heads/")
                .map(str::to_owned)
        })
        .unwrap_or_default()
}

async fn git_status(cwd: &Path) -> Option<String> {
    let child = tokio::process::Command::new("git")
        .args([
            "-c",
            "core.fsmonitor=false",
            "status",
            "--short",
            "--branch",
        ])
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(5), child)
        .await
        .ok()?
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let mut status = String::from_utf8_lossy(&output.stdout).into_owned();
    if status.len() > MAX_GIT_STATUS_BYTES {
        let cut = (0..=MAX_GIT_STATUS_BYTES)
            .rev()
            .find(|i| status.is_char_boundary(*i))
            .unwrap_or(0);
        status.truncate(cut);
        status.push_str("\n… (truncated)");
    }
    Some(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_the_branch_without_git_when_untrusted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join(".git/HEAD"), "ref: refs/heads/feature-x\n").unwrap();
        let sub = dir.path().join("src");
        std::fs::create_dir_all(&sub).unwrap();
        let snapshot = EnvironmentSnapshot::capture(&sub, false).await;
        assert_eq!(snapshot.git_branch, "feature-x");
        assert_eq!(snapshot.git_root.as_deref(), Some(dir.path()));
        assert_eq!(snapshot.git_status, None);
        let text = snapshot.render();
        assert!(text.contains("Is directory a git repo: Yes"));
        assert!(text.contains(&format!("Today's date: {}", snapshot.date)));
    }
}

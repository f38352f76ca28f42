//! Shared test helpers: copy a fixture tree into a temporary folder (so the
//! memory walk above the project sees nothing of this repository) and
//! point every configuration path into it. The real `$HOME` and `/etc`
//! are never read.

// Helpers panic on setup failures, like the tests that call them.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use rudder_config::ConfigPaths;

/// A fixture copied into a temporary folder.
pub struct Fixture {
    /// Owns the folder.
    pub dir: tempfile::TempDir,
    /// Paths into it: `home/`, `project/` (cwd), `managed/claude-code`,
    /// `managed/rudder`.
    pub paths: ConfigPaths,
}

impl Fixture {
    /// The temporary root.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A path below the root.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes `text` to `relative`, creating folders.
    pub fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// `tests/fixtures/<name>` copied into a fresh temporary folder.
pub fn fixture(name: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    copy_tree(&source, dir.path());
    paths_for(dir)
}

/// An empty temporary layout (`home/`, `project/`, `managed/…`).
pub fn empty() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["home", "project", "managed/claude-code", "managed/rudder"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    paths_for(dir)
}

fn paths_for(dir: tempfile::TempDir) -> Fixture {
    let root = dir.path().to_owned();
    let home = root.join("home");
    let lookup = move |name: &str| (name == "HOME").then(|| home.to_string_lossy().into_owned());
    let mut paths = ConfigPaths::from_env(&root.join("project"), &lookup);
    paths.claude_managed_dir = root.join("managed/claude-code");
    paths.rudder_managed_dir = root.join("managed/rudder");
    Fixture { dir, paths }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

//! Finding the files on the built-in secrets list below a directory, for
//! commands that read whole trees (`grep -r`, `rg`): the policy judges the
//! directory such a command names, and these are the files it would read
//! without naming them.
//!
//! I/O: lists directories (never follows a symbolic link to a directory,
//! as neither `grep -r` nor `rg` does by default), never reads a file.
//! Bounded: after [`MAX_ENTRIES`] entries the scan stops and says so, and
//! the caller treats the tree as unknown. VCS directories (`.git`, …) are
//! not entered: nothing there is a secret by name, and they can be large.

use std::fs;
use std::path::{Path, PathBuf};

use rudder_protocol::secrets::secret_reason;

/// Entries listed before a scan gives up.
pub const MAX_ENTRIES: usize = 50_000;

/// Secret files reported per scan.
pub const MAX_FOUND: usize = 16;

/// Directories of version-control systems, not entered.
const VCS_DIRS: [&str; 6] = [".git", ".svn", ".hg", ".bzr", ".jj", ".sl"];

/// What a scan found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeSecrets {
    /// Secret files found (at most [`MAX_FOUND`]), in listing order.
    pub found: Vec<PathBuf>,
    /// False when the scan stopped early (too many entries, or more than
    /// [`MAX_FOUND`] secrets): files not looked at may be secrets too.
    pub complete: bool,
}

/// The files on the secrets list below directory `root` (not `root`
/// itself), as a tree reader that skips hidden entries unless `hidden`
/// would meet them. `home` is the canonical home directory (for `~/.ssh`
/// and the like). A `root` that is not a directory has nothing below it;
/// unreadable subdirectories are skipped, as the readers skip them.
pub fn secrets_below(root: &Path, home: &Path, hidden: bool) -> TreeSecrets {
    let mut out = TreeSecrets {
        found: Vec::new(),
        complete: true,
    };
    let mut pending = vec![root.to_path_buf()];
    let mut listed = 0usize;
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            listed += 1;
            if listed > MAX_ENTRIES {
                out.complete = false;
                return out;
            }
            let name = entry.file_name();
            let is_hidden = name.to_string_lossy().starts_with('.');
            if is_hidden && !hidden {
                continue;
            }
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if !VCS_DIRS.iter().any(|vcs| name == *vcs) {
                    pending.push(path);
                }
                continue;
            }
            if secret_reason(&path, home).is_some() {
                if out.found.len() == MAX_FOUND {
                    out.complete = false;
                    return out;
                }
                out.found.push(path);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_secrets_below_but_not_in_vcs_or_hidden_when_told() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            ".env",
            "a/b/tls.key",
            ".git/x.pem",
            "src/main.rs",
            ".hidden/id_rsa",
        ] {
            let path = root.join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "").unwrap();
        }
        let home = Path::new("/nonexistent-home");
        let mut all = secrets_below(root, home, true);
        all.found.sort();
        assert!(all.complete);
        assert_eq!(
            all.found,
            [
                root.join(".env"),
                root.join(".hidden/id_rsa"),
                root.join("a/b/tls.key")
            ]
        );
        let visible = secrets_below(root, home, false);
        assert_eq!(visible.found, [root.join("a/b/tls.key")]);
        assert_eq!(
            secrets_below(&root.join(".env"), home, true),
            TreeSecrets {
                found: Vec::new(),
                complete: true,
            }
        );
    }
}

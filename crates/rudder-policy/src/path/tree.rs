//! Finding the files a command that reads whole trees (`grep -r`, `rg`,
//! `diff -r`) would read without naming them: those on the built-in
//! secrets list, and those a `Read(...)` deny rule covers. The policy
//! judges the directory such a command names; these are what it reaches.
//!
//! I/O: lists directories (never follows a symbolic link to a directory,
//! as neither `grep -r` nor `rg` does by default), never reads a file;
//! resolves a symbolic link only when deny rules are to be checked.
//! Bounded: after [`MAX_ENTRIES`] entries the scan stops and says so, and
//! the caller treats the tree as unknown. VCS directories (`.git`, …) are
//! not entered: nothing there is a secret by name, and they can be large.
//! A directory a deny rule covers whole is reported itself and not
//! entered, as the Grep tool's walk leaves it out.

use std::fs;
use std::path::{Path, PathBuf};

use rudder_protocol::secrets::secret_reason;

use super::{ResolvedPath, resolve_absolute};

/// Entries listed before a scan gives up.
pub const MAX_ENTRIES: usize = 50_000;

/// Guarded files reported per scan.
pub const MAX_FOUND: usize = 16;

/// Directories of version-control systems, not entered.
const VCS_DIRS: [&str; 6] = [".git", ".svn", ".hg", ".bzr", ".jj", ".sl"];

/// What a scan found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeScan {
    /// Files on the secrets list and entries a deny rule covers (at most
    /// [`MAX_FOUND`]), in listing order.
    pub found: Vec<PathBuf>,
    /// False when the scan stopped early (too many entries, or more than
    /// [`MAX_FOUND`] finds): entries not looked at may be guarded too.
    pub complete: bool,
}

/// Tells whether a `Read(...)` deny rule covers an entry (matched as for a
/// Read call naming it: the link or its target, a directory whose every
/// entry is covered).
pub type DenyCheck<'a> = &'a dyn Fn(&ResolvedPath) -> bool;

/// The guarded entries below directory `root` (not `root` itself), as a
/// tree reader that skips hidden entries unless `hidden` would meet them:
/// files on the secrets list and, when `denied` is given, entries it says
/// a deny rule covers. `root` must be canonical (entries below it are then
/// their own real paths, except symbolic links, which are resolved);
/// `home` is the canonical home directory (for `~/.ssh` and the like). A
/// `root` that is not a directory has nothing below it; unreadable
/// subdirectories are skipped, as the readers skip them.
pub fn scan(root: &Path, home: &Path, hidden: bool, denied: Option<DenyCheck<'_>>) -> TreeScan {
    let mut out = TreeScan {
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
            if kind.is_dir() && VCS_DIRS.iter().any(|vcs| name == *vcs) {
                continue;
            }
            let is_denied = denied.is_some_and(|denied| {
                let resolved = if kind.is_symlink() {
                    resolve_absolute(&path)
                } else {
                    ResolvedPath {
                        requested: path.clone(),
                        canonical: path.clone(),
                        exists: true,
                        is_dir: kind.is_dir(),
                        complete: true,
                    }
                };
                denied(&resolved)
            });
            if kind.is_dir() && !is_denied {
                pending.push(path);
                continue;
            }
            if is_denied || secret_reason(&path, home).is_some() {
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
        let mut all = scan(root, home, true, None);
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
        let visible = scan(root, home, false, None);
        assert_eq!(visible.found, [root.join("a/b/tls.key")]);
        assert_eq!(
            scan(&root.join(".env"), home, true, None),
            TreeScan {
                found: Vec::new(),
                complete: true,
            }
        );
    }

    #[test]
    fn reports_entries_the_deny_check_covers_without_entering_a_covered_directory() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        for file in [
            "vault/a.txt",
            "vault/b.txt",
            "src/main.rs",
            "src/notes.private",
        ] {
            let path = root.join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "").unwrap();
        }
        std::os::unix::fs::symlink(root.join("vault/a.txt"), root.join("src/link.txt")).unwrap();
        let vault = root.join("vault");
        let asked = std::cell::RefCell::new(Vec::new());
        let denied = |path: &ResolvedPath| {
            asked.borrow_mut().push(path.requested.clone());
            path.canonical.starts_with(&vault)
                || path.canonical.extension().is_some_and(|e| e == "private")
        };
        let home = Path::new("/nonexistent-home");
        let mut found = scan(&root, home, true, Some(&denied));
        found.found.sort();
        assert!(found.complete);
        assert_eq!(
            found.found,
            [
                root.join("src/link.txt"),
                root.join("src/notes.private"),
                root.join("vault")
            ]
        );
        assert!(!asked.borrow().contains(&root.join("vault/a.txt")));
        assert_eq!(scan(&root, home, true, None).found, Vec::<PathBuf>::new());
    }
}

//! Path resolution: the I/O half of path scoping. Every path a call names
//! is turned into the absolute path as requested (the "link") and its real
//! path (the "target"), before anything judges it.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §3.2 and §12 — resolve `~`, the
//! call's cwd, `..` and every symlink of the existing prefix, with a
//! not-yet-existing tail appended to its resolved parent (a dangling link
//! is followed to where it points, so a write through it is judged where it
//! lands); compare paths component-wise, never as strings (CVE-2025-54794);
//! deny rules apply if the link or its target matches, allow rules need
//! both (CVE-2025-59829, CVE-2026-25724).
//!
//! Owns: [`ResolvedPath`], [`resolve`], [`real_path`], [`normalize`],
//! pathname expansion of shell globs ([`expand_glob`]); [`tree`] finds
//! the secret and Read-denied files below a directory a command reads
//! whole. Reads the filesystem (metadata, links, directory listings);
//! never writes. The pure protection lists live in [`protect`].

pub mod protect;
pub mod tree;

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs;
use std::path::{Component, Path, PathBuf};

use globset::GlobBuilder;

/// Links followed before a path is declared unresolvable (Linux: 40).
const MAX_LINKS: usize = 40;

/// A path as requested and as it really is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedPath {
    /// Absolute, `~` expanded, `.`/`..` removed lexically: the name the call
    /// used (the link, if it is one).
    pub requested: PathBuf,
    /// Every symlink of the existing prefix resolved, the missing tail
    /// appended: where the call would really read or write.
    pub canonical: PathBuf,
    /// Whether the whole path exists.
    pub exists: bool,
    /// Whether it exists and is a directory.
    pub is_dir: bool,
    /// False when resolution gave up (a symlink loop): `canonical` is then
    /// not trustworthy and the path must be treated as outside every scope.
    pub complete: bool,
}

impl ResolvedPath {
    /// Both forms, for rules and lists that match either.
    pub fn forms(&self) -> [&Path; 2] {
        [&self.requested, &self.canonical]
    }
}

/// Resolves `raw` (a tool argument or shell word value) against `cwd`.
/// `tilde`: `raw` starts with a `~` that means the home directory (for
/// shell words, only an unquoted one does; tool arguments pass `true`).
pub fn resolve(raw: &str, tilde: bool, cwd: &Path, home: &Path) -> ResolvedPath {
    let absolute = absolute(raw, tilde, cwd, home);
    let requested = normalize(&absolute);
    let (canonical, exists, complete) = real_path(&absolute);
    let is_dir = exists && fs::metadata(&canonical).is_ok_and(|m| m.is_dir());
    ResolvedPath {
        requested,
        canonical,
        exists,
        is_dir,
        complete,
    }
}

/// Resolves `path` (absolute, e.g. an entry a directory walk found) as
/// [`resolve`] resolves a tool argument, without requiring UTF-8.
pub fn resolve_absolute(path: &Path) -> ResolvedPath {
    let requested = normalize(path);
    let (canonical, exists, complete) = real_path(path);
    let is_dir = exists && fs::metadata(&canonical).is_ok_and(|m| m.is_dir());
    ResolvedPath {
        requested,
        canonical,
        exists,
        is_dir,
        complete,
    }
}

/// `raw` made absolute (no normalization, no I/O).
pub fn absolute(raw: &str, tilde: bool, cwd: &Path, home: &Path) -> PathBuf {
    if tilde {
        if raw == "~" {
            return home.to_path_buf();
        }
        if let Some(rest) = raw.strip_prefix("~/") {
            return home.join(rest);
        }
    }
    let path = Path::new(raw);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    }
}

/// Removes `.` and `..` lexically from an absolute path (`/..` stays `/`).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for component in path.components() {
        match component {
            Component::Normal(name) => out.push(name),
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    out
}

/// The real path of an absolute `path`: each existing component's symlinks
/// resolved (dangling links followed to their target), the missing tail
/// appended, `..` applied after resolution as the kernel does. Returns the
/// path, whether it all exists, and whether resolution completed (false on
/// a symlink loop).
pub fn real_path(path: &Path) -> (PathBuf, bool, bool) {
    let mut out = PathBuf::from("/");
    let mut pending: VecDeque<OsString> = parts(path);
    let mut links = 0;
    let mut exists = true;
    while let Some(part) = pending.pop_front() {
        if part == ".." {
            out.pop();
            continue;
        }
        let next = out.join(&part);
        if !exists {
            out = next;
            continue;
        }
        match fs::symlink_metadata(&next) {
            Ok(meta) if meta.file_type().is_symlink() => {
                links += 1;
                if links > MAX_LINKS {
                    out = next;
                    out.extend(pending.iter());
                    return (normalize(&out), false, false);
                }
                match fs::read_link(&next) {
                    Ok(target) => {
                        if target.is_absolute() {
                            out = PathBuf::from("/");
                        }
                        for piece in parts(&target).into_iter().rev() {
                            pending.push_front(piece);
                        }
                    }
                    Err(_) => {
                        exists = false;
                        out = next;
                    }
                }
            }
            Ok(_) => out = next,
            Err(_) => {
                exists = false;
                out = next;
            }
        }
    }
    (out, exists, true)
}

/// Normal components and `..` of a path, in order.
fn parts(path: &Path) -> VecDeque<OsString> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(name) => Some(name.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect()
}

/// The canonical form of a directory given by the user or a caller
/// (working directories, anchors): its real path.
pub fn canonical_dir(path: &Path) -> PathBuf {
    real_path(&normalize_abs(path)).0
}

fn normalize_abs(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|cwd| cwd.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    }
}

/// Pathname expansion of a shell glob word (unquoted `*`, `?`, `[…]`, no
/// `**` recursion, dotfiles only when the pattern component starts with a
/// dot), relative to `cwd`. Returns the matched absolute paths in sorted
/// order (empty when nothing matches: the shell then passes the word
/// literally), or `None` when more than `limit` entries match.
pub fn expand_glob(
    raw: &str,
    tilde: bool,
    cwd: &Path,
    home: &Path,
    limit: usize,
) -> Option<Vec<PathBuf>> {
    let absolute = absolute(raw, tilde, cwd, home);
    let mut current = vec![PathBuf::from("/")];
    for component in absolute.components() {
        let Component::Normal(name) = component else {
            if component == Component::ParentDir {
                current.iter_mut().for_each(|p| {
                    p.push("..");
                });
            }
            continue;
        };
        let name = name.to_string_lossy();
        if !name.contains(['*', '?', '[']) {
            current.iter_mut().for_each(|p| p.push(name.as_ref()));
            continue;
        }
        let Ok(glob) = GlobBuilder::new(&name).literal_separator(true).build() else {
            current.iter_mut().for_each(|p| p.push(name.as_ref()));
            continue;
        };
        let matcher = glob.compile_matcher();
        let mut next = Vec::new();
        for dir in &current {
            let Ok(entries) = fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let entry_name = entry.file_name();
                let entry_name = entry_name.to_string_lossy();
                if entry_name.starts_with('.') && !name.starts_with('.') {
                    continue;
                }
                if matcher.is_match(entry_name.as_ref()) {
                    next.push(dir.join(entry_name.as_ref()));
                    if next.len() > limit {
                        return None;
                    }
                }
            }
        }
        current = next;
    }
    current.sort();
    Some(current)
}

#[cfg(test)]
mod tests;

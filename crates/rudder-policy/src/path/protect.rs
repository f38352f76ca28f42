//! The built-in path protections, as pure functions over resolved paths:
//! the secrets list (reads and writes denied unless a rule lifts it; the
//! list itself lives in `rudder_protocol::secrets`, shared with the tools
//! that walk directories), the protected paths (writes never auto-approved, existing or not) and the
//! critical removal targets (`rm` never auto-approved).
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §3.2 "Protected paths" and
//! "Critical-path rm/rmdir" (D26:permission-modes); USER-PAINS.md §5.4
//! (secrets); CVE-2026-25725 (protect config paths even when absent);
//! CVE-2026-55607 (`~/.zshenv`). Never touches the filesystem: callers pass
//! paths already resolved by [`super::resolve`]. Every check is
//! component-wise.

use std::path::{Component, Path, PathBuf};

pub use rudder_protocol::secrets::secret_reason;

/// Directory names whose contents configure tools that run code (git hooks
/// and config, editor tasks, commit hooks, agent settings and hooks).
const PROTECTED_DIRS: &[&str] = &[".git", ".claude", ".rudder", ".vscode", ".idea", ".husky"];

/// File names that make shells, git, package managers or agents run code
/// or change where traffic goes.
const PROTECTED_FILES: &[&str] = &[
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".bash_logout",
    ".profile",
    ".zshrc",
    ".zshenv",
    ".zprofile",
    ".zlogin",
    ".zlogout",
    ".kshrc",
    ".cshrc",
    ".tcshrc",
    ".login",
    ".envrc",
    ".gitconfig",
    ".gitmodules",
    ".npmrc",
    ".yarnrc",
    ".yarnrc.yml",
    ".mcp.json",
    ".claude.json",
];

/// Paths below the home directory whose files run code at login or in git.
const HOME_PROTECTED_TREES: &[&str] = &[".config/git", ".config/fish", ".ssh"];

/// Why a write to `path` is never auto-approved (it asks even in
/// acceptEdits and when the file does not exist yet; only
/// bypassPermissions writes it), or `None`.
///
/// Protected: any path with a `.git`, `.claude` (except
/// `.claude/worktrees/…`), `.rudder`, `.vscode`, `.idea` or `.husky`
/// component; shell start-up files (`.bashrc`, `.zshenv`, `.profile`, …);
/// `.envrc`, `.gitconfig`, `.gitmodules`, `.npmrc`, `.yarnrc(.yml)`,
/// `.mcp.json`, `.claude.json`; and `~/.config/git`, `~/.config/fish`,
/// `~/.ssh`.
pub fn protected_reason(path: &Path, home: &Path) -> Option<String> {
    let names: Vec<&str> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => n.to_str(),
            _ => None,
        })
        .collect();
    for (i, name) in names.iter().enumerate() {
        if *name == ".claude" && names.get(i + 1) == Some(&"worktrees") && names.len() > i + 2 {
            continue;
        }
        if PROTECTED_DIRS.contains(name) {
            return Some(format!("`{name}` holds configuration that can run code"));
        }
    }
    if let Some(name) = names.last()
        && PROTECTED_FILES.contains(name)
    {
        return Some(format!("`{name}` can make tools run code"));
    }
    if let Ok(rel) = path.strip_prefix(home) {
        for tree in HOME_PROTECTED_TREES {
            if rel.starts_with(tree) {
                return Some(format!("`~/{tree}` configures programs that run code"));
            }
        }
    }
    None
}

/// Whether removing `path` is a critical removal: `/`, a top-level
/// directory, the home directory, or a working directory or one of its
/// ancestors (`cwd` is the first working directory).
pub fn is_critical_removal(path: &Path, home: &Path, working_dirs: &[PathBuf]) -> bool {
    let depth = path
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .count();
    depth <= 1 || path == home || working_dirs.iter().any(|dir| dir.starts_with(path))
}

/// Whether `path` is inside one of `dirs` (component-wise, a directory is
/// inside itself).
pub fn is_inside(path: &Path, dirs: &[PathBuf]) -> bool {
    dirs.iter().any(|dir| path.starts_with(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: &str = "/home/u";

    fn protected(path: &str) -> bool {
        protected_reason(Path::new(path), Path::new(HOME)).is_some()
    }

    #[test]
    fn protected_paths() {
        for path in [
            "/p/.git/hooks/pre-commit",
            "/p/.git",
            "/p/.claude/settings.json",
            "/p/.rudder/settings.json",
            "/p/.vscode/tasks.json",
            "/p/.husky/pre-commit",
            "/home/u/.bashrc",
            "/home/u/.zshenv",
            "/p/.gitmodules",
            "/p/.mcp.json",
            "/home/u/.config/git/config",
            "/p/sub/.git/config",
        ] {
            assert!(protected(path), "{path}");
        }
        for path in [
            "/p/src/main.rs",
            "/p/.gitignore",
            "/p/.claude/worktrees/feature/src/a.rs",
            "/p/git/x",
        ] {
            assert!(!protected(path), "{path}");
        }
        assert!(protected("/p/.claude/worktrees"));
    }

    #[test]
    fn critical() {
        let home = Path::new(HOME);
        let dirs = vec![PathBuf::from("/home/u/proj")];
        for path in ["/", "/usr", "/home", "/home/u", "/home/u/proj"] {
            assert!(is_critical_removal(Path::new(path), home, &dirs), "{path}");
        }
        for path in ["/home/u/proj/build", "/home/u/other", "/usr/local/x"] {
            assert!(!is_critical_removal(Path::new(path), home, &dirs), "{path}");
        }
    }

    #[test]
    fn inside_is_component_wise() {
        let dirs = vec![PathBuf::from("/proj")];
        assert!(is_inside(Path::new("/proj"), &dirs));
        assert!(is_inside(Path::new("/proj/a"), &dirs));
        assert!(!is_inside(Path::new("/proj_evil"), &dirs));
        assert!(!is_inside(Path::new("/proj_evil/a"), &dirs));
    }
}

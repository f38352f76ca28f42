//! `/memory`: the memory files (`CLAUDE.md` and relatives) to open.
//!
//! Claude Code's `/memory` offers the project and user memory files and
//! opens the chosen one in `$VISUAL` / `$EDITOR` (CLAUDE-CODE-INTERFACE.md
//! §7). rudder does the same when either is set — the TUI shows the
//! picker, suspends itself and runs the editor; this module lists the
//! files: first the standard places, whether or not they exist yet
//! (opening a missing one creates it), then every other file loaded into
//! the context. Without an editor, `/memory` prints the loaded files
//! ([`listing`]) instead of guessing which editor to start. The session
//! reads memory files again at each turn start, so an edit reaches the
//! model with the next message. Owns: the list and its labels. Must
//! never: write a file.

use std::path::{Path, PathBuf};

use rudder_config::ConfigPaths;
use rudder_tui::MemoryChoice;

/// The standard places, as `(label, file)`: `CLAUDE.md` and
/// `CLAUDE.local.md` of the working directory, and the user's
/// `~/.claude/CLAUDE.md`.
pub fn standard_places(paths: &ConfigPaths) -> Vec<(String, PathBuf)> {
    let mut places = vec![
        ("Project memory".to_owned(), paths.cwd.join("CLAUDE.md")),
        (
            "Project memory (local)".to_owned(),
            paths.cwd.join("CLAUDE.local.md"),
        ),
    ];
    if let Some(dir) = &paths.claude_user_dir {
        places.push(("User memory".to_owned(), dir.join("CLAUDE.md")));
    }
    places
}

/// The picker's rows: `places` (see [`standard_places`]), then the
/// `loaded` files (path and level label) not among them.
pub fn choices(places: &[(String, PathBuf)], loaded: &[(PathBuf, String)]) -> Vec<MemoryChoice> {
    let same = |a: &Path, b: &Path| {
        a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
    };
    let mut rows: Vec<MemoryChoice> = places
        .iter()
        .map(|(label, path)| MemoryChoice {
            label: label.clone(),
            path: path.clone(),
            exists: path.is_file(),
        })
        .collect();
    for (path, level) in loaded {
        if rows.iter().any(|row| same(&row.path, path)) {
            continue;
        }
        rows.push(MemoryChoice {
            label: format!("Loaded ({level})"),
            path: path.clone(),
            exists: path.is_file(),
        });
    }
    rows
}

/// `/memory` without an editor: the files in the context and how to
/// edit them.
pub fn listing(loaded: &[(PathBuf, String)]) -> String {
    let mut lines = if loaded.is_empty() {
        vec![
            "No memory files loaded. Create CLAUDE.md (project) or ~/.claude/CLAUDE.md (yours) \
             to give rudder standing instructions, or run /init to have the agent write one."
                .to_owned(),
        ]
    } else {
        let mut lines = vec!["Memory files in the context:".to_owned()];
        lines.extend(
            loaded
                .iter()
                .map(|(path, level)| format!("  {level}: {}", path.display())),
        );
        lines
    };
    lines.push(
        "Set $VISUAL or $EDITOR to open them from here with /memory; rudder reads them again \
         at your next message."
            .to_owned(),
    );
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_places_come_first_then_other_loaded_files_once() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(&repo).unwrap();
        std::fs::write(repo.join("CLAUDE.md"), "# x").unwrap();
        std::fs::write(repo.join("AGENTS.md"), "# y").unwrap();
        let home = dir.path().join("home");
        let home_text = home.display().to_string();
        let paths =
            ConfigPaths::from_env(&repo, &|name| (name == "HOME").then(|| home_text.clone()));
        let places = standard_places(&paths);
        let loaded = vec![
            (repo.join("CLAUDE.md"), "project".to_owned()),
            (repo.join("AGENTS.md"), "project".to_owned()),
        ];
        let rows = choices(&places, &loaded);
        let labels: Vec<&str> = rows.iter().map(|row| row.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Project memory",
                "Project memory (local)",
                "User memory",
                "Loaded (project)"
            ]
        );
        assert!(rows[0].exists && !rows[1].exists && !rows[2].exists);
        assert_eq!(rows[2].path, home.join(".claude/CLAUDE.md"));
        assert_eq!(rows[3].path, repo.join("AGENTS.md"));
        assert!(listing(&[]).contains("/init"));
        assert!(listing(&loaded).contains("project: "));
    }
}

//! Where rudder keeps its per-user state, and how a project directory maps
//! to its transcript folder.
//!
//! Layout (Claude Code's, under `~/.rudder` instead of `~/.claude`;
//! CLAUDE-CODE-INTERFACE.md §11):
//! `<rudder_home>/projects/<escaped-cwd>/<session-id>.jsonl`, where the
//! escaping turns every character outside `[A-Za-z0-9]` into `-`, and a name
//! longer than 200 characters is cut and suffixed with a hash of the whole.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Longest escaped directory name kept verbatim.
const MAX_ESCAPED_LEN: usize = 200;

/// `$RUDDER_HOME` if set and non-empty, else `<home>/.rudder`.
///
/// `env` looks a variable up (tests pass a map; the binary passes the process
/// environment). Returns `None` when neither `RUDDER_HOME` nor `HOME` is set.
pub fn rudder_home(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(dir) = env("RUDDER_HOME").filter(|dir| !dir.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    env("HOME")
        .filter(|home| !home.is_empty())
        .map(|home| Path::new(&home).join(".rudder"))
}

/// The project folder name for `cwd`: non-alphanumerics become `-`.
pub fn escape_project_dir(cwd: &Path) -> String {
    let escaped: String = cwd
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    if escaped.len() <= MAX_ESCAPED_LEN {
        return escaped;
    }
    let digest = Sha256::digest(cwd.to_string_lossy().as_bytes());
    format!(
        "{}-{}",
        &escaped[..MAX_ESCAPED_LEN],
        hex::encode(&digest[..8])
    )
}

/// `<rudder_home>/projects/<escaped cwd>`.
pub fn project_dir(rudder_home: &Path, cwd: &Path) -> PathBuf {
    rudder_home.join("projects").join(escape_project_dir(cwd))
}

/// `<project dir>/<session_id>.jsonl`.
pub fn transcript_path(rudder_home: &Path, cwd: &Path, session_id: &str) -> PathBuf {
    project_dir(rudder_home, cwd).join(format!("{session_id}.jsonl"))
}

/// `<project dir>/<session_id>/`: per-session files (spilled tool output,
/// subagent transcripts).
pub fn session_dir(rudder_home: &Path, cwd: &Path, session_id: &str) -> PathBuf {
    project_dir(rudder_home, cwd).join(session_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_claude_code() {
        assert_eq!(
            escape_project_dir(Path::new("/tmp/ccr/proj")),
            "-tmp-ccr-proj"
        );
        assert_eq!(escape_project_dir(Path::new("/a/b_c.d")), "-a-b-c-d");
    }

    #[test]
    fn long_names_are_cut_and_hashed() {
        let long = PathBuf::from(format!("/{}", "x".repeat(300)));
        let escaped = escape_project_dir(&long);
        assert_eq!(escaped.len(), MAX_ESCAPED_LEN + 1 + 16);
        let other = PathBuf::from(format!("/{}y", "x".repeat(300)));
        assert_ne!(escaped, escape_project_dir(&other));
    }

    #[test]
    fn rudder_home_prefers_the_override() {
        let env = |key: &str| match key {
            "RUDDER_HOME" => Some("/custom".to_owned()),
            "HOME" => Some("/home/u".to_owned()),
            _ => None,
        };
        assert_eq!(rudder_home(&env), Some(PathBuf::from("/custom")));
        let env = |key: &str| (key == "HOME").then(|| "/home/u".to_owned());
        assert_eq!(rudder_home(&env), Some(PathBuf::from("/home/u/.rudder")));
    }
}

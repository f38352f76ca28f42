//! Where configuration lives, computed once and passed in.
//!
//! Every loader in this crate takes a [`ConfigPaths`] instead of asking the
//! process for its home directory or working directory, so tests point it
//! at temporary folders and never read the real `$HOME`. The binary builds
//! one with [`ConfigPaths::from_env`].
//!
//! Layout (CLAUDE-CODE-INTERFACE.md §4.1, §7, §8, §9): Claude Code's user
//! folder is `~/.claude` (or `$CLAUDE_CONFIG_DIR`), its managed folder
//! `/etc/claude-code` on Linux; rudder's own are `~/.rudder` (or
//! `$RUDDER_HOME`) and `/etc/rudder`, and a project has `.claude/` and
//! `.rudder/`. At the same level rudder's folder wins over Claude's.

use std::path::{Path, PathBuf};

use crate::error::ConfigError;

/// Claude Code's managed-settings folder on Linux.
pub const CLAUDE_MANAGED_DIR: &str = "/etc/claude-code";
/// rudder's managed-settings folder.
pub const RUDDER_MANAGED_DIR: &str = "/etc/rudder";

/// The folders configuration is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigPaths {
    /// The session's working directory (absolute). Memory files are looked
    /// up from here to the root; plain relative permission paths are
    /// relative to it.
    pub cwd: PathBuf,
    /// The project folder whose `.claude/` and `.rudder/` are read (Claude
    /// Code reads project settings from the launch directory, so this is
    /// normally `cwd`).
    pub project_root: PathBuf,
    /// The user's home, for `~/` in imports. `None` when unknown.
    pub home: Option<PathBuf>,
    /// Claude Code's user folder: `$CLAUDE_CONFIG_DIR`, else `~/.claude`.
    pub claude_user_dir: Option<PathBuf>,
    /// rudder's user folder: `$RUDDER_HOME`, else `~/.rudder`.
    pub rudder_user_dir: Option<PathBuf>,
    /// Claude Code's managed folder ([`CLAUDE_MANAGED_DIR`]).
    pub claude_managed_dir: PathBuf,
    /// rudder's managed folder ([`RUDDER_MANAGED_DIR`]).
    pub rudder_managed_dir: PathBuf,
}

impl ConfigPaths {
    /// The standard layout for a session in `cwd`, reading `HOME`,
    /// `CLAUDE_CONFIG_DIR` and `RUDDER_HOME` through `env` (the binary
    /// passes the process environment; tests pass a map). Empty values
    /// count as unset.
    pub fn from_env(cwd: &Path, env: &dyn Fn(&str) -> Option<String>) -> Self {
        let var = |name: &str| env(name).filter(|value| !value.is_empty());
        let home = var("HOME").map(PathBuf::from);
        let claude_user_dir = var("CLAUDE_CONFIG_DIR")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|home| home.join(".claude")));
        let rudder_user_dir = var("RUDDER_HOME")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|home| home.join(".rudder")));
        Self {
            cwd: cwd.to_owned(),
            project_root: cwd.to_owned(),
            home,
            claude_user_dir,
            rudder_user_dir,
            claude_managed_dir: PathBuf::from(CLAUDE_MANAGED_DIR),
            rudder_managed_dir: PathBuf::from(RUDDER_MANAGED_DIR),
        }
    }

    /// The project's configuration folders, highest priority first:
    /// `<project>/.rudder`, `<project>/.claude`.
    pub fn project_dirs(&self) -> [PathBuf; 2] {
        [
            self.project_root.join(".rudder"),
            self.project_root.join(".claude"),
        ]
    }

    /// The user's configuration folders that are known, highest priority
    /// first: rudder's, then Claude Code's.
    pub fn user_dirs(&self) -> Vec<PathBuf> {
        [&self.rudder_user_dir, &self.claude_user_dir]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }

    /// The managed folders, highest priority first: rudder's, then Claude
    /// Code's.
    pub fn managed_dirs(&self) -> [PathBuf; 2] {
        [
            self.rudder_managed_dir.clone(),
            self.claude_managed_dir.clone(),
        ]
    }

    /// `path` with a leading `~/` replaced by the home folder; other paths
    /// unchanged. `None` when the path needs a home that is unknown.
    pub fn expand_home(&self, path: &str) -> Option<PathBuf> {
        match path.strip_prefix("~/") {
            Some(rest) => self.home.as_ref().map(|home| home.join(rest)),
            None if path == "~" => self.home.clone(),
            None => Some(PathBuf::from(path)),
        }
    }
}

/// Which file-based sources are loaded: Claude Code's `--setting-sources`
/// (user, project, local). Managed settings and `--settings` are always
/// loaded. The same selection governs memory files, commands, agents,
/// skills and output styles of that level (the Agent SDK's
/// `settingSources`, CLAUDE-CODE-INTERFACE.md §10.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceSet {
    /// `~/.claude/…`, `~/.rudder/…`.
    pub user: bool,
    /// `.claude/settings.json`, `CLAUDE.md`, `.claude/commands`, …
    pub project: bool,
    /// `.claude/settings.local.json`, `CLAUDE.local.md`.
    pub local: bool,
}

impl SourceSet {
    /// Every source (the default without `--setting-sources`).
    pub const ALL: SourceSet = SourceSet {
        user: true,
        project: true,
        local: true,
    };

    /// No file source (`--setting-sources ""`).
    pub const NONE: SourceSet = SourceSet {
        user: false,
        project: false,
        local: false,
    };

    /// Parses the value of `--setting-sources`: a comma list of `user`,
    /// `project`, `local` (spaces ignored); the empty string selects none.
    ///
    /// # Errors
    /// [`ConfigError::InvalidArgument`] naming the unknown entry.
    pub fn parse(value: &str) -> Result<Self, ConfigError> {
        let mut set = Self::NONE;
        for item in value
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            match item {
                "user" => set.user = true,
                "project" => set.project = true,
                "local" => set.local = true,
                other => {
                    return Err(ConfigError::InvalidArgument {
                        flag: "--setting-sources".into(),
                        message: format!(
                            "unknown source `{other}`: expected a comma list of user, project, local"
                        ),
                    });
                }
            }
        }
        Ok(set)
    }
}

impl Default for SourceSet {
    fn default() -> Self {
        Self::ALL
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn user_dirs_follow_home_and_overrides() {
        let paths = ConfigPaths::from_env(Path::new("/p"), &lookup(&[("HOME", "/h")]));
        assert_eq!(paths.claude_user_dir, Some(PathBuf::from("/h/.claude")));
        assert_eq!(paths.rudder_user_dir, Some(PathBuf::from("/h/.rudder")));
        let paths = ConfigPaths::from_env(
            Path::new("/p"),
            &lookup(&[
                ("HOME", "/h"),
                ("CLAUDE_CONFIG_DIR", "/c"),
                ("RUDDER_HOME", ""),
            ]),
        );
        assert_eq!(paths.claude_user_dir, Some(PathBuf::from("/c")));
        assert_eq!(paths.rudder_user_dir, Some(PathBuf::from("/h/.rudder")));
        assert_eq!(paths.expand_home("~/x"), Some(PathBuf::from("/h/x")));
        assert_eq!(paths.expand_home("/abs"), Some(PathBuf::from("/abs")));
    }

    #[test]
    fn setting_sources_parse() {
        assert_eq!(SourceSet::parse("").unwrap(), SourceSet::NONE);
        assert_eq!(
            SourceSet::parse("user, project,local").unwrap(),
            SourceSet::ALL
        );
        let only_user = SourceSet::parse("user").unwrap();
        assert!(only_user.user && !only_user.project && !only_user.local);
        let error = SourceSet::parse("user,team").unwrap_err();
        assert!(error.to_string().contains("`team`"), "{error}");
    }
}

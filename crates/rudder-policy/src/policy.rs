//! The policy a session runs under: mode, rules, working directories, home
//! and project root — plain data — with its builder and the session
//! updates the user approves (the six `PermissionUpdate` types).
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §3 (modes, rule lists per source,
//! working directories = cwd + `--add-dir` + `additionalDirectories`) and
//! §10.3 (`PermissionUpdate`). The builder and [`Policy::apply`] resolve
//! directories on disk (canonical paths); [`crate::decide`] only reads the
//! result. Which sources are trusted (project allow rules apply only after
//! workspace trust) is the caller's decision: it passes only the entries
//! that apply.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rudder_protocol::permission::{
    PermissionMode, PermissionUpdate, RuleBehavior, RuleValue, UpdateDestination,
};

use crate::bash::AnalyzeOptions;
use crate::path;
use crate::resolve::ResolveEnv;
use crate::rule::{RuleEntry, RuleError, RuleSet, RuleSource, Specifier};
use crate::sandbox::scope::ExcludedCommand;

/// The permission state of a session. Plain data: build it with
/// [`PolicyBuilder`], change it with [`Policy::apply`], judge calls with
/// [`crate::decide`].
#[derive(Debug, Clone)]
pub struct Policy {
    /// The permission mode.
    pub mode: PermissionMode,
    /// Every rule from every source.
    pub rules: RuleSet,
    /// The session's working directory (canonical): the anchor of plain and
    /// `./` path rules and the first working directory.
    pub cwd: PathBuf,
    /// Working directories (canonical): `cwd` first, then added ones.
    pub working_dirs: Vec<PathBuf>,
    /// The home directory (canonical).
    pub home: PathBuf,
    /// The project root (canonical): anchor of `/` rules from project and
    /// local settings.
    pub project_root: PathBuf,
    /// Bash calls run in the sandbox, so a call that asks to leave it
    /// (`dangerouslyDisableSandbox`) needs a fresh approval.
    pub sandboxed: bool,
    /// `sandbox.allowUnsandboxedCommands` (Claude Code default: true).
    /// When false, a call's `dangerouslyDisableSandbox` is ignored and it
    /// runs in the sandbox like any other (CLAUDE-CODE-INTERFACE.md §4.2;
    /// Claude Code: "the parameter is completely ignored and all commands
    /// must run sandboxed"). Only matters when `sandboxed`.
    pub sandbox_allow_unsandboxed: bool,
    /// `sandbox.autoAllowBashIfSandboxed` (Claude Code default: true): a
    /// Bash call that runs inside the sandbox is allowed where the policy
    /// would otherwise ask for want of a rule (CLAUDE-CODE-INTERFACE.md
    /// §4.2). Only matters when `sandboxed`.
    pub sandbox_auto_allow: bool,
    /// `sandbox.excludedCommands`: Bash calls running one of these run
    /// outside the sandbox, judged as unsandboxed calls.
    pub sandbox_excluded: Vec<ExcludedCommand>,
    /// Limits of the Bash analysis.
    pub analyze: AnalyzeOptions,
}

/// An error building or updating a policy. The rest still applies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// A rule did not parse.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// A working directory does not exist or is not a directory.
    #[error("working directory `{path}` {problem}; it is not added")]
    Directory {
        /// The directory as given.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A working directory cannot be removed.
    #[error("working directory `{path}` {problem}; it is not removed")]
    DirectoryKept {
        /// The directory as given.
        path: String,
        /// Why it stays.
        problem: String,
    },
}

impl Policy {
    /// Whether a bare-name deny rule removes `tool_name` from the request
    /// (`--disallowedTools Bash`, `deny: ["mcp__github"]`, `deny: ["*"]`).
    /// Scoped deny rules (`Bash(rm *)`) keep the tool.
    pub fn removes_tool(&self, tool_name: &str) -> bool {
        self.rules
            .with_behavior(RuleBehavior::Deny)
            .any(|rule| matches!(rule.specifier, Specifier::Any) && rule.tool.covers(tool_name))
    }

    /// The resolution environment for a call running in `cwd` (the Bash
    /// tool's current directory; the session cwd for other tools), with the
    /// policy's analysis limits and its `Read(...)` deny patterns (for the
    /// scan of trees a command reads whole).
    pub fn resolve_env(&self, cwd: &Path) -> ResolveEnv {
        let mut env = ResolveEnv::new(cwd, &self.home);
        env.analyze = self.analyze;
        env.read_deny = crate::decide::read_deny_patterns(self).cloned().collect();
        env
    }

    /// Applies a session update (CLAUDE-CODE-INTERFACE.md §10.3):
    ///
    /// - `addRules` parses and adds the rules to the destination's list;
    /// - `replaceRules` makes the destination's list for that behavior
    ///   exactly the given rules (rules of other destinations — flags,
    ///   other files — stay);
    /// - `removeRules` removes the destination's rules of that behavior
    ///   whose text is one of the given rules (`Tool(content)`, as written);
    /// - `setMode` switches mode;
    /// - `addDirectories` adds existing directories (canonical);
    /// - `removeDirectories` removes working directories, compared as given
    ///   and canonical; the session's own directory stays.
    ///
    /// Returns what was not applied: rules that do not parse, directories
    /// that are not absolute, do not exist, or are the session's own; the
    /// rest applies. Whether the update is also written to a settings file
    /// is the caller's business; so is refusing `setMode
    /// bypassPermissions` where [`crate::mode::bypass_allowed`] says no.
    pub fn apply(&mut self, update: &PermissionUpdate) -> Vec<PolicyError> {
        match update {
            PermissionUpdate::AddRules {
                rules,
                behavior,
                destination,
            } => self.add_rules(rules, *behavior, *destination),
            PermissionUpdate::ReplaceRules {
                rules,
                behavior,
                destination,
            } => {
                self.rules.retain(|rule| {
                    !(rule.behavior == *behavior && rule.source.destination == Some(*destination))
                });
                self.add_rules(rules, *behavior, *destination)
            }
            PermissionUpdate::RemoveRules {
                rules,
                behavior,
                destination,
            } => {
                let texts: Vec<String> = rules.iter().map(|rule| rule.to_string()).collect();
                self.rules.retain(|rule| {
                    !(rule.behavior == *behavior
                        && rule.source.destination == Some(*destination)
                        && texts.iter().any(|text| text.trim() == rule.text))
                });
                Vec::new()
            }
            PermissionUpdate::SetMode { mode, .. } => {
                self.mode = *mode;
                Vec::new()
            }
            PermissionUpdate::AddDirectories { directories, .. } => {
                let mut errors = Vec::new();
                for dir in directories {
                    match checked_dir(Path::new(dir)) {
                        Ok(dir) => {
                            if !self.working_dirs.contains(&dir) {
                                self.working_dirs.push(dir);
                            }
                        }
                        Err(problem) => errors.push(PolicyError::Directory {
                            path: dir.clone(),
                            problem,
                        }),
                    }
                }
                errors
            }
            PermissionUpdate::RemoveDirectories { directories, .. } => directories
                .iter()
                .filter_map(|dir| self.remove_dir(dir).err())
                .collect(),
        }
    }

    /// Parses `rules` as `behavior` rules of `destination` and adds them.
    fn add_rules(
        &mut self,
        rules: &[RuleValue],
        behavior: RuleBehavior,
        destination: UpdateDestination,
    ) -> Vec<PolicyError> {
        let source = Arc::new(self.update_source(destination));
        let entries = rules.iter().enumerate().map(|(index, rule)| RuleEntry {
            text: rule.to_string(),
            behavior,
            source: Arc::clone(&source),
            index,
        });
        let (set, errors) = RuleSet::load(entries, &self.cwd, &self.home);
        for rule in set.iter() {
            self.rules.push(rule.clone());
        }
        errors.into_iter().map(PolicyError::Rule).collect()
    }

    /// Removes the working directory `dir` (absolute; compared as given and
    /// canonical, so a directory that is gone can still be removed).
    fn remove_dir(&mut self, dir: &str) -> Result<(), PolicyError> {
        let given = Path::new(dir);
        let refused = |problem: &str| PolicyError::DirectoryKept {
            path: dir.to_owned(),
            problem: problem.to_owned(),
        };
        if !given.is_absolute() {
            return Err(refused("is not an absolute path"));
        }
        let canonical = path::canonical_dir(given);
        if canonical == self.cwd || given == self.cwd {
            return Err(refused("is the session's working directory"));
        }
        self.working_dirs
            .retain(|known| known != &canonical && known != given);
        Ok(())
    }

    fn update_source(&self, destination: UpdateDestination) -> RuleSource {
        let (label, base) = match destination {
            UpdateDestination::UserSettings => ("userSettings", self.home.join(".claude")),
            UpdateDestination::ProjectSettings => ("projectSettings", self.project_root.clone()),
            UpdateDestination::LocalSettings => ("localSettings", self.project_root.clone()),
            UpdateDestination::Session => ("session", self.cwd.clone()),
        };
        RuleSource::new(format!("{label} (approved update)"), base)
            .with_destination(Some(destination))
    }
}

/// Resolves `dir` and checks it is an existing directory.
fn checked_dir(dir: &Path) -> Result<PathBuf, String> {
    if !dir.is_absolute() {
        return Err("is not an absolute path".into());
    }
    let canonical = path::canonical_dir(dir);
    if canonical.is_dir() {
        Ok(canonical)
    } else {
        Err("does not exist or is not a directory".into())
    }
}

/// Builds a [`Policy`] from its parts.
#[derive(Debug, Clone)]
pub struct PolicyBuilder {
    mode: PermissionMode,
    cwd: PathBuf,
    home: PathBuf,
    project_root: Option<PathBuf>,
    additional_dirs: Vec<PathBuf>,
    sources: Vec<(RuleSource, RuleBehavior, Vec<String>)>,
    sandboxed: bool,
    sandbox_allow_unsandboxed: bool,
    sandbox_auto_allow: bool,
    sandbox_excluded: Vec<ExcludedCommand>,
    analyze: AnalyzeOptions,
}

impl PolicyBuilder {
    /// A builder for a session in `cwd` for a user whose home is `home`
    /// (both absolute), in the default mode with no rules.
    pub fn new(cwd: impl Into<PathBuf>, home: impl Into<PathBuf>) -> Self {
        Self {
            mode: PermissionMode::Default,
            cwd: cwd.into(),
            home: home.into(),
            project_root: None,
            additional_dirs: Vec::new(),
            sources: Vec::new(),
            sandboxed: false,
            sandbox_allow_unsandboxed: true,
            sandbox_auto_allow: true,
            sandbox_excluded: Vec::new(),
            analyze: AnalyzeOptions::default(),
        }
    }

    /// Sets the permission mode.
    pub fn mode(mut self, mode: PermissionMode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the project root (default: the cwd).
    pub fn project_root(mut self, root: impl Into<PathBuf>) -> Self {
        self.project_root = Some(root.into());
        self
    }

    /// Adds a working directory (`--add-dir`, `additionalDirectories`).
    pub fn add_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.additional_dirs.push(dir.into());
        self
    }

    /// Adds one source's rule list: `source` names it in messages and gives
    /// the `/` anchor; `behavior` says which list; `rules` are the strings.
    pub fn rules<S: Into<String>>(
        mut self,
        source: RuleSource,
        behavior: RuleBehavior,
        rules: impl IntoIterator<Item = S>,
    ) -> Self {
        self.sources.push((
            source,
            behavior,
            rules.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// Says whether Bash calls run sandboxed.
    pub fn sandboxed(mut self, sandboxed: bool) -> Self {
        self.sandboxed = sandboxed;
        self
    }

    /// Sets `sandbox.allowUnsandboxedCommands` (default true, as in Claude
    /// Code): whether a Bash call's `dangerouslyDisableSandbox` takes it
    /// out of the sandbox; when false the call runs sandboxed anyway.
    pub fn sandbox_allow_unsandboxed(mut self, allow: bool) -> Self {
        self.sandbox_allow_unsandboxed = allow;
        self
    }

    /// Sets `sandbox.autoAllowBashIfSandboxed` (default true, as in Claude
    /// Code): whether sandboxed Bash calls the policy would ask about run
    /// without asking.
    pub fn sandbox_auto_allow(mut self, auto_allow: bool) -> Self {
        self.sandbox_auto_allow = auto_allow;
        self
    }

    /// Sets `sandbox.excludedCommands`, the commands that run outside the
    /// sandbox ([`ExcludedCommand::parse`]; empty entries are dropped).
    pub fn sandbox_excluded_commands<S: AsRef<str>>(
        mut self,
        commands: impl IntoIterator<Item = S>,
    ) -> Self {
        self.sandbox_excluded = commands
            .into_iter()
            .filter_map(|text| ExcludedCommand::parse(text.as_ref()))
            .collect();
        self
    }

    /// Overrides the Bash analysis limits.
    pub fn analyze_options(mut self, options: AnalyzeOptions) -> Self {
        self.analyze = options;
        self
    }

    /// Resolves directories and parses rules. Returns the policy and every
    /// problem found (rules that do not parse, directories that do not
    /// exist); the rest applies.
    pub fn build(self) -> (Policy, Vec<PolicyError>) {
        let cwd = path::canonical_dir(&self.cwd);
        let home = path::canonical_dir(&self.home);
        let project_root = self
            .project_root
            .as_deref()
            .map(path::canonical_dir)
            .unwrap_or_else(|| cwd.clone());
        let mut errors = Vec::new();
        let mut working_dirs = vec![cwd.clone()];
        for dir in &self.additional_dirs {
            match checked_dir(dir) {
                Ok(dir) if !working_dirs.contains(&dir) => working_dirs.push(dir),
                Ok(_) => {}
                Err(problem) => errors.push(PolicyError::Directory {
                    path: dir.display().to_string(),
                    problem,
                }),
            }
        }
        let mut entries = Vec::new();
        for (source, behavior, rules) in self.sources {
            let source = Arc::new(RuleSource {
                base_dir: path::canonical_dir(&source.base_dir),
                label: source.label,
                destination: source.destination,
            });
            for (index, text) in rules.into_iter().enumerate() {
                entries.push(RuleEntry {
                    text,
                    behavior,
                    source: Arc::clone(&source),
                    index,
                });
            }
        }
        let (rules, rule_errors) = RuleSet::load(entries, &cwd, &home);
        errors.extend(rule_errors.into_iter().map(PolicyError::Rule));
        let policy = Policy {
            mode: self.mode,
            rules,
            cwd,
            working_dirs,
            home,
            project_root,
            sandboxed: self.sandboxed,
            sandbox_allow_unsandboxed: self.sandbox_allow_unsandboxed,
            sandbox_auto_allow: self.sandbox_auto_allow,
            sandbox_excluded: self.sandbox_excluded,
            analyze: self.analyze,
        };
        (policy, errors)
    }
}

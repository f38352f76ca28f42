//! Permission rules: Claude Code's grammar (CLAUDE-CODE-INTERFACE.md §3.2),
//! parsed into plain data that `decide` matches against resolved calls.
//!
//! Owns: the rule types, loading a list of rule strings with per-rule error
//! reporting, and tool-name coverage. Never touches the filesystem or the
//! process: anchors for path rules arrive canonical from the policy builder.
//!
//! Grammar summary: `Tool`, `Tool(specifier)`, `Tool(*)` ≡ `Tool`;
//! `Bash(cmd pattern)`; `Read(path)` / `Edit(path)` in gitignore syntax with
//! four anchors; `WebFetch(domain:host)`; `mcp__server`, `mcp__server__tool`,
//! `mcp__server__*`; `Agent(type)` ≡ `Task(type)`; `Skill(name)`;
//! `Tool(param:value)` for other tools. Deny and ask lists also accept the
//! tool-name globs `*` and `mcp__*`.

mod command_pattern;
mod domain;
mod parse;
mod path_pattern;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use command_pattern::CommandPattern;
pub use domain::DomainPattern;
pub use parse::{RuleParseError, parse_rule};
pub use path_pattern::{Anchors, PathPattern};
use rudder_protocol::permission::{RuleBehavior, UpdateDestination};

use crate::tools;

/// Where a rule came from: a settings file, a CLI flag, a session update.
/// Named in every decision a rule makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSource {
    /// What to call the source in messages: a file path, `--allowedTools`,
    /// `session`, …
    pub label: String,
    /// The directory `/`-anchored path rules are relative to: the project
    /// root for project settings, `~/.claude` for user settings, the cwd for
    /// flags and session rules (CLAUDE-CODE-INTERFACE.md §3.2). Canonical.
    pub base_dir: PathBuf,
    /// The permission-update destination whose list this source's rules
    /// belong to (the Agent SDK's `userSettings`, `projectSettings`,
    /// `localSettings`, `session`; §10.3): `replaceRules` and `removeRules`
    /// for that destination change them. `None` for sources no update can
    /// change (flags, managed settings, rudder's own files).
    pub destination: Option<UpdateDestination>,
}

impl RuleSource {
    /// A source named `label` whose `/` anchor is `base_dir`, belonging to
    /// no update destination.
    pub fn new(label: impl Into<String>, base_dir: impl Into<PathBuf>) -> Self {
        Self {
            label: label.into(),
            base_dir: base_dir.into(),
            destination: None,
        }
    }

    /// The same source, belonging to `destination` (see
    /// [`Self::destination`]).
    pub fn with_destination(mut self, destination: Option<UpdateDestination>) -> Self {
        self.destination = destination;
        self
    }
}

impl fmt::Display for RuleSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

/// One rule string to load, with where it came from.
#[derive(Debug, Clone)]
pub struct RuleEntry {
    /// The rule as written, e.g. `Bash(npm test:*)`.
    pub text: String,
    /// Which list it is in.
    pub behavior: RuleBehavior,
    /// Its source.
    pub source: Arc<RuleSource>,
    /// Its position in the source's list (0-based), for error messages.
    pub index: usize,
}

/// A rule that did not parse. Loading continues with the others.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{origin}: permissions.{list}[{index}] `{text}` is invalid at character {position}: {message}; the rule is ignored"
)]
pub struct RuleError {
    /// The source's label (file path, flag name, …).
    pub origin: String,
    /// The list the rule was in: `allow`, `ask` or `deny`.
    pub list: &'static str,
    /// Index of the rule in its list.
    pub index: usize,
    /// Character position (0-based) in `text` where the problem is.
    pub position: usize,
    /// The rule as written.
    pub text: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Which tool names a rule applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolMatcher {
    /// One tool (with family coverage, see [`tools::name_covers`]).
    Name(String),
    /// A tool-name glob: `*`, `mcp__*`, `mcp__server__get_*`.
    Glob(String),
}

impl ToolMatcher {
    /// Whether the rule's tool part covers a call to `tool_name`.
    pub fn covers(&self, tool_name: &str) -> bool {
        match self {
            Self::Name(name) => tools::name_covers(name, tool_name),
            Self::Glob(glob) => command_pattern::glob_match(glob, tool_name),
        }
    }
}

/// The part between the parentheses, parsed per tool.
#[derive(Debug, Clone)]
pub enum Specifier {
    /// No specifier (`Tool`, `Tool(*)`, `Tool()`): every call to the tool.
    Any,
    /// `Bash(...)` command pattern, or `Skill(...)` name pattern.
    Command(CommandPattern),
    /// `Read(...)` / `Edit(...)` path pattern.
    Path(PathPattern),
    /// `WebFetch(domain:...)`.
    Domain(DomainPattern),
    /// `Agent(type)` / `Task(type)`: the subagent type, exactly.
    Exact(String),
    /// `Tool(param:value)`: a scalar top-level input field matched with a
    /// command pattern.
    Param {
        /// The input field name.
        key: String,
        /// The value pattern.
        pattern: CommandPattern,
    },
}

/// One parsed rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The rule as written (trimmed).
    pub text: String,
    /// Allow, ask or deny.
    pub behavior: RuleBehavior,
    /// The tool part.
    pub tool: ToolMatcher,
    /// The specifier.
    pub specifier: Specifier,
    /// Where it came from.
    pub source: Arc<RuleSource>,
}

impl Rule {
    /// "`Bash(rm *)` from /home/u/.claude/settings.json", for reasons.
    pub fn describe(&self) -> String {
        format!("`{}` from {}", self.text, self.source.label)
    }
}

/// The name of a behavior's settings list.
pub fn list_name(behavior: RuleBehavior) -> &'static str {
    match behavior {
        RuleBehavior::Allow => "allow",
        RuleBehavior::Ask => "ask",
        RuleBehavior::Deny => "deny",
    }
}

/// All rules of a policy, in load order.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// Parses every entry. Rules that do not parse are returned as errors
    /// (with source, index and character position) and the others still
    /// load. `cwd` and `home` must be canonical; each entry's `/` anchor is
    /// its source's `base_dir`.
    pub fn load(
        entries: impl IntoIterator<Item = RuleEntry>,
        cwd: &Path,
        home: &Path,
    ) -> (Self, Vec<RuleError>) {
        let mut set = Self::default();
        let mut errors = Vec::new();
        for entry in entries {
            let anchors = Anchors {
                cwd,
                home,
                source_dir: &entry.source.base_dir,
            };
            match parse_rule(
                &entry.text,
                entry.behavior,
                Arc::clone(&entry.source),
                anchors,
            ) {
                Ok(rule) => set.rules.push(rule),
                Err(error) => errors.push(RuleError {
                    origin: entry.source.label.clone(),
                    list: list_name(entry.behavior),
                    index: entry.index,
                    position: error.position,
                    text: entry.text.clone(),
                    message: error.message,
                }),
            }
        }
        (set, errors)
    }

    /// Adds one parsed rule at the end.
    pub fn push(&mut self, rule: Rule) {
        self.rules.push(rule);
    }

    /// Keeps only the rules for which `keep` says yes, in order.
    pub fn retain(&mut self, keep: impl FnMut(&Rule) -> bool) {
        self.rules.retain(keep);
    }

    /// The rules with `behavior`, in load order.
    pub fn with_behavior(&self, behavior: RuleBehavior) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| r.behavior == behavior)
    }

    /// Every rule, in load order.
    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter()
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

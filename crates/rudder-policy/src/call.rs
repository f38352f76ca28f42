//! A tool call as `decide` sees it: plain data, every path already
//! resolved, every shell command already analysed. Built by
//! [`crate::resolve`]; read by [`crate::decide`]. No behaviour here.

use serde_json::Value;

use crate::bash::SimpleCommand;
use crate::bash::classify::{Access, Classified};
use crate::path::ResolvedPath;

/// One tool call, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedCall {
    /// Tool name as the model called it.
    pub tool_name: String,
    /// The call's input, for `Tool(param:value)` rules.
    pub input: Value,
    /// The tool says it does not change anything (used only for tools this
    /// crate has no specific knowledge of; never for Bash, WebFetch, MCP).
    pub read_only: bool,
    /// What the call touches.
    pub target: Target,
}

/// What a call touches, per tool kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A file tool (Read/Grep/Glob/LS or Edit/Write/MultiEdit/NotebookEdit).
    Files(FileTarget),
    /// The Bash tool.
    Bash(BashTarget),
    /// WebFetch: the URL's host, if it parsed.
    Web {
        /// Lower-case host, `None` if the URL did not parse.
        host: Option<String>,
    },
    /// Agent/Task: the subagent type.
    Agent {
        /// `subagent_type`, if given.
        subagent_type: Option<String>,
    },
    /// Skill: `name args`.
    Skill {
        /// The skill name and its arguments, joined by a space.
        text: String,
    },
    /// Any other tool (MCP tools included).
    Other,
}

/// Paths of a file tool.
#[derive(Debug, Clone, PartialEq)]
pub struct FileTarget {
    /// Whether the tool writes (Edit family) or reads (Read family).
    pub writes: bool,
    /// Every path the call names (file, search root, glob prefix).
    pub paths: Vec<ResolvedPath>,
    /// Why a path could not be determined (missing or non-string field).
    pub unresolved: Option<String>,
}

/// An analysed Bash command.
#[derive(Debug, Clone, PartialEq)]
pub struct BashTarget {
    /// The command as given.
    pub command: String,
    /// Every simple command it runs, classified, with its paths.
    pub commands: Vec<ResolvedCommand>,
    /// Every file redirection, resolved.
    pub redirects: Vec<PathUse>,
    /// Why it cannot be decided statically (empty: fully analysed).
    pub undecidable: Vec<String>,
    /// The call asked to run outside the sandbox
    /// (`dangerouslyDisableSandbox: true`).
    pub leaves_sandbox: bool,
}

/// One simple command with what the analysis knows about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedCommand {
    /// The command (argv, wrappers, assignments, cwd, text).
    pub command: SimpleCommand,
    /// Its class and path operands.
    pub class: Classified,
    /// Its path operands, resolved.
    pub paths: Vec<PathUse>,
}

/// One path a command or redirection uses.
#[derive(Debug, Clone, PartialEq)]
pub struct PathUse {
    /// How it is used.
    pub access: Access,
    /// The word as written (after quote removal), for messages.
    pub word: String,
    /// Where it resolves: one entry per directory the command may run in
    /// and per glob match.
    pub paths: Vec<ResolvedPath>,
    /// Why (some of) its paths are unknown (relative word after a `cd` to
    /// an unknown directory, too many glob matches).
    pub unresolved: Option<String>,
    /// A glob that matches everything in these directories (`rm -rf *`):
    /// removing it empties them, so they count for the critical-path check.
    pub emptied_dirs: Vec<ResolvedPath>,
    /// For a command that reads whole trees (`grep -r`, `rg`, `diff -r`):
    /// the entries below these paths that are on the built-in secrets list
    /// or that a `Read(...)` deny rule covers, which it would read unnamed
    /// (at most `path::tree::MAX_FOUND`).
    pub guarded_below: Vec<ResolvedPath>,
    /// Why the search for such files is incomplete (a tree too large to
    /// check); `None` when it is complete or was not needed.
    pub tree_unchecked: Option<String>,
}

//! Resolution: the I/O step before [`crate::decide`]. Turns a tool name and
//! its JSON input into a [`ResolvedCall`]: file paths resolved through
//! symlinks, Bash commands analysed and their path words resolved in every
//! directory they may run in, globs expanded, URLs parsed.
//!
//! Owns the mapping from tool inputs to targets (which field holds the
//! path: `file_path`, `notebook_path`, `path`, `pattern`, `url`, …). Reads
//! the filesystem and the clock (the parse deadline); never writes, never
//! decides.

use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use crate::bash::classify::{self, Access};
use crate::bash::{self, AnalyzeOptions, CwdSet, RedirectAccess, Word};
use crate::call::{BashTarget, FileTarget, PathUse, ResolvedCall, ResolvedCommand, Target};
use crate::decide;
use crate::path::{self, ResolvedPath};
use crate::rule::PathPattern;
use crate::tools::{self, ToolKind};

/// Device files that are not data on disk; redirections to them and
/// operands naming them are not judged as paths.
const DEVICES: &[&str] = &[
    "/dev/null",
    "/dev/stdin",
    "/dev/stdout",
    "/dev/stderr",
    "/dev/tty",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
];

/// What resolution needs to know about the session.
#[derive(Debug, Clone)]
pub struct ResolveEnv {
    /// The call's working directory (the Bash tool's current directory).
    pub cwd: PathBuf,
    /// The home directory (canonical).
    pub home: PathBuf,
    /// Limits of the Bash analysis.
    pub analyze: AnalyzeOptions,
    /// Most glob matches expanded per word before it counts as unresolved.
    pub glob_limit: usize,
    /// The patterns of the policy's `Read(...)` deny rules: a command that
    /// reads whole trees reports the entries below its directories that
    /// they cover (besides files on the secrets list), for `decide` to
    /// judge. Empty: only the secrets list is looked for.
    pub read_deny: Vec<PathPattern>,
}

impl ResolveEnv {
    /// An environment for calls running in `cwd`, with default limits.
    pub fn new(cwd: impl Into<PathBuf>, home: impl Into<PathBuf>) -> Self {
        Self {
            cwd: cwd.into(),
            home: home.into(),
            analyze: AnalyzeOptions::default(),
            glob_limit: 1000,
            read_deny: Vec::new(),
        }
    }
}

/// Resolves one call. Never fails: what cannot be resolved is recorded in
/// the target (`unresolved`, `undecidable`) for `decide` to ask about.
pub fn resolve_call(
    tool_name: &str,
    input: &Value,
    read_only: bool,
    env: &ResolveEnv,
) -> ResolvedCall {
    let target = match tools::kind_of(tool_name) {
        ToolKind::Read => Target::Files(file_target(tool_name, input, false, env)),
        ToolKind::Edit => Target::Files(file_target(tool_name, input, true, env)),
        ToolKind::Bash => Target::Bash(bash_target(input, env)),
        ToolKind::WebFetch => Target::Web {
            host: input
                .get("url")
                .and_then(Value::as_str)
                .and_then(|u| url::Url::parse(u).ok())
                .and_then(|u| u.host_str().map(str::to_ascii_lowercase)),
        },
        ToolKind::Agent => Target::Agent {
            subagent_type: input
                .get("subagent_type")
                .and_then(Value::as_str)
                .map(str::to_string),
        },
        ToolKind::Skill => {
            let name = input.get("skill").and_then(Value::as_str).unwrap_or("");
            let args = input.get("args").and_then(Value::as_str).unwrap_or("");
            let text = if args.is_empty() {
                name.to_string()
            } else {
                format!("{name} {args}")
            };
            Target::Skill { text }
        }
        ToolKind::Mcp | ToolKind::Other => Target::Other,
    };
    ResolvedCall {
        tool_name: tool_name.to_string(),
        input: input.clone(),
        read_only,
        target,
    }
}

fn file_target(tool: &str, input: &Value, writes: bool, env: &ResolveEnv) -> FileTarget {
    let (field, default) = match tool {
        "Grep" | "Glob" | "LS" => ("path", Some(".")),
        "NotebookEdit" | "NotebookRead" => ("notebook_path", None),
        _ => ("file_path", None),
    };
    let mut target = FileTarget {
        writes,
        paths: Vec::new(),
        unresolved: None,
    };
    let raw = match input.get(field) {
        Some(Value::String(s)) => Some(s.as_str()),
        None | Some(Value::Null) => default,
        Some(_) => None,
    };
    let Some(raw) = raw else {
        target.unresolved = Some(format!("the input has no usable `{field}`"));
        return target;
    };
    let base = path::resolve(raw, true, &env.cwd, &env.home);
    if tool == "Glob"
        && let Some(pattern) = input.get("pattern").and_then(Value::as_str)
        && let Some(prefix) = glob_reach(pattern)
    {
        target
            .paths
            .push(path::resolve(&prefix, true, &base.canonical, &env.home));
    }
    target.paths.insert(0, base);
    target
}

/// The directory a Glob pattern can reach beyond its search root: its
/// literal prefix, when the pattern is absolute, starts with `~` or climbs
/// with `..`.
fn glob_reach(pattern: &str) -> Option<String> {
    let escapes = pattern.starts_with('/')
        || pattern.starts_with('~')
        || Path::new(pattern)
            .components()
            .any(|c| c == Component::ParentDir);
    if !escapes {
        return None;
    }
    let prefix: Vec<&str> = pattern
        .split('/')
        .take_while(|part| !part.contains(['*', '?', '[', '{']))
        .collect();
    let joined = prefix.join("/");
    Some(if joined.is_empty() {
        "/".to_string()
    } else {
        joined
    })
}

fn bash_target(input: &Value, env: &ResolveEnv) -> BashTarget {
    let command = input.get("command").and_then(Value::as_str).unwrap_or("");
    let leaves_sandbox = input
        .get("dangerouslyDisableSandbox")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut analysis = bash::analyze(command, &env.analyze);
    if command.trim().is_empty() {
        analysis
            .undecidable
            .push("the command is empty".to_string());
    }
    let commands = analysis
        .commands
        .into_iter()
        .map(|command| {
            let class = classify::classify(&command);
            let bases = bases(&command.cwd, env);
            let mut paths: Vec<PathUse> = class
                .operands
                .iter()
                .filter_map(|op| {
                    let word = operand_word(command.argv.get(op.word)?, op.offset)?;
                    resolve_word(&word, op.access, bases.as_deref(), env)
                })
                .collect();
            if let Some(tree) = class.tree_read {
                if tree.reads_cwd {
                    paths.extend(resolve_word(
                        &Word::literal("."),
                        Access::Read,
                        bases.as_deref(),
                        env,
                    ));
                }
                for used in paths.iter_mut().filter(|u| u.access == Access::Read) {
                    scan_trees(used, tree.hidden, env);
                }
            }
            ResolvedCommand {
                command,
                class,
                paths,
            }
        })
        .collect();
    let redirects = analysis
        .redirects
        .iter()
        .filter_map(|r| {
            let access = match r.access {
                RedirectAccess::Read => Access::Read,
                RedirectAccess::Write => Access::Write,
            };
            resolve_word(&r.target, access, bases(&r.cwd, env).as_deref(), env)
        })
        .collect();
    BashTarget {
        command: command.to_string(),
        commands,
        redirects,
        undecidable: analysis.undecidable,
        leaves_sandbox,
    }
}

/// Looks for guarded files below the directories of `used`, which a tree
/// reader reads whole (`hidden`: hidden entries too): files on the secrets
/// list and, when the policy has `Read(...)` deny rules, entries they
/// cover — one bounded listing for both.
fn scan_trees(used: &mut PathUse, hidden: bool, env: &ResolveEnv) {
    let denied = |path: &ResolvedPath| decide::read_deny_covers(&env.read_deny, path);
    let denied: Option<path::tree::DenyCheck<'_>> = if env.read_deny.is_empty() {
        None
    } else {
        Some(&denied)
    };
    for dir in used.paths.iter().filter(|p| p.is_dir) {
        let scan = path::tree::scan(&dir.canonical, &env.home, hidden, denied);
        for found in scan.found {
            let found = path::resolve_absolute(&found);
            if !used.guarded_below.contains(&found) {
                used.guarded_below.push(found);
            }
        }
        if !scan.complete {
            used.tree_unchecked = Some(format!(
                "`{}` holds more files than are checked ({} entries)",
                used.word,
                path::tree::MAX_ENTRIES
            ));
        }
    }
}

/// The path part of `word` that starts at byte `offset`: the word itself,
/// or an option's attached value (`--file=~/x` gets no tilde expansion
/// from bash, so neither does its value here). `None` for an offset that is
/// not a character boundary.
fn operand_word(word: &Word, offset: usize) -> Option<Word> {
    if offset == 0 {
        return Some(word.clone());
    }
    Some(Word {
        value: word.value.get(offset..)?.to_string(),
        tilde: false,
        process_substitution: false,
        ..word.clone()
    })
}

/// The real directories a `CwdSet` stands for; `None` when unknown.
fn bases(cwd: &CwdSet, env: &ResolveEnv) -> Option<Vec<PathBuf>> {
    let CwdSet::Known(chains) = cwd else {
        return None;
    };
    let mut out = Vec::new();
    for chain in chains {
        let mut base = env.cwd.clone();
        for step in chain {
            base = path::resolve(&step.value, step.tilde, &base, &env.home).canonical;
        }
        if !out.contains(&base) {
            out.push(base);
        }
    }
    Some(out)
}

/// Resolves one path word in every candidate directory. `None` when the
/// word is not a file on disk (a device, `-`, a process substitution).
fn resolve_word(
    word: &Word,
    access: Access,
    bases: Option<&[PathBuf]>,
    env: &ResolveEnv,
) -> Option<PathUse> {
    if word.process_substitution || word.value == "-" {
        return None;
    }
    if DEVICES.contains(&word.value.as_str()) || word.value.starts_with("/dev/fd/") {
        return None;
    }
    let mut used = PathUse {
        access,
        word: word.value.clone(),
        paths: Vec::new(),
        unresolved: None,
        emptied_dirs: Vec::new(),
        guarded_below: Vec::new(),
        tree_unchecked: None,
    };
    if word.dynamic {
        used.unresolved = Some(format!("`{}` is computed at run time", word.value));
        return Some(used);
    }
    let anchored = word.tilde || word.value.starts_with('/');
    let anchored_base = [env.cwd.clone()];
    let bases: &[PathBuf] = match bases {
        _ if anchored => &anchored_base,
        Some(bases) => bases,
        None => {
            used.unresolved = Some(format!(
                "`{}` is relative to a directory a `cd` made unknown",
                word.value
            ));
            return Some(used);
        }
    };
    for base in bases {
        if !word.glob {
            used.paths
                .push(path::resolve(&word.value, word.tilde, base, &env.home));
            continue;
        }
        match path::expand_glob(&word.value, word.tilde, base, &env.home, env.glob_limit) {
            None => {
                used.unresolved = Some(format!(
                    "`{}` matches more than {} files",
                    word.value, env.glob_limit
                ));
            }
            Some(matches) if matches.is_empty() => {
                used.paths
                    .push(path::resolve(&word.value, word.tilde, base, &env.home));
            }
            Some(matches) => {
                for found in matches {
                    let text = found.to_string_lossy();
                    used.paths
                        .push(path::resolve(&text, false, base, &env.home));
                }
            }
        }
        let (dir, last) = glob_dir(&word.value);
        if matches!(last, "*" | ".*" | ".[!.]*" | "..?*") {
            used.emptied_dirs
                .push(path::resolve(dir, word.tilde, base, &env.home));
        }
    }
    Some(used)
}

/// Splits a glob word into its directory part and last component.
fn glob_dir(value: &str) -> (&str, &str) {
    match value.rsplit_once('/') {
        Some(("", last)) => ("/", last),
        Some((dir, last)) => (dir, last),
        None => (".", value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_reach_table() {
        assert_eq!(glob_reach("**/*.rs"), None);
        assert_eq!(glob_reach("../../**/*.pem").as_deref(), Some("../.."));
        assert_eq!(glob_reach("/etc/*").as_deref(), Some("/etc"));
        assert_eq!(glob_reach("/*").as_deref(), Some("/"));
        assert_eq!(glob_reach("~/.ssh/*").as_deref(), Some("~/.ssh"));
    }

    #[test]
    fn glob_dir_table() {
        assert_eq!(glob_dir("*"), (".", "*"));
        assert_eq!(glob_dir("/*"), ("/", "*"));
        assert_eq!(glob_dir("~/x/*"), ("~/x", "*"));
    }
}

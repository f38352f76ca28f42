//! Static analysis of a Bash tool command: every simple command it would
//! run, at any depth, with argv after quote removal, the redirections it
//! makes and the directory each part runs in.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §3.2 (compound commands, wrappers,
//! `$()`, redirections, the 10 000-character limit), USER-PAINS.md §5.2 and
//! the shell rows of §12 (CVE-2025-54795, CVE-2025-66032, CVE-2026-24887,
//! CVE-2026-24053, CVE-2026-25722).
//!
//! Owns: parsing with tree-sitter-bash under a length cap and a deadline
//! (RUST-DEPS.md risk 7), the walk over the tree, word evaluation, wrapper
//! peeling, nested `bash -c`/`eval` strings, `xargs` and `find -exec`
//! targets, `cd` tracking, and the syntactic classification of commands
//! ([`classify`]). It never touches the filesystem and never judges: it
//! reports what it saw and, in [`Analysis::undecidable`], everything it
//! could not decide statically — the policy turns that into "ask".
//!
//! It must never panic, whatever the input (a proptest feeds it random
//! strings).

pub mod classify;
mod cwd;
mod peel;
mod syntax;
mod vars;
mod walk;
mod word;
mod wrappers;

use std::time::Duration;

pub use vars::{is_dangerous_variable, is_safe_variable};

/// Limits of one analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalyzeOptions {
    /// Commands longer than this (in bytes) are not analysed and always ask
    /// (Claude Code: 10 000 characters).
    pub max_len: usize,
    /// Parsing that takes longer than this is abandoned (undecidable).
    pub parse_deadline: Duration,
    /// Maximum nesting of `bash -c` / `eval` strings parsed recursively.
    pub max_shell_depth: usize,
    /// Maximum syntactic nesting walked (substitutions in substitutions…).
    pub max_nesting: usize,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        Self {
            max_len: 10_000,
            parse_deadline: Duration::from_millis(250),
            max_shell_depth: 4,
            max_nesting: 64,
        }
    }
}

/// One shell word after quote and escape removal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word's value. Parts whose value is unknown until run time
    /// (`$X`, `$(…)`) are kept as their source text and set `dynamic`.
    pub value: String,
    /// Contains an expansion (parameter, command, arithmetic, brace, `~user`)
    /// whose value is unknown statically.
    pub dynamic: bool,
    /// Contains unquoted `*`, `?` or `[` (pathname expansion).
    pub glob: bool,
    /// Starts with an unquoted `~` that expands to the home directory
    /// (`~` or `~/…`); `value` still starts with `~`.
    pub tilde: bool,
    /// The whole word is a process substitution `<(…)`/`>(…)` (a pipe).
    pub process_substitution: bool,
}

impl Word {
    /// A plain literal word.
    pub fn literal(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            dynamic: false,
            glob: false,
            tilde: false,
            process_substitution: false,
        }
    }

    /// Whether the word's value is fully known.
    pub fn is_static(&self) -> bool {
        !self.dynamic
    }
}

/// A `NAME=value` assignment in front of a command (or given to `env`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Variable name.
    pub name: String,
    /// Its value.
    pub value: Word,
}

/// A process wrapper peeled off a command (`timeout 5`, `sudo -u x`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wrapper {
    /// The wrapper's own words (name, flags and their values).
    pub argv: Vec<Word>,
    /// Whether the wrapper only changes how the command runs, not who runs
    /// it or what it can reach (`timeout`, `nice`, `env A=1`, `xargs`, …),
    /// so an allow rule for the inner command covers it. `sudo`/`doas` are
    /// not benign.
    pub benign: bool,
}

/// What a recorded command is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A program (or builtin) that runs with its argv.
    Program,
    /// `bash -c '…'`, `eval '…'` or `trap '…'` whose script was parsed and
    /// whose commands are recorded separately: it passes allow checks when
    /// they do, and deny/ask rules still see it.
    ShellEntry,
}

/// The directories a command may run in, relative to the call's cwd: each
/// candidate is a chain of `cd` targets applied in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CwdSet {
    /// Every possible directory, as `cd` chains (empty chain = the call's
    /// cwd).
    Known(Vec<Vec<Word>>),
    /// A `cd` whose target is unknown (`cd $X`, `cd -`, `popd`) happened.
    Unknown,
}

impl CwdSet {
    /// Only the call's cwd.
    pub fn start() -> Self {
        Self::Known(vec![Vec::new()])
    }
}

/// Whether a redirection reads or writes its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectAccess {
    /// `<`: the target is read.
    Read,
    /// `>`, `>>`, `>|`, `&>`, `&>>`, `>&file`: the target is written.
    Write,
}

/// A redirection to or from a file (fd duplications and closes are not
/// recorded: they touch no path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// Read or write.
    pub access: RedirectAccess,
    /// The target word.
    pub target: Word,
    /// Where relative targets resolve.
    pub cwd: CwdSet,
}

/// One simple command the shell would run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    /// The innermost program and its arguments (wrappers removed).
    pub argv: Vec<Word>,
    /// Wrappers peeled off, outermost first.
    pub wrappers: Vec<Wrapper>,
    /// Leading `NAME=value` assignments, including those given to `env`.
    pub assignments: Vec<Assignment>,
    /// Where it runs.
    pub cwd: CwdSet,
    /// Its source text, for messages and suggestions.
    pub text: String,
    /// Extra arguments are appended at run time (`xargs`, `find -exec … +`),
    /// so its full argv is not known.
    pub appends_args: bool,
    /// Program or shell entry.
    pub role: Role,
}

impl SimpleCommand {
    /// Texts deny and ask rules are matched against: the source text, the
    /// full command with wrappers and every form with fewer wrappers (all
    /// assignments stripped), so `sudo rm x` meets `Bash(rm *)`.
    pub fn deny_views(&self) -> Vec<String> {
        let mut views = vec![join_words_str(self.text.split_whitespace())];
        for start in 0..=self.wrappers.len() {
            views.push(self.view_from(start, Naming::AsWritten));
            views.push(self.view_from(start, Naming::BaseName));
        }
        dedup(&mut views);
        views
    }

    /// Texts allow rules are matched against: the full command, and each
    /// form below only benign wrappers. Empty when an assignment in front
    /// of the command is not known to be safe (`PATH=… ls` is never
    /// allowed by a rule for `ls`).
    pub fn allow_views(&self) -> Vec<String> {
        if !self.assignments.iter().all(|a| is_safe_variable(&a.name)) {
            return Vec::new();
        }
        let mut views = Vec::new();
        for start in 0..=self.wrappers.len() {
            if self.wrappers[..start].iter().all(|w| w.benign) {
                views.push(self.view_from(start, Naming::AsWritten));
                views.push(self.view_from(start, Naming::SystemBaseName));
            }
        }
        dedup(&mut views);
        views
    }

    /// The innermost command's text (argv joined by spaces).
    pub fn inner_text(&self) -> String {
        join_words(&self.argv)
    }

    fn view_from(&self, start: usize, naming: Naming) -> String {
        let layers = self.wrappers[start..]
            .iter()
            .map(|w| w.argv.as_slice())
            .chain(std::iter::once(self.argv.as_slice()));
        let mut words: Vec<&str> = Vec::new();
        for layer in layers {
            for (i, word) in layer.iter().enumerate() {
                let value = word.value.as_str();
                words.push(match (i, naming) {
                    (0, Naming::BaseName) => value.rsplit('/').next().unwrap_or(value),
                    (0, Naming::SystemBaseName) => program_name(value),
                    _ => value,
                });
            }
        }
        join_words_str(words.into_iter())
    }
}

/// How program words are spelled in a rule view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Naming {
    /// As written (`/usr/bin/rm`).
    AsWritten,
    /// Base name of any path (`/tmp/rm` → `rm`): deny and ask rules.
    BaseName,
    /// Base name only in system directories: allow rules (a `/tmp/git` is
    /// not `git`).
    SystemBaseName,
}

/// Removes repeated views, keeping the first of each.
fn dedup(views: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    views.retain(|v| seen.insert(v.clone()));
}

/// Joins word values with single spaces.
pub fn join_words(words: &[Word]) -> String {
    join_words_str(words.iter().map(|w| w.value.as_str()))
}

fn join_words_str<'a>(words: impl Iterator<Item = &'a str>) -> String {
    words.collect::<Vec<_>>().join(" ")
}

/// The result of analysing one command string.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Analysis {
    /// Every simple command found, in source order (nested ones after the
    /// command that contains them).
    pub commands: Vec<SimpleCommand>,
    /// Every file redirection found.
    pub redirects: Vec<Redirect>,
    /// Why (parts of) the command cannot be decided statically. Non-empty
    /// means the command as a whole must never be auto-allowed.
    pub undecidable: Vec<String>,
}

impl Analysis {
    /// Whether everything was decided statically.
    pub fn is_decidable(&self) -> bool {
        self.undecidable.is_empty()
    }
}

/// Analyses `command` with `options`. Never fails and never panics: what it
/// cannot decide is listed in [`Analysis::undecidable`] (too long, parse
/// error, parse deadline, computed command names, `eval` of non-literal
/// text, shells reading commands from stdin, unknown wrapper options, …),
/// together with whatever commands it could still extract (for deny rules).
pub fn analyze(command: &str, options: &AnalyzeOptions) -> Analysis {
    let mut analysis = Analysis::default();
    if command.len() > options.max_len {
        analysis.undecidable.push(format!(
            "the command is {} characters long (more than {} are never analysed)",
            command.len(),
            options.max_len
        ));
        return analysis;
    }
    walk::analyze_script(command, CwdSet::start(), 0, options, &mut analysis);
    let mut seen = std::collections::HashSet::new();
    analysis.undecidable.retain(|why| seen.insert(why.clone()));
    analysis
}

/// Directories whose programs are recognised by their base name
/// (`/usr/bin/rm` is `rm`). A program anywhere else keeps its full path, so
/// a `/tmp/cat` is never trusted as `cat` (codex#20277).
pub const SYSTEM_BIN_DIRS: &[&str] = &[
    "/bin",
    "/usr/bin",
    "/usr/local/bin",
    "/sbin",
    "/usr/sbin",
    "/usr/local/sbin",
];

/// The name a program is looked up by: its base name when it is given as a
/// path in one of [`SYSTEM_BIN_DIRS`], else the word as written.
pub fn program_name(word: &str) -> &str {
    match word.rsplit_once('/') {
        Some((dir, base)) if SYSTEM_BIN_DIRS.contains(&dir) && !base.is_empty() => base,
        _ => word,
    }
}

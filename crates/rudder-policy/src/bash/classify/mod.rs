//! What a simple command does to files, from its argv alone: whether it is
//! in the read-only set, in the acceptEdits set (`mkdir touch rm rmdir mv
//! cp`), only changes shell state, or is something else; and which of its
//! words are paths it reads, lists, writes or deletes.
//!
//! Contract: the read-only set of CLAUDE-CODE-INTERFACE.md §3.2 kept
//! conservative (CVE-2025-55284: no network tool is ever read-only;
//! CVE-2025-58764: `rg --pre` runs programs; CVE-2025-64755: `sed` only with
//! `-n` and a printing script; CVE-2026-24887: `find -exec`). Pure: paths
//! are named here and resolved by `path`.

mod args;
mod git;
mod sed;
mod table;

use super::{Role, SimpleCommand, Word, is_safe_variable, program_name};
use table::{OperandRule, Spec};

/// How a command touches one of its path operands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads the file's content.
    Read,
    /// Looks at names and metadata only (`ls`, `stat`, `cd`).
    Metadata,
    /// Creates or changes it.
    Write,
    /// Removes it (`rm`, `rmdir`): a write, and subject to the critical-path
    /// check.
    Delete,
}

impl Access {
    /// Whether the access changes the filesystem.
    pub fn is_write(self) -> bool {
        matches!(self, Self::Write | Self::Delete)
    }
}

/// A path operand: the index of its word in `argv`, where in the word the
/// path starts, and how it is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operand {
    /// Index into [`SimpleCommand::argv`].
    pub word: usize,
    /// Byte offset into the word's value where the path starts: 0 for a
    /// whole word, past `--file=` or `-f` for a value attached to its
    /// option (`grep --file=pats`, `grep -fpats`).
    pub offset: usize,
    /// How the command uses it.
    pub access: Access,
}

impl Operand {
    /// A whole word used with `access`.
    fn whole(word: usize, access: Access) -> Self {
        Self {
            word,
            offset: 0,
            access,
        }
    }

    /// The value of option `opt` as a path used with `access`, whether it
    /// is the next word or attached to the option's own word; `None` for
    /// an option without a value.
    fn option_value(opt: &args::Opt, argv: &[Word], access: Access) -> Option<Self> {
        match &opt.value {
            args::Value::None => None,
            args::Value::Word(w) => Some(Self::whole(*w, access)),
            args::Value::Inline(value) => {
                let word = argv.get(opt.word)?;
                Some(Self {
                    word: opt.word,
                    offset: word.value.len().checked_sub(value.len())?,
                    access,
                })
            }
        }
    }
}

/// The class of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandClass {
    /// In the read-only set with only harmless options: auto-allowed when
    /// its operands are inside the working directories.
    ReadOnly,
    /// Changes shell state only (`export`, `unset`, bare `exec`): no files,
    /// no programs.
    ShellState,
    /// `mkdir touch rm rmdir mv cp`: auto-allowed in acceptEdits when its
    /// operands are inside the working directories.
    FileEdit,
    /// Anything else: needs an allow rule or the user.
    Other,
}

/// The classification of one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// Its class.
    pub class: CommandClass,
    /// Path operands with a static value, in order.
    pub operands: Vec<Operand>,
    /// Why some operands or options are unknown statically (computed words,
    /// arguments appended by `xargs`); `None` when all are known.
    pub unresolved: Option<String>,
    /// Why a command of the read-only or edit set is not in its class here
    /// (e.g. "`find -delete` deletes files").
    pub note: Option<String>,
    /// The program is not known to this module, so its arguments may be a
    /// command it runs (`watch rm x`): deny rules are also matched against
    /// the tail of its argv.
    pub may_run_arguments: bool,
    /// The command removes files (`rm`, `rmdir`, `shred`, `unlink`,
    /// `find -delete`): with `unresolved` operands it may reach a critical
    /// path.
    pub removes: bool,
    /// The command reads every file below the directories among its read
    /// operands (`grep -r`, `rg`, `diff -r`); `None` for commands that do
    /// not.
    pub tree_read: Option<TreeRead>,
}

/// How a command reads directory trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeRead {
    /// Hidden files and directories are read too (`grep -r`; `rg --hidden`
    /// or `-uu`; plain `rg` skips them).
    pub hidden: bool,
    /// No path operand was given, so the command reads its current
    /// directory (`grep -r x`, `rg x`).
    pub reads_cwd: bool,
}

impl Classified {
    fn other() -> Self {
        Self {
            class: CommandClass::Other,
            operands: Vec::new(),
            unresolved: None,
            note: None,
            may_run_arguments: true,
            removes: false,
            tree_read: None,
        }
    }
}

/// Classifies `command`. Never fails: unknown programs are
/// [`CommandClass::Other`].
pub fn classify(command: &SimpleCommand) -> Classified {
    let argv = &command.argv;
    let Some(first) = argv.first() else {
        return Classified {
            may_run_arguments: false,
            ..Classified::other()
        };
    };
    if first.dynamic {
        return Classified::other();
    }
    let name = program_name(&first.value);
    let mut classified = match name {
        "git" => classify_git(command),
        "sed" => classify_sed(command),
        "find" => classify_find(command),
        _ => match table::lookup(name) {
            Some(spec) => classify_spec(command, spec),
            None => return Classified::other(),
        },
    };
    if command.appends_args {
        classified.unresolved = Some("arguments are appended at run time".into());
    }
    demote_if_wrapped(command, &mut classified);
    classified
}

/// A read-only or edit command is only that when it runs as itself:
/// no privilege wrapper, no unsafe assignment, not a shell entry.
fn demote_if_wrapped(command: &SimpleCommand, classified: &mut Classified) {
    if !matches!(
        classified.class,
        CommandClass::ReadOnly | CommandClass::FileEdit | CommandClass::ShellState
    ) {
        return;
    }
    let why = if let Some(w) = command.wrappers.iter().find(|w| !w.benign) {
        Some(format!(
            "it runs through `{}`",
            w.argv.first().map(|w| w.value.as_str()).unwrap_or("")
        ))
    } else if let Some(a) = command
        .assignments
        .iter()
        .find(|a| !is_safe_variable(&a.name))
    {
        Some(format!("it runs with `{}` set", a.name))
    } else if command.role != Role::Program {
        Some("it is a shell entry".to_string())
    } else {
        None
    };
    if let Some(why) = why {
        classified.class = CommandClass::Other;
        classified.note = Some(why);
    }
}

fn classify_spec(command: &SimpleCommand, spec: &Spec) -> Classified {
    let argv = &command.argv;
    let long_names: Vec<&str> = spec
        .forbidden
        .iter()
        .chain(spec.file_options)
        .chain(spec.pattern_options)
        .filter_map(|name| name.strip_prefix("--"))
        .collect();
    let parsed = args::parse(argv, spec.with_value, spec.long_with_value, &long_names);
    let mut classified = Classified {
        class: spec.class,
        operands: Vec::new(),
        unresolved: None,
        note: None,
        may_run_arguments: false,
        removes: matches!(
            spec.operands,
            OperandRule::All(Access::Delete) | OperandRule::SkipFirst(Access::Delete)
        ),
        tree_read: None,
    };
    if let Some(opt) = parsed.find(spec.forbidden) {
        classified.class = CommandClass::Other;
        classified.note = Some(format!(
            "`{} {}` can write files or run programs",
            argv[0].value, opt.name
        ));
    }
    // Option values that name files the command reads (`grep -f pats`,
    // `grep --file=pats`).
    for opt in &parsed.options {
        if spec.file_options.contains(&opt.name.as_str())
            && let Some(operand) = Operand::option_value(opt, argv, spec.file_option_access)
        {
            classified.operands.push(operand);
        }
    }
    let pattern_given = parsed.find(spec.pattern_options).is_some();
    let mut operands = parsed.operands.clone();
    match spec.operands {
        OperandRule::None => operands.clear(),
        OperandRule::All(_) => {}
        OperandRule::PatternFirst(_) => {
            if !pattern_given && !operands.is_empty() {
                operands.remove(0);
            }
        }
        OperandRule::SkipFirst(_) => {
            if !operands.is_empty() {
                operands.remove(0);
            }
        }
        OperandRule::LastWrites(_) => {}
        OperandRule::FirstOnly(_) => {
            if operands.len() > 1 {
                classified.class = CommandClass::Other;
                classified.note = Some(format!(
                    "`{}` with two files writes the second",
                    argv[0].value
                ));
            }
        }
    }
    let count = operands.len();
    classified.tree_read = tree_read(argv, &parsed, count == 0);
    for (n, word) in operands.into_iter().enumerate() {
        let access = match spec.operands {
            OperandRule::LastWrites(source) if n + 1 < count => source,
            OperandRule::LastWrites(_) => Access::Write,
            OperandRule::FirstOnly(_) if n > 0 => Access::Write,
            OperandRule::All(a)
            | OperandRule::PatternFirst(a)
            | OperandRule::SkipFirst(a)
            | OperandRule::FirstOnly(a) => a,
            OperandRule::None => continue,
        };
        classified.operands.push(Operand::whole(word, access));
    }
    // `-t dir` of mv/cp.
    if let Some(opt) = parsed.find(&["-t", "--target-directory"])
        && let Some(operand) = Operand::option_value(opt, argv, Access::Write)
    {
        classified.operands.push(operand);
    }
    let dynamic_operand = parsed.operands.iter().any(|w| {
        argv.get(*w)
            .is_some_and(|w| w.dynamic && !w.process_substitution)
    });
    if (dynamic_operand && !matches!(spec.operands, OperandRule::None))
        || !parsed.dynamic_options.is_empty()
    {
        if spec.dynamic_ok {
            // `echo $X`: arguments are data, whatever they expand to.
        } else {
            classified.unresolved = Some("a path or option is computed at run time".into());
        }
    }
    classified
        .operands
        .retain(|o| argv.get(o.word).is_some_and(|w| !w.dynamic));
    classified
}

/// Whether the command in `argv` (`grep` and kin, `rg`, `diff -r`) with
/// the options `parsed` reads whole directory trees; `no_paths` says no
/// path operand was given. Abbreviations count: any prefix of
/// `--recursive` or `--hidden`; a computed `-d` value counts as
/// `recurse`.
fn tree_read(argv: &[Word], parsed: &args::Args, no_paths: bool) -> Option<TreeRead> {
    let program = argv.first().map_or("", |word| word.value.as_str());
    let long = |full: &str| {
        parsed.options.iter().any(|opt| {
            opt.name
                .strip_prefix("--")
                .is_some_and(|name| !name.is_empty() && full.starts_with(name))
        })
    };
    match super::program_name(program) {
        "grep" | "egrep" | "fgrep" => {
            let recurse = parsed.has("-r")
                || parsed.has("-R")
                || long("recursive")
                || long("dereference-recursive")
                || parsed.options.iter().any(|opt| {
                    let value = match &opt.value {
                        args::Value::Inline(value) => Some(value.as_str()),
                        args::Value::Word(w) => argv
                            .get(*w)
                            .filter(|word| !word.dynamic)
                            .map(|word| word.value.as_str()),
                        args::Value::None => Some(""),
                    };
                    matches!(opt.name.as_str(), "-d" | "--directories")
                        && value.is_none_or(|value| value == "recurse")
                });
            recurse.then_some(TreeRead {
                hidden: true,
                reads_cwd: no_paths,
            })
        }
        "diff" => (parsed.has("-r") || long("recursive")).then_some(TreeRead {
            hidden: true,
            reads_cwd: false,
        }),
        "rg" if !(parsed.has("--files") || parsed.has("--type-list")) => {
            let unrestricted = parsed.options.iter().filter(|opt| opt.name == "-u").count();
            Some(TreeRead {
                hidden: parsed.has("-.") || long("hidden") || unrestricted >= 2,
                reads_cwd: no_paths,
            })
        }
        _ => None,
    }
}

fn classify_git(command: &SimpleCommand) -> Classified {
    let verdict = git::classify(&command.argv);
    let blobs = verdict.blobs.iter().map(|(word, offset)| Operand {
        word: *word,
        offset: *offset,
        access: Access::Read,
    });
    let mut classified = Classified {
        class: CommandClass::ReadOnly,
        operands: verdict
            .dirs
            .iter()
            .filter(|w| command.argv.get(**w).is_some_and(|w| !w.dynamic))
            .map(|w| Operand::whole(*w, Access::Metadata))
            .chain(blobs)
            .collect(),
        unresolved: None,
        note: None,
        may_run_arguments: false,
        removes: false,
        tree_read: None,
    };
    if let Err(why) = verdict.read_only {
        classified.class = CommandClass::Other;
        classified.note = Some(why);
    }
    classified
}

fn classify_sed(command: &SimpleCommand) -> Classified {
    let argv = &command.argv;
    let parsed = args::parse(
        argv,
        "efl",
        &["expression", "file", "line-length"],
        &["in-place", "separate", "quiet", "silent"],
    );
    let mut classified = Classified {
        class: CommandClass::ReadOnly,
        operands: Vec::new(),
        unresolved: None,
        note: None,
        may_run_arguments: false,
        removes: false,
        tree_read: None,
    };
    if !parsed.dynamic_options.is_empty() {
        refuse(
            "a sed option is computed at run time".into(),
            &mut classified,
        );
    }
    let quiet = parsed.find(&["-n", "--quiet", "--silent"]).is_some();
    if !quiet {
        refuse(
            "`sed` without `-n` is only read-only when its script prints".into(),
            &mut classified,
        );
    }
    if let Some(opt) = parsed.find(&["-i", "--in-place", "-f", "--file", "-s", "--separate"]) {
        refuse(
            format!("`sed {}` edits files or reads a script file", opt.name),
            &mut classified,
        );
    }
    let mut scripts = Vec::new();
    for opt in &parsed.options {
        if opt.name == "-e" || opt.name == "--expression" {
            match &opt.value {
                args::Value::Inline(s) => scripts.push(s.clone()),
                args::Value::Word(w) => match argv.get(*w) {
                    Some(word) if !word.dynamic => scripts.push(word.value.clone()),
                    _ => refuse(
                        "the sed script is computed at run time".into(),
                        &mut classified,
                    ),
                },
                args::Value::None => {}
            }
        }
    }
    let mut operands = parsed.operands.clone();
    if scripts.is_empty() && !operands.is_empty() {
        let first = operands.remove(0);
        match argv.get(first) {
            Some(word) if !word.dynamic => scripts.push(word.value.clone()),
            _ => refuse(
                "the sed script is computed at run time".into(),
                &mut classified,
            ),
        }
    }
    for script in &scripts {
        if let Err(why) = sed::check_script(script) {
            refuse(why, &mut classified);
        }
    }
    for word in operands {
        match argv.get(word) {
            Some(w) if !w.dynamic => classified.operands.push(Operand::whole(word, Access::Read)),
            _ => classified.unresolved = Some("a sed input file is computed at run time".into()),
        }
    }
    classified
}

/// Takes `c` out of its class for `why` (the first reason wins).
fn refuse(why: String, c: &mut Classified) {
    if c.note.is_none() {
        c.class = CommandClass::Other;
        c.note = Some(why);
    }
}

fn classify_find(command: &SimpleCommand) -> Classified {
    const ACTIONS: &[&str] = &[
        "-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint", "-fprint0", "-fprintf", "-fls",
    ];
    let argv = &command.argv;
    let mut classified = Classified {
        class: CommandClass::ReadOnly,
        operands: Vec::new(),
        unresolved: None,
        note: None,
        may_run_arguments: false,
        removes: false,
        tree_read: None,
    };
    let deletes = argv.iter().any(|w| w.value == "-delete");
    classified.removes = deletes;
    let mut in_roots = true;
    for (i, word) in argv.iter().enumerate().skip(1) {
        if word.dynamic {
            classified.unresolved = Some("a find argument is computed at run time".into());
            continue;
        }
        let value = word.value.as_str();
        if in_roots && (value.starts_with('-') || value == "(" || value == "!") {
            in_roots = false;
        }
        if in_roots {
            classified.operands.push(Operand::whole(
                i,
                if deletes {
                    Access::Delete
                } else {
                    Access::Metadata
                },
            ));
        } else if ACTIONS.contains(&value) && classified.note.is_none() {
            classified.class = CommandClass::Other;
            classified.note = Some(format!("`find {value}` runs programs or writes files"));
        }
    }
    classified
}

#[cfg(test)]
mod tests;

//! From an argv to the commands it really runs: wrappers are peeled (see
//! `wrappers`), `bash -c`/`sh -c`/`eval`/`trap` strings are parsed as
//! scripts (depth-capped), `xargs` targets and `find -exec` targets become
//! commands of their own (CVE-2026-24887), and `cd` moves the tracked
//! directory (CVE-2026-25722). Shells reading commands from stdin, computed
//! command names and misparsed keywords make the command undecidable.
//! Pure: no filesystem.

use super::cwd::Flow;
use super::walk::{Walker, analyze_script};
use super::wrappers::peel;
use super::{Assignment, CwdSet, Role, SimpleCommand, Word, program_name};

/// Shells whose `-c` string is parsed.
const SHELLS: &[&str] = &["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash"];

/// Words that can only be a command name if the grammar misparsed.
const KEYWORDS: &[&str] = &[
    "{", "}", "then", "fi", "do", "done", "esac", "elif", "else", "in", "coproc", "function",
    "select", "until", "while", "if", "case", "for", "[[", "]]",
];

/// The commands `find … -exec cmd … ;` runs, or why they cannot be found.
fn find_exec_targets(argv: &[Word]) -> Result<Vec<Vec<Word>>, String> {
    let mut targets = Vec::new();
    let mut i = 1;
    while i < argv.len() {
        let action = argv[i].value.as_str();
        if matches!(action, "-exec" | "-execdir" | "-ok" | "-okdir") {
            let start = i + 1;
            let mut end = None;
            let mut j = start;
            while j < argv.len() {
                let v = argv[j].value.as_str();
                if v == ";" || (v == "+" && j > start && argv[j - 1].value == "{}") {
                    end = Some(j);
                    break;
                }
                j += 1;
            }
            let Some(end) = end else {
                return Err(format!("`find {action}` has no terminating `;` or `+`"));
            };
            if end == start {
                return Err(format!("`find {action}` names no command"));
            }
            targets.push(argv[start..end].to_vec());
            i = end + 1;
        } else {
            i += 1;
        }
    }
    Ok(targets)
}

impl Walker<'_> {
    /// Records a command after peeling wrappers, following nested scripts
    /// and `find -exec` targets, and returns its `cd` flow.
    pub(crate) fn finish(
        &mut self,
        argv: Vec<Word>,
        mut assignments: Vec<Assignment>,
        cwd: &CwdSet,
        text: String,
        appends_args: bool,
    ) -> Flow {
        if let Some(first) = argv.first().filter(|w| w.dynamic) {
            self.undecidable(format!(
                "the command name `{}` is computed at run time",
                first.value
            ));
        }
        let peeled = peel(argv);
        for problem in &peeled.problems {
            self.undecidable(problem.clone());
        }
        assignments.extend(peeled.assignments);
        let argv = peeled.argv;
        let mut command = SimpleCommand {
            argv,
            wrappers: peeled.wrappers,
            assignments,
            cwd: cwd.clone(),
            text,
            appends_args: appends_args || peeled.appends_args,
            role: Role::Program,
        };
        let Some(first) = command.argv.first().cloned() else {
            self.out.commands.push(command);
            return Flow::same(cwd.clone());
        };
        if first.dynamic {
            self.undecidable(format!(
                "the command name `{}` is computed at run time",
                first.value
            ));
            self.out.commands.push(command);
            return Flow::same(cwd.clone());
        }
        let name = program_name(&first.value).to_string();
        let mut flow = Flow::same(cwd.clone());
        match name.as_str() {
            _ if KEYWORDS.contains(&name.as_str()) => {
                self.undecidable(format!("unsupported shell syntax near `{name}`"));
            }
            _ if SHELLS.contains(&name.as_str()) && self.shell(&command.argv, cwd) => {
                command.role = super::Role::ShellEntry;
            }
            "eval" => {
                let args = &command.argv[1..];
                if args.iter().any(|w| w.dynamic) {
                    self.undecidable("`eval` of text computed at run time".to_string());
                } else {
                    command.role = super::Role::ShellEntry;
                    let script = super::join_words(args);
                    self.nested(&script, cwd);
                }
            }
            "trap" if self.trap(&command.argv, cwd) => {
                command.role = super::Role::ShellEntry;
            }
            "find" => {
                let targets = find_exec_targets(&command.argv);
                let text = command.text.clone();
                self.out.commands.push(command);
                match targets {
                    Ok(targets) => {
                        for target in targets {
                            if self.enter() {
                                self.finish(target, Vec::new(), cwd, text.clone(), true);
                                self.leave();
                            }
                        }
                    }
                    Err(problem) => self.undecidable(problem),
                }
                return flow;
            }
            "cd" | "pushd" | "popd" => {
                flow = cd_flow(&name, &command.argv, cwd);
            }
            _ => {}
        }
        self.out.commands.push(command);
        flow
    }

    /// Records a command as is (no peeling): declarations.
    pub(crate) fn record_plain(
        &mut self,
        argv: Vec<Word>,
        assignments: Vec<Assignment>,
        cwd: &CwdSet,
        text: String,
    ) {
        self.out.commands.push(SimpleCommand {
            argv,
            wrappers: Vec::new(),
            assignments,
            cwd: cwd.clone(),
            text,
            appends_args: false,
            role: Role::Program,
        });
    }

    /// `bash [options] -c script …`: parses the script; true when it did.
    fn shell(&mut self, argv: &[Word], cwd: &CwdSet) -> bool {
        let mut has_c = false;
        let mut reads_stdin = false;
        let mut i = 1;
        while i < argv.len() {
            let word = &argv[i];
            if word.dynamic && has_c {
                break;
            }
            if word.dynamic {
                self.undecidable(format!(
                    "an option of `{}` is computed at run time",
                    argv[0].value
                ));
                return false;
            }
            let value = word.value.as_str();
            if value == "--" || value == "-" {
                i += 1;
                break;
            }
            if let Some(long) = value.strip_prefix("--") {
                i += if matches!(long, "rcfile" | "init-file") {
                    2
                } else {
                    1
                };
                continue;
            }
            let cluster = value
                .strip_prefix('-')
                .or_else(|| value.strip_prefix('+'))
                .filter(|c| !c.is_empty());
            let Some(cluster) = cluster else { break };
            has_c |= cluster.contains('c');
            reads_stdin |= cluster.contains('s');
            i += if cluster.contains('o') || cluster.contains('O') {
                2
            } else {
                1
            };
        }
        let operand = argv.get(i);
        match (has_c, operand) {
            (true, Some(script)) if script.is_static() => {
                self.nested(&script.value, cwd);
                true
            }
            (true, Some(_)) => {
                self.undecidable(format!(
                    "the script of `{} -c` is computed at run time",
                    argv[0].value
                ));
                false
            }
            (true, None) => {
                self.undecidable(format!("`{} -c` without a script", argv[0].value));
                false
            }
            (false, Some(_)) if !reads_stdin => false,
            _ => {
                self.undecidable(format!(
                    "`{}` reads the commands it runs from standard input",
                    argv[0].value
                ));
                false
            }
        }
    }

    /// `trap 'action' SIGNAL…`: the action runs later; parse it.
    fn trap(&mut self, argv: &[Word], cwd: &CwdSet) -> bool {
        let args: Vec<&Word> = argv[1..].iter().filter(|w| w.value != "--").collect();
        if args.iter().any(|w| w.value == "-l" || w.value == "-p") || args.len() < 2 {
            return false;
        }
        let action = args[0];
        if action.dynamic {
            self.undecidable("the action of `trap` is computed at run time".to_string());
            return false;
        }
        if !action.value.is_empty() && action.value != "-" {
            self.nested(&action.value.clone(), cwd);
        }
        true
    }

    /// Parses a nested script (depth-capped) into the same analysis.
    fn nested(&mut self, script: &str, cwd: &CwdSet) {
        if self.shell_depth + 1 > self.options.max_shell_depth {
            self.undecidable(format!(
                "shell strings nest deeper than {} levels",
                self.options.max_shell_depth
            ));
            return;
        }
        if script.len() > self.options.max_len {
            self.undecidable("a nested shell string is too long to analyse".to_string());
            return;
        }
        let options = *self.options;
        analyze_script(
            script,
            cwd.clone(),
            self.shell_depth + 1,
            &options,
            &mut *self.out,
        );
    }
}

/// Where `cd`/`pushd`/`popd` leaves the shell.
fn cd_flow(name: &str, argv: &[Word], cwd: &CwdSet) -> Flow {
    let operands: Vec<&Word> = argv[1..]
        .iter()
        .skip_while(|w| w.value.starts_with('-') && w.value.len() > 1 && w.value != "--")
        .filter(|w| w.value != "--")
        .collect();
    let target = match (name, operands.first()) {
        ("popd", _) => None,
        ("pushd", None) => None,
        (_, Some(w)) if w.value == "-" || w.value.starts_with('+') => None,
        (_, Some(w)) => Some((*w).clone()),
        ("cd", None) => Some(Word {
            tilde: true,
            ..Word::literal("~")
        }),
        _ => None,
    };
    match target {
        Some(target) => Flow {
            ok: cwd.join(&target),
            fail: cwd.clone(),
        },
        None => Flow::same(CwdSet::Unknown),
    }
}

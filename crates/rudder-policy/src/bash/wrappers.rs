//! Process wrappers: peeling `timeout 5 nice -n 5 env A=1 sudo rm x` down
//! to `rm x`, each wrapper's own options skipped by its real syntax.
//!
//! Contract: Claude Code strips `timeout time nice nohup stdbuf command
//! builtin noglob` and bare `xargs` (CLAUDE-CODE-INTERFACE.md §3.2);
//! CC#92542 (any other wrapper skipped all rules) is why `sudo`, `doas`,
//! `exec`, `env`, `setsid` and `ionice` are peeled too. An option this
//! module does not know makes the command undecidable rather than guessing
//! where the inner command starts. Pure.

use super::{Assignment, Word, Wrapper, program_name};

/// How a wrapper's options look.
struct WrapperSpec {
    name: &'static str,
    benign: bool,
    /// Short options without a value.
    flags: &'static str,
    /// Short options whose value is the rest of the cluster or the next word.
    with_value: &'static str,
    /// Short options whose optional value can only be attached.
    optional_value: &'static str,
    /// Long options without a value.
    long_flags: &'static [&'static str],
    /// Long options with a value (`--x=v` or `--x v`).
    long_with_value: &'static [&'static str],
    /// Words after the options that belong to the wrapper (`timeout 5`).
    positional: usize,
    /// Extra arguments are appended to the inner command.
    appends: bool,
}

const WRAPPERS: &[WrapperSpec] = &[
    WrapperSpec {
        name: "timeout",
        benign: true,
        flags: "v",
        with_value: "ks",
        optional_value: "",
        long_flags: &["preserve-status", "foreground", "verbose"],
        long_with_value: &["kill-after", "signal"],
        positional: 1,
        appends: false,
    },
    WrapperSpec {
        name: "time",
        benign: true,
        flags: "pvq",
        with_value: "f",
        optional_value: "",
        long_flags: &["verbose", "portability", "quiet"],
        long_with_value: &["format"],
        positional: 0,
        appends: false,
    },
    WrapperSpec {
        name: "nice",
        benign: true,
        flags: "0123456789",
        with_value: "n",
        optional_value: "",
        long_flags: &[],
        long_with_value: &["adjustment"],
        positional: 0,
        appends: false,
    },
    WrapperSpec {
        name: "nohup",
        benign: true,
        flags: "",
        with_value: "",
        optional_value: "",
        long_flags: &[],
        long_with_value: &[],
        positional: 0,
        appends: false,
    },
    WrapperSpec {
        name: "stdbuf",
        benign: true,
        flags: "",
        with_value: "ioe",
        optional_value: "",
        long_flags: &[],
        long_with_value: &["input", "output", "error"],
        positional: 0,
        appends: false,
    },
    WrapperSpec {
        name: "command",
        benign: true,
        flags: "p",
        with_value: "",
        optional_value: "",
        long_flags: &[],
        long_with_value: &[],
        positional: 0,
        appends: false,
    },
    WrapperSpec {
        name: "builtin",
        benign: true,
        flags: "",
        with_value: "",
        optional_value: "",
        long_flags: &[],
        long_with_value: &[],
        positional: 0,
        appends: false,
    },
    WrapperSpec {
        name: "noglob",
        benign: true,
        flags: "",
        with_value: "",
        optional_value: "",
        long_flags: &[],
        long_with_value: &[],
        positional: 0,
        appends: false,
    },
    WrapperSpec {
        name: "exec",
        benign: true,
        flags: "cl",
        with_value: "a",
        optional_value: "",
        long_flags: &[],
        long_with_value: &[],
        positional: 0,
        appends: false,
    },
    WrapperSpec {
        name: "setsid",
        benign: true,
        flags: "cfw",
        with_value: "",
        optional_value: "",
        long_flags: &["ctty", "fork", "wait"],
        long_with_value: &[],
        positional: 0,
        appends: false,
    },
    WrapperSpec {
        name: "ionice",
        benign: true,
        flags: "t",
        with_value: "cn",
        optional_value: "",
        long_flags: &["ignore"],
        long_with_value: &["class", "classdata"],
        positional: 0,
        appends: false,
    },
    WrapperSpec {
        name: "env",
        benign: true,
        flags: "i0v",
        with_value: "u",
        optional_value: "",
        long_flags: &["ignore-environment", "null", "debug"],
        long_with_value: &["unset"],
        positional: 0,
        appends: false,
    },
    WrapperSpec {
        name: "xargs",
        benign: true,
        flags: "0rtpx",
        with_value: "dEILnPs",
        optional_value: "eil",
        long_flags: &[
            "null",
            "no-run-if-empty",
            "verbose",
            "interactive",
            "exit",
            "open-tty",
            "show-limits",
        ],
        long_with_value: &[
            "delimiter",
            "max-args",
            "max-procs",
            "max-chars",
            "process-slot-var",
        ],
        positional: 0,
        appends: true,
    },
    WrapperSpec {
        name: "sudo",
        benign: false,
        flags: "AbEHnPSkKv",
        with_value: "CghprtTUu",
        optional_value: "",
        long_flags: &[
            "askpass",
            "background",
            "preserve-env",
            "set-home",
            "non-interactive",
            "preserve-groups",
            "stdin",
            "reset-timestamp",
            "remove-timestamp",
        ],
        long_with_value: &[
            "close-from",
            "group",
            "host",
            "prompt",
            "role",
            "type",
            "command-timeout",
            "other-user",
            "user",
        ],
        positional: 0,
        appends: false,
    },
    WrapperSpec {
        name: "doas",
        benign: false,
        flags: "n",
        with_value: "u",
        optional_value: "",
        long_flags: &[],
        long_with_value: &[],
        positional: 0,
        appends: false,
    },
];

/// The result of parsing one wrapper's options.
enum WrapperParse {
    /// The inner command starts at this index (after `positional` words).
    Inner(usize),
    /// Not acting as a wrapper here (`command -v x`, `env` alone): the
    /// argv is the command itself.
    NotWrapping,
    /// An option this module cannot skip safely.
    Problem(String),
}

fn parse_wrapper(
    spec: &WrapperSpec,
    argv: &[Word],
    env_assignments: &mut Vec<Assignment>,
) -> WrapperParse {
    let mut i = 1;
    while i < argv.len() {
        let word = &argv[i];
        let value = word.value.as_str();
        if word.dynamic {
            return WrapperParse::Problem(format!(
                "an option of `{}` is computed at run time (`{value}`)",
                spec.name
            ));
        }
        if value == "--" {
            i += 1;
            break;
        }
        if let Some(long) = value.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((name, _)) => (name, true),
                None => (long, false),
            };
            if spec.long_flags.contains(&name) {
                i += 1;
            } else if spec.long_with_value.contains(&name) {
                i += if inline { 1 } else { 2 };
            } else {
                return WrapperParse::Problem(format!(
                    "`{}` option `--{name}` is not understood",
                    spec.name
                ));
            }
            continue;
        }
        if spec.name == "command" && (value == "-v" || value == "-V") {
            return WrapperParse::NotWrapping;
        }
        if spec.name == "env" && value == "-" {
            i += 1;
            continue;
        }
        if let Some(cluster) = value.strip_prefix('-').filter(|c| !c.is_empty()) {
            let mut takes_next = false;
            for (at, c) in cluster.char_indices() {
                if spec.flags.contains(c) {
                    continue;
                }
                if spec.optional_value.contains(c) {
                    break;
                }
                if spec.with_value.contains(c) {
                    takes_next = at + c.len_utf8() == cluster.len();
                    break;
                }
                return WrapperParse::Problem(format!(
                    "`{}` option `-{c}` is not understood or changes what runs",
                    spec.name
                ));
            }
            i += if takes_next { 2 } else { 1 };
            continue;
        }
        if spec.name == "env"
            && let Some((name, val)) = value.split_once('=')
            && is_name(name)
        {
            env_assignments.push(Assignment {
                name: name.to_string(),
                value: Word::literal(val),
            });
            i += 1;
            continue;
        }
        break;
    }
    let start = i + spec.positional;
    if start >= argv.len() {
        return WrapperParse::NotWrapping;
    }
    WrapperParse::Inner(start)
}

fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A command with its wrappers peeled.
pub(crate) struct Peeled {
    pub wrappers: Vec<Wrapper>,
    pub argv: Vec<Word>,
    pub assignments: Vec<Assignment>,
    pub appends_args: bool,
    pub problems: Vec<String>,
}

/// Peels known wrappers off `argv`.
pub(crate) fn peel(mut argv: Vec<Word>) -> Peeled {
    let mut peeled = Peeled {
        wrappers: Vec::new(),
        argv: Vec::new(),
        assignments: Vec::new(),
        appends_args: false,
        problems: Vec::new(),
    };
    while let Some(first) = argv.first() {
        if first.dynamic {
            break;
        }
        let name = program_name(&first.value);
        let Some(spec) = WRAPPERS.iter().find(|s| s.name == name) else {
            break;
        };
        match parse_wrapper(spec, &argv, &mut peeled.assignments) {
            WrapperParse::Inner(start) => {
                let inner = argv.split_off(start);
                peeled.wrappers.push(Wrapper {
                    argv,
                    benign: spec.benign,
                });
                peeled.appends_args |= spec.appends;
                argv = inner;
            }
            WrapperParse::NotWrapping => break,
            WrapperParse::Problem(problem) => {
                peeled.problems.push(problem);
                break;
            }
        }
    }
    peeled.argv = argv;
    peeled
}

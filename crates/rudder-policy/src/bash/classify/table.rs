//! The table of commands whose arguments this crate understands: the
//! read-only set, the acceptEdits set, shell-state builtins, and a few
//! writers (`tee`, `ln`, `chmod`, …) that are never auto-allowed but whose
//! path operands the built-in protections still judge.
//!
//! Each entry says which options take values (so a value is never mistaken
//! for a path, and a path never for a value), which options disqualify the
//! command from its class, and which words are paths. When in doubt an
//! option is left out of `with_value`: a value judged as a path can only
//! make the policy ask more. Pure data.

use super::{Access, CommandClass};

/// Which operands are paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OperandRule {
    /// None: operands are data (`echo`).
    None,
    /// Every operand, with this access.
    All(Access),
    /// The first operand is a pattern unless a pattern option is given
    /// (`grep`, `rg`); the rest have this access.
    PatternFirst(Access),
    /// The first operand is not a path (`chmod MODE file…`).
    SkipFirst(Access),
    /// The last operand is written, the others have this access (`cp`).
    LastWrites(Access),
    /// One input file; a second operand is an output file (`uniq`).
    FirstOnly(Access),
}

/// One command's argument syntax.
#[derive(Debug)]
pub(super) struct Spec {
    pub names: &'static [&'static str],
    pub class: CommandClass,
    pub with_value: &'static str,
    pub long_with_value: &'static [&'static str],
    pub forbidden: &'static [&'static str],
    pub file_options: &'static [&'static str],
    pub file_option_access: Access,
    pub pattern_options: &'static [&'static str],
    pub operands: OperandRule,
    pub dynamic_ok: bool,
}

const BASE: Spec = Spec {
    names: &[],
    class: CommandClass::ReadOnly,
    with_value: "",
    long_with_value: &[],
    forbidden: &[],
    file_options: &[],
    file_option_access: Access::Read,
    pattern_options: &[],
    operands: OperandRule::All(Access::Read),
    dynamic_ok: false,
};

const SPECS: &[Spec] = &[
    // ---- read-only: names and metadata ----
    Spec {
        names: &["ls"],
        with_value: "ITw",
        long_with_value: &[
            "block-size",
            "format",
            "hide",
            "ignore",
            "quoting-style",
            "sort",
            "tabsize",
            "time",
            "time-style",
            "width",
            "indicator-style",
        ],
        operands: OperandRule::All(Access::Metadata),
        ..BASE
    },
    Spec {
        names: &["tree"],
        with_value: "LPIHTo",
        long_with_value: &["charset", "filelimit", "timefmt", "sort", "fromfile"],
        forbidden: &["-o", "-R", "--fromfile"],
        operands: OperandRule::All(Access::Metadata),
        ..BASE
    },
    Spec {
        names: &["du"],
        with_value: "BdtX",
        long_with_value: &[
            "block-size",
            "max-depth",
            "threshold",
            "exclude",
            "exclude-from",
            "time-style",
            "files0-from",
        ],
        forbidden: &["--files0-from"],
        file_options: &["-X", "--exclude-from"],
        operands: OperandRule::All(Access::Metadata),
        ..BASE
    },
    Spec {
        names: &["stat"],
        with_value: "c",
        long_with_value: &["format", "printf"],
        operands: OperandRule::All(Access::Metadata),
        ..BASE
    },
    Spec {
        names: &["file"],
        with_value: "mFfeP",
        long_with_value: &[
            "magic-file",
            "files-from",
            "separator",
            "exclude",
            "parameter",
        ],
        forbidden: &[
            "-C",
            "--compile",
            "-f",
            "--files-from",
            "-m",
            "--magic-file",
        ],
        operands: OperandRule::All(Access::Metadata),
        ..BASE
    },
    Spec {
        names: &["realpath", "readlink"],
        long_with_value: &["relative-to", "relative-base"],
        operands: OperandRule::All(Access::Metadata),
        ..BASE
    },
    Spec {
        names: &["cd", "pushd"],
        operands: OperandRule::All(Access::Metadata),
        ..BASE
    },
    // ---- read-only: contents ----
    Spec {
        names: &["cat"],
        ..BASE
    },
    Spec {
        names: &["head"],
        with_value: "nc",
        long_with_value: &["lines", "bytes"],
        ..BASE
    },
    Spec {
        names: &["tail"],
        with_value: "ncs",
        long_with_value: &[
            "lines",
            "bytes",
            "pid",
            "sleep-interval",
            "max-unchanged-stats",
        ],
        ..BASE
    },
    Spec {
        names: &["wc"],
        long_with_value: &["files0-from"],
        forbidden: &["--files0-from"],
        ..BASE
    },
    Spec {
        names: &["cut"],
        with_value: "bcfd",
        long_with_value: &[
            "bytes",
            "characters",
            "fields",
            "delimiter",
            "output-delimiter",
        ],
        ..BASE
    },
    Spec {
        names: &["sort"],
        with_value: "kotTS",
        long_with_value: &[
            "key",
            "output",
            "field-separator",
            "temporary-directory",
            "buffer-size",
            "parallel",
            "batch-size",
            "compress-program",
            "files0-from",
            "random-source",
            "sort",
        ],
        forbidden: &["-o", "--output", "--compress-program", "--files0-from"],
        file_options: &["--random-source"],
        ..BASE
    },
    Spec {
        names: &["uniq"],
        with_value: "fsw",
        long_with_value: &["skip-fields", "skip-chars", "check-chars"],
        operands: OperandRule::FirstOnly(Access::Read),
        ..BASE
    },
    Spec {
        names: &["diff"],
        with_value: "CUDFIxXSLW",
        long_with_value: &[
            "ifdef",
            "show-function-line",
            "ignore-matching-lines",
            "exclude",
            "exclude-from",
            "starting-file",
            "label",
            "width",
            "tabsize",
            "from-file",
            "to-file",
            "line-format",
            "old-line-format",
            "new-line-format",
            "unchanged-line-format",
            "old-group-format",
            "new-group-format",
            "unchanged-group-format",
            "changed-group-format",
            "horizon-lines",
            "palette",
        ],
        file_options: &["-X", "--exclude-from", "--from-file", "--to-file"],
        ..BASE
    },
    Spec {
        names: &["grep", "egrep", "fgrep"],
        with_value: "efmABCdD",
        long_with_value: &[
            "regexp",
            "file",
            "max-count",
            "after-context",
            "before-context",
            "context",
            "directories",
            "devices",
            "include",
            "exclude",
            "exclude-from",
            "exclude-dir",
            "label",
            "binary-files",
            "group-separator",
        ],
        file_options: &["-f", "--file", "--exclude-from"],
        pattern_options: &["-e", "--regexp", "-f", "--file"],
        operands: OperandRule::PatternFirst(Access::Read),
        ..BASE
    },
    Spec {
        names: &["rg"],
        with_value: "efgtTmABCjMdEr",
        long_with_value: &[
            "regexp",
            "file",
            "glob",
            "iglob",
            "type",
            "type-not",
            "type-add",
            "type-clear",
            "max-count",
            "after-context",
            "before-context",
            "context",
            "threads",
            "max-columns",
            "max-depth",
            "encoding",
            "replace",
            "sort",
            "sortr",
            "color",
            "colors",
            "context-separator",
            "field-context-separator",
            "field-match-separator",
            "ignore-file",
            "max-filesize",
            "path-separator",
            "dfa-size-limit",
            "regex-size-limit",
            "engine",
            "generate",
            "hyperlink-format",
            "pre",
            "pre-glob",
            "hostname-bin",
        ],
        forbidden: &[
            "--pre",
            "--pre-glob",
            "--hostname-bin",
            "-z",
            "--search-zip",
        ],
        file_options: &["-f", "--file", "--ignore-file"],
        pattern_options: &["-e", "--regexp", "-f", "--file", "--files", "--type-list"],
        operands: OperandRule::PatternFirst(Access::Read),
        ..BASE
    },
    // ---- read-only: no paths ----
    Spec {
        names: &[
            "echo", "pwd", "which", "true", "false", "tr", "basename", "dirname",
        ],
        operands: OperandRule::None,
        dynamic_ok: true,
        ..BASE
    },
    // ---- shell state ----
    Spec {
        names: &[
            "export", "declare", "local", "readonly", "typeset", "unset", "exec", "popd",
        ],
        class: CommandClass::ShellState,
        operands: OperandRule::None,
        dynamic_ok: true,
        ..BASE
    },
    // ---- acceptEdits set ----
    Spec {
        names: &["mkdir"],
        class: CommandClass::FileEdit,
        with_value: "m",
        long_with_value: &["mode"],
        operands: OperandRule::All(Access::Write),
        ..BASE
    },
    Spec {
        names: &["touch"],
        class: CommandClass::FileEdit,
        with_value: "drt",
        long_with_value: &["date", "reference", "time"],
        file_options: &["-r", "--reference"],
        operands: OperandRule::All(Access::Write),
        ..BASE
    },
    Spec {
        names: &["rm", "rmdir"],
        class: CommandClass::FileEdit,
        operands: OperandRule::All(Access::Delete),
        ..BASE
    },
    Spec {
        names: &["mv"],
        class: CommandClass::FileEdit,
        with_value: "tS",
        long_with_value: &["target-directory", "suffix"],
        operands: OperandRule::LastWrites(Access::Write),
        ..BASE
    },
    Spec {
        names: &["cp"],
        class: CommandClass::FileEdit,
        with_value: "tS",
        long_with_value: &["target-directory", "suffix"],
        operands: OperandRule::LastWrites(Access::Read),
        ..BASE
    },
    // ---- other writers: never auto-allowed, operands still protected ----
    Spec {
        names: &["tee"],
        class: CommandClass::Other,
        operands: OperandRule::All(Access::Write),
        ..BASE
    },
    Spec {
        names: &["truncate"],
        class: CommandClass::Other,
        with_value: "sr",
        long_with_value: &["size", "reference"],
        operands: OperandRule::All(Access::Write),
        ..BASE
    },
    Spec {
        names: &["shred", "unlink"],
        class: CommandClass::Other,
        with_value: "nsu",
        long_with_value: &["iterations", "size", "remove", "random-source"],
        operands: OperandRule::All(Access::Delete),
        ..BASE
    },
    Spec {
        names: &["ln"],
        class: CommandClass::Other,
        with_value: "St",
        long_with_value: &["suffix", "target-directory"],
        operands: OperandRule::LastWrites(Access::Metadata),
        ..BASE
    },
    Spec {
        names: &["chmod", "chown", "chgrp"],
        class: CommandClass::Other,
        long_with_value: &["reference", "from"],
        operands: OperandRule::SkipFirst(Access::Write),
        ..BASE
    },
];

/// The spec for a program name, if the table knows it.
pub(super) fn lookup(name: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.names.contains(&name))
}

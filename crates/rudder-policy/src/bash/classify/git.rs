//! Which git invocations are read-only: `status`, `diff`, `log`, `show`,
//! `branch` (listing only), `rev-parse` and `ls-files`, with global options
//! that cannot change what git runs. `-c`, `--config-env`, `--git-dir`,
//! `--work-tree` and `--exec-path=` are refused (`git -c core.pager=evil
//! log` runs a program), as are `--output`, `--ext-diff` and `--no-index`
//! on diff-like commands; their `<rev>:<path>` operands are reads of that
//! path (so `git show HEAD:.env` meets the secrets list). Pure.
//!
//! Not covered here (documented for the caller): a repository's own
//! `.git/config` can still name programs (`core.fsmonitor`, textconv
//! drivers); the trust gate must be passed before any command runs in a
//! folder (CLAUDE-CODE-INTERFACE.md §12, CVE-2026-55607).

use super::args::{self, Value};
use crate::bash::Word;

/// Global options that take a value as the next word.
const GLOBAL_WITH_VALUE: &[&str] = &["-C", "--namespace", "--super-prefix"];

/// Global options without a value that are harmless.
const GLOBAL_FLAGS: &[&str] = &[
    "--no-pager",
    "-P",
    "-p",
    "--paginate",
    "--no-replace-objects",
    "--literal-pathspecs",
    "--glob-pathspecs",
    "--noglob-pathspecs",
    "--icase-pathspecs",
    "--no-optional-locks",
    "--bare",
    "--version",
    "--help",
    "--html-path",
    "--man-path",
    "--info-path",
];

/// The read-only verdict for a git argv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GitVerdict {
    /// `Ok` when read-only, else why not.
    pub read_only: Result<(), String>,
    /// Index of the `-C dir` value words (directories git reads).
    pub dirs: Vec<usize>,
    /// `<rev>:<path>` operands of `diff`, `log` and `show` (`git show
    /// HEAD:.env` prints the committed file): the word's index and the
    /// byte offset where its path starts.
    pub blobs: Vec<(usize, usize)>,
}

/// Classifies `git …`.
pub(crate) fn classify(argv: &[Word]) -> GitVerdict {
    let mut dirs = Vec::new();
    let mut i = 1;
    while i < argv.len() {
        let word = &argv[i];
        let value = word.value.as_str();
        if !value.starts_with('-') {
            break;
        }
        if word.dynamic {
            return refuse(
                format!("a git option is computed at run time (`{value}`)"),
                dirs,
            );
        }
        if GLOBAL_WITH_VALUE.contains(&value) {
            if value == "-C" {
                dirs.push(i + 1);
            }
            i += 2;
            continue;
        }
        if GLOBAL_FLAGS.contains(&value) || value.starts_with("--namespace=") {
            i += 1;
            continue;
        }
        return refuse(
            format!("git option `{value}` can change what git runs or where it writes"),
            dirs,
        );
    }
    let Some(sub) = argv.get(i) else {
        return GitVerdict {
            read_only: Ok(()),
            dirs,
            blobs: Vec::new(),
        };
    };
    if sub.dynamic {
        return refuse("the git subcommand is computed at run time".into(), dirs);
    }
    let rest = &argv[i..];
    let mut blobs = Vec::new();
    let read_only = match sub.value.as_str() {
        "status" | "rev-parse" | "ls-files" => Ok(()),
        "diff" | "log" | "show" => {
            blobs = blob_paths(rest)
                .into_iter()
                .map(|(word, offset)| (word + i, offset))
                .collect();
            diff_like(rest)
        }
        "branch" => branch(rest),
        other => Err(format!("`git {other}` is not in the read-only set")),
    };
    GitVerdict {
        read_only,
        dirs,
        blobs,
    }
}

fn refuse(why: String, dirs: Vec<usize>) -> GitVerdict {
    GitVerdict {
        read_only: Err(why),
        dirs,
        blobs: Vec::new(),
    }
}

/// The `<rev>:<path>` and `:<path>` operands of a subcommand's argv
/// (`argv[0]` is the subcommand), as (word index, offset of the path);
/// `HEAD:` (a whole tree) names no file.
fn blob_paths(argv: &[Word]) -> Vec<(usize, usize)> {
    let mut blobs = Vec::new();
    for (index, word) in argv.iter().enumerate().skip(1) {
        if word.dynamic || word.value.starts_with('-') {
            continue;
        }
        if let Some(colon) = word.value.find(':')
            && colon + 1 < word.value.len()
        {
            blobs.push((index, colon + 1));
        }
    }
    blobs
}

fn diff_like(argv: &[Word]) -> Result<(), String> {
    const UNSAFE: &[&str] = &["output", "ext-diff", "no-index", "textconv"];
    let parsed = args::parse(argv, "", &[], UNSAFE);
    if !parsed.dynamic_options.is_empty() {
        return Err("a git option is computed at run time".into());
    }
    for name in UNSAFE.iter().map(|name| format!("--{name}")) {
        if parsed.has(&name) {
            return Err(format!(
                "`git {} {name}` can write files or run programs",
                argv[0].value
            ));
        }
    }
    Ok(())
}

fn branch(argv: &[Word]) -> Result<(), String> {
    const VALUE: &[&str] = &[
        "contains",
        "no-contains",
        "merged",
        "no-merged",
        "points-at",
        "sort",
        "format",
    ];
    const WRITES: &[&str] = &[
        "-d",
        "-D",
        "-m",
        "-M",
        "-c",
        "-C",
        "-f",
        "-u",
        "--delete",
        "--move",
        "--copy",
        "--force",
        "--set-upstream-to",
        "--unset-upstream",
        "--edit-description",
        "--track",
        "--no-track",
        "--create-reflog",
    ];
    let long_writes: Vec<&str> = WRITES
        .iter()
        .filter_map(|name| name.strip_prefix("--"))
        .chain(["list"])
        .collect();
    let parsed = args::parse(argv, "", VALUE, &long_writes);
    if !parsed.dynamic_options.is_empty() {
        return Err("a git option is computed at run time".into());
    }
    if let Some(opt) = parsed.find(WRITES) {
        return Err(format!("`git branch {}` changes branches", opt.name));
    }
    let listing = parsed.has("--list") || parsed.has("-l");
    // Values of `--contains x` are words too; they are not branch names.
    let value_words: Vec<usize> = parsed
        .options
        .iter()
        .filter_map(|o| match o.value {
            Value::Word(w) => Some(w),
            _ => None,
        })
        .collect();
    let names = parsed
        .operands
        .iter()
        .filter(|w| !value_words.contains(w))
        .count();
    if names > 0 && !listing {
        return Err("`git branch <name>` creates a branch".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ro(text: &str) -> bool {
        let words: Vec<Word> = text.split(' ').map(Word::literal).collect();
        classify(&words).read_only.is_ok()
    }

    #[test]
    fn table() {
        let cases = [
            ("git status", true),
            ("git status -s", true),
            ("git --no-pager log --oneline -5", true),
            ("git -C sub status", true),
            ("git diff HEAD~1 -- src", true),
            ("git show HEAD:README.md", true),
            ("git branch", true),
            ("git branch -a -v", true),
            ("git branch --list feat*", true),
            ("git branch --contains abc", true),
            ("git rev-parse --show-toplevel", true),
            ("git ls-files -m", true),
            ("git -c core.pager=evil log", false),
            ("git --config-env=core.pager=X log", false),
            ("git --git-dir=/x status", false),
            ("git --exec-path=/tmp status", false),
            ("git log --output=/tmp/x", false),
            ("git log --outp=/tmp/x", false),
            ("git diff --no-inde a b", false),
            ("git branch --set-up=origin/x", false),
            ("git branch --li feat*", true),
            ("git diff --ext-diff", false),
            ("git diff --no-index /etc/passwd x", false),
            ("git branch -D main", false),
            ("git branch new-branch", false),
            ("git branch -m a b", false),
            ("git push", false),
            ("git commit -m x", false),
            ("git config user.email", false),
        ];
        for (text, expected) in cases {
            assert_eq!(ro(text), expected, "{text}");
        }
    }
}

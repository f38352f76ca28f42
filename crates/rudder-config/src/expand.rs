//! Expanding a command or skill body before it is sent: arguments, then
//! `` !`command` `` output and `@file` contents through callbacks.
//!
//! Positional arguments differ between the two formats Claude Code users
//! have (CLAUDE-CODE-INTERFACE.md §8): 2025 custom commands count from one
//! (`$1` is the first argument); 2.1 skills count from zero (`$0` and
//! `$ARGUMENTS[0]` are the first). [`Positional`] says which; `$ARGUMENTS[N]`
//! is zero-based in both. Arguments are split at blanks, with `"…"` and
//! `'…'` grouping.
//!
//! This module runs nothing: the caller's `shell` and `read_file`
//! callbacks do, and the agent routes them through the permission policy
//! (a command's `allowed-tools` are what its `` !`…` `` may run). Argument
//! text is substituted before `` !`…` `` spans run, so it can end up inside
//! a shell command — which is why that command must pass the policy like
//! any other.

use crate::markdown::{at_mentions, lines};

/// How `$N` counts arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Positional {
    /// `$1` is the first argument (2025 custom commands).
    OneBased,
    /// `$0` is the first argument (2.1 skills).
    ZeroBased,
}

/// The result of [`inline_shell_and_files`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion {
    /// The text to send.
    pub text: String,
    /// `@file` mentions that could not be read (left as plain text).
    pub unread_files: Vec<UnreadFile>,
}

/// An `@file` mention the read callback refused or failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadFile {
    /// The path as written after `@`.
    pub mention: String,
    /// The callback's message.
    pub error: String,
}

/// Why an expansion stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpandError {
    /// The shell callback refused or could not run a `` !`…` `` command.
    #[error("`!{command}` did not run: {message}")]
    Shell {
        /// The command text.
        command: String,
        /// The callback's message (e.g. the policy's denial).
        message: String,
    },
}

/// Splits an argument string at blanks; `"a b"` and `'a b'` are one
/// argument (quotes removed).
pub fn split_arguments(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for c in args.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                started = true;
            }
            (None, c) if c.is_whitespace() => {
                if started {
                    out.push(std::mem::take(&mut current));
                    started = false;
                }
            }
            (None, c) => {
                current.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(current);
    }
    out
}

/// Replaces `$ARGUMENTS` with `args` (trimmed), `$ARGUMENTS[N]` with the
/// N-th argument from zero, and `$N` with the N-th argument counted as
/// `positional` says; a missing argument is empty. When `body` has none of
/// these and `args` is not blank, `\n\nARGUMENTS: <args>` is appended so
/// the arguments are not lost (as Claude Code 2.1 does).
pub fn substitute_arguments(body: &str, args: &str, positional: Positional) -> String {
    let all = args.trim();
    let words = split_arguments(all);
    let word = |index: usize| words.get(index).cloned().unwrap_or_default();
    let mut out = String::with_capacity(body.len() + all.len());
    let mut used = false;
    let mut rest = body;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix("ARGUMENTS") {
            used = true;
            if let Some((index, len)) = bracket_index(tail) {
                out.push_str(&word(index));
                rest = &tail[len..];
            } else {
                out.push_str(all);
                rest = tail;
            }
            continue;
        }
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let number = after[..digits].parse::<usize>().ok();
        let index = match (positional, number) {
            (Positional::ZeroBased, Some(n)) => Some(n),
            (Positional::OneBased, Some(n)) if n >= 1 => Some(n - 1),
            _ => None,
        };
        match index {
            Some(index) => {
                used = true;
                out.push_str(&word(index));
                rest = &after[digits..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    if !used && !all.is_empty() {
        out.push_str(&format!("\n\nARGUMENTS: {all}"));
    }
    out
}

/// `[N]` at the start of `text`: the index and the length consumed.
fn bracket_index(text: &str) -> Option<(usize, usize)> {
    let inner = text.strip_prefix('[')?;
    let close = inner.find(']')?;
    let index = inner[..close].trim().parse().ok()?;
    Some((index, close + 2))
}

/// Runs each `` !`command` `` outside fenced code through `shell` and puts
/// its output (trailing blanks trimmed) in place; then reads each `@path`
/// mentioned outside code through `read_file` and appends its contents
/// after the text as `<file path="…">…</file>` blocks, once per path, in
/// order of first mention (the mention itself stays in the text).
///
/// `shell` gets the command text and returns its output (a command that
/// ran and failed should still return `Ok` with what it printed);
/// `read_file` gets the path as written (relative to the working
/// directory, or `~/…`, or absolute).
///
/// # Errors
/// [`ExpandError::Shell`] when `shell` returns `Err` (the expansion stops:
/// a command the user expected to run did not). An `Err` from `read_file`
/// only lists the mention in [`Expansion::unread_files`].
pub fn inline_shell_and_files(
    text: &str,
    shell: &mut dyn FnMut(&str) -> Result<String, String>,
    read_file: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<Expansion, ExpandError> {
    let mut out = String::with_capacity(text.len());
    let mut mentions: Vec<String> = Vec::new();
    for line in lines(text) {
        if line.in_code {
            out.push_str(line.text);
            continue;
        }
        for (_, path) in at_mentions(line.text) {
            if !mentions.contains(&path) {
                mentions.push(path);
            }
        }
        let mut rest = line.text;
        while let Some(at) = rest.find("!`") {
            let after = &rest[at + 2..];
            let Some(close) = after.find('`').filter(|close| *close > 0) else {
                break;
            };
            let command = &after[..close];
            let output = shell(command).map_err(|message| ExpandError::Shell {
                command: command.to_owned(),
                message,
            })?;
            out.push_str(&rest[..at]);
            out.push_str(output.trim_end());
            rest = &after[close + 1..];
        }
        out.push_str(rest);
    }
    let mut unread_files = Vec::new();
    for mention in mentions {
        match read_file(&mention) {
            Ok(contents) => {
                if !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str(&format!(
                    "\n<file path=\"{mention}\">\n{}\n</file>\n",
                    contents.trim_end()
                ));
            }
            Err(error) => unread_files.push(UnreadFile { mention, error }),
        }
    }
    Ok(Expansion {
        text: out,
        unread_files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_split_with_quotes() {
        assert_eq!(
            split_arguments(r#" 12  "high prio" 'a b' x"#),
            ["12", "high prio", "a b", "x"]
        );
        assert_eq!(split_arguments(r#""""#), [""]);
        assert!(split_arguments("   ").is_empty());
    }

    #[test]
    fn commands_count_from_one_skills_from_zero() {
        let body = "Fix issue $1 with priority $2 ($ARGUMENTS) first=$ARGUMENTS[0] cost $ and $0";
        assert_eq!(
            substitute_arguments(body, "123 high", Positional::OneBased),
            "Fix issue 123 with priority high (123 high) first=123 cost $ and $0"
        );
        assert_eq!(
            substitute_arguments("$0/$1/$ARGUMENTS[1]/$2", "a b", Positional::ZeroBased),
            "a/b/b/"
        );
    }

    #[test]
    fn arguments_without_placeholders_are_appended() {
        assert_eq!(
            substitute_arguments("Review the code.", " src/a.rs ", Positional::OneBased),
            "Review the code.\n\nARGUMENTS: src/a.rs"
        );
        assert_eq!(
            substitute_arguments("Review.", "", Positional::OneBased),
            "Review."
        );
    }

    #[test]
    fn shell_spans_and_files_are_inlined() {
        let mut ran = Vec::new();
        let mut shell = |command: &str| {
            ran.push(command.to_owned());
            Ok(format!("<{command}>\n"))
        };
        let mut read = |path: &str| match path {
            "src/a.rs" => Ok("fn a() {}\n".to_owned()),
            _ => Err("denied".to_owned()),
        };
        let text = "Status: !`git status`\nDiff: !`git diff HEAD`.\nSee @src/a.rs and @.env\n```\n!`not run` @not/read\n```\n";
        let expansion = inline_shell_and_files(text, &mut shell, &mut read).unwrap();
        assert_eq!(ran, ["git status", "git diff HEAD"]);
        assert_eq!(
            expansion.text,
            "Status: <git status>\nDiff: <git diff HEAD>.\nSee @src/a.rs and @.env\n```\n!`not run` @not/read\n```\n\n<file path=\"src/a.rs\">\nfn a() {}\n</file>\n"
        );
        assert_eq!(
            expansion.unread_files,
            [UnreadFile {
                mention: ".env".into(),
                error: "denied".into()
            }]
        );
    }

    #[test]
    fn a_refused_command_stops_the_expansion() {
        let mut shell = |_: &str| Err("not allowed by allowed-tools".to_owned());
        let mut read = |_: &str| Ok(String::new());
        let error = inline_shell_and_files("!`rm -rf /`", &mut shell, &mut read).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`!rm -rf /` did not run: not allowed by allowed-tools"
        );
    }
}

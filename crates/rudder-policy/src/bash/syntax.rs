//! Parsing a script with tree-sitter-bash under a deadline.
//!
//! Owns the parser set-up and the progress-callback deadline
//! (RUST-DEPS.md risk 7: `set_timeout_micros` no longer exists in 0.27;
//! `parse_with_options` with a progress callback is the way). Reads the
//! clock, nothing else; never touches the filesystem.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use tree_sitter::{ParseOptions, ParseState, Parser, Tree};

/// Why a script could not be parsed into a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SyntaxError {
    /// The grammar could not be loaded (version mismatch).
    Language(String),
    /// Parsing took longer than the deadline.
    Deadline(Duration),
    /// The input would make the grammar's C scanner read out of bounds.
    Unsafe,
}

/// Parses `script`, giving up after `deadline`.
pub(crate) fn parse(script: &str, deadline: Duration) -> Result<Tree, SyntaxError> {
    if crashes_scanner(script) {
        return Err(SyntaxError::Unsafe);
    }
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_bash::LANGUAGE.into())
        .map_err(|e| SyntaxError::Language(e.to_string()))?;
    let started = Instant::now();
    let mut progress = |_: &ParseState| {
        if started.elapsed() > deadline {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let bytes = script.as_bytes();
    let options = ParseOptions::new().progress_callback(&mut progress);
    parser
        .parse_with_options(
            &mut |offset, _| bytes.get(offset..).unwrap_or_default(),
            None,
            Some(options),
        )
        .ok_or(SyntaxError::Deadline(deadline))
}

/// Whether `script` holds what tree-sitter-bash 0.25.1's external scanner
/// cannot take: its brace-range rule (`{1..3}`) calls C `isdigit` on the
/// code point after `{` and after `{N..`, which indexes the ctype table out
/// of bounds for code points above 255 — a segfault the proptest in
/// tests/fuzz.rs found (`{` followed by U+E014F); upstream
/// tree-sitter/tree-sitter-bash#337, fix pending in PR #348. Such input
/// never reaches the C code; drop this guard once a release with the fix
/// is in use (the proptest keeps checking).
fn crashes_scanner(script: &str) -> bool {
    let chars: Vec<char> = script.chars().collect();
    let skip_digits = |mut j: usize| {
        while j < chars.len() && chars[j].is_ascii_digit() {
            j += 1;
        }
        j
    };
    for (i, c) in chars.iter().enumerate() {
        if *c != '{' {
            continue;
        }
        let j = skip_digits(i + 1);
        if chars.get(j).is_some_and(|c| !c.is_ascii()) {
            return true;
        }
        if chars.get(j) == Some(&'.') && chars.get(j + 1) == Some(&'.') {
            let k = skip_digits(j + 2);
            if chars.get(k).is_some_and(|c| !c.is_ascii()) {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_flags_errors() {
        let tree = parse("echo hi && ls", Duration::from_secs(1)).unwrap();
        assert!(!tree.root_node().has_error());
        let tree = parse("echo 'unterminated", Duration::from_secs(1)).unwrap();
        assert!(tree.root_node().has_error());
    }

    #[test]
    fn scanner_crash_inputs_are_refused() {
        for input in [
            "{\u{E014F}",
            "echo {12\u{1F574}",
            "{1..\u{FFFD}",
            "{1..2\u{10000}",
        ] {
            assert!(crashes_scanner(input), "{input:?}");
            assert!(matches!(
                parse(input, Duration::from_secs(1)),
                Err(SyntaxError::Unsafe)
            ));
        }
        for input in ["{a,b}", "{1..3}", "echo \u{E014F}", "{x\u{E014F}", "é{}"] {
            assert!(!crashes_scanner(input), "{input:?}");
        }
    }

    #[test]
    fn zero_deadline_gives_up() {
        let long = "echo a; ".repeat(2000);
        assert!(matches!(
            parse(&long, Duration::ZERO),
            Err(SyntaxError::Deadline(_))
        ));
    }
}

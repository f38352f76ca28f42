//! Hook matchers: which tool (or notification type, compaction trigger,
//! session source) a matcher group applies to.
//!
//! Rules (CLAUDE-CODE-INTERFACE.md §5.1, the 2.1 reading): `*`, the empty
//! string or no matcher match everything; a string made only of
//! `[A-Za-z0-9_\- ,|]` is a list of exact names separated by `|` or `,`
//! (so `Edit|Write` does not match `MultiEdit`); anything else is an
//! unanchored regular expression (`Notebook.*`, `mcp__github__.*`),
//! case-sensitive.

use regex::{Regex, RegexBuilder};

/// Largest compiled matcher regex, in bytes (guards against patterns that
/// would blow up).
const MAX_REGEX_BYTES: usize = 1 << 20;

/// A parsed matcher.
#[derive(Debug, Clone)]
pub enum HookMatcher {
    /// Matches every subject.
    All,
    /// Matches subjects equal to one of these names.
    Names(Vec<String>),
    /// Matches subjects in which this regex finds a match.
    Pattern(Regex),
}

impl HookMatcher {
    /// Parses a matcher as written in settings (`None` when the key is
    /// absent).
    ///
    /// # Errors
    /// The regex compiler's error for an invalid pattern.
    pub fn parse(text: Option<&str>) -> Result<Self, regex::Error> {
        let text = text.unwrap_or("").trim();
        if text.is_empty() || text == "*" {
            return Ok(Self::All);
        }
        let is_name_list = text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ' ' | ',' | '|'));
        if is_name_list {
            let names: Vec<String> = text
                .split(['|', ','])
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .collect();
            return Ok(if names.is_empty() {
                Self::All
            } else {
                Self::Names(names)
            });
        }
        RegexBuilder::new(text)
            .size_limit(MAX_REGEX_BYTES)
            .build()
            .map(Self::Pattern)
    }

    /// Whether a hook group with this matcher runs for `subject` (a tool
    /// name, notification type, …).
    pub fn matches(&self, subject: &str) -> bool {
        match self {
            Self::All => true,
            Self::Names(names) => names.iter().any(|name| name == subject),
            Self::Pattern(regex) => regex.is_match(subject),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(matcher: Option<&str>, subject: &str) -> bool {
        HookMatcher::parse(matcher).unwrap().matches(subject)
    }

    #[test]
    fn matcher_semantics_table() {
        let cases: &[(Option<&str>, &str, bool)] = &[
            (None, "Bash", true),
            (Some(""), "Bash", true),
            (Some("*"), "Write", true),
            (Some("Bash"), "Bash", true),
            (Some("Bash"), "BashOutput", false),
            (Some("Edit|Write"), "Write", true),
            (Some("Edit|Write"), "MultiEdit", false),
            (Some("Edit, Write"), "Edit", true),
            (Some("Edit,Write"), "Read", false),
            (Some("Notebook.*"), "NotebookEdit", true),
            (Some("Notebook.*"), "Read", false),
            (Some("mcp__github__.*"), "mcp__github__create_issue", true),
            (Some("mcp__.*__write"), "mcp__fs__write", true),
            (Some("^Read$"), "Read", true),
            (Some("^Read$"), "ReadMcp", false),
            (Some("bash"), "Bash", false),
            (Some("auto"), "auto", true),
            (Some("permission_prompt"), "idle_prompt", false),
        ];
        for (matcher, subject, expected) in cases {
            assert_eq!(
                matches(*matcher, subject),
                *expected,
                "{matcher:?} on {subject}"
            );
        }
    }

    #[test]
    fn invalid_regex_is_an_error() {
        assert!(HookMatcher::parse(Some("Bash(")).is_err());
        assert!(HookMatcher::parse(Some("[unclosed")).is_err());
    }
}

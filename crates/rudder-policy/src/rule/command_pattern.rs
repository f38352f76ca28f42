//! The command-pattern half of Claude Code's rule grammar: the specifier of
//! `Bash(...)` and `Skill(...)` rules and the value of `Tool(param:value)`.
//!
//! Owns parsing and matching of one pattern against one already-split
//! command text (argv words joined by single spaces). It never splits shell
//! text itself: compound commands are split by the `bash` module before any
//! pattern sees them, so `Bash(git *)` can never cover `git x && rm y`.
//!
//! Contract (CLAUDE-CODE-INTERFACE.md §3.2, D26:permissions):
//! - no `*`: the text must equal the pattern;
//! - `*` matches any run of characters, anywhere (2.1 globs);
//! - a trailing ` *` (space, star) is a word boundary: `ls *` matches `ls`
//!   and `ls -la` but not `lsof`; `ls*` matches all three;
//! - a trailing `:*` is the 2025 spelling of ` *` (`npm run test:*` ≡
//!   `npm run test *`).

/// A parsed command pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandPattern {
    /// The pattern with `:*` rewritten to ` *` and whitespace runs collapsed.
    normalized: String,
}

impl CommandPattern {
    /// Parses `text`. Never fails: every string is a valid pattern. Returns
    /// `None` when the pattern matches everything (`*` or empty), which the
    /// rule grammar treats as the bare tool name (`Tool(*)` ≡ `Tool`).
    pub fn parse(text: &str) -> Option<Self> {
        let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let normalized = match collapsed.strip_suffix(":*") {
            Some(head) if !head.is_empty() => format!("{head} *"),
            _ => collapsed,
        };
        if normalized.is_empty() || normalized.chars().all(|c| c == '*') {
            return None;
        }
        Some(Self { normalized })
    }

    /// Whether `text` (argv words joined by single spaces) matches.
    pub fn matches(&self, text: &str) -> bool {
        let pattern = self.normalized.as_str();
        if let Some(head) = pattern.strip_suffix(" *") {
            // Word boundary: the head alone, or the head then a space.
            return glob_match(head, text) || glob_match(pattern, text);
        }
        glob_match(pattern, text)
    }
}

/// `*`-only glob match over characters (no other metacharacters), in
/// O(len(pattern) × len(text)) worst case without recursion.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<usize> = None;
    let mut star_text = 0usize;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == '*' {
            star = Some(p);
            star_text = t;
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some(s) = star {
            p = s + 1;
            star_text += 1;
            t = star_text;
        } else {
            return false;
        }
    }
    while p < pattern.len() && pattern[p] == '*' {
        p += 1;
    }
    p == pattern.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, text: &str) -> bool {
        CommandPattern::parse(pattern)
            .map(|p| p.matches(text))
            .unwrap_or(true)
    }

    #[test]
    fn table() {
        let cases = [
            // (pattern, text, expected)
            ("npm run test:*", "npm run test", true),
            ("npm run test:*", "npm run test --watch", true),
            ("npm run test:*", "npm run testing", false),
            ("npm run test *", "npm run test --watch", true),
            ("ls *", "ls", true),
            ("ls *", "ls -la", true),
            ("ls *", "lsof", false),
            ("ls*", "lsof", true),
            ("ls*", "ls", true),
            ("git * main", "git push origin main", true),
            ("git * main", "git push origin main2", false),
            ("* --version", "cargo --version", true),
            ("* --version", "cargo --versions", false),
            ("git status", "git status", true),
            ("git status", "git status -s", false),
            ("git  status", "git status", true),
            ("a:*b", "a:xb", true),
            ("", "anything", true),
            ("*", "anything", true),
            ("**", "anything", true),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(m(pattern, text), expected, "{pattern:?} vs {text:?}");
        }
    }

    #[test]
    fn star_only_patterns_are_bare() {
        assert!(CommandPattern::parse("*").is_none());
        assert!(CommandPattern::parse("  ").is_none());
        assert!(CommandPattern::parse(":*").is_some());
    }
}

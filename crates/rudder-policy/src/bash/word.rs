//! Word evaluation: quote and escape removal as bash does it, so rules and
//! classification compare the argv bash would execute, not the source text
//! (`'r''m'` is `rm`, `\rm` is `rm`, `$'\x72m'` is `rm`; codex#20277).
//!
//! Owns: grouping adjacent tree-sitter nodes into shell words (the grammar
//! splits `"y"\ z` and `r\<newline>m` into pieces bash joins), decoding
//! single, double and ANSI-C quotes, and flagging what is only known at run
//! time (expansions, brace expansion, `~user`), pathname expansion and
//! tilde expansion. Substitutions met inside words are walked as nested
//! scripts. Never panics.

use tree_sitter::Node;

use super::walk::{Walker, named_children};
use super::{CwdSet, Word};

/// Accumulates one word.
#[derive(Default)]
struct WordBuf {
    value: String,
    /// The value with every quoted or escaped character replaced by `_`:
    /// what the shell's expansions see as syntax.
    skeleton: String,
    dynamic: bool,
    glob: bool,
    process_substitutions: usize,
    pieces: usize,
}

impl WordBuf {
    /// Unquoted text: backslash escapes, glob characters.
    fn unquoted(&mut self, text: &str) {
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('\n') | None => {}
                    Some(escaped) => {
                        self.value.push(escaped);
                        self.skeleton.push('_');
                    }
                }
            } else {
                if matches!(c, '*' | '?' | '[') {
                    self.glob = true;
                }
                self.value.push(c);
                self.skeleton.push(c);
            }
        }
    }

    /// Text whose characters are all quoted.
    fn quoted(&mut self, text: &str) {
        for c in text.chars() {
            self.value.push(c);
            self.skeleton.push('_');
        }
    }

    /// Literal text inside double quotes: `\` escapes only `$ ` " \` and
    /// newline.
    fn double_quoted(&mut self, text: &str) {
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.peek() {
                    Some('\n') => {
                        chars.next();
                    }
                    Some(&next @ ('$' | '`' | '"' | '\\')) => {
                        chars.next();
                        self.quoted(&next.to_string());
                    }
                    _ => self.quoted("\\"),
                }
            } else {
                self.quoted(&c.to_string());
            }
        }
    }

    /// A part whose value is unknown until run time.
    fn dynamic(&mut self, source: &str) {
        self.dynamic = true;
        self.quoted(source);
    }

    fn finish(mut self) -> Word {
        let mut tilde = false;
        if self.skeleton.starts_with('~') {
            let rest = &self.value[1..];
            if rest.is_empty() || rest.starts_with('/') {
                tilde = true;
            } else {
                // `~user`, `~+`, `~-`: someone else's home or a variable.
                self.dynamic = true;
            }
        }
        if has_brace_expansion(&self.skeleton) {
            self.dynamic = true;
        }
        Word {
            value: self.value,
            dynamic: self.dynamic,
            glob: self.glob,
            tilde,
            process_substitution: self.process_substitutions == 1 && self.pieces == 1,
        }
    }
}

/// Whether the unquoted skeleton holds `{a,b}` or `{a..b}`.
fn has_brace_expansion(skeleton: &str) -> bool {
    let bytes = skeleton.as_bytes();
    for (open, _) in bytes.iter().enumerate().filter(|(_, b)| **b == b'{') {
        let Some(close) = bytes[open + 1..].iter().position(|b| *b == b'}') else {
            continue;
        };
        let inner = &skeleton[open + 1..open + 1 + close];
        if inner.contains(',') || inner.contains("..") {
            return true;
        }
    }
    false
}

/// Decodes the body of `$'…'`.
fn decode_ansi_c(body: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '\\' || i >= chars.len() {
            out.push(c);
            continue;
        }
        let e = chars[i];
        i += 1;
        let simple = match e {
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'e' | 'E' => Some('\u{1b}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{b}'),
            '\\' | '\'' | '"' | '?' => Some(e),
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            continue;
        }
        let (radix, max) = match e {
            'x' => (16, 2),
            'u' => (16, 4),
            'U' => (16, 8),
            '0'..='7' => {
                i -= 1;
                (8, 3)
            }
            'c' if i < chars.len() => {
                let ctl = (chars[i] as u32) & 0x1f;
                i += 1;
                out.push(char::from_u32(ctl).unwrap_or('?'));
                continue;
            }
            _ => {
                out.push('\\');
                out.push(e);
                continue;
            }
        };
        let digits: String = chars[i..]
            .iter()
            .take(max)
            .take_while(|d| d.is_digit(radix))
            .collect();
        if digits.is_empty() {
            out.push('\\');
            out.push(e);
            continue;
        }
        i += digits.chars().count();
        let code = u32::from_str_radix(&digits, radix).unwrap_or(0);
        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
    }
    out
}

/// Whether the source between two nodes keeps them in one word: nothing,
/// or only backslash-escaped characters (`"y"\ z`, `r\<newline>m`).
fn joins(gap: &str) -> bool {
    let mut chars = gap.chars();
    loop {
        match chars.next() {
            None => return true,
            Some('\\') => {
                if chars.next().is_none() {
                    return false;
                }
            }
            Some(_) => return false,
        }
    }
}

impl Walker<'_> {
    /// Groups argument nodes into words and evaluates them.
    pub(crate) fn words(&mut self, parts: &[Node<'_>], cwd: &CwdSet) -> Vec<Word> {
        let mut words = Vec::new();
        let mut group: Vec<Node<'_>> = Vec::new();
        for part in parts {
            if let Some(last) = group.last() {
                let gap = self
                    .src
                    .get(last.end_byte()..part.start_byte())
                    .unwrap_or(" ");
                if !joins(gap) {
                    words.push(self.word(&group, cwd));
                    group.clear();
                }
            }
            group.push(*part);
        }
        if !group.is_empty() {
            words.push(self.word(&group, cwd));
        }
        words
    }

    /// Evaluates adjacent nodes as one word.
    pub(crate) fn word(&mut self, nodes: &[Node<'_>], cwd: &CwdSet) -> Word {
        let mut buf = WordBuf::default();
        let mut previous_end: Option<usize> = None;
        for (i, node) in nodes.iter().enumerate() {
            if let Some(end) = previous_end {
                let gap = self.src.get(end..node.start_byte()).unwrap_or("");
                buf.unquoted(gap);
            }
            previous_end = Some(node.end_byte());
            // `$"text"` (locale translation) is the string itself.
            let translated =
                node.kind() == "$" && nodes.get(i + 1).is_some_and(|n| n.kind() == "string");
            if !translated {
                self.piece(*node, &mut buf, cwd);
            }
        }
        buf.finish()
    }

    fn piece(&mut self, node: Node<'_>, buf: &mut WordBuf, cwd: &CwdSet) {
        if !self.enter() {
            buf.dynamic(self.text(node));
            return;
        }
        buf.pieces += 1;
        let text = self.text(node);
        match node.kind() {
            "word" | "number" | "regex" | "extglob_pattern" | "test_operator"
            | "file_descriptor" | "variable_name" | "$" => buf.unquoted(text),
            "command_name" | "concatenation" => {
                buf.pieces = buf.pieces.saturating_sub(1);
                let mut cursor = node.walk();
                let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
                let mut previous_end: Option<usize> = None;
                for (i, child) in children.iter().enumerate() {
                    if let Some(end) = previous_end {
                        buf.unquoted(self.src.get(end..child.start_byte()).unwrap_or(""));
                    }
                    previous_end = Some(child.end_byte());
                    let translated = child.kind() == "$"
                        && children.get(i + 1).is_some_and(|n| n.kind() == "string");
                    if !translated {
                        self.piece(*child, buf, cwd);
                    }
                }
            }
            "string" | "translated_string" => self.double_quoted_string(node, buf, cwd),
            "raw_string" => {
                let body = text
                    .strip_prefix('\'')
                    .and_then(|t| t.strip_suffix('\''))
                    .unwrap_or(text);
                buf.quoted(body);
            }
            "ansi_c_string" => {
                let body = text
                    .strip_prefix("$'")
                    .and_then(|t| t.strip_suffix('\''))
                    .unwrap_or(text);
                buf.quoted(&decode_ansi_c(body));
            }
            "command_substitution" => {
                buf.dynamic(text);
                self.substitution(node, cwd);
            }
            "process_substitution" => {
                buf.dynamic(text);
                buf.process_substitutions += 1;
                self.substitution(node, cwd);
            }
            _ => {
                // Expansions, arithmetic, brace expressions, arrays and
                // anything unknown: value unknown, substitutions inside.
                buf.dynamic(text);
                self.scan(node, cwd);
            }
        }
        self.leave();
    }

    fn double_quoted_string(&mut self, node: Node<'_>, buf: &mut WordBuf, cwd: &CwdSet) {
        let start = node.start_byte();
        let end = node.end_byte();
        let (body_start, body_end) = if end > start + 1 && self.text(node).ends_with('"') {
            (start + 1, end - 1)
        } else {
            (start + 1, end)
        };
        let mut pos = body_start;
        for child in named_children(node) {
            if child.start_byte() < pos || child.end_byte() > body_end {
                continue;
            }
            buf.double_quoted(self.src.get(pos..child.start_byte()).unwrap_or(""));
            match child.kind() {
                "string_content" => buf.double_quoted(self.text(child)),
                "command_substitution" | "process_substitution" => {
                    buf.dynamic(self.text(child));
                    self.substitution(child, cwd);
                }
                _ => {
                    buf.dynamic(self.text(child));
                    self.scan(child, cwd);
                }
            }
            pos = child.end_byte();
        }
        buf.double_quoted(self.src.get(pos..body_end.max(pos)).unwrap_or(""));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_c() {
        assert_eq!(decode_ansi_c(r"\x72m"), "rm");
        assert_eq!(decode_ansi_c(r"\162m"), "rm");
        assert_eq!(decode_ansi_c(r"\u0072m"), "rm");
        assert_eq!(decode_ansi_c(r"a\'b\n"), "a'b\n");
        assert_eq!(decode_ansi_c(r"\q"), "\\q");
        assert_eq!(decode_ansi_c("\\"), "\\");
        assert_eq!(decode_ansi_c(r"\x"), "\\x");
        assert_eq!(decode_ansi_c(r"\cA"), "\u{1}");
    }

    #[test]
    fn gaps() {
        assert!(joins(""));
        assert!(joins("\\ "));
        assert!(joins("\\\n"));
        assert!(!joins(" "));
        assert!(!joins("\\"));
    }

    #[test]
    fn braces() {
        assert!(has_brace_expansion("{a,b}"));
        assert!(has_brace_expansion("x{1..3}"));
        assert!(!has_brace_expansion("{}"));
        assert!(!has_brace_expansion("_a,b_"));
    }
}

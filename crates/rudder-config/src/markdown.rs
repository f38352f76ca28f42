//! Just enough Markdown structure to find `@path` mentions and `` !`cmd` ``
//! spans where Claude Code looks for them: outside fenced code blocks and
//! inline code spans, and to strip HTML block comments from memory files.
//! Pure text functions; no full Markdown parser is needed for this.

use std::ops::Range;

/// A line of text and whether it is inside (or is a fence of) a fenced
/// code block.
pub(crate) struct Line<'a> {
    /// The line with its newline, if any.
    pub text: &'a str,
    /// True for fence lines and the lines between them.
    pub in_code: bool,
}

/// Splits `text` into lines, marking fenced code blocks (```` ``` ```` or
/// `~~~`, three or more, closed by a fence of the same character at least
/// as long; an unclosed fence runs to the end).
pub(crate) fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut fence: Option<(char, usize)> = None;
    for text_line in text.split_inclusive('\n') {
        let marker = fence_marker(text_line);
        let in_code = match (fence, marker) {
            (None, Some((c, n))) => {
                fence = Some((c, n));
                true
            }
            (None, None) => false,
            (Some((c, n)), Some((mc, mn))) if mc == c && mn >= n && is_bare_fence(text_line) => {
                fence = None;
                true
            }
            (Some(_), _) => true,
        };
        out.push(Line {
            text: text_line,
            in_code,
        });
    }
    out
}

/// The fence character and run length when `line` starts a fence (up to
/// three spaces of indent).
fn fence_marker(line: &str) -> Option<(char, usize)> {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let c = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let run = trimmed.chars().take_while(|x| *x == c).count();
    (run >= 3).then_some((c, run))
}

/// Whether a fence line has nothing after its run (closing fences carry no
/// info string).
fn is_bare_fence(line: &str) -> bool {
    let trimmed = line.trim();
    let c = trimmed.chars().next().unwrap_or(' ');
    trimmed.chars().all(|x| x == c)
}

/// Byte ranges of inline code spans in one line: a run of n backticks up
/// to the next run of exactly n. A run without a partner is literal text.
pub(crate) fn code_spans(line: &str) -> Vec<Range<usize>> {
    let bytes = line.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let open = i;
        while i < bytes.len() && bytes[i] == b'`' {
            i += 1;
        }
        let run = i - open;
        let mut j = i;
        let mut closed = None;
        while j < bytes.len() {
            if bytes[j] == b'`' {
                let close = j;
                while j < bytes.len() && bytes[j] == b'`' {
                    j += 1;
                }
                if j - close == run {
                    closed = Some(j);
                    break;
                }
            } else {
                j += 1;
            }
        }
        if let Some(end) = closed {
            spans.push(open..end);
            i = end;
        }
    }
    spans
}

/// `@path` mentions in one line outside code spans: the byte range of the
/// whole mention (with `@`) and the path. A mention starts at the line's
/// start or after whitespace (so `a@b.com` is not one), runs to the next
/// whitespace (`\ ` escapes a space), and drops trailing punctuation
/// (`.,;:!?)]}"'`).
pub(crate) fn at_mentions(line: &str) -> Vec<(Range<usize>, String)> {
    let spans = code_spans(line);
    let mut mentions = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || bytes[i - 1].is_ascii_whitespace();
        if bytes[i] != b'@' || !starts_word || spans.iter().any(|span| span.contains(&i)) {
            i += 1;
            continue;
        }
        let mut end = i + 1;
        while end < bytes.len() {
            if bytes[end] == b'\\' && bytes.get(end + 1) == Some(&b' ') {
                end += 2;
            } else if bytes[end].is_ascii_whitespace() {
                break;
            } else {
                end += 1;
            }
        }
        let mut path = &line[i + 1..end];
        while let Some(last) = path.chars().last() {
            if ".,;:!?)]}\"'".contains(last) {
                path = &path[..path.len() - last.len_utf8()];
            } else {
                break;
            }
        }
        if !path.is_empty() && !path.starts_with('@') {
            mentions.push((i..i + 1 + path.len(), path.replace("\\ ", " ")));
        }
        i = end;
    }
    mentions
}

/// `text` without HTML block comments: a comment that starts a line
/// (after blanks) outside fenced code, through its `-->` (which may be
/// lines later). Text after `-->` on its line is kept. Inline comments
/// inside a line of prose stay. Also returns, for each line of the result,
/// its 1-based line number in `text` (for messages).
pub(crate) fn strip_block_comments(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut numbers = Vec::new();
    let mut in_comment = false;
    for (index, line) in lines(text).into_iter().enumerate() {
        if line.in_code && !in_comment {
            out.push_str(line.text);
            numbers.push(index + 1);
            continue;
        }
        let mut rest = line.text;
        if !in_comment {
            match rest.trim_start().strip_prefix("<!--") {
                Some(after) => {
                    in_comment = true;
                    rest = after;
                }
                None => {
                    out.push_str(rest);
                    numbers.push(index + 1);
                    continue;
                }
            }
        }
        if let Some(end) = rest.find("-->") {
            in_comment = false;
            let after = &rest[end + 3..];
            if !after.trim().is_empty() {
                out.push_str(after.trim_start());
                numbers.push(index + 1);
            }
        }
    }
    (out, numbers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_are_tracked() {
        let text = "a\n```rust\n@x\n```\nb\n~~~~\n```\n~~~~\nc";
        let flags: Vec<bool> = lines(text).iter().map(|line| line.in_code).collect();
        assert_eq!(
            flags,
            [false, true, true, true, false, true, true, true, false]
        );
    }

    #[test]
    fn code_spans_pair_equal_runs() {
        assert_eq!(code_spans("a `b` c"), vec![2..5]);
        assert_eq!(code_spans("``a ` b`` `x"), vec![0..9]);
        assert!(code_spans("lone ` tick").is_empty());
    }

    #[test]
    fn mentions_skip_code_and_emails() {
        let found: Vec<String> = at_mentions("See @docs/a.md, `@not` me@mail.com @~/x\\ y.md.")
            .into_iter()
            .map(|(_, path)| path)
            .collect();
        assert_eq!(found, ["docs/a.md", "~/x y.md"]);
        assert_eq!(at_mentions("@a.md")[0].0, 0..5);
        assert!(at_mentions("@ alone").is_empty());
    }

    #[test]
    fn block_comments_are_stripped() {
        let text = "keep\n<!-- one line -->\n  <!--\nmany\n@hidden.md\n--> tail\ninline <!-- stays -->\n```\n<!-- code -->\n```\n";
        let (kept, numbers) = strip_block_comments(text);
        assert_eq!(
            kept,
            "keep\ntail\ninline <!-- stays -->\n```\n<!-- code -->\n```\n"
        );
        assert_eq!(numbers, [1, 6, 7, 8, 9, 10]);
    }
}

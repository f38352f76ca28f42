//! Streaming assistant text, committed to scrollback block by block.
//!
//! Owns: the not-yet-committed markdown source of the message being
//! streamed, and the rule for where it may be cut: after a blank line
//! outside a code fence (or after a closing fence), before a line that
//! starts at column 0. Everything before the cut renders the same whether
//! or not more text follows, so it can go to the terminal's scrollback and
//! leave memory. Must never: render; the app renders what it takes.

/// The uncommitted tail of a streaming message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MarkdownStream {
    pending: String,
}

impl MarkdownStream {
    /// Appends a text delta.
    pub(crate) fn push(&mut self, delta: &str) {
        self.pending.push_str(delta);
    }

    /// The uncommitted text.
    pub(crate) fn pending(&self) -> &str {
        &self.pending
    }

    /// The last `max_lines` lines of the uncommitted text, for the live
    /// view; when the cut falls inside a code fence, the fence's opening
    /// line is kept in front so the tail still renders as code. The cost of
    /// rendering the tail follows the viewport, not the message.
    pub(crate) fn tail(&self, max_lines: usize) -> std::borrow::Cow<'_, str> {
        let total = self.pending.split_inclusive('\n').count();
        if total <= max_lines {
            return std::borrow::Cow::Borrowed(&self.pending);
        }
        let skip = total - max_lines;
        let mut fence: Option<(char, usize, &str)> = None;
        let mut offset = 0;
        for line in self.pending.split_inclusive('\n').take(skip) {
            let trimmed = line.trim_start_matches(' ');
            if let Some((ch, len)) =
                fence_marker(trimmed).filter(|_| line.len() - trimmed.len() <= 3)
            {
                fence = match fence {
                    None => Some((ch, len, line)),
                    Some((open, open_len, _)) if open == ch && len >= open_len => None,
                    still => still,
                };
            }
            offset += line.len();
        }
        let rest = &self.pending[offset..];
        match fence {
            Some((_, _, opener)) => std::borrow::Cow::Owned(format!("{opener}{rest}")),
            None => std::borrow::Cow::Borrowed(rest),
        }
    }

    /// Removes and returns the longest prefix that is safe to commit, if any.
    pub(crate) fn take_stable(&mut self) -> Option<String> {
        let cut = stable_boundary(&self.pending)?;
        let rest = self.pending.split_off(cut);
        Some(std::mem::replace(&mut self.pending, rest))
    }

    /// Removes and returns everything (the message is complete).
    pub(crate) fn take_all(&mut self) -> String {
        std::mem::take(&mut self.pending)
    }
}

/// Byte offset of the last safe cut in `text`, if any.
fn stable_boundary(text: &str) -> Option<usize> {
    let mut fence: Option<(char, usize)> = None;
    let mut cut = None;
    let mut offset = 0;
    let mut previous_blank = false;
    let mut previous_fence_closed = false;
    for line in text.split_inclusive('\n') {
        let complete = line.ends_with('\n');
        let starts_flush = line.chars().next().is_some_and(|ch| !ch.is_whitespace());
        if fence.is_none() && (previous_blank || previous_fence_closed) && starts_flush {
            cut = Some(offset);
        }
        previous_fence_closed = false;
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        let marker = fence_marker(trimmed).filter(|_| indent <= 3 && complete);
        match (fence, marker) {
            (None, Some(open)) => fence = Some(open),
            (Some((ch, len)), Some((close_ch, close_len)))
                if ch == close_ch
                    && close_len >= len
                    && trimmed.trim_end().chars().all(|c| c == ch) =>
            {
                fence = None;
                previous_fence_closed = true;
            }
            _ => {}
        }
        previous_blank = complete && line.trim().is_empty();
        offset += line.len();
    }
    cut.filter(|&at| at > 0)
}

/// The fence character and run length if the line opens or closes a fence.
fn fence_marker(line: &str) -> Option<(char, usize)> {
    let ch = line.chars().next().filter(|ch| *ch == '`' || *ch == '~')?;
    let run = line.chars().take_while(|c| *c == ch).count();
    (run >= 3).then_some((ch, run))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_after_blank_lines_but_not_inside_fences() {
        let mut stream = MarkdownStream::default();
        stream.push("First para.\n\nSecond");
        assert_eq!(stream.take_stable().as_deref(), Some("First para.\n\n"));
        assert_eq!(stream.pending(), "Second");
        stream.push(" para.\n\n```rust\nfn a() {}\n\nfn b() {}\n");
        assert_eq!(stream.take_stable().as_deref(), Some("Second para.\n\n"));
        assert_eq!(stream.take_stable(), None);
        stream.push("```\nAfter");
        assert_eq!(
            stream.take_stable().as_deref(),
            Some("```rust\nfn a() {}\n\nfn b() {}\n```\n")
        );
        assert_eq!(stream.take_all(), "After");
    }

    #[test]
    fn tail_keeps_the_open_fence() {
        let mut stream = MarkdownStream::default();
        stream.push("```rust\nline 1\nline 2\nline 3\n");
        assert_eq!(stream.tail(2), "```rust\nline 2\nline 3\n");
        assert_eq!(stream.tail(10), stream.pending());
        stream.push("```\ntext\n");
        assert_eq!(stream.tail(2), "```rust\n```\ntext\n");
    }

    #[test]
    fn indented_continuations_are_not_cut() {
        let mut stream = MarkdownStream::default();
        stream.push("- item\n\n  more of the item\n");
        assert_eq!(stream.take_stable(), None);
    }
}

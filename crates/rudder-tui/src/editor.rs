//! The prompt editor: a multi-line text buffer with a cursor, large pastes
//! and attached images folded into placeholders, and the layout the input
//! box draws.
//!
//! Owns: text editing only (insert, delete, moves, placeholders and their
//! expansion on submit). Must never: know about keys, history, completion
//! or the agent; the app maps keys to these operations.
//!
//! Contract (Claude Code behaviour): a paste of many lines shows as
//! `[Pasted text #1 +120 lines]` and is expanded when the prompt is sent;
//! an attached image shows as `[Image #1]`, stays in the text as written
//! and is sent as an image block after it; backspace at the end of a
//! placeholder removes it (and its image) whole.

use rudder_protocol::content::ContentBlock;
use unicode_width::UnicodeWidthChar;

/// Pastes with more lines than this become placeholders.
const PASTE_MAX_LINES: usize = 5;
/// Pastes longer than this (characters) become placeholders.
const PASTE_MAX_CHARS: usize = 1000;

/// What a placeholder stands for.
#[derive(Debug, Clone, PartialEq)]
enum Folded {
    /// Pasted text, expanded on submit.
    Text(String),
    /// An image, sent as its own block.
    Image(ContentBlock),
}

/// A placeholder in the text and what it stands for.
#[derive(Debug, Clone, PartialEq)]
struct Paste {
    placeholder: String,
    content: Folded,
}

/// A prompt ready to send: its text (pasted text expanded, image
/// placeholders kept) and the images whose placeholders it holds, each
/// with its placeholder, in the order they were attached.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Prompt {
    /// The text.
    pub(crate) text: String,
    /// `(placeholder, image block)` pairs.
    pub(crate) images: Vec<(String, ContentBlock)>,
}

impl Prompt {
    /// A prompt of text only.
    pub(crate) fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            images: Vec::new(),
        }
    }

    /// The content blocks to send: the text, then the images.
    pub(crate) fn blocks(&self) -> Vec<ContentBlock> {
        let mut blocks = vec![ContentBlock::text(self.text.clone())];
        blocks.extend(self.images.iter().map(|(_, image)| image.clone()));
        blocks
    }

    /// Appends `other` after a blank line (queued prompts sent as one).
    pub(crate) fn join(&mut self, other: Self) {
        if !self.text.is_empty() {
            self.text.push_str("\n\n");
        }
        self.text.push_str(&other.text);
        self.images.extend(other.images);
    }
}

/// The editor's buffer. The cursor is a byte offset on a char boundary.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Editor {
    text: String,
    cursor: usize,
    pastes: Vec<Paste>,
    paste_count: usize,
    image_count: usize,
}

impl Editor {
    /// The text as shown (placeholders not expanded).
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The cursor's byte offset.
    pub(crate) fn cursor(&self) -> usize {
        self.cursor
    }

    /// Whether there is no text.
    pub(crate) fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Replaces the text (pastes and images are forgotten), cursor at the
    /// end.
    pub(crate) fn set_text(&mut self, text: &str) {
        self.text = text.to_owned();
        self.cursor = self.text.len();
        self.pastes.clear();
        self.image_count = 0;
    }

    /// Puts a prompt back for editing (its images stay attached).
    pub(crate) fn restore(&mut self, prompt: Prompt) {
        self.set_text(&prompt.text);
        self.image_count = prompt.images.len();
        self.pastes
            .extend(prompt.images.into_iter().map(|(placeholder, image)| Paste {
                placeholder,
                content: Folded::Image(image),
            }));
    }

    /// Empties the editor.
    pub(crate) fn clear(&mut self) {
        self.set_text("");
    }

    /// Inserts text at the cursor.
    pub(crate) fn insert_str(&mut self, text: &str) {
        self.text.insert_str(self.cursor, text);
        self.cursor += text.len();
    }

    /// Inserts one character at the cursor.
    pub(crate) fn insert_char(&mut self, ch: char) {
        self.text.insert(self.cursor, ch);
        self.cursor += ch.len_utf8();
    }

    /// Inserts pasted text: small pastes verbatim, large ones as a
    /// placeholder expanded by [`Editor::submission`]. `\r\n` and `\r`
    /// become `\n`.
    pub(crate) fn paste(&mut self, text: &str) {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let lines = text.lines().count();
        if lines <= PASTE_MAX_LINES && text.chars().count() <= PASTE_MAX_CHARS {
            self.insert_str(&text);
            return;
        }
        self.paste_count += 1;
        let placeholder = format!("[Pasted text #{} +{lines} lines]", self.paste_count);
        self.insert_str(&placeholder);
        self.pastes.push(Paste {
            placeholder,
            content: Folded::Text(text),
        });
    }

    /// Attaches an image block at the cursor as `[Image #n]` (numbered
    /// from 1 in this prompt).
    pub(crate) fn attach_image(&mut self, image: ContentBlock) {
        self.image_count += 1;
        let placeholder = format!("[Image #{}]", self.image_count);
        self.insert_str(&placeholder);
        self.pastes.push(Paste {
            placeholder,
            content: Folded::Image(image),
        });
    }

    /// Deletes the character (or whole placeholder) before the cursor.
    pub(crate) fn backspace(&mut self) {
        let before = &self.text[..self.cursor];
        if let Some(paste) = self
            .pastes
            .iter()
            .find(|paste| before.ends_with(&paste.placeholder))
        {
            let start = self.cursor - paste.placeholder.len();
            self.text.replace_range(start..self.cursor, "");
            self.cursor = start;
            return;
        }
        if let Some((index, _)) = before.char_indices().next_back() {
            self.text.replace_range(index..self.cursor, "");
            self.cursor = index;
        }
    }

    /// Deletes the character (or whole placeholder) after the cursor.
    pub(crate) fn delete(&mut self) {
        let after = &self.text[self.cursor..];
        if let Some(paste) = self
            .pastes
            .iter()
            .find(|paste| after.starts_with(&paste.placeholder))
        {
            let end = self.cursor + paste.placeholder.len();
            self.text.replace_range(self.cursor..end, "");
            return;
        }
        if let Some(ch) = after.chars().next() {
            self.text
                .replace_range(self.cursor..self.cursor + ch.len_utf8(), "");
        }
    }

    /// The character just before the cursor.
    pub(crate) fn char_before_cursor(&self) -> Option<char> {
        self.text[..self.cursor].chars().next_back()
    }

    /// Moves one character left.
    pub(crate) fn left(&mut self) {
        if let Some(ch) = self.char_before_cursor() {
            self.cursor -= ch.len_utf8();
        }
    }

    /// Moves one character right.
    pub(crate) fn right(&mut self) {
        if let Some(ch) = self.text[self.cursor..].chars().next() {
            self.cursor += ch.len_utf8();
        }
    }

    fn line_start(&self) -> usize {
        self.text[..self.cursor].rfind('\n').map_or(0, |at| at + 1)
    }

    fn line_end(&self) -> usize {
        self.text[self.cursor..]
            .find('\n')
            .map_or(self.text.len(), |at| self.cursor + at)
    }

    /// Moves to the start of the line.
    pub(crate) fn home(&mut self) {
        self.cursor = self.line_start();
    }

    /// Moves to the end of the line.
    pub(crate) fn end(&mut self) {
        self.cursor = self.line_end();
    }

    /// Moves up one line, keeping the column. Returns false (and does not
    /// move) on the first line, so the caller can go back in history.
    pub(crate) fn up(&mut self) -> bool {
        let start = self.line_start();
        if start == 0 {
            return false;
        }
        let column = self.text[start..self.cursor].chars().count();
        let previous_start = self.text[..start - 1].rfind('\n').map_or(0, |at| at + 1);
        self.cursor = advance(&self.text, previous_start, start - 1, column);
        true
    }

    /// Moves down one line, keeping the column. Returns false on the last
    /// line.
    pub(crate) fn down(&mut self) -> bool {
        let end = self.line_end();
        if end == self.text.len() {
            return false;
        }
        let column = self.text[self.line_start()..self.cursor].chars().count();
        let next_start = end + 1;
        let next_end = self.text[next_start..]
            .find('\n')
            .map_or(self.text.len(), |at| next_start + at);
        self.cursor = advance(&self.text, next_start, next_end, column);
        true
    }

    /// Deletes the word before the cursor (Ctrl+W).
    pub(crate) fn delete_word(&mut self) {
        let before = &self.text[..self.cursor];
        let trimmed = before.trim_end_matches(' ');
        let start = trimmed.rfind([' ', '\n']).map_or(0, |at| at + 1);
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    /// Deletes from the line start to the cursor (Ctrl+U).
    pub(crate) fn kill_line_before(&mut self) {
        let start = self.line_start();
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    /// Deletes from the cursor to the line end (Ctrl+K).
    pub(crate) fn kill_line_after(&mut self) {
        let end = self.line_end();
        self.text.replace_range(self.cursor..end, "");
    }

    /// Replaces `start..end` (bytes) with `with` and puts the cursor after it.
    pub(crate) fn replace_range(&mut self, start: usize, end: usize, with: &str) {
        let end = end.min(self.text.len());
        if start > end || !self.text.is_char_boundary(start) || !self.text.is_char_boundary(end) {
            return;
        }
        self.text.replace_range(start..end, with);
        self.cursor = start + with.len();
    }

    /// The whitespace-delimited word that ends at the cursor, with its start.
    pub(crate) fn word_before_cursor(&self) -> (usize, &str) {
        let before = &self.text[..self.cursor];
        let start = before.rfind([' ', '\n', '\t']).map_or(0, |at| at + 1);
        (start, &before[start..])
    }

    /// The prompt to send: text placeholders replaced by what was pasted,
    /// and the images whose placeholders are still in the text.
    pub(crate) fn submission(&self) -> Prompt {
        let mut prompt = Prompt::text(self.text.clone());
        for paste in &self.pastes {
            if !self.text.contains(&paste.placeholder) {
                continue;
            }
            match &paste.content {
                Folded::Text(content) => {
                    prompt.text = prompt.text.replacen(&paste.placeholder, content, 1);
                }
                Folded::Image(image) => prompt
                    .images
                    .push((paste.placeholder.clone(), image.clone())),
            }
        }
        prompt
    }

    /// Rows of the text hard-wrapped to `width` columns, and the cursor's
    /// (row, column) in them.
    pub(crate) fn layout(&self, width: u16) -> (Vec<String>, (u16, u16)) {
        let width = usize::from(width).max(2);
        let mut rows = vec![String::new()];
        let mut column = 0usize;
        let mut cursor = (0usize, 0usize);
        for (index, ch) in self.text.char_indices() {
            if index == self.cursor {
                cursor = (rows.len() - 1, column);
            }
            if ch == '\n' {
                rows.push(String::new());
                column = 0;
                continue;
            }
            let ch_width = ch.width().unwrap_or(0);
            if column + ch_width > width {
                rows.push(String::new());
                column = 0;
                if index == self.cursor {
                    cursor = (rows.len() - 1, 0);
                }
            }
            if let Some(row) = rows.last_mut() {
                row.push(ch);
            }
            column += ch_width;
        }
        if self.cursor >= self.text.len() {
            cursor = (rows.len() - 1, column);
            if column >= width {
                rows.push(String::new());
                cursor = (rows.len() - 1, 0);
            }
        }
        let clamp = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
        (rows, (clamp(cursor.0), clamp(cursor.1)))
    }
}

/// The byte offset `column` characters after `start`, at most `end`.
fn advance(text: &str, start: usize, end: usize, column: usize) -> usize {
    text[start..end]
        .char_indices()
        .nth(column)
        .map_or(end, |(offset, _)| start + offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_paste_is_a_placeholder_expanded_on_submit() {
        let mut editor = Editor::default();
        editor.insert_str("look: ");
        let pasted: String = (1..=120).map(|n| format!("line {n}\n")).collect();
        editor.paste(&pasted);
        assert_eq!(editor.text(), "look: [Pasted text #1 +120 lines]");
        assert_eq!(editor.submission().text, format!("look: {pasted}"));
        editor.backspace();
        assert_eq!(editor.text(), "look: ");
    }

    fn image(data: &str) -> ContentBlock {
        ContentBlock::Image {
            source: rudder_protocol::content::ImageSource::Base64 {
                media_type: "image/png".into(),
                data: data.into(),
            },
            cache_control: None,
        }
    }

    #[test]
    fn images_are_placeholders_sent_after_the_text() {
        let mut editor = Editor::default();
        editor.insert_str("compare ");
        editor.attach_image(image("AAA"));
        editor.insert_str(" with ");
        editor.attach_image(image("BBB"));
        assert_eq!(editor.text(), "compare [Image #1] with [Image #2]");
        let prompt = editor.submission();
        assert_eq!(prompt.text, "compare [Image #1] with [Image #2]");
        let blocks = prompt.blocks();
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[2], image("BBB"));
        // Backspace drops the second image with its placeholder.
        editor.backspace();
        assert_eq!(editor.submission().images.len(), 1);
        // A restored prompt keeps its image; the next one is #2 again.
        let mut restored = Editor::default();
        restored.restore(editor.submission());
        restored.attach_image(image("CCC"));
        assert!(
            restored.text().ends_with("[Image #2]"),
            "{}",
            restored.text()
        );
        assert_eq!(restored.submission().images.len(), 2);
    }

    #[test]
    fn small_paste_is_inserted() {
        let mut editor = Editor::default();
        editor.paste("a\r\nb");
        assert_eq!(editor.text(), "a\nb");
    }

    #[test]
    fn up_and_down_keep_the_column_and_report_edges() {
        let mut editor = Editor::default();
        editor.insert_str("abc\nde\nfghij");
        assert!(!editor.down());
        assert!(editor.up());
        assert_eq!(editor.cursor(), 6);
        assert!(editor.up());
        assert_eq!(editor.cursor(), 2);
        assert!(!editor.up());
        assert!(editor.down());
        assert_eq!(editor.cursor(), 6);
    }

    #[test]
    fn layout_wraps_and_places_the_cursor() {
        let mut editor = Editor::default();
        editor.insert_str("abcdef\ngh");
        let (rows, cursor) = editor.layout(4);
        assert_eq!(rows, ["abcd", "ef", "gh"]);
        assert_eq!(cursor, (2, 2));
        editor.home();
        assert_eq!(editor.layout(4).1, (2, 0));
    }

    #[test]
    fn word_editing() {
        let mut editor = Editor::default();
        editor.insert_str("fix the @src/ma");
        assert_eq!(editor.word_before_cursor(), (8, "@src/ma"));
        editor.delete_word();
        assert_eq!(editor.text(), "fix the ");
        editor.kill_line_before();
        assert!(editor.is_empty());
    }
}

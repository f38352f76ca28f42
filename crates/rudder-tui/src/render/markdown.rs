//! Markdown to terminal lines: our own renderer over pulldown-cmark events
//! (RUST-DEPS.md: "markdown → terminal: our own renderer").
//!
//! Owns: headings, emphasis, lists (nested, ordered, task), block quotes,
//! tables, links, inline code, rules and fenced code (highlighted through
//! [`super::highlight`]). Output is already wrapped to the given width.
//! Must never: do I/O or keep state between calls; the same source and
//! width always give the same lines.

use pulldown_cmark::{Alignment, CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::highlight::highlight;
use super::wrap::{line_width, wrap_line};
use super::{dim, sanitize};

/// Renders `source` as lines at most `width` columns wide. Blocks are
/// separated by one blank line; there is no trailing blank line.
pub(crate) fn render_markdown(source: &str, width: u16) -> Vec<Line<'static>> {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut renderer = Renderer::new(usize::from(width).max(8));
    for event in Parser::new_ext(source, options) {
        renderer.event(event);
    }
    renderer.finish()
}

/// A container that prefixes the lines of the blocks inside it.
enum Container {
    Quote,
    Item {
        marker: String,
        marker_pending: bool,
    },
}

/// A table being collected.
struct Table {
    alignments: Vec<Alignment>,
    rows: Vec<Vec<Vec<Span<'static>>>>,
    header_rows: usize,
}

struct Renderer {
    width: usize,
    lines: Vec<Line<'static>>,
    inline: Vec<Span<'static>>,
    styles: Vec<Style>,
    containers: Vec<Container>,
    list_numbers: Vec<Option<u64>>,
    code: Option<(String, String)>,
    table: Option<Table>,
    links: Vec<(String, usize)>,
    need_blank: bool,
}

impl Renderer {
    fn new(width: usize) -> Self {
        Self {
            width,
            lines: Vec::new(),
            inline: Vec::new(),
            styles: Vec::new(),
            containers: Vec::new(),
            list_numbers: Vec::new(),
            code: None,
            table: None,
            links: Vec::new(),
            need_blank: false,
        }
    }

    fn style(&self) -> Style {
        self.styles
            .iter()
            .fold(Style::new(), |acc, style| acc.patch(*style))
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => self.text(&text),
            Event::Code(code) => {
                let style = self.style().fg(Color::Cyan);
                self.push_span(Span::styled(sanitize(&code), style));
            }
            Event::InlineMath(text) | Event::DisplayMath(text) => self.text(&text),
            Event::Html(html) => {
                for line in html.lines() {
                    self.push_span(Span::styled(sanitize(line), dim()));
                    self.flush_inline();
                }
            }
            Event::InlineHtml(html) => self.push_span(Span::styled(sanitize(&html), dim())),
            Event::FootnoteReference(label) => self.text(&format!("[^{label}]")),
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => self.flush_inline(),
            Event::Rule => {
                self.start_block();
                let available = self.width.saturating_sub(self.prefix_width()).min(80);
                let rule = Line::from(Span::styled("─".repeat(available), dim()));
                self.emit(vec![rule]);
                self.need_blank = true;
            }
            Event::TaskListMarker(checked) => {
                self.push_span(Span::raw(if checked { "☒ " } else { "☐ " }));
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph | Tag::HtmlBlock | Tag::MetadataBlock(_) => self.start_block(),
            Tag::Heading { level, .. } => {
                self.start_block();
                let style = match level {
                    HeadingLevel::H1 => {
                        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
                    }
                    HeadingLevel::H2 => Style::new().add_modifier(Modifier::BOLD),
                    _ => Style::new().add_modifier(Modifier::BOLD | Modifier::ITALIC),
                };
                self.styles.push(style);
            }
            Tag::BlockQuote(_) => {
                self.start_block();
                self.containers.push(Container::Quote);
            }
            Tag::CodeBlock(kind) => {
                self.start_block();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Tag::List(start) => {
                if self.list_numbers.is_empty() {
                    self.start_block();
                } else {
                    self.flush_inline();
                }
                self.list_numbers.push(start);
            }
            Tag::Item => {
                self.flush_inline();
                let marker = match self.list_numbers.last_mut() {
                    Some(Some(number)) => {
                        let marker = format!("{number}. ");
                        *number += 1;
                        marker
                    }
                    _ => {
                        let depth = self.list_numbers.len();
                        if depth % 2 == 1 { "• " } else { "◦ " }.to_owned()
                    }
                };
                self.containers.push(Container::Item {
                    marker,
                    marker_pending: true,
                });
            }
            Tag::Table(alignments) => {
                self.start_block();
                self.table = Some(Table {
                    alignments,
                    rows: Vec::new(),
                    header_rows: 0,
                });
            }
            Tag::TableHead | Tag::TableRow => {
                if let Some(table) = &mut self.table {
                    table.rows.push(Vec::new());
                }
            }
            Tag::TableCell => {
                if let Some(row) = self.table.as_mut().and_then(|table| table.rows.last_mut()) {
                    row.push(Vec::new());
                }
            }
            Tag::Emphasis => self
                .styles
                .push(Style::new().add_modifier(Modifier::ITALIC)),
            Tag::Strong => self.styles.push(Style::new().add_modifier(Modifier::BOLD)),
            Tag::Strikethrough => self
                .styles
                .push(Style::new().add_modifier(Modifier::CROSSED_OUT)),
            Tag::Link { dest_url, .. } => {
                self.links.push((dest_url.to_string(), self.inline.len()));
                self.styles.push(
                    Style::new()
                        .fg(Color::Blue)
                        .add_modifier(Modifier::UNDERLINED),
                );
            }
            Tag::Image { .. } => self.text("[image: "),
            Tag::Superscript | Tag::Subscript => self.styles.push(Style::new()),
            Tag::FootnoteDefinition(label) => {
                self.start_block();
                self.text(&format!("[^{label}]: "));
            }
            Tag::DefinitionList | Tag::DefinitionListTitle | Tag::DefinitionListDefinition => {
                self.start_block();
            }
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::HtmlBlock | TagEnd::MetadataBlock(_) => {
                self.flush_inline();
                self.need_blank = true;
            }
            TagEnd::Heading(_) => {
                self.flush_inline();
                self.styles.pop();
                self.need_blank = true;
            }
            TagEnd::BlockQuote(_) => {
                self.flush_inline();
                self.containers.pop();
                self.need_blank = true;
            }
            TagEnd::CodeBlock => {
                if let Some((lang, code)) = self.code.take() {
                    let lines = highlight(&code, &lang);
                    self.emit(lines);
                }
                self.need_blank = true;
            }
            TagEnd::List(_) => {
                self.flush_inline();
                self.list_numbers.pop();
                if self.list_numbers.is_empty() {
                    self.need_blank = true;
                }
            }
            TagEnd::Item => {
                self.flush_inline();
                // Loose items are separated by their paragraphs' blank
                // lines; tight items follow each other directly.
                self.containers.pop();
            }
            TagEnd::Table => {
                if let Some(table) = self.table.take() {
                    let lines = self.render_table(&table);
                    self.emit(lines);
                }
                self.need_blank = true;
            }
            TagEnd::TableHead => {
                if let Some(table) = &mut self.table {
                    table.header_rows = table.rows.len();
                }
            }
            TagEnd::TableRow | TagEnd::TableCell => {}
            TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript => {
                self.styles.pop();
            }
            TagEnd::Link => {
                self.styles.pop();
                if let Some((url, start)) = self.links.pop() {
                    let text: String = self.inline[start.min(self.inline.len())..]
                        .iter()
                        .map(|span| span.content.as_ref())
                        .collect();
                    if !url.is_empty() && text != url && !url.starts_with('#') {
                        self.push_span(Span::styled(format!(" ({url})"), dim()));
                    }
                }
            }
            TagEnd::Image => self.text("]"),
            TagEnd::FootnoteDefinition => {
                self.flush_inline();
                self.need_blank = true;
            }
            TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition => {
                self.flush_inline();
            }
        }
    }

    fn text(&mut self, text: &str) {
        if let Some((_, code)) = &mut self.code {
            code.push_str(text);
            return;
        }
        let span = Span::styled(sanitize(text).replace('\n', " "), self.style());
        self.push_span(span);
    }

    fn push_span(&mut self, span: Span<'static>) {
        if let Some(cell) = self
            .table
            .as_mut()
            .and_then(|table| table.rows.last_mut())
            .and_then(|row| row.last_mut())
        {
            cell.push(span);
        } else {
            self.inline.push(span);
        }
    }

    /// Before a block: flush pending text and add the separating blank line.
    fn start_block(&mut self) {
        self.flush_inline();
        if self.need_blank && !self.lines.is_empty() {
            let bars: Vec<Span<'static>> = self
                .containers
                .iter()
                .filter(|container| matches!(container, Container::Quote))
                .map(|_| Span::styled("│ ", dim()))
                .collect();
            self.lines.push(Line::from(bars));
        }
        self.need_blank = false;
    }

    fn prefix_width(&self) -> usize {
        self.containers
            .iter()
            .map(|container| match container {
                Container::Quote => 2,
                Container::Item { marker, .. } => marker.width(),
            })
            .sum()
    }

    /// The prefix of the next emitted line; consumes pending list markers.
    fn take_prefix(&mut self) -> Vec<Span<'static>> {
        self.containers
            .iter_mut()
            .map(|container| match container {
                Container::Quote => Span::styled("│ ", dim()),
                Container::Item {
                    marker,
                    marker_pending,
                } => {
                    if std::mem::take(marker_pending) {
                        Span::raw(marker.clone())
                    } else {
                        Span::raw(" ".repeat(marker.width()))
                    }
                }
            })
            .collect()
    }

    fn flush_inline(&mut self) {
        if self.inline.is_empty() {
            return;
        }
        let line = Line::from(std::mem::take(&mut self.inline));
        let quoted = self
            .containers
            .iter()
            .any(|c| matches!(c, Container::Quote));
        let line = if quoted {
            line.patch_style(Style::new().add_modifier(Modifier::ITALIC))
        } else {
            line
        };
        self.emit(vec![line]);
    }

    /// Wraps lines to the room left by the prefix and emits them prefixed.
    fn emit(&mut self, lines: Vec<Line<'static>>) {
        let room = self.width.saturating_sub(self.prefix_width()).max(4);
        for line in lines {
            for row in wrap_line(&line, room) {
                let mut spans = self.take_prefix();
                spans.extend(row.spans);
                self.lines.push(Line::from(spans).style(row.style));
            }
        }
    }

    fn render_table(&self, table: &Table) -> Vec<Line<'static>> {
        let columns = table.rows.iter().map(Vec::len).max().unwrap_or(0);
        if columns == 0 {
            return Vec::new();
        }
        let cell_width =
            |cell: &Vec<Span<'static>>| cell.iter().map(|span| span.content.width()).sum::<usize>();
        let mut widths = vec![1usize; columns];
        for row in &table.rows {
            for (index, cell) in row.iter().enumerate() {
                widths[index] = widths[index].max(cell_width(cell));
            }
        }
        let room = self.width.saturating_sub(self.prefix_width());
        let separators = 3 * (columns - 1);
        while widths.iter().sum::<usize>() + separators > room {
            let Some((widest, width)) = widths.iter().copied().enumerate().max_by_key(|(_, w)| *w)
            else {
                break;
            };
            if width <= 3 {
                break;
            }
            widths[widest] = width - 1;
        }
        let mut lines = Vec::new();
        for (row_index, row) in table.rows.iter().enumerate() {
            let mut spans = Vec::new();
            for (index, width) in widths.iter().copied().enumerate() {
                if index > 0 {
                    spans.push(Span::styled(" │ ", dim()));
                }
                let empty = Vec::new();
                let cell = row.get(index).unwrap_or(&empty);
                let alignment = table
                    .alignments
                    .get(index)
                    .copied()
                    .unwrap_or(Alignment::None);
                let header = row_index < table.header_rows;
                spans.extend(fit_cell(cell, width, alignment, header));
            }
            lines.push(Line::from(spans));
            if row_index + 1 == table.header_rows {
                let rule: Vec<String> = widths.iter().map(|width| "─".repeat(*width)).collect();
                lines.push(Line::from(Span::styled(rule.join("─┼─"), dim())));
            }
        }
        lines
    }

    fn finish(mut self) -> Vec<Line<'static>> {
        self.flush_inline();
        if let Some((lang, code)) = self.code.take() {
            let lines = highlight(&code, &lang);
            self.emit(lines);
        }
        while self.lines.last().is_some_and(|line| line_width(line) == 0) {
            self.lines.pop();
        }
        self.lines
    }
}

/// Pads or truncates (with `…`) one table cell to exactly `width` columns.
fn fit_cell(
    cell: &[Span<'static>],
    width: usize,
    alignment: Alignment,
    header: bool,
) -> Vec<Span<'static>> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in cell {
        let style = if header {
            span.style.add_modifier(Modifier::BOLD)
        } else {
            span.style
        };
        let mut text = String::new();
        for ch in span.content.chars() {
            let w = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
            if used + w > width {
                break;
            }
            text.push(ch);
            used += w;
        }
        spans.push(Span::styled(text, style));
    }
    let full: usize = cell.iter().map(|span| span.content.width()).sum();
    if full > width {
        // Replace the last visible column with an ellipsis.
        while used + 1 > width {
            let Some(last) = spans.last_mut() else { break };
            match last.content.to_mut().pop() {
                Some(ch) => used -= unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0),
                None => {
                    spans.pop();
                }
            }
        }
        spans.push(Span::raw("…"));
        used += 1;
    }
    let pad = width.saturating_sub(used);
    let (left, right) = match alignment {
        Alignment::Right => (pad, 0),
        Alignment::Center => (pad / 2, pad - pad / 2),
        Alignment::Left | Alignment::None => (0, pad),
    };
    let mut out = Vec::with_capacity(spans.len() + 2);
    if left > 0 {
        out.push(Span::raw(" ".repeat(left)));
    }
    out.extend(spans);
    if right > 0 {
        out.push(Span::raw(" ".repeat(right)));
    }
    out
}

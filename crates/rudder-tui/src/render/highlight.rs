//! Syntax highlighting of fenced code with syntect and bat's syntaxes
//! (two-face), on fancy-regex (RUST-DEPS.md: no onig).
//!
//! Owns: turning code plus a language tag into styled lines, with size caps
//! so one huge line can never pin a core (USER-PAINS.md §1.2, codex#33755).
//! Must never: block on I/O; the syntax set is compiled into the binary and
//! loaded once, on first use.

use std::sync::OnceLock;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use syntect::easy::HighlightLines;
use syntect::highlighting::{FontStyle, Theme};
use syntect::parsing::SyntaxSet;
use two_face::theme::EmbeddedThemeName;

use super::sanitize;

/// Code longer than this (bytes) is shown without colours.
const MAX_CODE_BYTES: usize = 64 * 1024;
/// Lines longer than this (bytes) end highlighting of their block.
const MAX_LINE_BYTES: usize = 1000;

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(two_face::syntax::extra_newlines)
}

/// bat's `ansi` theme: colours are the terminal's own palette, so code reads
/// on light and dark backgrounds alike.
fn theme() -> &'static Theme {
    static THEME: OnceLock<Theme> = OnceLock::new();
    THEME.get_or_init(|| {
        two_face::theme::extra()
            .get(EmbeddedThemeName::Ansi)
            .clone()
    })
}

/// Highlights `code` as language `lang` (a fence info word such as `rust`,
/// `py`, `sh`). Unknown languages, oversized code and lines past the cap
/// come back uncoloured. One output line per input line, without newlines.
pub(crate) fn highlight(code: &str, lang: &str) -> Vec<Line<'static>> {
    let code = sanitize(code);
    let plain = |text: &str| Line::from(text.to_owned());
    let syntax = if lang.is_empty() || code.len() > MAX_CODE_BYTES {
        None
    } else {
        syntaxes().find_syntax_by_token(lang)
    };
    let Some(syntax) = syntax else {
        return code.lines().map(plain).collect();
    };
    let mut highlighter = HighlightLines::new(syntax, theme());
    let mut lines = Vec::new();
    let mut coloured = true;
    for line in code.split_inclusive('\n') {
        let bare = line.trim_end_matches('\n');
        if !coloured || line.len() > MAX_LINE_BYTES {
            coloured = false;
            lines.push(plain(bare));
            continue;
        }
        match highlighter.highlight_line(line, syntaxes()) {
            Ok(ranges) => lines.push(Line::from(
                ranges
                    .into_iter()
                    .filter_map(|(style, text)| {
                        let text = text.trim_end_matches('\n');
                        (!text.is_empty()).then(|| Span::styled(text.to_owned(), convert(style)))
                    })
                    .collect::<Vec<_>>(),
            )),
            Err(_) => {
                coloured = false;
                lines.push(plain(bare));
            }
        }
    }
    lines
}

/// Maps a syntect style to ratatui, decoding bat's ANSI-theme convention
/// (alpha 0: palette index in red; alpha 1: the terminal's default colour).
fn convert(style: syntect::highlighting::Style) -> Style {
    let colour = style.foreground;
    let fg = match colour.a {
        0 => Some(match colour.r {
            0 => Color::Black,
            1 => Color::Red,
            2 => Color::Green,
            3 => Color::Yellow,
            4 => Color::Blue,
            5 => Color::Magenta,
            6 => Color::Cyan,
            7 => Color::Gray,
            n => Color::Indexed(n),
        }),
        1 => None,
        _ => Some(Color::Rgb(colour.r, colour.g, colour.b)),
    };
    let mut out = Style::new();
    if let Some(fg) = fg {
        out = out.fg(fg);
    }
    if style.font_style.contains(FontStyle::BOLD) {
        out = out.add_modifier(Modifier::BOLD);
    }
    if style.font_style.contains(FontStyle::ITALIC) {
        out = out.add_modifier(Modifier::ITALIC);
    }
    if style.font_style.contains(FontStyle::UNDERLINE) {
        out = out.add_modifier(Modifier::UNDERLINED);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_language_gets_colours_unknown_stays_plain() {
        let lines = highlight("fn main() {\n    let x = 1;\n}\n", "rust");
        assert_eq!(lines.len(), 3);
        assert!(lines[0].spans.len() > 1, "{:?}", lines[0]);
        let plain = highlight("fn main() {}\n", "no-such-language");
        assert_eq!(plain[0].spans.len(), 1);
    }

    #[test]
    fn overlong_lines_are_not_highlighted() {
        let long = format!("let x = \"{}\";\nlet y = 2;\n", "a".repeat(MAX_LINE_BYTES));
        let lines = highlight(&long, "rust");
        assert_eq!(lines[0].spans.len(), 1);
        assert_eq!(lines[1].spans.len(), 1);
    }
}

//! One question asked before the TUI starts — "Do you trust the files in
//! this folder?", "Which session do you want to resume?" — as a short list
//! of options under a title, answered with the arrow keys and Enter, a
//! digit, or Esc.
//!
//! Owns: drawing the question inline (below whatever the terminal shows,
//! never clearing above it) and reading keys until it is answered. Must
//! never: decide what the answer means (the CLI does), or leave the
//! terminal in raw mode.

use std::io::{self, IsTerminal, Write};

use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::style::{Attribute, Print, SetAttribute};
use crossterm::terminal::{Clear, ClearType};
use crossterm::{cursor, queue};
use unicode_width::UnicodeWidthChar;

use crate::error::TuiError;

/// A question with numbered options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choice {
    /// The question, e.g. `Do you trust the files in this folder?`.
    pub title: String,
    /// Lines of explanation under the title.
    pub body: Vec<String>,
    /// The options, in order (at most 9 can be picked with a digit).
    pub options: Vec<String>,
    /// The option selected at first.
    pub default: usize,
}

/// Asks `choice` on the terminal. Returns the index of the chosen option,
/// or `None` when the person pressed Esc or Ctrl+C.
///
/// Blocks the calling thread while waiting for keys (call it from a
/// blocking task). Errors: [`TuiError::NotATerminal`] when stdin or stdout
/// is not a TTY, [`TuiError::Io`] when the terminal fails. Raw mode is
/// left on every path.
pub fn choose(choice: &Choice) -> Result<Option<usize>, TuiError> {
    if !io::stdin().is_terminal() || !io::stdout().is_terminal() {
        return Err(TuiError::NotATerminal);
    }
    if choice.options.is_empty() {
        return Ok(None);
    }
    crossterm::terminal::enable_raw_mode().map_err(TuiError::io("entering raw mode"))?;
    let answer = ask(choice);
    let restored = crossterm::terminal::disable_raw_mode();
    let answer = answer.map_err(TuiError::io("asking a question"))?;
    restored.map_err(TuiError::io("leaving raw mode"))?;
    Ok(answer)
}

fn ask(choice: &Choice) -> io::Result<Option<usize>> {
    let mut out = io::stdout();
    let width = crossterm::terminal::size().map_or(80, |(columns, _)| usize::from(columns));
    let mut selected = choice.default.min(choice.options.len() - 1);
    let mut drawn = 0u16;
    loop {
        drawn = draw(&mut out, choice, selected, width, drawn)?;
        let Event::Key(key) = crossterm::event::read()? else {
            continue;
        };
        if key.kind == KeyEventKind::Release {
            continue;
        }
        let last = choice.options.len() - 1;
        let answer = match key.code {
            KeyCode::Up | KeyCode::Char('k') => {
                selected = selected.checked_sub(1).unwrap_or(last);
                None
            }
            KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => {
                selected = if selected >= last { 0 } else { selected + 1 };
                None
            }
            KeyCode::Enter => Some(Some(selected)),
            KeyCode::Char(digit @ '1'..='9') => {
                let index = usize::from(digit as u8 - b'1');
                (index <= last).then_some(Some(index))
            }
            KeyCode::Esc => Some(None),
            KeyCode::Char('c' | 'd') if key.modifiers.contains(KeyModifiers::CONTROL) => Some(None),
            _ => None,
        };
        if let Some(answer) = answer {
            erase(&mut out, drawn)?;
            let summary = match answer {
                Some(index) => format!("{} {}", choice.title, choice.options[index]),
                None => format!("{} (cancelled)", choice.title),
            };
            queue!(out, Print(fit(&summary, width)), Print("\r\n"))?;
            out.flush()?;
            return Ok(answer);
        }
    }
}

/// Draws the question over the `previous` rows drawn before; returns the
/// rows drawn now.
fn draw(
    out: &mut impl Write,
    choice: &Choice,
    selected: usize,
    width: usize,
    previous: u16,
) -> io::Result<u16> {
    erase(out, previous)?;
    let mut lines: Vec<(String, bool)> = vec![(choice.title.clone(), true)];
    lines.extend(choice.body.iter().map(|text| (text.clone(), false)));
    lines.push((String::new(), false));
    for (index, option) in choice.options.iter().enumerate() {
        let marker = if index == selected { "❯" } else { " " };
        let number = if index < 9 {
            format!("{}.", index + 1)
        } else {
            "  ".to_owned()
        };
        lines.push((format!("{marker} {number} {option}"), index == selected));
    }
    lines.push((String::new(), false));
    lines.push(("Enter to confirm · Esc to cancel".to_owned(), false));
    for (text, bold) in &lines {
        if *bold {
            queue!(out, SetAttribute(Attribute::Bold))?;
        }
        queue!(
            out,
            Print(fit(text, width)),
            SetAttribute(Attribute::Reset),
            Print("\r\n")
        )?;
    }
    let rows = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    out.flush()?;
    Ok(rows)
}

/// Moves up over `rows` drawn rows and clears them.
fn erase(out: &mut impl Write, rows: u16) -> io::Result<()> {
    if rows > 0 {
        queue!(out, cursor::MoveToPreviousLine(rows))?;
    }
    queue!(
        out,
        cursor::MoveToColumn(0),
        Clear(ClearType::FromCursorDown)
    )
}

/// `text` cut to fit `width` columns (so each item is exactly one row and
/// redraws stay aligned), without control characters.
fn fit(text: &str, width: usize) -> String {
    let mut used = 0;
    let mut fitted = String::new();
    for ch in text.chars().filter(|ch| !ch.is_control()) {
        let columns = ch.width().unwrap_or(0);
        if used + columns >= width.max(2) {
            fitted.push('…');
            break;
        }
        used += columns;
        fitted.push(ch);
    }
    fitted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_options_are_cut_to_one_row_and_control_characters_dropped() {
        assert_eq!(fit("abc", 10), "abc");
        assert_eq!(fit("abcdefghij", 5), "abcd…");
        assert_eq!(fit("a\u{1b}[31mb", 10), "a[31mb");
    }

    #[test]
    fn draws_title_body_and_numbered_options() {
        let mut out = Vec::new();
        let choice = Choice {
            title: "Trust?".into(),
            body: vec!["Hooks will run.".into()],
            options: vec!["Yes".into(), "No".into()],
            default: 0,
        };
        let rows = draw(&mut out, &choice, 1, 40, 0).unwrap();
        let text = String::from_utf8_lossy(&out);
        assert_eq!(rows, 7);
        assert!(text.contains("  1. Yes"), "{text}");
        assert!(text.contains("❯ 2. No"), "{text}");
    }
}

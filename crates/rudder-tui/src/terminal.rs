//! Terminal I/O: raw mode, the inline viewport at the bottom of the normal
//! screen, writing finished transcript lines into the terminal's own
//! scrollback, and restoring the terminal on every exit path.
//!
//! Owns: all escape sequences rudder writes. The viewport is a ratatui
//! `Viewport::Fixed` area that this module moves and resizes itself, so it
//! can grow and shrink with its content (ratatui's `Viewport::Inline` has a
//! fixed height). Scrollback lines are printed above it with plain newlines,
//! which scroll the screen the way any CLI output does; nothing is ever
//! cleared above the viewport, so scrollback stays selectable and the
//! screen never flickers (each frame is one synchronized update). Must
//! never: know about app state; it draws what it is given.

use std::io::{self, Stdout, Write};

use crossterm::cursor::MoveTo;
use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, EnableBracketedPaste, EnableFocusChange,
    KeyboardEnhancementFlags, PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use crossterm::style::{
    Attribute, Color as CtColor, Print, ResetColor, SetAttribute, SetBackgroundColor,
    SetForegroundColor,
};
use crossterm::terminal::{BeginSynchronizedUpdate, Clear, ClearType, EndSynchronizedUpdate};
use crossterm::{execute, queue};
use ratatui::backend::CrosstermBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::{Terminal, TerminalOptions, Viewport};

/// The terminal while the TUI runs.
pub(crate) struct Screen {
    terminal: Terminal<CrosstermBackend<Stdout>>,
    /// First row of the viewport.
    top: u16,
    /// Rows of the viewport.
    height: u16,
    width: u16,
    rows: u16,
    /// Row of the terminal cursor inside the viewport after the last frame.
    cursor_offset: u16,
    keyboard_enhanced: bool,
}

impl Screen {
    /// Enters raw mode, enables bracketed paste and focus events, and
    /// anchors the viewport at the cursor's row. Call before reading events
    /// (the cursor query reads the terminal's answer from stdin).
    pub(crate) fn enter() -> io::Result<Self> {
        crossterm::terminal::enable_raw_mode()?;
        let keyboard_enhanced = matches!(
            crossterm::terminal::supports_keyboard_enhancement(),
            Ok(true)
        );
        let mut stdout = io::stdout();
        execute!(stdout, EnableBracketedPaste, EnableFocusChange)?;
        if keyboard_enhanced {
            execute!(
                stdout,
                PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
            )?;
        }
        let (width, rows) = crossterm::terminal::size()?;
        let top = crossterm::cursor::position().map_or(rows.saturating_sub(1), |(_, row)| row);
        let area = Rect::new(0, top, width, 1);
        let terminal = Terminal::with_options(
            CrosstermBackend::new(stdout),
            TerminalOptions {
                viewport: Viewport::Fixed(area),
            },
        )?;
        Ok(Self {
            terminal,
            top,
            height: 1,
            width,
            rows,
            cursor_offset: 0,
            keyboard_enhanced,
        })
    }

    /// The terminal was resized to `width` × `rows`. Terminals move their
    /// content differently when they reflow, so the viewport is found again
    /// from where the cursor went (`cursor_row`, queried by the caller while
    /// no event reader holds stdin; `None` keeps the old row), then cleared
    /// and drawn again.
    pub(crate) fn resize(
        &mut self,
        width: u16,
        rows: u16,
        cursor_row: Option<u16>,
    ) -> io::Result<()> {
        self.width = width;
        self.rows = rows;
        let top = cursor_row.map_or(self.top, |row| row.saturating_sub(self.cursor_offset));
        self.top = top.min(rows.saturating_sub(1));
        queue!(
            self.terminal.backend_mut(),
            MoveTo(0, self.top),
            Clear(ClearType::FromCursorDown)
        )?;
        self.place(self.height.max(1))
    }

    /// Writes `lines` (each at most the terminal's width) into the
    /// scrollback above the viewport, then draws `view` in a viewport of
    /// `height` rows. One synchronized update.
    pub(crate) fn frame(
        &mut self,
        lines: &[Line<'static>],
        height: u16,
        draw: impl FnOnce(Rect, &mut Buffer) -> Option<Position>,
    ) -> io::Result<()> {
        queue!(self.terminal.backend_mut(), BeginSynchronizedUpdate)?;
        if !lines.is_empty() {
            self.insert(lines)?;
        }
        let height = height.clamp(1, self.rows.max(1));
        if height != self.height || !lines.is_empty() {
            self.place(height)?;
        }
        let mut cursor = None;
        self.terminal.draw(|frame| {
            let area = frame.area();
            cursor = draw(area, frame.buffer_mut());
            if let Some(position) = cursor {
                frame.set_cursor_position(position);
            }
        })?;
        match cursor {
            Some(position) => self.cursor_offset = position.y.saturating_sub(self.top),
            None => {
                // Parked at the viewport's top so a resize can find it.
                self.terminal.hide_cursor()?;
                queue!(self.terminal.backend_mut(), MoveTo(0, self.top))?;
                self.cursor_offset = 0;
            }
        }
        queue!(self.terminal.backend_mut(), EndSynchronizedUpdate)?;
        self.terminal.backend_mut().flush()
    }

    /// Rings the bell or sends an OSC 9 notification.
    pub(crate) fn notify(&mut self, osc9: Option<&str>) -> io::Result<()> {
        let out = self.terminal.backend_mut();
        match osc9 {
            Some(text) => write!(out, "\x1b]9;{}\x07", text.replace(['\x07', '\x1b'], ""))?,
            None => write!(out, "\x07")?,
        }
        out.flush()
    }

    /// Prints lines from the viewport's top row downwards, scrolling the
    /// screen as needed; the viewport moves below them.
    fn insert(&mut self, lines: &[Line<'static>]) -> io::Result<()> {
        let last_row = self.rows.saturating_sub(1);
        let out = self.terminal.backend_mut();
        queue!(out, MoveTo(0, self.top), Clear(ClearType::FromCursorDown))?;
        let mut row = self.top;
        for line in lines {
            write_line(out, line)?;
            queue!(out, Print("\r\n"))?;
            row = (row + 1).min(last_row);
        }
        self.top = row;
        Ok(())
    }

    /// Makes room for a viewport of `height` rows at `top` (scrolling the
    /// screen up when it would run off the bottom) and points ratatui at it.
    fn place(&mut self, height: u16) -> io::Result<()> {
        let overflow = (self.top + height).saturating_sub(self.rows);
        let out = self.terminal.backend_mut();
        if overflow > 0 {
            queue!(out, MoveTo(0, self.rows.saturating_sub(1)))?;
            for _ in 0..overflow {
                queue!(out, Print("\n"))?;
            }
            self.top = self.top.saturating_sub(overflow);
        }
        queue!(out, MoveTo(0, self.top), Clear(ClearType::FromCursorDown))?;
        out.flush()?;
        self.height = height;
        // A fresh terminal rather than `Terminal::resize`, which clears the
        // whole screen when the width shrinks; its first frame draws every
        // cell of the (cleared) area.
        let area = Rect::new(0, self.top, self.width, height);
        self.terminal = Terminal::with_options(
            CrosstermBackend::new(io::stdout()),
            TerminalOptions {
                viewport: Viewport::Fixed(area),
            },
        )?;
        Ok(())
    }

    /// Hands the terminal to another program (the editor): clears the
    /// viewport, leaves the cursor at its top and restores the terminal's
    /// modes. [`Screen::resume`] takes it back. Call only while no event
    /// reader holds stdin.
    pub(crate) fn suspend(&mut self) -> io::Result<()> {
        let out = self.terminal.backend_mut();
        queue!(out, MoveTo(0, self.top), Clear(ClearType::FromCursorDown))?;
        out.flush()?;
        restore(self.keyboard_enhanced)
    }

    /// Takes the terminal back after [`Screen::suspend`]: modes on again,
    /// the viewport anchored where the other program left the cursor.
    pub(crate) fn resume(&mut self) -> io::Result<()> {
        // As in `cursor_row`: consume the dropped reader's wake-up first.
        let _ = crossterm::event::poll(std::time::Duration::ZERO);
        *self = Self::enter()?;
        Ok(())
    }

    /// Clears the viewport, leaves the cursor where the shell prompt should
    /// appear, and restores the terminal's modes.
    pub(crate) fn leave(mut self) -> io::Result<()> {
        let out = self.terminal.backend_mut();
        queue!(out, MoveTo(0, self.top), Clear(ClearType::FromCursorDown))?;
        out.flush()?;
        restore(self.keyboard_enhanced)
    }
}

/// The cursor's row, asked of the terminal (`None` when it does not
/// answer within 2 s). Only call while no `EventStream` exists: the answer
/// arrives on stdin.
pub(crate) fn cursor_row() -> Option<u16> {
    // A dropped `EventStream` leaves a wake-up pending in the shared reader;
    // a zero poll consumes it so the query waits for its answer.
    let _ = crossterm::event::poll(std::time::Duration::ZERO);
    crossterm::cursor::position().ok().map(|(_, row)| row)
}

/// Puts the terminal back: modes off, cursor visible. Safe to call twice
/// (used by the panic hook and by the guard on early exits).
pub(crate) fn restore(keyboard_enhanced: bool) -> io::Result<()> {
    let mut stdout = io::stdout();
    if keyboard_enhanced {
        execute!(stdout, PopKeyboardEnhancementFlags)?;
    }
    execute!(
        stdout,
        DisableBracketedPaste,
        DisableFocusChange,
        EndSynchronizedUpdate,
        ResetColor,
        crossterm::cursor::Show
    )?;
    crossterm::terminal::disable_raw_mode()
}

/// Writes one line with its styles, then resets them.
fn write_line(out: &mut impl Write, line: &Line<'static>) -> io::Result<()> {
    for span in &line.spans {
        let style = line.style.patch(span.style);
        apply_style(out, style)?;
        queue!(out, Print(span.content.as_ref()))?;
        queue!(out, SetAttribute(Attribute::Reset), ResetColor)?;
    }
    Ok(())
}

fn apply_style(out: &mut impl Write, style: Style) -> io::Result<()> {
    if let Some(fg) = style.fg {
        queue!(out, SetForegroundColor(colour(fg)))?;
    }
    if let Some(bg) = style.bg {
        queue!(out, SetBackgroundColor(colour(bg)))?;
    }
    let modifiers = [
        (Modifier::BOLD, Attribute::Bold),
        (Modifier::DIM, Attribute::Dim),
        (Modifier::ITALIC, Attribute::Italic),
        (Modifier::UNDERLINED, Attribute::Underlined),
        (Modifier::REVERSED, Attribute::Reverse),
        (Modifier::CROSSED_OUT, Attribute::CrossedOut),
    ];
    for (modifier, attribute) in modifiers {
        if style.add_modifier.contains(modifier) {
            queue!(out, SetAttribute(attribute))?;
        }
    }
    Ok(())
}

fn colour(colour: Color) -> CtColor {
    match colour {
        Color::Reset => CtColor::Reset,
        Color::Black => CtColor::Black,
        Color::Red => CtColor::DarkRed,
        Color::Green => CtColor::DarkGreen,
        Color::Yellow => CtColor::DarkYellow,
        Color::Blue => CtColor::DarkBlue,
        Color::Magenta => CtColor::DarkMagenta,
        Color::Cyan => CtColor::DarkCyan,
        Color::Gray => CtColor::Grey,
        Color::DarkGray => CtColor::DarkGrey,
        Color::LightRed => CtColor::Red,
        Color::LightGreen => CtColor::Green,
        Color::LightYellow => CtColor::Yellow,
        Color::LightBlue => CtColor::Blue,
        Color::LightMagenta => CtColor::Magenta,
        Color::LightCyan => CtColor::Cyan,
        Color::White => CtColor::White,
        Color::Rgb(r, g, b) => CtColor::Rgb { r, g, b },
        Color::Indexed(index) => CtColor::AnsiValue(index),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::text::Span;

    #[test]
    fn lines_are_written_with_styles_and_reset() {
        let mut out = Vec::new();
        let line = Line::from(vec![
            Span::raw("a "),
            Span::styled("b", Style::new().fg(Color::Red)),
        ]);
        write_line(&mut out, &line).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("a "), "{text:?}");
        assert!(text.contains("\x1b[38;5;1mb"), "{text:?}");
        assert!(text.ends_with("\x1b[0m"), "{text:?}");
    }
}

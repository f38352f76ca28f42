//! Renders a session's events in the chosen headless format.
//!
//! `text`: the final answer on stdout, errors and notices on stderr.
//! `json`: one result object. `stream-json`: every record as it happens,
//! ending with the result. Records produced between turns (hooks of the
//! next prompt, SessionEnd hooks at shutdown) are held until the next turn
//! starts or ends, so a result is always the last line of its turn; what is
//! still held when the session closes goes to stderr as notices (the hook
//! runs themselves are in the transcript).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rudder_protocol::AgentEvent;
use rudder_protocol::event::TurnOutcome;
use rudder_protocol::headless::OutputRecord;

use super::output::Stdout;
use super::records::{self, RecordOptions};
use crate::args::OutputFormat;

/// Headless renderer of one session's events.
pub struct Printer {
    format: OutputFormat,
    options: RecordOptions,
    out: Stdout,
    session_id: String,
    unanswered_asks: Arc<AtomicUsize>,
    turn_started: Instant,
    in_turn: bool,
    result_written: bool,
    held: Vec<AgentEvent>,
}

impl Printer {
    /// A printer writing to `out`. `unanswered_asks` counts calls denied
    /// because nobody could be asked (they make the result an error).
    pub fn new(
        format: OutputFormat,
        options: RecordOptions,
        out: Stdout,
        session_id: String,
        unanswered_asks: Arc<AtomicUsize>,
    ) -> Self {
        Self {
            format,
            options,
            out,
            session_id,
            unanswered_asks,
            turn_started: Instant::now(),
            in_turn: false,
            result_written: false,
            held: Vec::new(),
        }
    }

    /// Whether a turn started and has not ended yet (a Stop hook's
    /// feedback message does not start a new one).
    pub fn in_turn(&self) -> bool {
        self.in_turn
    }

    /// Marks the start of a turn (for `duration_ms`).
    pub fn turn_started(&mut self) {
        self.flush_held();
        self.in_turn = true;
        self.turn_started = Instant::now();
        self.unanswered_asks.store(0, Ordering::SeqCst);
    }

    /// Renders one event.
    pub fn handle(&mut self, event: &AgentEvent) {
        if let AgentEvent::TurnEnded(outcome) = event {
            self.flush_held();
            self.in_turn = false;
            self.finish(outcome);
            return;
        }
        if self.format == OutputFormat::StreamJson && self.result_written && !self.in_turn {
            self.held.push(event.clone());
            return;
        }
        self.render(event);
    }

    /// Ends output: events still held (after the last result) become
    /// notices on stderr.
    pub fn close(&mut self) {
        for event in self.held.drain(..) {
            if let AgentEvent::Notice { message, .. } = event {
                eprintln!("rudder: {message}");
            }
        }
    }

    fn flush_held(&mut self) {
        for event in std::mem::take(&mut self.held) {
            self.render(&event);
        }
    }

    fn render(&mut self, event: &AgentEvent) {
        match self.format {
            OutputFormat::StreamJson => {
                for record in records::records_for(event, &self.session_id, self.options) {
                    self.out.record(&record);
                }
            }
            OutputFormat::Text | OutputFormat::Json => {
                if let AgentEvent::Notice { message, .. } = event {
                    eprintln!("rudder: {message}");
                }
            }
        }
    }

    fn finish(&mut self, outcome: &TurnOutcome) {
        let unanswered = self.unanswered_asks.load(Ordering::SeqCst);
        let duration_ms =
            u64::try_from(self.turn_started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let record = records::result_record(outcome, &self.session_id, duration_ms, unanswered);
        self.result_written = true;
        match self.format {
            OutputFormat::StreamJson | OutputFormat::Json => {
                self.out.record(&OutputRecord::Result(record))
            }
            OutputFormat::Text => {
                if record.is_error {
                    for error in &record.errors {
                        eprintln!("rudder: {error}");
                    }
                }
                if !outcome.result_text.is_empty() {
                    self.out.line(outcome.result_text.clone());
                }
            }
        }
    }
}

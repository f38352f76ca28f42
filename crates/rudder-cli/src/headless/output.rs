//! Writing headless output: one task owns stdout, everything else sends it
//! whole lines, so records never interleave (stream-json readers parse line
//! by line) and each line is flushed as soon as it is complete.

use std::io::Write;

use rudder_protocol::headless::OutputRecord;
use tokio::sync::mpsc;

/// A handle for sending lines to stdout. Cloning shares the writer.
#[derive(Debug, Clone)]
pub struct Stdout {
    lines: mpsc::UnboundedSender<String>,
}

impl Stdout {
    /// Starts the writer task; the returned handle finishes when every
    /// [`Stdout`] clone is dropped and all lines are written.
    pub fn start() -> (Self, tokio::task::JoinHandle<()>) {
        let (lines, mut receiver) = mpsc::unbounded_channel::<String>();
        let writer = tokio::task::spawn_blocking(move || {
            let stdout = std::io::stdout();
            while let Some(line) = receiver.blocking_recv() {
                let mut out = stdout.lock();
                // A closed stdout (the reader went away) ends output quietly.
                if out
                    .write_all(line.as_bytes())
                    .and_then(|()| out.flush())
                    .is_err()
                {
                    break;
                }
            }
        });
        (Self { lines }, writer)
    }

    /// Writes `text` followed by a newline.
    pub fn line(&self, text: impl Into<String>) {
        let mut text = text.into();
        text.push('\n');
        let _ = self.lines.send(text);
    }

    /// Writes `record` as one JSON line.
    pub fn record(&self, record: &OutputRecord) {
        match serde_json::to_string(record) {
            Ok(line) => self.line(line),
            Err(error) => eprintln!("rudder: could not serialize an output record: {error}"),
        }
    }
}

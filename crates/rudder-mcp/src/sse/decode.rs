//! A bounded Server-Sent Events decoder: bytes in, `(event, data)` pairs out.
//!
//! Contract: the WHATWG HTML "event stream" interpretation, which the MCP
//! 2024-11-05 HTTP+SSE transport builds on: lines end in CRLF, LF or CR (also
//! split across chunks); a leading UTF-8 BOM is dropped; a line starting with
//! `:` is a comment (keep-alive); `field: value` loses one space after the
//! colon; `data` lines of one event are joined with `\n`; a blank line
//! dispatches the event (type `message` when no `event` field came) unless it
//! has no data; `id` and `retry` are ignored (a legacy MCP session cannot be
//! resumed, so rudder never reconnects with `Last-Event-ID`); an unfinished
//! event at the end of the stream is dropped.
//!
//! Pure: no I/O, no async. Never panics on any input; memory is bounded by
//! the limit given to [`EventDecoder::new`].

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    /// The `event` field, or `message` when the event had none.
    pub event: String,
    /// The `data` lines joined with `\n` (no trailing newline).
    pub data: String,
}

/// The stream sent one event (or one line) larger than the decoder's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server sent an SSE event larger than {limit} bytes")]
pub(crate) struct EventTooLarge {
    /// The limit that was passed, in bytes.
    pub limit: usize,
}

/// Incremental decoder state; feed it chunks as they arrive.
#[derive(Debug)]
pub(crate) struct EventDecoder {
    /// Bytes of the current, unfinished line.
    line: Vec<u8>,
    /// `data` of the current event, each line followed by `\n`.
    data: String,
    /// `event` of the current event, empty when none was given.
    event: String,
    /// The previous chunk ended in CR: a leading LF belongs to that line end.
    skip_lf: bool,
    /// How many bytes of a leading BOM were seen; `BOM.len()` once the
    /// start of the stream is behind.
    bom_seen: usize,
    /// Largest line plus pending data, in bytes.
    limit: usize,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl EventDecoder {
    /// A decoder that refuses any event (its data plus its longest line)
    /// over `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self {
            line: Vec::new(),
            data: String::new(),
            event: String::new(),
            skip_lf: false,
            bom_seen: 0,
            limit,
        }
    }

    /// Decodes `chunk` and appends every event it completes to `out`.
    /// Errors: the current event grew past the limit; the decoder should
    /// then be dropped with its stream.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<SseEvent>) -> Result<(), EventTooLarge> {
        for &byte in chunk {
            if self.bom_seen < BOM.len() {
                if byte == BOM[self.bom_seen] {
                    self.bom_seen += 1;
                    continue;
                }
                // Not a BOM after all: the bytes taken for one are text.
                let taken = std::mem::replace(&mut self.bom_seen, BOM.len());
                for &earlier in &BOM[..taken] {
                    self.push(earlier, out)?;
                }
            }
            self.push(byte, out)?;
        }
        Ok(())
    }

    fn push(&mut self, byte: u8, out: &mut Vec<SseEvent>) -> Result<(), EventTooLarge> {
        if std::mem::take(&mut self.skip_lf) && byte == b'\n' {
            return Ok(());
        }
        match byte {
            b'\r' => {
                self.skip_lf = true;
                self.end_line(out);
            }
            b'\n' => self.end_line(out),
            _ => {
                self.line.push(byte);
                if self.line.len() + self.data.len() > self.limit {
                    return Err(EventTooLarge { limit: self.limit });
                }
            }
        }
        Ok(())
    }

    fn end_line(&mut self, out: &mut Vec<SseEvent>) {
        let line = std::mem::take(&mut self.line);
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line.first() == Some(&b':') {
            return;
        }
        let text = String::from_utf8_lossy(&line);
        let (field, value) = match text.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (text.as_ref(), ""),
        };
        match field {
            "event" => value.clone_into(&mut self.event),
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let event = std::mem::take(&mut self.event);
        let mut data = std::mem::take(&mut self.data);
        if data.is_empty() {
            return;
        }
        data.pop();
        out.push(SseEvent {
            event: if event.is_empty() {
                "message".to_owned()
            } else {
                event
            },
            data,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut decoder = EventDecoder::new(1 << 20);
        let mut out = Vec::new();
        for chunk in chunks {
            decoder.feed(chunk, &mut out).unwrap();
        }
        out
    }

    fn event(event: &str, data: &str) -> SseEvent {
        SseEvent {
            event: event.to_owned(),
            data: data.to_owned(),
        }
    }

    #[test]
    fn endpoint_then_messages() {
        let events = decode_in(&[
            b"event: endpoint\ndata: /message?sessionId=1\n\nevent: message\ndata: {\"a\":1}\n\n",
        ]);
        assert_eq!(
            events,
            [
                event("endpoint", "/message?sessionId=1"),
                event("message", "{\"a\":1}")
            ]
        );
    }

    #[test]
    fn comments_are_keep_alives_and_dispatch_nothing() {
        let events = decode_in(&[b": ping\n\n:\n\ndata: x\n\n"]);
        assert_eq!(events, [event("message", "x")]);
    }

    #[test]
    fn data_lines_join_with_newlines_and_one_space_is_dropped() {
        let events = decode_in(&[b"data: {\ndata:  \"a\": 1\ndata:}\n\n"]);
        assert_eq!(events, [event("message", "{\n \"a\": 1\n}")]);
    }

    #[test]
    fn every_line_ending_counts_even_split_across_chunks() {
        let events = decode_in(&[
            b"event: endpoint\r",
            b"\ndata: /a\r",
            b"\r",
            b"data: b\r\n\r\n",
        ]);
        assert_eq!(events, [event("endpoint", "/a"), event("message", "b")]);
    }

    #[test]
    fn byte_by_byte_equals_whole() {
        let stream =
            b"\xEF\xBB\xBFevent: endpoint\r\ndata: /m\r\n\r\n: keep\n\ndata: \xC3\xA9t\xC3\xA9\n\n";
        let whole = decode_in(&[stream]);
        let pieces: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(decode_in(&pieces), whole);
        assert_eq!(whole, [event("endpoint", "/m"), event("message", "été")]);
    }

    #[test]
    fn ids_retries_unknown_fields_and_empty_events_are_ignored() {
        let events = decode_in(&[b"id: 7\nretry: 10\nfoo: bar\n\nevent: x\n\ndata\n\n"]);
        // `event: x` without data dispatches nothing and does not leak into
        // the next event; a bare `data` line is an empty data line.
        assert_eq!(events, [event("message", "")]);
    }

    #[test]
    fn an_unfinished_event_at_the_end_is_dropped() {
        assert!(decode_in(&[b"data: half"]).is_empty());
        assert!(decode_in(&[b"data: half\n"]).is_empty());
    }

    #[test]
    fn an_event_over_the_limit_is_refused() {
        let mut decoder = EventDecoder::new(16);
        let mut out = Vec::new();
        assert_eq!(
            decoder.feed(b"data: 0123456789\ndata: 0123456789\n", &mut out),
            Err(EventTooLarge { limit: 16 })
        );
        let mut decoder = EventDecoder::new(16);
        assert!(decoder.feed(&[b'x'; 17], &mut out).is_err());
        assert!(out.is_empty());
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let events = decode_in(&[b"data: \xFF\xFE\n\n"]);
        assert_eq!(events, [event("message", "\u{FFFD}\u{FFFD}")]);
    }
}

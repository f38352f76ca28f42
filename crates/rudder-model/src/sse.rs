//! An incremental decoder for server-sent events (SSE).
//!
//! Contract: the WHATWG HTML standard, "Server-sent events", §9.2.6
//! "Interpreting an event stream"
//! (<https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation>).
//! Bytes arrive in chunks cut anywhere (inside a line, inside a UTF-8
//! character, between `\r` and `\n`); [`SseDecoder::feed`] returns every
//! frame completed so far and keeps the rest. Lines end with `\n`, `\r\n` or
//! `\r`; lines starting with `:` are comments; several `data:` lines join
//! with `\n`; a blank line dispatches the frame.
//!
//! This module owns framing only. It never interprets `data` (that is the
//! wire clients' job), never does I/O, and never drops a complete frame.
//! It holds at most one unfinished frame, whose size
//! [`SseDecoder::pending_bytes`] reports so that the caller can give up on
//! a stream past [`MAX_FRAME_BYTES`].

/// One dispatched SSE frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseFrame {
    /// The `event:` field, when the frame had one (Anthropic sends it on
    /// every frame; OpenAI never does).
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`, without the trailing newline.
    pub data: String,
}

/// Why a stream did not end on a frame boundary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    /// The bytes ended inside a frame: a line without its line ending, or
    /// fields without the blank line that dispatches them. `bytes` counts the
    /// bytes of that unfinished frame.
    #[error("the stream ended inside an SSE frame ({bytes} bytes of an unfinished frame)")]
    TornFrame {
        /// Size of the unfinished frame in bytes.
        bytes: usize,
    },
}

/// Largest unfinished frame a client should hold, in bytes (16 MiB): far
/// above any Messages API event, which come a few KiB at a time.
pub const MAX_FRAME_BYTES: usize = 16 * 1024 * 1024;

/// The UTF-8 byte order mark, which the standard strips from the stream start.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Incremental SSE decoder: feed it chunks, get complete frames.
#[derive(Debug, Default)]
pub struct SseDecoder {
    /// Bytes not yet split into lines.
    buf: Vec<u8>,
    /// Where the search for the next line ending resumes in `buf`.
    scan_from: usize,
    /// Whether the optional byte order mark at the stream start was handled.
    bom_checked: bool,
    /// The last chunk ended in `\r`: a `\n` starting the next one belongs to it.
    skip_lf: bool,
    /// Fields of the frame being read.
    frame: PendingFrame,
}

/// Line-level state: the fields seen since the last dispatched frame, and
/// the comment lines seen since they were last counted.
#[derive(Debug, Default)]
struct PendingFrame {
    event: Option<String>,
    data: Option<String>,
    /// Bytes of the complete lines (endings included) read into this frame.
    bytes: usize,
    /// Comment lines read since [`SseDecoder::take_comments`] last asked.
    comments: usize,
}

impl PendingFrame {
    /// Applies one complete line (without its ending); returns a frame when
    /// the line is blank and the frame had data.
    fn line(&mut self, raw: &[u8], ending: usize) -> Option<SseFrame> {
        if raw.is_empty() {
            let event = self.event.take();
            let data = self.data.take();
            self.bytes = 0;
            return data.map(|data| SseFrame { event, data });
        }
        self.bytes += raw.len() + ending;
        let line = String::from_utf8_lossy(raw);
        if line.starts_with(':') {
            self.comments += 1;
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        match field {
            "event" => self.event = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            // `id`, `retry` and unknown fields carry nothing the clients use.
            _ => {}
        }
        None
    }

    /// Whether the frame has an `event` or `data` field (comments alone do
    /// not make a frame).
    fn has_fields(&self) -> bool {
        self.event.is_some() || self.data.is_some()
    }
}

impl SseDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the next chunk of the body and returns the frames it completed,
    /// in order (possibly none). Never fails: invalid UTF-8 is replaced with
    /// U+FFFD, as the standard requires.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseFrame> {
        self.buf.extend_from_slice(bytes);
        if !self.bom_checked {
            if self.buf.len() < BOM.len() && BOM.starts_with(&self.buf) {
                return Vec::new();
            }
            if self.buf.starts_with(BOM) {
                self.buf.drain(..BOM.len());
            }
            self.bom_checked = true;
        }
        let mut start = 0;
        if self.skip_lf && !self.buf.is_empty() {
            if self.buf[0] == b'\n' {
                start = 1;
            }
            self.skip_lf = false;
        }
        let mut frames = Vec::new();
        let mut search = self.scan_from.max(start);
        while let Some(offset) = self.buf[search..]
            .iter()
            .position(|byte| *byte == b'\n' || *byte == b'\r')
        {
            let end = search + offset;
            let ending = match (self.buf[end], self.buf.get(end + 1)) {
                (b'\r', Some(b'\n')) => 2,
                (b'\r', None) => {
                    // The `\n` of a `\r\n` may come with the next chunk.
                    self.skip_lf = true;
                    1
                }
                _ => 1,
            };
            frames.extend(self.frame.line(&self.buf[start..end], ending));
            start = end + ending;
            search = start;
        }
        self.buf.drain(..start);
        self.scan_from = self.buf.len();
        frames
    }

    /// Bytes of the frame not yet dispatched: its complete lines plus the
    /// line being read. Grows without bound on a stream that never sends a
    /// line ending or a blank line; compare with [`MAX_FRAME_BYTES`].
    pub fn pending_bytes(&self) -> usize {
        self.frame.bytes + self.buf.len()
    }

    /// How many comment lines (`: …`, typically keep-alives such as
    /// OpenRouter's `: OPENROUTER PROCESSING`) were read since the last call.
    pub fn take_comments(&mut self) -> usize {
        std::mem::take(&mut self.frame.comments)
    }

    /// Ends the stream. Returns [`SseError::TornFrame`] when the bytes ended
    /// inside a frame (a partial line, or fields with no blank line after
    /// them); that frame is discarded, as the standard requires. Trailing
    /// comment lines are not a torn frame.
    pub fn finish(self) -> Result<(), SseError> {
        if !self.buf.is_empty() || self.frame.has_fields() {
            return Err(SseError::TornFrame {
                bytes: self.frame.bytes + self.buf.len(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(event: Option<&str>, data: &str) -> SseFrame {
        SseFrame {
            event: event.map(str::to_owned),
            data: data.to_owned(),
        }
    }

    fn decode_all(chunks: &[&[u8]]) -> (Vec<SseFrame>, Result<(), SseError>) {
        let mut decoder = SseDecoder::new();
        let mut frames = Vec::new();
        for chunk in chunks {
            frames.extend(decoder.feed(chunk));
        }
        (frames, decoder.finish())
    }

    const STREAM: &str = concat!(
        "event: message_start\r\n",
        "data: {\"type\":\"message_start\"}\r\n",
        "\r\n",
        ": a comment\n",
        "event: content_block_delta\n",
        "data: {\"text\":\"h\u{e9}llo \u{1F642} \u{4E2D}\"}\n",
        "\n",
        "data: line one\rdata: line two\r\r",
        "event: ping\n",
        "data:\n",
        "\n",
    );

    fn expected() -> Vec<SseFrame> {
        vec![
            frame(Some("message_start"), "{\"type\":\"message_start\"}"),
            frame(
                Some("content_block_delta"),
                "{\"text\":\"h\u{e9}llo \u{1F642} \u{4E2D}\"}",
            ),
            frame(None, "line one\nline two"),
            frame(Some("ping"), ""),
        ]
    }

    #[test]
    fn decodes_every_line_ending_comments_and_multiline_data() {
        let (frames, end) = decode_all(&[STREAM.as_bytes()]);
        assert_eq!(frames, expected());
        assert_eq!(end, Ok(()));
    }

    #[test]
    fn any_two_piece_split_gives_the_same_frames() {
        let bytes = STREAM.as_bytes();
        for cut in 0..=bytes.len() {
            let (frames, end) = decode_all(&[&bytes[..cut], &bytes[cut..]]);
            assert_eq!(frames, expected(), "split at byte {cut}");
            assert_eq!(end, Ok(()), "split at byte {cut}");
        }
    }

    #[test]
    fn one_byte_at_a_time_gives_the_same_frames() {
        let chunks: Vec<&[u8]> = STREAM.as_bytes().chunks(1).collect();
        let (frames, end) = decode_all(&chunks);
        assert_eq!(frames, expected());
        assert_eq!(end, Ok(()));
    }

    #[test]
    fn three_piece_splits_give_the_same_frames() {
        let bytes = STREAM.as_bytes();
        for first in (0..bytes.len()).step_by(3) {
            for second in (first..=bytes.len()).step_by(7) {
                let (frames, _) =
                    decode_all(&[&bytes[..first], &bytes[first..second], &bytes[second..]]);
                assert_eq!(frames, expected(), "split at {first} and {second}");
            }
        }
    }

    #[test]
    fn a_leading_byte_order_mark_is_dropped_even_when_split() {
        let (frames, end) = decode_all(&[b"\xEF", b"\xBB", b"\xBFdata: x\n\n"]);
        assert_eq!(frames, vec![frame(None, "x")]);
        assert_eq!(end, Ok(()));
    }

    #[test]
    fn field_without_colon_and_value_without_space() {
        let (frames, _) = decode_all(&[b"event:e\ndata\nid: 7\nretry: 10\nfoo: bar\n\n"]);
        assert_eq!(frames, vec![frame(Some("e"), "")]);
    }

    #[test]
    fn an_event_line_alone_is_not_dispatched() {
        let (frames, end) = decode_all(&[b"event: ping\n\n"]);
        assert!(frames.is_empty());
        assert_eq!(end, Ok(()));
    }

    #[test]
    fn a_partial_last_line_is_a_torn_frame() {
        let (frames, end) = decode_all(&[b"data: a\n\ndata: {\"type\":"]);
        assert_eq!(frames, vec![frame(None, "a")]);
        assert_eq!(end, Err(SseError::TornFrame { bytes: 14 }));
    }

    #[test]
    fn fields_without_the_blank_line_are_a_torn_frame() {
        let (frames, end) = decode_all(&[b"event: x\ndata: y\n"]);
        assert!(frames.is_empty());
        assert_eq!(end, Err(SseError::TornFrame { bytes: 17 }));
        let (_, end) = decode_all(&[b"data: y\r"]);
        assert_eq!(end, Err(SseError::TornFrame { bytes: 8 }));
    }

    #[test]
    fn trailing_comments_and_a_final_cr_are_clean_ends() {
        assert_eq!(decode_all(&[b"data: a\n\n: keep-alive\n"]).1, Ok(()));
        assert_eq!(decode_all(&[b"data: a\r\r"]).1, Ok(()));
        assert_eq!(decode_all(&[b""]).1, Ok(()));
    }

    #[test]
    fn comments_are_counted_for_keep_alive() {
        let mut decoder = SseDecoder::new();
        assert!(decoder.feed(b": PROCESSING\n\n: again\n:").is_empty());
        assert_eq!(decoder.take_comments(), 2);
        assert_eq!(decoder.take_comments(), 0);
        assert_eq!(decoder.feed(b"x\ndata: 1\n\n"), vec![frame(None, "1")]);
        assert_eq!(decoder.take_comments(), 1);
    }

    #[test]
    fn pending_bytes_count_the_unfinished_frame_only() {
        let mut decoder = SseDecoder::new();
        decoder.feed(b"data: done\n\nevent: e\ndata: 12");
        assert_eq!(
            decoder.pending_bytes(),
            "event: e\n".len() + "data: 12".len()
        );
        decoder.feed(b"3\n\n");
        assert_eq!(decoder.pending_bytes(), 0);
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let (frames, _) = decode_all(&[b"data: a\xFFb\n\n"]);
        assert_eq!(frames, vec![frame(None, "a\u{FFFD}b")]);
    }
}

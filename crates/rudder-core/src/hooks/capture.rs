//! Reading a hook's stdout or stderr with a byte cap.
//!
//! A hook may print more than anyone should hold in memory; past the cap
//! the pipe is still drained (so the hook never blocks on a full pipe) but
//! the bytes are dropped and the capture is marked truncated. Reading is
//! cancel-safe: bytes read before the future is dropped stay in the buffer,
//! so a hook killed on timeout still shows what it printed.

use tokio::io::{AsyncRead, AsyncReadExt};

/// Most bytes kept per stream (1 MiB): room for a JSON answer carrying a
/// rewritten file, small enough to bound a session's memory.
pub const OUTPUT_CAP_BYTES: usize = 1 << 20;

/// What was read from one stream.
#[derive(Debug, Default)]
pub(super) struct Captured {
    /// The first [`OUTPUT_CAP_BYTES`] bytes (or fewer).
    pub bytes: Vec<u8>,
    /// True when more was printed than kept.
    pub truncated: bool,
}

impl Captured {
    /// The bytes as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// Reads `reader` to its end (or an error) into `into`, keeping at most
/// `cap` bytes.
pub(super) async fn read_capped<R: AsyncRead + Unpin>(
    reader: &mut R,
    into: &mut Captured,
    cap: usize,
) {
    let mut chunk = [0_u8; 8192];
    loop {
        match reader.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(read) => {
                let room = cap.saturating_sub(into.bytes.len());
                if read > room {
                    into.truncated = true;
                }
                into.bytes.extend_from_slice(&chunk[..read.min(room)]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keeps_the_cap_and_drains_the_rest() {
        let data = vec![b'x'; 20_000];
        let mut reader = data.as_slice();
        let mut captured = Captured::default();
        read_capped(&mut reader, &mut captured, 10_000).await;
        assert_eq!(captured.bytes.len(), 10_000);
        assert!(captured.truncated);
        assert!(reader.is_empty(), "the rest was drained");
    }

    #[tokio::test]
    async fn short_output_is_whole() {
        let mut reader: &[u8] = b"ok\n";
        let mut captured = Captured::default();
        read_capped(&mut reader, &mut captured, 10).await;
        assert_eq!(captured.text(), "ok\n");
        assert!(!captured.truncated);
    }
}

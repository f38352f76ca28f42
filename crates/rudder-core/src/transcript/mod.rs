//! The session transcript: Claude Code-shaped JSONL records, written
//! append-only and read back for resume.

pub mod record;
pub mod store;

pub use record::{
    CompactMethod, CompactRecord, ContextRecord, ContextStamp, FrameRecord, MemoryStamp,
    ModelCallRecord, Record, RecordMeta, RewindRecord,
};
pub use store::{LoadedTranscript, TranscriptError, TranscriptWriter, read_transcript};

//! File-system plumbing shared by the file tools: path resolution, the
//! error type, atomic replacement, text shape (line endings, BOM, final
//! newline) and the checked write path of every writer.
//!
//! Nothing here knows about tools, JSON or the model; it takes paths and
//! bytes and returns [`FileError`]s whose messages the tools pass on.

mod atomic;
mod change;
mod error;
mod path;
mod text;

pub use atomic::write_atomic;
pub use change::{Existing, MAX_EDIT_BYTES, PendingChange};
pub use error::FileError;
pub use path::{
    regular_file, require_absolute, resolve_existing_dir, resolve_existing_file, resolve_for_write,
};
pub use text::{LineEnding, TextShape, decode_text, line_count, to_crlf};

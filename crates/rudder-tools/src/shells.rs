//! Background shells of a session.

/// Background shells (to be built by the Bash work).
#[derive(Debug, Default)]
pub struct ShellRegistry {}

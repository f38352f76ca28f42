//! Server processes: starting them in their own process group under
//! resource limits (`spawn`), reading `/proc` ([`procfs`]) and ending
//! whole groups (`kill`).
//!
//! Linux-first: process groups, `/proc` and rlimits are POSIX/Linux facts.
//! Nothing here decides *when* to start or stop; the supervisor does.

pub(crate) mod kill;
pub mod procfs;
pub(crate) mod spawn;

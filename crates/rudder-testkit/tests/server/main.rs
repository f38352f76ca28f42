//! Behaviour of the scripted server through HTTP, as clients see it.

// Test helpers outside #[test] fns may unwrap too (clippy.toml only covers test fns).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod anthropic;
mod binary;
mod common;
mod faults;
mod openai;
mod routes;

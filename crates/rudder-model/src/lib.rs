//! Model provider clients for rudder.
//!
//! [`client::ModelClient`] is the seam: one request in, Anthropic stream
//! events out.

pub mod client;

pub use client::{EventStream, ModelClient, ModelError};

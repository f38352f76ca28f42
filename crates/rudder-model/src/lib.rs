//! Model provider clients for rudder.
//!
//! [`client::ModelClient`] is the seam: one request in, Anthropic stream
//! events out. The wire clients ([`anthropic`], [`openai`]) speak one
//! provider each; [`call`] is provider-independent and adds what every
//! request needs: retries with backoff ([`retry`]), the stall watchdog, and
//! assembling the streamed events into one message ([`assemble`]).
//! [`proxy`] says which proxy every HTTP client uses.
//! [`pricing`] turns usage into dollars; [`refresh`] keeps a helper's
//! expiring key fresh.

pub mod anthropic;
pub mod assemble;
pub mod call;
pub mod client;
mod http;
pub mod openai;
pub mod pricing;
pub mod proxy;
pub mod refresh;
pub mod retry;
pub mod sse;

pub use client::{EventStream, ModelClient, ModelError};

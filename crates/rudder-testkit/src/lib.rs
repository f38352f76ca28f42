//! rudder-testkit: the scripted model server every rudder test and benchmark
//! talks to, instead of the internet or a real model.
//!
//! [`MockServer`] plays a [`Scenario`] — scripted turns of text, tool calls
//! and thinking, optionally chosen by a substring of the last user message,
//! optionally preceded by injected [`Fault`]s — over the real wire formats:
//! Anthropic Messages (SSE and JSON) and OpenAI Chat Completions (chunk
//! stream and JSON). It records every request ([`RecordedRequest`]) and
//! reports usage the way the APIs do, with prompt-cache reads and writes
//! computed from byte-identical prefixes, so tests can check rudder's
//! cache-exactness.
//!
//! ```no_run
//! use rudder_testkit::{MockServer, Scenario, ScriptedTurn};
//!
//! let server = MockServer::spawn(Scenario::new(vec![ScriptedTurn::text("Hello!")]))?;
//! // point the client under test at server.base_url() …
//! assert_eq!(server.requests().len(), 0);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Scenario files
//!
//! JSON or YAML ([`Scenario::from_file`]); unknown fields are errors.
//!
//! ```yaml
//! response_model: claude-sonnet-4-5         # optional; default: echo the request's model
//! turns:
//!   - content:                               # no `when`: answers any request
//!       - {type: thinking, thinking: "Look first.", signature: "c2ln"}
//!       - {type: text, text: "Running the tests."}
//!       - {type: tool_use, name: Bash, input: {command: "cargo test"}}
//!   - when: "test result: FAILED"            # substring of the last user text
//!     fault: {kind: status, status: 529, retry_after_secs: 1}
//!     fault_times: 2                         # two 529s, then this turn's response
//!     content:
//!       - {type: tool_use, name: Edit, raw_input: "{\"file_path\": "}  # malformed on purpose
//!     stop_reason: tool_use                  # default: tool_use if a tool is called, else end_turn
//!     output_tokens: 40                      # default: content bytes / 4
//!     delay_ms: 500                          # optional: body starts after this pause (a slow model)
//! ```
//!
//! Fault kinds: `status` (`status`, `retry_after_secs`, `error_type`,
//! `message`), `cut_mid_stream` (`after_events`), `stall` (`after_events`,
//! `ms`), `malformed_event` (`after_events`), `stream_error` (`error_type`,
//! `message`); see [`Fault`].
//!
//! This crate is a dev-dependency only: it must never be linked into the
//! shipped binary (a layering test enforces it).

mod answer;
mod anthropic_sse;
mod faults;
mod ids;
mod openai_sse;
mod record;
mod render;
mod reply;
mod scenario;
mod server;
mod turns;
mod usage;
mod wire;

pub use record::{Api, RecordedRequest};
pub use scenario::{Fault, Scenario, ScenarioError, ScriptedBlock, ScriptedTurn};
pub use server::{MockServer, ServerOptions};

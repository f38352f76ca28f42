//! Hooks: definitions from settings, which ones match, the JSON a hook
//! reads on stdin, and what its exit code and output mean.
//!
//! The agent's runner owns the processes (own process group, killed on
//! timeout, `CLAUDE_PROJECT_DIR` set from [`hook_environment`]); this module
//! gives it typed definitions ([`hooks_from_settings`], [`matching_hooks`]),
//! the stdin document ([`hook_input_json`]) and the meaning of what came
//! back ([`interpret`] → [`HookOutcome`]). Nothing here spawns anything.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §5 (Claude Code hooks, 2025 baseline
//! with 2.1 differences noted where a choice was made).

mod config;
mod event;
mod input;
mod interpret;
mod matcher;
mod outcome;

pub(crate) use config::HookGroupSpec;
pub use config::{
    DEFAULT_HOOK_TIMEOUT, HookCommand, HookGroup, HookSet, hooks_from_settings, matching_hooks,
};
pub use event::HookEvent;
pub use input::{
    CompactTrigger, HookCommon, HookInput, SessionEndReason, SessionStartSource, hook_environment,
    hook_input_json,
};
pub use interpret::interpret;
pub use matcher::HookMatcher;
pub use outcome::{Audience, HookDecision, HookOutcome};

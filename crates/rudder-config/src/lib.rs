//! rudder-config: Claude Code users' configuration files, read as they are.
//!
//! This crate parses and discovers; it never runs a hook, a command, a
//! status line or a server. The agent (`rudder-core`) runs them from the
//! typed definitions here, through `rudder-policy`. File reads happen at
//! the edges (`load_*`/`discover_*` functions taking a [`ConfigPaths`]);
//! everything else is pure.
//!
//! Start-up order for the agent and the CLI:
//! 1. [`ConfigPaths::from_env`] (cwd + `HOME`, `CLAUDE_CONFIG_DIR`,
//!    `RUDDER_HOME`); [`SourceSet::parse`] for `--setting-sources`;
//!    [`settings::CliSettings::from_arg`] for `--settings`.
//! 2. [`settings::load_settings`] with the folder's trust answer from
//!    `rudder-policy`; print the warnings and [`settings::withheld_notice`];
//!    give [`settings::LoadedSettings::rules`] to the policy;
//!    `rudder config` prints [`settings::render_provenance`].
//! 3. [`env::effective_lookup`] (merged settings `env` over the process
//!    environment) → [`env::env_overrides`]; [`env::resolve_model`].
//! 4. [`memory::load_memory`] → [`memory::retain_unseen`] →
//!    [`memory::render_memory`] into the first user message; later
//!    [`memory::memory_for_subdir`] when the model first touches a folder.
//! 5. With the same trust answer: [`commands::discover_commands`] (run
//!    with [`commands::expand_command`]), [`agents::discover_agents`],
//!    [`skills::discover_skills`] ([`skills::skill_listing`] frozen into the
//!    transcript, [`skills::load_skill`] on invocation); then
//!    [`output_styles::discover_output_styles`]. Their `withheld` lists join
//!    the settings' in one [`settings::withheld_notice`].
//! 6. [`hooks::hooks_from_settings`]; per event, [`hooks::matching_hooks`]
//!    → run each command with [`hooks::hook_input_json`] on stdin and
//!    [`hooks::hook_environment`] → [`hooks::interpret`].
//!
//! Contract: `../shared/CLAUDE-CODE-INTERFACE.md` §3.2–§9, §12.

pub mod agents;
pub mod commands;
pub mod discover;
pub mod env;
pub mod error;
pub mod expand;
mod frontmatter;
pub mod hooks;
mod markdown;
pub mod memory;
pub mod output_styles;
pub mod paths;
pub mod settings;
pub mod skills;
pub mod status_line;

pub use error::{ConfigError, Position};
pub use paths::{ConfigPaths, SourceSet};

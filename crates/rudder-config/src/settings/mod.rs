//! Settings layers: Claude Code's `settings.json` files (and rudder's
//! `.rudder/` ones) read as they are, checked key by key, gated on
//! workspace trust, merged with provenance.
//!
//! Start with [`load_settings`]; print `rudder config` with
//! [`render_provenance`] and the trust notice with [`withheld_notice`].
//! Contract: CLAUDE-CODE-INTERFACE.md §4 (files, precedence, keys), §3.2
//! (rule anchoring), §12 and issue 4 item 5 (trust). This module never runs
//! anything a setting names.

mod load;
mod merge;
mod parse;
mod schema;
mod trust;
mod types;

pub use load::{CliSettings, SettingsRequest, load_settings};
pub use merge::render_provenance;
pub use trust::{WITHHELD_UNTIL_TRUSTED, withheld_notice};
pub use types::{
    Attribution, LoadedSettings, ModelPrice, PermissionRuleEntry, PermissionSettings,
    ProvenanceEntry, ProviderKind, ProviderModel, ProviderSettings, SandboxNetwork,
    SandboxSettings, Settings, SettingsLayer, SettingsOrigin, SettingsScope, SourcedDirectory,
    StatusLineSetting, WithheldKey,
};

//! Settings layers: Claude Code's `settings.json` files (and rudder's
//! `.rudder/` ones) read as they are, checked key by key, gated on
//! workspace trust, merged with provenance.
//!
//! Start with [`load_settings`]; print `rudder config` with
//! [`render_provenance`] and the trust notice with [`withheld_notice`];
//! save an approved "always allow" with [`save_permission_update`], and the
//! project MCP server dialog's answers with [`save_project_mcp_choice`].
//! Contract: CLAUDE-CODE-INTERFACE.md §4 (files, precedence, keys), §3.2
//! (rule anchoring), §12 and issue 4 item 5 (trust). This module never runs
//! anything a setting names, and writes nothing but the file a saved
//! permission update names and the project's `settings.local.json` (MCP
//! server choices).

mod load;
mod mcp_choices;
mod merge;
mod parse;
mod schema;
mod trust;
mod types;
mod write;

pub use load::{CliSettings, SettingsRequest, load_settings};
pub use mcp_choices::{
    PROJECT_MCP_KEYS, ProjectMcpChoice, project_mcp_choices_file, reset_project_mcp_choices,
    save_project_mcp_choice,
};
pub use merge::render_provenance;
pub use trust::{WITHHELD_UNTIL_TRUSTED, withheld_notice};
pub use types::{
    Attribution, LoadedSettings, ModelPrice, PermissionRuleEntry, PermissionSettings,
    ProvenanceEntry, ProviderKind, ProviderModel, ProviderSettings, SandboxNetwork,
    SandboxSettings, Settings, SettingsLayer, SettingsOrigin, SettingsScope, SourcedDirectory,
    StatusLineSetting, WithheldKey,
};
pub use write::{
    SaveError, destination_file, destination_name, origin_destination, save_permission_update,
};

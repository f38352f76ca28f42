//! The shape of each settings key rudder knows, for checking one file at a
//! time. A key whose value has the wrong shape is reported with its
//! position and dropped; the file's other keys still load. Keys not listed
//! here are kept unchecked (Claude Code adds keys often; unknown keys must
//! not warn).
//!
//! The types checked are the ones the typed view ([`super::Settings`]) and
//! the hooks parser read, so a file that passes here deserializes there.

use serde::de::DeserializeOwned;

use super::types::{Attribution, EnvValue, ProviderSettings, SandboxNetwork, StatusLineSetting};
use crate::hooks::HookGroupSpec;
use rudder_protocol::PermissionMode;

/// How a key's value is checked.
pub(crate) enum Check {
    /// The value must deserialize as the type this function tries.
    Value(fn(&str) -> Result<(), serde_json::Error>),
    /// An object whose listed members are checked one by one (others kept).
    Fields(&'static [(&'static str, Check)]),
    /// An object whose every member is checked by this function.
    Members(fn(&str) -> Result<(), serde_json::Error>),
}

/// Tries to read JSON `text` as a `T`.
fn check<T: DeserializeOwned>(text: &str) -> Result<(), serde_json::Error> {
    serde_json::from_str::<T>(text).map(|_| ())
}

const STRINGS: Check = Check::Value(check::<Vec<String>>);
const STRING: Check = Check::Value(check::<String>);
const BOOL: Check = Check::Value(check::<bool>);

/// `permissions`.
const PERMISSIONS: &[(&str, Check)] = &[
    ("allow", STRINGS),
    ("ask", STRINGS),
    ("deny", STRINGS),
    ("additionalDirectories", STRINGS),
    ("defaultMode", Check::Value(check::<PermissionMode>)),
    ("disableBypassPermissionsMode", STRING),
];

/// `sandbox`.
const SANDBOX: &[(&str, Check)] = &[
    ("enabled", BOOL),
    ("autoAllowBashIfSandboxed", BOOL),
    ("excludedCommands", STRINGS),
    ("allowUnsandboxedCommands", BOOL),
    ("network", Check::Value(check::<SandboxNetwork>)),
    ("enableWeakerNestedSandbox", BOOL),
];

/// Top-level keys (CLAUDE-CODE-INTERFACE.md §4.2 and rudder's `providers`).
pub(crate) const TOP_LEVEL: &[(&str, Check)] = &[
    ("permissions", Check::Fields(PERMISSIONS)),
    ("hooks", Check::Members(check::<Vec<HookGroupSpec>>)),
    ("disableAllHooks", BOOL),
    ("env", Check::Members(check::<EnvValue>)),
    ("model", STRING),
    ("apiKeyHelper", STRING),
    ("otelHeadersHelper", STRING),
    ("awsAuthRefresh", STRING),
    ("awsCredentialExport", STRING),
    ("statusLine", Check::Value(check::<StatusLineSetting>)),
    ("outputStyle", STRING),
    ("cleanupPeriodDays", Check::Value(check::<u32>)),
    ("includeCoAuthoredBy", BOOL),
    ("attribution", Check::Value(check::<Attribution>)),
    ("enableAllProjectMcpServers", BOOL),
    ("enabledMcpjsonServers", STRINGS),
    ("disabledMcpjsonServers", STRINGS),
    ("sandbox", Check::Fields(SANDBOX)),
    ("autoCompactEnabled", BOOL),
    ("fallbackModel", STRING),
    ("providers", Check::Members(check::<ProviderSettings>)),
];

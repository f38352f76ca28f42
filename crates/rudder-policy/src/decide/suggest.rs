//! The updates an ask offers for "always allow" (Agent SDK
//! `permission_suggestions`, CLAUDE-CODE-INTERFACE.md §10.3). Observed
//! for `touch f`: an `addRules` Bash rule for the local settings file, an
//! `addDirectories` for the session, `setMode acceptEdits` for the session.
//! Pure.

use rudder_protocol::permission::{
    PermissionMode, PermissionUpdate, RuleBehavior, RuleValue, UpdateDestination,
};

use crate::path::ResolvedPath;

/// At most this many Bash rules per suggestion ("don't ask again" on a
/// compound command saves one rule per subcommand, up to five).
pub(super) const MAX_BASH_RULES: usize = 5;

/// `addRules` allow rules for the local settings file.
pub(super) fn allow_rules(tool: &str, contents: Vec<Option<String>>) -> PermissionUpdate {
    PermissionUpdate::AddRules {
        rules: contents
            .into_iter()
            .map(|rule_content| RuleValue {
                tool_name: tool.to_string(),
                rule_content,
            })
            .collect(),
        behavior: RuleBehavior::Allow,
        destination: UpdateDestination::LocalSettings,
    }
}

/// `addDirectories` (session) for the directory holding `path`.
pub(super) fn add_directory(path: &ResolvedPath) -> PermissionUpdate {
    let dir = if path.is_dir {
        path.canonical.clone()
    } else {
        path.canonical
            .parent()
            .map(|p| p.to_path_buf())
            .unwrap_or_else(|| path.canonical.clone())
    };
    PermissionUpdate::AddDirectories {
        directories: vec![dir.display().to_string()],
        destination: UpdateDestination::Session,
    }
}

/// `setMode acceptEdits` for the session.
pub(super) fn accept_edits() -> PermissionUpdate {
    PermissionUpdate::SetMode {
        mode: PermissionMode::AcceptEdits,
        destination: UpdateDestination::Session,
    }
}

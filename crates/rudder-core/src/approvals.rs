//! Remembering approvals: "always allow" answers become settings rules.
//!
//! When an approver (the Agent SDK's `can_use_tool`, the TUI's "always
//! allow", a permission-prompt tool) allows a call with
//! `updatedPermissions`, the session applies each update to its gate at
//! once and hands those with a file destination (`localSettings`,
//! `projectSettings`, `userSettings`) to a [`PermissionStore`], which saves
//! them with `rudder_config::settings::save_permission_update` — merged,
//! under a lock, by atomic rename. A later or resumed session loads them
//! like any other rule (USER-PAINS.md §7 "fewer, remembered approvals";
//! CLAUDE-CODE-INTERFACE.md §3.2).
//!
//! A rule saved in a project or local file of an untrusted folder is
//! written, but like every allow rule of such a file it applies in later
//! sessions only once the folder is trusted; [`SavedUpdate::notice`] says
//! so. This module never decides a call; it only records what a person (or
//! their SDK callback) approved.

use std::path::PathBuf;

use rudder_config::ConfigPaths;
use rudder_config::settings::{SaveError, save_permission_update};
use rudder_protocol::event::NoticeLevel;
use rudder_protocol::permission::{PermissionUpdate, UpdateDestination};

/// Where approved updates are saved for one session.
#[derive(Debug, Clone)]
pub struct PermissionStore {
    paths: ConfigPaths,
    trusted: bool,
}

/// An update that was written to a settings file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedUpdate {
    /// The file written.
    pub file: PathBuf,
    /// Whether the file is a project file of a folder that is not trusted
    /// (its allow rules, mode and directories then wait for trust).
    pub waits_for_trust: bool,
}

impl SavedUpdate {
    /// The notice a front end shows for this save (an added or a removed
    /// rule alike): its level and text.
    pub fn notice(&self) -> (NoticeLevel, String) {
        if self.waits_for_trust {
            (
                NoticeLevel::Warning,
                format!(
                    "Saved the permission change to {}. It holds for this session; in later \
                     sessions it applies once this folder is trusted (`rudder trust`), like every \
                     permission in the project's files.",
                    self.file.display()
                ),
            )
        } else {
            (
                NoticeLevel::Info,
                format!("Saved the permission change to {}.", self.file.display()),
            )
        }
    }
}

impl PermissionStore {
    /// A store saving into the settings files under `paths` (the project
    /// root and the user's Claude folder); `trusted` is the folder's trust
    /// answer, used only to word the notice.
    pub fn new(paths: ConfigPaths, trusted: bool) -> Self {
        Self { paths, trusted }
    }

    /// Saves `update` when its destination is a settings file. Returns
    /// `Ok(None)` for `session` updates. Blocking file I/O (a short lock,
    /// a read and a rename); call it off the async executor.
    ///
    /// Errors: the [`SaveError`] of the write; the file is then unchanged.
    pub fn save(&self, update: &PermissionUpdate) -> Result<Option<SavedUpdate>, SaveError> {
        let destination = update.destination();
        let Some(file) = save_permission_update(&self.paths, update)? else {
            return Ok(None);
        };
        let from_project = matches!(
            destination,
            UpdateDestination::LocalSettings | UpdateDestination::ProjectSettings
        );
        Ok(Some(SavedUpdate {
            file,
            waits_for_trust: from_project && !self.trusted,
        }))
    }
}

#[cfg(test)]
mod tests {
    use rudder_protocol::permission::{RuleBehavior, RuleValue};

    use super::*;

    #[test]
    fn a_local_rule_is_saved_and_the_notice_says_when_it_applies() {
        let root = tempfile::tempdir().unwrap();
        let project = root.path().join("p");
        std::fs::create_dir_all(&project).unwrap();
        let home = root.path().join("h").display().to_string();
        let paths = ConfigPaths::from_env(&project, &|name: &str| {
            (name == "HOME").then(|| home.clone())
        });
        let update = PermissionUpdate::AddRules {
            rules: vec![RuleValue {
                tool_name: "Bash".into(),
                rule_content: Some("make".into()),
            }],
            behavior: RuleBehavior::Allow,
            destination: UpdateDestination::LocalSettings,
        };
        let untrusted = PermissionStore::new(paths.clone(), false)
            .save(&update)
            .unwrap()
            .unwrap();
        assert_eq!(untrusted.file, project.join(".claude/settings.local.json"));
        let (level, text) = untrusted.notice();
        assert_eq!(level, NoticeLevel::Warning);
        assert!(text.contains("rudder trust"), "{text}");
        let trusted = PermissionStore::new(paths, true)
            .save(&update)
            .unwrap()
            .unwrap();
        assert_eq!(trusted.notice().0, NoticeLevel::Info);
        let text = std::fs::read_to_string(&trusted.file).unwrap();
        assert_eq!(text.matches("Bash(make)").count(), 1, "{text}");
    }
}

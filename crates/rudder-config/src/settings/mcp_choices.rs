//! Saving the answers of the project MCP server dialog, and forgetting
//! them again, in the project's `.claude/settings.local.json` — the keys
//! Claude Code writes there (CLAUDE-CODE-INTERFACE.md §6 "Project server
//! approval"): `enableAllProjectMcpServers`, `enabledMcpjsonServers`,
//! `disabledMcpjsonServers`; `claude mcp reset-project-choices` removes
//! them so the dialog asks again.
//!
//! Every change goes through the same locked, merging, atomic save as a
//! permission update (`write.rs`): other keys and their order stay, a file
//! that does not parse is left untouched. This module never decides which
//! server starts (`rudder-mcp`'s `ProjectApproval` does).

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::write::{SaveError, edit_locked};
use crate::paths::ConfigPaths;

/// The settings keys that hold the answers, in the order Claude Code lists
/// them.
pub const PROJECT_MCP_KEYS: [&str; 3] = [
    "enableAllProjectMcpServers",
    "enabledMcpjsonServers",
    "disabledMcpjsonServers",
];

/// One answer of the project MCP server dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectMcpChoice {
    /// "Use this and all future MCP servers in this project":
    /// `enableAllProjectMcpServers: true`.
    EnableAll,
    /// "Use this MCP server": the name joins `enabledMcpjsonServers` (and
    /// leaves `disabledMcpjsonServers`).
    Enable(String),
    /// "Continue without using this MCP server": the name joins
    /// `disabledMcpjsonServers` (and leaves `enabledMcpjsonServers`).
    Disable(String),
}

/// The file the answers are kept in:
/// `<project root>/.claude/settings.local.json`.
pub fn project_mcp_choices_file(paths: &ConfigPaths) -> PathBuf {
    paths
        .project_root
        .join(".claude")
        .join("settings.local.json")
}

/// Saves `choice` into [`project_mcp_choices_file`], merged with what the
/// file holds at that moment. Returns the file.
///
/// Errors: [`SaveError::Io`] (folder, lock, temporary file or rename),
/// [`SaveError::Unmergeable`] (the file is not a JSON object or is a
/// symbolic link, or one of the keys has the wrong type).
pub fn save_project_mcp_choice(
    paths: &ConfigPaths,
    choice: &ProjectMcpChoice,
) -> Result<PathBuf, SaveError> {
    let file = project_mcp_choices_file(paths);
    edit_locked(&file, |settings| {
        match choice {
            ProjectMcpChoice::EnableAll => {
                settings.insert(PROJECT_MCP_KEYS[0].to_owned(), Value::Bool(true));
            }
            ProjectMcpChoice::Enable(name) => {
                add_name(settings, PROJECT_MCP_KEYS[1], name)?;
                remove_name(settings, PROJECT_MCP_KEYS[2], name)?;
            }
            ProjectMcpChoice::Disable(name) => {
                add_name(settings, PROJECT_MCP_KEYS[2], name)?;
                remove_name(settings, PROJECT_MCP_KEYS[1], name)?;
            }
        }
        Ok(true)
    })?;
    Ok(file)
}

/// Removes the three [`PROJECT_MCP_KEYS`] from
/// [`project_mcp_choices_file`], keeping every other key. Returns the file
/// when it held one of them (and was rewritten), `None` when there was
/// nothing to remove (no file, or none of the keys); nothing is created
/// then.
///
/// Errors: as [`save_project_mcp_choice`].
pub fn reset_project_mcp_choices(paths: &ConfigPaths) -> Result<Option<PathBuf>, SaveError> {
    let file = project_mcp_choices_file(paths);
    if std::fs::symlink_metadata(&file)
        .is_err_and(|error| error.kind() == std::io::ErrorKind::NotFound)
    {
        return Ok(None);
    }
    let changed = edit_locked(&file, |settings| {
        let mut changed = false;
        for key in PROJECT_MCP_KEYS {
            changed |= settings.shift_remove(key).is_some();
        }
        Ok(changed)
    })?;
    Ok(changed.then_some(file))
}

/// The array `key` of `settings`, created empty when missing.
fn names<'a>(
    settings: &'a mut Map<String, Value>,
    key: &str,
) -> Result<&'a mut Vec<Value>, String> {
    settings
        .entry(key)
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
        .ok_or_else(|| format!("`{key}` is not an array"))
}

fn add_name(settings: &mut Map<String, Value>, key: &str, name: &str) -> Result<(), String> {
    let list = names(settings, key)?;
    if !list.iter().any(|known| known.as_str() == Some(name)) {
        list.push(Value::String(name.to_owned()));
    }
    Ok(())
}

fn remove_name(settings: &mut Map<String, Value>, key: &str, name: &str) -> Result<(), String> {
    match settings.get_mut(key) {
        None => Ok(()),
        Some(Value::Array(list)) => {
            list.retain(|known| known.as_str() != Some(name));
            Ok(())
        }
        Some(_) => Err(format!("`{key}` is not an array")),
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use serde_json::json;

    use super::*;
    use crate::paths::SourceSet;
    use crate::settings::{SettingsRequest, load_settings};

    fn project(root: &Path) -> ConfigPaths {
        let project = root.join("project");
        fs::create_dir_all(&project).unwrap();
        ConfigPaths::from_env(&project, &|_| None)
    }

    fn read(path: &Path) -> Value {
        serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn choices_merge_into_the_local_settings_and_load_back() {
        let root = tempfile::tempdir().unwrap();
        let paths = project(root.path());
        let file = project_mcp_choices_file(&paths);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(
            &file,
            r#"{"model": "opus", "disabledMcpjsonServers": ["db"]}"#,
        )
        .unwrap();

        let written =
            save_project_mcp_choice(&paths, &ProjectMcpChoice::Enable("db".into())).unwrap();
        assert_eq!(written, file);
        save_project_mcp_choice(&paths, &ProjectMcpChoice::Enable("db".into())).unwrap();
        save_project_mcp_choice(&paths, &ProjectMcpChoice::Disable("web".into())).unwrap();
        assert_eq!(
            read(&file),
            json!({"model": "opus", "disabledMcpjsonServers": ["web"],
                   "enabledMcpjsonServers": ["db"]})
        );
        save_project_mcp_choice(&paths, &ProjectMcpChoice::EnableAll).unwrap();
        assert_eq!(read(&file)["enableAllProjectMcpServers"], json!(true));

        let loaded = load_settings(&SettingsRequest {
            paths: &paths,
            sources: SourceSet::default(),
            cli: None,
            trusted: true,
        });
        assert_eq!(
            loaded.settings.enabled_mcpjson_servers,
            vec!["db".to_owned()]
        );
        assert_eq!(
            loaded.settings.disabled_mcpjson_servers,
            vec!["web".to_owned()]
        );
        assert_eq!(loaded.settings.enable_all_project_mcp_servers, Some(true));
    }

    #[test]
    fn a_key_of_the_wrong_shape_leaves_the_file_alone() {
        let root = tempfile::tempdir().unwrap();
        let paths = project(root.path());
        let file = project_mcp_choices_file(&paths);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        let text = r#"{"enabledMcpjsonServers": "db"}"#;
        fs::write(&file, text).unwrap();
        let error =
            save_project_mcp_choice(&paths, &ProjectMcpChoice::Enable("web".into())).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("`enabledMcpjsonServers` is not an array"),
            "{error}"
        );
        assert_eq!(fs::read_to_string(&file).unwrap(), text);
    }

    #[test]
    fn reset_removes_only_the_three_keys() {
        let root = tempfile::tempdir().unwrap();
        let paths = project(root.path());
        assert_eq!(reset_project_mcp_choices(&paths).unwrap(), None);
        assert!(!paths.project_root.join(".claude").exists());

        let file = project_mcp_choices_file(&paths);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(
            &file,
            r#"{"enableAllProjectMcpServers": true, "permissions": {"allow": ["Read"]},
                "enabledMcpjsonServers": ["a"], "disabledMcpjsonServers": ["b"]}"#,
        )
        .unwrap();
        assert_eq!(
            reset_project_mcp_choices(&paths).unwrap(),
            Some(file.clone())
        );
        assert_eq!(read(&file), json!({"permissions": {"allow": ["Read"]}}));
        assert_eq!(reset_project_mcp_choices(&paths).unwrap(), None);
    }
}

//! Saving approved permission updates ("always allow") into the settings
//! file their destination names, the way Claude Code does
//! (CLAUDE-CODE-INTERFACE.md §3.2 "don't ask again" → the project's
//! `.claude/settings.local.json`; §10.3 `PermissionUpdate` destinations).
//!
//! | destination       | file |
//! |-------------------|------|
//! | `localSettings`   | `<project root>/.claude/settings.local.json` |
//! | `projectSettings` | `<project root>/.claude/settings.json` |
//! | `userSettings`    | `~/.claude/settings.json` (`$CLAUDE_CONFIG_DIR`) |
//! | `session`         | none: the update lives only in the running session |
//!
//! A save never loses what is already there, whoever wrote it: it takes an
//! exclusive lock on the file's folder (`flock` on the directory, so no lock
//! file is left in the project), re-reads the file, merges the update into
//! it (rules appended without duplicates, a replaced list set to exactly
//! the given rules, removed entries taken out; every other key, entry and
//! the key order kept), writes a new file beside it and renames it into
//! place. A
//! crash leaves the old file or the new one, never a torn one. A file that
//! does not parse, a key of the wrong shape, or a symbolic link in place of
//! the file is reported and left untouched.
//!
//! This module writes only the file it is asked about; it never runs
//! anything and never decides whether the saved rule applies (a project
//! file's allow rules wait for workspace trust, see `trust.rs`).

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rudder_protocol::permission::{PermissionUpdate, UpdateDestination};
use serde_json::{Map, Value};

use super::types::{SettingsOrigin, SettingsScope};
use crate::paths::ConfigPaths;

/// Why an update could not be saved. The file is left as it was.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The destination needs a folder that is unknown (no home directory).
    #[error("cannot save to {destination}: {reason}")]
    NoLocation {
        /// The destination's wire name, e.g. `userSettings`.
        destination: &'static str,
        /// What is missing.
        reason: String,
    },
    /// A filesystem operation failed.
    #[error("{action} {} failed: {source}", path.display())]
    Io {
        /// What was being done, e.g. `locking the folder of`.
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The existing file cannot be merged into without losing something.
    #[error("{}: {message}; rudder does not overwrite it — fix the file or add the rule by hand", path.display())]
    Unmergeable {
        /// The settings file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> SaveError {
    let path = path.to_owned();
    move |source| SaveError::Io {
        action,
        path,
        source,
    }
}

/// The wire name of `destination`, as the Agent SDK spells it.
pub fn destination_name(destination: UpdateDestination) -> &'static str {
    match destination {
        UpdateDestination::UserSettings => "userSettings",
        UpdateDestination::ProjectSettings => "projectSettings",
        UpdateDestination::LocalSettings => "localSettings",
        UpdateDestination::Session => "session",
    }
}

/// The settings file `destination` is stored in, per the table in the
/// module documentation; `Ok(None)` for [`UpdateDestination::Session`].
///
/// Errors: [`SaveError::NoLocation`] for `userSettings` when neither
/// `CLAUDE_CONFIG_DIR` nor `HOME` is known.
pub fn destination_file(
    paths: &ConfigPaths,
    destination: UpdateDestination,
) -> Result<Option<PathBuf>, SaveError> {
    let project = paths.project_root.join(".claude");
    Ok(match destination {
        UpdateDestination::Session => None,
        UpdateDestination::LocalSettings => Some(project.join("settings.local.json")),
        UpdateDestination::ProjectSettings => Some(project.join("settings.json")),
        UpdateDestination::UserSettings => match &paths.claude_user_dir {
            Some(dir) => Some(dir.join("settings.json")),
            None => {
                return Err(SaveError::NoLocation {
                    destination: destination_name(destination),
                    reason: "neither CLAUDE_CONFIG_DIR nor HOME is set".to_owned(),
                });
            }
        },
    })
}

/// The destination whose file `origin` is, if any: the file
/// [`destination_file`] names for `userSettings`, `projectSettings` or
/// `localSettings`, loaded at that scope. rudder's own files (`.rudder/…`),
/// `--settings` and managed files belong to no destination, so no update
/// changes their rules.
pub fn origin_destination(
    paths: &ConfigPaths,
    origin: &SettingsOrigin,
) -> Option<UpdateDestination> {
    let destination = match origin.scope {
        SettingsScope::User => UpdateDestination::UserSettings,
        SettingsScope::Project => UpdateDestination::ProjectSettings,
        SettingsScope::Local => UpdateDestination::LocalSettings,
        SettingsScope::Cli | SettingsScope::Managed => return None,
    };
    let file = destination_file(paths, destination).ok().flatten()?;
    (file == origin.path).then_some(destination)
}

/// Saves `update` into the file its destination names (see
/// [`destination_file`]), merged with what the file holds at that moment:
/// `addRules` / `addDirectories` append what is missing, `replaceRules`
/// makes the behavior's list exactly the given rules, `removeRules` /
/// `removeDirectories` take the given entries out (compared as written),
/// `setMode` sets `defaultMode`. Returns the file written, or `Ok(None)`
/// when there is nothing to write: a `session` update, or a removal that
/// finds nothing to remove (the file is then left as it was, or not
/// created).
///
/// Errors: [`SaveError::NoLocation`] (no home for `userSettings`),
/// [`SaveError::Io`] (folder, lock, temporary file or rename),
/// [`SaveError::Unmergeable`] (the file is not a JSON object, a key on the
/// way is of the wrong type, or the file is a symbolic link).
pub fn save_permission_update(
    paths: &ConfigPaths,
    update: &PermissionUpdate,
) -> Result<Option<PathBuf>, SaveError> {
    let Some(file) = destination_file(paths, update.destination())? else {
        return Ok(None);
    };
    let removal = matches!(
        update,
        PermissionUpdate::RemoveRules { .. } | PermissionUpdate::RemoveDirectories { .. }
    );
    if removal && !file.parent().is_some_and(Path::exists) {
        return Ok(None);
    }
    let written = edit_locked(&file, |settings| merge_update(settings, update))?;
    Ok(written.then_some(file))
}

/// Applies `edit` to the JSON object in `file` under the folder lock, the
/// way every save in this module does (see the module documentation): the
/// folder is created if needed, the file re-read, edited, and replaced
/// atomically — but only when `edit` returns `Ok(true)` (something
/// changed). A missing file is edited as an empty object. Returns whether
/// the file was written.
///
/// Errors: [`SaveError::Io`], or [`SaveError::Unmergeable`] when the file
/// (or its folder) is a symbolic link, is not a JSON object, or `edit`
/// reports a key in the way.
pub(super) fn edit_locked(
    file: &Path,
    edit: impl FnOnce(&mut Map<String, Value>) -> Result<bool, String>,
) -> Result<bool, SaveError> {
    let dir = file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    if fs::symlink_metadata(&dir).is_ok_and(|meta| meta.file_type().is_symlink()) {
        return Err(SaveError::Unmergeable {
            path: file.to_owned(),
            message: format!("its folder {} is a symbolic link", dir.display()),
        });
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(&dir)
        .map_err(io("creating", &dir))?;
    let lock = File::open(&dir).map_err(io("opening", &dir))?;
    lock.lock().map_err(io("locking", &dir))?;
    let (mut settings, mode) = read_current(file)?;
    let changed = edit(&mut settings).map_err(|message| SaveError::Unmergeable {
        path: file.to_owned(),
        message,
    })?;
    if changed {
        write_atomically(file, &settings, mode)?;
    }
    drop(lock);
    Ok(changed)
}

/// The file's current object and permission bits; an empty object and the
/// default mode (0600) when it does not exist.
fn read_current(file: &Path) -> Result<(Map<String, Value>, u32), SaveError> {
    let meta = match fs::symlink_metadata(file) {
        Ok(meta) => meta,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok((Map::new(), 0o600));
        }
        Err(error) => return Err(io("inspecting", file)(error)),
    };
    if meta.file_type().is_symlink() {
        return Err(SaveError::Unmergeable {
            path: file.to_owned(),
            message: "it is a symbolic link".to_owned(),
        });
    }
    let text = fs::read_to_string(file).map_err(io("reading", file))?;
    let mode = meta.permissions().mode() & 0o777;
    if text.trim().is_empty() {
        return Ok((Map::new(), mode));
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => Ok((map, mode)),
        Ok(_) => Err(SaveError::Unmergeable {
            path: file.to_owned(),
            message: "the top level is not a JSON object".to_owned(),
        }),
        Err(error) => Err(SaveError::Unmergeable {
            path: file.to_owned(),
            message: format!("it is not valid JSON ({error})"),
        }),
    }
}

/// Merges `update` into `settings`; returns whether anything changed.
/// Errors name the key that is in the way. A removal from a file without
/// the key adds nothing (not even an empty `permissions`).
fn merge_update(
    settings: &mut Map<String, Value>,
    update: &PermissionUpdate,
) -> Result<bool, String> {
    let removal = match update {
        PermissionUpdate::RemoveRules {
            rules, behavior, ..
        } => Some((
            behavior.as_str(),
            rules.iter().map(ToString::to_string).collect::<Vec<_>>(),
        )),
        PermissionUpdate::RemoveDirectories { directories, .. } => {
            Some(("additionalDirectories", directories.clone()))
        }
        _ => None,
    };
    if let Some((list, items)) = removal {
        return match settings.get_mut("permissions") {
            None => Ok(false),
            Some(Value::Object(permissions)) => remove_items(permissions, list, &items),
            Some(_) => Err("`permissions` is not an object".to_owned()),
        };
    }
    let permissions = settings
        .entry("permissions")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or("`permissions` is not an object")?;
    match update {
        PermissionUpdate::AddRules {
            rules, behavior, ..
        } => append_unique(
            permissions,
            behavior.as_str(),
            rules.iter().map(ToString::to_string),
        ),
        PermissionUpdate::ReplaceRules {
            rules, behavior, ..
        } => {
            let list = behavior.as_str();
            if permissions.get(list).is_some_and(|known| !known.is_array()) {
                return Err(format!("`permissions.{list}` is not an array"));
            }
            let fresh = rules.iter().map(|rule| Value::String(rule.to_string()));
            permissions.insert(list.to_owned(), Value::Array(fresh.collect()));
            Ok(true)
        }
        PermissionUpdate::AddDirectories { directories, .. } => append_unique(
            permissions,
            "additionalDirectories",
            directories.iter().cloned(),
        ),
        PermissionUpdate::SetMode { mode, .. } => {
            permissions.insert("defaultMode".to_owned(), Value::from(mode.as_str()));
            Ok(true)
        }
        PermissionUpdate::RemoveRules { .. } | PermissionUpdate::RemoveDirectories { .. } => {
            Ok(false)
        }
    }
}

/// Appends each of `items` to the array `permissions.<list>` unless present.
fn append_unique(
    permissions: &mut Map<String, Value>,
    list: &str,
    items: impl Iterator<Item = String>,
) -> Result<bool, String> {
    let array = permissions
        .entry(list)
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
        .ok_or_else(|| format!("`permissions.{list}` is not an array"))?;
    for item in items {
        if !array.iter().any(|known| known.as_str() == Some(&item)) {
            array.push(Value::String(item));
        }
    }
    Ok(true)
}

/// Removes every string equal to one of `items` from the array
/// `permissions.<list>`, keeping the others in order; returns whether one
/// was removed. A missing list has nothing to remove.
fn remove_items(
    permissions: &mut Map<String, Value>,
    list: &str,
    items: &[String],
) -> Result<bool, String> {
    let Some(known) = permissions.get_mut(list) else {
        return Ok(false);
    };
    let array = known
        .as_array_mut()
        .ok_or_else(|| format!("`permissions.{list}` is not an array"))?;
    let before = array.len();
    array.retain(|entry| {
        !entry
            .as_str()
            .is_some_and(|text| items.iter().any(|item| item == text))
    });
    Ok(array.len() != before)
}

/// Writes `settings` to a new file beside `file` (created exclusively,
/// `mode`), flushes it to disk and renames it over `file`.
fn write_atomically(
    file: &Path,
    settings: &Map<String, Value>,
    mode: u32,
) -> Result<(), SaveError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = file
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "settings.json".to_owned());
    let temp = file.with_file_name(format!(
        ".{name}.rudder-{}-{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let mut text =
        serde_json::to_string_pretty(settings).map_err(|error| SaveError::Unmergeable {
            path: file.to_owned(),
            message: format!("the merged settings cannot be written as JSON ({error})"),
        })?;
    text.push('\n');
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&temp)
        .and_then(|mut out| {
            out.set_permissions(fs::Permissions::from_mode(mode))?;
            out.write_all(text.as_bytes())?;
            out.sync_all()
        })
        .and_then(|()| fs::rename(&temp, file));
    if let Err(error) = written {
        let _ = fs::remove_file(&temp);
        return Err(io("writing", file)(error));
    }
    Ok(())
}

#[cfg(test)]
mod tests;

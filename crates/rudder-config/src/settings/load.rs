//! Finding, reading and combining the settings files of a session.
//!
//! Files, highest precedence first (CLAUDE-CODE-INTERFACE.md §4.1; at each
//! level rudder's file wins over Claude Code's):
//!
//! | scope   | files |
//! |---------|-------|
//! | managed | `/etc/rudder/managed-settings.d/*.json` (later name wins), `/etc/rudder/managed-settings.json`, `/etc/claude-code/managed-settings.d/*.json`, `/etc/claude-code/managed-settings.json` |
//! | cli     | `--settings <file or inline JSON>` |
//! | local   | `.rudder/settings.local.json`, `.claude/settings.local.json` |
//! | project | `.rudder/settings.json`, `.claude/settings.json` |
//! | user    | `~/.rudder/settings.json`, `~/.claude/settings.json` (`$CLAUDE_CONFIG_DIR`) |
//!
//! Managed and CLI settings always load; the others follow
//! `--setting-sources`. A file that cannot be read or parsed is reported
//! and skipped; the others still load.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::merge::merge_layers;
use super::parse::parse_settings;
use super::trust::withhold_untrusted;
use super::types::{
    LoadedSettings, PermissionRuleEntry, SettingsLayer, SettingsOrigin, SettingsScope,
    SourcedDirectory,
};
use super::write::origin_destination;
use crate::discover::{MAX_SETTINGS_BYTES, read_optional};
use crate::error::ConfigError;
use crate::paths::{ConfigPaths, SourceSet};
use rudder_protocol::permission::RuleBehavior;

/// The value of `--settings`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliSettings {
    /// A settings file (made absolute against the working directory).
    File(PathBuf),
    /// Inline JSON text.
    Inline(String),
}

impl CliSettings {
    /// Reads the flag's value the way Claude Code does: text starting with
    /// `{` (after blanks) is inline JSON, anything else a path relative to
    /// `cwd`.
    pub fn from_arg(value: &str, cwd: &Path) -> Self {
        if value.trim_start().starts_with('{') {
            Self::Inline(value.to_owned())
        } else {
            Self::File(cwd.join(value))
        }
    }
}

/// What [`load_settings`] needs to know.
#[derive(Debug, Clone, Copy)]
pub struct SettingsRequest<'a> {
    /// Where the files are.
    pub paths: &'a ConfigPaths,
    /// `--setting-sources` (user, project, local).
    pub sources: SourceSet,
    /// `--settings`, if given.
    pub cli: Option<&'a CliSettings>,
    /// Whether the user trusts the project folder. When false, the keys in
    /// [`super::WITHHELD_UNTIL_TRUSTED`] are withheld from project and
    /// local files and listed in [`LoadedSettings::withheld`].
    pub trusted: bool,
}

/// Where one layer's text comes from.
enum Source {
    File(PathBuf),
    Inline(String),
}

/// Loads, checks, trust-gates and merges every settings layer.
///
/// Never fails: unreadable files, syntax errors (with line and column) and
/// keys of the wrong shape end up in [`LoadedSettings::warnings`], and the
/// rest loads. A missing file is silent, except the one `--settings` names.
pub fn load_settings(request: &SettingsRequest<'_>) -> LoadedSettings {
    let mut loaded = LoadedSettings::default();
    for (scope, source, base_dir) in sources(request) {
        let (path, text) = match source {
            Source::Inline(text) => (PathBuf::from("--settings"), text),
            Source::File(path) => match read_optional(&path, MAX_SETTINGS_BYTES) {
                Ok(Some(text)) => (path, text),
                Ok(None) => {
                    if scope == SettingsScope::Cli {
                        loaded.warnings.push(ConfigError::Read {
                            path,
                            message: "no such file".into(),
                        });
                    }
                    continue;
                }
                Err(error) => {
                    loaded.warnings.push(error);
                    continue;
                }
            },
        };
        let mut parsed = match parse_settings(&text, &path) {
            Ok(parsed) => parsed,
            Err(error) => {
                loaded.warnings.push(error);
                continue;
            }
        };
        loaded.warnings.append(&mut parsed.warnings);
        if scope.is_from_project() && !request.trusted {
            loaded
                .withheld
                .extend(withhold_untrusted(&mut parsed.values, &path));
        }
        loaded.layers.push(SettingsLayer {
            origin: SettingsOrigin { scope, path },
            base_dir,
            values: parsed.values,
        });
    }
    let (merged, provenance) = merge_layers(&loaded.layers);
    loaded.settings = match serde_json::from_value(Value::Object(merged.clone())) {
        Ok(settings) => settings,
        Err(error) => {
            loaded.warnings.push(ConfigError::MergedShape {
                message: error.to_string(),
            });
            Default::default()
        }
    };
    loaded.merged = merged;
    loaded.provenance = provenance;
    loaded.rules = permission_rules(request.paths, &loaded.layers);
    loaded.additional_directories = additional_directories(&loaded.layers);
    loaded
}

/// Every layer's source, highest precedence first, with its `/path` base.
fn sources(request: &SettingsRequest<'_>) -> Vec<(SettingsScope, Source, PathBuf)> {
    let paths = request.paths;
    let mut out = Vec::new();
    for dir in paths.managed_dirs() {
        let mut drop_ins = json_files(&dir.join("managed-settings.d"));
        drop_ins.reverse();
        for file in drop_ins
            .into_iter()
            .chain(std::iter::once(dir.join("managed-settings.json")))
        {
            out.push((SettingsScope::Managed, Source::File(file), dir.clone()));
        }
    }
    match request.cli {
        Some(CliSettings::File(path)) => {
            out.push((
                SettingsScope::Cli,
                Source::File(path.clone()),
                paths.cwd.clone(),
            ));
        }
        Some(CliSettings::Inline(text)) => {
            out.push((
                SettingsScope::Cli,
                Source::Inline(text.clone()),
                paths.cwd.clone(),
            ));
        }
        None => {}
    }
    let project_files = |name: &str, scope| -> Vec<(SettingsScope, Source, PathBuf)> {
        paths
            .project_dirs()
            .into_iter()
            .map(|dir| {
                (
                    scope,
                    Source::File(dir.join(name)),
                    paths.project_root.clone(),
                )
            })
            .collect()
    };
    if request.sources.local {
        out.extend(project_files("settings.local.json", SettingsScope::Local));
    }
    if request.sources.project {
        out.extend(project_files("settings.json", SettingsScope::Project));
    }
    if request.sources.user {
        for dir in paths.user_dirs() {
            out.push((
                SettingsScope::User,
                Source::File(dir.join("settings.json")),
                dir,
            ));
        }
    }
    out
}

/// `*.json` files directly in `dir` (hidden ones skipped), by name.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path
                .file_name()
                .and_then(|name| name.to_str())
                .unwrap_or(".");
            !name.starts_with('.') && name.ends_with(".json") && path.is_file()
        })
        .collect();
    files.sort();
    files
}

/// The string entries of `permissions.<list>` of one layer.
fn list<'a>(layer: &'a SettingsLayer, name: &str) -> impl Iterator<Item = &'a str> {
    layer
        .values
        .get("permissions")
        .and_then(|permissions| permissions.get(name))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// Every rule with its source, layer by layer (highest first), deny then
/// ask then allow within a layer; duplicates within one file dropped.
fn permission_rules(paths: &ConfigPaths, layers: &[SettingsLayer]) -> Vec<PermissionRuleEntry> {
    let mut rules: Vec<PermissionRuleEntry> = Vec::new();
    for layer in layers {
        let destination = origin_destination(paths, &layer.origin);
        for (name, behavior) in [
            ("deny", RuleBehavior::Deny),
            ("ask", RuleBehavior::Ask),
            ("allow", RuleBehavior::Allow),
        ] {
            for rule in list(layer, name) {
                let duplicate = rules.iter().any(|known| {
                    known.origin == layer.origin && known.behavior == behavior && known.rule == rule
                });
                if !duplicate {
                    rules.push(PermissionRuleEntry {
                        behavior,
                        rule: rule.to_owned(),
                        origin: layer.origin.clone(),
                        base_dir: layer.base_dir.clone(),
                        destination,
                    });
                }
            }
        }
    }
    rules
}

/// Every `additionalDirectories` entry with its source.
fn additional_directories(layers: &[SettingsLayer]) -> Vec<SourcedDirectory> {
    layers
        .iter()
        .flat_map(|layer| {
            list(layer, "additionalDirectories").map(|path| SourcedDirectory {
                path: path.to_owned(),
                origin: layer.origin.clone(),
                base_dir: layer.base_dir.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_flag_is_inline_json_or_a_path() {
        let cwd = Path::new("/work");
        assert_eq!(
            CliSettings::from_arg(" {\"model\":\"x\"}", cwd),
            CliSettings::Inline(" {\"model\":\"x\"}".into())
        );
        assert_eq!(
            CliSettings::from_arg("conf/s.json", cwd),
            CliSettings::File(PathBuf::from("/work/conf/s.json"))
        );
    }
}

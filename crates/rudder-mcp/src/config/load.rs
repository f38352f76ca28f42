//! Loading MCP server definitions from every scope and picking the winner.
//!
//! Contract (CLAUDE-CODE-INTERFACE.md §6, §1.1): project servers come from
//! `.mcp.json`, user servers from the top-level `mcpServers` of a user state
//! file (`~/.claude.json`), local servers from
//! `projects["<abs project dir>"].mcpServers` of the same file, and dynamic
//! servers from `--mcp-config` values (file paths or `{"mcpServers":{…}}`
//! JSON). Same name in several scopes: dynamic > local > project > user,
//! whole entry from the winner. `--strict-mcp-config` keeps dynamic only.
//!
//! rudder's own user file: callers may list `~/.rudder/mcp.json` (same shape
//! as `~/.claude.json`: top-level `mcpServers` and `projects`) before
//! `~/.claude.json` in [`ConfigSources::user_files`]; within one scope an
//! earlier file wins. It exists because a running Claude Code rewrites
//! `~/.claude.json` wholesale and may drop rudder's edits to it.
//!
//! Project servers need approval ([`ProjectApproval`]); an unapproved one is
//! returned with [`Approval::Pending`] or [`Approval::Rejected`] and must not
//! be started. A malformed file becomes a diagnostic and the other files
//! still load; a malformed `--mcp-config` value is an error (the user typed
//! it). This module reads files only; it never starts a server.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Approval, ConfiguredServer, Scope, parse_entry};
use crate::error::ConfigError;

/// Where to look for server definitions.
#[derive(Debug, Clone, Default)]
pub struct ConfigSources {
    /// Absolute project directory: the key of the local scope in user files,
    /// the base of relative `cwd` values and of relative `--mcp-config` paths.
    pub project_dir: PathBuf,
    /// The project file, normally `<project_dir>/.mcp.json`; `None` skips it.
    pub project_file: Option<PathBuf>,
    /// User state files, highest precedence first (e.g. `~/.rudder/mcp.json`,
    /// then `~/.claude.json`). Missing files are skipped silently.
    pub user_files: Vec<PathBuf>,
    /// `--mcp-config` values in command-line order; a later value wins over an
    /// earlier one for the same name.
    pub mcp_config: Vec<String>,
    /// `--strict-mcp-config`: ignore every scope but `--mcp-config`.
    pub strict: bool,
}

/// The user's decisions about project (`.mcp.json`) servers, from settings
/// (`enableAllProjectMcpServers`, `enabledMcpjsonServers`,
/// `disabledMcpjsonServers`) and folder trust. Headless runs (`-p`) that
/// connect project servers without asking pass `enable_all: true`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectApproval {
    /// `enableAllProjectMcpServers`.
    pub enable_all: bool,
    /// `enabledMcpjsonServers`.
    pub enabled: Vec<String>,
    /// `disabledMcpjsonServers` (wins over the two above).
    pub disabled: Vec<String>,
    /// Whether the user trusts the project folder; nothing from `.mcp.json`
    /// starts before that.
    pub folder_trusted: bool,
}

impl ProjectApproval {
    /// Decides whether the project server `name` may start.
    ///
    /// Order: untrusted folder → pending; listed as disabled → rejected;
    /// all enabled or listed as enabled → approved; else pending.
    pub fn decide(&self, name: &str) -> Approval {
        if !self.folder_trusted {
            return Approval::Pending("the project folder is not trusted yet".to_owned());
        }
        if self.disabled.iter().any(|item| item == name) {
            return Approval::Rejected;
        }
        if self.enable_all || self.enabled.iter().any(|item| item == name) {
            return Approval::Approved;
        }
        Approval::Pending("awaiting approval of this .mcp.json server".to_owned())
    }
}

/// The result of [`load_servers`].
#[derive(Debug, Default)]
pub struct LoadedConfig {
    /// One winning definition per name, sorted by name.
    pub servers: Vec<ConfiguredServer>,
    /// Definitions hidden by a higher scope (for `mcp get` and `mcp remove`).
    pub shadowed: Vec<ConfiguredServer>,
    /// Files that could not be read or parsed; their servers are missing.
    pub diagnostics: Vec<ConfigError>,
}

/// Reads every source and returns the servers to run.
///
/// Takes the sources, the project approval state and a variable lookup for
/// `${VAR}` expansion. Returns the winners (with per-server errors inside
/// [`ConfiguredServer::entry`]) and file diagnostics. Errors: an unreadable
/// or malformed `--mcp-config` value.
pub fn load_servers(
    sources: &ConfigSources,
    approval: &ProjectApproval,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<LoadedConfig, ConfigError> {
    let mut definitions: Vec<(usize, ConfiguredServer)> = Vec::new();
    let mut diagnostics = Vec::new();
    let dir = &sources.project_dir;

    let dynamic_count = sources.mcp_config.len();
    for (index, value) in sources.mcp_config.iter().enumerate() {
        let (origin, document) = read_mcp_config_value(value, index, dir)?;
        let servers = servers_object(&document, &origin)?;
        let rank = dynamic_count - index;
        for (name, raw) in servers {
            definitions.push((
                rank,
                server(name, raw, Scope::Dynamic, &origin, dir, lookup),
            ));
        }
    }

    if !sources.strict {
        if let Some(file) = &sources.project_file
            && let Some(document) = read_json_file(file, &mut diagnostics)
        {
            let origin = file.display().to_string();
            match servers_object(&document, &origin) {
                Ok(servers) => {
                    for (name, raw) in servers {
                        let mut entry = server(name, raw, Scope::Project, &origin, dir, lookup);
                        entry.approval = approval.decide(&entry.name);
                        definitions.push((0, entry));
                    }
                }
                Err(error) => diagnostics.push(error),
            }
        }
        let local_key = dir.to_string_lossy().into_owned();
        for (rank, file) in sources.user_files.iter().enumerate() {
            let Some(document) = read_json_file(file, &mut diagnostics) else {
                continue;
            };
            let origin = file.display().to_string();
            match servers_object(&document, &origin) {
                Ok(servers) => {
                    for (name, raw) in servers {
                        definitions
                            .push((rank, server(name, raw, Scope::User, &origin, dir, lookup)));
                    }
                }
                Err(error) => diagnostics.push(error),
            }
            if let Some(project) = document.get("projects").and_then(|p| p.get(&local_key)) {
                let origin = format!("{origin} (projects[\"{local_key}\"])");
                match servers_object(project, &origin) {
                    Ok(servers) => {
                        for (name, raw) in servers {
                            definitions.push((
                                rank,
                                server(name, raw, Scope::Local, &origin, dir, lookup),
                            ));
                        }
                    }
                    Err(error) => diagnostics.push(error),
                }
            }
        }
    }

    definitions.sort_by(|(rank_a, a), (rank_b, b)| {
        (a.name.as_str(), a.scope, *rank_a).cmp(&(b.name.as_str(), b.scope, *rank_b))
    });
    let mut winners: BTreeMap<String, ConfiguredServer> = BTreeMap::new();
    let mut shadowed = Vec::new();
    for (_, definition) in definitions {
        if winners.contains_key(&definition.name) {
            shadowed.push(definition);
        } else {
            winners.insert(definition.name.clone(), definition);
        }
    }
    Ok(LoadedConfig {
        servers: winners.into_values().collect(),
        shadowed,
        diagnostics,
    })
}

fn server(
    name: String,
    raw: Value,
    scope: Scope,
    origin: &str,
    dir: &Path,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> ConfiguredServer {
    ConfiguredServer {
        entry: parse_entry(&raw, dir, lookup),
        name,
        scope,
        origin: origin.to_owned(),
        approval: Approval::Approved,
        raw,
    }
}

/// The `mcpServers` object of a document, as (name, entry) pairs in file order.
/// A document without `mcpServers` has no servers.
fn servers_object(document: &Value, origin: &str) -> Result<Vec<(String, Value)>, ConfigError> {
    match document.get("mcpServers") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => Ok(map
            .iter()
            .map(|(name, raw)| (name.clone(), raw.clone()))
            .collect()),
        Some(_) => Err(ConfigError::Invalid {
            origin: origin.to_owned(),
            message: "`mcpServers` must be an object of name → server".to_owned(),
        }),
    }
}

/// Reads a JSON file; a missing file is `None` without a diagnostic.
fn read_json_file(path: &Path, diagnostics: &mut Vec<ConfigError>) -> Option<Value> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
        Err(source) => {
            diagnostics.push(ConfigError::Io {
                path: path.to_owned(),
                source,
            });
            return None;
        }
    };
    match parse_document(&text, &path.display().to_string()) {
        Ok(value) => Some(value),
        Err(error) => {
            diagnostics.push(error);
            None
        }
    }
}

fn parse_document(text: &str, origin: &str) -> Result<Value, ConfigError> {
    let value: Value = serde_json::from_str(text).map_err(|error| ConfigError::Invalid {
        origin: origin.to_owned(),
        message: error.to_string(),
    })?;
    if !value.is_object() {
        return Err(ConfigError::Invalid {
            origin: origin.to_owned(),
            message: "the top level must be a JSON object".to_owned(),
        });
    }
    Ok(value)
}

/// One `--mcp-config` value: inline JSON when it starts with `{`, else a file
/// path (relative to `dir`). Returns the origin label and the document.
fn read_mcp_config_value(
    value: &str,
    index: usize,
    dir: &Path,
) -> Result<(String, Value), ConfigError> {
    let trimmed = value.trim_start();
    if trimmed.starts_with('{') {
        let origin = format!("--mcp-config #{}", index + 1);
        let document = parse_document(trimmed, &origin)?;
        return Ok((origin, document));
    }
    let path = dir.join(value);
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Io {
        path: path.clone(),
        source,
    })?;
    let origin = path.display().to_string();
    let document = parse_document(&text, &origin)?;
    Ok((origin, document))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn write(dir: &Path, name: &str, value: &Value) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_string(value).unwrap()).unwrap();
        path
    }

    #[test]
    fn approval_order_is_trust_then_disabled_then_enabled() {
        let mut approval = ProjectApproval {
            enable_all: true,
            enabled: vec!["a".into()],
            disabled: vec!["a".into()],
            folder_trusted: false,
        };
        assert!(matches!(approval.decide("a"), Approval::Pending(_)));
        approval.folder_trusted = true;
        assert_eq!(approval.decide("a"), Approval::Rejected);
        assert_eq!(approval.decide("b"), Approval::Approved);
        approval.enable_all = false;
        assert!(matches!(approval.decide("b"), Approval::Pending(_)));
    }

    #[test]
    fn inline_mcp_config_must_be_valid() {
        let sources = ConfigSources {
            mcp_config: vec!["{not json".into()],
            ..Default::default()
        };
        let error = load_servers(&sources, &ProjectApproval::default(), &no_env).unwrap_err();
        assert!(error.to_string().contains("--mcp-config #1"), "{error}");
    }

    #[test]
    fn malformed_files_become_diagnostics() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".mcp.json"), "{ oops").unwrap();
        let user = write(dir.path(), "user.json", &json!({"mcpServers": [1]}));
        let sources = ConfigSources {
            project_dir: dir.path().into(),
            project_file: Some(dir.path().join(".mcp.json")),
            user_files: vec![user, dir.path().join("missing.json")],
            ..Default::default()
        };
        let loaded = load_servers(&sources, &ProjectApproval::default(), &no_env).unwrap();
        assert!(loaded.servers.is_empty());
        assert_eq!(loaded.diagnostics.len(), 2, "{:?}", loaded.diagnostics);
    }
}

//! Editing MCP configuration files for `rudder mcp add|add-json|remove`.
//!
//! Contract (CLAUDE-CODE-INTERFACE.md §1.2): `mcp add [-s local|user|project]
//! [-t stdio|sse|http] [-e K=V…] [-H "Name: v"…] <name> <commandOrUrl>
//! [-- args…]`, default scope `local`, default transport stdio;
//! `mcp add-json [-s scope] <name> <json>`; `mcp remove [-s scope] <name>`.
//! Scopes map to places: `project` → top-level `mcpServers` of
//! `<project>/.mcp.json`; `user` → top-level `mcpServers` of a user file;
//! `local` → `projects["<abs project dir>"].mcpServers` of a user file.
//!
//! The edit functions are pure (a JSON document in, the same document out,
//! other keys and their order untouched). [`edit_file`] applies one under an
//! exclusive lock on the file's directory and replaces the file by atomic
//! rename, keeping its permissions. Nothing here starts a server.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::{Scope, parse_entry};
use crate::error::ConfigError;

/// Where inside a document a scope keeps its servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditTarget {
    /// Top-level `mcpServers` (project and user scopes).
    TopLevel,
    /// `projects["<key>"].mcpServers` (local scope); the key is the absolute
    /// project directory as the loader looks it up.
    Project(String),
}

impl EditTarget {
    /// The target a scope edits: `local` → `Project(project_dir)`, others →
    /// `TopLevel`. (`Dynamic` has no file; it maps to `TopLevel` harmlessly.)
    pub fn for_scope(scope: Scope, project_dir: &Path) -> Self {
        match scope {
            Scope::Local => Self::Project(project_dir.to_string_lossy().into_owned()),
            Scope::Project | Scope::User | Scope::Dynamic => Self::TopLevel,
        }
    }
}

/// The transport chosen with `-t` (default stdio).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddTransport {
    /// A command run by rudder.
    #[default]
    Stdio,
    /// Streamable HTTP.
    Http,
    /// Legacy HTTP+SSE.
    Sse,
}

impl AddTransport {
    /// Parses a `-t` value: `stdio`, `http` or `sse`.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        match text {
            "stdio" => Ok(Self::Stdio),
            "http" => Ok(Self::Http),
            "sse" => Ok(Self::Sse),
            other => Err(ConfigError::Usage(format!(
                "unknown transport `{other}`: use stdio, http or sse"
            ))),
        }
    }
}

/// The arguments of `mcp add` after the CLI parsed its flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddArgs {
    /// `-t`.
    pub transport: AddTransport,
    /// Each `-e K=V` (stdio only).
    pub env: Vec<String>,
    /// Each `-H "Name: value"` (http and sse only).
    pub headers: Vec<String>,
    /// `<commandOrUrl>`.
    pub command_or_url: String,
    /// Everything after `--` (stdio only).
    pub args: Vec<String>,
}

/// Checks a server name for `add`: letters, digits, `-` and `_` only (what
/// Claude Code accepts), so tool names stay stable.
pub fn validate_name(name: &str) -> Result<(), ConfigError> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ConfigError::Usage(format!(
            "invalid server name `{name}`: use letters, digits, `-` and `_`"
        )));
    }
    Ok(())
}

/// Builds the JSON entry `mcp add` writes, e.g.
/// `{"type":"stdio","command":"npx","args":["-y","pkg"],"env":{"K":"V"}}` or
/// `{"type":"http","url":"…","headers":{"Name":"v"}}`.
///
/// Errors: `-e` on a remote server, `-H` or `--` args on a stdio one, a
/// malformed `K=V` or `Name: value`, an empty command or URL.
pub fn entry_from_add_args(args: &AddArgs) -> Result<Value, ConfigError> {
    if args.command_or_url.trim().is_empty() {
        return Err(ConfigError::Usage("missing <commandOrUrl>".to_owned()));
    }
    match args.transport {
        AddTransport::Stdio => {
            if !args.headers.is_empty() {
                return Err(ConfigError::Usage(
                    "-H/--header applies to http and sse servers only".to_owned(),
                ));
            }
            let mut env = Map::new();
            for pair in &args.env {
                let Some((key, value)) = pair.split_once('=') else {
                    return Err(ConfigError::Usage(format!(
                        "invalid -e `{pair}`: expected KEY=value"
                    )));
                };
                if key.is_empty() {
                    return Err(ConfigError::Usage(format!(
                        "invalid -e `{pair}`: empty variable name"
                    )));
                }
                env.insert(key.to_owned(), Value::String(value.to_owned()));
            }
            Ok(json!({
                "type": "stdio",
                "command": args.command_or_url,
                "args": args.args,
                "env": env,
            }))
        }
        AddTransport::Http | AddTransport::Sse => {
            if !args.env.is_empty() {
                return Err(ConfigError::Usage(
                    "-e/--env applies to stdio servers only".to_owned(),
                ));
            }
            if !args.args.is_empty() {
                return Err(ConfigError::Usage(
                    "arguments after `--` apply to stdio servers only".to_owned(),
                ));
            }
            let mut headers = Map::new();
            for line in &args.headers {
                let Some((name, value)) = line.split_once(':') else {
                    return Err(ConfigError::Usage(format!(
                        "invalid -H `{line}`: expected \"Name: value\""
                    )));
                };
                let name = name.trim();
                if name.is_empty() {
                    return Err(ConfigError::Usage(format!(
                        "invalid -H `{line}`: empty header name"
                    )));
                }
                headers.insert(name.to_owned(), Value::String(value.trim().to_owned()));
            }
            let kind = if args.transport == AddTransport::Http {
                "http"
            } else {
                "sse"
            };
            let mut entry = json!({"type": kind, "url": args.command_or_url});
            if !headers.is_empty() {
                entry["headers"] = Value::Object(headers);
            }
            Ok(entry)
        }
    }
}

/// Parses and checks the JSON given to `mcp add-json` (without expanding
/// variables: they stay `${VAR}` in the file). Returns the entry as written.
pub fn entry_from_json(text: &str) -> Result<Value, ConfigError> {
    let value: Value = serde_json::from_str(text).map_err(|error| ConfigError::Invalid {
        origin: "add-json".to_owned(),
        message: error.to_string(),
    })?;
    let keep_vars = |name: &str| Some(format!("${{{name}}}"));
    parse_entry(&value, Path::new("/"), &keep_vars).map_err(|message| ConfigError::Invalid {
        origin: "add-json".to_owned(),
        message,
    })?;
    Ok(value)
}

/// Inserts `name → entry` at `target` in `document`, creating the objects on
/// the way. Errors with [`ConfigError::Exists`] (labelled with `scope` and
/// `path`) when the name is already there.
pub fn insert_server(
    document: &mut Value,
    target: &EditTarget,
    name: &str,
    entry: Value,
    scope: Scope,
    path: &Path,
) -> Result<(), ConfigError> {
    let servers = servers_mut(document, target, path)?;
    if servers.contains_key(name) {
        return Err(ConfigError::Exists {
            name: name.to_owned(),
            scope: scope.to_string(),
            path: path.to_owned(),
        });
    }
    servers.insert(name.to_owned(), entry);
    Ok(())
}

/// Removes `name` at `target`; returns the removed entry. Errors with
/// [`ConfigError::NotFound`] when absent. Other keys keep their order.
pub fn remove_server(
    document: &mut Value,
    target: &EditTarget,
    name: &str,
    scope: Scope,
    path: &Path,
) -> Result<Value, ConfigError> {
    let servers = servers_mut(document, target, path)?;
    servers
        .shift_remove(name)
        .ok_or_else(|| ConfigError::NotFound {
            name: name.to_owned(),
            scope: scope.to_string(),
            path: path.to_owned(),
        })
}

fn servers_mut<'a>(
    document: &'a mut Value,
    target: &EditTarget,
    path: &Path,
) -> Result<&'a mut Map<String, Value>, ConfigError> {
    let invalid = |message: &str| ConfigError::Invalid {
        origin: path.display().to_string(),
        message: message.to_owned(),
    };
    let mut holder = document
        .as_object_mut()
        .ok_or_else(|| invalid("the top level must be a JSON object"))?;
    if let EditTarget::Project(key) = target {
        holder = holder
            .entry("projects")
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .ok_or_else(|| invalid("`projects` must be an object"))?
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .ok_or_else(|| invalid("the project entry must be an object"))?;
    }
    holder
        .entry("mcpServers")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| invalid("`mcpServers` must be an object"))
}

/// Reads `path` (an absent file is `{}`), applies `edit`, and writes the
/// result back as pretty JSON with a trailing newline.
///
/// Concurrency: holds an exclusive advisory lock on the file's directory for
/// the whole read-modify-write (no stray lock files in the project), writes a
/// temporary file in the same directory, fsyncs it and renames it over the
/// original, so readers see the old or the new file, never half of one. The
/// original's permissions are kept (`~/.claude.json` is private). Claude Code
/// itself does not take this lock. Returns what `edit` returned.
pub fn edit_file<T>(
    path: &Path,
    edit: impl FnOnce(&mut Value) -> Result<T, ConfigError>,
) -> Result<T, ConfigError> {
    let io = |source: std::io::Error| ConfigError::Io {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let lock = File::open(&dir).map_err(io)?;
    lock.lock().map_err(io)?;
    let (mut document, permissions) = match std::fs::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => (Value::Object(Map::new()), None),
        Ok(text) => {
            let value = serde_json::from_str(&text).map_err(|error| ConfigError::Invalid {
                origin: path.display().to_string(),
                message: format!("{error}; fix the file before editing it"),
            })?;
            let permissions = std::fs::metadata(path).map_err(io)?.permissions();
            (value, Some(permissions))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            (Value::Object(Map::new()), None)
        }
        Err(error) => return Err(io(error)),
    };
    let result = edit(&mut document)?;
    let mut text =
        serde_json::to_string_pretty(&document).map_err(|error| ConfigError::Invalid {
            origin: path.display().to_string(),
            message: error.to_string(),
        })?;
    text.push('\n');
    let mut temp = tempfile::NamedTempFile::new_in(&dir).map_err(io)?;
    temp.write_all(text.as_bytes()).map_err(io)?;
    temp.as_file().sync_all().map_err(io)?;
    if let Some(permissions) = permissions {
        std::fs::set_permissions(temp.path(), permissions).map_err(io)?;
    }
    temp.persist(path).map_err(|error| io(error.error))?;
    lock.unlock().map_err(io)?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_args_build_claude_code_entries() {
        let stdio = entry_from_add_args(&AddArgs {
            env: vec!["A=1".into(), "B=x=y".into()],
            command_or_url: "npx".into(),
            args: vec!["-y".into(), "pkg".into()],
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            stdio,
            json!({"type":"stdio","command":"npx","args":["-y","pkg"],"env":{"A":"1","B":"x=y"}})
        );
        let http = entry_from_add_args(&AddArgs {
            transport: AddTransport::Http,
            headers: vec!["Authorization: Bearer ${T}".into()],
            command_or_url: "https://h/mcp".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            http,
            json!({"type":"http","url":"https://h/mcp","headers":{"Authorization":"Bearer ${T}"}})
        );
    }

    #[test]
    fn add_args_reject_mixed_flags() {
        let header_on_stdio = AddArgs {
            headers: vec!["A: b".into()],
            command_or_url: "x".into(),
            ..Default::default()
        };
        assert!(entry_from_add_args(&header_on_stdio).is_err());
        let env_on_http = AddArgs {
            transport: AddTransport::Http,
            env: vec!["A=b".into()],
            command_or_url: "u".into(),
            ..Default::default()
        };
        assert!(entry_from_add_args(&env_on_http).is_err());
        let bad_env = AddArgs {
            env: vec!["novalue".into()],
            command_or_url: "x".into(),
            ..Default::default()
        };
        assert!(entry_from_add_args(&bad_env).is_err());
        assert!(AddTransport::parse("ws").is_err());
        assert!(validate_name("has space").is_err());
        assert!(validate_name("ok_name-1").is_ok());
    }

    #[test]
    fn add_json_keeps_variables_unexpanded() {
        let entry = entry_from_json(r#"{"command":"x","env":{"K":"${SECRET}"}}"#).unwrap();
        assert_eq!(entry["env"]["K"], "${SECRET}");
        assert!(entry_from_json(r#"{"type":"ws","url":"u"}"#).is_err());
        assert!(entry_from_json("nope").is_err());
    }
}

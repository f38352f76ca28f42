//! MCP server configuration in Claude Code's format.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §6 (`.mcp.json` shape, scopes,
//! `${VAR}` expansion, project approval) and §1.2 (`mcp add|add-json|remove`).
//! This module owns the typed view of one server entry ([`ServerSpec`]) and
//! how a raw JSON entry becomes one ([`parse_entry`]). Loading files and
//! precedence live in [`load`], file edits in [`edit`].
//!
//! It never starts anything and never touches the process environment: the
//! caller passes a variable lookup.

pub mod edit;
pub mod load;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::expand::expand;

/// Where a server definition came from. Ordered by precedence, highest
/// first: a `--mcp-config` value beats local, local beats project, project
/// beats user (whole entry from the winning scope, no field merge).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// `--mcp-config` values (highest; the only scope with `--strict-mcp-config`).
    Dynamic,
    /// `projects["<abs project dir>"].mcpServers` in a user state file; private.
    Local,
    /// `.mcp.json` at the project root; committed, needs approval.
    Project,
    /// Top-level `mcpServers` in a user state file.
    User,
}

impl Scope {
    /// The scope's name as `claude mcp … -s <scope>` spells it
    /// (`dynamic` for `--mcp-config`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dynamic => "dynamic",
            Self::Local => "local",
            Self::Project => "project",
            Self::User => "user",
        }
    }

    /// Parses `local`, `project` or `user` (the `-s` values); `None` otherwise.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "local" => Some(Self::Local),
            "project" => Some(Self::Project),
            "user" => Some(Self::User),
            _ => None,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stdio server: a command rudder starts and talks to over its stdin/stdout
/// (newline-delimited JSON-RPC, MCP spec "stdio" transport).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StdioSpec {
    /// Program, looked up on `PATH` when it has no `/`.
    pub command: String,
    /// Arguments, after expansion.
    pub args: Vec<String>,
    /// Variables added to rudder's own environment for this server.
    pub env: BTreeMap<String, String>,
    /// Working directory; `None` means the project directory.
    pub cwd: Option<PathBuf>,
}

/// A remote server reached over HTTP.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RemoteSpec {
    /// Endpoint URL, after expansion.
    pub url: String,
    /// Extra request headers (`Authorization`, …), after expansion.
    pub headers: BTreeMap<String, String>,
}

/// How to reach one server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ServerSpec {
    /// `"type": "stdio"` or no `type` with a `command`.
    Stdio(StdioSpec),
    /// `"type": "http"`: streamable HTTP (MCP spec 2025-03-26 and later).
    Http(RemoteSpec),
    /// `"type": "sse"`: the legacy HTTP+SSE transport (spec 2024-11-05),
    /// served by rudder's own client transport (rmcp 3.11 has none).
    Sse(RemoteSpec),
}

impl ServerSpec {
    /// `stdio`, `http` or `sse`.
    pub fn transport_name(&self) -> &'static str {
        match self {
            Self::Stdio(_) => "stdio",
            Self::Http(_) => "http",
            Self::Sse(_) => "sse",
        }
    }
}

/// A parsed, expanded server entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerEntry {
    /// Transport and its parameters.
    pub spec: ServerSpec,
    /// Per-server start-up timeout in milliseconds (Claude Code 2.1 `timeout`
    /// key); `None` means the manager's `MCP_TIMEOUT`.
    pub startup_timeout_ms: Option<u64>,
}

/// Whether a server may start. Only project-scope (`.mcp.json`) servers can
/// be anything but [`Approval::Approved`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    /// May start.
    Approved,
    /// Waits for the user's approval or for folder trust; reported as
    /// `pending` with the reason, never started.
    Pending(String),
    /// Listed in `disabledMcpjsonServers`; reported as `disabled`.
    Rejected,
}

/// One named server as configured, with its origin and approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfiguredServer {
    /// Name from the configuration (the `<server>` in `mcp__<server>__<tool>`).
    pub name: String,
    /// Scope that defined it.
    pub scope: Scope,
    /// File it came from, or `--mcp-config #<n>` for inline JSON.
    pub origin: String,
    /// The parsed entry, or why it is unusable (reported as `failed`).
    pub entry: Result<ServerEntry, String>,
    /// Whether it may start.
    pub approval: Approval,
    /// The entry exactly as written (before expansion), for `mcp get`.
    pub raw: Value,
}

/// Parses one `mcpServers` entry and expands `${VAR}` in it.
///
/// Takes the entry's JSON object and a variable lookup; relative `cwd`
/// values are resolved against `base_dir`. Returns the entry, or a message
/// naming the field at fault (`args[1]: environment variable … is not set`).
pub fn parse_entry(
    raw: &Value,
    base_dir: &Path,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<ServerEntry, String> {
    let Some(object) = raw.as_object() else {
        return Err("entry must be a JSON object".to_owned());
    };
    let kind = match object.get("type") {
        None | Some(Value::Null) => {
            if object.contains_key("command") {
                "stdio"
            } else if object.contains_key("url") {
                return Err(
                    "entry has a `url` but no `type`: add \"type\": \"http\" or \"type\": \"sse\""
                        .to_owned(),
                );
            } else {
                return Err("entry needs a `command` (stdio) or `type` and `url`".to_owned());
            }
        }
        Some(Value::String(kind)) => kind.as_str(),
        Some(_) => return Err("`type` must be a string".to_owned()),
    };
    let expand_field =
        |field: &str, text: &str| expand(text, lookup).map_err(|error| format!("{field}: {error}"));
    let spec = match kind {
        "stdio" => {
            let command = string_field(object, "command")?
                .ok_or_else(|| "stdio entry needs a `command`".to_owned())?;
            let command = expand_field("command", &command)?;
            let mut args = Vec::new();
            for (index, arg) in string_list(object, "args")?.iter().enumerate() {
                args.push(expand_field(&format!("args[{index}]"), arg)?);
            }
            let mut env = BTreeMap::new();
            for (key, value) in string_map(object, "env")? {
                let value = expand_field(&format!("env.{key}"), &value)?;
                env.insert(key, value);
            }
            let cwd = match string_field(object, "cwd")? {
                Some(cwd) => Some(base_dir.join(expand_field("cwd", &cwd)?)),
                None => None,
            };
            ServerSpec::Stdio(StdioSpec {
                command,
                args,
                env,
                cwd,
            })
        }
        "http" | "sse" | "streamable-http" | "streamableHttp" => {
            let url = string_field(object, "url")?
                .ok_or_else(|| format!("{kind} entry needs a `url`"))?;
            let url = expand_field("url", &url)?;
            let mut headers = BTreeMap::new();
            for (key, value) in string_map(object, "headers")? {
                let value = expand_field(&format!("headers.{key}"), &value)?;
                headers.insert(key, value);
            }
            let remote = RemoteSpec { url, headers };
            if kind == "sse" {
                ServerSpec::Sse(remote)
            } else {
                ServerSpec::Http(remote)
            }
        }
        "ws" => return Err("the `ws` transport is not supported by rudder".to_owned()),
        "sdk" => {
            return Err("`sdk` servers live inside an SDK host and cannot be started".to_owned());
        }
        other => {
            return Err(format!(
                "unknown transport type `{other}` (expected stdio, http or sse)"
            ));
        }
    };
    let startup_timeout_ms = match object.get("timeout") {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            value
                .as_u64()
                .ok_or_else(|| "`timeout` must be a whole number of milliseconds".to_owned())?,
        ),
    };
    Ok(ServerEntry {
        spec,
        startup_timeout_ms,
    })
}

fn string_field(object: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(format!("`{key}` must be a string")),
    }
}

fn string_list(object: &Map<String, Value>, key: &str) -> Result<Vec<String>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| match item {
                Value::String(text) => Ok(text.clone()),
                _ => Err(format!("`{key}[{index}]` must be a string")),
            })
            .collect(),
        Some(_) => Err(format!("`{key}` must be an array of strings")),
    }
}

fn string_map(object: &Map<String, Value>, key: &str) -> Result<Vec<(String, String)>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(name, value)| match value {
                Value::String(text) => Ok((name.clone(), text.clone())),
                Value::Number(number) => Ok((name.clone(), number.to_string())),
                Value::Bool(flag) => Ok((name.clone(), flag.to_string())),
                _ => Err(format!("`{key}.{name}` must be a string")),
            })
            .collect(),
        Some(_) => Err(format!("`{key}` must be an object of strings")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(name: &str) -> Option<String> {
        (name == "TOKEN").then(|| "t0k".to_owned())
    }

    #[test]
    fn stdio_entry_without_type_expands_every_field() {
        let raw = json!({
            "command": "${BIN:-npx}", "args": ["-y", "pkg@${VER:-1}"],
            "env": {"KEY": "${TOKEN}"}, "cwd": "sub"
        });
        let entry = parse_entry(&raw, Path::new("/p"), &env).unwrap();
        assert_eq!(
            entry.spec,
            ServerSpec::Stdio(StdioSpec {
                command: "npx".into(),
                args: vec!["-y".into(), "pkg@1".into()],
                env: BTreeMap::from([("KEY".into(), "t0k".into())]),
                cwd: Some(PathBuf::from("/p/sub")),
            })
        );
    }

    #[test]
    fn http_and_sse_entries_expand_url_and_headers() {
        let raw = json!({"type": "http", "url": "https://h/${X:-mcp}",
                         "headers": {"Authorization": "Bearer ${TOKEN}"}, "timeout": 5000});
        let entry = parse_entry(&raw, Path::new("/"), &env).unwrap();
        let ServerSpec::Http(remote) = entry.spec else {
            panic!("not http")
        };
        assert_eq!(remote.url, "https://h/mcp");
        assert_eq!(remote.headers["Authorization"], "Bearer t0k");
        assert_eq!(entry.startup_timeout_ms, Some(5000));
        let sse = parse_entry(&json!({"type": "sse", "url": "u"}), Path::new("/"), &env).unwrap();
        assert_eq!(sse.spec.transport_name(), "sse");
    }

    #[test]
    fn bad_entries_name_the_field() {
        let unset = parse_entry(
            &json!({"command": "x", "args": ["a", "${SECRET}"]}),
            Path::new("/"),
            &env,
        );
        assert!(
            unset
                .unwrap_err()
                .starts_with("args[1]: environment variable `SECRET`")
        );
        for (raw, needle) in [
            (json!([1]), "object"),
            (json!({"url": "u"}), "no `type`"),
            (json!({"type": "ws", "url": "u"}), "not supported"),
            (json!({"type": "carrier-pigeon"}), "unknown transport"),
            (json!({"command": 3}), "`command` must be a string"),
            (json!({"command": "x", "args": "a b"}), "array"),
            (json!({"type": "http"}), "needs a `url`"),
        ] {
            let error = parse_entry(&raw, Path::new("/"), &env).unwrap_err();
            assert!(error.contains(needle), "{raw}: {error}");
        }
    }
}

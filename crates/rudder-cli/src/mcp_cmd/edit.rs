//! `rudder mcp add`, `add-json` and `remove`: edits of the configuration
//! files, through `rudder-mcp`'s locked, atomic [`edit_file`].
//!
//! Where each scope lives: `local` → `projects["<cwd>"].mcpServers` of
//! `~/.rudder/mcp.json`; `user` → its top-level `mcpServers`; `project` →
//! `<cwd>/.mcp.json`. `remove` also looks in `~/.claude.json` (same keys).

use std::io::Read as _;
use std::path::{Path, PathBuf};

use rudder_mcp::config::Scope;
use rudder_mcp::config::edit::{
    AddArgs, AddTransport, EditTarget, edit_file, entry_from_add_args, entry_from_json,
    insert_server, remove_server, validate_name,
};
use serde_json::Value;

use super::{CmdContext, CmdError};
use crate::mcp_setup::rudder_user_file;

/// `rudder mcp add`.
#[derive(Debug, clap::Args)]
pub struct AddCommand {
    /// Scope: local (this project, private; the default), user (every
    /// project) or project (`.mcp.json`, shared with the repository).
    #[arg(short = 's', long, default_value = "local")]
    scope: String,
    /// Transport: stdio (the default), http (streamable HTTP) or sse.
    #[arg(short = 't', long, default_value = "stdio")]
    transport: String,
    /// An environment variable for a stdio server, `KEY=value` (repeat the
    /// flag for several).
    #[arg(short = 'e', long = "env")]
    env: Vec<String>,
    /// A header for an http or sse server, `"Name: value"` (repeatable).
    #[arg(short = 'H', long = "header")]
    header: Vec<String>,
    /// Server name: letters, digits, `-` and `_`.
    name: String,
    /// The command (stdio) or URL, then the command's arguments. Options
    /// may come anywhere before `--`; everything after `--` belongs to the
    /// server (`rudder mcp add fs -- npx -y pkg /dir`).
    #[arg(required = true, num_args = 1..)]
    command: Vec<String>,
}

/// `rudder mcp add-json`.
#[derive(Debug, clap::Args)]
pub struct AddJsonCommand {
    /// Scope: local (default), user or project.
    #[arg(short = 's', long, default_value = "local")]
    scope: String,
    /// Server name.
    name: String,
    /// The server's JSON entry, e.g. `{"type":"http","url":"…"}`; `-` reads
    /// it from stdin.
    json: String,
}

fn parse_scope(text: &str) -> Result<Scope, CmdError> {
    Scope::parse(text).ok_or_else(|| {
        CmdError::Usage(format!(
            "invalid scope `{text}`: use local, user or project"
        ))
    })
}

/// The file and place a scope's servers are written to.
fn write_target(context: &CmdContext, scope: Scope) -> (PathBuf, EditTarget) {
    match scope {
        Scope::Project => (context.cwd.join(".mcp.json"), EditTarget::TopLevel),
        scope => (
            rudder_user_file(&context.rudder_home),
            EditTarget::for_scope(scope, &context.cwd),
        ),
    }
}

/// Adds `entry` as `name` in `scope` and says where.
fn insert(
    context: &CmdContext,
    scope: Scope,
    name: &str,
    entry: Value,
    summary: &str,
) -> Result<(), CmdError> {
    let (path, target) = write_target(context, scope);
    edit_file(&path, |document| {
        insert_server(document, &target, name, entry, scope, &path)
    })?;
    println!("Added {summary} to {scope} config");
    println!("File modified: {}", path.display());
    Ok(())
}

/// `rudder mcp add`. Errors: a bad name, scope, transport or flag mix; the
/// name already in that scope; the file cannot be written.
pub fn add(context: &CmdContext, command: &AddCommand) -> Result<(), CmdError> {
    validate_name(&command.name)?;
    let scope = parse_scope(&command.scope)?;
    let transport = AddTransport::parse(&command.transport)?;
    let (first, rest) = command
        .command
        .split_first()
        .ok_or_else(|| CmdError::Usage("missing <commandOrUrl>".to_owned()))?;
    let entry = entry_from_add_args(&AddArgs {
        transport,
        env: command.env.clone(),
        headers: command.header.clone(),
        command_or_url: first.clone(),
        args: rest.to_vec(),
    })?;
    let summary = match transport {
        AddTransport::Stdio => format!(
            "stdio MCP server {} with command: {}",
            command.name,
            command.command.join(" ")
        ),
        AddTransport::Http => format!("HTTP MCP server {} with URL: {first}", command.name),
        AddTransport::Sse => format!("SSE MCP server {} with URL: {first}", command.name),
    };
    insert(context, scope, &command.name, entry, &summary)
}

/// `rudder mcp add-json`. Errors: as [`add`], or JSON that is not a valid
/// server entry.
pub fn add_json(context: &CmdContext, command: &AddJsonCommand) -> Result<(), CmdError> {
    validate_name(&command.name)?;
    let scope = parse_scope(&command.scope)?;
    let text = if command.json == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|error| CmdError::Failed(format!("cannot read stdin: {error}")))?;
        text
    } else {
        command.json.clone()
    };
    let entry = entry_from_json(&text)?;
    let kind = entry
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("stdio")
        .to_owned();
    insert(
        context,
        scope,
        &command.name,
        entry,
        &format!("{kind} MCP server {}", command.name),
    )
}

/// Every place a server of `scope` may be defined: rudder's file first.
fn places(context: &CmdContext, scope: Scope) -> Vec<(PathBuf, EditTarget)> {
    let claude_json = context
        .lookup("CLAUDE_CONFIG_DIR")
        .filter(|dir| !dir.is_empty())
        .map(|dir| PathBuf::from(dir).join(".claude.json"))
        .or_else(|| {
            context
                .lookup("HOME")
                .map(|home| PathBuf::from(home).join(".claude.json"))
        });
    match scope {
        Scope::Project => vec![(context.cwd.join(".mcp.json"), EditTarget::TopLevel)],
        scope => {
            let target = EditTarget::for_scope(scope, &context.cwd);
            let mut places = vec![(rudder_user_file(&context.rudder_home), target.clone())];
            places.extend(claude_json.map(|path| (path, target)));
            places
        }
    }
}

/// Whether `path` defines `name` at `target` (an unreadable file does not).
fn defines(path: &Path, target: &EditTarget, name: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let Ok(document) = serde_json::from_str::<Value>(&text) else {
        return false;
    };
    let holder = match target {
        EditTarget::TopLevel => Some(&document),
        EditTarget::Project(key) => document.get("projects").and_then(|p| p.get(key)),
    };
    holder
        .and_then(|holder| holder.get("mcpServers"))
        .and_then(|servers| servers.get(name))
        .is_some()
}

/// `rudder mcp remove`. Errors: bad scope; the name in no scope (or not in
/// the given one); in several scopes without `-s`; a file cannot be written.
pub fn remove(context: &CmdContext, scope: Option<&str>, name: &str) -> Result<(), CmdError> {
    let scopes = match scope {
        Some(text) => vec![parse_scope(text)?],
        None => vec![Scope::Local, Scope::Project, Scope::User],
    };
    let found: Vec<(Scope, PathBuf, EditTarget)> = scopes
        .iter()
        .flat_map(|scope| {
            places(context, *scope)
                .into_iter()
                .filter(|(path, target)| defines(path, target, name))
                .map(|(path, target)| (*scope, path, target))
        })
        .collect();
    let mut in_scopes: Vec<Scope> = found.iter().map(|(scope, _, _)| *scope).collect();
    in_scopes.dedup();
    match in_scopes.as_slice() {
        [] => {
            return Err(CmdError::Failed(match scope {
                Some(scope) => format!("No MCP server named {name} found in {scope} config"),
                None => format!("No MCP server found with name: {name}"),
            }));
        }
        [_] => {}
        several => {
            let list: Vec<&str> = several.iter().map(|scope| scope.as_str()).collect();
            return Err(CmdError::Usage(format!(
                "MCP server {name} exists in several scopes ({}); choose one with -s",
                list.join(", ")
            )));
        }
    }
    for (scope, path, target) in found {
        edit_file(&path, |document| {
            remove_server(document, &target, name, scope, &path)
        })?;
        println!("Removed MCP server {name} from {scope} config");
        println!("File modified: {}", path.display());
    }
    Ok(())
}

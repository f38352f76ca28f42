//! Subagent definitions: Markdown files in `agents/` folders, `--agents`
//! JSON, and rudder's built-ins.
//!
//! Contract (CLAUDE-CODE-INTERFACE.md §9.1): YAML front matter with `name`
//! and `description` (both required; a file without them is skipped with
//! a warning), `tools` (comma list or YAML list; omitted = inherit every
//! tool), `disallowedTools`, `model` (`sonnet`, `opus`, `haiku`, `inherit`
//! or a model id), `permissionMode`, `maxTurns`; the body is the system
//! prompt. Priority on a name clash: `--agents` > project > user >
//! built-in (`.rudder` beats `.claude` at the same level). The agent runs
//! them; this module only reads them.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use rudder_protocol::PermissionMode;
use serde::Deserialize;

use crate::discover::{
    DefinitionScope, MAX_MARKDOWN_BYTES, definition_roots, markdown_files, read_optional,
    withhold_if_untrusted,
};
use crate::error::{ConfigError, json_message, json_position};
use crate::frontmatter::{self, rule_list};
use crate::paths::{ConfigPaths, SourceSet};
use crate::settings::WithheldKey;

mod builtin;

pub use builtin::builtin_agents;

/// The model a subagent runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentModel {
    /// The Sonnet alias.
    Sonnet,
    /// The Opus alias.
    Opus,
    /// The Haiku alias.
    Haiku,
    /// The parent's model.
    Inherit,
    /// A full model id.
    Id(String),
}

impl AgentModel {
    /// Reads a `model` value; anything but the four keywords is an id.
    pub fn parse(text: &str) -> Self {
        match text.trim() {
            "sonnet" => Self::Sonnet,
            "opus" => Self::Opus,
            "haiku" => Self::Haiku,
            "inherit" => Self::Inherit,
            id => Self::Id(id.to_owned()),
        }
    }
}

/// One subagent type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentDef {
    /// `name`: the `subagent_type` the Task tool names.
    pub name: String,
    /// `description`: when to delegate to it (shown to the model).
    pub description: String,
    /// `tools`: tool names or rules it may use; `None` inherits the
    /// parent's tools (MCP ones included).
    pub tools: Option<Vec<String>>,
    /// `disallowedTools`: removed from its tools.
    pub disallowed_tools: Vec<String>,
    /// `model`; `None` uses the default subagent model.
    pub model: Option<AgentModel>,
    /// `permissionMode` it runs in; `None` inherits.
    pub permission_mode: Option<PermissionMode>,
    /// `maxTurns`: most model turns before it must return.
    pub max_turns: Option<u32>,
    /// Built-in read-only agents (Explore, Plan): the runner refuses every
    /// call the policy does not judge read-only, whatever the mode.
    pub read_only: bool,
    /// The system prompt (the file's body).
    pub prompt: String,
    /// Where it came from.
    pub scope: DefinitionScope,
    /// The file; `None` for built-ins and `--agents`.
    pub path: Option<PathBuf>,
}

/// The agent types available, sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentSet {
    /// One definition per name (the winning one).
    pub agents: Vec<AgentDef>,
    /// Skipped files and entries.
    pub warnings: Vec<ConfigError>,
    /// `permissionMode` of project agents held back because the folder is
    /// not trusted.
    pub withheld: Vec<WithheldKey>,
}

impl AgentSet {
    /// The agent called `name`.
    pub fn get(&self, name: &str) -> Option<&AgentDef> {
        self.agents.iter().find(|agent| agent.name == name)
    }
}

/// Fields of a definition, from front matter or `--agents` JSON.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct AgentFields {
    name: Option<String>,
    description: Option<String>,
    #[serde(deserialize_with = "rule_list")]
    tools: Option<Vec<String>>,
    #[serde(deserialize_with = "rule_list")]
    disallowed_tools: Option<Vec<String>>,
    model: Option<String>,
    permission_mode: Option<PermissionMode>,
    max_turns: Option<u32>,
    /// `--agents` only: the system prompt.
    prompt: Option<String>,
}

/// Every agent type: `--agents` JSON (`cli_agents`, the flag's value),
/// project and user files of the enabled sources, and the built-ins. When
/// the project folder is not `trusted`, project agents lose their
/// `permissionMode` (listed in [`AgentSet::withheld`]): a repository's
/// agent must not run in `bypassPermissions` before trust.
pub fn discover_agents(
    paths: &ConfigPaths,
    sources: SourceSet,
    cli_agents: Option<&str>,
    trusted: bool,
) -> AgentSet {
    let mut set = AgentSet::default();
    let mut found: Vec<AgentDef> = Vec::new();
    if let Some(json) = cli_agents {
        found.extend(parse_cli_agents(json, &mut set.warnings));
    }
    for (scope, root) in definition_roots(paths, sources, "agents") {
        for path in markdown_files(&root) {
            if let Some(mut agent) = read_agent_file(&path, scope, &mut set.warnings) {
                withhold_if_untrusted(
                    &mut agent.permission_mode,
                    scope,
                    trusted,
                    &path,
                    "permissionMode",
                    &mut set.withheld,
                );
                found.push(agent);
            }
        }
    }
    found.extend(builtin_agents());
    for agent in found {
        match set.agents.iter().find(|known| known.name == agent.name) {
            Some(known)
                if known.scope == agent.scope
                    && known.path.is_some()
                    && same_folder(known, &agent) =>
            {
                if let (Some(path), Some(kept)) = (agent.path, known.path.clone()) {
                    set.warnings.push(ConfigError::DuplicateName {
                        path,
                        kind: "agent",
                        name: agent.name,
                        kept,
                    });
                }
            }
            Some(_) => {}
            None => set.agents.push(agent),
        }
    }
    set.agents.sort_by(|a, b| a.name.cmp(&b.name));
    set
}

/// Whether two file definitions sit under the same `agents/` folder.
fn same_folder(a: &AgentDef, b: &AgentDef) -> bool {
    let root = |agent: &AgentDef| {
        agent.path.as_ref().and_then(|path| {
            path.ancestors()
                .find(|dir| dir.file_name().is_some_and(|name| name == "agents"))
                .map(Path::to_owned)
        })
    };
    root(a) == root(b)
}

fn read_agent_file(
    path: &Path,
    scope: DefinitionScope,
    warnings: &mut Vec<ConfigError>,
) -> Option<AgentDef> {
    let text = match read_optional(path, MAX_MARKDOWN_BYTES) {
        Ok(text) => text?,
        Err(error) => {
            warnings.push(error);
            return None;
        }
    };
    let document = frontmatter::split(&text);
    let fields: AgentFields = match frontmatter::parse(document.front, path) {
        Ok(fields) => fields,
        Err(error) => {
            warnings.push(error);
            return None;
        }
    };
    let prompt = document.body.trim().to_owned();
    build(
        fields,
        prompt,
        scope,
        Some(path.to_owned()),
        path,
        "",
        warnings,
    )
}

/// Subagent types from `--agents`-shaped JSON — also what the Agent SDK
/// sends in its `initialize` request: the definitions (scope
/// [`DefinitionScope::Cli`]) and the problems found (malformed JSON,
/// entries without a description or prompt, which are skipped).
pub fn agents_from_json(json: &str) -> (Vec<AgentDef>, Vec<ConfigError>) {
    let mut warnings = Vec::new();
    let agents = parse_cli_agents(json, &mut warnings);
    (agents, warnings)
}

/// Parses `--agents` JSON: `{"name": {"description", "prompt", "tools"?, …}}`.
fn parse_cli_agents(json: &str, warnings: &mut Vec<ConfigError>) -> Vec<AgentDef> {
    let flag = Path::new("--agents");
    let entries = match serde_json::from_str::<IndexMap<String, AgentFields>>(json) {
        Ok(entries) => entries,
        Err(error) => {
            warnings.push(ConfigError::Syntax {
                path: flag.to_owned(),
                position: json_position(&error),
                message: json_message(&error),
            });
            return Vec::new();
        }
    };
    entries
        .into_iter()
        .filter_map(|(name, mut fields)| {
            fields.name = Some(name.clone());
            let prompt = fields.prompt.take().unwrap_or_default();
            if prompt.trim().is_empty() {
                warnings.push(ConfigError::MissingField {
                    path: flag.to_owned(),
                    field: format!("{name}.prompt"),
                });
                return None;
            }
            build(
                fields,
                prompt,
                DefinitionScope::Cli,
                None,
                flag,
                &format!("{name}."),
                warnings,
            )
        })
        .collect()
}

/// Checks the required fields and assembles the definition.
fn build(
    fields: AgentFields,
    prompt: String,
    scope: DefinitionScope,
    path: Option<PathBuf>,
    source: &Path,
    field_prefix: &str,
    warnings: &mut Vec<ConfigError>,
) -> Option<AgentDef> {
    let required = |value: Option<String>, field: &str, warnings: &mut Vec<ConfigError>| {
        let value = value.filter(|value| !value.trim().is_empty());
        if value.is_none() {
            warnings.push(ConfigError::MissingField {
                path: source.to_owned(),
                field: format!("{field_prefix}{field}"),
            });
        }
        value
    };
    let name = required(fields.name, "name", warnings);
    let description = required(fields.description, "description", warnings);
    Some(AgentDef {
        name: name?.trim().to_owned(),
        description: description?.trim().to_owned(),
        tools: fields.tools,
        disallowed_tools: fields.disallowed_tools.unwrap_or_default(),
        model: fields.model.as_deref().map(AgentModel::parse),
        permission_mode: fields.permission_mode,
        max_turns: fields.max_turns,
        read_only: false,
        prompt,
        scope,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_agents_parse_like_the_flag_and_report_bad_entries() {
        let (agents, warnings) = agents_from_json(
            r#"{"greeter": {"description": "Greets", "prompt": "Say hi.", "tools": ["Read"],
                "model": "haiku", "skills": ["x"], "memory": "user"},
               "broken": {"description": "No prompt"}}"#,
        );
        assert_eq!(agents.len(), 1);
        assert_eq!(agents[0].name, "greeter");
        assert_eq!(agents[0].scope, DefinitionScope::Cli);
        assert_eq!(agents[0].model, Some(AgentModel::Haiku));
        assert_eq!(agents[0].tools.as_deref(), Some(&["Read".to_owned()][..]));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let (none, warnings) = agents_from_json("{not json");
        assert!(none.is_empty());
        assert_eq!(warnings.len(), 1);
    }
}

//! Custom slash commands: Markdown files in `commands/` folders.
//!
//! Contract (CLAUDE-CODE-INTERFACE.md §8): project commands in
//! `.claude/commands/**.md` (and rudder's `.rudder/commands/`), user
//! commands in `~/.claude/commands/**.md` (and `~/.rudder/commands/`). The
//! name is the file name without `.md`; subfolders only label it
//! (`frontend/button.md` is `/button`, listed as `(project:frontend)`). On a
//! name clash project beats user, and `.rudder` beats `.claude` at the
//! same level. Front matter: `description` (default: the body's first
//! line), `allowed-tools`, `argument-hint`, `model`,
//! `disable-model-invocation`. Built-in commands are the agent's.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};

use crate::discover::{
    BadFrontMatter, DefinitionScope, Named, add_unless_known, definition_roots, markdown_files,
    read_definition, withhold_if_untrusted,
};
use crate::error::ConfigError;
use crate::expand::{
    ExpandError, Expansion, Positional, inline_shell_and_files, substitute_arguments,
};
use crate::frontmatter::{first_line, rule_list};
use crate::paths::{ConfigPaths, SourceSet};
use crate::settings::WithheldKey;

/// One custom command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandDef {
    /// The name typed after `/`.
    pub name: String,
    /// Subfolders joined with `:` (`frontend:forms`), if any.
    pub namespace: Option<String>,
    /// Project or user.
    pub scope: DefinitionScope,
    /// The file.
    pub path: PathBuf,
    /// `description`, else the body's first line.
    pub description: String,
    /// `allowed-tools`: permission rules for what the command (and its
    /// `` !`…` `` spans) may run; empty when not given.
    pub allowed_tools: Vec<String>,
    /// `argument-hint`, shown after the name in completions.
    pub argument_hint: Option<String>,
    /// `model` to run the command with.
    pub model: Option<String>,
    /// `disable-model-invocation`: the model may not call it through the
    /// SlashCommand/Skill tool.
    pub disable_model_invocation: bool,
    /// The prompt template (after the front matter).
    pub body: String,
}

impl CommandDef {
    /// The listing label: `(project)`, `(user)`, `(project:frontend)`.
    pub fn label(&self) -> String {
        match &self.namespace {
            Some(namespace) => format!("({}:{namespace})", self.scope),
            None => format!("({})", self.scope),
        }
    }
}

/// The commands found, sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandSet {
    /// One definition per name (the winning one).
    pub commands: Vec<CommandDef>,
    /// Unreadable files, bad front matter, same-folder name clashes.
    pub warnings: Vec<ConfigError>,
    /// `allowed-tools` of project commands held back because the folder is
    /// not trusted.
    pub withheld: Vec<WithheldKey>,
}

impl CommandSet {
    /// The command called `name` (without the `/`).
    pub fn get(&self, name: &str) -> Option<&CommandDef> {
        self.commands.iter().find(|command| command.name == name)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct CommandFront {
    description: Option<String>,
    #[serde(deserialize_with = "rule_list")]
    allowed_tools: Option<Vec<String>>,
    #[serde(deserialize_with = "hint")]
    argument_hint: Option<String>,
    model: Option<String>,
    disable_model_invocation: bool,
}

/// `argument-hint: [pr] [priority]` is a YAML list (or invalid YAML read
/// leniently); show list items in brackets again.
fn hint<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        One(String),
        Many(Vec<String>),
    }
    Ok(
        Option::<Form>::deserialize(deserializer)?.map(|form| match form {
            Form::One(text) => text,
            Form::Many(items) => items
                .iter()
                .map(|item| format!("[{item}]"))
                .collect::<Vec<_>>()
                .join(" "),
        }),
    )
}

/// Finds every command of the enabled sources. Never fails: problems are in
/// [`CommandSet::warnings`]. When the project folder is not `trusted`,
/// project commands lose their `allowed-tools` (listed in
/// [`CommandSet::withheld`]): their `` !`…` `` spans then go through the
/// normal permission checks.
pub fn discover_commands(paths: &ConfigPaths, sources: SourceSet, trusted: bool) -> CommandSet {
    let mut set = CommandSet::default();
    for (scope, root) in definition_roots(paths, sources, "commands") {
        for path in markdown_files(&root) {
            let Some(mut command) = read_command(&path, &root, scope, &mut set.warnings) else {
                continue;
            };
            withhold_if_untrusted(
                &mut command.allowed_tools,
                scope,
                trusted,
                &path,
                "allowed-tools",
                &mut set.withheld,
            );
            add_unless_known(
                &mut set.commands,
                command,
                &root,
                "command",
                &mut set.warnings,
            );
        }
    }
    set.commands.sort_by(|a, b| a.name.cmp(&b.name));
    set
}

fn read_command(
    path: &Path,
    root: &Path,
    scope: DefinitionScope,
    warnings: &mut Vec<ConfigError>,
) -> Option<CommandDef> {
    let (front, body): (CommandFront, String) =
        read_definition(path, BadFrontMatter::UseDefaults, warnings)?;
    let name = path.file_stem()?.to_string_lossy().into_owned();
    let namespace = path
        .parent()
        .and_then(|parent| parent.strip_prefix(root).ok())
        .map(|relative| {
            relative
                .components()
                .map(|part| part.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(":")
        })
        .filter(|namespace| !namespace.is_empty());
    Some(CommandDef {
        name,
        namespace,
        scope,
        path: path.to_owned(),
        description: front
            .description
            .filter(|description| !description.trim().is_empty())
            .unwrap_or_else(|| first_line(&body)),
        allowed_tools: front.allowed_tools.unwrap_or_default(),
        argument_hint: front.argument_hint,
        model: front.model,
        disable_model_invocation: front.disable_model_invocation,
        body,
    })
}

/// The prompt for `/name args`: arguments substituted (`$ARGUMENTS`, `$1`
/// from one, `$ARGUMENTS[0]` from zero), then `` !`…` `` and `@file`
/// inlined through the callbacks (see [`inline_shell_and_files`]).
///
/// # Errors
/// [`ExpandError::Shell`] when a `` !`…` `` command was refused.
pub fn expand_command(
    command: &CommandDef,
    args: &str,
    shell: &mut dyn FnMut(&str) -> Result<String, String>,
    read_file: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<Expansion, ExpandError> {
    let text = substitute_arguments(&command.body, args, Positional::OneBased);
    inline_shell_and_files(&text, shell, read_file)
}

impl Named for CommandDef {
    fn name(&self) -> &str {
        &self.name
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

//! Skills: `SKILL.md` folders, listed by name and description, loaded in
//! full only when invoked.
//!
//! Contract (CLAUDE-CODE-INTERFACE.md §9.2): `~/.claude/skills/<name>/SKILL.md`
//! and `.claude/skills/<name>/SKILL.md` (and the `.rudder/skills/`
//! folders). Front matter: `name` (default: the folder's name),
//! `description` (default: the body's first line; the listing cuts it at
//! [`MAX_SKILL_DESCRIPTION_CHARS`] characters), `allowed-tools`,
//! `argument-hint`, `model`, `disable-model-invocation` (kept out of the
//! model's listing). On a name clash the user's skill beats the project's
//! (Claude Code 2.1: personal over project, so a repository cannot shadow
//! a user's skill); `.rudder` beats `.claude` at the same level.
//!
//! Substitutions when loaded: `$ARGUMENTS`, `$ARGUMENTS[N]` and `$N`
//! (counted from zero, unlike commands), `${CLAUDE_SKILL_DIR}`,
//! `${CLAUDE_SESSION_ID}`, `${CLAUDE_PROJECT_DIR}`. `` !`…` `` spans are
//! left for the agent to run with [`crate::expand::inline_shell_and_files`]
//! when its policy allows.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::discover::{
    BadFrontMatter, DefinitionScope, MAX_MARKDOWN_BYTES, Named, add_unless_known, definition_roots,
    read_definition, read_optional, subfolders, withhold_if_untrusted,
};
use crate::error::ConfigError;
use crate::expand::{Positional, substitute_arguments};
use crate::frontmatter::{self, first_line, rule_list};
use crate::paths::{ConfigPaths, SourceSet};
use crate::settings::WithheldKey;

/// Longest description shown in the listing, in characters.
pub const MAX_SKILL_DESCRIPTION_CHARS: usize = 1536;

/// One skill (its body is read again by [`load_skill`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillDef {
    /// The name the Skill tool takes.
    pub name: String,
    /// What it does and when to use it.
    pub description: String,
    /// `allowed-tools`: rules the skill may run without asking; empty when
    /// not given.
    pub allowed_tools: Vec<String>,
    /// `argument-hint`.
    pub argument_hint: Option<String>,
    /// `model` to run it with.
    pub model: Option<String>,
    /// `disable-model-invocation`: only the user can invoke it.
    pub disable_model_invocation: bool,
    /// User or project.
    pub scope: DefinitionScope,
    /// The skill's folder (`${CLAUDE_SKILL_DIR}`).
    pub dir: PathBuf,
    /// Its `SKILL.md`.
    pub path: PathBuf,
}

/// The skills found, sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkillSet {
    /// One definition per name.
    pub skills: Vec<SkillDef>,
    /// Unreadable files, bad front matter, same-folder clashes.
    pub warnings: Vec<ConfigError>,
    /// `allowed-tools` of project skills held back because the folder is
    /// not trusted.
    pub withheld: Vec<WithheldKey>,
}

impl SkillSet {
    /// The skill called `name`.
    pub fn get(&self, name: &str) -> Option<&SkillDef> {
        self.skills.iter().find(|skill| skill.name == name)
    }
}

/// Values for the `${…}` variables of a skill body; `None` leaves the
/// placeholder as written.
#[derive(Debug, Clone, Copy, Default)]
pub struct SkillVars<'a> {
    /// `${CLAUDE_SESSION_ID}`.
    pub session_id: Option<&'a str>,
    /// `${CLAUDE_PROJECT_DIR}`.
    pub project_dir: Option<&'a Path>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct SkillFront {
    name: Option<String>,
    description: Option<String>,
    #[serde(deserialize_with = "rule_list")]
    allowed_tools: Option<Vec<String>>,
    argument_hint: Option<String>,
    model: Option<String>,
    disable_model_invocation: bool,
}

/// Finds every skill of the enabled sources. When the project folder is not
/// `trusted`, project skills lose their `allowed-tools` (listed in
/// [`SkillSet::withheld`]), since the model can invoke a skill on its own.
pub fn discover_skills(paths: &ConfigPaths, sources: SourceSet, trusted: bool) -> SkillSet {
    let mut set = SkillSet::default();
    let mut roots = definition_roots(paths, sources, "skills");
    roots.sort_by_key(|(scope, _)| *scope != DefinitionScope::User);
    for (scope, root) in roots {
        for dir in subfolders(&root) {
            let path = dir.join("SKILL.md");
            let Some(mut skill) = read_skill(&dir, &path, scope, &mut set.warnings) else {
                continue;
            };
            withhold_if_untrusted(
                &mut skill.allowed_tools,
                scope,
                trusted,
                &path,
                "allowed-tools",
                &mut set.withheld,
            );
            add_unless_known(&mut set.skills, skill, &root, "skill", &mut set.warnings);
        }
    }
    set.skills.sort_by(|a, b| a.name.cmp(&b.name));
    set
}

fn read_skill(
    dir: &Path,
    path: &Path,
    scope: DefinitionScope,
    warnings: &mut Vec<ConfigError>,
) -> Option<SkillDef> {
    let (front, body): (SkillFront, String) =
        read_definition(path, BadFrontMatter::Skip, warnings)?;
    let folder_name = dir.file_name()?.to_string_lossy().into_owned();
    Some(SkillDef {
        name: front
            .name
            .filter(|name| !name.trim().is_empty())
            .unwrap_or(folder_name),
        description: front
            .description
            .filter(|description| !description.trim().is_empty())
            .unwrap_or_else(|| first_line(&body)),
        allowed_tools: front.allowed_tools.unwrap_or_default(),
        argument_hint: front.argument_hint,
        model: front.model,
        disable_model_invocation: front.disable_model_invocation,
        scope,
        dir: dir.to_owned(),
        path: path.to_owned(),
    })
}

/// The skills the model may invoke, one `- name: description` line each
/// (descriptions cut at [`MAX_SKILL_DESCRIPTION_CHARS`] characters with
/// `…`, newlines flattened), sorted by name. Stable for the same skills;
/// the agent freezes it into the transcript. Empty when there are none.
pub fn skill_listing(set: &SkillSet) -> String {
    let mut text = String::new();
    for skill in set
        .skills
        .iter()
        .filter(|skill| !skill.disable_model_invocation)
    {
        let flat = skill
            .description
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let description = if flat.chars().count() > MAX_SKILL_DESCRIPTION_CHARS {
            let cut: String = flat.chars().take(MAX_SKILL_DESCRIPTION_CHARS - 1).collect();
            format!("{cut}…")
        } else {
            flat
        };
        text.push_str(&format!("- {}: {description}\n", skill.name));
    }
    text
}

/// The full text of skill `name` for invocation with `args`: a line
/// naming the skill's folder (so the model can read its supporting files),
/// then the body with arguments (from zero) and variables substituted.
/// Reads `SKILL.md` again, so edits since discovery are seen.
///
/// # Errors
/// [`ConfigError::NotFound`] for an unknown name; [`ConfigError::Read`] (or
/// `TooLarge`) when the file can no longer be read.
pub fn load_skill(
    set: &SkillSet,
    name: &str,
    args: &str,
    vars: &SkillVars<'_>,
) -> Result<String, ConfigError> {
    let skill = set.get(name).ok_or_else(|| ConfigError::NotFound {
        kind: "skill",
        name: name.to_owned(),
    })?;
    let text =
        read_optional(&skill.path, MAX_MARKDOWN_BYTES)?.ok_or_else(|| ConfigError::Read {
            path: skill.path.clone(),
            message: "no longer exists".into(),
        })?;
    let mut body = frontmatter::split(&text).body.trim().to_owned();
    let dir = skill.dir.to_string_lossy();
    body = body.replace("${CLAUDE_SKILL_DIR}", &dir);
    if let Some(session_id) = vars.session_id {
        body = body.replace("${CLAUDE_SESSION_ID}", session_id);
    }
    if let Some(project_dir) = vars.project_dir {
        body = body.replace("${CLAUDE_PROJECT_DIR}", &project_dir.to_string_lossy());
    }
    let body = substitute_arguments(&body, args, Positional::ZeroBased);
    Ok(format!("Skill folder: {dir}\n\n{body}\n"))
}

impl Named for SkillDef {
    fn name(&self) -> &str {
        &self.name
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

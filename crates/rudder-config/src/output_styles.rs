//! Output styles: named system-prompt variations, built in or from
//! `output-styles/` folders.
//!
//! Contract (CLAUDE-CODE-INTERFACE.md §9.3): Markdown files in
//! `~/.claude/output-styles/` and `.claude/output-styles/` (and the
//! `.rudder/` folders) with front matter `name` (default: the file name),
//! `description`, `keep-coding-instructions` (default false: the style
//! replaces the coding parts of the system prompt). Built-ins: `default`,
//! `Explanatory`, `Learning` (rudder's own wording). Project beats user
//! beats built-in on a name clash; names compare case-insensitively. The
//! `outputStyle` setting selects one.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::discover::{
    BadFrontMatter, DefinitionScope, definition_roots, markdown_files, read_definition,
};
use crate::error::ConfigError;
use crate::paths::{ConfigPaths, SourceSet};

/// One output style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputStyle {
    /// Its name (`outputStyle` value).
    pub name: String,
    /// For pickers.
    pub description: String,
    /// Keep the coding instructions of the system prompt (true) or replace
    /// them with `prompt` (false).
    pub keep_coding_instructions: bool,
    /// Text added to the system prompt; empty for `default`.
    pub prompt: String,
    /// Where it came from.
    pub scope: DefinitionScope,
    /// The file; `None` for built-ins.
    pub path: Option<PathBuf>,
}

/// The styles available: project, user, then built-in ones not shadowed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputStyleSet {
    /// One per name.
    pub styles: Vec<OutputStyle>,
    /// Unreadable files and bad front matter.
    pub warnings: Vec<ConfigError>,
}

impl OutputStyleSet {
    /// The style called `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&OutputStyle> {
        self.styles
            .iter()
            .find(|style| style.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct StyleFront {
    name: Option<String>,
    description: Option<String>,
    keep_coding_instructions: bool,
}

const EXPLANATORY: &str = "\
# Output style: Explanatory

Besides doing the task, help the user understand the codebase and the \
choices you make. When you make a decision that is not obvious — picking \
one approach over another, following a convention you noticed, working \
around a limitation — add a short note explaining it. Mark these notes \
clearly, for example with a line starting `Insight:`, keep each to two or \
three sentences, and tie them to this code rather than general theory. Do \
not let the explanations slow the work down or replace doing it.";

const LEARNING: &str = "\
# Output style: Learning

The user wants to learn by doing. Do the surrounding work yourself, but at \
a few meaningful points — a key function, a design decision, a tricky \
condition — leave a small, clearly marked piece for the user to write (for \
example a comment starting `YOUR TURN:` that says what it should do), explain what is \
needed and why, and wait for them. Keep such requests to one at a time and \
small enough to finish in a few minutes. Explain the reasoning behind the \
choices you make yourself as you go.";

/// The built-in styles: `default` (no change), `Explanatory`, `Learning`.
pub fn builtin_output_styles() -> Vec<OutputStyle> {
    let style = |name: &str, description: &str, prompt: &str| OutputStyle {
        name: name.to_owned(),
        description: description.to_owned(),
        keep_coding_instructions: true,
        prompt: prompt.to_owned(),
        scope: DefinitionScope::BuiltIn,
        path: None,
    };
    vec![
        style("default", "rudder's normal behaviour for software work", ""),
        style(
            "Explanatory",
            "Does the work and explains the decisions and the codebase along the way",
            EXPLANATORY,
        ),
        style(
            "Learning",
            "Works with you, leaving small pieces for you to write so you learn",
            LEARNING,
        ),
    ]
}

/// Finds the output styles of the enabled sources, plus the built-ins.
pub fn discover_output_styles(paths: &ConfigPaths, sources: SourceSet) -> OutputStyleSet {
    let mut set = OutputStyleSet::default();
    for (scope, root) in definition_roots(paths, sources, "output-styles") {
        for path in markdown_files(&root) {
            if let Some(style) = read_style(&path, scope, &mut set.warnings)
                && set.get(&style.name).is_none()
            {
                set.styles.push(style);
            }
        }
    }
    for style in builtin_output_styles() {
        if set.get(&style.name).is_none() {
            set.styles.push(style);
        }
    }
    set
}

fn read_style(
    path: &Path,
    scope: DefinitionScope,
    warnings: &mut Vec<ConfigError>,
) -> Option<OutputStyle> {
    let (front, body): (StyleFront, String) =
        read_definition(path, BadFrontMatter::Skip, warnings)?;
    Some(OutputStyle {
        name: front
            .name
            .filter(|name| !name.trim().is_empty())
            .unwrap_or_else(|| {
                path.file_stem()
                    .map(|stem| stem.to_string_lossy().into_owned())
                    .unwrap_or_default()
            }),
        description: front.description.unwrap_or_default(),
        keep_coding_instructions: front.keep_coding_instructions,
        prompt: body.trim().to_owned(),
        scope,
        path: Some(path.to_owned()),
    })
}

//! The session's definitions from `rudder-config`: custom commands,
//! skills, subagent types (files and `--agents`) and the output style,
//! discovered with the folder's trust answer and turned into a
//! [`Catalog`] and the system prompt's style.
//!
//! `--disable-slash-commands` leaves commands and skills out (built-in
//! commands stay). Which agent-implemented tools are offered follows
//! `--tools` like the built-in ones: a list that does not name `Task` (or
//! `Agent`) or `Skill` leaves it out. Subagent token budgets come from
//! `RUDDER_SUBAGENT_TOKEN_BUDGET` (per subagent) and
//! `RUDDER_SESSION_SUBAGENT_TOKEN_BUDGET` (all subagents of a session),
//! documented in docs/commands-skills-agents.md.

use rudder_config::agents::discover_agents;
use rudder_config::commands::{CommandSet, discover_commands};
use rudder_config::output_styles::discover_output_styles;
use rudder_config::settings::{Settings, WithheldKey};
use rudder_config::skills::{SkillSet, discover_skills};
use rudder_config::{ConfigPaths, SourceSet};
use rudder_core::catalog::{Catalog, ModelAliases, SubagentLimits};

/// The output style in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyleChoice {
    /// Its name, for `system/init.output_style`.
    pub name: String,
    /// Its instructions (`None` for `default`).
    pub prompt: Option<String>,
    /// It replaces the coding instructions (`keep-coding-instructions`
    /// false).
    pub replace_coding_instructions: bool,
    /// Every style's name, for the SDK's `available_output_styles`.
    pub available: Vec<String>,
}

/// What the definitions add to a run.
pub struct Definitions {
    /// Commands, skills, agents and their limits.
    pub catalog: Catalog,
    /// The output style.
    pub style: StyleChoice,
    /// Problems found (unreadable files, bad front matter, unknown style).
    pub notices: Vec<String>,
    /// Permission-granting keys held back until the folder is trusted.
    pub withheld: Vec<WithheldKey>,
}

/// What [`load`] reads.
pub struct DefinitionSources<'a> {
    /// Where the files are.
    pub paths: &'a ConfigPaths,
    /// Enabled sources (`--setting-sources`).
    pub sources: SourceSet,
    /// The folder is trusted.
    pub trusted: bool,
    /// `--agents` JSON.
    pub cli_agents: Option<&'a str>,
    /// `--tools`, when given.
    pub tools_flag: Option<&'a str>,
    /// `--disable-slash-commands`: no custom commands, no skills.
    pub no_commands: bool,
    /// The merged settings (`outputStyle`).
    pub settings: &'a Settings,
    /// Variable lookup (settings `env` over the process).
    pub lookup: &'a dyn Fn(&str) -> Option<String>,
    /// Model aliases of the provider.
    pub models: ModelAliases,
}

/// Discovers every definition.
pub fn load(from: &DefinitionSources<'_>) -> Definitions {
    let (commands, skills) = if from.no_commands {
        (CommandSet::default(), SkillSet::default())
    } else {
        (
            discover_commands(from.paths, from.sources, from.trusted),
            discover_skills(from.paths, from.sources, from.trusted),
        )
    };
    let agents = discover_agents(from.paths, from.sources, from.cli_agents, from.trusted);
    let styles = discover_output_styles(from.paths, from.sources);
    let mut notices: Vec<String> = commands
        .warnings
        .iter()
        .chain(&skills.warnings)
        .chain(&agents.warnings)
        .chain(&styles.warnings)
        .map(ToString::to_string)
        .collect();
    let withheld: Vec<WithheldKey> = commands
        .withheld
        .iter()
        .chain(&skills.withheld)
        .chain(&agents.withheld)
        .cloned()
        .collect();

    let wanted = from.settings.output_style.as_deref().unwrap_or("default");
    let available: Vec<String> = styles
        .styles
        .iter()
        .map(|style| style.name.clone())
        .collect();
    let chosen = styles.get(wanted).or_else(|| {
        notices.push(format!(
            "outputStyle `{wanted}` is not a known output style (known: {}); using default",
            available.join(", ")
        ));
        styles.get("default")
    });
    let style = match chosen {
        Some(style) => StyleChoice {
            name: style.name.clone(),
            prompt: (!style.prompt.trim().is_empty()).then(|| style.prompt.clone()),
            replace_coding_instructions: !style.keep_coding_instructions,
            available,
        },
        None => StyleChoice {
            name: "default".to_owned(),
            prompt: None,
            replace_coding_instructions: false,
            available,
        },
    };

    let keeps = |names: &[&str]| tools_flag_keeps(from.tools_flag, names);
    let catalog = Catalog {
        task_tool: !agents.agents.is_empty() && keeps(&["Task", "Agent"]),
        skill_tool: skills
            .skills
            .iter()
            .any(|skill| !skill.disable_model_invocation)
            && keeps(&["Skill"]),
        commands,
        skills,
        agents,
        limits: limits(from.lookup),
        models: from.models.clone(),
    };
    Definitions {
        catalog,
        style,
        notices,
        withheld,
    }
}

/// Whether `--tools` keeps a tool known by any of `names`.
fn tools_flag_keeps(flag: Option<&str>, names: &[&str]) -> bool {
    match flag.map(str::trim) {
        None | Some("default") => true,
        Some(list) => list
            .split(',')
            .map(str::trim)
            .any(|name| names.contains(&name)),
    }
}

/// Subagent budgets from the environment, else the defaults.
fn limits(lookup: &dyn Fn(&str) -> Option<String>) -> SubagentLimits {
    let number = |name: &str| {
        lookup(name)
            .and_then(|value| value.trim().parse::<u64>().ok())
            .filter(|tokens| *tokens > 0)
    };
    let defaults = SubagentLimits::default();
    SubagentLimits {
        max_tokens_per_agent: number("RUDDER_SUBAGENT_TOKEN_BUDGET")
            .unwrap_or(defaults.max_tokens_per_agent),
        max_tokens_per_session: number("RUDDER_SESSION_SUBAGENT_TOKEN_BUDGET")
            .unwrap_or(defaults.max_tokens_per_session),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tools_flag_keeps_what_it_names() {
        assert!(tools_flag_keeps(None, &["Task"]));
        assert!(tools_flag_keeps(Some("default"), &["Skill"]));
        assert!(tools_flag_keeps(Some("Read, Agent"), &["Task", "Agent"]));
        assert!(!tools_flag_keeps(Some("Read,Bash"), &["Task", "Agent"]));
        assert!(!tools_flag_keeps(Some(""), &["Skill"]));
    }

    #[test]
    fn budgets_come_from_the_environment() {
        let lookup =
            |name: &str| (name == "RUDDER_SUBAGENT_TOKEN_BUDGET").then(|| "500".to_owned());
        let limits = limits(&lookup);
        assert_eq!(limits.max_tokens_per_agent, 500);
        assert_eq!(
            limits.max_tokens_per_session,
            SubagentLimits::default().max_tokens_per_session
        );
    }
}

//! What the user and the project define for a session — custom slash
//! commands, skills, subagent types — and the limits subagents run under.
//!
//! The front end discovers the definitions with `rudder-config` (after the
//! folder's trust is known) and hands them over in one [`Catalog`]. The
//! session reads it; it never rereads the folders, except that a skill's
//! `SKILL.md` is read again when invoked (`rudder_config::skills::load_skill`).
//!
//! The listing of subagent types and skills goes into the first user message
//! ([`Catalog::context_listing`]), frozen in the transcript with it, so the
//! tool definitions stay static and the cached prefix never changes when a
//! definition does (ARCHITECTURE.md "Cache-exact prefixes").

use rudder_config::agents::{AgentDef, AgentModel, AgentSet};
use rudder_config::commands::CommandSet;
use rudder_config::skills::{SkillSet, skill_listing};

/// Longest agent description kept in the listing, in characters.
pub const MAX_AGENT_DESCRIPTION_CHARS: usize = 1536;

/// Tokens one subagent may use by default: input (uncached, cache writes
/// and cache reads) plus output, summed over its requests.
pub const DEFAULT_MAX_TOKENS_PER_SUBAGENT: u64 = 2_000_000;

/// Tokens all subagents of one session may use together, by default.
pub const DEFAULT_MAX_TOKENS_PER_SESSION: u64 = 10_000_000;

/// Bounds on subagents (USER-PAINS.md §2.3: runaway fan-out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubagentLimits {
    /// Tokens one subagent may use (all input kinds plus output); the
    /// subagent is stopped before the request that would start above it.
    pub max_tokens_per_agent: u64,
    /// Tokens all subagents of the session may use together; when spent,
    /// running subagents stop and new Task calls are refused.
    pub max_tokens_per_session: u64,
}

impl Default for SubagentLimits {
    fn default() -> Self {
        Self {
            max_tokens_per_agent: DEFAULT_MAX_TOKENS_PER_SUBAGENT,
            max_tokens_per_session: DEFAULT_MAX_TOKENS_PER_SESSION,
        }
    }
}

/// Model ids the aliases of agent definitions and Task calls stand for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelAliases {
    /// `sonnet`.
    pub sonnet: String,
    /// `opus`.
    pub opus: String,
    /// `haiku`.
    pub haiku: String,
    /// Model of subagents whose definition names none
    /// (`CLAUDE_CODE_SUBAGENT_MODEL`); `None` inherits the parent's.
    pub subagent_default: Option<String>,
}

impl ModelAliases {
    /// The model id for `model` (an alias, `inherit` or an id); `parent`
    /// for `inherit` and for aliases this table leaves empty.
    pub fn resolve(&self, model: &AgentModel, parent: &str) -> String {
        let pick = |id: &String| {
            if id.is_empty() {
                parent.to_owned()
            } else {
                id.clone()
            }
        };
        match model {
            AgentModel::Sonnet => pick(&self.sonnet),
            AgentModel::Opus => pick(&self.opus),
            AgentModel::Haiku => pick(&self.haiku),
            AgentModel::Inherit => parent.to_owned(),
            AgentModel::Id(id) => id.clone(),
        }
    }
}

/// The definitions a session can use.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Custom slash commands.
    pub commands: CommandSet,
    /// Skills.
    pub skills: SkillSet,
    /// Subagent types (built-ins included).
    pub agents: AgentSet,
    /// Offer the Task tool (subagent types exist and `--tools` keeps it).
    pub task_tool: bool,
    /// Offer the Skill tool (model-invocable skills exist and `--tools`
    /// keeps it).
    pub skill_tool: bool,
    /// Subagent bounds.
    pub limits: SubagentLimits,
    /// Model aliases for subagents.
    pub models: ModelAliases,
}

impl Catalog {
    /// Names of the subagent types, for `system/init.agents`.
    pub fn agent_names(&self) -> Vec<String> {
        self.agents
            .agents
            .iter()
            .map(|agent| agent.name.clone())
            .collect()
    }

    /// Names of the skills, for `system/init.skills`.
    pub fn skill_names(&self) -> Vec<String> {
        self.skills
            .skills
            .iter()
            .map(|skill| skill.name.clone())
            .collect()
    }

    /// The subagent type called `name`.
    pub fn agent(&self, name: &str) -> Option<&AgentDef> {
        self.agents.get(name)
    }

    /// The context block listing what the model may delegate to and
    /// invoke: subagent types when `task` (the Task tool is offered),
    /// skills when `skill`. `None` when there is nothing to list. The text
    /// depends only on the definitions, so the same configuration always
    /// gives the same bytes.
    pub fn context_listing(&self, task: bool, skill: bool) -> Option<String> {
        let mut parts = Vec::new();
        if task && !self.agents.agents.is_empty() {
            let mut text = String::from(
                "Subagent types you can start with the Task tool (give the name as subagent_type):\n",
            );
            for agent in &self.agents.agents {
                text.push_str(&format!(
                    "- {}: {}\n",
                    agent.name,
                    flatten(&agent.description, MAX_AGENT_DESCRIPTION_CHARS)
                ));
            }
            parts.push(text);
        }
        let skills = skill_listing(&self.skills);
        if skill && !skills.is_empty() {
            parts.push(format!(
                "Skills you can load with the Skill tool (give the name as skill; the full \
                 instructions arrive when you invoke it):\n{skills}"
            ));
        }
        (!parts.is_empty()).then(|| parts.join("\n").trim_end().to_owned())
    }
}

/// `text` on one line, cut at `max_chars` characters with `…`.
fn flatten(text: &str, max_chars: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max_chars {
        return flat;
    }
    let cut: String = flat.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rudder_config::agents::builtin_agents;

    fn catalog() -> Catalog {
        Catalog {
            agents: AgentSet {
                agents: builtin_agents(),
                ..AgentSet::default()
            },
            models: ModelAliases {
                sonnet: "claude-sonnet-x".into(),
                opus: String::new(),
                haiku: "claude-haiku-x".into(),
                subagent_default: None,
            },
            ..Catalog::default()
        }
    }

    #[test]
    fn the_listing_names_every_agent_on_one_line_each() {
        let listing = catalog().context_listing(true, true).unwrap();
        assert!(listing.starts_with("Subagent types you can start with the Task tool"));
        for name in ["Explore", "Plan", "general-purpose"] {
            assert!(listing.contains(&format!("\n- {name}: ")), "{listing}");
        }
        assert!(!listing.contains("Skills"), "no skills, no skill section");
        assert_eq!(catalog().context_listing(false, true), None);
    }

    #[test]
    fn aliases_resolve_and_inherit_falls_back_to_the_parent() {
        let models = catalog().models;
        assert_eq!(models.resolve(&AgentModel::Haiku, "p"), "claude-haiku-x");
        assert_eq!(models.resolve(&AgentModel::Opus, "p"), "p");
        assert_eq!(models.resolve(&AgentModel::Inherit, "p"), "p");
        assert_eq!(models.resolve(&AgentModel::Id("m".into()), "p"), "m");
    }

    #[test]
    fn long_descriptions_are_flattened_and_cut() {
        assert_eq!(flatten("a\n  b\tc", 10), "a b c");
        assert_eq!(flatten("abcdef", 4), "abc…");
    }
}

//! The read-only listings of `/hooks`, `/config` and `/agents`: what is in
//! force in this session, each item with where it came from.
//!
//! - `/hooks`: every hook group of the settings layers (event, matcher,
//!   command, timeout, file), as `rudder_config::hooks` reads them for
//!   the session, and the project files whose hooks are withheld until the
//!   folder is trusted (ARCHITECTURE.md "Nothing runs before trust").
//! - `/config`: the merged settings, one value per line with its file —
//!   the text `rudder config` prints ([`render_provenance`]).
//! - `/agents`: the subagent types the Task tool can start, grouped by
//!   origin (built-in, project, user, `--agents` from the command line or
//!   the Agent SDK), with their tools and the model they run on.
//!
//! Claude Code opens editors for these (CLAUDE-CODE-INTERFACE.md §8);
//! rudder shows them and says which file to edit. Owns: the text. Must
//! never: change a setting, run a hook or start an agent.

use rudder_config::agents::{AgentDef, AgentModel};
use rudder_config::discover::DefinitionScope;
use rudder_config::hooks::{HookMatcher, hooks_from_settings};
use rudder_config::settings::{LoadedSettings, render_provenance, withheld_notice};
use rudder_core::catalog::Catalog;

/// The matcher as written: `*` for all, names joined with `|`, or the
/// regular expression.
fn matcher_text(matcher: &HookMatcher) -> String {
    match matcher {
        HookMatcher::All => "*".to_owned(),
        HookMatcher::Names(names) => names.join("|"),
        HookMatcher::Pattern(regex) => regex.as_str().to_owned(),
    }
}

/// `/hooks`: the hooks in force, then what was skipped or withheld.
pub fn hooks(settings: &LoadedSettings) -> String {
    let set = hooks_from_settings(settings);
    let mut lines = Vec::new();
    let count: usize = set.groups.iter().map(|group| group.hooks.len()).sum();
    if count == 0 {
        lines.push("No hooks in force.".to_owned());
    } else {
        lines.push(format!(
            "Hooks in force ({count}; matching hooks of an event run in parallel):"
        ));
    }
    for group in &set.groups {
        for hook in &group.hooks {
            lines.push(format!(
                "  {} [{}] {}",
                group.event,
                matcher_text(&group.matcher),
                hook.command
            ));
            lines.push(format!(
                "      timeout {}s · {}",
                hook.timeout.as_secs_f64(),
                hook.origin
            ));
        }
    }
    if settings.settings.disable_all_hooks == Some(true) {
        lines.push("disableAllHooks is set: only hooks from managed settings run.".to_owned());
    }
    for warning in &set.warnings {
        lines.push(format!("Skipped: {warning}"));
    }
    let withheld: Vec<_> = settings
        .withheld
        .iter()
        .filter(|key| key.key == "hooks")
        .cloned()
        .collect();
    if let Some(notice) = withheld_notice(&withheld) {
        lines.push(format!(
            "{notice}. `rudder trust` (or the question at start) trusts it."
        ));
    }
    lines.push(
        "Hooks are read when rudder starts; edit them in .claude/settings.json (project), \
         .claude/settings.local.json (yours, this project) or ~/.claude/settings.json, then restart."
            .to_owned(),
    );
    lines.join("\n")
}

/// `/config`: the merged settings with the file of each value, and what
/// the folder's trust answer withholds.
pub fn config(settings: &LoadedSettings) -> String {
    let mut text = if settings.provenance.is_empty() {
        "No settings file sets anything; rudder's defaults apply.\n".to_owned()
    } else {
        format!(
            "Settings in force (value    # file):\n{}",
            render_provenance(settings)
        )
    };
    if let Some(notice) = withheld_notice(&settings.withheld) {
        text.push_str(&notice);
        text.push('\n');
    }
    for warning in &settings.warnings {
        text.push_str(&format!("Not loaded: {warning}\n"));
    }
    text.push_str(
        "Settings are read when rudder starts; `rudder config` prints the same list from the shell.",
    );
    text
}

/// Where a definition comes from, as the listing's group title.
fn scope_title(scope: DefinitionScope) -> &'static str {
    match scope {
        DefinitionScope::BuiltIn => "Built-in",
        DefinitionScope::Project => "Project (.claude/agents)",
        DefinitionScope::User => "User (~/.claude/agents)",
        DefinitionScope::Cli => "Command line / Agent SDK (--agents)",
    }
}

/// What an agent runs on, as the Task tool would start it from a session
/// on `parent` (an explicit `model` in the Task call still wins): `inherit
/// (<parent>)`, `haiku → <id>`, or the id.
fn model_text(agent: &AgentDef, catalog: &Catalog, parent: &str) -> String {
    let requested = agent
        .model
        .clone()
        .or_else(|| catalog.models.subagent_default.clone().map(AgentModel::Id));
    let alias = match &requested {
        None | Some(AgentModel::Inherit) => return format!("inherit ({parent})"),
        Some(AgentModel::Id(id)) => return id.clone(),
        Some(AgentModel::Sonnet) => "sonnet",
        Some(AgentModel::Opus) => "opus",
        Some(AgentModel::Haiku) => "haiku",
    };
    let resolved =
        requested.map_or_else(String::new, |model| catalog.models.resolve(&model, parent));
    format!("{alias} → {resolved}")
}

/// `/agents`: the subagent types by origin, with tools and model.
pub fn agents(catalog: &Catalog, parent_model: &str) -> String {
    let agents = &catalog.agents.agents;
    if agents.is_empty() {
        return "No subagent types. Add Markdown files to .claude/agents/ (project) or \
                ~/.claude/agents/ (yours)."
            .to_owned();
    }
    let mut lines = vec![format!("Subagent types ({}):", agents.len())];
    if !catalog.task_tool {
        lines.push(
            "The Task tool is not offered in this session (--tools leaves it out), so none of them runs."
                .to_owned(),
        );
    }
    for scope in [
        DefinitionScope::Project,
        DefinitionScope::User,
        DefinitionScope::Cli,
        DefinitionScope::BuiltIn,
    ] {
        let group: Vec<&AgentDef> = agents.iter().filter(|agent| agent.scope == scope).collect();
        if group.is_empty() {
            continue;
        }
        lines.push(format!("{}:", scope_title(scope)));
        for agent in group {
            let file = agent
                .path
                .as_ref()
                .map(|path| format!(" · {}", path.display()))
                .unwrap_or_default();
            lines.push(format!("  {}{file}", agent.name));
            let mut tools = match &agent.tools {
                None => "all of the session's (MCP included)".to_owned(),
                Some(tools) if tools.is_empty() => "none".to_owned(),
                Some(tools) => tools.join(", "),
            };
            if !agent.disallowed_tools.is_empty() {
                tools.push_str(&format!(" except {}", agent.disallowed_tools.join(", ")));
            }
            if agent.read_only {
                tools.push_str(" (read-only)");
            }
            lines.push(format!("      tools: {tools}"));
            lines.push(format!(
                "      model: {}",
                model_text(agent, catalog, parent_model)
            ));
        }
    }
    for warning in &catalog.agents.warnings {
        lines.push(format!("Skipped: {warning}"));
    }
    lines.join("\n")
}

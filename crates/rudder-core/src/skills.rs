//! The Skill tool: the model loads a skill's full instructions by name
//! (CLAUDE-CODE-INTERFACE.md §2.2 `Skill`: `skill` required, `args`).
//!
//! Progressive disclosure (§9.2): only names and descriptions are in the
//! context, in the listing frozen into the first user message
//! ([`crate::catalog::Catalog::context_listing`]); `SKILL.md` is read in
//! full when invoked, so an edit since the session started is seen. Its
//! `` !`…` `` spans and `@file` mentions are expanded through the
//! permission policy with the skill's `allowed-tools` for those spans only:
//! a skill the model chose does not widen what the rest of the turn may do.
//! Skills marked `disable-model-invocation` are refused here (a person can
//! still run them as `/name`).

use rudder_config::skills::{SkillVars, load_skill};
use rudder_protocol::ToolDefinition;
use rudder_tools::ToolOutput;
use rudder_tools::file_tool::{parse_input, tool_error};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::agent_tools::SKILL;
use crate::commands;
use crate::session::Session;

const DESCRIPTION: &str = "\
Loads a skill: a folder of instructions, and sometimes scripts or reference \
files, for one kind of task. The skills you can use are listed with what \
each is for in the context at the start of the conversation; only those \
exist. When a task matches a skill's description, load it before doing the \
task yourself, then follow the instructions that come back. Put any \
arguments the skill expects in args. Files the instructions mention can be \
read from the skill's folder, whose path comes with them.";

/// The Skill tool's definition (static text and schema).
pub fn definition() -> ToolDefinition {
    ToolDefinition {
        name: SKILL.to_owned(),
        description: DESCRIPTION.to_owned(),
        input_schema: json!({
            "type": "object",
            "properties": {
                "skill": {
                    "type": "string",
                    "description": "The skill's name as listed, e.g. pdf-tools"
                },
                "args": {
                    "type": "string",
                    "description": "Arguments for the skill, if it takes any"
                }
            },
            "required": ["skill"],
            "additionalProperties": false,
            "$schema": "http://json-schema.org/draft-07/schema#"
        }),
        cache_control: None,
    }
}

#[derive(Debug, Deserialize)]
struct SkillInput {
    skill: String,
    #[serde(default)]
    args: Option<String>,
}

/// Runs a Skill call: the skill's instructions, expanded, as the result.
pub(crate) async fn invoke(
    session: &Session,
    input: Value,
    cancel: &CancellationToken,
) -> ToolOutput {
    let input: SkillInput = match parse_input(SKILL, input) {
        Ok(input) => input,
        Err(output) => return output,
    };
    let catalog = &session.config().catalog;
    let name = input.skill.trim().trim_start_matches('/');
    let Some(skill) = catalog.skills.get(name) else {
        let known: Vec<&str> = catalog
            .skills
            .skills
            .iter()
            .filter(|skill| !skill.disable_model_invocation)
            .map(|skill| skill.name.as_str())
            .collect();
        return tool_error(format!(
            "There is no skill called `{name}`. Skills you can load: {}.",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        ));
    };
    if skill.disable_model_invocation {
        return tool_error(format!(
            "The skill `{name}` can only be run by the user (as /{name}); do the task without it."
        ));
    }
    let args = input.args.unwrap_or_default();
    let vars = SkillVars {
        session_id: Some(&session.config().session_id),
        project_dir: Some(&session.config().cwd),
    };
    let text = match load_skill(&catalog.skills, name, &args, &vars) {
        Ok(text) => text,
        Err(error) => {
            return tool_error(format!("The skill `{name}` could not be loaded: {error}"));
        }
    };
    let label = format!("skill {name} ({})", skill.path.display());
    match commands::expand(session, &text, &skill.allowed_tools, &label, cancel).await {
        Ok(expansion) => {
            let mut output = expansion.text;
            for unread in &expansion.unread_files {
                output.push_str(&format!(
                    "\n(@{} was not inlined: {})",
                    unread.mention, unread.error
                ));
            }
            ToolOutput::text(output).with_structured(json!({
                "success": true,
                "commandName": name,
            }))
        }
        Err(error) => tool_error(format!("The skill `{name}` was not loaded: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_definition_is_static_and_strict() {
        let first = serde_json::to_string(&definition()).unwrap();
        assert_eq!(first, serde_json::to_string(&definition()).unwrap());
        assert_eq!(definition().input_schema["required"], json!(["skill"]));
        assert_eq!(definition().input_schema["additionalProperties"], false);
    }
}

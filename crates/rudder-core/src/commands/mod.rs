//! Slash commands in prompts: a prompt starting with `/name args` runs a
//! built-in command, a custom command from `commands/` folders, or a skill;
//! anything else — an unknown `/name` included — is sent as plain text, as
//! Claude Code does (CLAUDE-CODE-INTERFACE.md §8).
//!
//! One entry point for every front end: [`Session::submit`]. Lookup order:
//! the built-in table ([`builtin`]: `/compact`, `/context`, `/cost`),
//! custom commands (project over user,
//! `/namespace:name` accepted for a namespaced one), then skills. A custom
//! command or skill is expanded before anything is sent — arguments, then
//! `` !`…` `` spans and `@file` mentions through the permission policy
//! ([`expand`]); a refused span fails the prompt with its reason and no
//! request is made. Its `allowed-tools` become allow rules for that turn
//! only. Its `model` is not applied: the conversation's cached prefix is
//! tied to the session's model, and switching for one turn would make that
//! turn re-read the whole conversation uncached on another model and the
//! next one pay again for the switch back, so rudder says so in a notice and
//! keeps the session model.
//!
//! This module never prints: outcomes and notices go out as events.

pub mod builtin;
mod expand;

use std::time::Instant;

use rudder_config::commands::CommandDef;
use rudder_config::expand::{Positional, substitute_arguments};
use rudder_config::skills::{SkillDef, SkillVars, load_skill};
use rudder_protocol::event::{NoticeLevel, TurnOutcome, TurnStop};
use rudder_protocol::{AgentEvent, ContentBlock};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::catalog::Catalog;
use crate::session::Session;

pub(crate) use expand::expand;

/// One slash command as the Agent SDK's `initialize` response lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandInfo {
    /// Name without the slash.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Argument hint, empty when none.
    pub argument_hint: String,
}

/// Every slash command a prompt may start with: built-ins, custom commands
/// and skills, in that order, each name once.
pub fn command_infos(catalog: &Catalog) -> Vec<CommandInfo> {
    let mut infos: Vec<CommandInfo> = builtin::BUILTINS
        .iter()
        .map(|command| CommandInfo {
            name: command.name.to_owned(),
            description: command.description.to_owned(),
            argument_hint: String::new(),
        })
        .collect();
    for command in &catalog.commands.commands {
        infos.push(CommandInfo {
            name: command.name.clone(),
            description: format!("{} {}", command.description, command.label()),
            argument_hint: command.argument_hint.clone().unwrap_or_default(),
        });
    }
    for skill in &catalog.skills.skills {
        infos.push(CommandInfo {
            name: skill.name.clone(),
            description: format!("{} (skill)", skill.description),
            argument_hint: skill.argument_hint.clone().unwrap_or_default(),
        });
    }
    let mut seen = std::collections::BTreeSet::new();
    infos.retain(|info| seen.insert(info.name.clone()));
    infos
}

/// Splits `/name args` into the name and the trimmed arguments. `None`
/// unless the text starts with `/` followed by a name of letters, digits,
/// `-`, `_`, `.` or `:` ending at a blank or the end (so `/usr/bin/env`
/// is not a command).
pub fn parse_invocation(text: &str) -> Option<(&str, &str)> {
    let body = text.trim_start().strip_prefix('/')?;
    let end = body.find(char::is_whitespace).unwrap_or(body.len());
    let name = &body[..end];
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    valid.then(|| (name, body[end..].trim()))
}

/// What a `/name` refers to.
enum Target<'a> {
    Builtin(&'a builtin::Builtin),
    Command(&'a CommandDef),
    Skill(&'a SkillDef),
}

fn lookup<'a>(catalog: &'a Catalog, name: &str) -> Option<Target<'a>> {
    if let Some(command) = builtin::find(name) {
        return Some(Target::Builtin(command));
    }
    if let Some(command) = catalog.commands.get(name) {
        return Some(Target::Command(command));
    }
    if let Some((namespace, short)) = name.rsplit_once(':')
        && let Some(command) = catalog.commands.get(short)
        && command.namespace.as_deref() == Some(namespace)
    {
        return Some(Target::Command(command));
    }
    catalog.skills.get(name).map(Target::Skill)
}

impl Session {
    /// Runs one prompt from a person or a script: a slash command when the
    /// first block's text starts with a known `/name`, else a plain turn
    /// ([`Session::run_turn`]). Blocks after the first (e.g. images) are
    /// sent along with an expanded command. A built-in answers without a
    /// model request; an expansion that fails ends with
    /// [`TurnStop::Failed`] and sends nothing. Every path ends with one
    /// [`AgentEvent::TurnEnded`].
    pub async fn submit(
        &mut self,
        prompt: Vec<ContentBlock>,
        cancel: &CancellationToken,
    ) -> TurnOutcome {
        let invocation = prompt
            .first()
            .and_then(ContentBlock::as_text)
            .and_then(parse_invocation)
            .map(|(name, args)| (name.to_owned(), args.to_owned()));
        let Some((name, args)) = invocation else {
            return self.run_turn(prompt, cancel).await;
        };
        let catalog = std::sync::Arc::clone(&self.config().catalog);
        let rest: Vec<ContentBlock> = prompt.iter().skip(1).cloned().collect();
        match lookup(&catalog, &name) {
            None => self.run_turn(prompt, cancel).await,
            Some(Target::Builtin(command)) => match command.action {
                builtin::Action::Text(run) => {
                    let started = Instant::now();
                    let text = run(self, &args);
                    self.local_outcome(started, TurnStop::Completed, text)
                }
                builtin::Action::Compact => {
                    let instructions = (!args.is_empty()).then_some(args.as_str());
                    self.run_compact_turn(instructions).await
                }
            },
            Some(Target::Command(command)) => {
                let label = format!("/{} ({})", command.name, command.path.display());
                let body = substitute_arguments(&command.body, &args, Positional::OneBased);
                let invocation = Invocation {
                    name: &command.name,
                    args: &args,
                    label: &label,
                    body: &body,
                    allowed_tools: &command.allowed_tools,
                    model: command.model.as_deref(),
                };
                self.run_expanded(invocation, rest, cancel).await
            }
            Some(Target::Skill(skill)) => {
                let label = format!("/{} ({})", skill.name, skill.path.display());
                let vars = SkillVars {
                    session_id: Some(&self.config().session_id),
                    project_dir: Some(&self.config().cwd),
                };
                let body = match load_skill(&catalog.skills, &skill.name, &args, &vars) {
                    Ok(body) => body,
                    Err(error) => {
                        let message = format!("{label} could not be loaded: {error}");
                        return self.local_outcome(
                            Instant::now(),
                            TurnStop::Failed { message },
                            String::new(),
                        );
                    }
                };
                let invocation = Invocation {
                    name: &skill.name,
                    args: &args,
                    label: &label,
                    body: &body,
                    allowed_tools: &skill.allowed_tools,
                    model: skill.model.as_deref(),
                };
                self.run_expanded(invocation, rest, cancel).await
            }
        }
    }

    /// Expands a command or skill body and runs it as a turn with its
    /// `allowed-tools` allowed for that turn.
    async fn run_expanded(
        &mut self,
        invocation: Invocation<'_>,
        rest: Vec<ContentBlock>,
        cancel: &CancellationToken,
    ) -> TurnOutcome {
        let started = Instant::now();
        let events = self.deps().events.clone();
        if let Some(model) = invocation.model {
            events.notice(
                NoticeLevel::Info,
                format!(
                    "{}: `model: {model}` is not applied; the session keeps its model so the \
                     conversation's prompt cache stays valid",
                    invocation.label
                ),
            );
        }
        let expansion = match expand(
            self,
            invocation.body,
            invocation.allowed_tools,
            invocation.label,
            cancel,
        )
        .await
        {
            Ok(expansion) => expansion,
            Err(error) => {
                let message = format!("{} was not run: {error}", invocation.label);
                return self.local_outcome(started, TurnStop::Failed { message }, String::new());
            }
        };
        for unread in &expansion.unread_files {
            events.notice(
                NoticeLevel::Warning,
                format!(
                    "{}: @{} was not inlined ({})",
                    invocation.label, unread.mention, unread.error
                ),
            );
        }
        for problem in self
            .deps()
            .gate
            .set_turn_rules(invocation.label, invocation.allowed_tools)
        {
            events.notice(NoticeLevel::Warning, problem);
        }
        let header = if invocation.args.is_empty() {
            format!("<command-name>/{}</command-name>", invocation.name)
        } else {
            format!(
                "<command-name>/{}</command-name>\n<command-args>{}</command-args>",
                invocation.name, invocation.args
            )
        };
        let mut prompt = vec![
            ContentBlock::text(header),
            ContentBlock::text(expansion.text),
        ];
        prompt.extend(rest);
        let outcome = self.run_turn(prompt, cancel).await;
        self.deps().gate.clear_turn_rules();
        outcome
    }

    /// Ends a prompt that made no model request (a built-in, a failed
    /// expansion) with a [`TurnOutcome`] carrying the session's totals.
    fn local_outcome(&self, started: Instant, stop: TurnStop, text: String) -> TurnOutcome {
        let (usage, model_usage, total_cost_usd) = match self.log().lock() {
            Ok(log) => {
                let accounting = log.accounting();
                (
                    accounting.usage().clone(),
                    accounting.per_model().clone(),
                    accounting.cost_usd(),
                )
            }
            Err(_) => Default::default(),
        };
        let outcome = TurnOutcome {
            stop,
            result_text: text,
            num_turns: 0,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            duration_api_ms: 0,
            usage,
            model_usage,
            total_cost_usd,
            permission_denials: Vec::new(),
            stop_reason: None,
        };
        self.deps()
            .events
            .emit(AgentEvent::TurnEnded(outcome.clone()));
        outcome
    }
}

/// A command or skill being run.
struct Invocation<'a> {
    name: &'a str,
    args: &'a str,
    label: &'a str,
    /// The body with arguments substituted.
    body: &'a str,
    allowed_tools: &'a [String],
    model: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invocations_need_a_plain_name() {
        assert_eq!(
            parse_invocation("/review 12 high"),
            Some(("review", "12 high"))
        );
        assert_eq!(parse_invocation("  /cost"), Some(("cost", "")));
        assert_eq!(
            parse_invocation("/frontend:component Button\n"),
            Some(("frontend:component", "Button"))
        );
        assert_eq!(parse_invocation("/usr/bin/env is missing"), None);
        assert_eq!(
            parse_invocation("  /compact keep the API notes \n"),
            Some(("compact", "keep the API notes"))
        );
        assert_eq!(parse_invocation("/compaction"), Some(("compaction", "")));
        assert!(builtin::find("compaction").is_none());
        assert_eq!(parse_invocation("please /compact"), None);
        assert_eq!(parse_invocation("/ nothing"), None);
        assert_eq!(parse_invocation("review"), None);
    }
}

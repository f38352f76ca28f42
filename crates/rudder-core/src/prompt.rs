//! The system prompt and the context block of the first user message.
//!
//! The system prompt is static text: the same for every session of a given
//! configuration, so the tools and system prefix is shared by every session
//! in the prompt cache. Everything that varies — the environment snapshot,
//! memory files, the skill listing — goes into the first user message and is
//! frozen in the transcript with it.
//!
//! An output style (CLAUDE-CODE-INTERFACE.md §9.3) is part of this static
//! text: its instructions follow the prompt, and a style that does not keep
//! the coding instructions replaces rudder's working rules with its own,
//! keeping only [`BASE_SYSTEM_PROMPT`].
//!
//! Honesty: the prompt says plainly that the model is an AI assistant
//! running inside rudder. Nothing here asks the model to hide that, and the
//! exact bytes sent can always be inspected with `--print-request`.

/// rudder's default system prompt.
pub const DEFAULT_SYSTEM_PROMPT: &str = "\
You are an AI coding assistant working inside rudder, a command-line agent \
harness. You help a person with software engineering tasks in their \
repository: reading and explaining code, fixing bugs, adding features, \
running tests and commands. You act through the tools you are given; every \
tool call may be checked against the user's permission rules.

How to work:
- Understand before changing: search and read the relevant code first. \
Prefer the dedicated tools (Read, Grep, Glob, Edit, Write) over shell \
commands for reading, searching and editing files.
- Make the smallest change that fully solves the task, in the style of the \
surrounding code. Do not add files, dependencies or comments the task does \
not need.
- Verify your work: run the project's tests or build when that is \
possible, and report honestly what passed and what did not.
- When a tool call is denied or fails, read the reason, adapt, and do not \
retry the identical call blindly.
- Use paths from the environment block; file tool paths must be absolute.
- Keep answers short and concrete. When you are done, say what you changed \
and how you checked it.
- Never claim to be human. If asked, say you are an AI assistant.";

/// What every default prompt keeps when an output style replaces the
/// coding instructions: who the model is and how it acts.
pub const BASE_SYSTEM_PROMPT: &str = "\
You are an AI assistant working inside rudder, a command-line agent \
harness, for a person in their project folder. You act through the tools \
you are given; every tool call may be checked against the user's \
permission rules, and when one is denied you adapt instead of repeating it. \
File tool paths must be absolute. Never claim to be human. If asked, say \
you are an AI assistant.";

/// Inputs that shape the system prompt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemPromptOptions {
    /// `--system-prompt`: replaces the default prompt entirely (may be empty,
    /// as the Agent SDK sends by default).
    pub replace: Option<String>,
    /// `--append-system-prompt`: appended after a blank line.
    pub append: Option<String>,
    /// Output style instructions, appended after the prompt.
    pub output_style: Option<String>,
    /// The style replaces rudder's coding instructions (its
    /// `keep-coding-instructions` is false): the default prompt shrinks to
    /// [`BASE_SYSTEM_PROMPT`]. No effect without a style or with
    /// `replace`.
    pub replace_coding_instructions: bool,
}

/// The system prompt text for `options`; empty when replaced by an empty
/// string and nothing is appended.
pub fn system_prompt(options: &SystemPromptOptions) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let styled = options
        .output_style
        .as_deref()
        .is_some_and(|style| !style.trim().is_empty());
    match &options.replace {
        Some(text) => parts.push(text),
        None if styled && options.replace_coding_instructions => parts.push(BASE_SYSTEM_PROMPT),
        None => parts.push(DEFAULT_SYSTEM_PROMPT),
    }
    if let Some(style) = &options.output_style {
        parts.push(style);
    }
    if let Some(append) = &options.append {
        parts.push(append);
    }
    parts
        .into_iter()
        .filter(|part| !part.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Wraps context for the model in a `<system-reminder>` block, the form
/// Claude models are trained to read as harness-provided context rather than
/// the user's words.
pub fn system_reminder(body: &str) -> String {
    format!("<system-reminder>\n{}\n</system-reminder>", body.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacing_with_empty_and_appending_keeps_only_the_append() {
        let options = SystemPromptOptions {
            replace: Some(String::new()),
            append: Some("Be brief.".into()),
            output_style: None,
            replace_coding_instructions: false,
        };
        assert_eq!(system_prompt(&options), "Be brief.");
    }

    #[test]
    fn a_style_follows_the_prompt_or_replaces_its_coding_rules() {
        let kept = SystemPromptOptions {
            output_style: Some("Explain each step.".into()),
            ..SystemPromptOptions::default()
        };
        let text = system_prompt(&kept);
        assert!(text.starts_with(DEFAULT_SYSTEM_PROMPT));
        assert!(text.ends_with("Explain each step."));
        let replaced = SystemPromptOptions {
            replace_coding_instructions: true,
            ..kept
        };
        let text = system_prompt(&replaced);
        assert_eq!(text, format!("{BASE_SYSTEM_PROMPT}\n\nExplain each step."));
        assert!(text.contains("Never claim to be human"));
    }

    #[test]
    fn the_default_prompt_is_honest_about_being_an_ai() {
        let prompt = system_prompt(&SystemPromptOptions::default());
        assert!(prompt.contains("AI coding assistant"));
        assert!(prompt.contains("Never claim to be human"));
    }
}

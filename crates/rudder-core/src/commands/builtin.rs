//! The built-in slash commands that make sense without a terminal, as one
//! small table: a name, a description and what it does — either a function
//! from the session and the arguments to the text shown as the result
//! (answered from the session's own state, no model call), or one of the
//! session's own operations (`/compact`, which summarizes the
//! conversation).
//!
//! Terminal-only commands (`/help`, `/clear`, `/model`, …) belong to the
//! TUI.

use std::fmt::Write as _;

use crate::session::Session;

/// What a built-in does.
#[derive(Clone, Copy)]
pub enum Action {
    /// Shows text computed from the session and the arguments.
    Text(fn(&mut Session, &str) -> String),
    /// `/compact [instructions]`: [`Session::run_compact_turn`].
    Compact,
}

/// One built-in command.
pub struct Builtin {
    /// Name without the slash.
    pub name: &'static str,
    /// What it shows or does.
    pub description: &'static str,
    /// What running it does.
    pub action: Action,
}

/// The built-in commands, by name.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "compact",
        description: "Summarize the conversation to free context (optional instructions)",
        action: Action::Compact,
    },
    Builtin {
        name: "context",
        description: "Show what fills the context window",
        action: Action::Text(context),
    },
    Builtin {
        name: "cost",
        description: "Show the session's token usage and cost",
        action: Action::Text(cost),
    },
];

/// The built-in called `name`.
pub fn find(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|command| command.name == name)
}

/// `/cost`: totals per model, from the same accounting as the result
/// record.
fn cost(session: &mut Session, _args: &str) -> String {
    let Ok(log) = session.log().lock() else {
        return "The session's accounting is not available.".to_owned();
    };
    let accounting = log.accounting();
    let mut text = format!("Total cost: ${:.4}\n", accounting.cost_usd());
    if accounting.per_model().is_empty() {
        text.push_str("No model calls yet.");
        return text;
    }
    text.push_str("Usage by model:");
    for (model, usage) in accounting.per_model() {
        let _ = write!(
            text,
            "\n  {model}: {} input, {} output, {} cache read, {} cache write (${:.4})",
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_input_tokens,
            usage.cache_creation_input_tokens,
            usage.cost_usd
        );
    }
    for model in accounting.unpriced_models() {
        let _ = write!(text, "\n  ({model} has no known price; counted as $0)");
    }
    text
}

/// `/context`: the session's context usage (measured when the API has
/// reported one, else estimated), part by part, against the window.
fn context(session: &mut Session, _args: &str) -> String {
    let usage = session.context_usage();
    let mut text = format!(
        "Context: {} of {} tokens ({:.1}%) for {}{}",
        usage.total_tokens,
        usage.window,
        usage.percentage(),
        usage.model,
        if usage.measured { "" } else { " (estimated)" }
    );
    for part in &usage.parts {
        let _ = write!(text, "\n  {}: {} tokens", part.name, part.tokens);
    }
    if let Some(threshold) = usage.auto_compact_threshold {
        let _ = write!(text, "\nAutomatic compaction starts at {threshold} tokens.");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_unique_names() {
        let mut names: Vec<&str> = BUILTINS.iter().map(|command| command.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), BUILTINS.len());
        assert!(find("cost").is_some());
        assert!(find("review").is_none());
    }
}

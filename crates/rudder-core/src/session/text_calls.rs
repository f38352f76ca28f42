//! Tool calls written as text. Small local models often answer with
//! `<tool_call>{"name": "Read", …}</tool_call>`, `<function=Read>…` or
//! similar markup in the reply text instead of a real tool call (issue 9).
//! Such text is never executed — it is the reply shown to the person, and
//! a model may as well be explaining the syntax — but the loop must not
//! take it as the final answer either: the model gets a short correction
//! and another turn, at most [`MAX_NUDGES`] times per user turn.
//!
//! Detection is deliberately narrow: a call marker followed, within a
//! short distance, by the name of a tool the model was offered. Pure.

/// Corrections sent per user turn before a text answer is accepted as it is.
pub(super) const MAX_NUDGES: u32 = 2;

/// Markup models use for tool calls written as text.
const MARKERS: &[&str] = &[
    "<tool_call>",
    "<tool_use>",
    "<function_call>",
    "<function=",
    "<invoke name=",
    "<|tool_call|>",
    "<|python_tag|>",
    "[TOOL_CALLS]",
];

/// How far after a marker a tool name is looked for, in bytes.
const WINDOW: usize = 200;

/// Whether `text` holds a tool call written as text for one of `tools`:
/// the name of the tool, or `None`.
pub(super) fn text_call<'a>(text: &str, tools: &[&'a str]) -> Option<&'a str> {
    for marker in MARKERS {
        for (at, _) in text.match_indices(marker) {
            let start = at + marker.len();
            let mut end = (start + WINDOW).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let after = &text[start..end];
            if let Some(tool) = tools.iter().find(|tool| names_tool(after, tool)) {
                return Some(tool);
            }
        }
    }
    None
}

/// Whether `after` names `tool` as a whole word (`"Read"`, `=Read>`, …).
fn names_tool(after: &str, tool: &str) -> bool {
    after.match_indices(tool).any(|(at, _)| {
        let before = after[..at].chars().next_back();
        let next = after[at + tool.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !word(before) && !word(next)
    })
}

/// The correction sent back to the model.
pub(super) fn nudge(tool: &str) -> String {
    format!(
        "Your last reply wrote a call to {tool} as text, so nothing ran. Text in a reply is shown \
         to the user and never executed. To use a tool, make a real tool call through the tools \
         interface; if you meant to answer in text, answer again without call markup."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOOLS: &[&str] = &["Read", "Bash", "Edit"];

    #[test]
    fn common_text_call_shapes_are_caught() {
        for text in [
            "<tool_call>\n{\"name\": \"Read\", \"arguments\": {\"file_path\": \"/a\"}}\n</tool_call>",
            "Let me look.\n<function=Bash>\n<parameter=command>ls</parameter>\n</function>",
            "<invoke name=\"Edit\"><parameter name=\"file_path\">a</parameter></invoke>",
            "[TOOL_CALLS] [{\"name\": \"Read\", \"arguments\": {}}]",
        ] {
            assert!(text_call(text, TOOLS).is_some(), "{text}");
        }
        assert_eq!(
            text_call("<tool_call>{\"name\":\"Bash\"}", TOOLS),
            Some("Bash")
        );
    }

    #[test]
    fn ordinary_answers_are_left_alone() {
        for text in [
            "The test passes now.",
            "Use `Read` to open files and Bash to run them.",
            "<tool_call>{\"name\": \"Reader\"}</tool_call>",
            "<tool_call>{\"name\": \"unknown_tool\"}</tool_call>",
            "<tool_call>",
        ] {
            assert_eq!(text_call(text, TOOLS), None, "{text}");
        }
    }

    #[test]
    fn multibyte_text_near_the_window_edge_does_not_panic() {
        let text = format!("<tool_call>{}", "é".repeat(300));
        assert_eq!(text_call(&text, TOOLS), None);
    }
}

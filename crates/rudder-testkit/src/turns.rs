//! Which scripted turn answers a request.
//!
//! The rule: serve the first turn not yet consumed whose `when` is found in
//! the last user text (a turn without `when` matches anything). A turn with a
//! fault answers with the fault `fault_times` times first; it is consumed
//! when its real response is sent. No match is the caller's cue to fail fast
//! with a 400, which clients do not retry.

use serde_json::Value;

use crate::scenario::{Fault, ScriptedTurn};

/// What to answer a request with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Pick<'a> {
    /// Serve the fault of turn `.0` (the turn stays available).
    Fault(usize, &'a ScriptedTurn, &'a Fault),
    /// Serve the response of turn `.0` (now consumed).
    Serve(usize, &'a ScriptedTurn),
    /// No available turn matches.
    NoMatch,
}

/// Consumption state of a scenario's turns.
#[derive(Debug)]
pub(crate) struct TurnBook {
    consumed: Vec<bool>,
    faults_served: Vec<u32>,
}

impl TurnBook {
    /// A book for `count` fresh turns.
    pub(crate) fn new(count: usize) -> Self {
        Self {
            consumed: vec![false; count],
            faults_served: vec![0; count],
        }
    }

    /// Picks the answer for a request whose last user text is `text`, and
    /// records it (a fault served, a turn consumed).
    pub(crate) fn pick<'a>(&mut self, turns: &'a [ScriptedTurn], text: &str) -> Pick<'a> {
        let books = self.consumed.iter_mut().zip(&mut self.faults_served);
        for (index, (turn, (consumed, served))) in turns.iter().zip(books).enumerate() {
            // Consumed turns are skipped before any substring search, so a
            // long script against large requests stays linear.
            if *consumed || !turn.when.as_deref().is_none_or(|when| text.contains(when)) {
                continue;
            }
            if let Some(fault) = &turn.fault
                && *served < turn.fault_times
            {
                *served += 1;
                return Pick::Fault(index, turn, fault);
            }
            *consumed = true;
            return Pick::Serve(index, turn);
        }
        Pick::NoMatch
    }

    /// The error message for [`Pick::NoMatch`]: names the last user text
    /// (shortened to 300 characters) and what the open turns wait for.
    pub(crate) fn no_match_message(&self, turns: &[ScriptedTurn], text: &str) -> String {
        let open: Vec<String> = turns
            .iter()
            .zip(&self.consumed)
            .enumerate()
            .filter(|(_, (_, consumed))| !**consumed)
            .map(|(index, (turn, _))| match &turn.when {
                Some(when) => format!("turns[{index}] when {when:?}"),
                None => format!("turns[{index}]"),
            })
            .collect();
        let waiting = if open.is_empty() {
            format!("all {} scripted turns are used up", turns.len())
        } else {
            format!("open: {}", open.join(", "))
        };
        format!(
            "testkit: no scripted turn matches the last user text {:?} ({waiting})",
            shorten(text, 300)
        )
    }
}

fn shorten(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The last user text of an Anthropic Messages body: the text blocks and the
/// tool-result texts of the last `role: "user"` message, joined with `\n`
/// (a string `content` counts as one text block). Empty when there is none.
pub(crate) fn anthropic_last_user_text(body: &Value) -> String {
    let messages = body.get("messages").and_then(Value::as_array);
    let last_user = messages.and_then(|messages| {
        messages
            .iter()
            .rev()
            .find(|message| message.get("role").and_then(Value::as_str) == Some("user"))
    });
    let mut parts = Vec::new();
    if let Some(content) = last_user.and_then(|message| message.get("content")) {
        collect_text(content, &mut parts);
    }
    parts.join("\n")
}

/// The last user text of an OpenAI Chat Completions body: the text of the
/// `user` and `tool` messages after the last `assistant` message, joined
/// with `\n` — the OpenAI counterpart of one Anthropic user message holding
/// tool results.
pub(crate) fn openai_last_user_text(body: &Value) -> String {
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let start = messages
        .iter()
        .rposition(|message| message.get("role").and_then(Value::as_str) == Some("assistant"))
        .map_or(0, |index| index + 1);
    let mut parts = Vec::new();
    for message in &messages[start..] {
        let role = message.get("role").and_then(Value::as_str);
        if matches!(role, Some("user" | "tool"))
            && let Some(content) = message.get("content")
        {
            collect_text(content, &mut parts);
        }
    }
    parts.join("\n")
}

/// Pushes the texts of a `content` value: a string, or an array of blocks
/// whose `text` blocks and `tool_result` contents count.
fn collect_text(content: &Value, parts: &mut Vec<String>) {
    match content {
        Value::String(text) => parts.push(text.clone()),
        Value::Array(blocks) => {
            for block in blocks {
                match block.get("type").and_then(Value::as_str) {
                    Some("text") => {
                        if let Some(text) = block.get("text").and_then(Value::as_str) {
                            parts.push(text.to_owned());
                        }
                    }
                    Some("tool_result") => {
                        if let Some(inner) = block.get("content") {
                            collect_text(inner, parts);
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn turns() -> Vec<ScriptedTurn> {
        vec![
            ScriptedTurn::text("first"),
            ScriptedTurn::text("on error").when("FAILED"),
            ScriptedTurn::text("retried").with_fault(
                Fault::Status {
                    status: 529,
                    retry_after_secs: None,
                    error_type: None,
                    message: None,
                },
                2,
            ),
        ]
    }

    /// `(turn index, is a fault)` of a pick.
    fn picked(pick: Pick<'_>) -> Option<(usize, bool)> {
        match pick {
            Pick::Fault(index, ..) => Some((index, true)),
            Pick::Serve(index, _) => Some((index, false)),
            Pick::NoMatch => None,
        }
    }

    #[test]
    fn turns_are_served_in_order_skipping_unmatched_when() {
        let turns = turns();
        let mut book = TurnBook::new(turns.len());
        let mut pick = |text: &str| picked(book.pick(&turns, text));
        assert_eq!(pick("go"), Some((0, false)));
        assert_eq!(pick("go"), Some((2, true)));
        assert_eq!(pick("test FAILED"), Some((1, false)));
        assert_eq!(pick("go"), Some((2, true)));
        assert_eq!(pick("go"), Some((2, false)));
        assert_eq!(pick("go"), None);
        assert_eq!(
            book.no_match_message(&turns, "go"),
            "testkit: no scripted turn matches the last user text \"go\" (all 3 scripted turns are used up)"
        );
    }

    #[test]
    fn no_match_names_the_open_turns() {
        let turns = vec![ScriptedTurn::text("x").when("needle")];
        let mut book = TurnBook::new(1);
        assert_eq!(book.pick(&turns, "hay"), Pick::NoMatch);
        let message = book.no_match_message(&turns, &"h".repeat(400));
        assert!(
            message.contains("open: turns[0] when \"needle\""),
            "{message}"
        );
        assert!(
            message.contains(&format!("{}…", "h".repeat(300))),
            "{message}"
        );
    }

    #[test]
    fn anthropic_text_comes_from_the_last_user_message_and_its_tool_results() {
        let body = json!({"messages": [
            {"role": "user", "content": "old"},
            {"role": "assistant", "content": [{"type": "text", "text": "ignored"}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "t", "content": "out 1"},
                {"type": "tool_result", "tool_use_id": "u", "content": [{"type": "text", "text": "out 2"}]},
                {"type": "text", "text": "note"}
            ]}
        ]});
        assert_eq!(anthropic_last_user_text(&body), "out 1\nout 2\nnote");
        assert_eq!(anthropic_last_user_text(&json!({})), "");
    }

    #[test]
    fn openai_text_comes_from_messages_after_the_last_assistant() {
        let body = json!({"messages": [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": "old"},
            {"role": "assistant", "content": null, "tool_calls": []},
            {"role": "tool", "tool_call_id": "c", "content": "result"},
            {"role": "user", "content": [{"type": "text", "text": "more"}]}
        ]});
        assert_eq!(openai_last_user_text(&body), "result\nmore");
        let first = json!({"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "hi"}]});
        assert_eq!(openai_last_user_text(&first), "hi");
    }
}

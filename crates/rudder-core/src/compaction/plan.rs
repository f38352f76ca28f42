//! Which messages a summary replaces and which stay verbatim.
//!
//! A *turn* starts at a user message that holds something besides tool
//! results (a prompt) and runs to the next one. The plan keeps the last
//! `keep_turns` turns verbatim, as long as they fit the keep budget; older
//! turns are summarized. When even the last turn does not fit (one long
//! agentic turn), its prompt is kept together with the longest run of its
//! newest exchanges that fits, starting at an assistant message — so a
//! `tool_use` and its `tool_result` are always on the same side.
//!
//! Pure: the same messages give the same plan, live or after resume.

use rudder_protocol::{ContentBlock, Message, Role};

use super::super::context::breakdown::messages_bytes;

/// The split of a conversation for a summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Indices kept verbatim, ascending.
    pub kept: Vec<usize>,
    /// Indices the summary replaces, ascending (never empty).
    pub summarized: Vec<usize>,
}

/// Whether `message` starts a turn: a user message with a block that is not
/// a tool result.
pub fn is_prompt(message: &Message) -> bool {
    message.role == Role::User
        && message
            .content
            .iter()
            .any(|block| !matches!(block, ContentBlock::ToolResult { .. }))
}

/// Plans a summary of `messages` keeping `keep_turns` turns within
/// `keep_budget_bytes` (bytes as sent). `None` when nothing would be
/// summarized.
pub fn plan(messages: &[Message], keep_turns: usize, keep_budget_bytes: usize) -> Option<Plan> {
    let starts: Vec<usize> = (0..messages.len())
        .filter(|&index| is_prompt(&messages[index]))
        .collect();
    let &last_prompt = starts.last()?;
    let fits = |from: usize| messages_bytes(&messages[from..]) <= keep_budget_bytes;
    let mut choice = starts
        .len()
        .checked_sub(keep_turns)
        .map_or(0, |at| at.min(starts.len() - 1));
    while starts[choice] < last_prompt && (starts[choice] == 0 || !fits(starts[choice])) {
        choice += 1;
    }
    let start = starts[choice];
    if keep_turns > 0 && start > 0 && fits(start) {
        return Some(Plan {
            kept: (start..messages.len()).collect(),
            summarized: (0..start).collect(),
        });
    }
    // Split inside the last turn: its prompt, then the newest exchanges.
    let prompt_bytes = messages_bytes(&messages[last_prompt..=last_prompt]);
    let assistants: Vec<usize> = (last_prompt + 1..messages.len())
        .filter(|&index| messages[index].role == Role::Assistant)
        .collect();
    let tail = assistants
        .iter()
        .copied()
        .find(|&from| prompt_bytes + messages_bytes(&messages[from..]) <= keep_budget_bytes)
        .or_else(|| assistants.last().copied())
        .unwrap_or(messages.len());
    let kept: Vec<usize> = std::iter::once(last_prompt)
        .chain(tail..messages.len())
        .collect();
    let summarized: Vec<usize> = (0..tail).filter(|index| *index != last_prompt).collect();
    (!summarized.is_empty()).then_some(Plan { kept, summarized })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt(text: &str) -> Message {
        Message::user_text(text)
    }

    fn call(id: &str) -> Message {
        Message::new(
            Role::Assistant,
            vec![ContentBlock::ToolUse {
                id: id.into(),
                name: "Read".into(),
                input: serde_json::json!({}),
                cache_control: None,
            }],
        )
    }

    fn result(id: &str, size: usize) -> Message {
        Message::new(
            Role::User,
            vec![ContentBlock::tool_result(id, "x".repeat(size), false)],
        )
    }

    fn answer() -> Message {
        Message::new(Role::Assistant, vec![ContentBlock::text("done")])
    }

    /// Three turns: prompt, call, result, answer.
    fn three_turns(size: usize) -> Vec<Message> {
        let mut messages = Vec::new();
        for turn in 0..3 {
            messages.push(prompt(&format!("turn {turn}")));
            messages.push(call(&format!("t{turn}")));
            messages.push(result(&format!("t{turn}"), size));
            messages.push(answer());
        }
        messages
    }

    fn pairs_intact(messages: &[Message], plan: &Plan) {
        for side in [&plan.kept, &plan.summarized] {
            let uses: Vec<&str> = side
                .iter()
                .flat_map(|&index| messages[index].tool_uses().map(|(id, _, _)| id))
                .collect();
            let results: Vec<&str> = side
                .iter()
                .flat_map(|&index| &messages[index].content)
                .filter_map(|block| match block {
                    ContentBlock::ToolResult { tool_use_id, .. } => Some(tool_use_id.as_str()),
                    _ => None,
                })
                .collect();
            assert_eq!(uses, results, "a tool_use and its result were split");
        }
    }

    #[test]
    fn keeps_the_last_two_turns_when_they_fit() {
        let messages = three_turns(10);
        let plan = plan(&messages, 2, 100_000).unwrap();
        assert_eq!(plan.summarized, vec![0, 1, 2, 3]);
        assert_eq!(plan.kept, (4..12).collect::<Vec<_>>());
        pairs_intact(&messages, &plan);
    }

    #[test]
    fn keeps_fewer_turns_when_the_budget_is_small() {
        let messages = three_turns(1000);
        let plan = plan(&messages, 2, 1500).unwrap();
        assert_eq!(plan.kept, (8..12).collect::<Vec<_>>());
        pairs_intact(&messages, &plan);
    }

    #[test]
    fn splits_one_long_turn_after_its_prompt_without_splitting_pairs() {
        let mut messages = vec![prompt("one long task")];
        for step in 0..6 {
            messages.push(call(&format!("s{step}")));
            messages.push(result(&format!("s{step}"), 1000));
        }
        let plan = plan(&messages, 2, 2500).unwrap();
        assert_eq!(plan.kept[0], 0, "the last user message is kept");
        assert_eq!(plan.kept[1..], [9, 10, 11, 12]);
        assert_eq!(plan.summarized, (1..9).collect::<Vec<_>>());
        pairs_intact(&messages, &plan);
        // Too small for even one exchange: the newest one is kept anyway.
        let tight = super::plan(&messages, 2, 10).unwrap();
        assert_eq!(tight.kept, vec![0, 11, 12]);
    }

    #[test]
    fn nothing_to_summarize_is_none() {
        assert_eq!(plan(&[], 2, 100), None);
        assert_eq!(plan(&[prompt("hi"), answer()], 2, 100_000), None);
    }
}

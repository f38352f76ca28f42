//! The session commands a headless run answers itself: a `/compact
//! [instructions]` prompt (CLAUDE-CODE-INTERFACE.md §8, §11) and the SDK's
//! `get_context_usage` control request (§10.3).
//!
//! Pure mapping; the callers run the session. General slash-command
//! dispatch lives elsewhere; this recognizes only `/compact`.

use rudder_core::context::ContextUsage;
use rudder_protocol::ContentBlock;
use serde_json::{Value, json};

/// `Some(instructions)` when `prompt` is a `/compact` command (`None`
/// instructions when none follow the name); `None` for any other prompt.
pub fn compact_command(prompt: &str) -> Option<Option<String>> {
    let rest = prompt.trim_start().strip_prefix("/compact")?;
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let instructions = rest.trim();
    Some((!instructions.is_empty()).then(|| instructions.to_owned()))
}

/// [`compact_command`] for a stream-json user message: only a message made
/// of text blocks is a command.
pub fn compact_command_in(blocks: &[ContentBlock]) -> Option<Option<String>> {
    let texts: Option<Vec<&str>> = blocks.iter().map(ContentBlock::as_text).collect();
    compact_command(&texts?.join(""))
}

/// The `get_context_usage` answer, in the Agent SDK's `ContextUsageResponse`
/// shape: `categories` (name, tokens, color), `totalTokens`, `maxTokens`
/// (where compaction starts, else the window), `rawMaxTokens` (the window),
/// `percentage`, `model`, `isAutoCompactEnabled`, and rudder's `isEstimate`
/// (true until the API has reported a usage).
pub fn context_usage_response(usage: &ContextUsage) -> Value {
    const COLORS: [&str; 5] = ["promptBorder", "inactive", "claude", "purple", "success"];
    let mut categories: Vec<Value> = usage
        .parts
        .iter()
        .zip(COLORS.iter().cycle())
        .map(|(part, color)| json!({"name": part.name, "tokens": part.tokens, "color": color}))
        .collect();
    categories.push(json!({
        "name": "Free space",
        "tokens": usage.window.saturating_sub(usage.total_tokens),
        "color": "promptBorder",
    }));
    let mut response = json!({
        "categories": categories,
        "totalTokens": usage.total_tokens,
        "maxTokens": usage.auto_compact_threshold.unwrap_or(usage.window),
        "rawMaxTokens": usage.window,
        "percentage": usage.percentage(),
        "model": usage.model,
        "isAutoCompactEnabled": usage.auto_compact_threshold.is_some(),
        "isEstimate": !usage.measured,
        "memoryFiles": [],
        "mcpTools": [],
        "agents": [],
        "gridRows": [],
        "apiUsage": usage.last_usage,
    });
    if let (Some(threshold), Some(fields)) =
        (usage.auto_compact_threshold, response.as_object_mut())
    {
        fields.insert("autoCompactThreshold".to_owned(), json!(threshold));
    }
    response
}

#[cfg(test)]
mod tests {
    use rudder_core::context::ContextPart;

    use super::*;

    #[test]
    fn recognizes_compact_with_and_without_instructions() {
        assert_eq!(compact_command("/compact"), Some(None));
        assert_eq!(
            compact_command("  /compact keep the API notes \n"),
            Some(Some("keep the API notes".to_owned()))
        );
        assert_eq!(compact_command("/compaction"), None);
        assert_eq!(compact_command("please /compact"), None);
        assert_eq!(
            compact_command_in(&[ContentBlock::text("/compact x")]),
            Some(Some("x".to_owned()))
        );
    }

    #[test]
    fn the_context_answer_has_the_sdk_fields() {
        let usage = ContextUsage {
            model: "claude-sonnet-4-5".into(),
            total_tokens: 50_000,
            measured: true,
            window: 200_000,
            auto_compact_threshold: Some(184_000),
            parts: vec![ContextPart {
                name: "System prompt".into(),
                tokens: 3_000,
            }],
            last_usage: None,
        };
        let value = context_usage_response(&usage);
        assert_eq!(value["totalTokens"], 50_000);
        assert_eq!(value["maxTokens"], 184_000);
        assert_eq!(value["rawMaxTokens"], 200_000);
        assert_eq!(value["percentage"], 25.0);
        assert_eq!(value["isAutoCompactEnabled"], true);
        assert_eq!(value["isEstimate"], false);
        assert_eq!(value["categories"][0]["name"], "System prompt");
        assert_eq!(value["categories"][1]["name"], "Free space");
        assert_eq!(value["categories"][1]["tokens"], 150_000);
    }
}

//! The SDK's `get_context_usage` control request (CLAUDE-CODE-INTERFACE.md
//! §10.3), answered from the session's context view. Pure mapping.
//! (`/compact` and the other slash commands are dispatched by
//! `Session::submit`.)

use rudder_core::context::ContextUsage;
use serde_json::{Value, json};

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

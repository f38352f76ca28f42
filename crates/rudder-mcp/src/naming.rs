//! The names MCP tools and prompts get in rudder: `mcp__<server>__<tool>`.
//!
//! Contract (CLAUDE-CODE-INTERFACE.md §6): tools are exposed as
//! `mcp__<server>__<tool>` and prompts as `/mcp__<server>__<prompt>`, with
//! characters outside `[A-Za-z0-9_-]` replaced by `_`. The Messages API caps
//! tool names at 128 characters and other providers at 64, so a longer name
//! is cut to 55 characters plus `_` and 8 hex digits of a SHA-256 over the
//! original server and tool names: stable across runs and reconnects.
//!
//! Pure functions; nothing here knows about connections.

use sha2::{Digest, Sha256};

/// Longest qualified tool name rudder emits, in characters.
pub const MAX_TOOL_NAME_LEN: usize = 64;

/// Replaces every character outside `[A-Za-z0-9_-]` with `_`.
pub fn normalize(part: &str) -> String {
    part.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `mcp__<server>__<tool>`, normalised, at most [`MAX_TOOL_NAME_LEN`]
/// characters (longer names end in `_` + 8 hex digits of a stable hash of the
/// original names).
pub fn qualified_tool_name(server: &str, tool: &str) -> String {
    let full = format!("mcp__{}__{}", normalize(server), normalize(tool));
    if full.len() <= MAX_TOOL_NAME_LEN {
        return full;
    }
    with_hash_suffix(&full, server, tool)
}

/// Like [`qualified_tool_name`] but always with the hash suffix; used to
/// tell apart two tools whose normalised names collide (e.g. `a.b`, `a_b`).
pub fn disambiguated_tool_name(server: &str, tool: &str) -> String {
    let full = format!("mcp__{}__{}", normalize(server), normalize(tool));
    with_hash_suffix(&full, server, tool)
}

fn with_hash_suffix(full: &str, server: &str, tool: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(server.as_bytes());
    hasher.update([0]);
    hasher.update(tool.as_bytes());
    let digest = hex::encode(hasher.finalize());
    let keep = MAX_TOOL_NAME_LEN - 9;
    let prefix: String = full.chars().take(keep).collect();
    format!("{prefix}_{}", &digest[..8])
}

/// The slash command of a prompt: `mcp__<server>__<prompt>` (no length cap;
/// slash commands are not sent as tool names).
pub fn prompt_command(server: &str, prompt: &str) -> String {
    format!("mcp__{}__{}", normalize(server), normalize(prompt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_normalised() {
        assert_eq!(
            qualified_tool_name("my server", "get.file"),
            "mcp__my_server__get_file"
        );
        assert_eq!(
            qualified_tool_name("gh", "issue-list"),
            "mcp__gh__issue-list"
        );
        assert_eq!(prompt_command("srv", "re view"), "mcp__srv__re_view");
    }

    #[test]
    fn long_names_get_a_stable_hash_suffix() {
        let tool = "a_really_long_tool_name_that_goes_on_and_on_and_on_forever";
        let name = qualified_tool_name("server", tool);
        assert_eq!(name.len(), MAX_TOOL_NAME_LEN);
        assert_eq!(name, qualified_tool_name("server", tool));
        assert_ne!(name, qualified_tool_name("server", &format!("{tool}2")));
        assert!(name.starts_with("mcp__server__a_really"));
        assert_ne!(
            disambiguated_tool_name("s", "a.b"),
            disambiguated_tool_name("s", "a_b")
        );
    }
}

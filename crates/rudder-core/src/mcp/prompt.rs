//! MCP in the user's prompt: `@server:uri` mentions are read and attached,
//! and `/mcp__<server>__<prompt> args…` runs the server's prompt.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §6 — "`@server:protocol://path`
//! mentions in prompts are fetched as attachments"; "prompts → slash
//! commands `/mcp__<server>__<prompt> [args…]` (space-separated args mapped
//! to the prompt's declared arguments)". Only mentions of configured
//! servers count (an e-mail address or `@decorator` stays text). The
//! expanded prompt is what the transcript records, so a resumed session
//! sends the same bytes.
//!
//! Waits only for the servers the prompt names (bounded).

use rudder_mcp::parse_resource_mention;
use rudder_protocol::ContentBlock;
use tokio_util::sync::CancellationToken;

use super::McpSession;

/// Longest text an attached resource keeps, in bytes; the rest is cut with
/// a note (the model can read it whole with ReadMcpResourceTool).
const MAX_ATTACHMENT_BYTES: usize = 100_000;

/// The `@server:uri` mentions in `text` whose server is in `servers`, in
/// order of appearance, without repeats. A mention is a whitespace-separated
/// word starting with `@` (after an opening bracket or quote), with
/// trailing sentence punctuation removed.
pub fn mentions(text: &str, servers: &[String]) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    for word in text.split_whitespace() {
        let word = word.trim_start_matches(['(', '"', '\'', '`', '[']);
        let word = word.trim_end_matches([',', '.', ';', ')', '!', '?', '"', '\'', '`', ']']);
        if let Some((server, uri)) = parse_resource_mention(word)
            && servers.iter().any(|name| name == server)
        {
            let mention = (server.to_owned(), uri.to_owned());
            if !found.contains(&mention) {
                found.push(mention);
            }
        }
    }
    found
}

/// Splits `/mcp__<server>__<prompt> args` into (`mcp__<server>__<prompt>`,
/// `args`); `None` when `text` is not such a command.
pub fn prompt_command(text: &str) -> Option<(&str, &str)> {
    let command = text.trim_start().strip_prefix('/')?;
    if !command.starts_with("mcp__") {
        return None;
    }
    Some(match command.split_once(char::is_whitespace) {
        Some((name, args)) => (name, args.trim()),
        None => (command.trim_end(), ""),
    })
}

impl McpSession {
    /// Expands a user prompt: a leading `/mcp__<server>__<prompt>` command
    /// of a configured server becomes the prompt's messages, and every
    /// `@server:uri` mention gets the resource's contents attached after the
    /// prompt's blocks. Returns the blocks to send.
    ///
    /// Errors (the turn does not start): the command names a prompt the
    /// server does not have, a required argument is missing, or the server
    /// failed to expand it. A mention that cannot be read is attached as a
    /// note saying why instead.
    pub async fn expand_prompt(
        &self,
        mut blocks: Vec<ContentBlock>,
        cancel: &CancellationToken,
    ) -> Result<Vec<ContentBlock>, String> {
        let command = blocks
            .first()
            .and_then(ContentBlock::as_text)
            .and_then(prompt_command)
            .map(|(name, args)| (name.to_owned(), args.to_owned()));
        if let Some((name, args)) = command
            && let Some(server) = self.server_of(&name)
        {
            let expanded = tokio::select! {
                expanded = self.run_prompt(&server, &name, &args) => expanded?,
                () = cancel.cancelled() => return Err("Interrupted by the user.".to_owned()),
            };
            blocks.splice(0..1, expanded);
        }
        let servers: Vec<String> = self
            .manager()
            .status()
            .into_iter()
            .map(|status| status.name)
            .collect();
        let mut found = Vec::new();
        for block in &blocks {
            if let Some(text) = block.as_text() {
                for mention in mentions(text, &servers) {
                    if !found.contains(&mention) {
                        found.push(mention);
                    }
                }
            }
        }
        for (server, uri) in found {
            let attached = tokio::select! {
                attached = self.attachment(&server, &uri) => attached,
                () = cancel.cancelled() => return Err("Interrupted by the user.".to_owned()),
            };
            blocks.extend(attached);
        }
        Ok(blocks)
    }

    /// Runs prompt command `name` of `server` with the words `args`.
    async fn run_prompt(
        &self,
        server: &str,
        name: &str,
        args: &str,
    ) -> Result<Vec<ContentBlock>, String> {
        self.wait_for(server).await;
        let prompts = self
            .manager()
            .list_prompts(Some(server))
            .await
            .map_err(|error| format!("/{name}: {error}"))?;
        let Some(prompt) = prompts.iter().find(|prompt| prompt.command == name) else {
            let known: Vec<String> = prompts
                .iter()
                .map(|prompt| format!("/{}", prompt.command))
                .collect();
            return Err(format!(
                "/{name}: MCP server `{server}` has no such prompt (its prompts: {})",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ));
        };
        let bound = prompt.bind_args(args)?;
        let result = self
            .manager()
            .get_prompt(server, &prompt.name, bound)
            .await
            .map_err(|error| format!("/{name}: {error}"))?;
        let blocks: Vec<ContentBlock> = result
            .messages
            .into_iter()
            .flat_map(|message| message.content)
            .collect();
        if blocks.is_empty() {
            return Err(format!("/{name}: the prompt expanded to nothing"));
        }
        Ok(blocks)
    }

    /// The blocks attached for one mention: its text in an
    /// `<mcp-resource>` block (cut at [`MAX_ATTACHMENT_BYTES`]), then its
    /// images; or a note saying why it could not be read.
    async fn attachment(&self, server: &str, uri: &str) -> Vec<ContentBlock> {
        self.wait_for(server).await;
        let contents = match self.manager().read_resource(server, uri).await {
            Ok(contents) => contents,
            Err(error) => {
                return vec![ContentBlock::text(format!(
                    "(rudder could not read the resource @{server}:{uri}: {error})"
                ))];
            }
        };
        let mut text = String::new();
        let mut others = Vec::new();
        for block in contents {
            match block.as_text() {
                Some(part) => {
                    if !text.is_empty() {
                        text.push('\n');
                    }
                    text.push_str(part);
                }
                None => others.push(block),
            }
        }
        if text.len() > MAX_ATTACHMENT_BYTES {
            let mut cut = MAX_ATTACHMENT_BYTES;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let total = text.len();
            text.truncate(cut);
            text.push_str(&format!(
                "\n[… cut at {cut} of {total} bytes; read the rest with ReadMcpResourceTool …]"
            ));
        }
        let mut blocks = vec![ContentBlock::text(format!(
            "<mcp-resource server=\"{server}\" uri=\"{uri}\">\n{text}\n</mcp-resource>"
        ))];
        blocks.extend(others);
        blocks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_need_a_configured_server_and_drop_punctuation() {
        let servers = vec!["docs".to_owned(), "fs".to_owned()];
        let text = "see @docs:file:///a.md, (@fs:file:///b.txt) and mail me@host.org or @other:x://y. \
                    Again @docs:file:///a.md.";
        assert_eq!(
            mentions(text, &servers),
            [
                ("docs".to_owned(), "file:///a.md".to_owned()),
                ("fs".to_owned(), "file:///b.txt".to_owned()),
            ]
        );
        assert!(mentions("@decorator def f(): pass", &servers).is_empty());
    }

    #[test]
    fn prompt_commands_split_name_and_arguments() {
        assert_eq!(
            prompt_command("/mcp__srv__greet Ada Lovelace"),
            Some(("mcp__srv__greet", "Ada Lovelace"))
        );
        assert_eq!(
            prompt_command("  /mcp__srv__simple"),
            Some(("mcp__srv__simple", ""))
        );
        assert_eq!(prompt_command("/compact"), None);
        assert_eq!(prompt_command("mcp__srv__x"), None);
    }
}

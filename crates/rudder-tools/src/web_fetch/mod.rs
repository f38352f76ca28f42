//! The WebFetch tool: fetches a URL, turns it into Markdown, and answers
//! the call's `prompt` about it with a small-model side query.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (WebFetch: `url` R format uri,
//! `prompt` R; http → https; HTML → Markdown; prompt run by the small fast
//! model; 15-minute cache; a cross-host redirect is returned as a message
//! and the model must fetch again) and the issue (the prompt's model call
//! is recorded like every other call: it goes through
//! [`crate::SideQuery`], which the agent logs). Decisions: the HTTP rules
//! are in `fetch.rs` (loopback hosts keep http; 10 MiB; 30 s for the whole
//! fetch, redirects included); the content given to the model is cut at
//! [`MAX_CONTENT_CHARS`]; fetches go through the proxy the tool was
//! built with (the run's `HTTPS_PROXY` and friends); without a side query
//! (no model connection) the Markdown itself is returned, cut the same
//! way. Read-only.

pub mod cache;
pub mod fetch;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use rudder_model::proxy::ProxyConfig;
use serde::Deserialize;
use serde_json::{Value, json};

use self::fetch::{Fetched, Page};
use crate::file_tool::{parse_input, tool_error};
use crate::tool::{SideRequest, Tool, ToolContext, ToolOutput};

/// Time allowed for one fetch, redirects included.
pub const TIME_LIMIT: Duration = Duration::from_secs(30);

/// Characters of page content given to the model (or returned).
pub const MAX_CONTENT_CHARS: usize = 100_000;

const DESCRIPTION: &str = "\
Fetches a web page and answers a question about its content.

- url must be a complete URL. http:// is upgraded to https://, except for the local machine (localhost, 127.0.0.1, ::1).
- The page is converted from HTML to Markdown, and prompt is applied to it by a small, fast model; its answer is the result. Say in prompt exactly what to find or summarise.
- Redirects within the same host are followed. A redirect to a different host is not: the result gives the new URL, which you can fetch with another call.
- Pages over 10 MB, fetches over 30 seconds, and content that is not text (images, archives, PDF) are refused. Pages that need a login or a browser will not work.
- A page fetched in the last 15 minutes is answered from a cache.
- Very long pages are cut to their first 100000 characters.";

/// Input of the WebFetch tool.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebFetchInput {
    url: String,
    prompt: String,
}

/// The `WebFetch` tool. Holds one HTTP client, built on first use.
#[derive(Debug, Default)]
pub struct WebFetchTool {
    client: OnceLock<reqwest::Client>,
    proxy: ProxyConfig,
}

impl WebFetchTool {
    /// A WebFetch tool whose requests go through `proxy` (the default
    /// connects directly).
    pub fn new(proxy: ProxyConfig) -> Self {
        Self {
            client: OnceLock::new(),
            proxy,
        }
    }
}

impl Tool for WebFetchTool {
    fn name(&self) -> &str {
        "WebFetch"
    }

    fn description(&self) -> &str {
        DESCRIPTION
    }

    fn input_schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "url": {
                    "type": "string",
                    "format": "uri",
                    "description": "The URL to fetch"
                },
                "prompt": {
                    "type": "string",
                    "description": "What to find in or do with the page's content"
                }
            },
            "required": ["url", "prompt"],
            "additionalProperties": false,
            "$schema": "http://json-schema.org/draft-07/schema#"
        })
    }

    fn is_read_only(&self) -> bool {
        true
    }

    fn execute<'a>(&'a self, input: Value, ctx: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            match parse_input::<WebFetchInput>("WebFetch", input) {
                Ok(input) => self.run(input, ctx).await.unwrap_or_else(|output| output),
                Err(output) => output,
            }
        })
    }
}

impl WebFetchTool {
    fn client(&self) -> Result<&reqwest::Client, ToolOutput> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("rudder/", env!("CARGO_PKG_VERSION"), " (WebFetch)"));
        let client = self
            .proxy
            .apply(builder)
            .map_err(|err| tool_error(format!("Could not set up the HTTP client: {err}")))?
            .build()
            .map_err(|err| tool_error(format!("Could not set up the HTTP client: {err}")))?;
        Ok(self.client.get_or_init(|| client))
    }

    async fn run(&self, input: WebFetchInput, ctx: &ToolContext) -> Result<ToolOutput, ToolOutput> {
        if input.prompt.trim().is_empty() {
            return Err(tool_error("prompt is empty; say what to find in the page."));
        }
        let started = Instant::now();
        let url = fetch::prepare_url(&input.url).map_err(tool_error)?;
        let key = url.to_string();
        let cache = &ctx.state.web_cache;
        let page = match cache.get(&key) {
            Some(page) => page,
            None => {
                let client = self.client()?;
                let fetched = tokio::select! {
                    fetched = tokio::time::timeout(TIME_LIMIT, fetch::fetch(client, url)) => fetched,
                    () = ctx.cancel.cancelled() => return Err(tool_error("WebFetch was interrupted.")),
                };
                match fetched {
                    Err(_) => {
                        return Err(tool_error(format!(
                            "Fetching {key} took longer than {} s and was abandoned.",
                            TIME_LIMIT.as_secs()
                        )));
                    }
                    Ok(Err(err)) => return Err(tool_error(err)),
                    Ok(Ok(Fetched::Redirect { from, to, status })) => {
                        return Ok(redirected(&from, &to, status, started));
                    }
                    Ok(Ok(Fetched::Page(page))) => {
                        let page = Arc::new(page);
                        cache.put(&key, Arc::clone(&page));
                        page
                    }
                }
            }
        };
        let content = cut_content(&page.text);
        let result = match &ctx.side_query {
            Some(side) => {
                let request = SideRequest {
                    purpose: "web-fetch".to_owned(),
                    system: SYSTEM_PROMPT.to_owned(),
                    prompt: format!(
                        "Content of {}:\n\n<page>\n{content}\n</page>\n\n{}",
                        page.url, input.prompt
                    ),
                    server_tools: Vec::new(),
                    small_model: true,
                };
                let answer = tokio::select! {
                    answer = side.query(request) => answer,
                    () = ctx.cancel.cancelled() => return Err(tool_error("WebFetch was interrupted.")),
                };
                let message = answer.map_err(|err| {
                    tool_error(format!(
                        "{} was fetched, but applying the prompt to it failed: {err}",
                        page.url
                    ))
                })?;
                let text: Vec<&str> = message
                    .content
                    .iter()
                    .filter_map(rudder_protocol::ContentBlock::as_text)
                    .collect();
                text.join("\n")
            }
            None => format!(
                "(No model is available to apply the prompt, so here is the content of {} as Markdown.)\n\n{content}",
                page.url
            ),
        };
        Ok(page_output(&page, result, started))
    }
}

/// System prompt of the side query that applies the call's prompt.
const SYSTEM_PROMPT: &str = "You answer a request about a web page, using only the page content you are given. Be concise and concrete. If the page does not contain the answer, say so. Keep quotations short and few; do not reproduce long passages word for word.";

/// `text` cut to [`MAX_CONTENT_CHARS`], with a note when it was cut.
fn cut_content(text: &str) -> String {
    match text.char_indices().nth(MAX_CONTENT_CHARS) {
        Some((end, _)) => format!(
            "{}\n\n[Content cut: only the first {MAX_CONTENT_CHARS} characters of the page are included.]",
            &text[..end]
        ),
        None => text.to_owned(),
    }
}

fn page_output(page: &Page, result: String, started: Instant) -> ToolOutput {
    ToolOutput::text(result.clone()).with_structured(json!({
        "bytes": page.bytes,
        "code": page.status,
        "codeText": page.status_text,
        "result": result,
        "durationMs": u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "url": page.url,
    }))
}

fn redirected(from: &str, to: &str, status: u16, started: Instant) -> ToolOutput {
    let message = format!(
        "{from} redirects (HTTP {status}) to a different host: {to}\nThe redirect was not followed. To get the content, call WebFetch again with url \"{to}\" and the same prompt."
    );
    ToolOutput::text(message.clone()).with_structured(json!({
        "bytes": 0,
        "code": status,
        "codeText": "Redirect to another host",
        "result": message,
        "durationMs": u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "url": from,
        "redirectUrl": to,
    }))
}

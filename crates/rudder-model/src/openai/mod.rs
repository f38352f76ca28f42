//! The OpenAI Chat Completions client, for OpenAI itself and for the many
//! servers that speak its format (vLLM, llama.cpp's server, Ollama,
//! OpenRouter…): `POST {base}/v1/chat/completions` with `stream: true`, the
//! request translated from the Anthropic shape (`request.rs`) and the chunks
//! (`chunk.rs`) translated back into Anthropic stream events (`stream.rs`).
//!
//! Contract: <https://platform.openai.com/docs/api-reference/chat> and
//! <https://platform.openai.com/docs/api-reference/models/list>; issue 9.
//!
//! This module never sends `cache_control` (servers of this kind cache
//! prefixes on their own; the deterministic translation keeps prefixes
//! byte-stable), never retries and never times a stream out (`crate::call`
//! does both), and never shows the API key (`Debug` is redacted).

mod chunk;
mod request;
mod stream;

use std::fmt;

use futures::FutureExt;
use futures::future::BoxFuture;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use rudder_protocol::MessagesRequest;

pub use request::chat_completions_body;

use crate::client::{EventStream, ModelClient, ModelError};
use crate::http;
use crate::proxy::ProxyConfig;

const API_KEY_VAR: &str = "OPENAI_API_KEY";
const BASE_URL_VAR: &str = "OPENAI_BASE_URL";

/// Everything the OpenAI client needs to reach a server. `Debug` shows no
/// key and no extra header value.
#[derive(Clone, PartialEq, Eq)]
pub struct OpenAiConfig {
    /// Scheme, host and optional path, e.g. `https://api.openai.com`,
    /// `http://localhost:11434` or `https://openrouter.ai/api/v1`. Requests
    /// go to `{base_url}/v1/…`, or `{base_url}/…` when it already ends in
    /// `/v1`.
    pub base_url: String,
    /// Sent as `Authorization: Bearer <key>` when set; local servers need none.
    pub api_key: Option<String>,
    /// Extra `(name, value)` headers, sent last (they replace built-in ones
    /// of the same name), e.g. OpenRouter's `HTTP-Referer`.
    pub extra_headers: Vec<(String, String)>,
    /// The `User-Agent` header, `rudder/<version>` by default.
    pub user_agent: String,
    /// The proxies requests go through (see [`crate::proxy`]).
    pub proxy: ProxyConfig,
}

impl fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("extra_headers", &http::redacted(&self.extra_headers))
            .field("user_agent", &self.user_agent)
            .field("proxy", &self.proxy)
            .finish()
    }
}

impl OpenAiConfig {
    /// The OpenAI API endpoint.
    pub const DEFAULT_BASE_URL: &str = "https://api.openai.com";

    /// Reads the configuration through `env` (a variable lookup; empty values
    /// count as unset): the key from `OPENAI_API_KEY`; the base URL from
    /// `base_url_override` (e.g. `--base-url`), else `OPENAI_BASE_URL`, else
    /// [`Self::DEFAULT_BASE_URL`] (a trailing slash is dropped); the proxies
    /// of [`ProxyConfig::from_env`]. No extra headers.
    ///
    /// Errors: [`ModelError::Config`] when the base URL is not an http(s) URL
    /// (naming its source), or when it is OpenAI's own endpoint and no key
    /// is set (naming both variables).
    pub fn from_env(
        env: &dyn Fn(&str) -> Option<String>,
        base_url_override: Option<&str>,
    ) -> Result<Self, ModelError> {
        let get = |name: &str| {
            env(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let base_url = match base_url_override {
            Some(url) => http::base_url(url, "the base URL override")?,
            None => match get(BASE_URL_VAR) {
                Some(url) => http::base_url(&url, BASE_URL_VAR)?,
                None => Self::DEFAULT_BASE_URL.to_owned(),
            },
        };
        let api_key = get(API_KEY_VAR);
        if api_key.is_none() && api_root(&base_url) == api_root(Self::DEFAULT_BASE_URL) {
            return Err(ModelError::Config(format!(
                "no OpenAI credential: set {API_KEY_VAR}, or set {BASE_URL_VAR} \
                 (or --base-url) to a server that needs no key"
            )));
        }
        Ok(Self {
            base_url,
            api_key,
            extra_headers: Vec::new(),
            user_agent: http::USER_AGENT.to_owned(),
            proxy: ProxyConfig::from_env(env),
        })
    }
}

/// `{base}/v1`, without doubling a `/v1` the base already ends with.
fn api_root(base: &str) -> String {
    let base = base.trim_end_matches('/');
    if base.ends_with("/v1") {
        base.to_owned()
    } else {
        format!("{base}/v1")
    }
}

/// A client for one OpenAI-compatible endpoint. Cheap to share.
#[derive(Debug, Clone)]
pub struct OpenAiClient {
    http: reqwest::Client,
    /// `{root}/chat/completions`.
    url: String,
    /// Content type, auth and extra headers, validated once.
    headers: HeaderMap,
}

/// The validated pieces of a config: HTTP client, API root, headers.
fn connect(
    config: &OpenAiConfig,
    content_type: bool,
) -> Result<(reqwest::Client, String, HeaderMap), ModelError> {
    let base = http::base_url(&config.base_url, "the OpenAI base URL")?;
    let mut headers = HeaderMap::new();
    if content_type {
        http::insert_header(
            &mut headers,
            CONTENT_TYPE.as_str(),
            "application/json",
            false,
        )?;
    }
    if let Some(key) = &config.api_key {
        let bearer = format!("Bearer {key}");
        http::insert_header(&mut headers, AUTHORIZATION.as_str(), &bearer, true)?;
    }
    for (name, value) in &config.extra_headers {
        http::insert_header(&mut headers, name, value, true)?;
    }
    let http = http::http_client(&config.user_agent, &config.proxy)?;
    Ok((http, api_root(&base), headers))
}

impl OpenAiClient {
    /// Builds a client for `config`.
    ///
    /// Errors: [`ModelError::Config`] when the base URL is not an http(s)
    /// URL, when a header (the key included) holds characters HTTP does not
    /// allow, or when the TLS backend cannot start.
    pub fn new(config: OpenAiConfig) -> Result<Self, ModelError> {
        let (http, root, headers) = connect(&config, true)?;
        Ok(Self {
            http,
            url: format!("{root}/chat/completions"),
            headers,
        })
    }

    async fn open(&self, request: &MessagesRequest) -> Result<EventStream, ModelError> {
        let body = chat_completions_body(request)?;
        let what = format!("POST {}", self.url);
        let builder = self
            .http
            .post(&self.url)
            .headers(self.headers.clone())
            .body(body);
        let response = http::send(builder, &what).await?;
        let response = http::expect_event_stream(response, &what).await?;
        let events = stream::ChatEvents::new(what.clone(), request.model.clone());
        Ok(http::pump(response, what, events))
    }
}

impl ModelClient for OpenAiClient {
    /// Sends [`chat_completions_body`]`(request)` (always streaming, whatever
    /// `request.stream` says) and yields Anthropic events: `message_start`
    /// (the server's id and model, zero usage), text, thinking
    /// (`reasoning_content`/`reasoning`, empty signature) and tool_use
    /// blocks, `message_delta` (stop reason from `finish_reason`; usage from
    /// the usage chunk, cached prompt tokens as cache reads), and
    /// `message_stop` at `[DONE]` or at the end of a body that gave a
    /// `finish_reason`. Keep-alive comments come through as pings.
    ///
    /// Errors: as [`ModelClient::stream`]; an error body's `error.message`
    /// becomes the [`ModelError::Http`] message, a mid-stream error chunk is
    /// a [`ModelError::Stream`] item, tool call fragments that interleave
    /// two calls are a [`ModelError::Decode`] item.
    fn stream<'a>(
        &'a self,
        request: &'a MessagesRequest,
    ) -> BoxFuture<'a, Result<EventStream, ModelError>> {
        self.open(request).boxed()
    }

    fn provider(&self) -> &str {
        "openai"
    }

    fn supports_cache_control(&self) -> bool {
        false
    }
}

/// The model ids the server offers (`GET {root}/models`, the `id` of each
/// entry of `data`, in the server's order), for `rudder doctor`.
///
/// Errors: [`ModelError::Config`] for a bad config (see
/// [`OpenAiClient::new`]); [`ModelError::Network`] when the server cannot be
/// reached; [`ModelError::Http`] for a non-2xx answer;
/// [`ModelError::Decode`] when the body is not `{"data":[{"id":…},…]}`.
pub async fn list_models(config: &OpenAiConfig) -> Result<Vec<String>, ModelError> {
    #[derive(serde::Deserialize)]
    struct Models {
        data: Vec<Model>,
    }
    #[derive(serde::Deserialize)]
    struct Model {
        id: String,
    }
    let (http, root, headers) = connect(config, false)?;
    let url = format!("{root}/models");
    let what = format!("GET {url}");
    let response = http::send(http.get(&url).headers(headers), &what).await?;
    let body = response.bytes().await.map_err(|err| {
        ModelError::Network(format!(
            "{what}: reading the response failed: {}",
            http::chain(&err.without_url())
        ))
    })?;
    let models: Models = serde_json::from_slice(&body).map_err(|err| {
        ModelError::Decode(format!(
            "{what}: expected {{\"data\":[{{\"id\":…}}]}}: {err}; body: {}",
            http::quote(&String::from_utf8_lossy(&body))
        ))
    })?;
    Ok(models.data.into_iter().map(|model| model.id).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn the_api_root_never_doubles_v1() {
        assert_eq!(
            api_root("http://localhost:8080"),
            "http://localhost:8080/v1"
        );
        assert_eq!(
            api_root("http://localhost:8080/v1"),
            "http://localhost:8080/v1"
        );
        assert_eq!(
            api_root("http://localhost:8080/v1/"),
            "http://localhost:8080/v1"
        );
        assert_eq!(
            api_root("https://openrouter.ai/api"),
            "https://openrouter.ai/api/v1"
        );
    }

    #[test]
    fn from_env_reads_key_and_base_url() {
        let env = env_of(&[
            ("OPENAI_API_KEY", "sk-o"),
            ("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1/"),
        ]);
        let config = OpenAiConfig::from_env(&env, None).unwrap();
        assert_eq!(config.base_url, "http://127.0.0.1:11434/v1");
        assert_eq!(config.api_key.as_deref(), Some("sk-o"));
        assert!(config.user_agent.starts_with("rudder/"));
        assert!(!format!("{config:?}").contains("sk-o"));
    }

    #[test]
    fn a_local_server_needs_no_key_but_openai_does() {
        let local = OpenAiConfig::from_env(&env_of(&[]), Some("http://localhost:8080")).unwrap();
        assert_eq!(local.api_key, None);
        let err = OpenAiConfig::from_env(&env_of(&[]), None).unwrap_err();
        assert!(err.to_string().contains("OPENAI_API_KEY"));
        assert!(err.to_string().contains("OPENAI_BASE_URL"));
        let bad = OpenAiConfig::from_env(&env_of(&[("OPENAI_BASE_URL", "localhost")]), None);
        assert!(bad.unwrap_err().to_string().contains("OPENAI_BASE_URL"));
    }
}

//! Configuration of the Anthropic client: endpoint, credential, beta flags
//! and extra headers, and how to read them from the environment the way
//! Claude Code does.
//!
//! Contract: Claude Code's environment variables (`ANTHROPIC_API_KEY`,
//! `ANTHROPIC_AUTH_TOKEN`, `ANTHROPIC_BASE_URL`, `ANTHROPIC_CUSTOM_HEADERS`;
//! ../shared/CLAUDE-CODE-INTERFACE.md) and the API's authentication headers
//! (<https://docs.anthropic.com/en/api/overview>).
//!
//! This module only reads the environment through the function it is given
//! (so project settings can be applied only after trust, and tests need no
//! process environment), and never prints a credential: [`Auth`]'s `Debug`
//! is redacted.

use std::fmt;

use crate::client::ModelError;
use crate::http;
use crate::proxy::ProxyConfig;

/// How requests authenticate.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// An API key, sent as `x-api-key: <key>`.
    ApiKey(String),
    /// A bearer token (gateways, OAuth), sent as `Authorization: Bearer <token>`.
    Bearer(String),
    /// A key printed by the `apiKeyHelper` command, sent both as
    /// `x-api-key` and as `Authorization: Bearer` (Claude Code's behaviour,
    /// so gateways expecting either accept it).
    Helper(String),
}

impl Auth {
    /// Where this kind of credential comes from: the variable
    /// [`AnthropicConfig::from_env`] reads (`"ANTHROPIC_API_KEY"`,
    /// `"ANTHROPIC_AUTH_TOKEN"`) or `"apiKeyHelper"`. This is the
    /// `apiKeySource` of the headless `system/init` record.
    pub fn env_var(&self) -> &'static str {
        match self {
            Self::ApiKey(_) => API_KEY_VAR,
            Self::Bearer(_) => AUTH_TOKEN_VAR,
            Self::Helper(_) => "apiKeyHelper",
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Self::ApiKey(_) => "ApiKey",
            Self::Bearer(_) => "Bearer",
            Self::Helper(_) => "Helper",
        };
        write!(f, "{kind}(<redacted>)")
    }
}

const API_KEY_VAR: &str = "ANTHROPIC_API_KEY";
const AUTH_TOKEN_VAR: &str = "ANTHROPIC_AUTH_TOKEN";
const BASE_URL_VAR: &str = "ANTHROPIC_BASE_URL";
const CUSTOM_HEADERS_VAR: &str = "ANTHROPIC_CUSTOM_HEADERS";

/// Everything the Anthropic client needs to reach the API. `Debug` shows no
/// credential and no custom header value.
#[derive(Clone, PartialEq, Eq)]
pub struct AnthropicConfig {
    /// Scheme, host and optional path prefix, without a trailing slash, e.g.
    /// `https://api.anthropic.com`; requests go to `{base_url}/v1/messages`.
    pub base_url: String,
    /// The credential.
    pub auth: Auth,
    /// Beta flags joined into one `anthropic-beta` header (none sent when
    /// empty), e.g. `interleaved-thinking-2025-05-14`.
    pub betas: Vec<String>,
    /// Extra `(name, value)` headers, sent last: one with the name of a
    /// built-in header replaces it.
    pub extra_headers: Vec<(String, String)>,
    /// The `User-Agent` header, `rudder/<version>` by default.
    pub user_agent: String,
    /// The proxies requests go through (see [`crate::proxy`]).
    pub proxy: ProxyConfig,
}

impl fmt::Debug for AnthropicConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnthropicConfig")
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .field("betas", &self.betas)
            .field("extra_headers", &http::redacted(&self.extra_headers))
            .field("user_agent", &self.user_agent)
            .field("proxy", &self.proxy)
            .finish()
    }
}

impl AnthropicConfig {
    /// The public API endpoint.
    pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";

    /// Reads the configuration through `env` (a variable lookup; empty values
    /// count as unset): `ANTHROPIC_API_KEY` → [`Auth::ApiKey`], else
    /// `ANTHROPIC_AUTH_TOKEN` → [`Auth::Bearer`]; the base URL from
    /// `base_url_override` (e.g. `--base-url`), else `ANTHROPIC_BASE_URL`,
    /// else [`Self::DEFAULT_BASE_URL`] (a trailing slash is dropped);
    /// `ANTHROPIC_CUSTOM_HEADERS` as `Name: Value` lines; the proxies of
    /// [`ProxyConfig::from_env`]. No betas.
    ///
    /// Errors: [`ModelError::Config`] when neither credential is set (the
    /// message names both variables), when the base URL is not an http(s)
    /// URL, or when a custom header line is malformed (the message names the
    /// line).
    pub fn from_env(
        env: &dyn Fn(&str) -> Option<String>,
        base_url_override: Option<&str>,
    ) -> Result<Self, ModelError> {
        let get = |name: &str| {
            env(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let auth = match (get(API_KEY_VAR), get(AUTH_TOKEN_VAR)) {
            (Some(key), _) => Auth::ApiKey(key),
            (None, Some(token)) => Auth::Bearer(token),
            (None, None) => {
                return Err(ModelError::Config(format!(
                    "no Anthropic credential: set {API_KEY_VAR} (sent as x-api-key) \
                     or {AUTH_TOKEN_VAR} (sent as Authorization: Bearer)"
                )));
            }
        };
        let base_url = match base_url_override {
            Some(url) => http::base_url(url, "the base URL override")?,
            None => match get(BASE_URL_VAR) {
                Some(url) => http::base_url(&url, BASE_URL_VAR)?,
                None => Self::DEFAULT_BASE_URL.to_owned(),
            },
        };
        let extra_headers = match env(CUSTOM_HEADERS_VAR) {
            Some(text) => http::header_lines(&text, CUSTOM_HEADERS_VAR)?,
            None => Vec::new(),
        };
        Ok(Self {
            base_url,
            auth,
            betas: Vec::new(),
            extra_headers,
            user_agent: http::USER_AGENT.to_owned(),
            proxy: ProxyConfig::from_env(env),
        })
    }
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
    fn api_key_wins_over_auth_token() {
        let env = env_of(&[
            ("ANTHROPIC_API_KEY", "sk-1\n"),
            ("ANTHROPIC_AUTH_TOKEN", "tok"),
        ]);
        let config = AnthropicConfig::from_env(&env, None).unwrap();
        assert_eq!(config.auth, Auth::ApiKey("sk-1".into()));
        assert_eq!(config.auth.env_var(), "ANTHROPIC_API_KEY");
        assert_eq!(config.base_url, "https://api.anthropic.com");
        assert!(config.user_agent.starts_with("rudder/"));
        assert!(config.betas.is_empty() && config.extra_headers.is_empty());
    }

    #[test]
    fn auth_token_is_a_bearer_and_empty_key_counts_as_unset() {
        let env = env_of(&[("ANTHROPIC_API_KEY", " "), ("ANTHROPIC_AUTH_TOKEN", "tok")]);
        let config = AnthropicConfig::from_env(&env, None).unwrap();
        assert_eq!(config.auth, Auth::Bearer("tok".into()));
        assert_eq!(config.auth.env_var(), "ANTHROPIC_AUTH_TOKEN");
    }

    #[test]
    fn missing_credential_names_both_variables() {
        let err = AnthropicConfig::from_env(&env_of(&[]), None).unwrap_err();
        let ModelError::Config(message) = err else {
            panic!("not a config error: {err:?}")
        };
        assert!(message.contains("ANTHROPIC_API_KEY"));
        assert!(message.contains("ANTHROPIC_AUTH_TOKEN"));
    }

    #[test]
    fn base_url_from_override_then_env() {
        let env = env_of(&[
            ("ANTHROPIC_API_KEY", "k"),
            ("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/gw/"),
        ]);
        let config = AnthropicConfig::from_env(&env, None).unwrap();
        assert_eq!(config.base_url, "http://127.0.0.1:9/gw");
        let config = AnthropicConfig::from_env(&env, Some("https://other.example/")).unwrap();
        assert_eq!(config.base_url, "https://other.example");
        let bad = env_of(&[("ANTHROPIC_API_KEY", "k"), ("ANTHROPIC_BASE_URL", "nope")]);
        let err = AnthropicConfig::from_env(&bad, None).unwrap_err();
        assert!(err.to_string().contains("ANTHROPIC_BASE_URL"));
    }

    #[test]
    fn custom_headers_are_read_line_by_line() {
        let env = env_of(&[
            ("ANTHROPIC_API_KEY", "k"),
            ("ANTHROPIC_CUSTOM_HEADERS", "X-Team: core\nX-Trace: a:b\n"),
        ]);
        let config = AnthropicConfig::from_env(&env, None).unwrap();
        assert_eq!(
            config.extra_headers,
            vec![
                ("X-Team".to_owned(), "core".to_owned()),
                ("X-Trace".to_owned(), "a:b".to_owned())
            ]
        );
    }

    #[test]
    fn debug_never_shows_the_credential() {
        let shown = format!("{:?}", Auth::ApiKey("sk-ant-secret".into()));
        assert_eq!(shown, "ApiKey(<redacted>)");
        let env = env_of(&[
            ("ANTHROPIC_API_KEY", "sk-ant-secret"),
            ("ANTHROPIC_CUSTOM_HEADERS", "X-Gateway-Key: gw-secret"),
        ]);
        let shown = format!("{:?}", AnthropicConfig::from_env(&env, None).unwrap());
        assert!(
            !shown.contains("secret") && shown.contains("X-Gateway-Key"),
            "{shown}"
        );
    }
}

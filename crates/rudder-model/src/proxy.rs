//! Which HTTP proxy rudder's own requests go through: the model APIs,
//! `rudder doctor`, WebFetch and remote MCP servers.
//!
//! Contract: the variables Claude Code honours for its API traffic
//! (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, each also lowercase;
//! CLAUDE-CODE-INTERFACE.md §4.3), read the way curl and reqwest read them:
//! the uppercase name wins over the lowercase one, `ALL_PROXY` covers both
//! schemes when the scheme's own variable is unset, and `NO_PROXY` is a
//! comma list of hosts, domains (matching their subdomains), IP ranges or
//! `*`.
//!
//! This module reads variables only through the lookup it is given (the
//! binary passes the settings `env` over the process environment, project
//! `env` only once the folder is trusted), so a proxy named in settings
//! applies although the process environment lacks it. A client built with
//! a [`ProxyConfig`] ignores the process environment's proxy variables:
//! the config is the whole truth. `Debug` never shows a proxy password.

use std::fmt;

use crate::client::ModelError;

/// One proxy variable as found: its name and its (non-empty) value.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyVar {
    /// The variable the value came from, e.g. `HTTPS_PROXY`.
    pub variable: String,
    /// The proxy URL, e.g. `http://proxy.corp:3128` (a bare `host:port`
    /// means `http://host:port`).
    pub url: String,
}

impl fmt::Debug for ProxyVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.variable, redact(&self.url))
    }
}

/// The proxy configuration of rudder's HTTP clients. The default sends
/// everything directly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    /// Proxy of `http://` requests: `HTTP_PROXY`, else `http_proxy`.
    pub http: Option<ProxyVar>,
    /// Proxy of `https://` requests: `HTTPS_PROXY`, else `https_proxy`.
    pub https: Option<ProxyVar>,
    /// Proxy of requests whose scheme has none of its own: `ALL_PROXY`,
    /// else `all_proxy`.
    pub all: Option<ProxyVar>,
    /// Hosts reached directly: `NO_PROXY`, else `no_proxy`.
    pub no_proxy: Option<String>,
}

impl ProxyConfig {
    /// Reads the proxy variables through `env` (empty values count as
    /// unset; for each kind the uppercase name wins).
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Self {
        let first = |names: [&str; 2]| {
            names.into_iter().find_map(|name| {
                env(name)
                    .map(|value| value.trim().to_owned())
                    .filter(|value| !value.is_empty())
                    .map(|url| ProxyVar {
                        variable: name.to_owned(),
                        url,
                    })
            })
        };
        Self {
            http: first(["HTTP_PROXY", "http_proxy"]),
            https: first(["HTTPS_PROXY", "https_proxy"]),
            all: first(["ALL_PROXY", "all_proxy"]),
            no_proxy: first(["NO_PROXY", "no_proxy"]).map(|var| var.url),
        }
    }

    /// Whether every request goes directly (no proxy variable is set).
    pub fn is_direct(&self) -> bool {
        self.http.is_none() && self.https.is_none() && self.all.is_none()
    }

    /// One line for `rudder doctor`: `direct`, or each proxy with its
    /// variable (passwords redacted) and the `NO_PROXY` list.
    pub fn describe(&self) -> String {
        if self.is_direct() {
            return "direct (no HTTP_PROXY, HTTPS_PROXY or ALL_PROXY)".to_owned();
        }
        let mut parts: Vec<String> = [&self.https, &self.http, &self.all]
            .into_iter()
            .flatten()
            .map(|var| format!("{}={}", var.variable, redact(&var.url)))
            .collect();
        if let Some(list) = &self.no_proxy {
            parts.push(format!("NO_PROXY={list}"));
        }
        parts.join(", ")
    }

    /// Configures `builder` to use exactly these proxies (and none from
    /// the process environment or the system), each with the `NO_PROXY`
    /// exclusions.
    ///
    /// Errors: [`ModelError::Config`] naming the variable whose value is
    /// not a usable proxy URL.
    pub fn apply(
        &self,
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, ModelError> {
        let mut builder = builder.no_proxy();
        let kinds: [(&Option<ProxyVar>, MakeProxy); 3] = [
            (&self.http, |url| reqwest::Proxy::http(url)),
            (&self.https, |url| reqwest::Proxy::https(url)),
            (&self.all, |url| reqwest::Proxy::all(url)),
        ];
        for (var, make) in kinds {
            let Some(var) = var else { continue };
            let proxy = make(&var.url).map_err(|err| {
                ModelError::Config(format!(
                    "{} is not a usable proxy URL ({}): {}; expected e.g. http://proxy.example.com:3128",
                    var.variable,
                    crate::http::chain(&err.without_url()),
                    redact(&var.url)
                ))
            })?;
            let exclusions = self
                .no_proxy
                .as_deref()
                .and_then(reqwest::NoProxy::from_string);
            builder = builder.proxy(proxy.no_proxy(exclusions));
        }
        Ok(builder)
    }
}

/// Builds a reqwest proxy for one scheme (or all) from its URL.
type MakeProxy = fn(&str) -> reqwest::Result<reqwest::Proxy>;

/// `url` with any password replaced by `<redacted>`.
fn redact(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Setting a password only fails for URLs that cannot have one,
            // and this one has one.
            let _ = parsed.set_password(Some("<redacted>"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) if url.contains('@') => "<redacted>".to_owned(),
        Err(_) => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn config(pairs: &[(&str, &str)]) -> ProxyConfig {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        ProxyConfig::from_env(&|name| map.get(name).cloned())
    }

    #[test]
    fn uppercase_wins_and_empty_values_are_unset() {
        let read = config(&[
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:1"),
            ("HTTP_PROXY", " "),
            ("http_proxy", "http://plain:2"),
            ("no_proxy", "localhost,.corp"),
        ]);
        assert_eq!(
            read.https.as_ref().map(|v| v.url.as_str()),
            Some("http://upper:1")
        );
        assert_eq!(
            read.http.as_ref().map(|v| v.variable.as_str()),
            Some("http_proxy")
        );
        assert_eq!(read.no_proxy.as_deref(), Some("localhost,.corp"));
        assert!(read.all.is_none());
        assert!(config(&[("NO_PROXY", "*")]).is_direct());
    }

    #[test]
    fn passwords_never_show() {
        let read = config(&[("HTTPS_PROXY", "http://me:s3cret@proxy:3128")]);
        let shown = format!("{read:?} {}", read.describe());
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("HTTPS_PROXY=http://me:%3Credacted%3E@proxy:3128/"),
            "{shown}"
        );
    }

    #[test]
    fn a_bad_proxy_url_names_its_variable() {
        let read = config(&[("HTTP_PROXY", "http://[not a host")]);
        let err = read.apply(reqwest::Client::builder()).err();
        assert!(
            matches!(&err, Some(ModelError::Config(m)) if m.contains("HTTP_PROXY")),
            "{err:?}"
        );
    }
}

//! WebFetch's HTTP side: URL checks and the https upgrade, one GET with
//! same-host redirects followed by hand, a size cap, and the body turned
//! into text (HTML → Markdown with `htmd`).
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (WebFetch: http upgraded to
//! https; a redirect to another host is returned as a message, not
//! followed; HTML converted to Markdown). Decisions: loopback hosts
//! (`localhost`, 127.0.0.0/8, `::1`) keep plain http, so local servers and
//! tests work; hosts count as the same when they differ only by a leading
//! `www.`; at most [`MAX_REDIRECTS`] redirects; bodies over [`MAX_BYTES`]
//! are refused; text that is not HTML passes through; binary content is
//! refused. Never writes anything; the time limit is the caller's.

use std::net::IpAddr;

use reqwest::header::{CONTENT_TYPE, LOCATION};
use thiserror::Error;
use url::{Host, Url};

/// Largest response body, in bytes (10 MiB).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// Most redirects followed for one fetch.
pub const MAX_REDIRECTS: usize = 10;

/// Longest URL accepted, in characters.
pub const MAX_URL_CHARS: usize = 2000;

/// Why a fetch failed. Messages are written for the model.
#[derive(Debug, Error)]
pub enum FetchError {
    /// The URL does not parse.
    #[error(
        "{url} is not a valid URL ({reason}). Give a full URL such as https://example.com/page."
    )]
    InvalidUrl {
        /// As given.
        url: String,
        /// The parser's complaint.
        reason: String,
    },
    /// A scheme other than http or https.
    #[error("Only http and https URLs can be fetched; {url} uses {scheme}.")]
    Scheme {
        /// As given.
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// The URL carries a user name or password.
    #[error("URLs with a user name or password are refused: {url}")]
    Credentials {
        /// As given (credentials removed).
        url: String,
    },
    /// The URL is too long.
    #[error("The URL is {length} characters long; at most {MAX_URL_CHARS} are accepted.")]
    TooLong {
        /// Its length in characters.
        length: usize,
    },
    /// Connecting or reading failed.
    #[error("The request to {url} failed: {reason}")]
    Request {
        /// The URL requested.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// A status other than 2xx or a followed redirect.
    #[error("{url} answered HTTP {status}.")]
    Status {
        /// The URL requested.
        url: String,
        /// Status code and reason, e.g. `404 Not Found`.
        status: String,
    },
    /// The body is larger than [`MAX_BYTES`].
    #[error(
        "The response from {url} is larger than {MAX_BYTES} bytes, so it was not read. Fetch a smaller page, or download it with Bash (curl) and search it with Grep."
    )]
    TooLarge {
        /// The URL requested.
        url: String,
    },
    /// More than [`MAX_REDIRECTS`] redirects.
    #[error("{url} redirected more than {MAX_REDIRECTS} times.")]
    TooManyRedirects {
        /// The URL first requested.
        url: String,
    },
    /// The body is not text.
    #[error(
        "{url} returned {content_type} content, which is not text. Download it with Bash (curl -o) if you need it."
    )]
    Binary {
        /// The URL requested.
        url: String,
        /// Its content type.
        content_type: String,
    },
}

/// What a fetch found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The page, as text.
    Page(Page),
    /// A redirect to another host, not followed.
    Redirect {
        /// The URL that redirected.
        from: String,
        /// Where it points.
        to: String,
        /// The redirect status code.
        status: u16,
    },
}

/// A fetched page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The URL the content came from (after same-host redirects).
    pub url: String,
    /// HTTP status code.
    pub status: u16,
    /// The status's reason phrase, e.g. `OK`.
    pub status_text: String,
    /// Body size in bytes.
    pub bytes: usize,
    /// The body as Markdown (HTML) or as it was (other text).
    pub text: String,
}

/// Parses and checks `raw`, and upgrades http to https unless the host is
/// a loopback host.
///
/// Errors: [`FetchError::TooLong`], [`FetchError::InvalidUrl`],
/// [`FetchError::Scheme`], [`FetchError::Credentials`].
pub fn prepare_url(raw: &str) -> Result<Url, FetchError> {
    let length = raw.chars().count();
    if length > MAX_URL_CHARS {
        return Err(FetchError::TooLong { length });
    }
    let url = Url::parse(raw.trim()).map_err(|err| FetchError::InvalidUrl {
        url: raw.to_owned(),
        reason: err.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::Scheme {
            url: raw.to_owned(),
            scheme: url.scheme().to_owned(),
        });
    }
    if !url.username().is_empty() || url.password().is_some() {
        let mut shown = url.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        return Err(FetchError::Credentials {
            url: shown.to_string(),
        });
    }
    Ok(upgrade(url))
}

/// `url` with https instead of http, unless its host is a loopback host.
fn upgrade(mut url: Url) -> Url {
    if url.scheme() == "http" && !is_loopback(&url) {
        // Changing between two special schemes always succeeds.
        let _ = url.set_scheme("https");
    }
    url
}

/// Whether `url` points at this machine: `localhost`, 127.0.0.0/8 or `::1`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Whether two URLs are on the same host (a leading `www.` aside) and port.
fn same_host(a: &Url, b: &Url) -> bool {
    let host = |url: &Url| {
        url.host_str()
            .map(|host| host.trim_start_matches("www.").to_ascii_lowercase())
    };
    let port = |url: &Url| url.port_or_known_default();
    host(a) == host(b)
        && (port(a) == port(b)
            || (a.scheme() != b.scheme() && a.port().is_none() && b.port().is_none()))
}

/// GETs `url`, following same-host redirects, and returns the page as text
/// or the cross-host redirect.
///
/// Errors: every [`FetchError`] but the URL ones.
pub async fn fetch(client: &reqwest::Client, start: Url) -> Result<Fetched, FetchError> {
    let mut url = start.clone();
    for _ in 0..=MAX_REDIRECTS {
        let request_failed = |err: reqwest::Error| FetchError::Request {
            url: url.to_string(),
            reason: err.without_url().to_string(),
        };
        let mut response = client
            .get(url.clone())
            .send()
            .await
            .map_err(request_failed)?;
        let status = response.status();
        if status.is_redirection()
            && let Some(location) = response.headers().get(LOCATION)
        {
            let target = location
                .to_str()
                .ok()
                .and_then(|location| url.join(location).ok())
                .ok_or_else(|| FetchError::Request {
                    url: url.to_string(),
                    reason: format!("HTTP {status} with an unusable Location header"),
                })?;
            if !same_host(&url, &target) {
                return Ok(Fetched::Redirect {
                    from: url.to_string(),
                    to: target.to_string(),
                    status: status.as_u16(),
                });
            }
            url = upgrade(target);
            continue;
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                url: url.to_string(),
                status: status.to_string(),
            });
        }
        if response
            .content_length()
            .is_some_and(|length| length > MAX_BYTES as u64)
        {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
            });
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(|value| {
                value
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(request_failed)? {
            if body.len() + chunk.len() > MAX_BYTES {
                return Err(FetchError::TooLarge {
                    url: url.to_string(),
                });
            }
            body.extend_from_slice(&chunk);
        }
        let text = to_text(&url, &content_type, &body)?;
        return Ok(Fetched::Page(Page {
            url: url.to_string(),
            status: status.as_u16(),
            status_text: status.canonical_reason().unwrap_or("").to_owned(),
            bytes: body.len(),
            text,
        }));
    }
    Err(FetchError::TooManyRedirects {
        url: start.to_string(),
    })
}

/// The body as text: HTML converted to Markdown, other text as it is.
///
/// Errors: [`FetchError::Binary`] for content that is not text.
fn to_text(url: &Url, content_type: &str, body: &[u8]) -> Result<String, FetchError> {
    let head = &body[..body.len().min(8192)];
    let binary = || FetchError::Binary {
        url: url.to_string(),
        content_type: if content_type.is_empty() {
            "binary".to_owned()
        } else {
            content_type.to_owned()
        },
    };
    let html = match content_type {
        "text/html" | "application/xhtml+xml" => true,
        "" if head.contains(&0) => return Err(binary()),
        "" => {
            let start = String::from_utf8_lossy(&head[..head.len().min(256)]).to_ascii_lowercase();
            let start = start.trim_start();
            start.starts_with("<!doctype html") || start.starts_with("<html")
        }
        _ if is_text(content_type) => false,
        _ => return Err(binary()),
    };
    let text = String::from_utf8_lossy(body);
    if !html {
        return Ok(text.into_owned());
    }
    let converter = htmd::HtmlToMarkdown::builder()
        .skip_tags(vec![
            "script", "style", "noscript", "template", "svg", "iframe",
        ])
        .build();
    Ok(converter
        .convert(&text)
        .unwrap_or_else(|_| text.into_owned()))
}

/// Whether `content_type` (lowercase, without parameters) names text.
fn is_text(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.ends_with("+xml")
        || content_type.ends_with("+json")
        || matches!(
            content_type,
            "application/json"
                | "application/xml"
                | "application/javascript"
                | "application/ecmascript"
                | "application/x-javascript"
                | "application/yaml"
                | "application/x-yaml"
                | "application/toml"
                | "application/x-sh"
                | "application/sql"
                | "application/graphql"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_is_upgraded_except_on_loopback_hosts() {
        assert_eq!(
            prepare_url("http://example.com/a").unwrap().as_str(),
            "https://example.com/a"
        );
        for local in [
            "http://localhost:8080/",
            "http://127.0.0.1:3000/x",
            "http://[::1]/",
        ] {
            assert_eq!(prepare_url(local).unwrap().scheme(), "http");
        }
    }

    #[test]
    fn bad_urls_are_refused_with_a_reason() {
        assert!(matches!(
            prepare_url("ftp://example.com/"),
            Err(FetchError::Scheme { .. })
        ));
        assert!(matches!(
            prepare_url("not a url"),
            Err(FetchError::InvalidUrl { .. })
        ));
        let err = prepare_url("https://me:secret@example.com/").unwrap_err();
        assert!(!err.to_string().contains("secret"));
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_CHARS));
        assert!(matches!(
            prepare_url(&long),
            Err(FetchError::TooLong { .. })
        ));
    }

    #[test]
    fn www_prefix_and_scheme_upgrade_stay_on_the_same_host() {
        let url = |text| Url::parse(text).unwrap();
        assert!(same_host(
            &url("https://example.com/a"),
            &url("https://www.example.com/b")
        ));
        assert!(same_host(
            &url("http://example.com/a"),
            &url("https://example.com/a")
        ));
        assert!(!same_host(
            &url("https://example.com/"),
            &url("https://evil.com/")
        ));
        assert!(!same_host(
            &url("http://127.0.0.1:1/"),
            &url("http://127.0.0.1:2/")
        ));
    }

    #[test]
    fn binary_bodies_are_refused_and_text_passes_through() {
        let url = Url::parse("https://example.com/").unwrap();
        assert!(to_text(&url, "image/png", b"\x89PNG").is_err());
        assert!(to_text(&url, "", b"ab\0cd").is_err());
        assert_eq!(
            to_text(&url, "application/json", b"{\"a\":1}").unwrap(),
            "{\"a\":1}"
        );
        let markdown = to_text(
            &url,
            "text/html",
            b"<h1>Hi</h1><script>x()</script><p>see <a href=\"/b\">b</a></p>",
        )
        .unwrap();
        assert!(markdown.contains("# Hi"));
        assert!(markdown.contains("[b](/b)"));
        assert!(!markdown.contains("x()"));
    }
}

//! `sandbox.network.allowedDomains`: which hosts a sandboxed command may
//! reach through the session's network proxy.
//!
//! Contract: Claude Code's sandbox runtime (`matchesDomainPattern`): an
//! entry is a host name compared without regard to case, and `*.example.com`
//! covers every subdomain of `example.com` but not `example.com` itself.
//! The suffix test includes the dot, so `evil-example.com` is not a
//! subdomain (the lesson of CVE-2026-24052, CLAUDE-CODE-INTERFACE.md §12).
//! rudder's readings where Claude Code says nothing: a trailing dot is
//! ignored (`example.com.` is `example.com`), names are compared in their
//! IDNA (punycode) form, an IP address matches only the same address
//! (written in any of its forms: `127.1` is `127.0.0.1`) and never a
//! wildcard, and an entry may end in `:port` to allow that port only (an
//! entry without one allows every port).
//!
//! Pure: no I/O and no DNS — the proxy resolves a name only after it is
//! allowed, and connects to the host this module returns.

use std::fmt;

use url::Host;

/// One `allowedDomains` entry that is not used, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sandbox.network.allowedDomains entry `{entry}` is not used: {problem}")]
pub struct DomainPatternError {
    /// The entry as written.
    pub entry: String,
    /// What is wrong with it and what to write instead.
    pub problem: String,
}

/// The host part of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    /// A name or an address, matched exactly.
    Exact(Host<String>),
    /// `*.<name>`: every subdomain of the name (stored without the `*.`).
    Subdomains(String),
}

/// One parsed `allowedDomains` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainPattern {
    host: HostPattern,
    port: Option<u16>,
}

impl DomainPattern {
    /// Parses an entry: `example.com`, `*.example.com`, an IP address
    /// (`127.0.0.1`, `::1`, `[::1]`), each optionally followed by `:port`.
    ///
    /// Errors: an empty entry, a URL or path instead of a host, `*`
    /// anywhere but a leading `*.`, a wildcard over an IP address, a host
    /// that is not a valid name, and a port outside 1–65535.
    pub fn parse(text: &str) -> Result<Self, DomainPatternError> {
        let fail = |problem: &str| DomainPatternError {
            entry: text.to_owned(),
            problem: problem.to_owned(),
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(fail("it is empty"));
        }
        if trimmed.contains('/') {
            return Err(fail(
                "write the host name alone (`github.com`), not a URL or a path",
            ));
        }
        if trimmed == "*" {
            return Err(fail(
                "`*` would allow every host; list the domains commands need instead",
            ));
        }
        let (host, port) = split_port(trimmed).map_err(|problem| fail(&problem))?;
        let host = match host.strip_prefix("*.") {
            Some(base) => {
                if base.contains('*') {
                    return Err(fail("`*` may only appear once, as a leading `*.`"));
                }
                match parse_host(base).map_err(|problem| fail(&problem))? {
                    Host::Domain(name) => HostPattern::Subdomains(name),
                    Host::Ipv4(_) | Host::Ipv6(_) => {
                        return Err(fail(
                            "a wildcard needs a domain name after `*.`, not an IP address",
                        ));
                    }
                }
            }
            None if host.contains('*') => {
                return Err(fail(
                    "`*` is only allowed as a leading `*.` (as in `*.example.com`)",
                ));
            }
            None => HostPattern::Exact(parse_host(host).map_err(|problem| fail(&problem))?),
        };
        Ok(Self { host, port })
    }

    /// Whether a request for `host` (already normalized by
    /// [`DomainFilter::check`]) on `port` is covered by this entry.
    fn matches(&self, host: &Host<String>, port: u16) -> bool {
        if self.port.is_some_and(|only| only != port) {
            return false;
        }
        match (&self.host, host) {
            (HostPattern::Exact(pattern), host) => pattern == host,
            (HostPattern::Subdomains(base), Host::Domain(name)) => name
                .strip_suffix(base.as_str())
                .and_then(|label| label.strip_suffix('.'))
                .is_some_and(|label| !label.is_empty()),
            (HostPattern::Subdomains(_), Host::Ipv4(_) | Host::Ipv6(_)) => false,
        }
    }
}

/// Splits `host[:port]`, `[v6]:port` and a bare IPv6 address (more than
/// one `:`, no port).
fn split_port(text: &str) -> Result<(&str, Option<u16>), String> {
    if text.starts_with('[') {
        let close = text
            .find(']')
            .ok_or("an IPv6 address opened with `[` needs its closing `]`")?;
        let (host, after) = text.split_at(close + 1);
        return match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((host, Some(parse_port(port)?))),
                None => Err(format!("`{after}` after the address is not `:port`")),
            },
        };
    }
    match text.split_once(':') {
        Some((host, port)) if !port.contains(':') => Ok((host, Some(parse_port(port)?))),
        _ => Ok((text, None)),
    }
}

fn parse_port(text: &str) -> Result<u16, String> {
    text.parse::<u16>()
        .ok()
        .filter(|port| *port != 0)
        .ok_or_else(|| format!("`{text}` is not a port (1-65535)"))
}

/// A host as written in an entry or a request: without one trailing dot,
/// a bare IPv6 address put in brackets, then parsed as a URL host (lower
/// case, IDNA, IPv4 in its dotted form).
fn parse_host(text: &str) -> Result<Host<String>, String> {
    let text = text.strip_suffix('.').unwrap_or(text);
    let bracketed;
    let text = if text.contains(':') && !text.starts_with('[') {
        bracketed = format!("[{text}]");
        bracketed.as_str()
    } else {
        text
    };
    if text.is_empty() {
        return Err("the host name is empty".to_owned());
    }
    Host::parse(text).map_err(|error| format!("`{text}` is not a host name ({error})"))
}

/// The `allowedDomains` in force for a session's sandboxed commands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainFilter {
    allowed: Vec<(String, DomainPattern)>,
}

/// Where an allowed request connects: the normalized host (a domain name,
/// or an IP address without brackets) and the port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host to resolve and connect to.
    pub host: String,
    /// Port to connect to.
    pub port: u16,
}

/// Why a request was refused; its `Display` is the proxy's 403 body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The host is valid but no entry covers it.
    NotAllowed {
        /// The host as the client asked for it.
        host: String,
        /// The port asked for.
        port: u16,
        /// The entries in force, as written.
        allowed: Vec<String>,
    },
    /// The host could not be read.
    BadHost {
        /// The host as the client asked for it.
        host: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAllowed {
                host,
                port,
                allowed,
            } => write!(
                f,
                "rudder sandbox: connections to {host}:{port} are not allowed; \
                 sandbox.network.allowedDomains lists only: {}",
                allowed.join(", ")
            ),
            Self::BadHost { host, problem } => {
                write!(
                    f,
                    "rudder sandbox: cannot read the host `{host}`: {problem}"
                )
            }
        }
    }
}

impl DomainFilter {
    /// The filter for `entries` (the `allowedDomains` list), and the
    /// entries that are not used, each with its reason. With no usable
    /// entry every request is refused.
    pub fn new<'a>(entries: impl IntoIterator<Item = &'a str>) -> (Self, Vec<DomainPatternError>) {
        let mut filter = Self::default();
        let mut errors = Vec::new();
        for entry in entries {
            match DomainPattern::parse(entry) {
                Ok(pattern) => filter.allowed.push((entry.trim().to_owned(), pattern)),
                Err(error) => errors.push(error),
            }
        }
        (filter, errors)
    }

    /// Decides a request for `host` (as a client wrote it: a name, an
    /// IPv4 address, or an IPv6 address with or without brackets) on
    /// `port`.
    ///
    /// Returns where to connect, or why not: a host that cannot be read,
    /// or one no entry covers.
    pub fn check(&self, host: &str, port: u16) -> Result<Target, Refusal> {
        let parsed = parse_host(host).map_err(|problem| Refusal::BadHost {
            host: host.to_owned(),
            problem,
        })?;
        if !self
            .allowed
            .iter()
            .any(|(_, pattern)| pattern.matches(&parsed, port))
        {
            return Err(Refusal::NotAllowed {
                host: host.to_owned(),
                port,
                allowed: self.allowed.iter().map(|(text, _)| text.clone()).collect(),
            });
        }
        let host = match parsed {
            Host::Domain(name) => name,
            Host::Ipv4(address) => address.to_string(),
            Host::Ipv6(address) => address.to_string(),
        };
        Ok(Target { host, port })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(entries: &[&str]) -> DomainFilter {
        let (filter, errors) = DomainFilter::new(entries.iter().copied());
        assert!(errors.is_empty(), "{errors:?}");
        filter
    }

    fn allows(entries: &[&str], host: &str, port: u16) -> bool {
        filter(entries).check(host, port).is_ok()
    }

    #[test]
    fn an_exact_entry_covers_that_host_only() {
        assert!(allows(&["github.com"], "github.com", 443));
        assert!(!allows(&["github.com"], "api.github.com", 443));
        assert!(!allows(&["github.com"], "github.com.evil.net", 443));
        assert!(!allows(&["github.com"], "evilgithub.com", 443));
    }

    #[test]
    fn a_wildcard_covers_subdomains_but_not_the_domain_or_lookalikes() {
        let entries = ["*.example.com"];
        assert!(allows(&entries, "api.example.com", 443));
        assert!(allows(&entries, "a.b.example.com", 80));
        assert!(!allows(&entries, "example.com", 443));
        assert!(!allows(&entries, "evil-example.com", 443));
        assert!(!allows(&entries, "example.com.evil.net", 443));
        assert!(!allows(&entries, ".example.com", 443));
    }

    #[test]
    fn case_and_one_trailing_dot_do_not_matter() {
        assert!(allows(&["GitHub.com"], "github.COM", 443));
        assert!(allows(&["github.com"], "github.com.", 443));
        assert!(allows(&["github.com."], "github.com", 443));
        assert!(allows(&["*.Example.com"], "API.example.com.", 443));
        assert_eq!(
            filter(&["github.com"]).check("GitHub.com.", 443),
            Ok(Target {
                host: "github.com".into(),
                port: 443
            }),
            "the proxy connects to the normalized name"
        );
    }

    #[test]
    fn ip_addresses_match_only_the_same_address_in_any_form() {
        assert!(allows(&["127.0.0.1"], "127.0.0.1", 8080));
        assert!(allows(&["127.0.0.1"], "127.1", 8080));
        assert!(allows(&["127.0.0.1"], "2130706433", 8080));
        assert!(!allows(&["127.0.0.1"], "127.0.0.2", 8080));
        assert!(!allows(&["127.0.0.1"], "localhost", 8080));
        assert!(allows(&["::1"], "[::1]", 443));
        assert!(allows(&["[::1]"], "::1", 443));
        assert!(allows(&["[0:0::1]:443"], "[::1]", 443));
        assert!(!allows(&["::1"], "[::2]", 443));
        assert!(!allows(&["*.example.com"], "10.0.0.1", 443));
        assert_eq!(
            filter(&["::1"])
                .check("[::1]", 443)
                .map(|target| target.host),
            Ok("::1".to_owned())
        );
    }

    #[test]
    fn an_entry_with_a_port_allows_that_port_only() {
        assert!(allows(&["localhost:8080"], "localhost", 8080));
        assert!(!allows(&["localhost:8080"], "localhost", 8081));
        assert!(allows(&["*.example.com:443"], "api.example.com", 443));
        assert!(!allows(&["*.example.com:443"], "api.example.com", 80));
        assert!(allows(&["localhost"], "localhost", 1));
        assert!(allows(&["localhost"], "localhost", 65535));
    }

    #[test]
    fn unusable_entries_are_reported_and_the_rest_still_apply() {
        let (filter, errors) = DomainFilter::new([
            "https://github.com",
            "*",
            "",
            "*.*.example.com",
            "exa*mple.com",
            "*.10.0.0.1",
            "example.com:0",
            "example.com:http",
            "[::1",
            "pypi.org",
        ]);
        let rejected: Vec<&str> = errors.iter().map(|e| e.entry.as_str()).collect();
        assert_eq!(
            rejected,
            [
                "https://github.com",
                "*",
                "",
                "*.*.example.com",
                "exa*mple.com",
                "*.10.0.0.1",
                "example.com:0",
                "example.com:http",
                "[::1"
            ]
        );
        assert!(errors[0].to_string().contains("not a URL"), "{}", errors[0]);
        assert!(filter.check("pypi.org", 443).is_ok());
        assert!(filter.check("github.com", 443).is_err());
    }

    #[test]
    fn with_no_usable_entry_everything_is_refused() {
        let (filter, errors) = DomainFilter::new(["*"]);
        assert_eq!(errors.len(), 1);
        assert!(filter.check("example.com", 443).is_err());
    }

    #[test]
    fn a_refusal_names_the_host_and_the_allowed_list() {
        let refusal = filter(&["pypi.org", "*.npmjs.org"])
            .check("evil.example", 443)
            .unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "rudder sandbox: connections to evil.example:443 are not allowed; \
             sandbox.network.allowedDomains lists only: pypi.org, *.npmjs.org"
        );
        assert!(matches!(
            filter(&["pypi.org"]).check("bad host", 443),
            Err(Refusal::BadHost { .. })
        ));
    }
}

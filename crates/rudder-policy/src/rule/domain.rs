//! `WebFetch(domain:…)` host patterns.
//!
//! Contract (CLAUDE-CODE-INTERFACE.md §3.2; CVE-2026-24052): `domain:h`
//! matches the host `h` exactly; `domain:*.h` matches any subdomain of `h`
//! at any depth but not `h` itself. Comparison is case-insensitive and a
//! trailing dot is stripped. A match is equality or a suffix that starts
//! at a dot: never a `starts_with` (which let `docs.python.org.evil.com`
//! pass as `docs.python.org`).
//!
//! Owns parsing and matching; never resolves names or opens connections.

/// A parsed host pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainPattern {
    /// Lower-case host without trailing dot (without the `*.` prefix).
    host: String,
    /// `*.host`: subdomains only.
    subdomains: bool,
}

/// Why a domain specifier did not parse; `offset` is a character offset
/// into the specifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainPatternError {
    /// Character offset of the problem.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl DomainPattern {
    /// Parses a `domain:<host>` specifier.
    ///
    /// Errors: a missing `domain:` prefix, an empty host, a `*` anywhere but
    /// a leading `*.`, or characters that cannot appear in a host name.
    pub fn parse(specifier: &str) -> Result<Self, DomainPatternError> {
        let Some(raw) = specifier.strip_prefix("domain:") else {
            return Err(DomainPatternError {
                offset: 0,
                message:
                    "WebFetch rules take `domain:<host>` (e.g. `WebFetch(domain:example.com)`)"
                        .into(),
            });
        };
        let prefix = "domain:".len();
        let lowered = raw.trim().to_ascii_lowercase();
        let trimmed = lowered.strip_suffix('.').unwrap_or(&lowered);
        let (host, subdomains) = match trimmed.strip_prefix("*.") {
            Some(rest) => (rest, true),
            None => (trimmed, false),
        };
        if host.is_empty() {
            return Err(DomainPatternError {
                offset: prefix,
                message: "empty host name".into(),
            });
        }
        let skip = if subdomains { 2 } else { 0 };
        for (i, c) in host.chars().enumerate() {
            let ok = c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_' || c == ':';
            if !ok {
                let what = if c == '*' {
                    "`*` is only allowed as a leading `*.`".to_string()
                } else {
                    format!("`{c}` cannot appear in a host name")
                };
                return Err(DomainPatternError {
                    offset: prefix + skip + i,
                    message: what,
                });
            }
        }
        Ok(Self {
            host: host.to_string(),
            subdomains,
        })
    }

    /// Whether `host` (as taken from a parsed URL) matches.
    pub fn matches(&self, host: &str) -> bool {
        let lowered = host.to_ascii_lowercase();
        let host = lowered.strip_suffix('.').unwrap_or(&lowered);
        if self.subdomains {
            host.len() > self.host.len()
                && host.ends_with(&self.host)
                && host.as_bytes()[host.len() - self.host.len() - 1] == b'.'
        } else {
            host == self.host
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases = [
            ("domain:example.com", "example.com", true),
            ("domain:example.com", "EXAMPLE.com.", true),
            ("domain:example.com", "docs.example.com", false),
            ("domain:example.com", "example.com.evil.com", false),
            ("domain:docs.python.org", "docs.python.org.evil.com", false),
            ("domain:*.example.com", "docs.example.com", true),
            ("domain:*.example.com", "a.b.example.com", true),
            ("domain:*.example.com", "example.com", false),
            ("domain:*.example.com", "evilexample.com", false),
            ("domain:Example.COM.", "example.com", true),
        ];
        for (pattern, host, expected) in cases {
            let p = DomainPattern::parse(pattern).unwrap();
            assert_eq!(p.matches(host), expected, "{pattern} vs {host}");
        }
    }

    #[test]
    fn errors_carry_offsets() {
        assert_eq!(DomainPattern::parse("example.com").unwrap_err().offset, 0);
        assert_eq!(DomainPattern::parse("domain:").unwrap_err().offset, 7);
        assert_eq!(
            DomainPattern::parse("domain:a*b.com").unwrap_err().offset,
            8
        );
        assert_eq!(DomainPattern::parse("domain:a/b").unwrap_err().offset, 8);
    }
}

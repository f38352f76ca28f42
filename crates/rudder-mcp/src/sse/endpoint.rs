//! Where a legacy SSE server wants its messages POSTed, and whether rudder
//! agrees to send them there.
//!
//! Contract: MCP 2024-11-05, transports, "HTTP with SSE": the server's first
//! event is `endpoint`, whose data is a URI (usually relative, e.g.
//! `/message?sessionId=…`) for the client's POSTs. rudder resolves it against
//! the URL of the SSE stream and accepts it only on the same origin (scheme,
//! host and port): the configured headers (often an `Authorization`) go with
//! every POST, so an endpoint elsewhere would hand the session and its
//! credentials to a host the user never configured. The same rule decides
//! which HTTP redirects rudder follows.
//!
//! Pure: no I/O.

use reqwest::Url;

/// Why an `endpoint` event was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EndpointError {
    /// The data is not a URI reference that resolves against the stream URL.
    #[error("the server's `endpoint` event `{data}` is not a usable URL: {reason}")]
    Invalid {
        /// The event's data as sent (trimmed).
        data: String,
        /// The parser's complaint.
        reason: String,
    },
    /// The endpoint resolves to another origin.
    #[error(
        "the server's `endpoint` event points to {endpoint}, another origin than {stream}; \
         rudder only POSTs to the origin you configured"
    )]
    OtherOrigin {
        /// The resolved endpoint URL.
        endpoint: String,
        /// The origin of the SSE stream (`scheme://host:port`).
        stream: String,
    },
}

/// Resolves the `endpoint` event's `data` against the stream's URL `base`
/// (the URL the GET finally answered from) and checks the origin.
/// Errors: [`EndpointError`] when it does not parse or leaves the origin.
pub(crate) fn resolve_endpoint(base: &Url, data: &str) -> Result<Url, EndpointError> {
    let data = data.trim();
    let endpoint = base.join(data).map_err(|error| EndpointError::Invalid {
        data: data.to_owned(),
        reason: error.to_string(),
    })?;
    if !same_origin(base, &endpoint) {
        return Err(EndpointError::OtherOrigin {
            endpoint: endpoint.to_string(),
            stream: base.origin().ascii_serialization(),
        });
    }
    Ok(endpoint)
}

/// Whether `a` and `b` share scheme, host and port (default ports filled
/// in), and are HTTP(S) at all.
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    matches!(a.scheme(), "http" | "https") && a.origin() == b.origin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("http://127.0.0.1:3001/sse?token=1").unwrap()
    }

    #[test]
    fn relative_endpoints_resolve_against_the_stream_url() {
        assert_eq!(
            resolve_endpoint(&base(), "/message?sessionId=abc")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:3001/message?sessionId=abc"
        );
        assert_eq!(
            resolve_endpoint(&base(), " messages/ \n").unwrap().as_str(),
            "http://127.0.0.1:3001/messages/"
        );
        let nested = Url::parse("https://mcp.example.com/v1/sse").unwrap();
        assert_eq!(
            resolve_endpoint(&nested, "post?s=1").unwrap().as_str(),
            "https://mcp.example.com/v1/post?s=1"
        );
    }

    #[test]
    fn absolute_endpoints_on_the_same_origin_are_accepted() {
        assert_eq!(
            resolve_endpoint(&base(), "http://127.0.0.1:3001/m")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:3001/m"
        );
        let https = Url::parse("https://mcp.example.com/sse").unwrap();
        assert!(resolve_endpoint(&https, "https://mcp.example.com:443/m").is_ok());
    }

    #[test]
    fn another_host_port_or_scheme_is_refused() {
        for other in [
            "http://evil.example/message",
            "http://127.0.0.1:3002/message",
            "https://127.0.0.1:3001/message",
            "//localhost:3001/message",
        ] {
            let error = resolve_endpoint(&base(), other).unwrap_err();
            assert!(
                matches!(error, EndpointError::OtherOrigin { .. }),
                "{other}: {error}"
            );
            assert!(
                error.to_string().contains("http://127.0.0.1:3001"),
                "{error}"
            );
        }
    }

    #[test]
    fn garbage_is_invalid_not_a_panic() {
        let error = resolve_endpoint(&base(), "http://[::1").unwrap_err();
        assert!(matches!(error, EndpointError::Invalid { .. }), "{error}");
        assert!(!same_origin(
            &Url::parse("file:///a").unwrap(),
            &Url::parse("file:///a").unwrap()
        ));
    }
}

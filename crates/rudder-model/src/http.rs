//! HTTP plumbing shared by the wire clients: building the `reqwest` client,
//! validating headers and base URLs, mapping failures to [`ModelError`], and
//! pumping an SSE response body through [`SseDecoder`] into an
//! [`EventStream`].
//!
//! This module never retries, never times a stream out (both belong to
//! `crate::call`), and never logs or returns a credential: header values
//! marked sensitive stay redacted in `Debug` output.

use std::collections::VecDeque;
use std::error::Error as StdError;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use rudder_protocol::StreamEvent;

use crate::client::{EventStream, ModelError};
use crate::proxy::ProxyConfig;
use crate::sse::{MAX_FRAME_BYTES, SseDecoder, SseError, SseFrame};

/// `User-Agent` of every request: `rudder/<version>`.
pub(crate) const USER_AGENT: &str = concat!("rudder/", env!("CARGO_PKG_VERSION"));

/// Bound on establishing a TCP/TLS connection. Reading the body has no bound
/// here: the stall watchdog of `crate::call` covers it.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Most bytes of an error body read into memory.
const ERROR_BODY_READ_CAP: usize = 64 * 1024;

/// Most characters of a raw body or event quoted in an error message.
const QUOTE_CAP: usize = 4096;

/// Builds the HTTP client: the given `User-Agent`, a connect timeout, the
/// proxies of `proxy` (and no others), rustls with the platform's roots.
///
/// Errors: [`ModelError::Config`] when a proxy URL is unusable or the TLS
/// backend cannot start.
pub(crate) fn http_client(
    user_agent: &str,
    proxy: &ProxyConfig,
) -> Result<reqwest::Client, ModelError> {
    let builder = reqwest::Client::builder()
        .user_agent(user_agent)
        .connect_timeout(CONNECT_TIMEOUT);
    proxy
        .apply(builder)?
        .build()
        .map_err(|err| ModelError::Config(format!("cannot build the HTTP client: {}", chain(&err))))
}

/// Checks a base URL (`http` or `https`, with a host) and drops trailing
/// slashes. `source` names where it came from, for the error message.
///
/// Errors: [`ModelError::Config`] naming `source` and the value.
pub(crate) fn base_url(raw: &str, source: &str) -> Result<String, ModelError> {
    let trimmed = raw.trim().trim_end_matches('/');
    let bad = |why: &str| {
        ModelError::Config(format!(
            "{source} is not a usable base URL ({why}): {raw:?}; expected e.g. https://api.example.com"
        ))
    };
    let url = reqwest::Url::parse(trimmed).map_err(|err| bad(&err.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it must not have a query or fragment"));
    }
    Ok(trimmed.to_owned())
}

/// Parses `Name: Value` lines (the `ANTHROPIC_CUSTOM_HEADERS` format); blank
/// lines are skipped.
///
/// Errors: [`ModelError::Config`] naming `source` and the 1-based line when a
/// line has no `:` or an empty name.
pub(crate) fn header_lines(text: &str, source: &str) -> Result<Vec<(String, String)>, ModelError> {
    let mut headers = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match line.split_once(':') {
            Some((name, value)) if !name.trim().is_empty() => {
                headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
            _ => {
                return Err(ModelError::Config(format!(
                    "{source} line {}: expected `Name: Value`, got {line:?}",
                    number + 1
                )));
            }
        }
    }
    Ok(headers)
}

/// Adds `(name, value)` to `headers`, replacing an earlier value of the same
/// name. A `sensitive` value is redacted from `Debug` output.
///
/// Errors: [`ModelError::Config`] when the name or value is not a legal HTTP
/// header (a value with a newline, say); the value itself is never quoted.
pub(crate) fn insert_header(
    headers: &mut HeaderMap,
    name: &str,
    value: &str,
    sensitive: bool,
) -> Result<(), ModelError> {
    let header_name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| ModelError::Config(format!("{name:?} is not a valid HTTP header name")))?;
    let mut header_value = HeaderValue::from_str(value).map_err(|_| {
        ModelError::Config(format!(
            "the value of header {name} holds characters HTTP does not allow (a newline?)"
        ))
    })?;
    header_value.set_sensitive(sensitive);
    headers.insert(header_name, header_value);
    Ok(())
}

/// Sends a request and returns the response if its status is 2xx.
///
/// `what` names the request for messages, e.g. `POST https://…/v1/messages`.
/// Errors: [`ModelError::Network`] when the server cannot be reached (the
/// message names `what`); [`ModelError::Http`] for any other status, with
/// the API's own message (see [`http_error`]).
pub(crate) async fn send(
    request: reqwest::RequestBuilder,
    what: &str,
) -> Result<reqwest::Response, ModelError> {
    let response = request.send().await.map_err(|err| {
        let kind = if err.is_connect() {
            "cannot connect"
        } else if err.is_timeout() {
            "timed out"
        } else {
            "request failed"
        };
        ModelError::Network(format!("{what}: {kind}: {}", chain(&err.without_url())))
    })?;
    if response.status().is_success() {
        Ok(response)
    } else {
        Err(http_error(response).await)
    }
}

/// Turns a non-2xx response into [`ModelError::Http`]: `message` is the
/// API's `error.message` (Anthropic `{"type":"error","error":{…}}`, OpenAI
/// `{"error":{…}}`), a bare `error` or `message` or `detail` string (Ollama,
/// vLLM, FastAPI servers), else the trimmed body text (capped), else the
/// status's reason phrase. `retry_after` comes from `retry-after-ms` or
/// `retry-after` (see [`retry_after`]).
pub(crate) async fn http_error(response: reqwest::Response) -> ModelError {
    let status = response.status();
    let retry_after = retry_after(response.headers(), Utc::now());
    let body = read_capped(response).await;
    let message = error_message(&body).unwrap_or_else(|| {
        status
            .canonical_reason()
            .unwrap_or("no reason given")
            .to_owned()
    });
    ModelError::Http {
        status: status.as_u16(),
        message,
        retry_after,
    }
}

/// Reads at most [`ERROR_BODY_READ_CAP`] bytes of a body; a read failure
/// keeps what arrived.
async fn read_capped(mut response: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < ERROR_BODY_READ_CAP {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    body.truncate(ERROR_BODY_READ_CAP);
    body
}

/// The human-readable message of an error body, or `None` when it is empty.
fn error_message(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        let candidates = [
            value.pointer("/error/message"),
            value.get("error"),
            value.get("message"),
            value.get("detail"),
        ];
        let found = candidates
            .into_iter()
            .flatten()
            .find_map(serde_json::Value::as_str)
            .filter(|message| !message.trim().is_empty());
        if let Some(message) = found {
            return Some(message.to_owned());
        }
    }
    Some(quote(text))
}

/// How long the server asked us to wait: `retry-after-ms` (milliseconds, may
/// be fractional) wins over `retry-after` (delta-seconds, or an HTTP date
/// measured from `now`; a date in the past means zero; a number too large
/// for a [`Duration`] means [`Duration::MAX`]). Contract: RFC 9110
/// §10.2.3; `retry-after-ms` is what Anthropic's and OpenAI's SDKs honour.
pub(crate) fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    // A number too large for a Duration is the longest wait there is.
    let seconds = |raw: &str, per_second: f64| -> Option<Duration> {
        let number: f64 = raw.trim().parse().ok()?;
        (number.is_finite() && number >= 0.0)
            .then(|| Duration::try_from_secs_f64(number / per_second).unwrap_or(Duration::MAX))
    };
    if let Some(wait) = text("retry-after-ms").and_then(|ms| seconds(ms, 1000.0)) {
        return Some(wait);
    }
    let raw = text(RETRY_AFTER.as_str())?;
    seconds(raw, 1.0).or_else(|| {
        let date = DateTime::parse_from_rfc2822(raw.trim()).ok()?;
        let wait = date.with_timezone(&Utc) - now;
        Some(wait.to_std().unwrap_or(Duration::ZERO))
    })
}

/// Accepts a 2xx response only if it is an SSE stream (or says nothing of
/// its type); anything else (a proxy's JSON or HTML page) becomes
/// [`ModelError::Decode`] quoting the body.
pub(crate) async fn expect_event_stream(
    response: reqwest::Response,
    what: &str,
) -> Result<reqwest::Response, ModelError> {
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    match content_type {
        Some(kind)
            if !kind
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("text/event-stream") =>
        {
            let body = read_capped(response).await;
            Err(ModelError::Decode(format!(
                "{what}: expected an SSE stream (text/event-stream), got {kind}: {}",
                error_message(&body).unwrap_or_default()
            )))
        }
        _ => Ok(response),
    }
}

/// Whether a stream goes on after a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Read the next frame.
    More,
    /// The stream is over (its last event or an error was queued).
    Done,
}

/// Turns a provider's SSE frames into Anthropic stream events.
pub(crate) trait FrameTranslator: Send + 'static {
    /// Queues the events of one frame in `out`; returns [`Flow::Done`] after
    /// queuing the stream's last event or an error.
    fn frame(
        &mut self,
        frame: SseFrame,
        out: &mut VecDeque<Result<StreamEvent, ModelError>>,
    ) -> Flow;

    /// Comment lines (keep-alives) arrived; by default they are not events.
    fn keep_alive(&mut self, _out: &mut VecDeque<Result<StreamEvent, ModelError>>) {}

    /// The body ended before [`Flow::Done`]; `torn` tells whether it ended
    /// inside a frame. Queues the closing events or the error.
    fn end(
        &mut self,
        torn: Result<(), SseError>,
        out: &mut VecDeque<Result<StreamEvent, ModelError>>,
    );
}

/// The state of one response being pumped.
struct Pump<T> {
    body: BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    decoder: SseDecoder,
    translator: T,
    queue: VecDeque<Result<StreamEvent, ModelError>>,
    done: bool,
    what: String,
}

/// Streams `response`'s body through the SSE decoder and `translator`. A
/// body read failure becomes one [`ModelError::Network`] item naming `what`,
/// a frame that grows past [`MAX_FRAME_BYTES`] one [`ModelError::Decode`]
/// item; nothing follows an error item or the translator's last event.
/// Dropping the stream closes the connection.
pub(crate) fn pump<T: FrameTranslator>(
    response: reqwest::Response,
    what: String,
    translator: T,
) -> EventStream {
    let pump = Pump {
        body: response.bytes_stream().boxed(),
        decoder: SseDecoder::new(),
        translator,
        queue: VecDeque::new(),
        done: false,
        what,
    };
    futures::stream::unfold(pump, |mut pump| async move {
        loop {
            if let Some(item) = pump.queue.pop_front() {
                return Some((item, pump));
            }
            if pump.done {
                return None;
            }
            match pump.body.next().await {
                Some(Ok(bytes)) => {
                    let frames = pump.decoder.feed(&bytes);
                    if pump.decoder.take_comments() > 0 {
                        pump.translator.keep_alive(&mut pump.queue);
                    }
                    for frame in frames {
                        if pump.translator.frame(frame, &mut pump.queue) == Flow::Done {
                            pump.done = true;
                            break;
                        }
                    }
                    if !pump.done && pump.decoder.pending_bytes() > MAX_FRAME_BYTES {
                        pump.queue.push_back(Err(ModelError::Decode(format!(
                            "{}: an SSE frame grew past {MAX_FRAME_BYTES} bytes without ending; \
                             the response was dropped",
                            pump.what
                        ))));
                        pump.done = true;
                    }
                }
                Some(Err(err)) => {
                    pump.queue.push_back(Err(ModelError::Network(format!(
                        "{}: reading the response failed: {}",
                        pump.what,
                        chain(&err.without_url())
                    ))));
                    pump.done = true;
                }
                None => {
                    let torn = std::mem::take(&mut pump.decoder).finish();
                    pump.translator.end(torn, &mut pump.queue);
                    pump.done = true;
                }
            }
        }
    })
    .boxed()
}

/// An error and its sources, joined with `: ` (repeats dropped).
pub(crate) fn chain(err: &dyn StdError) -> String {
    let mut parts: Vec<String> = vec![err.to_string()];
    let mut source = err.source();
    while let Some(next) = source {
        let text = next.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = next.source();
    }
    parts.join(": ")
}

/// Header names with their values redacted, for `Debug` output of configs
/// (custom headers often carry gateway credentials).
pub(crate) fn redacted(headers: &[(String, String)]) -> Vec<(&str, &str)> {
    headers
        .iter()
        .map(|(name, _)| (name.as_str(), "<redacted>"))
        .collect()
}

/// `text` cut to [`QUOTE_CAP`] characters, with a marker when cut.
pub(crate) fn quote(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CAP) {
        Some((cut, _)) => format!("{}… [{} bytes in all]", &text[..cut], text.len()),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            insert_header(&mut map, name, value, false).unwrap();
        }
        map
    }

    #[test]
    fn retry_after_accepts_seconds_ms_and_dates() {
        let now = DateTime::parse_from_rfc3339("2026-01-05T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let wait = |pairs: &[(&str, &str)]| retry_after(&headers(pairs), now);
        assert_eq!(wait(&[("retry-after", "7")]), Some(Duration::from_secs(7)));
        assert_eq!(
            wait(&[("retry-after", "7"), ("retry-after-ms", "1500")]),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            wait(&[("retry-after", "Mon, 05 Jan 2026 10:00:30 GMT")]),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            wait(&[("retry-after", "Mon, 05 Jan 2026 09:00:00 GMT")]),
            Some(Duration::ZERO)
        );
        assert_eq!(wait(&[("retry-after", "soon")]), None);
        assert_eq!(wait(&[("retry-after", "-3")]), None);
        assert_eq!(
            wait(&[("retry-after", "2"), ("retry-after-ms", "x")]),
            Some(Duration::from_secs(2))
        );
        assert_eq!(wait(&[]), None);
    }

    #[test]
    fn an_absurd_retry_after_is_a_very_long_wait_not_a_panic() {
        let now = Utc::now();
        let wait = |pairs: &[(&str, &str)]| retry_after(&headers(pairs), now);
        assert_eq!(wait(&[("retry-after", "1e30")]), Some(Duration::MAX));
        assert_eq!(wait(&[("retry-after-ms", "1e300")]), Some(Duration::MAX));
    }

    #[test]
    fn error_message_prefers_the_apis_own_words() {
        let anthropic = br#"{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: too large"}}"#;
        assert_eq!(
            error_message(anthropic).as_deref(),
            Some("max_tokens: too large")
        );
        let ollama = br#"{"error":"model 'x' not found"}"#;
        assert_eq!(
            error_message(ollama).as_deref(),
            Some("model 'x' not found")
        );
        let fastapi = br#"{"detail":"Not Found"}"#;
        assert_eq!(error_message(fastapi).as_deref(), Some("Not Found"));
        assert_eq!(
            error_message(b"  <html>bad gateway</html>\n").as_deref(),
            Some("<html>bad gateway</html>")
        );
        assert_eq!(error_message(b" \n"), None);
        let long = "x".repeat(QUOTE_CAP + 10);
        let quoted = error_message(long.as_bytes()).unwrap();
        assert!(quoted.ends_with(&format!("[{} bytes in all]", QUOTE_CAP + 10)));
    }

    #[test]
    fn base_urls_are_checked_and_trimmed() {
        assert_eq!(
            base_url("https://api.anthropic.com/", "X").unwrap(),
            "https://api.anthropic.com"
        );
        assert_eq!(
            base_url("http://127.0.0.1:8080/proxy//", "X").unwrap(),
            "http://127.0.0.1:8080/proxy"
        );
        for bad in [
            "api.anthropic.com",
            "ftp://host",
            "http://",
            "https://h/?q=1",
        ] {
            let err = base_url(bad, "ANTHROPIC_BASE_URL").unwrap_err();
            assert!(
                matches!(&err, ModelError::Config(m) if m.contains("ANTHROPIC_BASE_URL")),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn header_lines_parse_and_reject_garbage() {
        let parsed = header_lines("X-A: 1\n\n  X-B :two: three  \n", "H").unwrap();
        assert_eq!(
            parsed,
            vec![
                ("X-A".to_owned(), "1".to_owned()),
                ("X-B".to_owned(), "two: three".to_owned())
            ]
        );
        let err = header_lines("X-A: 1\nnonsense", "ANTHROPIC_CUSTOM_HEADERS").unwrap_err();
        assert!(err.to_string().contains("ANTHROPIC_CUSTOM_HEADERS line 2"));
    }

    #[test]
    fn illegal_header_values_are_config_errors_without_the_value() {
        let mut map = HeaderMap::new();
        let err = insert_header(&mut map, "x-api-key", "sk-secret\n", true).unwrap_err();
        assert!(matches!(&err, ModelError::Config(m) if !m.contains("sk-secret")));
        assert!(insert_header(&mut map, "bad name", "v", false).is_err());
    }
}

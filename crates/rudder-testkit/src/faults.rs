//! How a [`Fault`] is played on the wire: either an HTTP error answered up
//! front, or a 200 body whose frames are cut, stalled, corrupted or
//! followed by an error event. Also the Anthropic error vocabulary
//! (<https://docs.anthropic.com/en/api/errors>) for statuses and types.
//!
//! Bodies are played as [`Step`]s by [`body`]. A [`Step::Cut`] makes the
//! body stream fail, so the server drops the connection without the
//! terminating chunk: the client sees a truncated response, exactly as
//! after a real connection reset.

use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;

use crate::scenario::Fault;

/// An HTTP error answered instead of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StatusError {
    /// HTTP status (400–599).
    pub(crate) status: u16,
    /// `retry-after` header value in seconds, if any.
    pub(crate) retry_after_secs: Option<u64>,
    /// Error `type`.
    pub(crate) kind: String,
    /// Error message.
    pub(crate) message: String,
}

/// A fault played inside a 200 body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyFault {
    /// Send `after` frames, then drop the connection.
    Cut { after: usize },
    /// Send `after` frames, be silent for `ms`, then drop the connection.
    Stall { after: usize, ms: u64 },
    /// Send `after` frames, then a frame that is not JSON, then end.
    Malformed { after: usize },
    /// Send the first frame, then an error event, then end.
    StreamError { kind: String, message: String },
}

/// How to answer a request with a fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Served {
    /// An error status and body.
    Status(StatusError),
    /// A 200 body with a fault inside.
    Body(BodyFault),
}

/// One step of playing a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// Write these bytes.
    Send(Bytes),
    /// Write nothing for this long.
    Sleep(Duration),
    /// Drop the connection mid-body.
    Cut,
}

/// How `fault` answers a request (`stream`: whether it asked for SSE; a
/// non-streaming request cannot receive an error event, so a stream error
/// becomes the HTTP status of its type).
pub(crate) fn classify(fault: &Fault, stream: bool) -> Served {
    match fault.clone() {
        Fault::Status {
            status,
            retry_after_secs,
            error_type,
            message,
        } => Served::Status(StatusError {
            status,
            retry_after_secs,
            kind: error_type.unwrap_or_else(|| default_error_type(status).to_owned()),
            message: message.unwrap_or_else(|| format!("testkit: scripted HTTP {status}")),
        }),
        Fault::StreamError { kind, message } if !stream => Served::Status(StatusError {
            status: status_of(&kind),
            retry_after_secs: None,
            kind,
            message,
        }),
        Fault::StreamError { kind, message } => {
            Served::Body(BodyFault::StreamError { kind, message })
        }
        Fault::CutMidStream { after_events } => Served::Body(BodyFault::Cut {
            after: after_events,
        }),
        Fault::Stall { after_events, ms } => Served::Body(BodyFault::Stall {
            after: after_events,
            ms,
        }),
        Fault::MalformedEvent { after_events } => Served::Body(BodyFault::Malformed {
            after: after_events,
        }),
    }
}

/// The steps of a streaming body: the reply's `frames` with `fault` applied.
/// `malformed` is the wire format's bad frame; `error` builds its error
/// frame from an error type and message.
pub(crate) fn stream_steps(
    frames: Vec<Bytes>,
    fault: &BodyFault,
    malformed: Bytes,
    error: fn(&str, &str) -> Bytes,
) -> Vec<Step> {
    let head = |after: usize| -> Vec<Step> {
        frames.iter().take(after).cloned().map(Step::Send).collect()
    };
    match fault {
        BodyFault::Cut { after } => {
            let mut steps = head(*after);
            steps.push(Step::Cut);
            steps
        }
        BodyFault::Stall { after, ms } => {
            let mut steps = head(*after);
            steps.extend([Step::Sleep(Duration::from_millis(*ms)), Step::Cut]);
            steps
        }
        BodyFault::Malformed { after } => {
            let mut steps = head(*after);
            steps.push(Step::Send(malformed));
            steps
        }
        BodyFault::StreamError { kind, message } => {
            let mut steps = head(1);
            steps.push(Step::Send(error(kind, message)));
            steps
        }
    }
}

/// The steps of a non-streaming body (`json`: the full response) with
/// `fault` applied: a cut or stall drops the connection after the response
/// head, before any body byte; a malformed fault sends the first half of
/// the JSON (a stream error never comes here: [`classify`] turns it into a
/// status for non-streaming requests).
pub(crate) fn whole_steps(json: &[u8], fault: &BodyFault) -> Vec<Step> {
    match fault {
        BodyFault::Cut { .. } => vec![Step::Cut],
        BodyFault::Stall { ms, .. } => vec![Step::Sleep(Duration::from_millis(*ms)), Step::Cut],
        BodyFault::Malformed { .. } | BodyFault::StreamError { .. } => {
            vec![Step::Send(Bytes::copy_from_slice(&json[..json.len() / 2]))]
        }
    }
}

/// How long a cut waits after the last bytes, so they reach the client.
const FLUSH_PAUSE: Duration = Duration::from_millis(20);

/// A response body that plays `steps` in order.
pub(crate) fn body(steps: Vec<Step>) -> Body {
    let stream = futures::stream::unfold(steps.into_iter(), |mut steps| async move {
        loop {
            match steps.next()? {
                Step::Send(bytes) => return Some((Ok(bytes), steps)),
                Step::Sleep(pause) => tokio::time::sleep(pause).await,
                Step::Cut => {
                    // Pending once, so the server flushes what came before;
                    // an immediate error would discard even the head.
                    tokio::time::sleep(FLUSH_PAUSE).await;
                    let cut = std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        "testkit: scripted connection cut",
                    );
                    return Some((Err(cut), steps));
                }
            }
        }
    });
    Body::from_stream(stream)
}

/// The documented error type of an HTTP status.
pub(crate) fn default_error_type(status: u16) -> &'static str {
    match status {
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        504 => "timeout_error",
        529 => "overloaded_error",
        500..=599 => "api_error",
        _ => "invalid_request_error",
    }
}

/// The HTTP status the API answers with for an error type.
fn status_of(kind: &str) -> u16 {
    match kind {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "timeout_error" => 504,
        "overloaded_error" => 529,
        _ => 500,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames() -> Vec<Bytes> {
        (0..5).map(|i| Bytes::from(format!("f{i}"))).collect()
    }

    fn sent(steps: &[Step]) -> Vec<&[u8]> {
        steps
            .iter()
            .filter_map(|step| match step {
                Step::Send(bytes) => Some(bytes.as_ref()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn status_faults_get_documented_defaults() {
        let fault = Fault::Status {
            status: 529,
            retry_after_secs: Some(2),
            error_type: None,
            message: None,
        };
        let Served::Status(error) = classify(&fault, true) else {
            panic!("not a status")
        };
        assert_eq!(
            (error.kind.as_str(), error.retry_after_secs),
            ("overloaded_error", Some(2))
        );
        assert_eq!(default_error_type(429), "rate_limit_error");
        assert_eq!(default_error_type(418), "invalid_request_error");
        assert_eq!(default_error_type(503), "api_error");
    }

    #[test]
    fn a_stream_error_on_a_plain_request_is_its_status() {
        let fault = Fault::StreamError {
            kind: "overloaded_error".into(),
            message: "busy".into(),
        };
        assert!(matches!(
            classify(&fault, true),
            Served::Body(BodyFault::StreamError { .. })
        ));
        let Served::Status(error) = classify(&fault, false) else {
            panic!("not a status")
        };
        assert_eq!((error.status, error.message.as_str()), (529, "busy"));
    }

    fn error(kind: &str, message: &str) -> Bytes {
        Bytes::from(format!("{kind}:{message}"))
    }

    #[test]
    fn body_faults_truncate_or_corrupt_the_frames() {
        let bad = Bytes::from_static(b"bad");
        let play = |fault: BodyFault| stream_steps(frames(), &fault, bad.clone(), error);
        let cut = play(BodyFault::Cut { after: 2 });
        assert_eq!(sent(&cut), [b"f0", b"f1"]);
        assert_eq!(cut.last(), Some(&Step::Cut));

        let stall = play(BodyFault::Stall { after: 1, ms: 5 });
        assert_eq!(
            &stall[1..],
            [Step::Sleep(Duration::from_millis(5)), Step::Cut]
        );

        let malformed = play(BodyFault::Malformed { after: 3 });
        assert_eq!(sent(&malformed), [&b"f0"[..], b"f1", b"f2", b"bad"]);

        let stream_error = play(BodyFault::StreamError {
            kind: "k".into(),
            message: "m".into(),
        });
        assert_eq!(sent(&stream_error), [&b"f0"[..], b"k:m"]);

        assert_eq!(
            whole_steps(b"{\"a\":1}", &BodyFault::Cut { after: 9 }),
            [Step::Cut]
        );
        assert_eq!(
            sent(&whole_steps(
                b"{\"a\":12}",
                &BodyFault::Malformed { after: 0 }
            )),
            [b"{\"a\""]
        );
    }
}

//! When a failed model request is tried again, and after how long.
//!
//! Plain data ([`RetryPolicy`]) and pure functions ([`is_retryable`],
//! [`backoff_delay`]); the loop that sleeps and retries lives in
//! [`crate::call`]. Contract: Anthropic's error docs
//! (<https://docs.anthropic.com/en/api/errors>): 429 `rate_limit_error`
//! (honour `retry-after`), 529 `overloaded_error` and 5xx `api_error` are
//! transient; every other 4xx is the caller's fault and fails at once with
//! the API's own message.

use std::time::Duration;

use crate::client::ModelError;

/// How a model call is retried. All durations are wall-clock time.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so `max_retries + 1` attempts in all).
    pub max_retries: u32,
    /// Delay before the first retry; doubled for each later one.
    pub base_delay: Duration,
    /// Upper bound of one computed delay (a server's `retry-after` may
    /// exceed it, but never the remaining budget).
    pub max_delay: Duration,
    /// Total time the call may take, attempts and delays included; no retry
    /// starts whose delay would end past it.
    pub total_budget: Duration,
    /// The stall watchdog: an attempt fails with [`ModelError::Stall`] when
    /// no SSE event (pings included) — or no response head — arrives for
    /// this long.
    pub stall_timeout: Duration,
    /// Random spread of each computed delay, as a fraction of it (0.25 =
    /// ±25 %), so many clients do not retry in lockstep.
    pub jitter: f64,
    /// Retries of overload errors ([`is_overloaded`]) after which the call
    /// gives up early, so that a caller with a fallback model can switch
    /// instead of waiting out the whole budget. `None`: overloads are
    /// retried like any transient error.
    pub overloaded_retries: Option<u32>,
}

impl Default for RetryPolicy {
    /// 10 retries, 0.5 s doubling to at most 32 s, 10 minutes in all, a
    /// 60 s stall watchdog, ±25 % jitter.
    fn default() -> Self {
        Self {
            max_retries: 10,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(32),
            total_budget: Duration::from_secs(600),
            stall_timeout: Duration::from_secs(60),
            jitter: 0.25,
            overloaded_retries: None,
        }
    }
}

/// Whether `error` is transient: 408, 409, 429, 5xx and 529, network
/// failures, stalls, streams cut short or corrupted in transit, and the
/// `overloaded_error` / `api_error` stream events. Configuration errors,
/// other 4xx and cancellation are final.
pub fn is_retryable(error: &ModelError) -> bool {
    match error {
        ModelError::Http { status, .. } => matches!(status, 408 | 409 | 429) || *status >= 500,
        ModelError::Stream { kind, .. } => {
            matches!(
                kind.as_str(),
                "overloaded_error" | "api_error" | "rate_limit_error"
            )
        }
        ModelError::Network(_)
        | ModelError::Stall(_)
        | ModelError::Truncated(_)
        | ModelError::Decode(_) => true,
        ModelError::Config(_) | ModelError::Cancelled | ModelError::GaveUp { .. } => false,
    }
}

/// Whether `error` says the model is overloaded: HTTP 529 or an
/// `overloaded_error` stream event, also as the last error of a call that
/// gave up.
pub fn is_overloaded(error: &ModelError) -> bool {
    match error {
        ModelError::GaveUp { last, .. } => is_overloaded(last),
        ModelError::Http { status, .. } => *status == 529,
        ModelError::Stream { kind, .. } => kind == "overloaded_error",
        _ => false,
    }
}

/// Whether a failed call should be sent again with a fallback model
/// (`--fallback-model`): the model was overloaded, or the server kept
/// failing (5xx, an `api_error` event) until the retries ran out. Client
/// errors, network failures and cancellation are not the model's fault and
/// would fail the same way with another one.
pub fn warrants_fallback(error: &ModelError) -> bool {
    match error {
        ModelError::GaveUp { last, .. } => match last.as_ref() {
            ModelError::Http { status, .. } => *status >= 500,
            ModelError::Stream { kind, .. } => kind == "overloaded_error" || kind == "api_error",
            _ => false,
        },
        other => is_overloaded(other),
    }
}

/// The server's requested wait, when the error carries one.
pub fn retry_after(error: &ModelError) -> Option<Duration> {
    match error {
        ModelError::Http { retry_after, .. } => *retry_after,
        _ => None,
    }
}

/// The delay before retry number `attempt` (1 for the first retry).
///
/// Capped exponential backoff: `base_delay · 2^(attempt-1)`, at most
/// `max_delay`, spread by `jitter` using `sample` (a number in `[0, 1)`;
/// 0.5 means no spread). A server's `retry_after` wins when it is longer.
/// Pure: the caller supplies the randomness.
pub fn backoff_delay(
    policy: &RetryPolicy,
    attempt: u32,
    retry_after: Option<Duration>,
    sample: f64,
) -> Duration {
    let exponent = attempt.saturating_sub(1).min(30);
    let computed = policy
        .base_delay
        .saturating_mul(1u32 << exponent)
        .min(policy.max_delay);
    let spread = policy.jitter.clamp(0.0, 1.0) * (2.0 * sample.clamp(0.0, 1.0) - 1.0);
    let jittered = computed.mul_f64(1.0 + spread);
    match retry_after {
        Some(requested) if requested > jittered => requested,
        _ => jittered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16) -> ModelError {
        ModelError::Http {
            status,
            message: "m".into(),
            retry_after: None,
        }
    }

    #[test]
    fn transient_failures_retry_and_client_errors_do_not() {
        for status in [429, 500, 502, 503, 529] {
            assert!(is_retryable(&http(status)), "{status}");
        }
        for status in [400, 401, 403, 404, 413] {
            assert!(!is_retryable(&http(status)), "{status}");
        }
        assert!(is_retryable(&ModelError::Network("reset".into())));
        assert!(is_retryable(&ModelError::Stall(Duration::from_secs(1))));
        assert!(is_retryable(&ModelError::Stream {
            kind: "overloaded_error".into(),
            message: "busy".into()
        }));
        assert!(!is_retryable(&ModelError::Stream {
            kind: "invalid_request_error".into(),
            message: "bad".into()
        }));
        assert!(!is_retryable(&ModelError::Config("no key".into())));
        assert!(!is_retryable(&ModelError::Cancelled));
    }

    #[test]
    fn overloads_and_exhausted_server_errors_warrant_a_fallback() {
        let gave_up = |last: ModelError| ModelError::GaveUp {
            attempts: 3,
            last: Box::new(last),
        };
        assert!(is_overloaded(&http(529)));
        assert!(is_overloaded(&gave_up(http(529))));
        assert!(!is_overloaded(&http(500)));
        assert!(warrants_fallback(&http(529)));
        assert!(warrants_fallback(&gave_up(http(503))));
        assert!(warrants_fallback(&gave_up(ModelError::Stream {
            kind: "overloaded_error".into(),
            message: "busy".into()
        })));
        assert!(
            !warrants_fallback(&http(500)),
            "a single 500 is retried first"
        );
        assert!(!warrants_fallback(&gave_up(http(429))));
        assert!(!warrants_fallback(&gave_up(ModelError::Network(
            "reset".into()
        ))));
        assert!(!warrants_fallback(&http(400)));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let delays: Vec<_> = (1..=9)
            .map(|attempt| backoff_delay(&policy, attempt, None, 0.5))
            .collect();
        assert_eq!(delays[0], Duration::from_millis(500));
        assert_eq!(delays[1], Duration::from_secs(1));
        assert_eq!(delays[6], Duration::from_secs(32));
        assert_eq!(delays[8], Duration::from_secs(32));
    }

    #[test]
    fn jitter_stays_within_its_fraction() {
        let policy = RetryPolicy::default();
        let low = backoff_delay(&policy, 3, None, 0.0);
        let high = backoff_delay(&policy, 3, None, 0.999_999);
        assert_eq!(low, Duration::from_millis(1500));
        assert!(high > Duration::from_millis(2499) && high <= Duration::from_millis(2500));
    }

    #[test]
    fn a_longer_retry_after_is_honoured() {
        let policy = RetryPolicy::default();
        let asked = Duration::from_secs(7);
        assert_eq!(backoff_delay(&policy, 1, Some(asked), 0.5), asked);
        assert_eq!(
            backoff_delay(&policy, 1, Some(Duration::from_millis(10)), 0.5),
            Duration::from_millis(500)
        );
    }
}

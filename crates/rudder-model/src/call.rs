//! One model call, made robust: retries with capped exponential backoff
//! inside a total time budget, a stall watchdog, cancellation, and the
//! streamed events folded into one message.
//!
//! Provider-independent: it drives any [`ModelClient`]. Every event is
//! handed to the caller as it arrives ([`CallProgress::Event`]), and every
//! retry is announced before its delay ([`CallProgress::Retry`]), so a front
//! end can show both. A retry re-sends the identical request; events of the
//! failed attempt were already shown, and the caller keeps only the message
//! of the attempt that completed.

use std::time::{Duration, Instant};

use futures::StreamExt;
use rudder_protocol::{AssistantMessage, MessagesRequest, StreamEvent};
use tokio_util::sync::CancellationToken;

use crate::assemble::{Assembled, InvalidToolInput, MessageAssembler};
use crate::client::{ModelClient, ModelError};
use crate::retry::{RetryPolicy, backoff_delay, is_overloaded, is_retryable, retry_after};

/// A retry about to happen.
#[derive(Debug, Clone, Copy)]
pub struct RetryNotice<'a> {
    /// 1 for the first retry.
    pub attempt: u32,
    /// Retries allowed in all.
    pub max_retries: u32,
    /// Wait before the retry starts.
    pub delay: Duration,
    /// What the failed attempt hit.
    pub error: &'a ModelError,
}

/// What [`call`] reports while it runs.
#[derive(Debug, Clone, Copy)]
pub enum CallProgress<'a> {
    /// A stream event, as it arrived (pings and unknown events included).
    Event(&'a StreamEvent),
    /// An attempt failed with a transient error and will be retried.
    Retry(RetryNotice<'a>),
}

/// A completed call.
#[derive(Debug, Clone, PartialEq)]
pub struct Completed {
    /// The assistant message of the attempt that completed.
    pub message: AssistantMessage,
    /// Tool calls whose streamed input was not a JSON object.
    pub invalid_tool_inputs: Vec<InvalidToolInput>,
    /// Wall time of the whole call, retries and their delays included.
    pub api_duration: Duration,
    /// Attempts made, the first included.
    pub attempts: u32,
}

/// Sends `request` through `client` until one attempt completes.
///
/// Transient failures ([`is_retryable`]) are retried after
/// [`backoff_delay`] (honouring `retry-after`) while retries and the total
/// budget last; each retry is first reported through `on_progress`.
///
/// Errors: a non-transient error as it happened (e.g. an HTTP 400 with
/// the API's own message); [`ModelError::GaveUp`] with the last error when
/// retries or the budget ran out, or when overload errors exceeded
/// [`RetryPolicy::overloaded_retries`]; [`ModelError::Cancelled`] as soon
/// as `cancel` fires (also during a backoff delay).
pub async fn call(
    client: &dyn ModelClient,
    request: &MessagesRequest,
    policy: &RetryPolicy,
    on_progress: &mut (dyn FnMut(CallProgress<'_>) + Send),
    cancel: &CancellationToken,
) -> Result<Completed, ModelError> {
    let started = Instant::now();
    let mut retries = 0;
    let mut overloads = 0;
    loop {
        let error = match attempt(client, request, policy.stall_timeout, on_progress, cancel).await
        {
            Ok(Assembled {
                message,
                invalid_tool_inputs,
            }) => {
                return Ok(Completed {
                    message,
                    invalid_tool_inputs,
                    api_duration: started.elapsed(),
                    attempts: retries + 1,
                });
            }
            Err(error) => error,
        };
        if !is_retryable(&error) {
            return Err(error);
        }
        let give_up = |error: ModelError| ModelError::GaveUp {
            attempts: retries + 1,
            last: Box::new(error),
        };
        if retries >= policy.max_retries {
            return Err(give_up(error));
        }
        if is_overloaded(&error) {
            overloads += 1;
            if policy
                .overloaded_retries
                .is_some_and(|limit| overloads > limit)
            {
                return Err(give_up(error));
            }
        }
        let delay = backoff_delay(policy, retries + 1, retry_after(&error), rand::random());
        if started.elapsed().saturating_add(delay) > policy.total_budget {
            return Err(give_up(error));
        }
        retries += 1;
        on_progress(CallProgress::Retry(RetryNotice {
            attempt: retries,
            max_retries: policy.max_retries,
            delay,
            error: &error,
        }));
        tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(ModelError::Cancelled),
            () = tokio::time::sleep(delay) => {}
        }
    }
}

/// One attempt: open the stream and fold its events, with the watchdog.
async fn attempt(
    client: &dyn ModelClient,
    request: &MessagesRequest,
    stall_timeout: Duration,
    on_progress: &mut (dyn FnMut(CallProgress<'_>) + Send),
    cancel: &CancellationToken,
) -> Result<Assembled, ModelError> {
    let opened = tokio::select! {
        biased;
        () = cancel.cancelled() => return Err(ModelError::Cancelled),
        opened = tokio::time::timeout(stall_timeout, client.stream(request)) => opened,
    };
    let mut stream = opened.map_err(|_| ModelError::Stall(stall_timeout))??;
    let mut assembler = MessageAssembler::default();
    while !assembler.is_complete() {
        let next = tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(ModelError::Cancelled),
            next = tokio::time::timeout(stall_timeout, stream.next()) => next,
        };
        let event = match next {
            Err(_) => return Err(ModelError::Stall(stall_timeout)),
            Ok(None) => break,
            Ok(Some(item)) => item?,
        };
        if let StreamEvent::Unknown(name) = &event {
            tracing::debug!(event = %name, "skipping an unknown stream event");
        }
        on_progress(CallProgress::Event(&event));
        assembler.apply(&event)?;
    }
    assembler.finish()
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use futures::future::BoxFuture;
    use rudder_protocol::{Message, StopReason};
    use serde_json::json;

    use super::*;
    use crate::client::EventStream;

    /// A client that plays one scripted outcome per attempt.
    struct Scripted {
        attempts: Mutex<VecDeque<Attempt>>,
        opened: Mutex<u32>,
    }

    enum Attempt {
        Fail(ModelError),
        Events(Vec<Result<StreamEvent, ModelError>>),
        /// Events, then silence forever.
        Hang(Vec<StreamEvent>),
    }

    impl Scripted {
        fn new(attempts: Vec<Attempt>) -> Self {
            Self {
                attempts: Mutex::new(attempts.into()),
                opened: Mutex::new(0),
            }
        }
        fn opened(&self) -> u32 {
            *self.opened.lock().unwrap()
        }
    }

    impl ModelClient for Scripted {
        fn stream<'a>(
            &'a self,
            _request: &'a MessagesRequest,
        ) -> BoxFuture<'a, Result<EventStream, ModelError>> {
            *self.opened.lock().unwrap() += 1;
            let next = self.attempts.lock().unwrap().pop_front();
            Box::pin(async move {
                match next {
                    None => Err(ModelError::Config("no more scripted attempts".into())),
                    Some(Attempt::Fail(error)) => Err(error),
                    Some(Attempt::Events(events)) => Ok(futures::stream::iter(events).boxed()),
                    Some(Attempt::Hang(events)) => {
                        Ok(futures::stream::iter(events.into_iter().map(Ok))
                            .chain(futures::stream::pending())
                            .boxed())
                    }
                }
            })
        }
        fn provider(&self) -> &str {
            "scripted"
        }
    }

    fn events(text: &str) -> Vec<StreamEvent> {
        [
            json!({"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"x",
                "content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}),
            json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":text}}),
            json!({"type":"content_block_stop","index":0}),
            json!({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":3}}),
            json!({"type":"message_stop"}),
        ]
        .iter()
        .map(|value| StreamEvent::from_data(&value.to_string()).unwrap())
        .collect()
    }

    fn ok(text: &str) -> Attempt {
        Attempt::Events(events(text).into_iter().map(Ok).collect())
    }

    fn request() -> MessagesRequest {
        MessagesRequest {
            model: "x".into(),
            max_tokens: 10,
            system: vec![],
            messages: vec![Message::user_text("hi")],
            tools: vec![],
            thinking: None,
            metadata: None,
            stream: true,
        }
    }

    fn fast() -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            total_budget: Duration::from_secs(5),
            stall_timeout: Duration::from_millis(200),
            jitter: 0.0,
            overloaded_retries: None,
        }
    }

    async fn run(
        client: &Scripted,
        policy: &RetryPolicy,
    ) -> (Result<Completed, ModelError>, Vec<String>) {
        let mut seen = Vec::new();
        let mut on_progress = |progress: CallProgress<'_>| match progress {
            CallProgress::Event(event) => seen.push(event.name().to_owned()),
            CallProgress::Retry(notice) => {
                seen.push(format!("retry {} {}", notice.attempt, notice.error))
            }
        };
        let result = call(
            client,
            &request(),
            policy,
            &mut on_progress,
            &CancellationToken::new(),
        )
        .await;
        (result, seen)
    }

    #[tokio::test]
    async fn transient_failures_are_retried_and_reported() {
        let overloaded = ModelError::Http {
            status: 529,
            message: "Overloaded".into(),
            retry_after: None,
        };
        let cut = vec![
            Ok(events("x")[0].clone()),
            Err(ModelError::Network("connection reset".into())),
        ];
        let client = Scripted::new(vec![
            Attempt::Fail(overloaded),
            Attempt::Events(cut),
            ok("done"),
        ]);
        let (result, seen) = run(&client, &fast()).await;
        let completed = result.unwrap();
        assert_eq!(completed.message.text(), "done");
        assert_eq!(completed.message.stop_reason, Some(StopReason::EndTurn));
        assert_eq!(completed.attempts, 3);
        let retries: Vec<_> = seen
            .iter()
            .filter(|line| line.starts_with("retry"))
            .collect();
        assert_eq!(retries.len(), 2, "{seen:?}");
        assert!(retries[0].contains("529"), "{seen:?}");
    }

    #[tokio::test]
    async fn client_errors_fail_at_once_with_the_api_message() {
        let bad = ModelError::Http {
            status: 400,
            message: "max_tokens: must be positive".into(),
            retry_after: None,
        };
        let client = Scripted::new(vec![Attempt::Fail(bad.clone()), ok("never")]);
        let (result, _) = run(&client, &fast()).await;
        assert_eq!(result.unwrap_err(), bad);
        assert_eq!(client.opened(), 1);
    }

    #[tokio::test]
    async fn retries_run_out_with_the_last_error() {
        let busy = || {
            Attempt::Fail(ModelError::Http {
                status: 500,
                message: "boom".into(),
                retry_after: None,
            })
        };
        let client = Scripted::new((0..10).map(|_| busy()).collect());
        let (result, _) = run(&client, &fast()).await;
        let error = result.unwrap_err();
        assert!(
            matches!(error, ModelError::GaveUp { attempts: 4, .. }),
            "{error}"
        );
        assert_eq!(error.status(), Some(500));
        assert!(error.to_string().contains("boom"));
    }

    #[tokio::test]
    async fn overloads_give_up_early_when_a_limit_is_set() {
        let overloaded = || {
            Attempt::Fail(ModelError::Http {
                status: 529,
                message: "Overloaded".into(),
                retry_after: None,
            })
        };
        let client = Scripted::new((0..10).map(|_| overloaded()).collect());
        let policy = RetryPolicy {
            overloaded_retries: Some(2),
            ..fast()
        };
        let (result, _) = run(&client, &policy).await;
        assert!(
            matches!(result, Err(ModelError::GaveUp { attempts: 3, .. })),
            "{result:?}"
        );
        assert_eq!(
            client.opened(),
            3,
            "three overloads, then the caller decides"
        );
    }

    #[tokio::test]
    async fn a_silent_stream_trips_the_watchdog_then_recovers() {
        let client = Scripted::new(vec![
            Attempt::Hang(events("x")[..2].to_vec()),
            ok("after stall"),
        ]);
        let (result, seen) = run(&client, &fast()).await;
        assert_eq!(result.unwrap().message.text(), "after stall");
        assert!(seen.iter().any(|line| line.contains("stalled")), "{seen:?}");
    }

    #[tokio::test]
    async fn a_retry_after_beyond_the_budget_gives_up() {
        let limited = ModelError::Http {
            status: 429,
            message: "rate limited".into(),
            retry_after: Some(Duration::from_secs(60)),
        };
        let client = Scripted::new(vec![Attempt::Fail(limited), ok("never")]);
        let (result, _) = run(&client, &fast()).await;
        assert!(matches!(
            result,
            Err(ModelError::GaveUp { attempts: 1, .. })
        ));
    }

    #[tokio::test]
    async fn the_longest_retry_after_gives_up_without_overflowing() {
        let limited = ModelError::Http {
            status: 429,
            message: "rate limited".into(),
            retry_after: Some(Duration::MAX),
        };
        let client = Scripted::new(vec![Attempt::Fail(limited), ok("never")]);
        let (result, _) = run(&client, &fast()).await;
        assert!(matches!(
            result,
            Err(ModelError::GaveUp { attempts: 1, .. })
        ));
    }

    #[tokio::test]
    async fn cancellation_stops_a_hanging_attempt() {
        let client = Scripted::new(vec![Attempt::Hang(vec![])]);
        let cancel = CancellationToken::new();
        let policy = RetryPolicy {
            stall_timeout: Duration::from_secs(60),
            ..fast()
        };
        let trigger = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            trigger.cancel();
        });
        let result = call(&client, &request(), &policy, &mut |_| {}, &cancel).await;
        assert_eq!(result.unwrap_err(), ModelError::Cancelled);
    }
}

//! A client whose credential comes from a helper and expires: Claude Code's
//! `apiKeyHelper` (CLAUDE-CODE-INTERFACE.md §4.2, §4.3).
//!
//! The key is fetched on the first request, kept for a time to live (Claude
//! Code: 5 minutes, `CLAUDE_CODE_API_KEY_HELPER_TTL_MS`), fetched again
//! after that, and fetched again at once when the server answers 401 — the
//! rejected request is then sent once more with the new key. One fetch at a
//! time: concurrent requests wait for the same fetch.
//!
//! Provider-independent: a [`KeySource`] says how to get a key (the CLI runs
//! the helper command), a [`ClientFactory`] builds the provider's client for
//! a key. This module never shows a key (errors name the source, not the
//! value) and never retries anything but that one 401.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use rudder_protocol::MessagesRequest;
use tokio::sync::Mutex;

use crate::client::{EventStream, ModelClient, ModelError};

/// Where fresh keys come from.
pub trait KeySource: Send + Sync {
    /// Fetches a key. Errors: a message saying what failed (never the key).
    fn fetch(&self) -> BoxFuture<'_, Result<String, String>>;

    /// What the source is, for messages, e.g. `apiKeyHelper`.
    fn name(&self) -> &str;
}

/// Builds the provider's client for one key.
pub type ClientFactory =
    Box<dyn Fn(String) -> Result<Arc<dyn ModelClient>, ModelError> + Send + Sync>;

/// A [`ModelClient`] over clients built for keys from a [`KeySource`].
pub struct RefreshingClient {
    source: Arc<dyn KeySource>,
    build: ClientFactory,
    ttl: Duration,
    provider: String,
    cache_control: bool,
    current: Mutex<Option<(Arc<dyn ModelClient>, Instant)>>,
}

impl RefreshingClient {
    /// A client fetching keys from `source`, keeping each for `ttl`, and
    /// building the provider's client with `build`. `provider` and
    /// `cache_control` are what [`ModelClient::provider`] and
    /// [`ModelClient::supports_cache_control`] answer (the built clients'
    /// own answers, known before any key is fetched).
    pub fn new(
        source: Arc<dyn KeySource>,
        build: ClientFactory,
        ttl: Duration,
        provider: &str,
        cache_control: bool,
    ) -> Self {
        Self {
            source,
            build,
            ttl,
            provider: provider.to_owned(),
            cache_control,
            current: Mutex::new(None),
        }
    }

    /// The client for the current key, fetching a key first when there is
    /// none, it is older than the time to live, or `stale` is the client
    /// just rejected with a 401.
    ///
    /// Errors: [`ModelError::Config`] naming the source when the fetch
    /// fails; the factory's error.
    async fn client(
        &self,
        stale: Option<&Arc<dyn ModelClient>>,
    ) -> Result<Arc<dyn ModelClient>, ModelError> {
        let mut current = self.current.lock().await;
        if let Some((client, fetched)) = current.as_ref() {
            let rejected = stale.is_some_and(|stale| Arc::ptr_eq(stale, client));
            if !rejected && fetched.elapsed() < self.ttl {
                return Ok(Arc::clone(client));
            }
        }
        let key = self.source.fetch().await.map_err(|error| {
            ModelError::Config(format!("{} failed: {error}", self.source.name()))
        })?;
        let client = (self.build)(key)?;
        *current = Some((Arc::clone(&client), Instant::now()));
        Ok(client)
    }
}

impl ModelClient for RefreshingClient {
    /// Streams through the current key's client; on a 401 fetches a new
    /// key and sends the request once more.
    fn stream<'a>(
        &'a self,
        request: &'a MessagesRequest,
    ) -> BoxFuture<'a, Result<EventStream, ModelError>> {
        Box::pin(async move {
            let client = self.client(None).await?;
            match client.stream(request).await {
                Err(ModelError::Http { status: 401, .. }) => {
                    tracing::debug!(source = self.source.name(), "401: fetching a new key");
                    let fresh = self.client(Some(&client)).await?;
                    fresh.stream(request).await
                }
                other => other,
            }
        })
    }

    fn provider(&self) -> &str {
        &self.provider
    }

    fn supports_cache_control(&self) -> bool {
        self.cache_control
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use futures::StreamExt;
    use rudder_protocol::{Message, StreamEvent};

    use super::*;

    /// Hands out `key-1`, `key-2`, … and counts fetches.
    struct Counter(AtomicU32);

    impl KeySource for Counter {
        fn fetch(&self) -> BoxFuture<'_, Result<String, String>> {
            let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
            Box::pin(async move { Ok(format!("key-{n}")) })
        }
        fn name(&self) -> &str {
            "counter"
        }
    }

    /// Accepts only `key-2` (anything else is a 401); records keys seen.
    struct Server {
        key: String,
        seen: Arc<std::sync::Mutex<Vec<String>>>,
    }

    impl ModelClient for Server {
        fn stream<'a>(
            &'a self,
            _request: &'a MessagesRequest,
        ) -> BoxFuture<'a, Result<EventStream, ModelError>> {
            self.seen.lock().unwrap().push(self.key.clone());
            let accepted = self.key == "key-2";
            Box::pin(async move {
                if accepted {
                    Ok(futures::stream::iter([Ok(StreamEvent::MessageStop)]).boxed())
                } else {
                    Err(ModelError::Http {
                        status: 401,
                        message: "invalid x-api-key".into(),
                        retry_after: None,
                    })
                }
            })
        }
        fn provider(&self) -> &str {
            "test"
        }
    }

    fn request() -> MessagesRequest {
        MessagesRequest {
            model: "m".into(),
            max_tokens: 1,
            system: vec![],
            messages: vec![Message::user_text("hi")],
            tools: vec![],
            thinking: None,
            metadata: None,
            stream: true,
        }
    }

    fn client(
        ttl: Duration,
    ) -> (
        RefreshingClient,
        Arc<Counter>,
        Arc<std::sync::Mutex<Vec<String>>>,
    ) {
        let counter = Arc::new(Counter(AtomicU32::new(0)));
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let build: ClientFactory = Box::new(move |key| {
            Ok(Arc::new(Server {
                key,
                seen: Arc::clone(&log),
            }) as Arc<dyn ModelClient>)
        });
        let source: Arc<dyn KeySource> = counter.clone();
        (
            RefreshingClient::new(source, build, ttl, "anthropic", true),
            counter,
            seen,
        )
    }

    #[tokio::test]
    async fn a_401_fetches_a_new_key_and_sends_again() {
        let (client, counter, seen) = client(Duration::from_secs(300));
        assert!(client.stream(&request()).await.is_ok());
        assert_eq!(*seen.lock().unwrap(), ["key-1", "key-2"]);
        assert!(client.stream(&request()).await.is_ok());
        assert_eq!(counter.0.load(Ordering::SeqCst), 2, "the good key is kept");
        assert_eq!(client.provider(), "anthropic");
    }

    #[tokio::test]
    async fn an_expired_key_is_fetched_again() {
        let (client, counter, _) = client(Duration::ZERO);
        let _ = client.stream(&request()).await;
        let _ = client.stream(&request()).await;
        assert!(
            counter.0.load(Ordering::SeqCst) >= 3,
            "every request fetches"
        );
    }

    #[tokio::test]
    async fn a_failing_source_is_a_config_error_naming_it() {
        struct Broken;
        impl KeySource for Broken {
            fn fetch(&self) -> BoxFuture<'_, Result<String, String>> {
                Box::pin(async { Err("exit status 3: vault is sealed".to_owned()) })
            }
            fn name(&self) -> &str {
                "apiKeyHelper"
            }
        }
        let build: ClientFactory = Box::new(|_| Err(ModelError::Config("unused".into())));
        let client = RefreshingClient::new(Arc::new(Broken), build, Duration::ZERO, "x", false);
        let Err(error) = client.stream(&request()).await else {
            panic!("the stream opened")
        };
        assert_eq!(
            error.to_string(),
            "apiKeyHelper failed: exit status 3: vault is sealed"
        );
    }
}

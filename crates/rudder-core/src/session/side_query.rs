//! Model calls made on a tool's behalf (WebFetch's prompt, WebSearch).
//!
//! Each one is a single, tool-free (or server-tool-only) request, logged in
//! the transcript as a `rudder-model-call` record with its purpose and usage
//! and counted in the session's totals — no hidden model calls
//! (USER-PAINS.md §2.3) — under the model that answered: an overloaded
//! model falls back as a turn request does (see `fallback.rs`).

use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use rudder_model::ModelClient;
use rudder_model::retry::RetryPolicy;
use rudder_protocol::{AssistantMessage, ContentBlock, Message, MessagesRequest, ToolSpec};
use rudder_tools::{SideQuery, SideRequest};

use super::{Session, SessionLog, fallback};
use crate::events::EventSink;

/// Output cap of a side call, in tokens.
const SIDE_MAX_TOKENS: u32 = 4_096;

/// A [`SideQuery`] answered with the session's model client and logged in
/// its transcript.
pub(super) struct SessionSideQuery {
    client: Arc<dyn ModelClient>,
    model: String,
    /// The session's remaining fallbacks (for calls on its model).
    fallbacks: Vec<String>,
    small_model: String,
    /// The configured fallbacks after the small model (for its calls).
    small_fallbacks: Vec<String>,
    retry: RetryPolicy,
    log: Arc<Mutex<SessionLog>>,
    events: EventSink,
}

impl SessionSideQuery {
    pub(super) fn new(session: &Session) -> Self {
        Self {
            client: Arc::clone(&session.deps.client),
            model: session.frame.model.clone(),
            fallbacks: session.fallbacks.clone(),
            small_model: session.config.small_model.clone(),
            small_fallbacks: fallback::remaining(
                &session.config.fallback_models,
                &session.config.small_model,
            ),
            retry: session.config.retry.clone(),
            log: Arc::clone(&session.log),
            events: session.deps.events.clone(),
        }
    }
}

impl SideQuery for SessionSideQuery {
    fn query<'a>(
        &'a self,
        request: SideRequest,
    ) -> BoxFuture<'a, Result<AssistantMessage, String>> {
        Box::pin(async move {
            let (model, mut fallbacks) = if request.small_model {
                (&self.small_model, self.small_fallbacks.clone())
            } else {
                (&self.model, self.fallbacks.clone())
            };
            let mut body = MessagesRequest {
                model: model.clone(),
                max_tokens: SIDE_MAX_TOKENS,
                system: vec![ContentBlock::text(request.system)],
                messages: vec![Message::user_text(request.prompt)],
                tools: request
                    .server_tools
                    .into_iter()
                    .map(ToolSpec::Server)
                    .collect(),
                thinking: None,
                metadata: None,
                stream: true,
            };
            let completed = fallback::side_call(
                self.client.as_ref(),
                &mut body,
                &self.retry,
                &mut fallbacks,
                &self.events,
                &request.purpose,
            )
            .await
            .map_err(|error| format!("the {} model call failed: {error}", request.purpose))?;
            let mut log = self
                .log
                .lock()
                .map_err(|_| "internal error: the session log lock was poisoned".to_owned())?;
            log.append_model_call(&request.purpose, &body.model, &completed.message.usage)
                .map_err(|error| error.to_string())?;
            Ok(completed.message)
        })
    }
}

//! `--fallback-model`: when the model is overloaded (529, or an
//! `overloaded_error` event, three times in a row) or the server keeps
//! failing with 5xx until the retries run out, the same request is sent
//! again with the next fallback model, and the session stays on that model
//! (CLAUDE-CODE-INTERFACE.md §1.1; issue 9).
//!
//! The switch is visible and recorded: an [`AgentEvent::ModelFallback`]
//! (a `system/model_fallback` record in stream-json), and a new frame
//! record in the transcript naming the model, so a resumed session goes on
//! with the model it was using and every usage is counted under the model
//! named on the wire. A model switch restarts the prompt cache: the new
//! model has no cached prefix yet.
//!
//! Side calls fall back by the same rule: the compaction summary (on the
//! session's model) switches the session as a turn request does; a tool's
//! model call (WebFetch's prompt, WebSearch) is sent again with the next
//! model of its own list ([`side_call`]) without moving the session, and
//! emits the same event. Either way the usage is logged under the model
//! that answered.

use rudder_model::call::{Completed, call};
use rudder_model::retry::RetryPolicy;
use rudder_model::{ModelClient, ModelError};
use rudder_protocol::event::TurnStop;
use rudder_protocol::{AgentEvent, MessagesRequest};
use tokio_util::sync::CancellationToken;

use super::{Session, frame_record};
use crate::events::EventSink;
use crate::transcript::Record;

/// Overload retries on one model before falling back (so the third
/// overload in a row switches models).
const OVERLOADED_RETRIES_BEFORE_FALLBACK: u32 = 2;

/// The fallback models still available to a session on `current`: the
/// configured list without `current` and without models listed before it
/// (a resumed session that already fell back does not go back up).
pub(super) fn remaining(configured: &[String], current: &str) -> Vec<String> {
    let start = configured
        .iter()
        .position(|model| model == current)
        .map_or(0, |at| at + 1);
    configured[start..]
        .iter()
        .filter(|model| model.as_str() != current)
        .cloned()
        .collect()
}

/// The retry policy for the session's next request: overloads give up
/// early while a fallback remains, so the switch does not wait out the
/// whole retry budget.
pub(super) fn retry_policy(session: &Session) -> RetryPolicy {
    policy_for(&session.config.retry, !session.fallbacks.is_empty())
}

/// `retry`, giving up early on overloads when `can_fall_back`.
pub(super) fn policy_for(retry: &RetryPolicy, can_fall_back: bool) -> RetryPolicy {
    let mut policy = retry.clone();
    if can_fall_back {
        policy.overloaded_retries = Some(OVERLOADED_RETRIES_BEFORE_FALLBACK);
    }
    policy
}

/// Sends a side call's `request`; when the answer warrants a fallback and
/// `fallbacks` has a model left, sends it again with the next one (taken
/// off the list) and emits [`AgentEvent::ModelFallback`], whose reason
/// names `purpose`. On return `request.model` is the model last asked —
/// the one to count the usage under.
///
/// Errors: the last call's [`ModelError`].
pub(super) async fn side_call(
    client: &dyn ModelClient,
    request: &mut MessagesRequest,
    retry: &RetryPolicy,
    fallbacks: &mut Vec<String>,
    events: &EventSink,
    purpose: &str,
) -> Result<Completed, ModelError> {
    loop {
        let policy = policy_for(retry, !fallbacks.is_empty());
        let result = call(
            client,
            request,
            &policy,
            &mut |_| {},
            &CancellationToken::new(),
        )
        .await;
        match result {
            Err(error)
                if rudder_model::retry::warrants_fallback(&error) && !fallbacks.is_empty() =>
            {
                let next = fallbacks.remove(0);
                let from = std::mem::replace(&mut request.model, next.clone());
                events.emit(AgentEvent::ModelFallback {
                    from,
                    to: next,
                    reason: format!("{error} (in the {purpose} call)"),
                });
            }
            result => return result,
        }
    }
}

/// After `error`, switches the session to the next fallback model when the
/// error warrants it and one remains: emits the event and records the new
/// frame. Returns whether it switched (the caller then sends the request
/// again, rebuilt for the new model).
///
/// Errors: the transcript could not be written ([`TurnStop::Failed`]).
pub(super) fn switch(session: &mut Session, error: &ModelError) -> Result<bool, TurnStop> {
    if !rudder_model::retry::warrants_fallback(error) || session.fallbacks.is_empty() {
        return Ok(false);
    }
    let next = session.fallbacks.remove(0);
    let from = std::mem::replace(&mut session.frame.model, next.clone());
    let record = Record::Frame(frame_record(&session.config.session_id, &session.frame));
    session
        .log
        .lock()
        .map_err(|_| TurnStop::Failed {
            message: "internal error: the session log lock was poisoned".to_owned(),
        })?
        .append_raw(&record)
        .map_err(|error| TurnStop::Failed {
            message: error.to_string(),
        })?;
    session.deps.events.emit(AgentEvent::ModelFallback {
        from,
        to: next,
        reason: error.to_string(),
    });
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn remaining_fallbacks_never_go_back_up_the_list() {
        let configured = names(&["b", "c"]);
        assert_eq!(remaining(&configured, "a"), names(&["b", "c"]));
        assert_eq!(remaining(&configured, "b"), names(&["c"]));
        assert_eq!(remaining(&configured, "c"), Vec::<String>::new());
        assert_eq!(remaining(&names(&["a", "b"]), "a"), names(&["b"]));
    }
}

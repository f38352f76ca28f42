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

use rudder_model::ModelError;
use rudder_model::retry::RetryPolicy;
use rudder_protocol::AgentEvent;
use rudder_protocol::event::TurnStop;

use super::{Session, frame_record};
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
    let mut policy = session.config.retry.clone();
    if !session.fallbacks.is_empty() {
        policy.overloaded_retries = Some(OVERLOADED_RETRIES_BEFORE_FALLBACK);
    }
    policy
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

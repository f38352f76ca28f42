//! Where the turn loop meets background subagents.
//!
//! - [`news`]: reports the model has not been given ride along with the next
//!   message the parent sends (its next prompt, or the tool results of the
//!   step that just ran) — always a new message, after the last cache
//!   breakpoint, never an edit of one already sent.
//! - [`at_turn_end`]: when the model ends its turn while subagents it has
//!   not been reminded of in this turn still run, or reports wait, the
//!   turn goes on with one more message saying so (each running subagent
//!   is named at most once per turn, so this ends).
//! - [`settle`]: when the turn has ended, under
//!   [`BackgroundPolicy::StopAtTurnEnd`] the ones still running are stopped
//!   and waited for before the turn's outcome is reported, so its usage
//!   includes them; the person is told which were stopped.
//! - [`end`]: the session's end stops every one, whatever the policy.

use rudder_protocol::ContentBlock;
use rudder_protocol::event::NoticeLevel;

use super::{BackgroundPolicy, notes};
use crate::session::Session;

/// Text blocks with the reports of background subagents that ended and
/// that the model has not been given; marks them given.
pub(crate) fn news(session: &Session) -> Vec<ContentBlock> {
    session
        .background()
        .take_news()
        .iter()
        .map(|(entry, finished)| ContentBlock::text(notes::report(entry, finished)))
        .collect()
}

/// What to send instead of ending the turn, if anything: waiting reports,
/// and a reminder naming the running subagents when one of them is not in
/// `told` (the task ids named earlier in this turn, which this extends).
pub(crate) fn at_turn_end(session: &Session, told: &mut Vec<String>) -> Option<Vec<ContentBlock>> {
    let mut blocks = news(session);
    let running = session.background().running();
    if running.iter().any(|entry| !told.contains(&entry.task_id)) {
        told.extend(running.iter().map(|entry| entry.task_id.clone()));
        let listed: Vec<_> = running
            .iter()
            .map(|entry| (entry.as_ref(), entry.snapshot()))
            .collect();
        let policy = session.config().background_subagents;
        blocks.push(ContentBlock::text(notes::still_running(&listed, policy)));
    }
    (!blocks.is_empty()).then_some(blocks)
}

/// After a turn: stops the subagents still running when the session's
/// policy is [`BackgroundPolicy::StopAtTurnEnd`].
pub(crate) async fn settle(session: &Session) {
    if session.config().background_subagents == BackgroundPolicy::StopAtTurnEnd {
        stop_all(session, "because the turn ended").await;
    }
}

/// At the session's end: stops every subagent still running.
pub(crate) async fn end(session: &Session) {
    stop_all(session, "because the session ended").await;
}

/// Stops what runs, saying `why`, and tells the person about each one that
/// was stopped rather than finishing by itself meanwhile.
async fn stop_all(session: &Session, why: &str) {
    for entry in session.background().stop_all(why).await {
        if entry.is_running() || entry.status() == "killed" {
            session
                .deps()
                .events
                .notice(NoticeLevel::Warning, notes::stopped(&entry, why));
        }
    }
}

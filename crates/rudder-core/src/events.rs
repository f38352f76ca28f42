//! Delivery of [`AgentEvent`]s to a front end.
//!
//! The agent never prints; it sends events down an unbounded channel that
//! the front end drains as they come (stream deltas are produced inside a
//! synchronous callback, so the send cannot wait). A front end that has
//! gone away is not an error: events are then dropped.

use rudder_protocol::AgentEvent;
use rudder_protocol::event::NoticeLevel;
use tokio::sync::mpsc;

/// Where a session sends its events. Cloning shares the channel.
#[derive(Debug, Clone, Default)]
pub struct EventSink {
    sender: Option<mpsc::UnboundedSender<AgentEvent>>,
}

impl EventSink {
    /// A sink and the receiver a front end reads from.
    pub fn channel() -> (Self, mpsc::UnboundedReceiver<AgentEvent>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        (
            Self {
                sender: Some(sender),
            },
            receiver,
        )
    }

    /// A sink that drops everything (tests, subagents without a viewer).
    pub fn discard() -> Self {
        Self::default()
    }

    /// Sends `event`; silently dropped when nobody listens.
    pub fn emit(&self, event: AgentEvent) {
        if let Some(sender) = &self.sender {
            let _ = sender.send(event);
        }
    }

    /// Sends a notice for the person at the terminal.
    pub fn notice(&self, level: NoticeLevel, message: impl Into<String>) {
        self.emit(AgentEvent::Notice {
            level,
            message: message.into(),
        });
    }
}

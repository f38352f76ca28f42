//! The session's context bookkeeping: the context block of the first
//! prompt, what changed since (date, memory files), how many tokens the
//! context holds, and the cache-health check after each response.
//!
//! Invariants: the first prompt's context and every later change reminder
//! go at the front of a *new* prompt and are stamped in the transcript
//! right after it (`rudder-context`), so a resumed session knows what the
//! model was told and never re-derives it into the cached prefix. Token
//! counts are the API's where it reported them (see `crate::context`).

use std::sync::{Arc, Mutex};

use rudder_config::memory::render_memory;
use rudder_model::pricing;
use rudder_protocol::event::NoticeLevel;
use rudder_protocol::{AgentEvent, MessagesRequest, Usage};

use super::{Session, SessionConfig};
use crate::cache_health::CacheHealth;
use crate::compaction::AutoGuard;
use crate::compaction::facts::SessionFacts;
use crate::context::breakdown::{estimate_request_tokens, messages_bytes, parts};
use crate::context::changes::{changes, memory_bytes, stamp_of};
use crate::context::{ContextUsage, estimate_tokens};
use crate::environment::EnvironmentSnapshot;
use crate::events::EventSink;
use crate::transcript::ContextStamp;

/// A shared, cheap view of the session's [`ContextUsage`] for readers on
/// other tasks (the SDK's `get_context_usage` while a turn runs). Updated
/// after each response (total and last usage) and at each turn end and
/// compaction (the parts); it may lag a running turn by one step.
#[derive(Debug, Clone, Default)]
pub struct ContextView(Arc<Mutex<ContextUsage>>);

impl ContextView {
    /// The latest numbers.
    pub fn get(&self) -> ContextUsage {
        self.0
            .lock()
            .map(|usage| usage.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    fn update(&self, change: impl FnOnce(&mut ContextUsage)) {
        match self.0.lock() {
            Ok(mut usage) => change(&mut usage),
            Err(poisoned) => change(&mut poisoned.into_inner()),
        }
    }
}

/// What the session tracks about its context besides the messages.
#[derive(Debug, Default)]
pub(super) struct ContextState {
    /// What the model was last told about the date and memory files.
    pub stamp: Option<ContextStamp>,
    /// The stamp of the first prompt's context, recorded once it is sent.
    pub pending_stamp: Option<ContextStamp>,
    /// Facts of messages compactions removed.
    pub facts: SessionFacts,
    /// `(messages.len(), tokens)` right after the last response: the context
    /// size the API measured (its input plus the response's output).
    pub measured: Option<(usize, u64)>,
    /// Usage of the last response.
    pub last_usage: Option<Usage>,
    /// The cache-health baseline.
    pub cache: CacheHealth,
    /// Failed automatic summaries since the user last spoke.
    pub guard: AutoGuard,
    /// The shared view.
    pub view: ContextView,
}

/// The blocks of the first prompt's context — the environment (dated by
/// the session's clock), the memory files and the configured extras — to
/// be joined (with any SessionStart hook context) into one
/// `<system-reminder>`; its stamp; and the memory load's warnings (for
/// notices once the session is announced).
pub(crate) fn initial_context(
    config: &SessionConfig,
    mut environment: EnvironmentSnapshot,
) -> (Vec<String>, ContextStamp, Vec<String>) {
    environment.date = config.context.clock.today();
    let (files, warnings) = match &config.context.memory {
        Some(source) => source.load(),
        None => (Vec::new(), Vec::new()),
    };
    let mut blocks = vec![environment.render()];
    let memory = render_memory(&files);
    if !memory.is_empty() {
        blocks.push(memory);
    }
    blocks.extend(config.first_message_context.iter().cloned());
    (blocks, stamp_of(&environment.date, &files), warnings)
}

/// Emits each warning as a notice.
pub(super) fn warn_all(events: &EventSink, warnings: Vec<String>) {
    for warning in warnings {
        events.notice(NoticeLevel::Warning, warning);
    }
}

impl Session {
    /// What fills the context now (the `/context` breakdown and the
    /// numbers for the status line). Computed from the frame and the
    /// messages: cost grows with the context.
    pub fn context_usage(&self) -> ContextUsage {
        let memory = self.context.stamp.as_ref().map_or(0, memory_bytes);
        let window = self.context_window();
        ContextUsage {
            model: self.frame.model.clone(),
            total_tokens: self.context_tokens(),
            measured: self.measured_base().is_some(),
            window,
            auto_compact_threshold: self.config.context.compaction.threshold_tokens(window),
            parts: parts(&self.frame, &self.messages, memory),
            last_usage: self.context.last_usage.clone(),
        }
    }

    /// The todo list as TodoWrite last left it (restored on resume).
    pub fn todos(&self) -> Vec<rudder_tools::todo::TodoItem> {
        self.tool_state.todos()
    }

    /// A shared view of [`Session::context_usage`] for other tasks.
    pub fn context_view(&self) -> ContextView {
        self.context.view.clone()
    }

    /// The context window in tokens: the configured one, else the model's.
    pub(super) fn context_window(&self) -> u64 {
        self.config
            .context
            .window
            .unwrap_or_else(|| pricing::context_window(&self.frame.model))
    }

    fn measured_base(&self) -> Option<(usize, u64)> {
        self.context
            .measured
            .filter(|(len, _)| *len <= self.messages.len())
    }

    /// Tokens the next request would hold: the last measured size plus an
    /// estimate of what was appended since, else an estimate of it all.
    pub(super) fn context_tokens(&self) -> u64 {
        match self.measured_base() {
            Some((len, tokens)) => tokens + estimate_tokens(messages_bytes(&self.messages[len..])),
            None => estimate_request_tokens(&self.frame, &self.messages),
        }
    }

    /// Recomputes the shared view.
    pub(super) fn refresh_context_view(&self) {
        let usage = self.context_usage();
        self.context.view.update(|view| *view = usage);
    }

    /// The context to put at the front of this turn's prompt: the first
    /// prompt's block, or a reminder of what changed since the model was
    /// last told (a new day, edited memory files). With the stamp to record
    /// once the prompt is written.
    pub(super) fn turn_context(&mut self) -> Option<(String, Option<ContextStamp>)> {
        let mut texts = Vec::new();
        let mut stamp = None;
        if let Some(pending) = self.pending_context.take() {
            texts.push(pending);
            stamp = self.context.pending_stamp.take();
        }
        // Compared with what the model is told with this prompt (a fresh
        // first-prompt context, built when the session started) or was told
        // before: a memory file edited or created in between (`/memory`
        // before the first message) or a new day is reported after it.
        if let Some(told) = stamp.as_ref().or(self.context.stamp.as_ref()) {
            let today = self.config.context.clock.today();
            let files = match &self.config.context.memory {
                Some(source) => source.load().0,
                None => Vec::new(),
            };
            if let Some(change) = changes(told, &today, &files) {
                texts.push(change.reminder);
                stamp = Some(change.stamp);
            }
        }
        (!texts.is_empty()).then(|| (texts.join("\n\n"), stamp))
    }

    /// The user's prompt is written: records the stamp of the context it
    /// carried, and allows automatic compaction to be tried again.
    pub(super) fn prompt_written(&mut self, stamp: Option<ContextStamp>) {
        self.context.guard.reset();
        let Some(stamp) = stamp else {
            return;
        };
        let written = self
            .log
            .lock()
            .map_err(|_| "the session log lock was poisoned".to_owned())
            .and_then(|mut log| {
                log.append_context(&stamp)
                    .map_err(|error| error.to_string())
            });
        if let Err(error) = written {
            self.deps.events.notice(NoticeLevel::Warning, error);
        }
        self.context.stamp = Some(stamp);
    }

    /// After a response was appended: checks the cache against the previous
    /// request, reporting a miss, and records the measured context size.
    pub(super) fn observe_response(&mut self, request: &MessagesRequest, usage: &Usage) {
        if let Some(miss) = self.context.cache.observe(request, usage) {
            self.deps.events.emit(AgentEvent::CacheMiss(miss));
        }
        let tokens = usage.total_input_tokens() + usage.output_tokens;
        self.context.measured = Some((self.messages.len(), tokens));
        self.context.last_usage = Some(usage.clone());
        let last = usage.clone();
        self.context.view.update(|view| {
            view.total_tokens = tokens;
            view.measured = true;
            view.last_usage = Some(last);
        });
    }

    /// The conversation or the frame was changed on purpose (a rewind, a
    /// model switch): the measured size and the cache baseline no longer
    /// apply, and the change is not a cache miss to report.
    pub(super) fn context_rewritten(&mut self) {
        self.context.measured = None;
        self.context.cache.reset();
        self.refresh_context_view();
    }

    /// Seeds the measured size and the cache baseline from a restored
    /// transcript's last response (`index` of the assistant message).
    pub(super) fn seed_from_transcript(&mut self, index: usize, usage: &Usage) {
        let request = crate::request::build_request(
            &self.frame,
            &self.messages[..index.min(self.messages.len())],
            &self.build_options(),
        );
        // A baseline has no predecessor, so this reports nothing.
        let _ = self.context.cache.observe(&request, usage);
        self.context.measured = Some((index + 1, usage.total_input_tokens() + usage.output_tokens));
        self.context.last_usage = Some(usage.clone());
    }
}

//! Compacting a session: `/compact` ([`Session::compact`]) and the
//! automatic compaction the turn loop asks for before each request.
//!
//! Order of a summary, so a failure changes nothing: plan, ask the model
//! (logged as a `rudder-model-call` with purpose `compaction`, failed
//! attempts included), build the new first message, write the
//! `rudder-compact` record, and only then replace the conversation — with
//! the same `apply_compaction` resume uses. Automatic summaries are single
//! requests (no transport retries), at most two until the user speaks
//! again; then the oldest tool results are stubbed instead and the user is
//! told once. An overloaded model falls back as a turn request does: the
//! session switches to the next `--fallback-model` and the summary is
//! asked of it (the failed attempt stays logged). PreCompact hooks run first (a block skips the compaction and
//! is shown to the user); SessionStart hooks with source `compact` run
//! after a summary, their context joining the compacted context's first
//! message.

use rudder_config::hooks::{HookInput, SessionStartSource};
use rudder_config::memory::render_memory;
use rudder_model::call::call;
use rudder_model::retry::RetryPolicy;
use rudder_protocol::AgentEvent;
use rudder_protocol::event::{NoticeLevel, TurnOutcome, TurnStop};
use tokio_util::sync::CancellationToken;

use super::restore::apply_compaction;
use super::{Session, fallback};
use crate::compaction::plan::plan;
use crate::compaction::summary::{self, SummaryParts};
use crate::compaction::{CompactError, CompactOutcome, CompactTrigger, KEEP_BUDGET_PERCENT, trim};
use crate::context::changes::stamp_of;
use crate::environment::EnvironmentSnapshot;
use crate::transcript::CompactMethod;

/// The `rudder-model-call` purpose of summary requests.
pub const COMPACTION_PURPOSE: &str = "compaction";

/// Bytes per token assumed when sizing the summarizer's input: fewer than
/// the usual 4, so an input of unusual text still fits.
const SIZING_BYTES_PER_TOKEN: u64 = 3;

impl Session {
    /// `/compact [instructions]`: replaces the conversation, but for its
    /// last turns, with a model-written summary (see `crate::compaction`
    /// for what the new context holds). Emits
    /// [`AgentEvent::CompactBoundary`] with trigger `manual`.
    ///
    /// Errors: [`CompactError::NothingToCompact`] when the conversation is
    /// within the turns kept verbatim, [`CompactError::Summary`] when the
    /// model call fails (made with the session's retry policy) or returns
    /// no text, [`CompactError::Transcript`] when the boundary cannot be
    /// written. After an error the conversation is unchanged.
    pub async fn compact(
        &mut self,
        instructions: Option<&str>,
    ) -> Result<CompactOutcome, CompactError> {
        let cancel = CancellationToken::new();
        self.pre_compact(CompactTrigger::Manual, instructions, &cancel)
            .await?;
        let policy = self.config.retry.clone();
        let outcome = self
            .summarize(CompactTrigger::Manual, instructions, &policy, &cancel)
            .await?;
        self.context.guard.reset();
        Ok(outcome)
    }

    /// `/compact [instructions]` typed as a prompt (headless runs): runs
    /// [`Session::compact`] and reports it like a turn — one
    /// [`AgentEvent::TurnEnded`] whose outcome is `Completed` with a line
    /// saying what was compacted, or `Failed` with the reason (the session
    /// stays usable either way). No model request counts as a turn.
    pub async fn run_compact_turn(&mut self, instructions: Option<&str>) -> TurnOutcome {
        let started = std::time::Instant::now();
        let (stop, result_text) = match self.compact(instructions).await {
            Ok(outcome) => (
                TurnStop::Completed,
                format!(
                    "Compacted the conversation: {} messages summarized, about {} tokens before and {} after.",
                    outcome.summarized_messages, outcome.pre_tokens, outcome.post_tokens
                ),
            ),
            Err(error) => (
                TurnStop::Failed {
                    message: error.to_string(),
                },
                String::new(),
            ),
        };
        let accounting = self
            .log
            .lock()
            .map(|log| log.accounting().clone())
            .unwrap_or_default();
        let outcome = TurnOutcome {
            stop,
            result_text,
            num_turns: 0,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            duration_api_ms: 0,
            usage: accounting.usage().clone(),
            model_usage: accounting.per_model().clone(),
            total_cost_usd: accounting.cost_usd(),
            permission_denials: Vec::new(),
            stop_reason: None,
        };
        self.deps
            .events
            .emit(AgentEvent::TurnEnded(outcome.clone()));
        outcome
    }

    /// Compacts when the context reached the automatic threshold. Called
    /// between requests only, when every tool call has its result.
    pub(super) async fn auto_compact(&mut self, cancel: &CancellationToken) {
        let window = self.context_window();
        let Some(threshold) = self.config.context.compaction.threshold_tokens(window) else {
            return;
        };
        let pre_tokens = self.context_tokens();
        if pre_tokens < threshold {
            return;
        }
        if let Err(error) = self.pre_compact(CompactTrigger::Auto, None, cancel).await {
            if self.context.guard.take_notice() {
                self.deps
                    .events
                    .notice(NoticeLevel::Warning, error.to_string());
            }
            return;
        }
        let single_attempt = RetryPolicy {
            max_retries: 0,
            ..self.config.retry.clone()
        };
        let mut failure = None;
        while self.context.guard.may_try() && !cancel.is_cancelled() {
            match self
                .summarize(CompactTrigger::Auto, None, &single_attempt, cancel)
                .await
            {
                Ok(_) => return,
                Err(CompactError::NothingToCompact { .. }) => break,
                Err(error) => {
                    self.context.guard.failed();
                    failure = Some(error);
                }
            }
        }
        if cancel.is_cancelled() {
            return;
        }
        let target = threshold.saturating_mul(3) / 4;
        let dropped = self.drop_oldest_results(pre_tokens, target);
        if let Some(error) = failure
            && self.context.guard.take_notice()
        {
            let what = if dropped > 0 {
                format!("removed the {dropped} oldest tool results from the context instead")
            } else {
                "there were no old tool results left to remove".to_owned()
            };
            self.deps.events.notice(
                NoticeLevel::Warning,
                format!(
                    "Automatic compaction failed twice ({error}); {what}. They stay in the transcript. \
                     Use /compact to try again."
                ),
            );
        }
    }

    /// Runs the PreCompact hooks; a block (or `"continue": false`) skips
    /// this compaction with [`CompactError::Blocked`].
    async fn pre_compact(
        &self,
        trigger: CompactTrigger,
        instructions: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<(), CompactError> {
        let input = HookInput::PreCompact {
            trigger: trigger.for_hooks(),
            custom_instructions: instructions.unwrap_or_default().to_owned(),
        };
        let report = self.run_hooks(input, cancel).await;
        match report
            .block_reason()
            .map(str::to_owned)
            .or_else(|| report.stop_request())
        {
            Some(reason) => Err(CompactError::Blocked(reason)),
            None => Ok(()),
        }
    }

    /// The fallback: stubs the oldest tool results until about `target`
    /// tokens remain. Returns how many were stubbed (0: nothing could go,
    /// and nothing was recorded).
    fn drop_oldest_results(&mut self, pre_tokens: u64, target: u64) -> usize {
        let bytes = pre_tokens.saturating_sub(target).saturating_mul(4);
        let ids = trim::choose(&self.messages, usize::try_from(bytes).unwrap_or(usize::MAX));
        if ids.is_empty() {
            return 0;
        }
        let method = CompactMethod::DropToolResults { tool_use_ids: ids };
        let boundary = match self.write_boundary(CompactTrigger::Auto, pre_tokens, &method, None) {
            Ok(boundary) => boundary,
            Err(error) => {
                self.deps
                    .events
                    .notice(NoticeLevel::Error, error.to_string());
                return 0;
            }
        };
        let before = self.messages.clone();
        apply_compaction(
            &mut self.messages,
            &mut self.uuids,
            &mut self.context.facts,
            &method,
            &boundary,
        );
        let dropped = before
            .iter()
            .zip(&self.messages)
            .flat_map(|(old, new)| old.content.iter().zip(&new.content))
            .filter(|(old, new)| old != new)
            .count();
        self.after_compaction(CompactTrigger::Auto, pre_tokens);
        dropped
    }

    /// One summary attempt; see [`Session::compact`].
    async fn summarize(
        &mut self,
        trigger: CompactTrigger,
        instructions: Option<&str>,
        policy: &RetryPolicy,
        cancel: &CancellationToken,
    ) -> Result<CompactOutcome, CompactError> {
        let window = self.context_window();
        let keep_turns = self.config.context.compaction.keep_turns;
        let keep_budget = window.saturating_mul(KEEP_BUDGET_PERCENT) / 100 * 4;
        let plan = plan(
            &self.messages,
            keep_turns,
            usize::try_from(keep_budget).unwrap_or(usize::MAX),
        )
        .ok_or(CompactError::NothingToCompact { keep_turns })?;
        let pre_tokens = self.context_tokens();
        let input_budget = window
            .saturating_sub(u64::from(summary::SUMMARY_MAX_TOKENS) + 2_000)
            .saturating_mul(SIZING_BYTES_PER_TOKEN);
        let conversation = summary::render_conversation(
            &self.messages,
            &plan.summarized,
            usize::try_from(input_budget).unwrap_or(usize::MAX),
        );
        let summary_text = loop {
            let request = summary::summary_request(
                &self.frame.model,
                self.frame.max_tokens,
                &conversation,
                instructions,
            );
            let answered = call(
                self.deps.client.as_ref(),
                &request,
                &fallback::policy_for(policy, !self.fallbacks.is_empty()),
                &mut |_| {},
                cancel,
            )
            .await;
            let failed = {
                let mut log = self.log.lock().map_err(|_| {
                    CompactError::Summary("the session log lock was poisoned".to_owned())
                })?;
                match answered {
                    Ok(completed) => {
                        log.append_model_call(
                            COMPACTION_PURPOSE,
                            &request.model,
                            &completed.message.usage,
                        )?;
                        break completed.message.text();
                    }
                    Err(error) => {
                        let message = error.to_string();
                        log.append_failed_model_call(COMPACTION_PURPOSE, &request.model, &message)?;
                        error
                    }
                }
            };
            // Like a turn request: the session moves to the next fallback
            // model and the summary is asked of it.
            let switched = fallback::switch(self, &failed).map_err(|stop| {
                let why = match stop {
                    TurnStop::Failed { message } => message,
                    other => format!("{other:?}"),
                };
                CompactError::Summary(format!(
                    "{failed}; recording the switch to the fallback model failed: {why}"
                ))
            })?;
            if !switched {
                return Err(CompactError::Summary(failed.to_string()));
            }
        };
        if summary_text.trim().is_empty() {
            return Err(CompactError::Summary(
                "the model answered without summary text".to_owned(),
            ));
        }
        let today = self.config.context.clock.today();
        let mut environment =
            EnvironmentSnapshot::capture(&self.config.cwd, self.config.trusted).await;
        environment.date = today.clone();
        let files = match &self.config.context.memory {
            Some(source) => source.load().0,
            None => Vec::new(),
        };
        let transcript = self
            .log
            .lock()
            .ok()
            .and_then(|log| log.transcript_path().map(|path| path.display().to_string()))
            .unwrap_or_default();
        let facts = self.context.facts.with(&self.messages);
        let hook_context = self
            .run_hooks(
                HookInput::SessionStart {
                    source: SessionStartSource::Compact,
                },
                cancel,
            )
            .await
            .outcome
            .additional_context;
        let summary = summary::summary_message(SummaryParts {
            trigger: trigger.as_str(),
            pre_tokens,
            transcript: &transcript,
            environment: &environment.render(),
            memory: &render_memory(&files),
            summary: &summary_text,
            facts: &facts,
            hook_context: hook_context.as_deref(),
        });
        let stamp = stamp_of(&today, &files);
        let method = CompactMethod::Summary {
            summary,
            kept: plan.kept,
        };
        let boundary = self.write_boundary(trigger, pre_tokens, &method, Some(stamp.clone()))?;
        apply_compaction(
            &mut self.messages,
            &mut self.uuids,
            &mut self.context.facts,
            &method,
            &boundary,
        );
        self.context.stamp = Some(stamp);
        self.after_compaction(trigger, pre_tokens);
        Ok(CompactOutcome {
            trigger,
            pre_tokens,
            post_tokens: self.context_tokens(),
            summarized_messages: plan.summarized.len(),
            dropped_tool_results: 0,
        })
    }

    /// Appends (and syncs) the boundary record; returns its uuid.
    fn write_boundary(
        &self,
        trigger: CompactTrigger,
        pre_tokens: u64,
        method: &CompactMethod,
        stamp: Option<crate::transcript::ContextStamp>,
    ) -> Result<String, CompactError> {
        let mut log = self
            .log
            .lock()
            .map_err(|_| CompactError::Summary("the session log lock was poisoned".to_owned()))?;
        let boundary = log.append_compact(trigger.as_str(), pre_tokens, method.clone(), stamp)?;
        // A boundary is the one record a resume must not lose: sync it now.
        log.sync()?;
        Ok(boundary)
    }

    fn after_compaction(&mut self, trigger: CompactTrigger, pre_tokens: u64) {
        self.context.measured = None;
        self.context.cache.reset();
        self.forget_mcp_notes();
        self.deps.events.emit(AgentEvent::CompactBoundary {
            trigger: trigger.as_str().to_owned(),
            pre_tokens,
        });
        self.refresh_context_view();
    }
}

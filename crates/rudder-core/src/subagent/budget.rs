//! Token budgets of subagents: one per subagent and one for all the
//! subagents of a session (USER-PAINS.md §2.3 — a single subagent burning
//! hundreds of thousands of tokens, or dozens of them fanning out).
//!
//! A subagent's tokens are everything its requests reported: uncached
//! input, cache writes, cache reads and output, summed. Each subagent
//! reports its running total before every request it is about to send;
//! the budget answers whether it must stop instead. A request already sent
//! is never cut off, so a subagent can end at most one request above its
//! budget. Pure bookkeeping: no I/O, no clock.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use crate::catalog::SubagentLimits;

/// Why a subagent must stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BudgetStop {
    /// It used its own budget.
    Agent {
        /// Tokens it used.
        used: u64,
        /// Its budget.
        limit: u64,
    },
    /// The session's subagents together used the session budget.
    Session {
        /// Tokens all subagents used.
        used: u64,
        /// The session budget.
        limit: u64,
    },
}

impl BudgetStop {
    /// The note given to the parent with the partial result.
    pub fn note(&self) -> String {
        match self {
            Self::Agent { used, limit } => format!(
                "the subagent was stopped after using {used} tokens, reaching its budget of {limit} \
                 tokens"
            ),
            Self::Session { used, limit } => format!(
                "the subagent was stopped because this session's subagents together used {used} \
                 tokens, reaching the session's subagent budget of {limit} tokens"
            ),
        }
    }
}

/// The shared budget of one session's subagents.
#[derive(Debug)]
pub struct SubagentBudget {
    limits: SubagentLimits,
    /// Tokens used so far, by agent id.
    used: Mutex<BTreeMap<String, u64>>,
}

impl SubagentBudget {
    /// A budget with `limits` and nothing used.
    pub fn new(limits: SubagentLimits) -> Self {
        Self {
            limits,
            used: Mutex::new(BTreeMap::new()),
        }
    }

    /// Records that subagent `agent_id` has used `tokens` in all so far and
    /// says whether it must stop before its next request.
    pub fn report(&self, agent_id: &str, tokens: u64) -> Option<BudgetStop> {
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        used.insert(agent_id.to_owned(), tokens);
        let total: u64 = used.values().sum();
        if tokens >= self.limits.max_tokens_per_agent {
            return Some(BudgetStop::Agent {
                used: tokens,
                limit: self.limits.max_tokens_per_agent,
            });
        }
        (total >= self.limits.max_tokens_per_session).then_some(BudgetStop::Session {
            used: total,
            limit: self.limits.max_tokens_per_session,
        })
    }

    /// Why no new subagent may start: the session budget is spent.
    pub fn exhausted(&self) -> Option<BudgetStop> {
        let total: u64 = self
            .used
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .sum();
        (total >= self.limits.max_tokens_per_session).then_some(BudgetStop::Session {
            used: total,
            limit: self.limits.max_tokens_per_session,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget() -> SubagentBudget {
        SubagentBudget::new(SubagentLimits {
            max_tokens_per_agent: 100,
            max_tokens_per_session: 250,
        })
    }

    #[test]
    fn an_agent_stops_at_its_own_budget() {
        let budget = budget();
        assert_eq!(budget.report("a", 99), None);
        assert_eq!(
            budget.report("a", 120),
            Some(BudgetStop::Agent {
                used: 120,
                limit: 100
            })
        );
        assert!(
            budget
                .report("a", 120)
                .unwrap()
                .note()
                .contains("budget of 100 tokens")
        );
    }

    #[test]
    fn siblings_share_the_session_budget() {
        let budget = budget();
        assert_eq!(budget.report("a", 90), None);
        assert_eq!(budget.report("b", 90), None);
        assert_eq!(budget.exhausted(), None);
        assert_eq!(
            budget.report("c", 80),
            Some(BudgetStop::Session {
                used: 260,
                limit: 250
            })
        );
        assert!(budget.exhausted().is_some(), "no new subagent may start");
    }
}

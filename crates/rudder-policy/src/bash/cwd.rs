//! Tracking the working directory through a compound command, so that
//! `cd .claude && echo x > settings.json` is judged as a write to
//! `.claude/settings.json` (CVE-2026-25722).
//!
//! Owns the [`CwdSet`] algebra (join a `cd` target, union of alternatives)
//! and the success/failure [`Flow`] of a statement: after `cd x && y`, `y`
//! runs in `x` only; after `cd x; y`, `y` may run in either. Pure.

use super::{CwdSet, Word};

/// More alternatives than this make the set unknown.
const MAX_CANDIDATES: usize = 16;

impl CwdSet {
    /// The set after `cd target` succeeded from any member of `self`.
    pub(crate) fn join(&self, target: &Word) -> CwdSet {
        let Self::Known(chains) = self else {
            return Self::Unknown;
        };
        if target.dynamic || target.glob {
            return Self::Unknown;
        }
        let resets = target.tilde || target.value.starts_with('/');
        let joined = chains
            .iter()
            .map(|chain| {
                let mut next = if resets { Vec::new() } else { chain.clone() };
                next.push(target.clone());
                next
            })
            .collect();
        Self::Known(joined)
    }

    /// Every directory in `self` or `other`.
    pub(crate) fn union(&self, other: &CwdSet) -> CwdSet {
        match (self, other) {
            (Self::Known(a), Self::Known(b)) => {
                let mut all = a.clone();
                for chain in b {
                    if !all.contains(chain) {
                        all.push(chain.clone());
                    }
                }
                if all.len() > MAX_CANDIDATES {
                    Self::Unknown
                } else {
                    Self::Known(all)
                }
            }
            _ => Self::Unknown,
        }
    }
}

/// Where the shell may be after a statement, split by its exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Flow {
    /// After it succeeded.
    pub ok: CwdSet,
    /// After it failed.
    pub fail: CwdSet,
}

impl Flow {
    /// A statement that does not change directory.
    pub(crate) fn same(cwd: CwdSet) -> Self {
        Self {
            ok: cwd.clone(),
            fail: cwd,
        }
    }

    /// Either outcome.
    pub(crate) fn either(&self) -> CwdSet {
        self.ok.union(&self.fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_and_union() {
        let start = CwdSet::start();
        let a = start.join(&Word::literal("a"));
        assert_eq!(a, CwdSet::Known(vec![vec![Word::literal("a")]]));
        let ab = a.join(&Word::literal("b"));
        assert_eq!(
            ab,
            CwdSet::Known(vec![vec![Word::literal("a"), Word::literal("b")]])
        );
        let abs = ab.join(&Word::literal("/x"));
        assert_eq!(abs, CwdSet::Known(vec![vec![Word::literal("/x")]]));
        assert_eq!(
            start.union(&a),
            CwdSet::Known(vec![vec![], vec![Word::literal("a")]])
        );
        let mut dynamic = Word::literal("$X");
        dynamic.dynamic = true;
        assert_eq!(start.join(&dynamic), CwdSet::Unknown);
        assert_eq!(start.union(&CwdSet::Unknown), CwdSet::Unknown);
    }
}

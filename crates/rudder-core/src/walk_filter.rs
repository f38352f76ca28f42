//! The permission policy's `Read(...)` deny rules as a
//! [`rudder_tools::walk::WalkFilter`], so Grep, Glob and LS walks leave out
//! what the user denied reading (CLAUDE-CODE-INTERFACE.md §3.2: Claude
//! Code applies Read deny rules to their results).
//!
//! The seam keeps the layers apart: `rudder-tools` defines the filter trait
//! and knows nothing of policies; this crate, which depends on both, plugs
//! the policy in. The filter holds a snapshot of the policy taken when the
//! call starts, as the call's permission decision was. Must never decide
//! anything itself: [`rudder_policy::walk_hides`] does.

use std::path::Path;
use std::sync::Arc;

use rudder_policy::Policy;
use rudder_tools::walk::WalkFilter;

/// Hides the entries a `Read(...)` deny rule of its policy covers.
#[derive(Debug)]
struct ReadDenyFilter {
    policy: Policy,
}

impl WalkFilter for ReadDenyFilter {
    fn hides(&self, path: &Path) -> bool {
        rudder_policy::walk_hides(&self.policy, path)
    }
}

/// A walk filter over a copy of `policy`, or `None` when the policy has no
/// `Read(...)` deny rule (walks then cost nothing extra).
pub fn read_deny_filter(policy: &Policy) -> Option<Arc<dyn WalkFilter>> {
    rudder_policy::has_read_deny_rules(policy).then(|| {
        Arc::new(ReadDenyFilter {
            policy: policy.clone(),
        }) as Arc<dyn WalkFilter>
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use rudder_policy::{PolicyBuilder, RuleSource};
    use rudder_protocol::permission::RuleBehavior;
    use rudder_tools::{SessionToolState, ToolContext, ToolLimits, ToolRegistry};
    use serde_json::{Value, json};
    use tokio_util::sync::CancellationToken;

    use super::*;

    /// A project holding `src/main.rs`, `secrets/api.txt` and
    /// `notes/plan.private`, each with a `TOKEN` line.
    fn project() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let project = std::fs::canonicalize(dir.path()).unwrap();
        for file in ["src/main.rs", "secrets/api.txt", "notes/plan.private"] {
            let path = project.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "TOKEN = 1\n").unwrap();
        }
        (dir, project)
    }

    fn context(project: &Path, filter: Option<Arc<dyn WalkFilter>>) -> ToolContext {
        ToolContext {
            project_dir: project.to_owned(),
            spill_dir: project.join(".spill"),
            state: Arc::new(SessionToolState::new(project.to_owned())),
            cancel: CancellationToken::new(),
            tool_use_id: "toolu_walk".to_owned(),
            limits: ToolLimits::default(),
            side_query: None,
            env: Vec::new(),
            sandbox_prefix: None,
            walk_filter: filter,
        }
    }

    /// The text of every walking call: Grep in its three modes, Glob, LS.
    async fn walk_outputs(ctx: &ToolContext) -> Vec<String> {
        let registry = ToolRegistry::builtin();
        let calls: [(&str, Value); 5] = [
            (
                "Grep",
                json!({"pattern": "TOKEN", "output_mode": "content"}),
            ),
            ("Grep", json!({"pattern": "TOKEN"})),
            ("Grep", json!({"pattern": "TOKEN", "output_mode": "count"})),
            ("Glob", json!({"pattern": "**/*"})),
            ("LS", json!({"path": ctx.project_dir})),
        ];
        let mut outputs = Vec::new();
        for (tool, input) in calls {
            let output = registry.execute(tool, input, ctx).await;
            assert!(!output.is_error, "{tool}: {}", output.content.text());
            outputs.push(output.content.text());
        }
        outputs
    }

    #[tokio::test]
    async fn read_deny_rules_keep_files_out_of_grep_glob_and_ls() {
        let (_dir, project) = project();
        let (policy, errors) = PolicyBuilder::new(&project, &project)
            .rules(
                RuleSource::new("settings", &project),
                RuleBehavior::Deny,
                ["Read(./secrets/**)", "Read(**/*.private)"],
            )
            .build();
        assert!(errors.is_empty(), "{errors:?}");
        let filtered = walk_outputs(&context(&project, read_deny_filter(&policy))).await;
        for text in &filtered {
            assert!(text.contains("main.rs"), "{text}");
            assert!(
                !text.contains("api.txt") && !text.contains("secrets"),
                "{text}"
            );
            assert!(!text.contains("plan.private"), "{text}");
        }
        // Without the filter the same walks do show them.
        let unfiltered = walk_outputs(&context(&project, None)).await;
        for text in &unfiltered {
            assert!(
                text.contains("api.txt") && text.contains("plan.private"),
                "{text}"
            );
        }
    }

    #[test]
    fn a_policy_without_read_deny_rules_needs_no_filter() {
        let (_dir, project) = project();
        let (policy, _) = PolicyBuilder::new(&project, &project)
            .rules(
                RuleSource::new("settings", &project),
                RuleBehavior::Deny,
                ["Bash(curl *)", "Edit(./src/**)"],
            )
            .build();
        assert!(read_deny_filter(&policy).is_none());
    }
}

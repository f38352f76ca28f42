//! Shared fixtures for the behaviour tests: a temporary project and home on
//! disk, a policy builder over them, and one-line checks.

// Fixture helpers panic on I/O failure like the tests that call them; each
// test binary uses a different subset of them.
#![allow(dead_code, clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

use rudder_policy::{Decision, Policy, PolicyBuilder, RuleSource, check};
use rudder_protocol::permission::{PermissionMode, RuleBehavior};
use serde_json::{Value, json};

/// A project directory and a home directory in a temporary root.
pub struct Env {
    _tmp: tempfile::TempDir,
    /// The canonical temporary root.
    pub root: PathBuf,
    /// The project (session cwd).
    pub proj: PathBuf,
    /// The home directory.
    pub home: PathBuf,
}

impl Env {
    /// Creates `root/proj` (with `src/main.rs`, `README.md`, `.env`,
    /// `.env.example`) and `root/home` (with `.ssh/id_rsa`, `.bashrc`).
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        let proj = root.join("proj");
        let home = root.join("home");
        fs::create_dir_all(proj.join("src")).unwrap();
        fs::create_dir_all(home.join(".ssh")).unwrap();
        fs::write(proj.join("src/main.rs"), "fn main() {}\n").unwrap();
        fs::write(proj.join("README.md"), "# readme\n").unwrap();
        fs::write(proj.join(".env"), "KEY=secret\n").unwrap();
        fs::write(proj.join(".env.example"), "KEY=\n").unwrap();
        fs::write(home.join(".ssh/id_rsa"), "PRIVATE\n").unwrap();
        fs::write(home.join(".bashrc"), "# rc\n").unwrap();
        Self {
            _tmp: tmp,
            root,
            proj,
            home,
        }
    }

    /// A builder over this project and home.
    pub fn builder(&self) -> PolicyBuilder {
        PolicyBuilder::new(&self.proj, &self.home)
    }

    /// A policy with `mode` and the three rule lists from one source
    /// (`test-settings`, anchored at the project).
    pub fn policy(
        &self,
        mode: PermissionMode,
        allow: &[&str],
        ask: &[&str],
        deny: &[&str],
    ) -> Policy {
        let source = || RuleSource::new("test-settings", &self.proj);
        let (policy, errors) = self
            .builder()
            .mode(mode)
            .rules(source(), RuleBehavior::Allow, allow.iter().copied())
            .rules(source(), RuleBehavior::Ask, ask.iter().copied())
            .rules(source(), RuleBehavior::Deny, deny.iter().copied())
            .build();
        assert!(errors.is_empty(), "{errors:?}");
        policy
    }

    /// A policy in `mode` with no rules.
    pub fn mode(&self, mode: PermissionMode) -> Policy {
        self.policy(mode, &[], &[], &[])
    }

    /// Decides a Bash command run in the project.
    pub fn bash(&self, policy: &Policy, command: &str) -> Decision {
        check(
            policy,
            &self.proj,
            "Bash",
            &json!({ "command": command }),
            false,
        )
    }

    /// Decides a call of `tool` with `input` in the project.
    pub fn tool(&self, policy: &Policy, tool: &str, input: Value) -> Decision {
        let read_only = matches!(tool, "Read" | "Grep" | "Glob" | "LS");
        check(policy, &self.proj, tool, &input, read_only)
    }

    /// Decides a Read of `path`.
    pub fn read(&self, policy: &Policy, path: &Path) -> Decision {
        self.tool(policy, "Read", json!({ "file_path": path }))
    }

    /// Decides a Write of `path`.
    pub fn write(&self, policy: &Policy, path: &Path) -> Decision {
        self.tool(
            policy,
            "Write",
            json!({ "file_path": path, "content": "x" }),
        )
    }
}

/// Short name of a decision's kind.
pub fn kind(decision: &Decision) -> &'static str {
    match decision {
        Decision::Allow { .. } => "allow",
        Decision::Ask { .. } => "ask",
        Decision::Deny { .. } => "deny",
    }
}

/// The decision's reason text.
pub fn reason(decision: &Decision) -> &str {
    match decision {
        Decision::Allow { reason } | Decision::Ask { reason, .. } | Decision::Deny { reason } => {
            reason
        }
    }
}

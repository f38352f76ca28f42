//! The bubblewrap sandbox for Bash calls: detection, and the argv prefix
//! that runs a command with the filesystem read-only except the working
//! directories and a temporary directory, the network off or reachable
//! only through the session's filtering proxy ([`ProxyRoute`]), no process
//! outliving the call (`--unshare-pid --die-with-parent`) and a
//! new session (no terminal injection).
//!
//! Contract: ISSUE 4 §6, RUST-DEPS.md "Sandboxing findings" (bwrap 0.8 works
//! here as root and unprivileged; inside Docker it usually cannot create a
//! user namespace — detection must say so), CVE-2026-25725 (config paths
//! must stay read-only even when absent), USER-PAINS.md §5.3 and §5.4.
//!
//! Owns: finding and probing `bwrap`, computing the mount plan,
//! ([`scope`]) telling which Bash calls run inside it, and ([`domains`])
//! which hosts `sandbox.network.allowedDomains` lets them reach. Runs `bwrap` once to
//! probe; otherwise only looks at the filesystem. Never decides whether a
//! command may run (that is [`crate::decide`]).

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Sandbox settings (compatible in spirit with Claude Code's `sandbox`
/// settings key). The network is not here: it is off unless a call is
/// given a [`ProxyRoute`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SandboxConfig {
    /// Give each command a private, empty `/tmp` (default) instead of the
    /// host's `/tmp`.
    pub private_tmp: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self { private_tmp: true }
    }
}

/// The hidden first argument that runs the `rudder` binary as the
/// network bridge inside a sandbox: `rudder __sandbox-net-bridge <socket>
/// <port> <command…>` listens on `127.0.0.1:<port>` in the sandbox's own
/// network namespace, relays each connection to the proxy's Unix socket,
/// and runs the command.
pub const BRIDGE_ARG: &str = "__sandbox-net-bridge";

/// How a sandboxed command reaches the session's filtering proxy: the
/// proxy's Unix socket (bound into the sandbox), the program that bridges
/// a loopback port to it (the `rudder` binary, run with [`BRIDGE_ARG`])
/// and that port. The network namespace stays private; the proxy decides
/// what is reachable (Claude Code's sandbox runtime does the same with a
/// socket and `socat`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyRoute {
    /// The proxy's Unix socket on the host.
    pub socket: PathBuf,
    /// The `rudder` binary.
    pub bridge: PathBuf,
    /// The loopback port the bridge listens on inside the sandbox.
    pub port: u16,
}

/// Hosts a sandboxed command reaches without the proxy: its own loopback.
const NO_PROXY: &str = "localhost,127.0.0.1,::1";

/// Whether the sandbox can be used here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SandboxStatus {
    /// `bwrap` was found and a probe run succeeded.
    Available {
        /// The `bwrap` binary.
        bwrap: PathBuf,
    },
    /// No sandbox: `reason` says why, for the user, once.
    Unavailable {
        /// What is missing or failed, and what to do.
        reason: String,
    },
}

/// Finds `bwrap` on `PATH` and probes it with a trivial sandboxed `true`.
pub fn detect() -> SandboxStatus {
    let Some(bwrap) = find_on_path("bwrap", std::env::var_os("PATH").as_deref()) else {
        return SandboxStatus::Unavailable {
            reason: "bubblewrap (`bwrap`) is not installed; install the `bubblewrap` package \
                     to run Bash commands in a sandbox"
                .into(),
        };
    };
    match probe(&bwrap) {
        Ok(()) => SandboxStatus::Available { bwrap },
        Err(reason) => SandboxStatus::Unavailable { reason },
    }
}

/// The first executable file named `name` in the directories of `path`.
pub fn find_on_path(name: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .map(|dir| dir.join(name))
        .find(|candidate| {
            use std::os::unix::fs::PermissionsExt;
            fs::metadata(candidate)
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// Runs `bwrap … true` with the options the plan uses.
///
/// Errors: why bwrap could not start, with its message (typically user
/// namespaces being unavailable inside a container).
pub fn probe(bwrap: &Path) -> Result<(), String> {
    let output = Command::new(bwrap)
        .args([
            "--ro-bind",
            "/",
            "/",
            "--dev",
            "/dev",
            "--proc",
            "/proc",
            "--tmpfs",
            "/tmp",
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--",
            "true",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("`{}` could not be started: {e}", bwrap.display()))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(format!(
        "`{}` is installed but cannot create a sandbox here ({}); this is usual inside \
         containers that forbid user namespaces",
        bwrap.display(),
        stderr.trim()
    ))
}

/// Directories rudder and Claude Code load settings and hooks from: kept
/// read-only, and when missing, covered by an empty read-only placeholder
/// (an empty directory appears on the host) so no command can create them.
const PLACEHOLDER_DIRS: &[&str] = &[".claude", ".rudder"];

/// Other paths in a working directory that make tools run code: read-only
/// when present; reported by [`SandboxPlan::created_protected_paths`] if a
/// command created them.
const PROTECTED: &[&str] = &[
    ".git/hooks",
    ".git/config",
    ".vscode",
    ".idea",
    ".husky",
    ".gitmodules",
    ".mcp.json",
    ".envrc",
    ".npmrc",
    ".yarnrc",
    ".yarnrc.yml",
];

/// Credential directories and files under home hidden from sandboxed
/// commands (reads would otherwise be allowed by `--ro-bind / /`).
const HIDDEN_HOME_DIRS: &[&str] = &[
    ".ssh",
    ".aws",
    ".gnupg",
    ".azure",
    ".config/gcloud",
    ".kube",
    ".docker",
];
const HIDDEN_HOME_FILES: &[&str] = &[".netrc", ".git-credentials", ".npmrc", ".pypirc", ".pgpass"];

/// The mounts for one session: computed once (it looks at which protected
/// paths exist), used for every Bash call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxPlan {
    bwrap: PathBuf,
    config: SandboxConfig,
    writable: Vec<PathBuf>,
    read_only: Vec<PathBuf>,
    placeholders: Vec<PathBuf>,
    absent: Vec<PathBuf>,
    hidden_dirs: Vec<PathBuf>,
    hidden_files: Vec<PathBuf>,
}

impl SandboxPlan {
    /// Plans the sandbox for `working_dirs` (canonical) of a user whose
    /// home is `home`, looking at which protected paths exist now.
    pub fn new(
        bwrap: PathBuf,
        working_dirs: &[PathBuf],
        home: &Path,
        config: SandboxConfig,
    ) -> Self {
        let mut plan = Self {
            bwrap,
            config,
            writable: working_dirs.to_vec(),
            read_only: Vec::new(),
            placeholders: Vec::new(),
            absent: Vec::new(),
            hidden_dirs: Vec::new(),
            hidden_files: Vec::new(),
        };
        for dir in working_dirs {
            for name in PLACEHOLDER_DIRS {
                let path = dir.join(name);
                if fs::symlink_metadata(&path).is_ok() {
                    plan.read_only.push(path);
                } else {
                    plan.placeholders.push(path);
                }
            }
            for name in PROTECTED {
                let path = dir.join(name);
                if fs::symlink_metadata(&path).is_ok() {
                    plan.read_only.push(path);
                } else {
                    plan.absent.push(path);
                }
            }
        }
        for name in HIDDEN_HOME_DIRS {
            let path = home.join(name);
            if fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
                plan.hidden_dirs.push(path);
            }
        }
        for name in HIDDEN_HOME_FILES {
            let path = home.join(name);
            if fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                plan.hidden_files.push(path);
            }
        }
        plan
    }

    /// The argv prefix to run a command in the sandbox with `cwd` as its
    /// working directory; the caller appends the command (`bash -c …`).
    /// The command gets a network namespace of its own: with no `proxy`
    /// it has no network at all; with one, the bridge runs first and the
    /// command finds the proxy in `HTTP_PROXY`, `HTTPS_PROXY`,
    /// `http_proxy` and `https_proxy` (`NO_PROXY` keeps its own loopback
    /// direct; `ALL_PROXY` is removed, there is no SOCKS proxy).
    pub fn prefix(&self, cwd: &Path, proxy: Option<&ProxyRoute>) -> Vec<String> {
        let mut argv = vec![self.bwrap.display().to_string()];
        let mut push = |items: &[&str]| argv.extend(items.iter().map(|s| s.to_string()));
        push(&["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]);
        if self.config.private_tmp {
            push(&["--tmpfs", "/tmp"]);
        } else {
            push(&["--bind", "/tmp", "/tmp"]);
        }
        for dir in &self.writable {
            let d = dir.display().to_string();
            push(&["--bind", &d, &d]);
        }
        for dir in &self.hidden_dirs {
            let d = dir.display().to_string();
            push(&["--tmpfs", &d]);
        }
        for file in &self.hidden_files {
            let f = file.display().to_string();
            push(&["--ro-bind", "/dev/null", &f]);
        }
        for path in &self.read_only {
            let p = path.display().to_string();
            push(&["--ro-bind", &p, &p]);
        }
        for path in &self.placeholders {
            let p = path.display().to_string();
            push(&["--tmpfs", &p, "--remount-ro", &p]);
        }
        if let Some(route) = proxy {
            let socket = route.socket.display().to_string();
            let bridge = route.bridge.display().to_string();
            let url = format!("http://127.0.0.1:{}", route.port);
            push(&["--bind", &socket, &socket, "--ro-bind", &bridge, &bridge]);
            for name in ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"] {
                push(&["--setenv", name, &url]);
            }
            push(&[
                "--setenv", "NO_PROXY", NO_PROXY, "--setenv", "no_proxy", NO_PROXY,
            ]);
            push(&["--unsetenv", "ALL_PROXY", "--unsetenv", "all_proxy"]);
        }
        push(&["--unshare-all"]);
        let c = cwd.display().to_string();
        push(&["--die-with-parent", "--new-session", "--chdir", &c, "--"]);
        if let Some(route) = proxy {
            let port = route.port.to_string();
            push(&[
                &route.bridge.display().to_string(),
                BRIDGE_ARG,
                &route.socket.display().to_string(),
                &port,
            ]);
        }
        argv
    }

    /// Protected paths that did not exist when the plan was made and exist
    /// now: a sandboxed command created them (e.g. `git init` writing
    /// `.git/config`). The caller should warn and not load them.
    pub fn created_protected_paths(&self) -> Vec<PathBuf> {
        self.absent
            .iter()
            .filter(|p| fs::symlink_metadata(p).is_ok())
            .cloned()
            .collect()
    }
}

pub mod domains;
pub mod scope;

#[cfg(test)]
mod tests;

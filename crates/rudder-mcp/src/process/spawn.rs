//! Starting one stdio MCP server: its own process group, resource limits,
//! piped stdio, and a bounded tail of its stderr for error messages.
//!
//! Contract: MCP spec "stdio" transport (the client launches the server as a
//! subprocess; JSON-RPC on stdin/stdout; stderr is for logs) and
//! ARCHITECTURE.md "Bounded resources" (own process group, limits).
//!
//! Limits without `unsafe`: setting rlimits in the child would need a
//! `pre_exec` hook, which is `unsafe` and forbidden here. Instead the command
//! is wrapped by a program that sets the limits on itself and then `exec`s
//! the server, so the server keeps the PID, the process group and the pipes:
//! `prlimit --as=B --cpu=S -- <cmd> <args…>` (util-linux, present on every
//! mainstream distribution), or, without prlimit, `/bin/sh -c 'ulimit -v KiB;
//! ulimit -t S; exec "$@"' rudder-mcp-limits <cmd> <args…>`. With neither the
//! server starts without limits and a warning is logged. Limits are
//! inherited by the server's children (e.g. `npx` → `node`). No cgroup is
//! created: that needs a delegated cgroup v2 subtree, which is not reliably
//! available to an unprivileged CLI.
//!
//! Never waits for or signals the process; [`super::kill`] does that.

use std::collections::{BTreeMap, VecDeque};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock};

use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command};

use crate::config::StdioSpec;

/// Per-server resource limits, applied to the server and inherited by its
/// children.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceLimits {
    /// `RLIMIT_AS` in bytes (virtual address space). Default 8 GiB: node
    /// servers run under 2 GiB even through `npx`, but JVM servers reserve
    /// more; `None` disables.
    pub address_space_bytes: Option<u64>,
    /// `RLIMIT_CPU` in seconds of CPU time (the kernel sends SIGXCPU, then
    /// SIGKILL). Default `None`: a long session legitimately accumulates CPU.
    pub cpu_seconds: Option<u64>,
}

impl Default for ResourceLimits {
    fn default() -> Self {
        Self {
            address_space_bytes: Some(8 << 30),
            cpu_seconds: None,
        }
    }
}

/// A started server process.
#[derive(Debug)]
pub(crate) struct Spawned {
    pub child: Child,
    /// PID, also the process group id.
    pub pid: i32,
    pub stdin: ChildStdin,
    pub stdout: ChildStdout,
    pub stderr: StderrTail,
}

/// The last lines a server wrote to stderr (at most 20 lines, 4 KiB).
#[derive(Debug, Clone, Default)]
pub(crate) struct StderrTail(Arc<Mutex<VecDeque<String>>>);

impl StderrTail {
    const MAX_LINES: usize = 20;
    const MAX_LINE_BYTES: usize = 200;

    fn push(&self, line: String) {
        if let Ok(mut lines) = self.0.lock() {
            let mut line = line;
            if line.len() > Self::MAX_LINE_BYTES {
                let mut cut = Self::MAX_LINE_BYTES;
                while !line.is_char_boundary(cut) {
                    cut -= 1;
                }
                line.truncate(cut);
                line.push('…');
            }
            lines.push_back(line);
            while lines.len() > Self::MAX_LINES {
                lines.pop_front();
            }
        }
    }

    /// The kept lines joined with ` | `, or an empty string.
    pub fn text(&self) -> String {
        self.0
            .lock()
            .map(|lines| lines.iter().cloned().collect::<Vec<_>>().join(" | "))
            .unwrap_or_default()
    }

    fn drain(&self, server: String, stderr: ChildStderr) {
        let tail = self.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::debug!(target: "rudder_mcp::stderr", server = %server, "{line}");
                tail.push(line);
            }
        });
    }
}

/// How limits get applied on this machine (looked up once).
#[derive(Debug, Clone)]
enum LimitWrapper {
    Prlimit(PathBuf),
    Shell,
    Unavailable,
}

fn limit_wrapper() -> &'static LimitWrapper {
    static WRAPPER: OnceLock<LimitWrapper> = OnceLock::new();
    WRAPPER.get_or_init(|| match which::which("prlimit") {
        Ok(path) => LimitWrapper::Prlimit(path),
        Err(_) if Path::new("/bin/sh").exists() => LimitWrapper::Shell,
        Err(_) => LimitWrapper::Unavailable,
    })
}

/// The argv that runs `command args` under `limits`.
fn wrapped_argv(command: &str, args: &[String], limits: &ResourceLimits) -> Vec<OsString> {
    let direct = || {
        let mut argv = vec![OsString::from(command)];
        argv.extend(args.iter().map(OsString::from));
        argv
    };
    if limits.address_space_bytes.is_none() && limits.cpu_seconds.is_none() {
        return direct();
    }
    let mut argv: Vec<OsString> = match limit_wrapper() {
        LimitWrapper::Prlimit(path) => {
            let mut argv = vec![path.clone().into_os_string()];
            if let Some(bytes) = limits.address_space_bytes {
                argv.push(format!("--as={bytes}").into());
            }
            if let Some(seconds) = limits.cpu_seconds {
                argv.push(format!("--cpu={seconds}").into());
            }
            argv.push("--".into());
            argv
        }
        LimitWrapper::Shell => {
            let mut script = String::new();
            if let Some(bytes) = limits.address_space_bytes {
                script.push_str(&format!("ulimit -v {} && ", bytes / 1024));
            }
            if let Some(seconds) = limits.cpu_seconds {
                script.push_str(&format!("ulimit -t {seconds} && "));
            }
            script.push_str("exec \"$@\"");
            vec![
                "/bin/sh".into(),
                "-c".into(),
                script.into(),
                "rudder-mcp-limits".into(),
            ]
        }
        LimitWrapper::Unavailable => {
            tracing::warn!(
                "neither prlimit nor /bin/sh found: MCP server `{command}` runs without resource limits"
            );
            return direct();
        }
    };
    argv.push(command.into());
    argv.extend(args.iter().map(OsString::from));
    argv
}

/// Starts `spec` as the leader of a new process group.
///
/// Takes the server spec, the directory to use when it has no `cwd`, extra
/// variables set for every server (e.g. `CLAUDECODE=1`) — the spec's own
/// `env` wins over them — and the limits. Returns the child with its pipes.
/// Errors (as text for the server's status): a missing working directory,
/// a command not found on `PATH`, or the OS refusing to spawn.
pub(crate) fn spawn(
    server: &str,
    spec: &StdioSpec,
    default_cwd: &Path,
    extra_env: &BTreeMap<String, String>,
    limits: &ResourceLimits,
) -> Result<Spawned, String> {
    let cwd = spec.cwd.clone().unwrap_or_else(|| default_cwd.to_owned());
    if !cwd.is_dir() {
        return Err(format!(
            "working directory {} does not exist",
            cwd.display()
        ));
    }
    if !spec.command.contains('/') {
        let path_var = spec
            .env
            .get("PATH")
            .map(OsString::from)
            .or_else(|| extra_env.get("PATH").map(OsString::from))
            .or_else(|| std::env::var_os("PATH"));
        if which::which_in(&spec.command, path_var, &cwd).is_err() {
            return Err(format!("command `{}` not found on PATH", spec.command));
        }
    }
    let argv = wrapped_argv(&spec.command, &spec.args, limits);
    let Some((program, rest)) = argv.split_first() else {
        return Err("empty command".to_owned());
    };
    let mut command = Command::new(program);
    command
        .args(rest)
        .envs(extra_env)
        .envs(&spec.env)
        .current_dir(&cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = command
        .spawn()
        .map_err(|error| format!("cannot start `{}`: {error}", spec.command))?;
    let pid = child
        .id()
        .and_then(|pid| i32::try_from(pid).ok())
        .ok_or_else(|| "the server exited before it could be tracked".to_owned())?;
    let (Some(stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err("the server's pipes could not be opened".to_owned());
    };
    let tail = StderrTail::default();
    tail.drain(server.to_owned(), stderr);
    Ok(Spawned {
        child,
        pid,
        stdin,
        stdout,
        stderr: tail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_limits_means_no_wrapper() {
        let limits = ResourceLimits {
            address_space_bytes: None,
            cpu_seconds: None,
        };
        assert_eq!(
            wrapped_argv("node", &["a".into()], &limits),
            vec![OsString::from("node"), OsString::from("a")]
        );
    }

    #[test]
    fn limits_wrap_and_keep_the_argv_at_the_end() {
        let limits = ResourceLimits {
            address_space_bytes: Some(1 << 30),
            cpu_seconds: Some(60),
        };
        let argv = wrapped_argv("node", &["a b".into()], &limits);
        assert_eq!(
            argv[argv.len() - 2..],
            [OsString::from("node"), OsString::from("a b")]
        );
        assert!(argv.len() > 2);
    }

    #[tokio::test]
    async fn limits_reach_the_server() {
        let limits = ResourceLimits {
            address_space_bytes: Some(3 << 30),
            cpu_seconds: Some(77),
        };
        let spec = StdioSpec {
            command: "sh".into(),
            args: vec!["-c".into(), "cat /proc/self/limits >&2".into()],
            env: BTreeMap::new(),
            cwd: None,
        };
        let mut spawned = spawn("t", &spec, Path::new("/"), &BTreeMap::new(), &limits).unwrap();
        spawned.child.wait().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let text = spawned.stderr.text();
        assert!(text.contains("77"), "{text}");
        assert!(text.contains(&(3u64 << 30).to_string()), "{text}");
    }

    #[test]
    fn missing_commands_and_dirs_are_clear_errors() {
        let mut spec = StdioSpec {
            command: "definitely-not-a-command-xyz".into(),
            args: vec![],
            env: BTreeMap::new(),
            cwd: None,
        };
        let limits = ResourceLimits::default();
        let error = spawn("t", &spec, Path::new("/"), &BTreeMap::new(), &limits).unwrap_err();
        assert!(error.contains("not found on PATH"), "{error}");
        spec.cwd = Some("/no/such/dir".into());
        let error = spawn("t", &spec, Path::new("/"), &BTreeMap::new(), &limits).unwrap_err();
        assert!(error.contains("does not exist"), "{error}");
    }
}

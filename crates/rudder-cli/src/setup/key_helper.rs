//! `apiKeyHelper`: a shell command that prints the API key
//! (CLAUDE-CODE-INTERFACE.md §4.2, §4.3).
//!
//! The command runs with `/bin/sh -c` in the working directory, with the
//! settings `env` on top of the process environment, in its own process
//! group, for at most [`HELPER_TIMEOUT`]; its trimmed stdout is the key.
//! The model client ([`rudder_model::refresh::RefreshingClient`]) asks for
//! a new key after `CLAUDE_CODE_API_KEY_HELPER_TTL_MS` (default 5 minutes)
//! or when the server answers 401.
//!
//! Trust: the command comes from the merged settings, where a project's
//! `apiKeyHelper` is present only once the folder is trusted (the loader
//! withholds it before), so an untrusted repository can never run it. The
//! key is never logged or shown; errors quote the command's stderr only.

use std::path::PathBuf;
use std::time::Duration;

use futures::future::BoxFuture;
use rudder_model::refresh::KeySource;
use rudder_tools::command::run_shell_command;

/// Longest a helper may take before it is stopped.
pub const HELPER_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a key is kept when `CLAUDE_CODE_API_KEY_HELPER_TTL_MS` is unset.
pub const DEFAULT_TTL: Duration = Duration::from_secs(5 * 60);

/// Most bytes of the helper's output read (a key is far shorter).
const MAX_OUTPUT: usize = 64 * 1024;

/// Most characters of stderr quoted in an error.
const MAX_QUOTED: usize = 500;

/// The `apiKeyHelper` command of the settings.
#[derive(Debug, Clone)]
pub struct HelperCommand {
    /// The shell command.
    pub command: String,
    /// Where it runs (the session's working directory).
    pub cwd: PathBuf,
    /// Variables set on top of the process environment (settings `env`).
    pub env: Vec<(String, String)>,
}

impl KeySource for HelperCommand {
    /// Runs the command; its trimmed stdout is the key.
    ///
    /// Errors: the command cannot start, times out, exits non-zero (its
    /// stderr quoted) or prints nothing.
    fn fetch(&self) -> BoxFuture<'_, Result<String, String>> {
        Box::pin(async move {
            let output = run_shell_command(
                &self.command,
                &self.cwd,
                &self.env,
                HELPER_TIMEOUT,
                MAX_OUTPUT,
            )
            .await
            .map_err(|error| format!("`{}` {error}", self.command))?;
            if !output.status.success() {
                let stderr: String = output.stderr.trim().chars().take(MAX_QUOTED).collect();
                return Err(format!(
                    "`{}` exited with {}{}",
                    self.command,
                    output.status,
                    if stderr.is_empty() {
                        String::new()
                    } else {
                        format!(": {stderr}")
                    }
                ));
            }
            let key = output.stdout.trim();
            if key.is_empty() {
                return Err(format!("`{}` printed no key on stdout", self.command));
            }
            Ok(key.to_owned())
        })
    }

    fn name(&self) -> &str {
        "apiKeyHelper"
    }
}

/// The key's time to live: `CLAUDE_CODE_API_KEY_HELPER_TTL_MS` (whole
/// milliseconds) through `lookup`, else [`DEFAULT_TTL`].
pub fn helper_ttl(lookup: &dyn Fn(&str) -> Option<String>) -> Duration {
    lookup("CLAUDE_CODE_API_KEY_HELPER_TTL_MS")
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map_or(DEFAULT_TTL, Duration::from_millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper(command: &str) -> HelperCommand {
        HelperCommand {
            command: command.to_owned(),
            cwd: std::env::temp_dir(),
            env: vec![("SECRET_SUFFIX".to_owned(), "42".to_owned())],
        }
    }

    #[tokio::test]
    async fn the_trimmed_stdout_is_the_key() {
        let key = helper("printf '  sk-from-helper-%s\\n\\n' \"$SECRET_SUFFIX\"")
            .fetch()
            .await
            .unwrap();
        assert_eq!(key, "sk-from-helper-42");
    }

    #[tokio::test]
    async fn failures_say_why_without_a_key() {
        let error = helper("echo vault sealed >&2; exit 2")
            .fetch()
            .await
            .unwrap_err();
        assert!(
            error.contains("vault sealed") && error.contains("exit"),
            "{error}"
        );
        let error = helper("true").fetch().await.unwrap_err();
        assert!(error.contains("printed no key"), "{error}");
    }

    #[test]
    fn the_ttl_comes_from_the_environment() {
        assert_eq!(helper_ttl(&|_| None), DEFAULT_TTL);
        let ttl = helper_ttl(&|name: &str| {
            (name == "CLAUDE_CODE_API_KEY_HELPER_TTL_MS").then(|| "1500".to_owned())
        });
        assert_eq!(ttl, Duration::from_millis(1500));
    }
}

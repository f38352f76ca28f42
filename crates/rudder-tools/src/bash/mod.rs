//! The Bash tool: one shell command per call, in its own session and
//! process group, non-interactive, bounded in time and memory.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (Bash: `command`, `timeout` ms
//! default 120 000 max 600 000, `description`, `run_in_background`,
//! `dangerouslyDisableSandbox`; output over 30 000 characters cut; the
//! working directory persists between calls, the environment does not;
//! result object `{stdout, stderr, interrupted, isImage}`) and §4.3
//! (`CLAUDECODE=1` in children), USER-PAINS.md §6.3 (stdin /dev/null, no
//! controlling terminal, non-interactive environment; timeout or interrupt
//! ends the whole group within 2 s) and §4.3 (nothing of a call outlives
//! it).
//!
//! Decisions: the shell is `bash` (`sh` when bash is missing), run as
//! `bash -c` with an EXIT trap that writes `pwd -P` to a private file in
//! [`cwd_record_dir`]; that file, never stdout, tells the next call where
//! to start. When a sandbox prefix is given the shell runs under it (the
//! sandbox must leave [`cwd_record_dir`] writable for the directory to
//! carry over; otherwise the previous directory is kept).
//! Processes a finished command left running are ended with it; servers
//! belong in `run_in_background`, where `timeout` does not apply (a
//! background shell runs until it ends, is stopped, or the session ends;
//! see `shells.rs`). `timeout: 0` means the default; larger than the
//! maximum means the maximum. Worst case after a timeout or interrupt:
//! 0.5 s SIGTERM grace, 0.8 s after SIGKILL, 0.3 s to drain the pipes. `dangerouslyDisableSandbox` is read
//! by the policy (which builds `sandbox_prefix`), not here. Not read-only.

pub(crate) mod background;
pub(crate) mod output;
pub mod process;

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::OnceLock;
use std::time::Duration;

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use self::background::{DRAIN_WAIT, TERM_GRACE, exit_code};
use self::output::{Capture, Captured, StreamName};
use self::process::{Group, Spawn};
use crate::file_tool::{optional_count, parse_input, tool_error};
use crate::spill::file_stem;
use crate::tool::{Tool, ToolContext, ToolOutput};

/// Variables that keep commands from waiting for a person (pagers,
/// editors, credential prompts, package-manager questions). They win over
/// inherited and configured values.
pub const NON_INTERACTIVE_ENV: [(&str, &str); 11] = [
    ("PAGER", "cat"),
    ("GIT_PAGER", "cat"),
    ("MANPAGER", "cat"),
    ("GIT_EDITOR", "true"),
    ("GIT_SEQUENCE_EDITOR", "true"),
    ("EDITOR", "true"),
    ("VISUAL", "true"),
    ("GIT_TERMINAL_PROMPT", "0"),
    ("GCM_INTERACTIVE", "never"),
    ("DEBIAN_FRONTEND", "noninteractive"),
    ("CLAUDECODE", "1"),
];

const DESCRIPTION: &str = "\
Runs a shell command with bash and returns its output.

- Every call starts a fresh, non-interactive shell: stdin is empty, there is no terminal, and pagers, editors and git prompts are switched off (PAGER=cat, GIT_EDITOR=true, GIT_TERMINAL_PROMPT=0, …). A command that waits for input fails or runs into its timeout instead of hanging.
- The working directory carries over between calls: after `cd sub`, the next command starts in sub. Environment variables, aliases and shell options do not carry over. Quote paths that contain spaces.
- timeout is in milliseconds: 120000 (2 minutes) by default, at most 600000 (10 minutes). When it runs out, the command and every process it started are stopped.
- Processes that a command leaves running when it finishes are stopped as well. For servers, watchers and other long-running commands set run_in_background to true: the call returns an id at once, BashOutput reads the output produced since the last read, and KillShell stops the command.
- Output (stdout, then stderr) longer than 30000 characters is cut in the middle; the full output is saved to a file whose path is given.
- A non-zero exit code makes the result an error; the output is still shown.
- Prefer the dedicated tools to shell equivalents: Read rather than cat, head or tail; Grep rather than grep or rg; Glob rather than find; Edit and Write rather than sed, awk or echo redirection.
- Chain dependent commands with &&. Independent commands can run as separate Bash calls in the same message.
- description: what the command does in 5–10 words, shown to the user (e.g. \"Run the unit tests\").";

/// Input of the Bash tool.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BashInput {
    command: String,
    #[serde(default, deserialize_with = "optional_count")]
    timeout: Option<u64>,
    /// Shown to the user by the front end; not needed to run.
    #[serde(default, rename = "description")]
    _description: Option<String>,
    #[serde(default)]
    run_in_background: Option<bool>,
    /// Read by the policy when it builds `sandbox_prefix`.
    #[serde(default, rename = "dangerouslyDisableSandbox")]
    _dangerously_disable_sandbox: Option<bool>,
}

/// The `Bash` tool.
#[derive(Debug, Default, Clone, Copy)]
pub struct BashTool;

impl Tool for BashTool {
    fn name(&self) -> &str {
        "Bash"
    }

    fn description(&self) -> &str {
        DESCRIPTION
    }

    fn input_schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "command": {
                    "type": "string",
                    "description": "The command to run"
                },
                "timeout": {
                    "type": "number",
                    "description": "Time limit in milliseconds (at most 600000)"
                },
                "description": {
                    "type": "string",
                    "description": "What the command does in 5-10 words, in the active voice, e.g. \"List files in the current directory\""
                },
                "run_in_background": {
                    "type": "boolean",
                    "description": "Run the command in the background and return at once; read its output later with BashOutput"
                },
                "dangerouslyDisableSandbox": {
                    "type": "boolean",
                    "description": "Ask to run this command outside the sandbox (the user's settings decide whether that is allowed)"
                }
            },
            "required": ["command"],
            "additionalProperties": false,
            "$schema": "http://json-schema.org/draft-07/schema#"
        })
    }

    fn is_read_only(&self) -> bool {
        false
    }

    fn execute<'a>(&'a self, input: Value, ctx: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            match parse_input::<BashInput>("Bash", input) {
                Ok(input) => run(input, ctx).await,
                Err(output) => output,
            }
        })
    }
}

/// How a foreground command ended.
enum Ending {
    Exited(ExitStatus),
    WaitFailed(std::io::Error),
    TimedOut,
    Interrupted,
}

async fn run(input: BashInput, ctx: &ToolContext) -> ToolOutput {
    if input.command.trim().is_empty() {
        return tool_error("command is empty; give the shell command to run.");
    }
    let (cwd, cwd_note) = start_dir(ctx);
    let env = child_env(ctx);
    if input.run_in_background == Some(true) {
        let spawn = Spawn {
            argv: shell_argv(ctx, input.command.clone()),
            cwd,
            env,
        };
        return start_background(&input.command, &spawn, ctx);
    }
    let cwd_file = match cwd_record_file(&ctx.spill_dir) {
        Ok(file) => file,
        Err(err) => {
            return tool_error(format!(
                "Could not create the temporary file that records the working directory: {err}. Check that the temp directory is writable."
            ));
        }
    };
    let spawn = Spawn {
        argv: shell_argv(ctx, with_cwd_trap(&input.command, cwd_file.path())),
        cwd: cwd.clone(),
        env,
    };
    let timeout_ms = timeout_ms(input.timeout, ctx);
    let finished = match run_foreground(&spawn, ctx, timeout_ms).await {
        Ok(finished) => finished,
        Err(err) => {
            return tool_error(format!(
                "Could not start the shell in {}: {err}",
                cwd.display()
            ));
        }
    };
    update_dir(ctx, cwd_file.path());
    report(finished, ctx, timeout_ms, cwd_note)
}

/// The directory this call starts in, and a note when the remembered one
/// was gone and the project directory is used instead.
fn start_dir(ctx: &ToolContext) -> (PathBuf, Option<String>) {
    let mut cwd = ctx
        .state
        .bash_cwd
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if cwd.is_dir() {
        return (cwd.clone(), None);
    }
    let note = format!(
        "(The working directory {} no longer exists; this command ran in the project directory {}.)",
        cwd.display(),
        ctx.project_dir.display()
    );
    *cwd = ctx.project_dir.clone();
    (cwd.clone(), Some(note))
}

/// The directory holding the files in which shells record their final
/// working directory: `<spill_dir>/cwd` (mode 0700). A sandbox prefix must
/// leave it writable for `cd` to carry over between sandboxed calls.
pub fn cwd_record_dir(spill_dir: &Path) -> PathBuf {
    spill_dir.join("cwd")
}

/// A new private file in [`cwd_record_dir`], or in the system temp
/// directory when that cannot be created; deleted when dropped.
fn cwd_record_file(spill_dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = cwd_record_dir(spill_dir);
    let created = std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir);
    let builder = {
        let mut builder = tempfile::Builder::new();
        builder.prefix("cwd-");
        builder
    };
    match created.and_then(|()| builder.tempfile_in(&dir)) {
        Ok(file) => Ok(file),
        Err(_) => builder.tempfile(),
    }
}

/// Records the directory the shell ended in, if it wrote one that exists.
fn update_dir(ctx: &ToolContext, cwd_file: &Path) {
    let Ok(recorded) = std::fs::read_to_string(cwd_file) else {
        return;
    };
    let recorded = PathBuf::from(recorded.trim_end_matches('\n'));
    if recorded.is_absolute() && recorded.is_dir() {
        *ctx.state
            .bash_cwd
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = recorded;
    }
}

/// The environment added for the shell: the session's, then the
/// non-interactive overrides.
fn child_env(ctx: &ToolContext) -> Vec<(String, String)> {
    let mut env = ctx.env.clone();
    env.extend(
        NON_INTERACTIVE_ENV
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned())),
    );
    env
}

/// The shell program: `bash` from PATH, else `sh`, else `/bin/sh`.
fn shell_program() -> &'static str {
    static SHELL: OnceLock<String> = OnceLock::new();
    SHELL.get_or_init(|| {
        which::which("bash")
            .or_else(|_| which::which("sh"))
            .map(|path| path.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "/bin/sh".to_owned())
    })
}

/// `[sandbox prefix…] shell -c script`.
fn shell_argv(ctx: &ToolContext, script: String) -> Vec<String> {
    let mut argv = ctx.sandbox_prefix.clone().unwrap_or_default();
    argv.extend([shell_program().to_owned(), "-c".to_owned(), script]);
    argv
}

/// `command` preceded by an EXIT trap that writes `pwd -P` to `cwd_file`.
fn with_cwd_trap(command: &str, cwd_file: &Path) -> String {
    let record = format!(
        "pwd -P >| {} 2>/dev/null",
        sh_quote(&cwd_file.to_string_lossy())
    );
    format!("trap {} EXIT\n{command}\n", sh_quote(&record))
}

/// Quotes `text` for a POSIX shell.
fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The timeout of this call in ms: the default for none or 0, the
/// configured maximum at most.
fn timeout_ms(asked: Option<u64>, ctx: &ToolContext) -> u64 {
    match asked {
        None | Some(0) => ctx.limits.bash_default_timeout_ms,
        Some(ms) => ms.min(ctx.limits.bash_max_timeout_ms),
    }
}

/// What a foreground run produced.
struct Finished {
    ending: Ending,
    stdout: Captured,
    stderr: Captured,
}

async fn run_foreground(
    spawn: &Spawn,
    ctx: &ToolContext,
    timeout_ms: u64,
) -> std::io::Result<Finished> {
    let (mut group, stdout, stderr) = Group::start(spawn)?;
    let stem = file_stem(&ctx.tool_use_id);
    let stop_reading = CancellationToken::new();
    let readers_done = CancellationToken::new();
    let readers = async {
        let pair = tokio::join!(
            Capture::new(StreamName::Stdout, &ctx.spill_dir, &stem).read_all(stdout, &stop_reading),
            Capture::new(StreamName::Stderr, &ctx.spill_dir, &stem).read_all(stderr, &stop_reading),
        );
        readers_done.cancel();
        pair
    };
    let control = async {
        let ending = tokio::select! {
            status = group.wait_leader() => match status {
                Ok(status) => Ending::Exited(status),
                Err(err) => Ending::WaitFailed(err),
            },
            () = tokio::time::sleep(Duration::from_millis(timeout_ms)) => Ending::TimedOut,
            () = ctx.cancel.cancelled() => Ending::Interrupted,
        };
        group.terminate(TERM_GRACE).await;
        tokio::select! {
            () = tokio::time::sleep(DRAIN_WAIT) => stop_reading.cancel(),
            () = readers_done.cancelled() => {}
        }
        ending
    };
    let ((stdout, stderr), ending) = tokio::join!(readers, control);
    Ok(Finished {
        ending,
        stdout: stdout.finish(),
        stderr: stderr.finish(),
    })
}

/// The result for the model and the structured result.
fn report(
    finished: Finished,
    ctx: &ToolContext,
    timeout_ms: u64,
    cwd_note: Option<String>,
) -> ToolOutput {
    let Finished {
        ending,
        mut stdout,
        mut stderr,
    } = finished;
    let max = ctx.limits.bash_max_output_chars;
    let combined = output::combine(&stdout.text, &stderr.text);
    let mut notes = Vec::new();
    let body = if combined.chars().count() > max {
        let stem = file_stem(&ctx.tool_use_id);
        for capture in [&mut stdout, &mut stderr] {
            if let Err(err) = capture.ensure_file(&ctx.spill_dir, &stem) {
                capture.file_error = Some(err.to_string());
            }
            notes.extend(capture.file_note());
        }
        output::cut(&combined, max, &notes)
    } else {
        combined
    };
    let mut lines: Vec<String> = Vec::new();
    let (is_error, interrupted) = match &ending {
        Ending::Exited(status) => {
            let code = exit_code(*status);
            if code != 0 {
                lines.push(format!("Exit code {code}"));
            }
            (code != 0, false)
        }
        Ending::WaitFailed(_) | Ending::TimedOut | Ending::Interrupted => (true, true),
    };
    lines.extend(cwd_note);
    if !body.is_empty() {
        lines.push(body);
    }
    match ending {
        Ending::Exited(_) => {}
        Ending::WaitFailed(err) => lines.push(format!(
            "Waiting for the command failed ({err}); it was stopped with every process it started."
        )),
        Ending::TimedOut => lines.push(format!(
            "Command timed out after {} and was stopped, with every process it started.",
            format_ms(timeout_ms)
        )),
        Ending::Interrupted => lines.push(
            "Command interrupted by the user; it was stopped, with every process it started."
                .to_owned(),
        ),
    }
    let text = if lines.is_empty() {
        "(No output)".to_owned()
    } else {
        lines.join("\n")
    };
    let structured = json!({
        "stdout": output::cut(&stdout.text, max, &notes),
        "stderr": output::cut(&stderr.text, max, &notes),
        "interrupted": interrupted,
        "isImage": false,
    });
    let output = if is_error {
        ToolOutput::error(text)
    } else {
        ToolOutput::text(text)
    };
    output.with_structured(structured)
}

/// `120000` → `120 s`, `2500` → `2.5 s`, `800` → `800 ms`.
fn format_ms(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

fn start_background(command: &str, spawn: &Spawn, ctx: &ToolContext) -> ToolOutput {
    match ctx
        .state
        .shells
        .start(command, spawn, &ctx.spill_dir, &ctx.tool_use_id)
    {
        Ok(started) => ToolOutput::text(format!(
            "Command running in the background with id {id}. Its output (stdout and stderr as they arrive) goes to {path}. Use BashOutput with bash_id \"{id}\" to read the output produced since the last read, and KillShell with shell_id \"{id}\" to stop it.",
            id = started.id,
            path = started.output_path.display()
        ))
        .with_structured(json!({
            "stdout": "",
            "stderr": "",
            "interrupted": false,
            "isImage": false,
            "backgroundTaskId": started.id,
        })),
        Err(err) => tool_error(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trap_records_the_final_directory_even_in_an_awkward_path() {
        let dir = tempfile::tempdir().unwrap();
        let record = dir.path().join("it's a file");
        let script = with_cwd_trap("cd / && exit 3", &record);
        let status = std::process::Command::new(shell_program())
            .args(["-c", &script])
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(3));
        assert_eq!(std::fs::read_to_string(&record).unwrap(), "/\n");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_ms(120_000), "120 s");
        assert_eq!(format_ms(2_500), "2.5 s");
        assert_eq!(format_ms(800), "800 ms");
    }
}

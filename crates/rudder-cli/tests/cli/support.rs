//! Shared helpers of the end-to-end tests: a throwaway git repository, the
//! real `rudder` binary pointed at the testkit server with a private home,
//! and readers for its stream-json output and transcript.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rudder_protocol::MessagesRequest;
use rudder_protocol::cache::{CacheOrder, cache_order};
use rudder_testkit::{MockServer, RecordedRequest};
use serde_json::Value;
use tempfile::TempDir;

/// A scratch repository plus a private `RUDDER_HOME` and `HOME`.
pub struct Workspace {
    /// Holds the directories alive.
    _root: TempDir,
    /// The repository (the run's working directory), canonical.
    pub repo: PathBuf,
    /// `RUDDER_HOME`.
    pub home: PathBuf,
}

impl Workspace {
    /// A git repository holding `files` (path relative to the repo, content).
    pub fn git(files: &[(&str, &str)]) -> Self {
        let root = tempfile::tempdir().expect("temp dir");
        let repo = root.path().join("repo");
        let home = root.path().join("home");
        std::fs::create_dir_all(&repo).expect("repo dir");
        std::fs::create_dir_all(&home).expect("home dir");
        let repo = repo.canonicalize().expect("canonical repo");
        for (path, content) in files {
            let path = repo.join(path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("parent dir");
            }
            std::fs::write(path, content).expect("write fixture");
        }
        for args in [
            &["init", "-q", "-b", "main"][..],
            &["add", "-A"],
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "commit",
                "-qm",
                "init",
            ],
        ] {
            let status = Command::new("git")
                .args(args)
                .current_dir(&repo)
                .status()
                .expect("git runs");
            assert!(status.success(), "git {args:?} failed");
        }
        Self {
            _root: root,
            repo,
            home,
        }
    }

    /// `rudder` run in the repo against `server`, with a clean environment:
    /// no real key, no real home, no inherited Anthropic variables.
    pub fn rudder(&self, server: &MockServer) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rudder"));
        command
            .current_dir(&self.repo)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("RUDDER_HOME", self.home.join(".rudder"))
            .env("ANTHROPIC_BASE_URL", server.base_url())
            .env("ANTHROPIC_API_KEY", "test-key")
            .env("ANTHROPIC_MODEL", "claude-sonnet-4-5");
        command
    }

    /// Runs `rudder -p <prompt> --output-format stream-json --verbose`
    /// here against `server` and waits for it.
    pub fn run_stream_json(&self, server: &MockServer, prompt: &str) -> Output {
        self.rudder(server)
            .args(["-p", prompt, "--output-format", "stream-json", "--verbose"])
            .output()
            .expect("rudder runs")
    }

    /// `rudder` as [`Workspace::rudder`], speaking `provider`'s wire format
    /// to `server`: for OpenAI, `--provider openai --model`
    /// [`OPENAI_MODEL`] with `OPENAI_BASE_URL` and `OPENAI_API_KEY`, and no
    /// Anthropic variables.
    pub fn rudder_with(&self, server: &MockServer, provider: Provider) -> Command {
        let mut command = self.rudder(server);
        if provider == Provider::OpenAi {
            command
                .env_remove("ANTHROPIC_BASE_URL")
                .env_remove("ANTHROPIC_API_KEY")
                .env_remove("ANTHROPIC_MODEL")
                .env("OPENAI_BASE_URL", server.base_url())
                .env("OPENAI_API_KEY", "test-key")
                .args(["--provider", "openai", "--model", OPENAI_MODEL]);
        }
        command
    }

    /// A path inside the repo, as a string for scripted tool inputs.
    pub fn path(&self, relative: &str) -> String {
        self.repo.join(relative).display().to_string()
    }

    /// The transcript files written under `RUDDER_HOME`.
    pub fn transcripts(&self) -> Vec<PathBuf> {
        let projects = self.home.join(".rudder").join("projects");
        let mut found = Vec::new();
        for project in std::fs::read_dir(&projects).into_iter().flatten().flatten() {
            for file in std::fs::read_dir(project.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                if file.path().extension().is_some_and(|ext| ext == "jsonl") {
                    found.push(file.path());
                }
            }
        }
        found
    }
}

/// The wire format a scenario runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// Anthropic Messages (`POST /v1/messages`).
    Anthropic,
    /// OpenAI Chat Completions (`POST /v1/chat/completions`).
    OpenAi,
}

/// The model id OpenAI-format runs use.
pub const OPENAI_MODEL: &str = "gpt-test-1";

/// The bodies of the model requests the server received in `provider`'s
/// format, in order.
pub fn model_bodies(server: &MockServer, provider: Provider) -> Vec<Value> {
    let path = match provider {
        Provider::Anthropic => "/v1/messages",
        Provider::OpenAi => "/v1/chat/completions",
    };
    server
        .requests()
        .iter()
        .filter(|request| request.path.starts_with(path))
        .filter_map(|request| request.json.clone())
        .collect()
}

/// The cache-exact invariant for either format: Anthropic requests extend
/// each other's bytes up to the last breakpoint
/// ([`assert_prefixes_extend`]); OpenAI requests (automatic prefix caching,
/// no breakpoints) keep the same model and tools and each one's messages
/// start with all of the previous one's, unchanged.
pub fn assert_requests_extend(server: &MockServer, provider: Provider) {
    if provider == Provider::Anthropic {
        assert_prefixes_extend(&model_requests(server));
        return;
    }
    let bodies = model_bodies(server, provider);
    for (index, pair) in bodies.windows(2).enumerate() {
        let (earlier, later) = (&pair[0], &pair[1]);
        assert_eq!(earlier["model"], later["model"], "request {index}");
        assert_eq!(earlier["tools"], later["tools"], "request {index}");
        let before = earlier["messages"].as_array().expect("messages");
        let after = later["messages"].as_array().expect("messages");
        assert!(
            after.len() > before.len() && after[..before.len()] == before[..],
            "request {} does not extend request {index}'s messages",
            index + 1
        );
    }
}

/// The stdout lines of a stream-json run, parsed.
pub fn records(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}"))
        })
        .collect()
}

/// The `result` record (the last line).
pub fn result_of(output: &Output) -> Value {
    let records = records(output);
    let last = records.last().cloned().unwrap_or(Value::Null);
    assert_eq!(
        last["type"],
        "result",
        "last record is not a result: {last}\nstderr: {}",
        stderr(output)
    );
    last
}

/// Every `tool_result` block of a stream-json run, in order, as
/// `(is_error, content as JSON text)`.
pub fn tool_outcomes(output: &Output) -> Vec<(bool, String)> {
    records(output)
        .into_iter()
        .filter(|record| record["type"] == "user")
        .flat_map(|record| {
            record["message"]["content"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|block| (block["is_error"] == true, block["content"].to_string()))
        .collect()
}

/// stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The JSON lines of a transcript file.
pub fn transcript_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("transcript readable")
        .lines()
        .map(|line| serde_json::from_str(line).expect("transcript line is JSON"))
        .collect()
}

/// The model requests the server received, parsed, in order.
pub fn model_requests(server: &MockServer) -> Vec<MessagesRequest> {
    server
        .requests()
        .iter()
        .filter(|request| request.path.starts_with("/v1/messages"))
        .map(parse_request)
        .collect()
}

fn parse_request(request: &RecordedRequest) -> MessagesRequest {
    serde_json::from_slice(&request.body).expect("request body is a Messages request")
}

/// Asserts the cache-exact invariant over consecutive requests: request
/// N+1 begins with request N's bytes (in cache order) up to N's last
/// breakpoint.
pub fn assert_prefixes_extend(requests: &[MessagesRequest]) {
    let orders: Vec<CacheOrder> = requests.iter().map(cache_order).collect();
    for (index, pair) in orders.windows(2).enumerate() {
        let (earlier, later) = (&pair[0], &pair[1]);
        let end = earlier.last_breakpoint();
        assert!(end > 0, "request {index} has no breakpoint");
        let common = earlier.common_prefix_len(later);
        assert!(
            common >= end,
            "request {} breaks request {index}'s cached prefix at byte {common} ({:?}) before its breakpoint at {end}",
            index + 1,
            later.location_of(common)
        );
    }
}

/// Copies the `.claude/` (and `.rudder/`) definition folders of
/// rudder-config's realistic fixture — commands, agents, skills, output
/// styles, no settings — into the workspace's repo and home.
pub fn install_realistic_definitions(workspace: &Workspace) {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../rudder-config/tests/fixtures/realistic");
    for (from, to) in [
        ("project/.claude", workspace.repo.join(".claude")),
        ("project/.rudder", workspace.repo.join(".rudder")),
        ("home/.claude", workspace.home.join(".claude")),
    ] {
        for folder in ["commands", "agents", "skills", "output-styles"] {
            copy_tree(&fixture.join(from).join(folder), &to.join(folder));
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    let Ok(entries) = std::fs::read_dir(from) else {
        return;
    };
    std::fs::create_dir_all(to).expect("create fixture folder");
    for entry in entries.flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy fixture file");
        }
    }
}

/// Writes `content` to `relative` in the repo and commits it with `message`.
pub fn commit_file(workspace: &Workspace, relative: &str, content: &str, message: &str) {
    std::fs::write(workspace.repo.join(relative), content).expect("write file");
    for args in [
        &["add", relative][..],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            message,
        ],
    ] {
        let status = Command::new("git")
            .args(args)
            .current_dir(&workspace.repo)
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?} failed");
    }
}

/// Runs `command` with `lines` (JSON values) written to its stdin, one per
/// line, then stdin closed.
pub fn run_with_stdin(command: &mut Command, lines: &[Value]) -> Output {
    use std::io::Write;
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("rudder starts");
    {
        let mut stdin = child.stdin.take().expect("stdin is piped");
        for line in lines {
            writeln!(stdin, "{line}").expect("write a stdin line");
        }
    }
    child.wait_with_output().expect("rudder ends")
}

/// A stream-json user message line.
pub fn user_line(text: &str) -> Value {
    serde_json::json!({
        "type": "user",
        "message": {"role": "user", "content": text},
        "parent_tool_use_id": null,
        "session_id": "default"
    })
}

/// The text of every block of the last user message of `request`.
pub fn last_user_text(request: &MessagesRequest) -> String {
    request
        .messages
        .iter()
        .rev()
        .find(|message| message.role == rudder_protocol::Role::User)
        .map(|message| {
            message
                .content
                .iter()
                .map(|block| match block {
                    rudder_protocol::ContentBlock::ToolResult { content, .. } => content.text(),
                    other => other.as_text().unwrap_or_default().to_owned(),
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

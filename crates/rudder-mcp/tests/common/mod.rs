//! Shared helpers for the integration tests: finding the npm MCP servers,
//! the skip-or-fail rule, building managers, and scanning `/proc` for the
//! process groups a manager started.
//!
//! The real servers come from
//! `npm install -g @modelcontextprotocol/server-everything @modelcontextprotocol/server-filesystem`.
//! When they are missing a test prints a skip notice and passes, unless
//! `RUDDER_REQUIRE_MCP_SERVERS=1` (CI), when it fails.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rudder_mcp::config::{Approval, ConfiguredServer, Scope, ServerEntry, ServerSpec, StdioSpec};
use rudder_mcp::process::procfs::group_members;
use rudder_mcp::{McpManager, McpOptions, ServerPhase, ServerStatus};

/// The global npm package directory holding `@modelcontextprotocol/<name>`,
/// with its `dist/index.js`; `None` when not installed (or `npm` missing).
pub fn npm_server(name: &str) -> Option<PathBuf> {
    let output = std::process::Command::new("npm")
        .args(["root", "-g"])
        .output()
        .ok()?;
    let root = String::from_utf8(output.stdout).ok()?;
    let entry = Path::new(root.trim())
        .join("@modelcontextprotocol")
        .join(name)
        .join("dist/index.js");
    entry.is_file().then_some(entry)
}

/// `Some(entry)` for an installed server; `None` after printing a skip
/// notice. Panics (fails the test) when `RUDDER_REQUIRE_MCP_SERVERS=1`.
pub fn require_server(name: &str) -> Option<PathBuf> {
    match npm_server(name) {
        Some(path) => Some(path),
        None if std::env::var("RUDDER_REQUIRE_MCP_SERVERS").as_deref() == Ok("1") => {
            panic!("@modelcontextprotocol/{name} is not installed and RUDDER_REQUIRE_MCP_SERVERS=1")
        }
        None => {
            eprintln!(
                "SKIP: @modelcontextprotocol/{name} is not installed \
                 (npm install -g @modelcontextprotocol/server-everything @modelcontextprotocol/server-filesystem)"
            );
            None
        }
    }
}

/// An approved user-scope stdio server.
pub fn stdio_server(name: &str, command: &str, args: &[&str]) -> ConfiguredServer {
    stdio_server_env(name, command, args, BTreeMap::new())
}

/// Like [`stdio_server`] with environment variables.
pub fn stdio_server_env(
    name: &str,
    command: &str,
    args: &[&str],
    env: BTreeMap<String, String>,
) -> ConfiguredServer {
    let spec = ServerSpec::Stdio(StdioSpec {
        command: command.to_owned(),
        args: args.iter().map(|arg| (*arg).to_owned()).collect(),
        env,
        cwd: None,
    });
    server_with(name, spec, None)
}

/// An approved user-scope server with any spec and start-up timeout.
pub fn server_with(name: &str, spec: ServerSpec, timeout_ms: Option<u64>) -> ConfiguredServer {
    ConfiguredServer {
        name: name.to_owned(),
        scope: Scope::User,
        origin: "test".to_owned(),
        entry: Ok(ServerEntry {
            spec,
            startup_timeout_ms: timeout_ms,
        }),
        approval: Approval::Approved,
        raw: serde_json::Value::Null,
    }
}

/// Options for a test session in a temporary directory, with PID records
/// under `<dir>/pids` and spill files under `<dir>/spill`.
pub fn options(dir: &Path) -> McpOptions {
    let mut options = McpOptions::new("test-session", dir.to_owned(), dir.join("spill"));
    options.state_dir = Some(dir.join("pids"));
    options.shutdown_grace = Duration::from_secs(1);
    options.eof_wait = Duration::from_millis(300);
    options
}

/// Waits for `server` to settle (leave `pending`) within `seconds`.
pub async fn settle(manager: &McpManager, server: &str, seconds: u64) -> ServerStatus {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    manager.wait_for(server, deadline).await.unwrap()
}

/// Asserts `server` is connected, printing its status otherwise.
pub async fn connected(manager: &McpManager, server: &str, seconds: u64) -> ServerStatus {
    let status = settle(manager, server, seconds).await;
    assert_eq!(status.phase, ServerPhase::Connected, "{status:?}");
    status
}

/// The PIDs of every running server (they are their groups' ids).
pub fn server_groups(manager: &McpManager) -> Vec<i32> {
    manager
        .status()
        .iter()
        .filter_map(|status| status.pid.map(|pid| pid as i32))
        .collect()
}

/// Processes (zombies included) left in `groups`.
pub fn survivors(groups: &[i32]) -> Vec<i32> {
    groups
        .iter()
        .flat_map(|pgid| group_members(*pgid))
        .map(|stat| stat.pid)
        .collect()
}

/// Polls up to 5 s for `groups` to have no process at all; returns the
/// survivors (empty on success).
pub async fn wait_groups_gone(groups: &[i32]) -> Vec<i32> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let left = survivors(groups);
        if left.is_empty() || tokio::time::Instant::now() >= deadline {
            return left;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A small [`rudder_mcp::ServeHandler`] for the server-mode tests: `add`
/// (`{a, b}` → text and `structuredContent {"sum"}`), `sleep` (`{ms}`; when
/// dropped before finishing it sets `cancelled` and touches `marker`), and
/// `fail` (an `isError` result).
pub struct DemoHandler {
    pub cancelled: std::sync::Arc<std::sync::atomic::AtomicBool>,
    pub marker: Option<PathBuf>,
}

struct CancelGuard<'a> {
    handler: &'a DemoHandler,
    finished: bool,
}

impl Drop for CancelGuard<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.handler
                .cancelled
                .store(true, std::sync::atomic::Ordering::SeqCst);
            if let Some(marker) = &self.handler.marker {
                let _ = std::fs::write(marker, "cancelled");
            }
        }
    }
}

impl rudder_mcp::ServeHandler for DemoHandler {
    fn tools(&self) -> Vec<rudder_protocol::ToolDefinition> {
        let tool = |name: &str, description: &str, schema: serde_json::Value| {
            rudder_protocol::ToolDefinition {
                name: name.to_owned(),
                description: description.to_owned(),
                input_schema: schema,
                cache_control: None,
            }
        };
        vec![
            tool(
                "add",
                "Adds two numbers",
                serde_json::json!({"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]}),
            ),
            tool(
                "sleep",
                "Sleeps for ms milliseconds",
                serde_json::json!({"type": "object", "properties": {"ms": {"type": "integer"}}}),
            ),
            tool(
                "fail",
                "Always fails",
                serde_json::json!({"type": "object"}),
            ),
        ]
    }

    fn call<'a>(
        &'a self,
        name: &'a str,
        args: serde_json::Value,
    ) -> futures::future::BoxFuture<'a, rudder_mcp::McpToolResult> {
        Box::pin(async move {
            match name {
                "add" => {
                    let a = args["a"].as_f64().unwrap_or(0.0);
                    let b = args["b"].as_f64().unwrap_or(0.0);
                    let mut result = rudder_mcp::McpToolResult::text(format!("{}", a + b));
                    result.structured = Some(serde_json::json!({"sum": a + b}));
                    result
                }
                "sleep" => {
                    let mut guard = CancelGuard {
                        handler: self,
                        finished: false,
                    };
                    let ms = args["ms"].as_u64().unwrap_or(0);
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    guard.finished = true;
                    rudder_mcp::McpToolResult::text("slept")
                }
                _ => rudder_mcp::McpToolResult::error("this tool always fails"),
            }
        })
    }
}

/// `server-everything` (at `everything`) serving one remote transport
/// (`streamableHttp` or `sse`) on a free local port, in its own process
/// group, which [`EverythingServer::stop`] kills whole.
pub struct EverythingServer {
    child: tokio::process::Child,
    /// The port it listens on.
    pub port: u16,
}

impl EverythingServer {
    /// Starts it and waits (up to 30 s) until the port accepts connections.
    pub async fn listen(everything: &Path, transport: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .unwrap()
            .port();
        let child = tokio::process::Command::new("node")
            .arg(everything)
            .arg(transport)
            .env("PORT", port.to_string())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "server did not listen"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self { child, port }
    }

    /// Kills its whole process group (node and anything it started).
    pub async fn stop(mut self) {
        let pgid = self.child.id().unwrap() as i32;
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pgid),
            nix::sys::signal::Signal::SIGKILL,
        );
        let _ = self.child.wait().await;
    }
}

/// Calls `server`'s `get-sum` (2 + 40) and `echo` (`message`) tools through
/// `manager` and asserts their answers.
pub async fn assert_sum_and_echo(manager: &McpManager, server: &str, message: &str) {
    let tools: Vec<String> = manager
        .tools()
        .iter()
        .map(|tool| tool.definition.name.clone())
        .collect();
    let sum_tool = format!("mcp__{server}__get-sum");
    assert!(tools.contains(&sum_tool), "{tools:?}");
    let cancel = tokio_util::sync::CancellationToken::new();
    let sum = manager
        .call_tool(&sum_tool, serde_json::json!({"a": 2, "b": 40}), &cancel)
        .await
        .unwrap();
    let text = sum.content[0].as_text().unwrap().to_owned();
    assert!(text.contains("42"), "{text}");
    let echo = manager
        .call_tool(
            &format!("mcp__{server}__echo"),
            serde_json::json!({ "message": message }),
            &cancel,
        )
        .await
        .unwrap();
    assert_eq!(
        echo.content,
        vec![rudder_protocol::ContentBlock::text(format!(
            "Echo: {message}"
        ))]
    );
}

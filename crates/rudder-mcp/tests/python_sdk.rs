//! Server mode end to end, with this test binary as the server
//! (`harness = false`, so nothing but the protocol reaches stdout):
//! - with `RUDDER_MCP_TEST_ROLE=serve` it runs `serve_stdio` with the demo
//!   handler and exits when stdin closes;
//! - otherwise it is the test: rudder's own manager connects to it over
//!   stdio (list, call, cancellation reaching the server, clean shutdown),
//!   then the official Python MCP SDK (`pip install mcp`) lists and calls its
//!   tools. Without `import mcp` the Python part prints a skip notice,
//!   unless `RUDDER_REQUIRE_PY_SDKS=1`, when it fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use common::{DemoHandler, connected, options, server_groups, stdio_server_env, wait_groups_gone};
use rudder_mcp::McpManager;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

type TestResult = Result<(), Box<dyn Error>>;

fn main() -> TestResult {
    let runtime = tokio::runtime::Runtime::new()?;
    if std::env::var("RUDDER_MCP_TEST_ROLE").as_deref() == Ok("serve") {
        let handler = Arc::new(DemoHandler {
            cancelled: Arc::new(AtomicBool::new(false)),
            marker: std::env::var_os("RUDDER_MCP_CANCEL_MARKER").map(Into::into),
        });
        runtime.block_on(rudder_mcp::serve_stdio(handler))?;
        return Ok(());
    }
    println!("\nrunning 2 tests");
    runtime.block_on(manager_talks_to_rudder_mcp_serve())?;
    println!("test manager_talks_to_rudder_mcp_serve ... ok");
    python_sdk_lists_and_calls_tools()?;
    println!(
        "test python_sdk_lists_and_calls_tools ... ok\n\ntest result: ok. 2 passed; 0 failed\n"
    );
    Ok(())
}

async fn manager_talks_to_rudder_mcp_serve() -> TestResult {
    let dir = tempfile::tempdir()?;
    let marker = dir.path().join("cancelled");
    let exe = std::env::current_exe()?.to_string_lossy().into_owned();
    let env = [
        ("RUDDER_MCP_TEST_ROLE".to_owned(), "serve".to_owned()),
        (
            "RUDDER_MCP_CANCEL_MARKER".to_owned(),
            marker.to_string_lossy().into_owned(),
        ),
    ]
    .into_iter()
    .collect();
    let manager = McpManager::start(
        vec![stdio_server_env("self", &exe, &[], env)],
        options(dir.path()),
    )?;
    connected(&manager, "self", 30).await;
    let names: Vec<String> = manager
        .tools()
        .into_iter()
        .map(|tool| tool.definition.name)
        .collect();
    assert_eq!(
        names,
        ["mcp__self__add", "mcp__self__fail", "mcp__self__sleep"]
    );

    let cancel = CancellationToken::new();
    let sum = manager
        .call_tool("mcp__self__add", json!({"a": 2, "b": 3}), &cancel)
        .await?;
    assert_eq!(sum.content[0].as_text(), Some("5"));
    assert_eq!(sum.structured, Some(json!({"sum": 5.0})));
    let failed = manager
        .call_tool("mcp__self__fail", json!({}), &cancel)
        .await?;
    assert!(failed.is_error);

    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        trigger.cancel();
    });
    let slow = manager
        .call_tool("mcp__self__sleep", json!({"ms": 30_000}), &cancel)
        .await;
    assert!(slow.is_err(), "{slow:?}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !marker.exists() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "notifications/cancelled did not reach the server"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let groups = server_groups(&manager);
    manager.shutdown().await;
    assert_eq!(wait_groups_gone(&groups).await, Vec::<i32>::new());
    Ok(())
}

const CLIENT: &str = r#"
import asyncio, json, os, sys
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

async def main():
    params = StdioServerParameters(command=sys.argv[1], args=[],
                                   env={**os.environ, "RUDDER_MCP_TEST_ROLE": "serve"})
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            added = await session.call_tool("add", {"a": 2, "b": 3})
            failed = await session.call_tool("fail", {})
            dump = lambda r: r.model_dump(mode="json", by_alias=True, exclude_none=True)
            print(json.dumps({
                "tools": [t.name for t in tools.tools],
                "schema": tools.tools[0].model_dump(mode="json", by_alias=True)["inputSchema"],
                "add": dump(added),
                "fail": dump(failed),
            }))

asyncio.run(main())
"#;

fn python_sdk_lists_and_calls_tools() -> TestResult {
    let has_sdk = std::process::Command::new("python3")
        .args(["-c", "import mcp"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !has_sdk {
        if std::env::var("RUDDER_REQUIRE_PY_SDKS").as_deref() == Ok("1") {
            return Err(
                "the Python MCP SDK is missing (pip install mcp) and RUDDER_REQUIRE_PY_SDKS=1"
                    .into(),
            );
        }
        println!("SKIP: python3 cannot `import mcp` (pip install mcp)");
        return Ok(());
    }
    let exe = std::env::current_exe()?;
    let output = std::process::Command::new("python3")
        .args(["-c", CLIENT])
        .arg(&exe)
        .output()?;
    if !output.status.success() {
        return Err(format!(
            "python client failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let report: Value = serde_json::from_slice(&output.stdout)?;
    assert_eq!(report["tools"], json!(["add", "sleep", "fail"]));
    assert_eq!(report["schema"]["required"], json!(["a", "b"]));
    assert_eq!(report["add"]["content"][0]["text"], "5");
    assert_eq!(report["add"]["structuredContent"], json!({"sum": 5.0}));
    assert!(
        !report["add"]
            .get("isError")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    );
    assert_eq!(report["fail"]["isError"], true);
    Ok(())
}

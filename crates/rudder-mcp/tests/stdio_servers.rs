//! The real npm MCP servers over stdio, started directly with `node` and
//! through `npx` (which adds process layers): tools listed and called, a
//! long-running call cancelled and timed out, a large output spilled, and
//! zero processes left in the servers' groups 5 s after shutdown or drop.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use rudder_mcp::{McpError, McpManager};
use rudder_protocol::ContentBlock;
use serde_json::json;
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread")]
async fn everything_over_node_lists_and_calls_tools() {
    let Some(everything) = require_server("server-everything") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let everything = everything.to_string_lossy().into_owned();
    let manager = McpManager::start(
        vec![stdio_server("everything", "node", &[&everything, "stdio"])],
        options(dir.path()),
    )
    .unwrap();
    connected(&manager, "everything", 60).await;

    let tools = manager.tools();
    let names: Vec<&str> = tools.iter().map(|t| t.definition.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "tools must be sorted");
    let echo = tools
        .iter()
        .find(|tool| tool.definition.name == "mcp__everything__echo")
        .expect("echo tool");
    assert!(echo.read_only);
    assert_eq!(
        echo.definition.input_schema["properties"]["message"]["type"],
        "string"
    );
    assert_eq!(manager.tools(), tools, "snapshots are stable");

    let cancel = CancellationToken::new();
    let result = manager
        .call_tool("mcp__everything__echo", json!({"message": "hi"}), &cancel)
        .await
        .unwrap();
    assert!(!result.is_error);
    assert_eq!(result.content, vec![ContentBlock::text("Echo: hi")]);

    let image = manager
        .call_tool("mcp__everything__get-tiny-image", json!({}), &cancel)
        .await
        .unwrap();
    assert!(
        image
            .content
            .iter()
            .any(|block| block.type_name() == "image"),
        "{image:?}"
    );

    let unknown = manager
        .call_tool("mcp__everything__nope", json!({}), &cancel)
        .await;
    assert!(
        matches!(unknown, Err(McpError::UnknownTool(_))),
        "{unknown:?}"
    );

    let resources = manager.list_resources(Some("everything")).await.unwrap();
    assert!(!resources.is_empty());
    let contents = manager
        .read_resource("everything", &resources[0].uri)
        .await
        .unwrap();
    assert!(!contents.is_empty());
    let prompts = manager.list_prompts(None).await.unwrap();
    let simple = prompts
        .iter()
        .find(|prompt| prompt.arguments.is_empty())
        .expect("a prompt without arguments");
    assert!(simple.command.starts_with("mcp__everything__"));
    let expanded = manager
        .get_prompt("everything", &simple.name, Default::default())
        .await
        .unwrap();
    assert!(!expanded.messages.is_empty());

    let groups = server_groups(&manager);
    assert_eq!(groups.len(), 1);
    manager.shutdown().await;
    assert_eq!(wait_groups_gone(&groups).await, Vec::<i32>::new());
    assert!(manager.tools().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn long_running_calls_are_cancelled_and_time_out() {
    let Some(everything) = require_server("server-everything") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let everything = everything.to_string_lossy().into_owned();
    let mut options = options(dir.path());
    options.tool_timeout = Duration::from_millis(1500);
    let manager = McpManager::start(
        vec![stdio_server("everything", "node", &[&everything, "stdio"])],
        options,
    )
    .unwrap();
    connected(&manager, "everything", 60).await;
    let long = "mcp__everything__trigger-long-running-operation";

    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        trigger.cancel();
    });
    let started = Instant::now();
    let cancelled = manager
        .call_tool(long, json!({"duration": 20, "steps": 20}), &cancel)
        .await;
    assert!(
        matches!(cancelled, Err(McpError::Cancelled { .. })),
        "{cancelled:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));

    let fresh = CancellationToken::new();
    let started = Instant::now();
    let timed_out = manager
        .call_tool(long, json!({"duration": 20, "steps": 20}), &fresh)
        .await;
    assert!(
        matches!(
            timed_out,
            Err(McpError::Timeout {
                timeout_ms: 1500,
                ..
            })
        ),
        "{timed_out:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    let quick = manager
        .call_tool(long, json!({"duration": 0.2, "steps": 2}), &fresh)
        .await
        .unwrap();
    assert!(quick.content[0].as_text().unwrap().contains("completed"));
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn large_filesystem_output_is_spilled_to_a_file() {
    let Some(filesystem) = require_server("server-filesystem") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let big: String = (0..8000)
        .map(|i| format!("line {i:05} of a big file\n"))
        .collect();
    std::fs::write(data.join("big.txt"), &big).unwrap();
    let filesystem = filesystem.to_string_lossy().into_owned();
    let data_arg = data.to_string_lossy().into_owned();
    let mut options = options(dir.path());
    options.output.max_tokens = 10_000;
    let manager = McpManager::start(
        vec![stdio_server("fs", "node", &[&filesystem, &data_arg])],
        options,
    )
    .unwrap();
    connected(&manager, "fs", 60).await;

    let cancel = CancellationToken::new();
    let path = data.join("big.txt").to_string_lossy().into_owned();
    let result = manager
        .call_tool("mcp__fs__read_text_file", json!({"path": path}), &cancel)
        .await
        .unwrap();
    assert_eq!(result.content.len(), 1);
    let text = result.content[0].as_text().unwrap();
    assert!(text.starts_with("[Output too large"), "{}", &text[..200]);
    assert!(text.len() < 4_000);
    assert!(text.contains("line 00000"));
    assert!(text.contains("line 07999"));
    let spilled: Vec<_> = std::fs::read_dir(dir.path().join("spill"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(spilled.len(), 1);
    assert!(text.contains(&spilled[0].display().to_string()));
    assert_eq!(std::fs::read_to_string(&spilled[0]).unwrap(), big);
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn npx_servers_leave_no_process_after_shutdown() {
    if require_server("server-everything").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let manager = McpManager::start(
        vec![stdio_server(
            "everything",
            "npx",
            &["-y", "@modelcontextprotocol/server-everything", "stdio"],
        )],
        options(dir.path()),
    )
    .unwrap();
    connected(&manager, "everything", 120).await;
    let cancel = CancellationToken::new();
    let result = manager
        .call_tool(
            "mcp__everything__echo",
            json!({"message": "via npx"}),
            &cancel,
        )
        .await
        .unwrap();
    assert_eq!(result.content, vec![ContentBlock::text("Echo: via npx")]);
    let groups = server_groups(&manager);
    assert!(
        survivors(&groups).len() >= 2,
        "npx should add a process layer: {:?}",
        survivors(&groups)
    );
    let record = dir.path().join("pids/test-session.json");
    assert!(record.is_file(), "a PID record exists while servers run");

    manager.shutdown().await;
    assert_eq!(wait_groups_gone(&groups).await, Vec::<i32>::new());
    assert!(!record.exists(), "the PID record is removed after shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn dropping_the_manager_kills_every_group() {
    if require_server("server-everything").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let manager = McpManager::start(
        vec![
            stdio_server(
                "via-npx",
                "npx",
                &["-y", "@modelcontextprotocol/server-everything", "stdio"],
            ),
            stdio_server("sleeper", "sh", &["-c", "sleep 300 & sleep 300 & wait"]),
        ],
        options(dir.path()),
    )
    .unwrap();
    connected(&manager, "via-npx", 120).await;
    let groups = server_groups(&manager);
    assert_eq!(groups.len(), 2, "{:?}", manager.status());
    drop(manager);
    assert_eq!(wait_groups_gone(&groups).await, Vec::<i32>::new());
}

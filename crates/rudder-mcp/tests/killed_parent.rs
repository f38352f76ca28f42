//! A rudder killed with SIGKILL leaves servers behind; the next start's
//! reaper removes them (issue 7 acceptance). `harness = false`: with
//! `RUDDER_MCP_TEST_ROLE=parent` this binary plays the rudder that gets
//! killed (a manager with a server that ignores stdin EOF, plus
//! server-everything through `npx` when installed); otherwise it is the
//! test: it starts that parent, SIGKILLs it, starts a new manager on the same
//! state directory and checks that no recorded process is left after 5 s.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::error::Error;
use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{npm_server, options, settle, stdio_server, survivors, wait_groups_gone};
use rudder_mcp::McpManager;
use serde_json::Value;

type TestResult = Result<(), Box<dyn Error>>;

fn main() -> TestResult {
    let runtime = tokio::runtime::Runtime::new()?;
    if std::env::var("RUDDER_MCP_TEST_ROLE").as_deref() == Ok("parent") {
        return runtime.block_on(play_parent());
    }
    println!("\nrunning 1 test");
    runtime.block_on(reaper_cleans_up_after_a_killed_rudder())?;
    println!(
        "test reaper_cleans_up_after_a_killed_rudder ... ok\n\ntest result: ok. 1 passed; 0 failed\n"
    );
    Ok(())
}

async fn play_parent() -> TestResult {
    let dir = std::path::PathBuf::from(std::env::var("RUDDER_MCP_STATE_HOME")?);
    let mut servers = vec![stdio_server(
        "sleeper",
        "sh",
        &["-c", "sleep 300 & sleep 300 & wait"],
    )];
    let with_npx = npm_server("server-everything").is_some();
    if with_npx {
        servers.push(stdio_server(
            "everything",
            "npx",
            &["-y", "@modelcontextprotocol/server-everything", "stdio"],
        ));
    }
    let manager = McpManager::start(servers, options(&dir))?;
    if with_npx {
        settle(&manager, "everything", 120).await;
    }
    while manager.status().iter().any(|status| status.pid.is_none()) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!("ready");
    std::io::stdout().flush()?;
    tokio::time::sleep(Duration::from_secs(3600)).await;
    drop(manager);
    Ok(())
}

async fn reaper_cleans_up_after_a_killed_rudder() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut parent = Command::new(std::env::current_exe()?)
        .env("RUDDER_MCP_TEST_ROLE", "parent")
        .env("RUDDER_MCP_STATE_HOME", dir.path())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = parent.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    assert_eq!(line.trim(), "ready", "the parent did not start its servers");

    let record: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("pids/test-session.json"))?)?;
    let mut groups = Vec::new();
    for group in record["groups"].as_array().ok_or("no groups")? {
        groups.push(group["leader"]["pid"].as_i64().ok_or("no leader")? as i32);
    }
    assert!(!groups.is_empty());

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(parent.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )?;
    parent.wait()?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !survivors(&groups).is_empty(),
        "the sleeper ignores stdin EOF, so something must be left to reap"
    );

    let manager = McpManager::start(Vec::new(), options(dir.path()))?;
    let report = manager.reaped().clone();
    assert!(!report.killed_groups.is_empty(), "{report:?}");
    assert!(report.refused.is_empty(), "{report:?}");
    assert!(!dir.path().join("pids/test-session.json").exists());
    assert_eq!(wait_groups_gone(&groups).await, Vec::<i32>::new());
    manager.shutdown().await;
    Ok(())
}

//! Supervision through the public API: a hanging server never blocks the
//! tools snapshot, crashes restart at most N times, one process per distinct
//! stdio spec, reconnect ends the old group first, unstartable servers are
//! reported and never started.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::*;
use rudder_mcp::config::{Approval, RemoteSpec, ServerSpec};
use rudder_mcp::process::procfs::live_group_members;
use rudder_mcp::{McpError, McpManager, ServerPhase};
use serde_json::json;
use tokio_util::sync::CancellationToken;

fn status_of(manager: &McpManager, name: &str) -> rudder_mcp::ServerStatus {
    manager
        .status()
        .into_iter()
        .find(|status| status.name == name)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_server_does_not_block_the_tools_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let mut servers = vec![{
        let mut hang = stdio_server("hang", "sh", &["-c", "sleep 300"]);
        if let Ok(entry) = &mut hang.entry {
            entry.startup_timeout_ms = Some(1500);
        }
        hang
    }];
    let everything = require_server("server-everything");
    if let Some(path) = &everything {
        let path = path.to_string_lossy().into_owned();
        servers.push(stdio_server("everything", "node", &[&path, "stdio"]));
    }
    let started = Instant::now();
    let manager = McpManager::start(servers, options(dir.path())).unwrap();
    let _ = manager.tools();
    assert!(started.elapsed() < Duration::from_millis(200));
    assert_eq!(status_of(&manager, "hang").phase, ServerPhase::Pending);

    if everything.is_some() {
        connected(&manager, "everything", 60).await;
        let started = Instant::now();
        let tools = manager.tools();
        assert!(started.elapsed() < Duration::from_millis(100));
        assert!(
            tools
                .iter()
                .any(|t| t.definition.name == "mcp__everything__echo")
        );
        assert!(tools.iter().all(|t| t.server == "everything"));
    }

    tokio::time::sleep(Duration::from_millis(300)).await;
    let hang_pid = status_of(&manager, "hang").pid.expect("hang runs") as i32;
    let status = settle(&manager, "hang", 10).await;
    assert_eq!(status.phase, ServerPhase::Failed, "{status:?}");
    assert!(status.detail.unwrap().contains("MCP_TIMEOUT"));
    assert_eq!(wait_groups_gone(&[hang_pid]).await, Vec::<i32>::new());
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crashing_server_restarts_at_most_n_times() {
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("starts");
    let mut options = options(dir.path());
    options.max_restarts = 2;
    options.restart_backoff = Duration::from_millis(50);
    let env = BTreeMap::from([("COUNT".to_owned(), count.to_string_lossy().into_owned())]);
    let manager = McpManager::start(
        vec![stdio_server_env(
            "crashy",
            "sh",
            &["-c", "echo start >> \"$COUNT\"; echo boom >&2; exit 3"],
            env,
        )],
        options,
    )
    .unwrap();
    let status = settle(&manager, "crashy", 20).await;
    assert_eq!(status.phase, ServerPhase::Failed, "{status:?}");
    assert_eq!(status.restarts, 2);
    let detail = status.detail.unwrap();
    assert!(detail.contains("gave up after 2 restarts"), "{detail}");
    assert!(detail.contains("exit status: 3"), "{detail}");
    assert_eq!(std::fs::read_to_string(&count).unwrap().lines().count(), 3);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(std::fs::read_to_string(&count).unwrap().lines().count(), 3);

    manager.reconnect("crashy").unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(&count).unwrap().lines().count() < 6 {
        assert!(
            Instant::now() < deadline,
            "reconnect resets the restart budget"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_killed_after_connecting_is_restarted() {
    let Some(everything) = require_server("server-everything") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut options = options(dir.path());
    options.restart_backoff = Duration::from_millis(50);
    let everything = everything.to_string_lossy().into_owned();
    let manager = McpManager::start(
        vec![stdio_server("everything", "node", &[&everything, "stdio"])],
        options,
    )
    .unwrap();
    let first = connected(&manager, "everything", 60).await.pid.unwrap() as i32;
    nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(first),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let second = loop {
        let status = status_of(&manager, "everything");
        if status.phase == ServerPhase::Connected && status.pid != Some(first as u32) {
            assert_eq!(status.restarts, 1);
            break status.pid.unwrap() as i32;
        }
        assert!(Instant::now() < deadline, "{status:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_ne!(first, second);
    let cancel = CancellationToken::new();
    manager
        .call_tool(
            "mcp__everything__echo",
            json!({"message": "again"}),
            &cancel,
        )
        .await
        .unwrap();
    manager.shutdown().await;
    assert_eq!(wait_groups_gone(&[first, second]).await, Vec::<i32>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn one_process_per_distinct_spec_and_reconnect_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let script = ["-c", "sleep 300"];
    let other_env = BTreeMap::from([("X".to_owned(), "1".to_owned())]);
    let manager = McpManager::start(
        vec![
            stdio_server("a", "sh", &script),
            stdio_server("b", "sh", &script),
            stdio_server_env("c", "sh", &script, other_env),
        ],
        options(dir.path()),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while manager.status().iter().any(|status| status.pid.is_none()) {
        assert!(Instant::now() < deadline, "{:?}", manager.status());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (a, b, c) = (
        status_of(&manager, "a").pid,
        status_of(&manager, "b").pid,
        status_of(&manager, "c").pid,
    );
    assert_eq!(a, b, "same (command, args, env, cwd) shares one process");
    assert_ne!(a, c, "a different env is a different process");
    let old = a.unwrap() as i32;

    manager.reconnect("a").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let pid = status_of(&manager, "a").pid;
        if pid.is_some() && pid != a {
            break;
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Zombies waiting for init to reap them do not run; nothing else may remain.
    assert!(
        live_group_members(old).is_empty(),
        "the old group ended before the new one started"
    );

    manager.disable("a").unwrap();
    assert!(
        status_of(&manager, "b").pid.is_some(),
        "b still uses the process"
    );
    assert_eq!(status_of(&manager, "a").phase, ServerPhase::Disabled);
    let groups = server_groups(&manager);
    manager.shutdown().await;
    assert_eq!(wait_groups_gone(&groups).await, Vec::<i32>::new());
    assert!(
        manager
            .status()
            .iter()
            .all(|s| s.phase == ServerPhase::Disabled)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unstartable_servers_are_reported_and_never_started() {
    let dir = tempfile::tempdir().unwrap();
    let mut pending = stdio_server("pending", "sh", &["-c", "touch started; sleep 300"]);
    pending.approval = Approval::Pending("awaiting approval".into());
    let mut rejected = stdio_server("rejected", "sh", &["-c", "touch started; sleep 300"]);
    rejected.approval = Approval::Rejected;
    let mut broken = stdio_server("broken", "sh", &[]);
    broken.entry = Err("args[0]: environment variable `X` is not set".into());
    let sse = server_with(
        "legacy",
        ServerSpec::Sse(RemoteSpec {
            url: "http://127.0.0.1:9/sse".into(),
            headers: BTreeMap::new(),
        }),
        None,
    );
    let missing = stdio_server("missing", "no-such-command-rudder", &[]);
    let mut options = options(dir.path());
    options.project_dir = dir.path().to_owned();
    let manager =
        McpManager::start(vec![pending, rejected, broken, sse, missing], options).unwrap();
    for name in ["legacy", "missing"] {
        settle(&manager, name, 10).await;
    }
    let by_name: BTreeMap<_, _> = manager
        .status()
        .into_iter()
        .map(|s| (s.name.clone(), s))
        .collect();
    assert_eq!(by_name["pending"].phase, ServerPhase::Pending);
    assert_eq!(
        by_name["pending"].detail.as_deref(),
        Some("awaiting approval")
    );
    assert_eq!(by_name["rejected"].phase, ServerPhase::Disabled);
    assert_eq!(by_name["broken"].phase, ServerPhase::Failed);
    assert!(
        by_name["broken"]
            .detail
            .as_ref()
            .unwrap()
            .contains("`X` is not set")
    );
    assert_eq!(by_name["legacy"].phase, ServerPhase::Failed);
    assert!(
        by_name["legacy"]
            .detail
            .as_ref()
            .unwrap()
            .contains("GET http://127.0.0.1:9/sse failed"),
        "{:?}",
        by_name["legacy"]
    );
    assert_eq!(by_name["missing"].phase, ServerPhase::Failed);
    assert!(
        by_name["missing"]
            .detail
            .as_ref()
            .unwrap()
            .contains("not found on PATH")
    );
    let init: Vec<(String, String)> = manager
        .mcp_servers()
        .into_iter()
        .map(|record| (record.name, record.status))
        .collect();
    assert_eq!(
        init,
        [
            ("broken".to_owned(), "failed".to_owned()),
            ("legacy".to_owned(), "failed".to_owned()),
            ("missing".to_owned(), "failed".to_owned()),
            ("pending".to_owned(), "pending".to_owned()),
            ("rejected".to_owned(), "disabled".to_owned()),
        ]
    );
    assert!(!dir.path().join("started").exists());

    let cancel = CancellationToken::new();
    let error = manager
        .call_tool("mcp__pending__anything", json!({}), &cancel)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, McpError::NotConnected { status, .. } if status == "pending"),
        "{error}"
    );
    assert!(manager.reconnect("rejected").is_err());
    assert!(matches!(
        manager
            .wait_for("nobody", tokio::time::Instant::now())
            .await,
        Err(McpError::UnknownServer(_))
    ));
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_re_added_server_waits_for_its_old_process_to_end() {
    let dir = tempfile::tempdir().unwrap();
    // Ignores SIGTERM, so ending it takes the whole grace period.
    let solo = || stdio_server("solo", "sh", &["-c", "trap '' TERM; sleep 300 & wait"]);
    let manager = McpManager::start(vec![solo()], options(dir.path())).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while status_of(&manager, "solo").pid.is_none() {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let old = status_of(&manager, "solo").pid.unwrap() as i32;
    manager.disable("solo").unwrap();
    manager.add_server(solo());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let pid = status_of(&manager, "solo").pid;
        if let Some(pid) = pid.filter(|pid| *pid as i32 != old) {
            assert!(
                live_group_members(old).is_empty(),
                "new process {pid} started while the old group still ran"
            );
            break;
        }
        assert!(Instant::now() < deadline, "{:?}", manager.status());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let groups = server_groups(&manager);
    manager.shutdown().await;
    assert_eq!(wait_groups_gone(&groups).await, Vec::<i32>::new());
}

//! The legacy HTTP+SSE transport (MCP 2024-11-05, `"type": "sse"`) through
//! the manager: tools listed and called against a local server (keep-alive
//! comments, multi-line CRLF events, configured headers); a stream that never
//! names its endpoint; a stream that drops, or a session the server forgot
//! (reported, restarted); 401/403 on the stream and on a POST
//! (`needs-auth`); an endpoint or redirect to another host, or a response
//! that is no event stream (refused); and server-everything's own `sse`
//! mode.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sse_server;

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use rudder_mcp::config::{RemoteSpec, ServerSpec};
use rudder_mcp::{McpManager, ServerPhase, ServerStatus};
use rudder_protocol::ContentBlock;
use serde_json::json;
use sse_server::{Behaviour, Endpoint, SseServer};
use tokio_util::sync::CancellationToken;

fn sse_server(
    name: &str,
    url: String,
    headers: BTreeMap<String, String>,
    timeout_ms: u64,
) -> rudder_mcp::config::ConfiguredServer {
    server_with(
        name,
        ServerSpec::Sse(RemoteSpec { url, headers }),
        Some(timeout_ms),
    )
}

/// A manager with one SSE server `legacy` at `url`.
fn manager_for(url: String, timeout_ms: u64, dir: &std::path::Path) -> McpManager {
    McpManager::start(
        vec![sse_server("legacy", url, BTreeMap::new(), timeout_ms)],
        options(dir),
    )
    .unwrap()
}

fn status_of(manager: &McpManager, name: &str) -> ServerStatus {
    manager
        .status()
        .into_iter()
        .find(|status| status.name == name)
        .unwrap()
}

fn detail(status: &ServerStatus) -> String {
    status.detail.clone().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn tools_are_listed_and_called_over_legacy_sse() {
    let server = SseServer::start(Behaviour {
        keep_alive: true,
        multi_line: true,
        ..Behaviour::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let headers = BTreeMap::from([("X-Api-Key".to_owned(), "secret-1".to_owned())]);
    let manager = McpManager::start(
        vec![sse_server("legacy", server.url(), headers, 10_000)],
        options(dir.path()),
    )
    .unwrap();
    let status = connected(&manager, "legacy", 15).await;
    assert_eq!(status.transport, "sse");
    assert!(status.pid.is_none());
    let names: Vec<String> = manager
        .tools()
        .iter()
        .map(|tool| tool.definition.name.clone())
        .collect();
    assert_eq!(
        names,
        [
            "mcp__legacy__add",
            "mcp__legacy__fail",
            "mcp__legacy__sleep"
        ]
    );

    let cancel = CancellationToken::new();
    let sum = manager
        .call_tool("mcp__legacy__add", json!({"a": 2, "b": 40}), &cancel)
        .await
        .unwrap();
    assert_eq!(sum.content, vec![ContentBlock::text("42")]);
    assert!(!sum.is_error);
    let failed = manager
        .call_tool("mcp__legacy__fail", json!({}), &cancel)
        .await
        .unwrap();
    assert!(failed.is_error);

    let seen = server.seen().headers.lock().unwrap().clone();
    assert!(server.seen().posts.load(Ordering::SeqCst) >= 3);
    assert_eq!(seen[0]["accept"], "text/event-stream");
    for headers in &seen {
        assert_eq!(headers["x-api-key"], "secret-1", "{headers:?}");
    }
    assert_eq!(server.seen().gets.load(Ordering::SeqCst), 1);
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stream_without_an_endpoint_event_fails_with_a_clear_error() {
    let server = SseServer::start(Behaviour {
        endpoint: Endpoint::Never,
        keep_alive: true,
        ..Behaviour::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let manager = manager_for(server.url(), 1_000, dir.path());
    let status = settle(&manager, "legacy", 10).await;
    assert_eq!(status.phase, ServerPhase::Failed, "{status:?}");
    let detail = detail(&status);
    assert!(
        detail.contains("sent no `endpoint` event within")
            && detail.contains(&server.url())
            && detail.contains("MCP_TIMEOUT"),
        "{detail}"
    );
    assert_eq!(server.seen().posts.load(Ordering::SeqCst), 0);
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_stream_is_reported_and_the_server_reconnects() {
    let server = SseServer::start(Behaviour::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut options = options(dir.path());
    options.restart_backoff = Duration::from_millis(1_500);
    let manager = std::sync::Arc::new(
        McpManager::start(
            vec![sse_server("legacy", server.url(), BTreeMap::new(), 10_000)],
            options,
        )
        .unwrap(),
    );
    connected(&manager, "legacy", 15).await;
    let cancel = CancellationToken::new();
    let pending = {
        let manager = manager.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            manager
                .call_tool("mcp__legacy__sleep", json!({"ms": 30_000}), &cancel)
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.drop_streams();

    // The call in flight fails at once instead of waiting for its timeout.
    let outcome = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .expect("the pending call ends with the stream")
        .unwrap();
    let error = outcome.unwrap_err().to_string();
    assert!(error.contains("closed"), "{error}");

    // Reported while the supervisor waits to restart, then reconnected.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let reported = loop {
        let status = status_of(&manager, "legacy");
        if status.phase == ServerPhase::Pending && status.restarts == 1 {
            break status;
        }
        assert!(tokio::time::Instant::now() < deadline, "{status:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(
        detail(&reported).contains("the server ended the SSE stream; restarting"),
        "{reported:?}"
    );
    let status = connected(&manager, "legacy", 15).await;
    assert_eq!(status.restarts, 1);
    assert_eq!(server.seen().gets.load(Ordering::SeqCst), 2);
    let sum = manager
        .call_tool("mcp__legacy__add", json!({"a": 1, "b": 2}), &cancel)
        .await
        .unwrap();
    assert_eq!(sum.content, vec![ContentBlock::text("3")]);
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_the_server_forgot_is_replaced_by_a_new_one() {
    let server = SseServer::start(Behaviour::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut options = options(dir.path());
    options.restart_backoff = Duration::from_millis(50);
    let manager = McpManager::start(
        vec![sse_server("legacy", server.url(), BTreeMap::new(), 10_000)],
        options,
    )
    .unwrap();
    connected(&manager, "legacy", 15).await;
    server.forget_sessions();
    let cancel = CancellationToken::new();
    let error = manager
        .call_tool("mcp__legacy__add", json!({"a": 1, "b": 1}), &cancel)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("HTTP 404"), "{error}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while status_of(&manager, "legacy").restarts == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no restart");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let status = connected(&manager, "legacy", 15).await;
    assert_eq!(status.restarts, 1);
    assert_eq!(server.seen().gets.load(Ordering::SeqCst), 2);
    let sum = manager
        .call_tool("mcp__legacy__add", json!({"a": 1, "b": 1}), &cancel)
        .await
        .unwrap();
    assert_eq!(sum.content, vec![ContentBlock::text("2")]);
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_stream_or_post_reports_needs_auth() {
    let refused = SseServer::start(Behaviour {
        get_status: Some(401),
        ..Behaviour::default()
    })
    .await;
    let forbidden = SseServer::start(Behaviour {
        get_status: Some(403),
        ..Behaviour::default()
    })
    .await;
    let posts_refused = SseServer::start(Behaviour {
        post_status: Some(401),
        ..Behaviour::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let manager = McpManager::start(
        vec![
            sse_server("refused", refused.url(), BTreeMap::new(), 10_000),
            sse_server("forbidden", forbidden.url(), BTreeMap::new(), 10_000),
            sse_server("posts", posts_refused.url(), BTreeMap::new(), 10_000),
        ],
        options(dir.path()),
    )
    .unwrap();
    for (name, needles) in [
        ("refused", ["HTTP 401 from GET", "sse-test"]),
        ("forbidden", ["HTTP 403 from GET", "sse-test"]),
        ("posts", ["HTTP 401 from POST", "token expired"]),
    ] {
        let status = settle(&manager, name, 15).await;
        assert_eq!(status.phase, ServerPhase::NeedsAuth, "{status:?}");
        assert_eq!(status.to_protocol().status, "needs-auth");
        let detail = detail(&status);
        for needle in needles {
            assert!(detail.contains(needle), "{name}: {detail}");
        }
        assert!(detail.contains("Authorization header"), "{detail}");
    }
    // needs-auth is not a crash: nothing is retried.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(refused.seen().gets.load(Ordering::SeqCst), 1);
    assert_eq!(posts_refused.seen().gets.load(Ordering::SeqCst), 1);
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_refused_after_connecting_turns_the_server_to_needs_auth() {
    let server = SseServer::start(Behaviour::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let manager = manager_for(server.url(), 10_000, dir.path());
    connected(&manager, "legacy", 15).await;
    server.set(Behaviour {
        post_status: Some(403),
        ..Behaviour::default()
    });
    let cancel = CancellationToken::new();
    let error = manager
        .call_tool("mcp__legacy__add", json!({"a": 1, "b": 1}), &cancel)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("HTTP 403"), "{error}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let status = status_of(&manager, "legacy");
        if status.phase == ServerPhase::NeedsAuth {
            assert!(detail(&status).contains("token expired"), "{status:?}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{status:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_or_redirect_to_another_host_is_refused() {
    let server = SseServer::start(Behaviour::default()).await;
    // `localhost` is another origin than `127.0.0.1`, though the same server:
    // following it would work, so only the origin rule can refuse it.
    let elsewhere = format!("http://localhost:{}", server.port);
    let endpoint_away = SseServer::start(Behaviour {
        endpoint: Endpoint::Absolute(elsewhere.clone()),
        ..Behaviour::default()
    })
    .await;
    let redirect_away = SseServer::start(Behaviour {
        get_redirect: Some(format!("{elsewhere}/sse")),
        ..Behaviour::default()
    })
    .await;
    let not_a_stream = SseServer::start(Behaviour {
        get_json: true,
        ..Behaviour::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let manager = McpManager::start(
        vec![
            sse_server("endpoint", endpoint_away.url(), BTreeMap::new(), 10_000),
            sse_server("redirect", redirect_away.url(), BTreeMap::new(), 10_000),
            sse_server("json", not_a_stream.url(), BTreeMap::new(), 10_000),
        ],
        options(dir.path()),
    )
    .unwrap();
    for (name, needle) in [
        ("endpoint", "another origin than http://127.0.0.1:"),
        ("redirect", "refused a redirect from"),
        ("json", "\"type\": \"http\""),
    ] {
        let status = settle(&manager, name, 15).await;
        assert_eq!(status.phase, ServerPhase::Failed, "{status:?}");
        assert!(detail(&status).contains(needle), "{name}: {status:?}");
    }
    assert_eq!(endpoint_away.seen().posts.load(Ordering::SeqCst), 0);
    assert_eq!(server.seen().gets.load(Ordering::SeqCst), 0);
    assert_eq!(server.seen().posts.load(Ordering::SeqCst), 0);
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn everything_over_legacy_sse() {
    let Some(everything) = require_server("server-everything") else {
        return;
    };
    let server = EverythingServer::listen(&everything, "sse").await;
    let dir = tempfile::tempdir().unwrap();
    let manager = manager_for(
        format!("http://127.0.0.1:{}/sse", server.port),
        20_000,
        dir.path(),
    );
    let status = connected(&manager, "legacy", 30).await;
    assert_eq!(status.transport, "sse");
    assert_sum_and_echo(&manager, "legacy", "over sse").await;
    manager.shutdown().await;
    server.stop().await;
}

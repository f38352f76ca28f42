//! Streamable HTTP: server-everything's `streamableHttp` mode (listening on
//! `PORT`, endpoint `/mcp`) listed and called through the manager; an HTTP
//! 401/403 reported as `needs-auth` with the server's message.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use common::*;
use rudder_mcp::config::{RemoteSpec, ServerSpec};
use rudder_mcp::{McpManager, ServerPhase};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

fn http_server(
    name: &str,
    url: String,
    headers: BTreeMap<String, String>,
) -> rudder_mcp::config::ConfiguredServer {
    server_with(
        name,
        ServerSpec::Http(RemoteSpec { url, headers }),
        Some(20_000),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn everything_over_streamable_http() {
    let Some(everything) = require_server("server-everything") else {
        return;
    };
    let server = EverythingServer::listen(&everything, "streamableHttp").await;
    let dir = tempfile::tempdir().unwrap();
    let headers = BTreeMap::from([("X-Rudder-Test".to_owned(), "1".to_owned())]);
    let manager = McpManager::start(
        vec![http_server(
            "web",
            format!("http://127.0.0.1:{}/mcp", server.port),
            headers,
        )],
        options(dir.path()),
    )
    .unwrap();
    let status = connected(&manager, "web", 30).await;
    assert_eq!(status.transport, "http");
    assert!(status.pid.is_none());
    assert_sum_and_echo(&manager, "web", "over http").await;
    manager.shutdown().await;
    server.stop().await;
}

/// A one-shot-per-connection HTTP server answering every request with
/// `status` and `body`.
async fn refusing_server(
    status: &'static str,
    extra_header: &'static str,
    body: &'static str,
) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 65536];
                let _ = socket.read(&mut buffer).await;
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra_header}\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread")]
async fn http_auth_failures_report_needs_auth_with_the_message() {
    let plain = refusing_server("401 Unauthorized", "", r#"{"error":"invalid token xyz"}"#).await;
    let challenged = refusing_server(
        "401 Unauthorized",
        "WWW-Authenticate: Bearer realm=\"rudder-test\"\r\n",
        "{}",
    )
    .await;
    let forbidden = refusing_server("403 Forbidden", "", r#"{"error":"not for you"}"#).await;
    let dir = tempfile::tempdir().unwrap();
    let manager = McpManager::start(
        vec![
            http_server(
                "plain",
                format!("http://127.0.0.1:{plain}/mcp"),
                BTreeMap::new(),
            ),
            http_server(
                "challenged",
                format!("http://127.0.0.1:{challenged}/mcp"),
                BTreeMap::new(),
            ),
            http_server(
                "forbidden",
                format!("http://127.0.0.1:{forbidden}/mcp"),
                BTreeMap::new(),
            ),
        ],
        options(dir.path()),
    )
    .unwrap();
    for (name, needle) in [
        ("plain", "invalid token xyz"),
        ("challenged", "rudder-test"),
        ("forbidden", "not for you"),
    ] {
        let status = settle(&manager, name, 20).await;
        assert_eq!(status.phase, ServerPhase::NeedsAuth, "{status:?}");
        assert_eq!(status.to_protocol().status, "needs-auth");
        let detail = status.detail.unwrap();
        assert!(detail.contains(needle), "{name}: {detail}");
    }
    manager.shutdown().await;
}

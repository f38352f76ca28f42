//! Remote servers are reached through the configured proxy (the same
//! `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` as the model API): a "proxy" that
//! refuses everything with 401 sees each transport's request in absolute
//! form, and its answer reaches the server's status.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use common::*;
use rudder_mcp::config::{RemoteSpec, ServerSpec};
use rudder_mcp::{McpManager, ServerPhase};
use rudder_model::proxy::ProxyConfig;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// Answers every request with 401 and keeps each request line.
async fn refusing_proxy() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&lines);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 65536];
                let read = socket.read(&mut buffer).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buffer[..read]).into_owned();
                seen.lock()
                    .unwrap()
                    .push(head.lines().next().unwrap_or_default().to_owned());
                let body = r#"{"error":"refused by the proxy"}"#;
                let response = format!(
                    "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (port, lines)
}

fn remote(url: &str) -> RemoteSpec {
    RemoteSpec {
        url: url.to_owned(),
        headers: BTreeMap::new(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn http_and_sse_servers_go_through_the_proxy() {
    let (port, lines) = refusing_proxy().await;
    let dir = tempfile::tempdir().unwrap();
    let mut options = options(dir.path());
    let proxy_url = format!("http://127.0.0.1:{port}");
    options.proxy =
        ProxyConfig::from_env(&|name| (name == "HTTP_PROXY").then(|| proxy_url.clone()));
    // `.invalid` never resolves: only the proxy can answer.
    let manager = McpManager::start(
        vec![
            server_with(
                "web",
                ServerSpec::Http(remote("http://mcp.invalid/mcp")),
                Some(20_000),
            ),
            server_with(
                "events",
                ServerSpec::Sse(remote("http://sse.invalid/sse")),
                Some(20_000),
            ),
        ],
        options,
    )
    .unwrap();
    for name in ["web", "events"] {
        let status = settle(&manager, name, 20).await;
        assert_eq!(status.phase, ServerPhase::NeedsAuth, "{name}: {status:?}");
        let detail = status.detail.unwrap_or_default();
        assert!(detail.contains("refused by the proxy"), "{name}: {detail}");
    }
    let lines = lines.lock().unwrap().clone();
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("POST http://mcp.invalid/mcp ")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("GET http://sse.invalid/sse ")),
        "{lines:?}"
    );
    manager.shutdown().await;
}

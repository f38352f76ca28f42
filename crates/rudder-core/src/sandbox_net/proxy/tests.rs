//! The proxy against local listeners: what the filter allows is forwarded
//! (absolute form and CONNECT), what it does not is answered 403 and never
//! reached, the connection limit holds, and dropping the proxy ends its
//! tunnels.

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

/// A listener on 127.0.0.1 that answers every request on a connection
/// with `upstream saw <request line> host=<Host>`, counting connections.
async fn upstream() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&connections);
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            counted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                loop {
                    let Some(head) = read_head(&mut stream).await else {
                        return;
                    };
                    let line = head.lines().next().unwrap_or_default().to_owned();
                    let host = head
                        .lines()
                        .find_map(|l| l.strip_prefix("host: ").or(l.strip_prefix("Host: ")))
                        .unwrap_or_default()
                        .to_owned();
                    let body = format!("upstream saw {line} host={host}");
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if stream.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, connections)
}

/// Reads up to the end of a header block; `None` at end of stream.
async fn read_head(stream: &mut (impl AsyncRead + Unpin)) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// Reads one response: its head (status line and headers) and body (by
/// `content-length`).
async fn read_response(stream: &mut (impl AsyncRead + Unpin)) -> (String, String) {
    let head = read_head(stream).await.expect("a response");
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(str::to_owned)
        })
        .map_or(0, |n| n.trim().parse::<usize>().unwrap());
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.unwrap();
    (head, String::from_utf8(body).unwrap())
}

fn start(entries: &[String], limits: ProxyLimits) -> NetProxy {
    let (filter, errors) = DomainFilter::new(entries.iter().map(String::as_str));
    assert!(errors.is_empty(), "{errors:?}");
    NetProxy::start(Arc::new(filter), limits).unwrap()
}

async fn ask(proxy: &NetProxy, request: &str) -> (UnixStream, String, String) {
    let mut stream = UnixStream::connect(proxy.socket()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let (head, body) = read_response(&mut stream).await;
    (stream, head, body)
}

#[tokio::test]
async fn an_allowed_host_is_forwarded_in_absolute_form_and_through_connect() {
    let (port, _) = upstream().await;
    let proxy = start(&[format!("localhost:{port}")], ProxyLimits::default());

    let (_, head, body) = ask(
        &proxy,
        &format!(
            "GET http://localhost:{port}/hello?x=1 HTTP/1.1\r\nHost: elsewhere.example\r\n\
             Proxy-Connection: keep-alive\r\n\r\n"
        ),
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(
        body,
        format!("upstream saw GET /hello?x=1 HTTP/1.1 host=localhost:{port}"),
        "origin form, Host set to the target"
    );

    let (mut tunnel, head, _) = ask(
        &proxy,
        &format!("CONNECT localhost:{port} HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n"),
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    tunnel
        .write_all(b"GET /through-tunnel HTTP/1.1\r\nHost: tunnelled\r\n\r\n")
        .await
        .unwrap();
    let (head, body) = read_response(&mut tunnel).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(
        body,
        "upstream saw GET /through-tunnel HTTP/1.1 host=tunnelled"
    );
}

#[tokio::test]
async fn hosts_and_ports_not_allowed_get_403_and_are_never_reached() {
    let (allowed_port, _) = upstream().await;
    let (other_port, other_connections) = upstream().await;
    let proxy = start(
        &[format!("127.0.0.1:{allowed_port}")],
        ProxyLimits::default(),
    );

    for request in [
        format!("CONNECT 127.0.0.1:{other_port} HTTP/1.1\r\nHost: x\r\n\r\n"),
        format!("GET http://127.0.0.1:{other_port}/ HTTP/1.1\r\nHost: x\r\n\r\n"),
        format!("CONNECT localhost:{allowed_port} HTTP/1.1\r\nHost: x\r\n\r\n"),
        "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n".to_owned(),
    ] {
        let (_, head, body) = ask(&proxy, &request).await;
        assert!(head.starts_with("HTTP/1.1 403"), "{request}: {head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("x-proxy-error: blocked-by-allowlist"),
            "{head}"
        );
        assert!(
            body.contains("are not allowed")
                && body.contains(&format!("lists only: 127.0.0.1:{allowed_port}")),
            "{body}"
        );
    }
    assert_eq!(other_connections.load(Ordering::SeqCst), 0);

    let (_, head, body) = ask(&proxy, "GET /direct HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
    assert!(body.contains("absolute form"), "{body}");
    let (_, head, _) = ask(
        &proxy,
        &format!("GET https://127.0.0.1:{allowed_port}/ HTTP/1.1\r\nHost: x\r\n\r\n"),
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
}

#[tokio::test]
async fn connections_over_the_limit_get_503() {
    let (port, _) = upstream().await;
    let limits = ProxyLimits {
        max_connections: 1,
        ..ProxyLimits::default()
    };
    let proxy = start(&[format!("127.0.0.1:{port}")], limits);
    let (_tunnel, head, _) = ask(
        &proxy,
        &format!("CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: x\r\n\r\n"),
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let (_, head, body) = ask(
        &proxy,
        &format!("GET http://127.0.0.1:{port}/ HTTP/1.1\r\nHost: x\r\n\r\n"),
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 503"), "{head}");
    assert!(body.contains("too many connections"), "{body}");
}

#[tokio::test]
async fn dropping_the_proxy_ends_its_tunnels_and_removes_its_socket() {
    let (port, _) = upstream().await;
    let proxy = start(&[format!("127.0.0.1:{port}")], ProxyLimits::default());
    let socket = proxy.socket().to_owned();
    let (mut tunnel, head, _) = ask(
        &proxy,
        &format!("CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: x\r\n\r\n"),
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    drop(proxy);
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), tunnel.read_to_end(&mut rest)).await;
    assert!(
        matches!(read, Ok(Ok(0)) | Ok(Err(_))),
        "the tunnel closed: {read:?}"
    );
    assert!(!socket.exists());
    assert!(UnixStream::connect(&socket).await.is_err());
}

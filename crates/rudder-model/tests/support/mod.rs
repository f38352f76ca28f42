//! A tiny scripted HTTP/1.1 server for the wire-client tests: each accepted
//! connection gets the next scripted reply, written as a chunked body one
//! chunk per write, and every request is recorded.
//!
//! Test support only: it trusts its input, handles one request per
//! connection and never speaks TLS.

// Each test binary uses a different part of it.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use futures::StreamExt;
use rudder_model::{EventStream, ModelError};
use rudder_protocol::StreamEvent;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One scripted response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Body pieces, each written (and flushed) as its own chunk.
    pub chunks: Vec<Vec<u8>>,
    /// Whether the chunked body ends properly; false drops the connection
    /// mid-body.
    pub complete: bool,
}

impl Reply {
    /// A 200 SSE response with `body` in one chunk.
    pub fn sse(body: &str) -> Self {
        Self {
            status: 200,
            headers: vec![("content-type".into(), "text/event-stream".into())],
            chunks: vec![body.as_bytes().to_vec()],
            complete: true,
        }
    }

    /// A 200 SSE response with `body` written `size` bytes at a time.
    pub fn sse_in_pieces(body: &str, size: usize) -> Self {
        Self {
            chunks: body.as_bytes().chunks(size).map(<[u8]>::to_vec).collect(),
            ..Self::sse("")
        }
    }

    /// A response with the given status and JSON body.
    pub fn json(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            chunks: vec![body.as_bytes().to_vec()],
            complete: true,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Drops the connection after the chunks, without ending the body.
    pub fn cut(mut self) -> Self {
        self.complete = false;
        self
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

/// The running server; it stops when the test's runtime ends.
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Server {
    /// Starts a server that answers the n-th connection with `replies[n]`
    /// (and with 500 once they run out).
    pub async fn start(replies: Vec<Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        tokio::spawn(async move {
            let mut replies = replies.into_iter();
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let reply = replies
                    .next()
                    .unwrap_or_else(|| Reply::json(500, r#"{"error":"no reply scripted"}"#));
                let log = Arc::clone(&log);
                tokio::spawn(serve(socket, reply, log));
            }
        });
        Self { base_url, requests }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("lock").clone()
    }
}

async fn serve(mut socket: TcpStream, reply: Reply, log: Arc<Mutex<Vec<Recorded>>>) {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = socket.read(&mut buf).await.expect("read head");
        assert!(n > 0, "client closed before sending a request");
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8(raw[..head_end].to_vec()).expect("utf-8 head");
    let mut lines = head.split("\r\n");
    let mut start = lines.next().expect("request line").split(' ');
    let method = start.next().unwrap_or_default().to_owned();
    let path = start.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .map_or(0, |(_, value)| value.parse().expect("content-length"));
    let mut body = raw[head_end..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut buf).await.expect("read body");
        assert!(n > 0, "client closed mid-body");
        body.extend_from_slice(&buf[..n]);
    }
    log.lock().expect("lock").push(Recorded {
        method,
        path,
        headers,
        body,
    });

    let mut head = format!("HTTP/1.1 {} Scripted\r\n", reply.status);
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("transfer-encoding: chunked\r\nconnection: close\r\n\r\n");
    if socket.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    for chunk in reply.chunks.iter().filter(|chunk| !chunk.is_empty()) {
        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
        framed.extend_from_slice(chunk);
        framed.extend_from_slice(b"\r\n");
        // The client may hang up early (it stops reading after message_stop).
        if socket.write_all(&framed).await.is_err() || socket.flush().await.is_err() {
            return;
        }
        tokio::task::yield_now().await;
    }
    if reply.complete {
        let _ = socket.write_all(b"0\r\n\r\n").await;
    }
    let _ = socket.shutdown().await;
}

/// Every item of an event stream.
pub async fn collect(stream: EventStream) -> Vec<Result<StreamEvent, ModelError>> {
    stream.collect().await
}

/// A URL where nothing listens (a port just released).
pub async fn dead_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    url
}

/// Formats `(event, data)` pairs as an SSE body.
pub fn sse_body(frames: &[(&str, &str)]) -> String {
    frames
        .iter()
        .map(|(event, data)| format!("event: {event}\ndata: {data}\n\n"))
        .collect()
}

//! Proxies named in the settings `env` carry rudder's own API requests, as
//! they carry Claude Code's (issue 9; CLAUDE-CODE-INTERFACE.md §4.3) — but a
//! project's `env` only once the folder is trusted (issue 4: nothing from
//! a project redirects traffic before trust), and `NO_PROXY` keeps a host
//! direct. WebFetch's page requests take the same proxy.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rudder_testkit::{MockServer, Scenario, ScriptedTurn};
use serde_json::json;

use super::support::{Workspace, result_of, stderr};

/// A forwarding HTTP proxy: it takes absolute-form requests
/// (`POST http://host:port/path HTTP/1.1`), keeps each connection's
/// request target, and pipes the connection to that host.
struct ForwardProxy {
    port: u16,
    targets: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ForwardProxy {
    fn start() -> Self {
        let socket = TcpListener::bind("127.0.0.1:0").unwrap();
        socket.set_nonblocking(true).unwrap();
        let port = socket.local_addr().unwrap().port();
        let targets = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (targets, stop) = (Arc::clone(&targets), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match socket.accept() {
                        Ok((stream, _)) => {
                            let targets = Arc::clone(&targets);
                            std::thread::spawn(move || forward(stream, &targets));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
        };
        Self {
            port,
            targets,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }
}

impl Drop for ForwardProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one request head from `client`, records its target, sends the
/// head to the target's host in origin form and pipes both ways.
fn forward(mut client: TcpStream, targets: &Mutex<Vec<String>>) {
    client.set_nonblocking(false).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && client.read(&mut byte).unwrap_or(0) == 1 {
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let (request_line, rest) = head.split_once("\r\n").unwrap_or((&head, ""));
    let mut parts = request_line.split(' ');
    let (method, target, version) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default().to_owned(),
        parts.next().unwrap_or_default(),
    );
    targets.lock().unwrap().push(target.clone());
    let Some(after_scheme) = target.strip_prefix("http://") else {
        let _ = client.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
        return;
    };
    let (authority, path) = match after_scheme.find('/') {
        Some(at) => after_scheme.split_at(at),
        None => (after_scheme, "/"),
    };
    let Ok(mut upstream) = TcpStream::connect(authority) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
        return;
    };
    let _ = write!(upstream, "{method} {path} {version}\r\n{rest}");
    let (mut client_reader, mut upstream_writer) =
        (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_reader, &mut upstream_writer);
        let _ = upstream_writer.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut upstream, &mut client);
    let _ = client.shutdown(std::net::Shutdown::Both);
}

fn answer() -> Scenario {
    let turns = json!({"turns": [{"content": [{"type": "text", "text": "Through."}]}]});
    Scenario::from_json_str(&turns.to_string()).unwrap()
}

/// A repository whose own `.claude/settings.json` sets `env`.
fn project(env: serde_json::Value) -> Workspace {
    let settings = json!({ "env": env });
    Workspace::git(&[(".claude/settings.json", &settings.to_string())])
}

fn run(workspace: &Workspace, server: &MockServer, extra: &[&str]) -> std::process::Output {
    workspace
        .rudder(server)
        .env("RUDDER_MAX_RETRIES", "0")
        .args(["-p", "hello", "--output-format", "json"])
        .args(extra)
        .output()
        .unwrap()
}

fn assert_answered(output: &std::process::Output, server: &MockServer) {
    let result = result_of(output);
    assert_eq!(
        result["result"],
        "Through.",
        "{result}\nstderr: {}",
        stderr(output)
    );
    assert_eq!(server.requests().len(), 1, "the testkit got the request");
}

#[test]
fn a_trusted_projects_http_proxy_carries_the_model_request() {
    let proxy = ForwardProxy::start();
    let server = MockServer::spawn(answer()).unwrap();
    let workspace = project(json!({"HTTP_PROXY": proxy.url()}));
    let output = run(&workspace, &server, &["--trust"]);
    assert_answered(&output, &server);
    assert_eq!(
        proxy.targets(),
        [format!("{}/v1/messages", server.base_url())],
        "the request went through the proxy, in absolute form"
    );
}

#[test]
fn an_untrusted_projects_proxy_sees_nothing() {
    let proxy = ForwardProxy::start();
    let server = MockServer::spawn(answer()).unwrap();
    let workspace = project(json!({"HTTP_PROXY": proxy.url(), "http_proxy": proxy.url()}));
    let output = run(&workspace, &server, &[]);
    assert_answered(&output, &server);
    assert!(
        proxy.targets().is_empty(),
        "no connection before trust: {:?}",
        proxy.targets()
    );
    assert!(stderr(&output).contains("env"), "{}", stderr(&output));
}

#[test]
fn no_proxy_keeps_a_host_direct_and_doctor_shows_the_proxy() {
    let proxy = ForwardProxy::start();
    let server = MockServer::spawn(answer()).unwrap();
    let workspace =
        project(json!({"HTTP_PROXY": proxy.url(), "NO_PROXY": "example.com,127.0.0.1"}));
    let output = run(&workspace, &server, &["--trust"]);
    assert_answered(&output, &server);
    assert!(
        proxy.targets().is_empty(),
        "127.0.0.1 is reached directly: {:?}",
        proxy.targets()
    );

    let doctor = workspace
        .rudder(&server)
        .args(["--trust", "doctor"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&doctor.stdout);
    let line = report
        .lines()
        .find(|line| line.starts_with("proxy"))
        .unwrap_or_else(|| panic!("no proxy line: {report}"));
    assert!(
        line.contains(&format!("HTTP_PROXY={}", proxy.url()))
            && line.contains("NO_PROXY=example.com,127.0.0.1"),
        "{line}"
    );
}

#[test]
fn webfetch_takes_the_same_proxy() {
    let proxy = ForwardProxy::start();
    // Another testkit serves the page: `GET /` answers a line of text.
    let page = MockServer::spawn(Scenario::new(Vec::new())).unwrap();
    let page_url = format!("{}/", page.base_url());
    let server = MockServer::spawn(Scenario::new(vec![
        ScriptedTurn::tool_use(
            "WebFetch",
            json!({"url": page_url, "prompt": "What does it say?"}),
        ),
        ScriptedTurn::text("It names the testkit."),
        ScriptedTurn::text("Through."),
    ]))
    .unwrap();
    let workspace = project(json!({"HTTP_PROXY": proxy.url()}));
    let output = run(
        &workspace,
        &server,
        &["--trust", "--allowedTools", "WebFetch"],
    );
    let result = result_of(&output);
    assert_eq!(
        result["result"],
        "Through.",
        "{result}\nstderr: {}",
        stderr(&output)
    );
    assert_eq!(page.requests().len(), 1, "the page was fetched");
    let targets = proxy.targets();
    assert!(targets.contains(&page_url), "{targets:?}");
    assert!(
        targets
            .iter()
            .any(|target| target.starts_with(&server.base_url())),
        "{targets:?}"
    );
}

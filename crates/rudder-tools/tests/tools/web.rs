//! WebFetch against a local axum server and WebSearch with a fake side
//! query: conversion, redirects, caps, the cache, and the model call.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use futures::future::BoxFuture;
use rudder_protocol::AssistantMessage;
use rudder_tools::{SideQuery, SideRequest};
use serde_json::{Value, json};

use crate::{Env, text};

/// Answers every request with `content` blocks and records the requests.
struct FakeModel {
    content: Value,
    seen: Mutex<Vec<SideRequest>>,
}

impl FakeModel {
    fn new(content: Value) -> Arc<Self> {
        Arc::new(Self {
            content,
            seen: Mutex::new(Vec::new()),
        })
    }
}

impl SideQuery for FakeModel {
    fn query<'a>(
        &'a self,
        request: SideRequest,
    ) -> BoxFuture<'a, Result<AssistantMessage, String>> {
        self.seen.lock().unwrap().push(request);
        let message = serde_json::from_value(json!({
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": "fake",
            "content": self.content,
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 1, "output_tokens": 1}
        }))
        .map_err(|err| err.to_string());
        Box::pin(async move { message })
    }
}

const PAGE: &str = "<html><head><title>T</title><style>p{}</style></head><body><h1>Hello</h1><p>see <a href=\"/x\">the docs</a></p></body></html>";

/// Starts the test server; returns its base URL and its hit counter.
async fn server() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let app = Router::new()
        .route(
            "/page",
            get(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                async { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE) }
            }),
        )
        .route(
            "/same",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/page")]) }),
        )
        .route(
            "/away",
            get(|| async {
                (
                    StatusCode::MOVED_PERMANENTLY,
                    [(header::LOCATION, "https://example.org/elsewhere")],
                )
            }),
        )
        .route(
            "/loop",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/loop")]) }),
        )
        .route(
            "/huge",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/plain")],
                    "x".repeat(11 * 1024 * 1024),
                )
            }),
        )
        .route(
            "/image",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "image/png")],
                    b"\x89PNG\r\n\x1a\n".to_vec(),
                )
            }),
        )
        .route(
            "/json",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    "{\"ok\":true}",
                )
            }),
        )
        .route(
            "/missing",
            get(|| async { StatusCode::NOT_FOUND.into_response() }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), hits)
}

#[tokio::test]
async fn html_becomes_markdown_and_the_prompt_goes_to_the_small_model() {
    let (base, hits) = server().await;
    let model = FakeModel::new(json!([{"type": "text", "text": "The page greets you."}]));
    let mut env = Env::new();
    env.ctx.side_query = Some(model.clone());
    let input = json!({"url": format!("{base}/page"), "prompt": "What does it say?"});
    let output = env.run("WebFetch", input.clone()).await;
    assert!(!output.is_error, "{}", text(&output));
    assert_eq!(text(&output), "The page greets you.");
    let seen = model.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].purpose, "web-fetch");
    assert!(seen[0].small_model);
    assert!(seen[0].prompt.contains("# Hello"));
    assert!(seen[0].prompt.contains("[the docs](/x)"));
    assert!(!seen[0].prompt.contains("p{}"));
    assert!(seen[0].prompt.ends_with("What does it say?"));
    assert_eq!(output.structured.as_ref().unwrap()["code"], 200);

    env.run("WebFetch", input).await;
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "the second fetch should come from the cache"
    );
    assert_eq!(model.seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn without_a_model_the_markdown_itself_is_returned() {
    let (base, _) = server().await;
    let env = Env::new();
    let output = env
        .run(
            "WebFetch",
            json!({"url": format!("{base}/same"), "prompt": "summarise"}),
        )
        .await;
    let shown = text(&output);
    assert!(shown.contains("No model is available"));
    assert!(shown.contains("# Hello"));
    let json_page = env
        .run(
            "WebFetch",
            json!({"url": format!("{base}/json"), "prompt": "x"}),
        )
        .await;
    assert!(text(&json_page).ends_with("{\"ok\":true}"));
}

#[tokio::test]
async fn a_redirect_to_another_host_is_reported_not_followed() {
    let (base, _) = server().await;
    let model = FakeModel::new(json!([]));
    let mut env = Env::new();
    env.ctx.side_query = Some(model.clone());
    let output = env
        .run(
            "WebFetch",
            json!({"url": format!("{base}/away"), "prompt": "x"}),
        )
        .await;
    assert!(!output.is_error);
    let shown = text(&output);
    assert!(
        shown.contains("redirects (HTTP 301) to a different host: https://example.org/elsewhere")
    );
    assert!(model.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn oversized_binary_missing_and_looping_pages_are_errors() {
    let (base, _) = server().await;
    let env = Env::new();
    let cases = [
        ("/huge", "larger than 10485760 bytes"),
        ("/image", "image/png content, which is not text"),
        ("/missing", "answered HTTP 404 Not Found"),
        ("/loop", "redirected more than 10 times"),
    ];
    for (path, expected) in cases {
        let output = env
            .run(
                "WebFetch",
                json!({"url": format!("{base}{path}"), "prompt": "x"}),
            )
            .await;
        assert!(output.is_error, "{path}");
        assert!(
            text(&output).contains(expected),
            "{path}: {}",
            text(&output)
        );
    }
    let scheme = env
        .run(
            "WebFetch",
            json!({"url": "file:///etc/passwd", "prompt": "x"}),
        )
        .await;
    assert!(text(&scheme).contains("Only http and https"));
}

#[tokio::test]
async fn web_search_renders_result_blocks_and_passes_the_domain_filter() {
    let model = FakeModel::new(json!([
        {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "rust 1.95"}},
        {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [
            {"type": "web_search_result", "title": "Rust 1.95 released", "url": "https://blog.rust-lang.org/1.95", "encrypted_content": "abc", "page_age": "1 day"},
            {"type": "web_search_result", "title": "Changelog", "url": "https://github.com/rust-lang/rust/releases", "encrypted_content": "def"}
        ]},
        {"type": "text", "text": "Rust 1.95 is out."}
    ]));
    let mut env = Env::new();
    env.ctx.side_query = Some(model.clone());
    let output = env
        .run(
            "WebSearch",
            json!({"query": "rust 1.95", "allowed_domains": ["rust-lang.org"]}),
        )
        .await;
    assert!(!output.is_error, "{}", text(&output));
    assert_eq!(
        text(&output),
        "Web search results for \"rust 1.95\":\n\nLinks:\n1. [Rust 1.95 released](https://blog.rust-lang.org/1.95)\n2. [Changelog](https://github.com/rust-lang/rust/releases)\n\nRust 1.95 is out."
    );
    let seen = model.seen.lock().unwrap().clone();
    assert_eq!(seen[0].purpose, "web-search");
    assert_eq!(
        seen[0].server_tools,
        [
            json!({"type": "web_search_20250305", "name": "web_search", "max_uses": 8, "allowed_domains": ["rust-lang.org"]})
        ]
    );
}

#[tokio::test]
async fn web_search_refuses_bad_input_and_reports_search_errors() {
    let model = FakeModel::new(json!([
        {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": {"type": "web_search_tool_result_error", "error_code": "max_uses_exceeded"}}
    ]));
    let mut env = Env::new();
    let no_model = env.run("WebSearch", json!({"query": "anything"})).await;
    assert!(text(&no_model).contains("not available"));
    env.ctx.side_query = Some(model.clone());
    let both = env
        .run(
            "WebSearch",
            json!({"query": "rust", "allowed_domains": ["a.com"], "blocked_domains": ["b.com"]}),
        )
        .await;
    assert!(text(&both).contains("cannot be used together"));
    let short = env.run("WebSearch", json!({"query": "r"})).await;
    assert!(text(&short).contains("at least 2 characters"));
    assert!(model.seen.lock().unwrap().is_empty());
    let failed = env.run("WebSearch", json!({"query": "rust"})).await;
    assert!(text(&failed).contains("The search failed (max_uses_exceeded)."));
}

//! Server mode round trip, in process: rmcp's own client talks to
//! `serve_io` over an in-memory pipe — tools listed with their schemas,
//! calls answered (result, structured content, `isError`), an unknown tool
//! refused, and a cancelled call abandoned on the server side.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::DemoHandler;
use rmcp::ServiceExt as _;
use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn rmcp_client_lists_calls_and_cancels_served_tools() {
    let cancelled = Arc::new(AtomicBool::new(false));
    let handler = Arc::new(DemoHandler {
        cancelled: cancelled.clone(),
        marker: None,
    });
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let (server_read, server_write) = tokio::io::split(server_io);
    let server = tokio::spawn(rudder_mcp::serve_io(handler, server_read, server_write));
    let client = ().serve(client_io).await.unwrap();

    let tools = client.peer().list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|tool| tool.name.as_ref()).collect();
    assert_eq!(names, ["add", "sleep", "fail"]);
    let schema = serde_json::to_value(&*tools[0].input_schema).unwrap();
    assert_eq!(schema["required"], json!(["a", "b"]));

    let arguments = json!({"a": 2, "b": 3}).as_object().cloned().unwrap();
    let result = client
        .peer()
        .call_tool(CallToolRequestParams::new("add").with_arguments(arguments))
        .await
        .unwrap();
    let result = serde_json::to_value(&result).unwrap();
    assert_eq!(result["content"][0]["text"], "5");
    assert_eq!(result["structuredContent"], json!({"sum": 5.0}));
    assert!(
        !result
            .get("isError")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    );

    let failed = client
        .peer()
        .call_tool(CallToolRequestParams::new("fail"))
        .await
        .unwrap();
    assert_eq!(failed.is_error, Some(true));

    let unknown = client
        .peer()
        .call_tool(CallToolRequestParams::new("nope"))
        .await;
    assert!(unknown.is_err(), "{unknown:?}");

    let arguments = json!({"ms": 30_000}).as_object().cloned().unwrap();
    let slow = client
        .peer()
        .call_tool(CallToolRequestParams::new("sleep").with_arguments(arguments));
    assert!(
        tokio::time::timeout(Duration::from_millis(300), slow)
            .await
            .is_err()
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !cancelled.load(Ordering::SeqCst) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "cancellation did not reach the server"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    client.cancel().await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

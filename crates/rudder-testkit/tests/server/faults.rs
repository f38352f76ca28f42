//! Injected faults as a client sees them on the wire, and the real
//! response that follows them.

use std::time::{Duration, Instant};

use rudder_protocol::StreamEvent;
use rudder_testkit::{Fault, MockServer, Scenario, ScriptedTurn};
use serde_json::Value;

use crate::common::{anthropic_body, frames, post};

fn with_fault(fault: Fault, times: u32) -> MockServer {
    let turn = ScriptedTurn::text("A reply long enough to be cut into several deltas.")
        .with_fault(fault, times);
    MockServer::spawn(Scenario::new(vec![turn])).unwrap()
}

/// Posts a streaming request and asserts the full, valid response arrives.
async fn assert_recovers(server: &MockServer) {
    let response = post(
        &server.base_url(),
        "/v1/messages",
        &anthropic_body("go", true),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    let last = frames(&body).pop().unwrap();
    assert_eq!(
        StreamEvent::from_data(&last.data).unwrap(),
        StreamEvent::MessageStop
    );
}

#[tokio::test]
async fn status_faults_answer_with_the_api_error_shape_then_the_turn() {
    let fault = Fault::Status {
        status: 429,
        retry_after_secs: Some(7),
        error_type: None,
        message: Some("Number of requests has exceeded your rate limit".into()),
    };
    let server = with_fault(fault, 2);
    for _ in 0..2 {
        let response = post(
            &server.base_url(),
            "/v1/messages",
            &anthropic_body("go", true),
        )
        .await;
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "7");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["type"], "error");
        assert_eq!(body["error"]["type"], "rate_limit_error");
        assert_eq!(
            body["error"]["message"],
            "Number of requests has exceeded your rate limit"
        );
    }
    assert_recovers(&server).await;
    let requests = server.requests();
    let seen: Vec<_> = requests
        .iter()
        .map(|request| (request.turn, request.fault, request.usage.is_some()))
        .collect();
    assert_eq!(
        seen,
        [
            (Some(0), true, false),
            (Some(0), true, false),
            (Some(0), false, true)
        ]
    );
}

#[tokio::test]
async fn a_cut_stream_ends_in_a_transport_error() {
    let server = with_fault(Fault::CutMidStream { after_events: 4 }, 1);
    let mut response = post(
        &server.base_url(),
        "/v1/messages",
        &anthropic_body("go", true),
    )
    .await;
    assert_eq!(response.status(), 200);
    let mut received = Vec::new();
    let error = loop {
        match response.chunk().await {
            Ok(Some(chunk)) => received.extend_from_slice(&chunk),
            Ok(None) => panic!("the stream ended cleanly"),
            Err(error) => break error,
        }
    };
    assert!(
        error.is_body() || error.is_decode() || error.is_request(),
        "{error:?}"
    );
    let received = String::from_utf8(received).unwrap();
    assert_eq!(frames(&received).len(), 4, "{received}");
    assert!(server.requests()[0].fault);
    assert!(
        server.requests()[0].usage.is_some(),
        "the model saw the request"
    );
    assert_recovers(&server).await;
}

#[tokio::test]
async fn a_stall_is_silence_then_a_cut() {
    let server = with_fault(
        Fault::Stall {
            after_events: 2,
            ms: 300,
        },
        1,
    );
    let mut response = post(
        &server.base_url(),
        "/v1/messages",
        &anthropic_body("go", true),
    )
    .await;
    let mut received = String::new();
    let mut last_data = Instant::now();
    let error = loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                received.push_str(std::str::from_utf8(&chunk).unwrap());
                last_data = Instant::now();
            }
            Ok(None) => panic!("the stream ended cleanly"),
            Err(error) => break error,
        }
    };
    assert!(last_data.elapsed() >= Duration::from_millis(250), "{error}");
    assert_eq!(frames(&received).len(), 2);
    assert_recovers(&server).await;
}

#[tokio::test]
async fn a_malformed_event_is_not_json() {
    let server = with_fault(Fault::MalformedEvent { after_events: 3 }, 1);
    let response = post(
        &server.base_url(),
        "/v1/messages",
        &anthropic_body("go", true),
    )
    .await;
    let frames = frames(&response.text().await.unwrap());
    assert_eq!(frames.len(), 4);
    for frame in &frames[..3] {
        StreamEvent::from_data(&frame.data).unwrap();
    }
    assert!(StreamEvent::from_data(&frames[3].data).is_err());
    assert_recovers(&server).await;
}

#[tokio::test]
async fn a_stream_error_follows_message_start() {
    let fault = Fault::StreamError {
        kind: "overloaded_error".into(),
        message: "Overloaded".into(),
    };
    let server = with_fault(fault.clone(), 1);
    let response = post(
        &server.base_url(),
        "/v1/messages",
        &anthropic_body("go", true),
    )
    .await;
    let frames = frames(&response.text().await.unwrap());
    assert_eq!(frames.len(), 2);
    assert!(matches!(
        StreamEvent::from_data(&frames[0].data).unwrap(),
        StreamEvent::MessageStart { .. }
    ));
    assert_eq!(frames[1].event.as_deref(), Some("error"));
    let StreamEvent::Error { error } = StreamEvent::from_data(&frames[1].data).unwrap() else {
        panic!("not an error event")
    };
    assert_eq!(
        (error.kind.as_str(), error.message.as_str()),
        ("overloaded_error", "Overloaded")
    );
    assert_recovers(&server).await;

    // Without streaming, the same fault is the status of its type.
    let server = with_fault(fault, 1);
    let response = post(
        &server.base_url(),
        "/v1/messages",
        &anthropic_body("go", false),
    )
    .await;
    assert_eq!(response.status(), 529);
}

#[tokio::test]
async fn no_matching_turn_fails_fast_with_a_clear_400() {
    let server =
        MockServer::spawn(Scenario::new(vec![ScriptedTurn::text("x").when("needle")])).unwrap();
    let response = post(
        &server.base_url(),
        "/v1/messages",
        &anthropic_body("haystack", true),
    )
    .await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["type"], "invalid_request_error");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("testkit: no scripted turn matches"),
        "{message}"
    );
    assert!(
        message.contains("\"haystack\"") && message.contains("needle"),
        "{message}"
    );
    assert_eq!(server.requests()[0].turn, None);

    let broken = reqwest::Client::new()
        .post(format!("{}/v1/messages", server.base_url()))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 400);
    assert_eq!(server.requests()[1].body, b"{not json");
    assert_eq!(server.requests()[1].json, None);
}

/// `delay_ms` holds a turn's body back; two delayed requests in flight at
/// once wait side by side, not one after the other.
#[tokio::test]
async fn delayed_turns_wait_concurrently() {
    let turns = vec![
        ScriptedTurn::text("first").when("one").with_delay_ms(600),
        ScriptedTurn::text("second").when("two").with_delay_ms(600),
        ScriptedTurn::text("plain").when("three").with_delay_ms(300),
    ];
    let server = MockServer::spawn(Scenario::new(turns)).unwrap();
    let base = server.base_url();
    let started = Instant::now();
    let (first, second) = (anthropic_body("one", true), anthropic_body("two", true));
    let (one, two) = tokio::join!(
        post(&base, "/v1/messages", &first),
        post(&base, "/v1/messages", &second),
    );
    let (one, two) = (one.text().await.unwrap(), two.text().await.unwrap());
    let both = started.elapsed();
    let text = |body: &str| -> String {
        frames(body)
            .iter()
            .filter_map(|frame| serde_json::from_str::<Value>(&frame.data).ok())
            .filter_map(|data| data["delta"]["text"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(
        (text(&one).as_str(), text(&two).as_str()),
        ("first", "second")
    );
    assert!(both >= Duration::from_millis(600), "{both:?}");
    assert!(
        both < Duration::from_millis(1100),
        "the waits overlap: {both:?}"
    );

    let started = Instant::now();
    let plain = post(&base, "/v1/messages", &anthropic_body("three", false)).await;
    let body: Value = plain.json().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(body["content"][0]["text"], "plain");
}

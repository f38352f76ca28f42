//! Non-model routes, recording, and the server's life cycle — from plain
//! `#[test]`s with a std socket, no async runtime in the test.

use std::io::{Read, Write};
use std::net::TcpStream;

use rudder_testkit::{Api, MockServer, Scenario, ScriptedTurn};
use serde_json::Value;

/// Sends one HTTP/1.1 request and returns the status code and the body
/// (responses to these routes have a `content-length`).
fn request(server: &MockServer, method: &str, path: &str) -> (u16, String) {
    let address = server.base_url().trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&address).unwrap();
    write!(stream, "{method} {path} HTTP/1.1\r\nHost: {address}\r\nUser-Agent: Bun/1.4.0\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn probes_models_and_unknown_paths_are_answered_and_recorded() {
    let mut scenario = Scenario::new(vec![ScriptedTurn::text("unused")]);
    scenario.response_model = Some("claude-sonnet-4-5".into());
    let server = MockServer::spawn(scenario).unwrap();
    assert_eq!(request(&server, "HEAD", "/").0, 200);
    assert_eq!(request(&server, "GET", "/").0, 200);
    let (status, body) = request(&server, "GET", "/v1/models");
    assert_eq!(status, 200);
    let models: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(models["data"][0]["id"], "claude-sonnet-4-5");
    assert_eq!(models["data"][0]["object"], "model");
    assert_eq!(models["data"][0]["type"], "model");
    let (status, body) = request(&server, "POST", "/v1/messages/count_tokens");
    assert_eq!(status, 404);
    assert!(body.contains("not_found_error"), "{body}");

    let requests = server.requests();
    let seen: Vec<_> = requests
        .iter()
        .map(|request| (request.method.as_str(), request.path.as_str(), request.api))
        .collect();
    assert_eq!(
        seen,
        [
            ("HEAD", "/", Api::Other),
            ("GET", "/", Api::Other),
            ("GET", "/v1/models", Api::Other),
            ("POST", "/v1/messages/count_tokens", Api::Other)
        ]
    );
    assert_eq!(requests[0].header("user-agent"), Some("Bun/1.4.0"));
}

#[test]
fn dropping_the_server_closes_its_port() {
    let server = MockServer::spawn(Scenario::new(vec![])).unwrap();
    let address = server.base_url().trim_start_matches("http://").to_owned();
    assert_eq!(request(&server, "HEAD", "/").0, 200);
    drop(server);
    assert!(TcpStream::connect(address).is_err());
}

#[test]
fn invalid_scenarios_built_in_code_are_refused() {
    let mut turn = ScriptedTurn::text("x");
    turn.fault = Some(rudder_testkit::Fault::CutMidStream { after_events: 1 });
    turn.fault_times = 0;
    let error = MockServer::spawn(Scenario::new(vec![turn])).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        error.to_string().contains("turns[0]: fault_times is 0"),
        "{error}"
    );
}

//! `rudder doctor` (issue 9): the endpoint answers and lists its models;
//! provider, base URL, key source (never the key), model with its context
//! window and price, trust state and sandbox are shown; a dead endpoint is
//! a non-zero exit.

use rudder_testkit::{MockServer, Scenario};
use serde_json::json;

use super::support::{Workspace, stderr};

fn server(model: &str) -> MockServer {
    let scenario = json!({"turns": [], "response_model": model});
    MockServer::spawn(Scenario::from_json_str(&scenario.to_string()).unwrap()).unwrap()
}

fn doctor(command: &mut std::process::Command) -> (Option<i32>, String) {
    let output = command.arg("doctor").output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(!text.contains("test-key"), "the key is never shown: {text}");
    (
        output.status.code(),
        format!("{text}\nstderr: {}", stderr(&output)),
    )
}

#[test]
fn reports_a_working_anthropic_setup() {
    let workspace = Workspace::git(&[("README.md", "hi\n")]);
    let server = server("claude-sonnet-4-5");
    let (code, text) = doctor(&mut workspace.rudder(&server));
    assert_eq!(code, Some(0), "{text}");
    for expected in [
        "provider     anthropic (anthropic format)".to_owned(),
        format!("base URL     {}", server.base_url()),
        "key source   ANTHROPIC_API_KEY".to_owned(),
        "model        claude-sonnet-4-5 — context window 200000 tokens; $3/$15 per million"
            .to_owned(),
        "fallback     none".to_owned(),
        "endpoint     answers; 1 model(s): claude-sonnet-4-5".to_owned(),
        format!("folder       {} — not trusted", workspace.repo.display()),
        "sandbox      not enabled".to_owned(),
    ] {
        assert!(text.contains(&expected), "missing {expected:?} in:\n{text}");
    }
    let listed = server.requests();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].path.starts_with("/v1/models"));
    assert_eq!(listed[0].header("x-api-key"), Some("test-key"));
}

#[test]
fn reports_a_providers_table_entry_and_its_model_facts() {
    let workspace = Workspace::git(&[("README.md", "hi\n")]);
    let server = server("qwen3");
    let settings = json!({"providers": {"local": {
        "kind": "openai", "baseUrl": server.base_url(),
        "models": {"qwen3": {"contextWindow": 32768, "price": {"input": 0.1, "output": 0.2}}}}}});
    let user = workspace.home.join(".rudder/settings.json");
    std::fs::create_dir_all(user.parent().unwrap()).unwrap();
    std::fs::write(&user, settings.to_string()).unwrap();
    let (code, text) = doctor(
        workspace
            .rudder(&server)
            .args(["--provider", "local", "--model", "qwen3", "--trust"])
            .args(["--fallback-model", "qwen3-small"]),
    );
    assert_eq!(code, Some(0), "{text}");
    for expected in [
        "provider     local (openai format)",
        "key source   none",
        "model        qwen3 — context window 32768 tokens; $0.1/$0.2 per million",
        "fallback     qwen3-small",
        "endpoint     answers; 1 model(s): qwen3",
        "trusted for this run (--trust)",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn a_dead_endpoint_fails_and_says_so() {
    let workspace = Workspace::git(&[("README.md", "hi\n")]);
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let server = server("unused");
    let (code, text) = doctor(workspace.rudder(&server).env("ANTHROPIC_BASE_URL", &url));
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("endpoint     does not answer"), "{text}");
    assert!(
        text.contains("sandbox"),
        "the other checks still print: {text}"
    );
}

#[test]
fn a_key_helper_is_run_and_named_but_its_key_never_shown() {
    let workspace = Workspace::git(&[("README.md", "hi\n")]);
    let server = server("claude-sonnet-4-5");
    let user = workspace.home.join(".claude/settings.json");
    std::fs::create_dir_all(user.parent().unwrap()).unwrap();
    std::fs::write(&user, r#"{"apiKeyHelper": "echo helper-secret"}"#).unwrap();
    let (code, text) = doctor(workspace.rudder(&server).env_remove("ANTHROPIC_API_KEY"));
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("key source   apiKeyHelper"), "{text}");
    assert!(!text.contains("helper-secret"), "{text}");
    assert_eq!(
        server.requests()[0].header("x-api-key"),
        Some("helper-secret")
    );
}

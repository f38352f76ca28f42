//! Official SDK compatibility (issue 2 acceptance): the `anthropic` and
//! `openai` Python SDKs, pointed at a [`MockServer`], parse its streams,
//! plain responses and errors. The scripts in `tests/py/` exit non-zero on
//! any mismatch.
//!
//! When an SDK is not installed the test prints a skip notice and passes,
//! unless `RUDDER_REQUIRE_PY_SDKS=1` (set by `.ci/run`), which makes a
//! missing SDK a failure.

// Test helpers outside #[test] fns may unwrap too (clippy.toml only covers test fns).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use rudder_testkit::{MockServer, Scenario};

fn py_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py")
}

/// Whether `python3` can import `module`; panics when it cannot and the
/// SDKs are required.
fn sdk_available(module: &str) -> bool {
    let available = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|output| output.status.success());
    if !available {
        let required = std::env::var("RUDDER_REQUIRE_PY_SDKS").is_ok_and(|value| value == "1");
        assert!(
            !required,
            "RUDDER_REQUIRE_PY_SDKS=1 but `python3 -c 'import {module}'` fails; run `python3 -m pip install anthropic openai`"
        );
        eprintln!("SKIPPED: the `{module}` Python SDK is not installed (pip install {module})");
    }
    available
}

/// Serves `scenario_file` and runs `script` against it.
fn run(scenario_file: &str, script: &str) -> MockServer {
    let scenario = Scenario::from_file(&py_dir().join(scenario_file)).unwrap();
    let server = MockServer::spawn(scenario).unwrap();
    let output = Command::new("python3")
        .arg(py_dir().join(script))
        .arg(server.base_url())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
    server
}

#[test]
fn the_anthropic_sdk_parses_streams_messages_and_errors() {
    if !sdk_available("anthropic") {
        return;
    }
    let server = run("anthropic_scenario.yaml", "anthropic_sdk.py");
    let requests = server.requests();
    let model_requests: Vec<_> = requests
        .iter()
        .filter(|request| request.path.starts_with("/v1/messages"))
        .collect();
    // hello, tool, plain, 429, stream error, 529 + its retry.
    assert_eq!(
        model_requests.len(),
        7,
        "{:#?}",
        requests.iter().map(|r| &r.path).collect::<Vec<_>>()
    );
    // The key arrives as `x-api-key` or (newer SDKs) `authorization: Bearer`.
    assert!(model_requests.iter().all(|request| {
        request.header("x-api-key") == Some("test-key")
            || request.header("authorization") == Some("Bearer test-key")
    }));
    assert!(
        model_requests
            .iter()
            .all(|request| request.header("anthropic-version").is_some())
    );
    assert_eq!(
        model_requests
            .iter()
            .filter(|request| request.fault)
            .count(),
        3
    );
}

#[test]
fn the_openai_sdk_parses_chunk_streams_completions_and_errors() {
    if !sdk_available("openai") {
        return;
    }
    let server = run("openai_scenario.json", "openai_sdk.py");
    let completions = server
        .requests()
        .into_iter()
        .filter(|request| request.path == "/v1/chat/completions")
        .count();
    assert_eq!(completions, 5);
}

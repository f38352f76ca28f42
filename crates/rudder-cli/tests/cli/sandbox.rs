//! The Bash sandbox end to end (issue 4 item 6): with `"sandbox":
//! {"enabled": true}` in the user's settings, Bash calls run under
//! bubblewrap — writes inside the working directory work, writes outside
//! fail, the network is off, `cd` carries over between sandboxed calls, a
//! protected file a command creates is reported, and a call that asks to
//! leave the sandbox (`dangerouslyDisableSandbox`) needs an approval
//! (denied and listed in a headless run); with `autoAllowBashIfSandboxed`
//! (the default) a sandboxed command runs without asking while one of
//! `excludedCommands` is asked about; with `network.allowedDomains` the
//! command reaches the listed hosts through the session's filtering proxy
//! and nothing else. Skipped, saying why, where bubblewrap cannot run.

use rudder_policy::sandbox::{SandboxStatus, detect};
use rudder_testkit::{MockServer, Scenario};
use serde_json::{Value, json};

use super::support::{Workspace, records, result_of, stderr, tool_outcomes};

fn bash(command: &str) -> Value {
    json!({"type": "tool_use", "name": "Bash", "input": {"command": command, "description": "Run it"}})
}

/// The text of every tool result, in order.
#[test]
fn bash_runs_in_the_sandbox_when_settings_enable_it() {
    if let SandboxStatus::Unavailable { reason } = detect() {
        eprintln!("SKIPPED: the sandbox cannot run here: {reason}");
        return;
    }
    let workspace = Workspace::git(&[("sub/keep.txt", "")]);
    // Outside /tmp (the sandbox gives each command a private one), so the
    // folder is visible inside, read-only.
    let outside_dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let outside = outside_dir.path().canonicalize().unwrap();
    let user_settings = workspace.home.join(".claude/settings.json");
    std::fs::create_dir_all(user_settings.parent().unwrap()).unwrap();
    std::fs::write(&user_settings, r#"{"sandbox": {"enabled": true}}"#).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let write = |path: &str| format!("python3 -c \"open('{path}', 'w').write('x')\"");
    let escaped = outside.join("escaped.txt").display().to_string();
    let unsandboxed = outside.join("unsandboxed.txt").display().to_string();
    let connect = format!(
        "python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), 3); print('connected')\""
    );
    let mut leave = bash(&write(&unsandboxed));
    leave["input"]["dangerouslyDisableSandbox"] = json!(true);
    let turns = json!({"turns": [
        {"content": [bash(&write("inside.txt"))]},
        {"content": [bash(&write(&escaped))]},
        {"content": [bash(&connect)]},
        {"content": [bash(&write(".envrc"))]},
        {"content": [bash("cd sub")]},
        {"content": [bash("pwd")]},
        {"content": [leave]},
        {"content": [{"type": "text", "text": "Done."}]}
    ]});
    let server = MockServer::spawn(Scenario::from_json_str(&turns.to_string()).unwrap()).unwrap();
    let output = workspace
        .rudder(&server)
        .args([
            "-p",
            "try the sandbox",
            "--output-format",
            "stream-json",
            "--verbose",
        ])
        .args(["--allowedTools", "Bash(python3:*)"])
        .output()
        .unwrap();
    let result = result_of(&output);
    let results = tool_outcomes(&output);
    assert_eq!(results.len(), 7, "{results:?}\nstderr: {}", stderr(&output));

    assert_eq!(
        std::fs::read_to_string(workspace.repo.join("inside.txt")).unwrap(),
        "x",
        "a write inside the working directory works: {:?}",
        results[0]
    );
    // Outside the working directories the file system is read-only, and
    // /tmp is the sandbox's own: either way the write fails and nothing
    // reaches the real directory.
    assert!(!outside.join("escaped.txt").exists(), "{:?}", results[1]);
    assert!(
        results[1].0
            && (results[1].1.contains("Read-only file system")
                || results[1].1.contains("No such file or directory")),
        "the write outside failed: {:?}",
        results[1]
    );
    assert!(
        !results[2].1.contains("connected") && results[2].1.contains("Error"),
        "{:?}",
        results[2]
    );
    assert!(
        listener.set_nonblocking(true).is_ok() && listener.accept().is_err(),
        "no connection"
    );
    let warned = records(&output).into_iter().any(|record| {
        record["subtype"] == "notice"
            && record["level"] == "warning"
            && record["message"]
                .as_str()
                .unwrap_or_default()
                .contains(".envrc")
    });
    assert!(warned, "creating .envrc is reported");
    let sub = workspace.repo.join("sub").display().to_string();
    assert!(
        results[5].1.contains(&sub),
        "cd carried over: {:?}",
        results[5]
    );

    assert!(
        results[6].0,
        "leaving the sandbox was not approved: {:?}",
        results[6]
    );
    assert!(!outside.join("unsandboxed.txt").exists());
    let denials = result["permission_denials"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(denials.len(), 1, "{result}");
    assert_eq!(denials[0]["tool_input"]["dangerouslyDisableSandbox"], true);
    assert_eq!(output.status.code(), Some(3));
}

/// `sandbox.autoAllowBashIfSandboxed` (default true): a command the policy
/// would ask about runs without asking when it runs inside the sandbox,
/// while a command listed in `sandbox.excludedCommands` runs outside and
/// is asked about as before (denied in a headless run).
#[test]
fn sandboxed_commands_run_without_asking_but_excluded_ones_still_ask() {
    if let SandboxStatus::Unavailable { reason } = detect() {
        eprintln!("SKIPPED: the sandbox cannot run here: {reason}");
        return;
    }
    let workspace = Workspace::git(&[("README.md", "")]);
    let user_settings = workspace.home.join(".claude/settings.json");
    std::fs::create_dir_all(user_settings.parent().unwrap()).unwrap();
    std::fs::write(
        &user_settings,
        r#"{"sandbox": {"enabled": true, "excludedCommands": ["mkdir"]}}"#,
    )
    .unwrap();
    let turns = json!({"turns": [
        {"content": [bash("touch made-in-sandbox.txt")]},
        {"content": [bash("mkdir made-outside")]},
        {"content": [{"type": "text", "text": "Done."}]}
    ]});
    let server = MockServer::spawn(Scenario::from_json_str(&turns.to_string()).unwrap()).unwrap();
    let output = workspace.run_stream_json(&server, "make files");
    let results = tool_outcomes(&output);
    assert_eq!(results.len(), 2, "{results:?}\nstderr: {}", stderr(&output));
    assert!(
        !results[0].0 && workspace.repo.join("made-in-sandbox.txt").exists(),
        "the sandboxed command ran without an approval: {:?}",
        results[0]
    );
    assert!(
        results[1].0 && !workspace.repo.join("made-outside").exists(),
        "the excluded command needed an approval: {:?}",
        results[1]
    );
    let result = result_of(&output);
    let denials = result["permission_denials"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(denials.len(), 1, "{result}");
    assert_eq!(denials[0]["tool_input"]["command"], "mkdir made-outside");
    assert_eq!(output.status.code(), Some(3));
}

/// Serves every connection to `listener` with `hello-from-outside <path>`.
fn serve_http(listener: std::net::TcpListener) {
    use std::io::{BufRead, BufReader, Write};
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 2 {
                line.clear();
            }
            let path = request_line.split(' ').nth(1).unwrap_or_default();
            let body = format!("hello-from-outside {path}");
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
}

/// `sandbox.network.allowedDomains`: the command has a network namespace
/// of its own and reaches the outside only through the session's proxy,
/// which lets through what the list allows (plain http and a CONNECT
/// tunnel to a listener on the host's loopback) and answers 403 to the
/// rest; a direct connection goes nowhere. Commands run without asking:
/// `autoAllowBashIfSandboxed` holds with a filtered network.
#[test]
fn allowed_domains_are_reached_through_the_proxy_and_nothing_else() {
    if let SandboxStatus::Unavailable { reason } = detect() {
        eprintln!("SKIPPED: the sandbox cannot run here: {reason}");
        return;
    }
    let workspace = Workspace::git(&[("README.md", "")]);
    let allowed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let allowed_port = allowed.local_addr().unwrap().port();
    serve_http(allowed);
    let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let other_port = other.local_addr().unwrap().port();
    let settings = json!({"sandbox": {"enabled": true, "network": {"allowedDomains": [
        format!("127.0.0.1:{allowed_port}"),
        format!("localhost:{allowed_port}"),
        "https://not-a-host.example/"
    ]}}});
    let user_settings = workspace.home.join(".claude/settings.json");
    std::fs::create_dir_all(user_settings.parent().unwrap()).unwrap();
    std::fs::write(&user_settings, settings.to_string()).unwrap();
    // The sandbox keeps its own loopback out of the proxy (NO_PROXY);
    // these requests are for the host's, so they clear it.
    let plain = format!(
        "NO_PROXY= no_proxy= python3 -c 'import urllib.request as u; \
         print(u.urlopen(\"http://127.0.0.1:{allowed_port}/plain\", timeout=10).read().decode())'"
    );
    let tunnel = format!(
        "python3 -c 'import http.client as h, os, urllib.parse as p\n\
         proxy = p.urlsplit(os.environ[\"HTTPS_PROXY\"])\n\
         c = h.HTTPConnection(proxy.hostname, proxy.port, timeout=10)\n\
         c.set_tunnel(\"localhost\", {allowed_port})\n\
         c.request(\"GET\", \"/tunnel\")\n\
         print(c.getresponse().read().decode())'"
    );
    let refused = format!(
        "NO_PROXY= no_proxy= python3 -c 'import urllib.request as u, urllib.error as e\n\
         try: u.urlopen(\"http://127.0.0.1:{other_port}/\", timeout=10)\n\
         except e.HTTPError as x: print(\"refused\", x.code, x.read().decode())'"
    );
    let direct = format!(
        "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", {allowed_port}), 3); \
         print(\"direct-connected\")'"
    );
    let turns = json!({"turns": [
        {"content": [bash(&plain)]},
        {"content": [bash(&tunnel)]},
        {"content": [bash(&refused)]},
        {"content": [bash(&direct)]},
        {"content": [{"type": "text", "text": "Done."}]}
    ]});
    let server = MockServer::spawn(Scenario::from_json_str(&turns.to_string()).unwrap()).unwrap();
    let output = workspace.run_stream_json(&server, "use the network");
    let results = tool_outcomes(&output);
    assert_eq!(results.len(), 4, "{results:?}\nstderr: {}", stderr(&output));
    assert!(
        results[0].1.contains("hello-from-outside /plain"),
        "an allowed host is reached over http through the proxy: {:?}",
        results[0]
    );
    assert!(
        results[1].1.contains("hello-from-outside /tunnel"),
        "and through a CONNECT tunnel: {:?}",
        results[1]
    );
    assert!(
        results[2].1.contains("refused 403")
            && results[2].1.contains(&format!(
                "connections to 127.0.0.1:{other_port} are not allowed"
            )),
        "a port the list does not name is refused: {:?}",
        results[2]
    );
    assert!(
        other.set_nonblocking(true).is_ok() && other.accept().is_err(),
        "the refused listener saw no connection"
    );
    assert!(
        results[3].0 && !results[3].1.contains("direct-connected"),
        "a direct connection bypassing the proxy fails: {:?}",
        results[3]
    );
    let all_stderr = stderr(&output);
    assert!(
        all_stderr.contains("`https://not-a-host.example/` is not used"),
        "an unusable entry is reported: {all_stderr}"
    );
    assert!(!all_stderr.contains("autoAllowBashIfSandboxed is not applied"));
    let result = result_of(&output);
    let denials = result["permission_denials"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(denials.is_empty(), "{result}");
    assert_eq!(output.status.code(), Some(0), "{result}");
}

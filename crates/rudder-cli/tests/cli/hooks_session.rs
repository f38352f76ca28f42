//! Session hooks end to end (issue 6 acceptance): UserPromptSubmit adding
//! context and blocking a prompt, SessionStart context in the first
//! request, a Stop hook that keeps the turn going once (and one that would
//! loop forever), SessionEnd, and project hooks that run only once the
//! folder is trusted.

use rudder_testkit::MockServer;
use serde_json::json;

use super::hook_support::{
    assert_success, group, hook_lines, last_user_text, request_text, run, scenario, script,
    system_records, transcript, user_hooks,
};
use super::support::{Workspace, model_requests, records, result_of, stderr};

#[test]
fn user_prompt_submit_context_is_in_the_request_the_server_received() {
    let workspace = Workspace::git(&[("README", "hi\n")]);
    let context = script(
        &workspace,
        "context.sh",
        r#"input=$(cat)
case "$input" in *'"prompt":"what is in scope?"'*) echo 'Ticket ABC-123 is in scope' ;; esac
"#,
    );
    user_hooks(
        &workspace,
        json!({"UserPromptSubmit": [group(None, &context, None)]}),
    );
    let server = MockServer::spawn(scenario(json!([
        {"when": "ABC-123", "content": [{"type": "text", "text": "ABC-123."}]}
    ])))
    .unwrap();
    let output = run(&workspace, &server, "what is in scope?", &[]);
    let result = assert_success(&output);
    assert_eq!(result["result"], "ABC-123.");
    let requests = model_requests(&server);
    assert_eq!(requests.len(), 1);
    let sent = last_user_text(&requests[0]);
    assert!(sent.contains("what is in scope?"), "{sent}");
    assert!(
        sent.contains("UserPromptSubmit hook additional context:\\nTicket ABC-123 is in scope"),
        "{sent}"
    );
    assert_eq!(
        system_records(&output, "hook_response")[0]["effect"],
        "added context"
    );
    let lines = transcript(&workspace);
    let prompt_line = lines
        .iter()
        .find(|line| line["type"] == "user")
        .expect("the prompt is recorded");
    assert!(
        prompt_line["message"]
            .to_string()
            .contains("Ticket ABC-123")
    );
}

#[test]
fn a_blocked_prompt_is_never_sent_and_the_reason_is_reported() {
    let workspace = Workspace::git(&[("README", "hi\n")]);
    let block = script(
        &workspace,
        "block.sh",
        "cat >/dev/null\necho 'the prompt contains a secret' >&2\nexit 2\n",
    );
    user_hooks(
        &workspace,
        json!({"UserPromptSubmit": [group(None, &block, None)]}),
    );
    let server = MockServer::spawn(scenario(json!([
        {"content": [{"type": "text", "text": "never"}]}
    ])))
    .unwrap();
    let output = run(&workspace, &server, "my key is sk-123", &[]);
    let result = result_of(&output);
    assert_eq!(result["is_error"], true);
    assert!(
        result["errors"][0]
            .as_str()
            .unwrap()
            .contains("the prompt contains a secret"),
        "{result}"
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(model_requests(&server).is_empty(), "the prompt was sent");
    let lines = transcript(&workspace);
    assert!(
        !lines.iter().any(|line| line.to_string().contains("sk-123")),
        "the blocked prompt was recorded"
    );
    assert_eq!(hook_lines(&workspace)[0]["exitCode"], 2);
}

#[test]
fn session_start_context_is_in_the_first_request_and_comes_before_init() {
    let workspace = Workspace::git(&[("README", "hi\n")]);
    let start = script(
        &workspace,
        "start.sh",
        r#"input=$(cat)
case "$input" in *'"source":"startup"'*) echo '{"hookSpecificOutput": {"hookEventName": "SessionStart", "additionalContext": "Sprint goal: ship hooks"}}' ;; esac
"#,
    );
    user_hooks(
        &workspace,
        json!({"SessionStart": [group(Some("startup"), &start, None)]}),
    );
    let server = MockServer::spawn(scenario(json!([
        {"content": [{"type": "text", "text": "Hello."}]}
    ])))
    .unwrap();
    let output = run(&workspace, &server, "hello", &[]);
    assert_success(&output);
    let first = &model_requests(&server)[0];
    assert!(
        request_text(first).contains("Sprint goal: ship hooks"),
        "{}",
        request_text(first)
    );
    let all = records(&output);
    let response_at = all
        .iter()
        .position(|record| record["subtype"] == "hook_response")
        .expect("a hook_response record");
    let init_at = all
        .iter()
        .position(|record| record["subtype"] == "init")
        .unwrap();
    assert!(
        response_at < init_at,
        "SessionStart is reported before init"
    );
    assert_eq!(all[response_at]["hook_name"], "SessionStart:startup");
}

#[test]
fn a_stop_hook_that_blocks_once_continues_the_turn_exactly_once_more() {
    let workspace = Workspace::git(&[("README", "hi\n")]);
    let stop = script(
        &workspace,
        "stop.sh",
        r#"input=$(cat)
case "$input" in *'"stop_hook_active":true'*) exit 0 ;; esac
echo 'Also update the CHANGELOG' >&2
exit 2
"#,
    );
    user_hooks(&workspace, json!({"Stop": [group(None, &stop, None)]}));
    let server = MockServer::spawn(scenario(json!([
        {"content": [{"type": "text", "text": "Done."}]},
        {"when": "Also update the CHANGELOG", "content": [{"type": "text", "text": "CHANGELOG updated too."}]},
        {"content": [{"type": "text", "text": "a third request must not happen"}]}
    ])))
    .unwrap();
    let output = run(&workspace, &server, "do the thing", &[]);
    let result = assert_success(&output);
    assert_eq!(result["result"], "CHANGELOG updated too.");
    assert_eq!(result["num_turns"], 2);
    let requests = model_requests(&server);
    assert_eq!(requests.len(), 2);
    assert!(last_user_text(&requests[1]).contains("Stop hook feedback:"));
    let responses = system_records(&output, "hook_response");
    let exit_codes: Vec<_> = responses
        .iter()
        .map(|response| response["exit_code"].clone())
        .collect();
    assert_eq!(exit_codes, [json!(2), json!(0)]);
    assert!(transcript(&workspace).iter().any(|line| {
        line["type"] == "user"
            && line["message"]
                .to_string()
                .contains("Also update the CHANGELOG")
    }));
}

#[test]
fn a_stop_hook_that_always_blocks_is_cut_off() {
    let workspace = Workspace::git(&[("README", "hi\n")]);
    let stop = script(
        &workspace,
        "stop.sh",
        "cat >/dev/null\necho 'keep going' >&2\nexit 2\n",
    );
    user_hooks(&workspace, json!({"Stop": [group(None, &stop, None)]}));
    let turns: Vec<_> = (0..10)
        .map(|step| json!({"content": [{"type": "text", "text": format!("Answer {step}.")}]}))
        .collect();
    let server = MockServer::spawn(scenario(json!(turns))).unwrap();
    let output = run(&workspace, &server, "go", &[]);
    assert_success(&output);
    assert_eq!(
        model_requests(&server).len(),
        1 + rudder_core::session::MAX_STOP_CONTINUATIONS as usize
    );
    assert!(system_records(&output, "notice").iter().any(|notice| {
        notice["message"]
            .as_str()
            .unwrap_or_default()
            .contains("ending it anyway")
    }));
}

#[test]
fn a_session_end_hook_runs_when_the_run_ends() {
    let workspace = Workspace::git(&[("README", "hi\n")]);
    let marker = workspace.home.join("ended");
    let end = script(
        &workspace,
        "end.sh",
        &format!("cat > {}\n", marker.display()),
    );
    user_hooks(&workspace, json!({"SessionEnd": [group(None, &end, None)]}));
    let server = MockServer::spawn(scenario(json!([
        {"content": [{"type": "text", "text": "Bye."}]}
    ])))
    .unwrap();
    let output = run(&workspace, &server, "bye", &[]);
    assert_success(&output);
    let input: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&marker).expect("the hook ran")).unwrap();
    assert_eq!(input["hook_event_name"], "SessionEnd");
    assert_eq!(input["reason"], "other");
    // The result stays the last line; the run is in the transcript.
    assert_eq!(
        hook_lines(&workspace).last().unwrap()["hookName"],
        "SessionEnd:other"
    );
}

#[test]
fn project_hooks_run_only_in_a_trusted_folder() {
    let settings = json!({"hooks": {"UserPromptSubmit": [
        {"hooks": [{"type": "command", "command": "cat > \"$CLAUDE_PROJECT_DIR\"/../hook-ran"}]}
    ]}});
    let workspace = Workspace::git(&[(".claude/settings.json", &settings.to_string())]);
    let marker = workspace.repo.join("../hook-ran");
    let server = MockServer::spawn(scenario(json!([
        {"content": [{"type": "text", "text": "One."}]},
        {"content": [{"type": "text", "text": "Two."}]}
    ])))
    .unwrap();

    let untrusted = run(&workspace, &server, "first", &[]);
    assert_success(&untrusted);
    assert!(
        !marker.exists(),
        "a project hook ran in an untrusted folder"
    );
    assert!(system_records(&untrusted, "hook_started").is_empty());
    let told = stderr(&untrusted);
    assert!(
        told.contains("Not applied until you trust this folder") && told.contains("hooks"),
        "{told}"
    );

    let trusted = run(&workspace, &server, "second", &["--trust"]);
    assert_success(&trusted);
    let input: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&marker).expect("the trusted hook ran"))
            .unwrap();
    assert_eq!(input["prompt"], "second");
    assert_eq!(input["cwd"], workspace.repo.display().to_string());
}

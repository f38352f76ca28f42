//! Tool hooks end to end (issue 6 acceptance): the real binary, the
//! scripted model server and `/bin/sh` hooks from the user's settings.
//! PreToolUse blocking with exit 2, rewriting the input with
//! `updatedInput`, timing out; PermissionRequest answering instead of the
//! approver; Notification when an approval is needed; PostToolUse feedback.
//! Each effect is checked where a user would see it: the files, the
//! stream-json output, the request the model got, and the transcript.

use rudder_testkit::MockServer;
use serde_json::json;

use super::hook_support::{
    assert_success, group, hook_lines, last_user_text, run, scenario, script, system_records,
    tool_results, transcript, user_hooks,
};
use super::support::{Workspace, model_requests, stderr};

#[test]
fn a_pre_tool_use_hook_that_exits_2_blocks_the_call_and_the_model_reads_why() {
    let workspace = Workspace::git(&[("README", "hi\n")]);
    let guard = script(
        &workspace,
        "guard.sh",
        "cat >/dev/null\necho 'touching files is not allowed here' >&2\nexit 2\n",
    );
    user_hooks(
        &workspace,
        json!({"PreToolUse": [group(Some("Bash"), &guard, None)]}),
    );
    let server = MockServer::spawn(scenario(json!([
        {"content": [{"type": "tool_use", "name": "Bash", "input": {"command": "touch made.txt", "description": "Make a file"}}]},
        {"when": "not allowed here", "content": [{"type": "text", "text": "Understood, I will not."}]}
    ])))
    .unwrap();
    let output = run(
        &workspace,
        &server,
        "make a file",
        &["--allowedTools", "Bash(touch made.txt)"],
    );
    let result = assert_success(&output);
    assert!(
        !workspace.repo.join("made.txt").exists(),
        "the blocked command ran"
    );

    let results = tool_results(&output);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["is_error"], true);
    let text = results[0]["content"].as_str().unwrap();
    assert!(
        text.starts_with("Blocked by the PreToolUse:Bash hook: [")
            && text.ends_with("]: touching files is not allowed here"),
        "{text}"
    );
    assert_eq!(result["permission_denials"][0]["tool_name"], "Bash");

    let responses = system_records(&output, "hook_response");
    assert_eq!(responses.len(), 1, "{responses:?}");
    assert_eq!(responses[0]["hook_name"], "PreToolUse:Bash");
    assert_eq!(responses[0]["exit_code"], 2);
    assert_eq!(responses[0]["outcome"], "error");
    assert_eq!(system_records(&output, "hook_started").len(), 1);

    let requests = model_requests(&server);
    assert_eq!(requests.len(), 2);
    assert!(last_user_text(&requests[1]).contains("touching files is not allowed here"));

    let lines = transcript(&workspace);
    assert!(lines.iter().any(|line| {
        line["type"] == "user"
            && line["message"]["content"][0]["content"]
                .as_str()
                .is_some_and(|content| content.contains("Blocked by the PreToolUse:Bash hook"))
    }));
    let hooks = hook_lines(&workspace);
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["exitCode"], 2);
    assert!(
        hooks[0]["effect"]
            .as_str()
            .unwrap()
            .starts_with("blocked: ")
    );
}

#[test]
fn updated_input_rewrites_the_command_that_runs_without_a_prompt() {
    let workspace = Workspace::git(&[("README", "hi\n")]);
    let rewrite = script(
        &workspace,
        "rewrite.sh",
        r#"cat >/dev/null
echo '{"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "allow", "permissionDecisionReason": "house style", "updatedInput": {"command": "echo rewritten > out.txt", "description": "Write"}}}'
"#,
    );
    user_hooks(
        &workspace,
        json!({"PreToolUse": [group(Some("Bash"), &rewrite, None)]}),
    );
    let server = MockServer::spawn(scenario(json!([
        {"content": [{"type": "tool_use", "name": "Bash", "input": {"command": "echo original > out.txt", "description": "Write"}}]},
        {"content": [{"type": "text", "text": "Wrote it."}]}
    ])))
    .unwrap();
    // No --allowedTools: the call would need approval (denied headless);
    // the hook's allow skips that prompt.
    let output = run(&workspace, &server, "write out.txt", &[]);
    let result = assert_success(&output);
    assert!(output.status.success(), "exit {:?}", output.status);
    assert_eq!(result["permission_denials"], json!([]));
    assert_eq!(
        std::fs::read_to_string(workspace.repo.join("out.txt")).unwrap(),
        "rewritten\n"
    );
    let responses = system_records(&output, "hook_response");
    assert_eq!(responses[0]["exit_code"], 0);
    assert!(
        responses[0]["effect"]
            .as_str()
            .unwrap()
            .contains("rewrote the tool input")
    );
    assert!(
        hook_lines(&workspace)[0]["effect"]
            .as_str()
            .unwrap()
            .contains("rewrote the tool input")
    );
}

#[test]
fn a_rewritten_input_is_judged_by_the_policy_again() {
    let workspace = Workspace::git(&[("README", "hi\n")]);
    let rewrite = script(
        &workspace,
        "rewrite.sh",
        r#"cat >/dev/null
echo '{"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "allow", "updatedInput": {"command": "curl -s http://127.0.0.1:9/x > got.txt"}}}'
"#,
    );
    user_hooks(
        &workspace,
        json!({"PreToolUse": [group(Some("Bash"), &rewrite, None)]}),
    );
    let server = MockServer::spawn(scenario(json!([
        {"content": [{"type": "tool_use", "name": "Bash", "input": {"command": "echo safe"}}]},
        {"content": [{"type": "text", "text": "Denied, fine."}]}
    ])))
    .unwrap();
    let output = run(
        &workspace,
        &server,
        "say safe",
        &[
            "--allowedTools",
            "Bash(echo safe)",
            "--disallowedTools",
            "Bash(curl:*)",
        ],
    );
    assert_success(&output);
    assert!(!workspace.repo.join("got.txt").exists());
    let results = tool_results(&output);
    assert_eq!(results[0]["is_error"], true, "{results:?}");
    assert!(
        results[0]["content"].as_str().unwrap().contains("curl"),
        "{results:?}"
    );
}

#[test]
fn a_hook_that_times_out_is_killed_with_its_group_and_the_run_continues() {
    let workspace = Workspace::git(&[("README", "hi\n")]);
    let pids = workspace.home.join("hook.pids");
    let slow = script(
        &workspace,
        "slow.sh",
        &format!(
            "sleep 120 &\necho $! > {pids}\necho $$ >> {pids}\necho 'still thinking'\nsleep 120\n",
            pids = pids.display()
        ),
    );
    user_hooks(
        &workspace,
        json!({"PreToolUse": [group(Some("Bash"), &slow, Some(1.0))]}),
    );
    // The call that runs after the hook checks, right then, that no member
    // of the hook's group is still alive (zombies count as gone).
    std::fs::write(
        workspace.repo.join("check.sh"),
        format!(
            "for p in $(cat {}); do if [ -e /proc/$p ] && ! grep -q ') Z' /proc/$p/stat; then echo alive $p; fi; done; echo checked\n",
            pids.display()
        ),
    )
    .unwrap();
    let server = MockServer::spawn(scenario(json!([
        {"content": [{"type": "tool_use", "name": "Bash", "input": {"command": "sh check.sh", "description": "Check"}}]},
        {"content": [{"type": "text", "text": "Done."}]}
    ])))
    .unwrap();
    let started = std::time::Instant::now();
    let output = run(
        &workspace,
        &server,
        "check",
        &["--allowedTools", "Bash(sh check.sh)"],
    );
    assert_success(&output);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "the run waited for the hook's sleep"
    );
    let results = tool_results(&output);
    assert_eq!(
        results[0]["content"].as_str().unwrap().trim(),
        "checked",
        "{results:?}"
    );
    assert_ne!(results[0]["is_error"], true);

    let responses = system_records(&output, "hook_response");
    assert_eq!(responses[0]["timed_out"], true);
    assert!(responses[0].get("exit_code").is_none());
    assert!(system_records(&output, "notice").iter().any(|notice| {
        notice["message"]
            .as_str()
            .unwrap_or_default()
            .contains("timed out")
    }));
    let hooks = hook_lines(&workspace);
    assert_eq!(hooks[0]["timedOut"], true);
    assert_eq!(hooks[0]["stdout"], "still thinking\n");
}

#[test]
fn a_permission_request_hook_answers_instead_of_the_approver() {
    let workspace = Workspace::git(&[("README", "hi\n")]);
    let approve = script(
        &workspace,
        "approve.sh",
        r#"cat >/dev/null
echo '{"hookSpecificOutput": {"hookEventName": "PermissionRequest", "decision": {"behavior": "allow"}}}'
"#,
    );
    let marker = workspace.home.join("notified");
    let notify = script(
        &workspace,
        "notify.sh",
        &format!("cat > {}\n", marker.display()),
    );
    user_hooks(
        &workspace,
        json!({
            "PermissionRequest": [group(Some("Bash"), &approve, None)],
            "Notification": [group(Some("permission_prompt"), &notify, None)],
        }),
    );
    let server = MockServer::spawn(scenario(json!([
        {"content": [{"type": "tool_use", "name": "Bash", "input": {"command": "touch approved.txt"}}]},
        {"content": [{"type": "text", "text": "Done."}]}
    ])))
    .unwrap();
    let output = run(&workspace, &server, "touch it", &[]);
    assert_success(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(workspace.repo.join("approved.txt").exists());
    assert!(
        !marker.exists(),
        "the hook answered, so nobody had to be notified"
    );
}

#[test]
fn a_notification_hook_runs_when_an_approval_is_needed() {
    let workspace = Workspace::git(&[("README", "hi\n")]);
    let marker = workspace.home.join("notified");
    let notify = script(
        &workspace,
        "notify.sh",
        &format!("cat > {}\n", marker.display()),
    );
    user_hooks(
        &workspace,
        json!({"Notification": [group(Some("permission_prompt"), &notify, None)]}),
    );
    let server = MockServer::spawn(scenario(json!([
        {"content": [{"type": "tool_use", "name": "Bash", "input": {"command": "touch asked.txt"}}]},
        {"content": [{"type": "text", "text": "Could not."}]}
    ])))
    .unwrap();
    let output = run(&workspace, &server, "touch it", &[]);
    assert!(!workspace.repo.join("asked.txt").exists());
    let input: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&marker).expect("the hook ran")).unwrap();
    assert_eq!(input["hook_event_name"], "Notification");
    assert_eq!(input["notification_type"], "permission_prompt");
    assert!(input["message"].as_str().unwrap().contains("Bash"));
    assert_eq!(
        system_records(&output, "hook_response")[0]["hook_name"],
        "Notification:permission_prompt"
    );
}

#[test]
fn post_tool_use_feedback_reaches_the_model_with_the_result() {
    let workspace = Workspace::git(&[("notes.txt", "alpha\n")]);
    let lint = script(
        &workspace,
        "lint.sh",
        r#"input=$(cat)
case "$input" in *'"tool_name":"Read"'*) ;; *) exit 0 ;; esac
echo '{"decision": "block", "reason": "notes.txt is generated; edit notes.src instead", "hookSpecificOutput": {"hookEventName": "PostToolUse", "additionalContext": "generated by make notes"}}'
"#,
    );
    user_hooks(
        &workspace,
        json!({"PostToolUse": [group(Some("Read"), &lint, None)]}),
    );
    let server = MockServer::spawn(scenario(json!([
        {"content": [{"type": "tool_use", "name": "Read", "input": {"file_path": workspace.path("notes.txt")}}]},
        {"when": "edit notes.src instead", "content": [{"type": "text", "text": "I will edit notes.src."}]}
    ])))
    .unwrap();
    let output = run(&workspace, &server, "read the notes", &[]);
    assert_success(&output);
    let results = tool_results(&output);
    let text = results[0]["content"].as_str().unwrap();
    assert!(
        text.contains("alpha"),
        "the tool's own output stays: {text}"
    );
    assert!(
        text.contains(
            "PostToolUse:Read hook feedback:\nnotes.txt is generated; edit notes.src instead"
        ),
        "{text}"
    );
    assert!(text.contains("generated by make notes"), "{text}");
    assert!(last_user_text(&model_requests(&server)[1]).contains("edit notes.src instead"));
}

//! Background shells: start, read new output, stop, and the session's end
//! (USER-PAINS.md §4.3), through Bash, BashOutput, KillShell and the
//! TaskOutput / TaskStop aliases.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{Env, eventually, group_gone, pgid_in, text};

/// Starts `command` in the background; returns its shell id.
async fn start(env: &Env, command: &str) -> String {
    let output = env
        .run(
            "Bash",
            json!({"command": command, "run_in_background": true}),
        )
        .await;
    assert!(!output.is_error, "{}", text(&output));
    output.structured.unwrap()["backgroundTaskId"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Reads new output until `until` appears (5 s at most); returns all read.
async fn read_until(env: &Env, id: &str, until: &str) -> String {
    let mut seen = String::new();
    for _ in 0..250 {
        let output = env.run("BashOutput", json!({"bash_id": id})).await;
        seen.push_str(
            output.structured.as_ref().unwrap()["stdout"]
                .as_str()
                .unwrap(),
        );
        if seen.contains(until) {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{until:?} never appeared; saw {seen:?}");
}

#[tokio::test]
async fn output_is_read_once_and_kill_shell_ends_the_whole_group() {
    let env = Env::new();
    let pid_file = env.path("pgid");
    let id = start(
        &env,
        &format!(
            "echo $$ > {}; echo first; sleep 0.5; echo second; sleep 100000 & sleep 100000",
            pid_file.display()
        ),
    )
    .await;
    assert_eq!(id, "bash_1");
    let first = read_until(&env, &id, "first").await;
    assert!(!first.contains("second"));
    let second = read_until(&env, &id, "second").await;
    assert!(
        !second.contains("first"),
        "old output read again: {second:?}"
    );
    let pgid = pgid_in(&pid_file);
    let running = env.run("BashOutput", json!({"bash_id": id})).await;
    assert!(text(&running).starts_with("<status>running</status>"));

    let killed = env.run("KillShell", json!({"shell_id": id})).await;
    assert!(!killed.is_error, "{}", text(&killed));
    assert!(group_gone(pgid));
    let after = env.run("BashOutput", json!({"bash_id": id})).await;
    assert!(text(&after).starts_with("<status>killed</status>"));
    let again = env.run("KillShell", json!({"shell_id": id})).await;
    assert!(again.is_error);
    assert!(text(&again).contains("not running"));
}

#[tokio::test]
async fn a_finished_shell_reports_its_exit_code_and_everything_is_in_its_file() {
    let env = Env::new();
    let started = env
        .run(
            "Bash",
            json!({"command": "echo out; echo err >&2; exit 4", "run_in_background": true}),
        )
        .await;
    let id = started.structured.as_ref().unwrap()["backgroundTaskId"]
        .as_str()
        .unwrap()
        .to_owned();
    let output = env
        .run(
            "TaskOutput",
            json!({"task_id": id, "block": true, "timeout": 5000}),
        )
        .await;
    let shown = text(&output);
    assert!(
        shown.starts_with("<status>completed</status>\n\n<exit_code>4</exit_code>"),
        "{shown}"
    );
    assert!(shown.contains("<stdout>\nout\n</stdout>"));
    assert!(shown.contains("<stderr>\nerr\n</stderr>"));
    let file = output.structured.as_ref().unwrap()["outputFile"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text(&started).contains(&file));
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.contains("out\n") && saved.contains("err\n"));
}

#[tokio::test]
async fn a_filter_shows_matching_lines_and_consumes_the_rest() {
    let env = Env::new();
    let id = start(&env, "printf 'a1\\nb2\\na3\\n'").await;
    env.ctx
        .state
        .shells
        .wait(&id, Duration::from_secs(5))
        .await
        .unwrap();
    let filtered = env
        .run("BashOutput", json!({"bash_id": id, "filter": "^a"}))
        .await;
    assert_eq!(filtered.structured.as_ref().unwrap()["stdout"], "a1\na3\n");
    let rest = env.run("BashOutput", json!({"bash_id": id})).await;
    assert!(text(&rest).contains("No new output"));
    let bad = env
        .run("BashOutput", json!({"bash_id": id, "filter": "("}))
        .await;
    assert!(bad.is_error);
    assert!(text(&bad).contains("not a valid regular expression"));
}

#[tokio::test]
async fn task_stop_is_an_alias_of_kill_shell() {
    let env = Env::new();
    let pid_file = env.path("pgid");
    let id = start(
        &env,
        &format!("echo $$ > {}; sleep 100000", pid_file.display()),
    )
    .await;
    assert!(
        eventually(Duration::from_secs(5), || pid_file.exists()
            && std::fs::read_to_string(&pid_file)
                .is_ok_and(|t| t.ends_with('\n')))
        .await
    );
    let stopped = env.run("TaskStop", json!({"task_id": id})).await;
    assert!(!stopped.is_error, "{}", text(&stopped));
    assert!(group_gone(pgid_in(&pid_file)));
}

#[tokio::test]
async fn unknown_ids_and_missing_ids_are_errors_that_help() {
    let env = Env::new();
    let unknown = env.run("BashOutput", json!({"bash_id": "bash_9"})).await;
    assert!(unknown.is_error);
    assert!(text(&unknown).contains("No background shells were started"));
    let missing = env.run("KillShell", json!({})).await;
    assert!(text(&missing).contains("shell_id is required"));
}

#[tokio::test]
async fn kill_all_and_dropping_the_state_end_every_group() {
    let env = Env::new();
    let mut pid_files = Vec::new();
    for index in 0..3 {
        let pid_file = env.path(&format!("pgid{index}"));
        start(
            &env,
            &format!("echo $$ > {}; sleep 100000", pid_file.display()),
        )
        .await;
        pid_files.push(pid_file);
    }
    let written = |files: &[std::path::PathBuf]| {
        files
            .iter()
            .all(|file| std::fs::read_to_string(file).is_ok_and(|text| text.ends_with('\n')))
    };
    assert!(eventually(Duration::from_secs(5), || written(&pid_files)).await);
    env.ctx.state.shells.kill_all().await;
    for file in &pid_files {
        assert!(group_gone(pgid_in(file)));
    }
    let statuses: Vec<Value> = env
        .ctx
        .state
        .shells
        .list()
        .iter()
        .map(|info| json!(info.status.as_str()))
        .collect();
    assert_eq!(
        statuses,
        [json!("killed"), json!("killed"), json!("killed")]
    );

    let pid_file = env.path("pgid-drop");
    start(
        &env,
        &format!("echo $$ > {}; sleep 100000", pid_file.display()),
    )
    .await;
    assert!(
        eventually(Duration::from_secs(5), || written(std::slice::from_ref(
            &pid_file
        )))
        .await
    );
    let pgid = pgid_in(&pid_file);
    let Env { ctx, .. } = env;
    drop(ctx);
    assert!(eventually(Duration::from_secs(3), || group_gone(pgid)).await);
}

#[tokio::test]
async fn the_number_of_running_shells_is_bounded() {
    let env = Env::new();
    for _ in 0..rudder_tools::shells::MAX_RUNNING {
        start(&env, "sleep 100000").await;
    }
    let refused = env
        .run(
            "Bash",
            json!({"command": "sleep 1", "run_in_background": true}),
        )
        .await;
    assert!(refused.is_error);
    assert!(text(&refused).contains("background shells are already running"));
    env.ctx.state.shells.kill_all().await;
}

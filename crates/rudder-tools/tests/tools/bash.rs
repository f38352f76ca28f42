//! Bash in the foreground: output, exit codes, the working directory, the
//! environment, and commands that would hang (USER-PAINS.md §6.3).

use std::time::{Duration, Instant};

use serde_json::json;

use crate::{Env, eventually, group_gone, pgid_in, text};

/// Runs `command` with a 2 s timeout; it must return within timeout + 2 s
/// and leave no process of its group behind. Returns the result text.
async fn must_not_hang(env: &Env, command: &str) -> String {
    let pid_file = env.path("pgid");
    let _ = std::fs::remove_file(&pid_file);
    let started = Instant::now();
    let output = env
        .run(
            "Bash",
            json!({"command": format!("echo $$ > {}; {command}", pid_file.display()), "timeout": 2000}),
        )
        .await;
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_millis(4000),
        "{command} took {elapsed:?}"
    );
    let pgid = pgid_in(&pid_file);
    assert!(group_gone(pgid), "processes of `{command}` remain");
    text(&output)
}

#[tokio::test]
async fn commands_waiting_for_input_or_time_return_within_the_bound() {
    let env = Env::new();
    std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(&env.project)
        .status()
        .unwrap();
    env.write("staged.txt", "change\n");
    std::process::Command::new("git")
        .args(["add", "staged.txt"])
        .current_dir(&env.project)
        .status()
        .unwrap();
    let mut env = env;
    env.ctx.env = vec![
        ("GIT_AUTHOR_NAME".to_owned(), "Test".to_owned()),
        ("GIT_AUTHOR_EMAIL".to_owned(), "test@example.com".to_owned()),
        ("GIT_COMMITTER_NAME".to_owned(), "Test".to_owned()),
        (
            "GIT_COMMITTER_EMAIL".to_owned(),
            "test@example.com".to_owned(),
        ),
    ];
    for command in ["cat", "vi", "git commit", "read x", "sleep 100000"] {
        must_not_hang(&env, command).await;
    }
    let sleep = must_not_hang(&env, "sleep 100000").await;
    assert!(sleep.contains("Command timed out after 2 s"), "{sleep}");
}

#[tokio::test]
async fn a_timeout_ends_every_member_of_the_group_including_background_jobs() {
    let env = Env::new();
    let pids = env.path("pids");
    let command = format!(
        "sleep 100000 & echo $! >> {p}; sleep 100000 & echo $! >> {p}; wait",
        p = pids.display()
    );
    let text = must_not_hang(&env, &command).await;
    assert!(text.contains("timed out"));
    for pid in std::fs::read_to_string(&pids).unwrap().lines() {
        let pid = nix::unistd::Pid::from_raw(pid.parse().unwrap());
        assert_eq!(
            nix::sys::signal::kill(pid, None),
            Err(nix::errno::Errno::ESRCH)
        );
    }
}

#[tokio::test]
async fn processes_left_running_by_a_finished_command_are_ended() {
    let env = Env::new();
    let pid_file = env.path("pgid");
    let output = env
        .run(
            "Bash",
            json!({"command": format!("echo $$ > {}; sleep 100000 & echo started", pid_file.display())}),
        )
        .await;
    assert_eq!(text(&output), "started");
    assert!(group_gone(pgid_in(&pid_file)));
}

#[tokio::test]
async fn an_interrupt_stops_the_command_and_says_so() {
    let env = Env::new();
    let cancel = env.ctx.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        cancel.cancel();
    });
    let pid_file = env.path("pgid");
    let output = env
        .run(
            "Bash",
            json!({"command": format!("echo $$ > {}; sleep 100000", pid_file.display())}),
        )
        .await;
    assert!(output.is_error);
    assert!(text(&output).contains("interrupted by the user"));
    assert_eq!(output.structured.as_ref().unwrap()["interrupted"], true);
    assert!(group_gone(pgid_in(&pid_file)));
}

#[tokio::test]
async fn dropping_a_running_call_ends_its_group() {
    let env = Env::new();
    let pid_file = env.path("pgid");
    let command = format!(
        "echo $$ > {}.tmp; mv {0}.tmp {0}; sleep 100000 & sleep 100000",
        pid_file.display()
    );
    let mut call = Box::pin(env.run("Bash", json!({"command": command})));
    let started = async {
        while !pid_file.exists() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::select! {
        _ = &mut call => panic!("the command ended by itself"),
        () = started => {}
    }
    let pgid = pgid_in(&pid_file);
    drop(call);
    assert!(eventually(Duration::from_secs(3), || group_gone(pgid)).await);
}

#[tokio::test]
async fn stdout_comes_before_stderr_and_the_structured_result_keeps_them_apart() {
    let env = Env::new();
    let output = env
        .run(
            "Bash",
            json!({"command": "echo to-err >&2; echo to-out", "description": "Print twice"}),
        )
        .await;
    assert!(!output.is_error);
    assert_eq!(text(&output), "to-out\nto-err");
    assert_eq!(
        output.structured,
        Some(
            json!({"stdout": "to-out\n", "stderr": "to-err\n", "interrupted": false, "isImage": false})
        )
    );
}

#[tokio::test]
async fn a_failing_command_is_an_error_that_still_shows_its_output() {
    let env = Env::new();
    let output = env
        .run("Bash", json!({"command": "echo partial; exit 3"}))
        .await;
    assert!(output.is_error);
    assert_eq!(text(&output), "Exit code 3\npartial");
}

#[tokio::test]
async fn the_working_directory_persists_but_the_environment_does_not() {
    let env = Env::new();
    std::fs::create_dir(env.path("sub")).unwrap();
    env.run("Bash", json!({"command": "cd sub && export X=1"}))
        .await;
    let pwd = env.run("Bash", json!({"command": "pwd"})).await;
    assert_eq!(text(&pwd), env.path("sub").display().to_string());
    let x = env.run("Bash", json!({"command": "echo \"X=[$X]\""})).await;
    assert_eq!(text(&x), "X=[]");
    let records = rudder_tools::bash::cwd_record_dir(&env.spill);
    assert_eq!(
        std::fs::read_dir(records).unwrap().count(),
        0,
        "record files left behind"
    );
}

#[tokio::test]
async fn a_working_directory_that_vanished_falls_back_to_the_project() {
    let env = Env::new();
    std::fs::create_dir(env.path("gone")).unwrap();
    env.run("Bash", json!({"command": "cd gone"})).await;
    std::fs::remove_dir(env.path("gone")).unwrap();
    let pwd = env.run("Bash", json!({"command": "pwd"})).await;
    let shown = text(&pwd);
    assert!(shown.contains("no longer exists"), "{shown}");
    assert!(
        shown.ends_with(&env.project.display().to_string()),
        "{shown}"
    );
}

#[tokio::test]
async fn output_over_the_limit_is_cut_and_saved_whole() {
    let env = Env::new();
    let output = env
        .run_as("toolu_big", "Bash", json!({"command": "seq 1 20000"}))
        .await;
    let shown = text(&output);
    assert!(
        shown.chars().count() < 31_000,
        "{} chars",
        shown.chars().count()
    );
    assert!(shown.starts_with("1\n2\n3\n"));
    assert!(shown.ends_with("19999\n20000"));
    let line = shown
        .lines()
        .find(|line| line.starts_with("stdout, "))
        .unwrap_or_else(|| panic!("no file note in {shown}"));
    let path = std::path::PathBuf::from(line.split_once(": ").unwrap().1);
    assert!(path.starts_with(&env.spill));
    let expected: String = (1..=20000).map(|n| format!("{n}\n")).collect();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
}

#[tokio::test]
async fn children_get_a_non_interactive_environment_and_their_own_session() {
    let mut env = Env::new();
    env.ctx.env = vec![
        ("FROM_SETTINGS".to_owned(), "yes".to_owned()),
        ("EDITOR".to_owned(), "vim".to_owned()),
    ];
    let output = env
        .run(
            "Bash",
            json!({"command": "echo \"$PAGER $GIT_EDITOR $EDITOR $GIT_TERMINAL_PROMPT $CLAUDECODE $FROM_SETTINGS\"; read -r pid comm state ppid pgrp sid rest < /proc/$$/stat; echo \"$pid $pgrp $sid\"; cat; echo \"stdin:$?\""}),
        )
        .await;
    let shown = text(&output);
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines[0], "cat true true 0 1 yes");
    let ids: Vec<&str> = lines[1].split(' ').collect();
    assert_eq!(ids[0], ids[1], "not a group leader: {shown}");
    assert_eq!(ids[0], ids[2], "not a session leader: {shown}");
    assert_eq!(lines[2], "stdin:0");
}

#[tokio::test]
async fn a_sandbox_prefix_wraps_the_shell() {
    let mut env = Env::new();
    env.ctx.sandbox_prefix = Some(vec!["env".to_owned(), "INSIDE_PREFIX=1".to_owned()]);
    let output = env
        .run("Bash", json!({"command": "echo \"prefix=$INSIDE_PREFIX\""}))
        .await;
    assert_eq!(text(&output), "prefix=1");
}

#[tokio::test]
async fn bad_input_is_refused_with_a_message() {
    let env = Env::new();
    let empty = env.run("Bash", json!({"command": "  "})).await;
    assert!(empty.is_error);
    assert!(text(&empty).contains("command is empty"));
    let unknown = env
        .run("Bash", json!({"command": "true", "shell": "zsh"}))
        .await;
    assert!(text(&unknown).contains("unknown field `shell`"));
    let no_output = env
        .run("Bash", json!({"command": "true", "timeout": 0}))
        .await;
    assert_eq!(text(&no_output), "(No output)");
}

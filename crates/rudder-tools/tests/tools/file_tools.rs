//! The file tools' error paths and shape-keeping, through the registry:
//! not unique, not read first, changed on disk, binary, directory,
//! missing, permission denied, symbolic links, huge files, CRLF files.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use serde_json::json;

use crate::{Env, text};

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

async fn read(env: &Env, path: &Path) -> rudder_tools::ToolOutput {
    env.run("Read", json!({"file_path": path})).await
}

/// Asserts `output` is an error whose text contains `expected`.
fn assert_error(output: &rudder_tools::ToolOutput, expected: &str) {
    assert!(output.is_error, "not an error: {}", text(output));
    assert!(
        text(output).contains(expected),
        "expected {expected:?} in {}",
        text(output)
    );
}

#[tokio::test]
async fn read_refuses_missing_directories_binary_and_relative_paths() {
    let env = Env::new();
    let binary = env.write("data.bin", b"\x7fELF\0\0\x01");
    assert_error(&read(&env, &env.path("nope.txt")).await, "does not exist");
    assert_error(&read(&env, &env.project).await, "is a directory");
    assert_error(&read(&env, &binary).await, "looks like a binary file");
    assert_error(
        &env.run("Read", json!({"file_path": "src/main.rs"})).await,
        "not an absolute path",
    );
}

#[tokio::test]
async fn a_huge_file_is_shown_in_part_with_a_notice() {
    let env = Env::new();
    let body: String = (1..=5000).map(|n| format!("line {n}\n")).collect();
    let path = env.write("long.txt", body);
    let shown = text(&read(&env, &path).await);
    assert!(shown.starts_with("     1\tline 1\n"));
    assert!(shown.contains("  2000\tline 2000\n"));
    assert!(!shown.contains("line 2001\n"));
    assert!(shown.contains("Partial view: lines 1–2000 of 5000"));
}

#[tokio::test]
async fn edit_requires_a_fresh_read() {
    let env = Env::new();
    let path = env.write("a.txt", "alpha\nbeta\n");
    let edit = json!({"file_path": path, "old_string": "alpha", "new_string": "ALPHA"});
    assert_error(
        &env.run("Edit", edit.clone()).await,
        "has not been read in this session",
    );
    read(&env, &path).await;
    std::fs::write(&path, "alpha\nbeta changed\n").unwrap();
    assert_error(
        &env.run("Edit", edit.clone()).await,
        "has changed on disk since it was last read",
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "alpha\nbeta changed\n"
    );
    read(&env, &path).await;
    assert!(!env.run("Edit", edit).await.is_error);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "ALPHA\nbeta changed\n"
    );
}

#[tokio::test]
async fn edit_reports_not_unique_not_found_and_identical() {
    let env = Env::new();
    let path = env.write("dup.txt", "x = 1\nx = 1\n");
    read(&env, &path).await;
    let edit =
        |old: &str, new: &str| json!({"file_path": path, "old_string": old, "new_string": new});
    assert_error(
        &env.run("Edit", edit("x = 1", "x = 2")).await,
        "occurs 2 times",
    );
    assert_error(
        &env.run("Edit", edit("y = 1", "y = 2")).await,
        "was not found",
    );
    assert_error(&env.run("Edit", edit("x = 1", "x = 1")).await, "identical");
    let all = json!({"file_path": path, "old_string": "x = 1", "new_string": "x = 2", "replace_all": true});
    assert!(!env.run("Edit", all).await.is_error);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "x = 2\nx = 2\n");
}

#[tokio::test]
async fn edit_refuses_directories_missing_files_and_text_that_is_not_utf8() {
    let env = Env::new();
    let edit = |path: &Path| json!({"file_path": path, "old_string": "a", "new_string": "b"});
    assert_error(&env.run("Edit", edit(&env.project)).await, "is a directory");
    assert_error(
        &env.run("Edit", edit(&env.path("missing.txt"))).await,
        "does not exist",
    );
    let latin1 = env.write("latin1.txt", b"caf\xe9 a\n");
    read(&env, &latin1).await;
    assert_error(&env.run("Edit", edit(&latin1)).await, "not valid UTF-8");
    assert_eq!(std::fs::read(&latin1).unwrap(), b"caf\xe9 a\n");
}

#[tokio::test]
async fn a_file_over_the_edit_limit_is_refused() {
    let env = Env::new();
    let path = env.path("huge.txt");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(rudder_tools::fs_util::MAX_EDIT_BYTES + 1)
        .unwrap();
    let output = env
        .run(
            "Edit",
            json!({"file_path": path, "old_string": "a", "new_string": "b"}),
        )
        .await;
    assert_error(&output, "over this tool's limit");
}

#[tokio::test]
async fn a_read_only_file_is_not_replaced() {
    let env = Env::new();
    let path = env.write("locked.txt", "keep\n");
    read(&env, &path).await;
    set_mode(&path, 0o444);
    let output = env
        .run("Write", json!({"file_path": path, "content": "changed\n"}))
        .await;
    assert_error(&output, "is read-only (mode 0444)");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep\n");
}

#[tokio::test]
async fn an_unreadable_file_is_refused_with_permission_denied() {
    if !nix::unistd::geteuid().is_root() {
        let env = Env::new();
        let path = env.write("secret.txt", "x\n");
        set_mode(&path, 0o000);
        assert_error(&read(&env, &path).await, "Permission denied");
        return;
    }
    // Permission bits do not stop root: check as `nobody` in a child run
    // of this test binary.
    let dir = tempfile::tempdir().unwrap();
    set_mode(dir.path(), 0o755);
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "x\n").unwrap();
    set_mode(&secret, 0o600);
    let status = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "file_tools::unprivileged_read_is_denied",
            "--ignored",
            "--quiet",
        ])
        .env("RUDDER_UNREADABLE_FILE", &secret)
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test]
#[ignore = "run as an unprivileged user by an_unreadable_file_is_refused_with_permission_denied"]
async fn unprivileged_read_is_denied() {
    let secret = std::env::var("RUDDER_UNREADABLE_FILE").unwrap();
    let env = Env::new();
    let output = env.run("Read", json!({"file_path": secret})).await;
    assert_error(&output, "Permission denied");
}

#[tokio::test]
async fn edits_through_a_symbolic_link_change_the_target_and_keep_the_link() {
    let env = Env::new();
    let target = env.write("real.txt", "old text\n");
    let link = env.path("link.txt");
    symlink(&target, &link).unwrap();
    let shown = text(&read(&env, &link).await);
    assert!(shown.contains("old text"));
    let output = env
        .run(
            "Edit",
            json!({"file_path": link, "old_string": "old", "new_string": "new"}),
        )
        .await;
    assert!(!output.is_error, "{}", text(&output));
    assert!(text(&output).contains("through the symbolic link"));
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "new text\n");
    let write = env
        .run("Write", json!({"file_path": link, "content": "written\n"}))
        .await;
    assert!(!write.is_error, "{}", text(&write));
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "written\n");
}

#[tokio::test]
async fn crlf_files_keep_their_line_endings() {
    let env = Env::new();
    let path = env.write("win.txt", "one\r\ntwo\r\nthree\r\n");
    let shown = text(&read(&env, &path).await);
    assert!(!shown.contains('\r'));
    let edit = env
        .run(
            "Edit",
            json!({"file_path": path, "old_string": "one\ntwo", "new_string": "uno\ndos"}),
        )
        .await;
    assert!(!edit.is_error, "{}", text(&edit));
    assert_eq!(std::fs::read(&path).unwrap(), b"uno\r\ndos\r\nthree\r\n");
    let write = env
        .run("Write", json!({"file_path": path, "content": "a\nb\n"}))
        .await;
    assert!(!write.is_error);
    assert_eq!(std::fs::read(&path).unwrap(), b"a\r\nb\r\n");
}

#[tokio::test]
async fn write_needs_a_read_for_existing_files_only() {
    let env = Env::new();
    let existing = env.write("exists.txt", "old\n");
    assert_error(
        &env.run("Write", json!({"file_path": existing, "content": "new\n"}))
            .await,
        "has not been read in this session",
    );
    let fresh = env.path("deep/new/file.txt");
    let created = env
        .run("Write", json!({"file_path": fresh, "content": "hi\n"}))
        .await;
    assert!(!created.is_error, "{}", text(&created));
    assert_eq!(std::fs::read_to_string(&fresh).unwrap(), "hi\n");
    assert_error(
        &env.run("Write", json!({"file_path": env.project, "content": "x"}))
            .await,
        "is a directory",
    );
}

#[tokio::test]
async fn multi_edit_is_all_or_nothing() {
    let env = Env::new();
    let path = env.write("m.txt", "a b c\n");
    read(&env, &path).await;
    let output = env
        .run(
            "MultiEdit",
            json!({"file_path": path, "edits": [
                {"old_string": "a", "new_string": "A"},
                {"old_string": "zzz", "new_string": "Z"}
            ]}),
        )
        .await;
    assert_error(&output, "edits[1]");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "a b c\n");
}

#[tokio::test]
async fn notebook_edit_requires_a_read_and_a_notebook() {
    let env = Env::new();
    let notebook = env.write(
        "n.ipynb",
        r#"{"cells": [{"cell_type": "code", "id": "c1", "metadata": {}, "source": ["print(1)"], "outputs": [], "execution_count": null}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"#,
    );
    let edit = json!({"notebook_path": notebook, "cell_id": "c1", "new_source": "print(2)"});
    assert_error(
        &env.run("NotebookEdit", edit.clone()).await,
        "has not been read in this session",
    );
    read(&env, &notebook).await;
    let done = env.run("NotebookEdit", edit).await;
    assert!(!done.is_error, "{}", text(&done));
    assert!(
        std::fs::read_to_string(&notebook)
            .unwrap()
            .contains("print(2)")
    );
    let directory = env
        .run(
            "NotebookEdit",
            json!({"notebook_path": env.project, "new_source": "x"}),
        )
        .await;
    assert!(directory.is_error);
}

#[tokio::test]
async fn a_named_pipe_is_refused_at_once_instead_of_waiting_for_a_writer() {
    let env = Env::new();
    let fifo = env.path("pipe");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let fifo_text = fifo.display().to_string();
    let calls = [
        ("Read", json!({"file_path": fifo_text})),
        (
            "Edit",
            json!({"file_path": fifo_text, "old_string": "a", "new_string": "b"}),
        ),
        ("Write", json!({"file_path": fifo_text, "content": "x"})),
        ("Grep", json!({"pattern": "x", "path": fifo_text})),
    ];
    for (tool, input) in calls {
        let answered =
            tokio::time::timeout(std::time::Duration::from_secs(5), env.run(tool, input)).await;
        let Ok(output) = answered else {
            // Let the stuck open return before failing.
            let _ = std::fs::OpenOptions::new().write(true).open(&fifo);
            panic!("{tool} waited on the named pipe");
        };
        assert_error(&output, "not a regular file");
    }
}

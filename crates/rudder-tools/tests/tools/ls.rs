//! LS: a sorted, gitignore-aware tree, with ignore globs and a cap.

use serde_json::json;

use crate::{Env, text};

#[tokio::test]
async fn the_tree_is_sorted_and_leaves_out_ignored_entries() {
    let env = Env::new();
    std::fs::create_dir(env.path(".git")).unwrap();
    env.write(".gitignore", "build/\n");
    env.write("src/b.rs", "");
    env.write("src/a.rs", "");
    env.write("build/out", "");
    env.write("debug.log", "");
    env.write("README.md", "");
    let output = env
        .run("LS", json!({"path": env.project, "ignore": ["*.log"]}))
        .await;
    let expected = format!(
        "- {}/\n  - .gitignore\n  - README.md\n  - src/\n    - a.rs\n    - b.rs",
        env.project.display()
    );
    assert_eq!(text(&output), expected);
}

#[tokio::test]
async fn a_large_tree_is_cut_with_a_note_and_upper_levels_first() {
    let env = Env::new();
    for dir in 0..3 {
        for file in 0..400 {
            env.write(&format!("d{dir}/f{file:03}"), "");
        }
    }
    env.write("top.txt", "");
    let output = env.run("LS", json!({"path": env.project})).await;
    let shown = text(&output);
    assert!(
        shown.starts_with("There are more than 1000 entries"),
        "{}",
        &shown[..200]
    );
    assert!(shown.contains("\n  - top.txt"));
    assert!(shown.contains("\n  - d2/"));
    let entries = shown
        .lines()
        .filter(|line| line.trim_start().starts_with("- "))
        .count();
    assert_eq!(entries, 1001);
}

#[tokio::test]
async fn relative_missing_and_file_paths_are_errors() {
    let env = Env::new();
    env.write("file.txt", "");
    let relative = env.run("LS", json!({"path": "src"})).await;
    assert!(text(&relative).contains("not an absolute path"));
    let missing = env.run("LS", json!({"path": env.path("nope")})).await;
    assert!(text(&missing).contains("does not exist"));
    let file = env.run("LS", json!({"path": env.path("file.txt")})).await;
    assert!(file.is_error);
    assert!(text(&file).contains("not a directory"));
    let bad_glob = env
        .run("LS", json!({"path": env.project, "ignore": ["a[b"]}))
        .await;
    assert!(text(&bad_glob).contains("not valid"));
}

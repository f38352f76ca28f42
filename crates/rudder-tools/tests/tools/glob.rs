//! Glob: files by name pattern, newest first, gitignore-aware.

use std::time::{Duration, SystemTime};

use serde_json::json;

use crate::{Env, text};

#[tokio::test]
async fn matches_below_the_search_directory_newest_first_skipping_ignored_files() {
    let env = Env::new();
    std::fs::create_dir(env.path(".git")).unwrap();
    env.write(".gitignore", "target/\n");
    env.write("src/a.rs", "");
    env.write("src/deep/b.rs", "");
    env.write("target/c.rs", "");
    env.write("top.rs", "");
    let at = |secs: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
    for (file, secs) in [
        ("src/a.rs", 1_000),
        ("src/deep/b.rs", 3_000),
        ("top.rs", 2_000),
    ] {
        std::fs::File::options()
            .write(true)
            .open(env.path(file))
            .unwrap()
            .set_modified(at(secs))
            .unwrap();
    }
    let all = env.run("Glob", json!({"pattern": "**/*.rs"})).await;
    assert_eq!(
        text(&all),
        [
            env.path("src/deep/b.rs"),
            env.path("top.rs"),
            env.path("src/a.rs")
        ]
        .map(|path| path.display().to_string())
        .join("\n")
    );
    let top = env.run("Glob", json!({"pattern": "*.rs"})).await;
    assert_eq!(text(&top), env.path("top.rs").display().to_string());
    let none = env.run("Glob", json!({"pattern": "*.py"})).await;
    assert_eq!(text(&none), "No files found");
}

#[tokio::test]
async fn relative_paths_start_in_the_bash_working_directory_as_the_policy_judges_them() {
    let env = Env::new();
    env.write("top.txt", "");
    env.write("sub/inner.txt", "");
    let outside = env.project.parent().unwrap().join("outside.txt");
    std::fs::write(&outside, "").unwrap();
    *env.ctx.state.bash_cwd.lock().unwrap() = env.path("sub");

    let here = env.run("Glob", json!({"pattern": "*.txt"})).await;
    assert_eq!(text(&here), env.path("sub/inner.txt").display().to_string());
    let up = env
        .run("Glob", json!({"pattern": "*.txt", "path": ".."}))
        .await;
    assert_eq!(text(&up), env.path("top.txt").display().to_string());
}

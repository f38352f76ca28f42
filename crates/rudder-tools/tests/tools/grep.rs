//! Grep: Claude Code's parameters over ripgrep's engine.

use std::time::{Duration, SystemTime};

use serde_json::json;

use crate::{Env, text};

/// A small repository: two Rust files, a text file, an ignored file, a
/// hidden file and a binary file.
fn tree() -> Env {
    let env = Env::new();
    std::fs::create_dir(env.path(".git")).unwrap();
    env.write(".gitignore", "target/\n");
    env.write(
        "src/main.rs",
        "fn main() {\n    helper();\n}\n\nfn helper() {}\n",
    );
    env.write("src/lib.rs", "pub fn Helper() {}\n");
    env.write("notes.txt", "one helper\ntwo\nthree helper\n");
    env.write("target/out.rs", "fn helper() {}\n");
    env.write(".config/hidden.toml", "helper = true\n");
    env.write("blob.bin", b"helper\0\x01\x02");
    let at = |secs: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
    for (file, secs) in [
        ("src/main.rs", 3_000),
        ("src/lib.rs", 1_000),
        ("notes.txt", 2_000),
        (".config/hidden.toml", 500),
    ] {
        std::fs::File::options()
            .write(true)
            .open(env.path(file))
            .unwrap()
            .set_modified(at(secs))
            .unwrap();
    }
    env
}

#[tokio::test]
async fn files_with_matches_is_the_default_newest_first_skipping_ignored_and_binary() {
    let env = tree();
    let output = env.run("Grep", json!({"pattern": "helper"})).await;
    let expected = format!(
        "Found 3 files\n{}\n{}\n{}",
        env.path("src/main.rs").display(),
        env.path("notes.txt").display(),
        env.path(".config/hidden.toml").display()
    );
    assert_eq!(text(&output), expected);
}

#[tokio::test]
async fn case_insensitive_glob_and_type_filters_narrow_the_search() {
    let env = tree();
    let insensitive = env
        .run("Grep", json!({"pattern": "^pub fn helper", "-i": true}))
        .await;
    assert!(text(&insensitive).ends_with("src/lib.rs"));
    let by_glob = env
        .run("Grep", json!({"pattern": "helper", "glob": "*.txt"}))
        .await;
    assert_eq!(
        text(&by_glob),
        format!("Found 1 file\n{}", env.path("notes.txt").display())
    );
    let by_type = env
        .run("Grep", json!({"pattern": "helper", "type": "rust"}))
        .await;
    assert_eq!(
        text(&by_type),
        format!("Found 1 file\n{}", env.path("src/main.rs").display())
    );
}

#[tokio::test]
async fn content_mode_shows_numbered_lines_with_context_and_separators() {
    let env = tree();
    let output = env
        .run(
            "Grep",
            json!({"pattern": "helper", "output_mode": "content", "-C": 1, "path": "src"}),
        )
        .await;
    let main = env.path("src/main.rs").display().to_string();
    let expected = [
        format!("{main}-1-fn main() {{"),
        format!("{main}:2:    helper();"),
        format!("{main}-3-}}"),
        format!("{main}-4-"),
        format!("{main}:5:fn helper() {{}}"),
    ]
    .join("\n");
    assert_eq!(text(&output), expected);
    let plain = env
        .run(
            "Grep",
            json!({"pattern": "helper", "output_mode": "content", "-n": false, "path": "notes.txt"}),
        )
        .await;
    assert_eq!(text(&plain), "one helper\nthree helper");
}

#[tokio::test]
async fn count_mode_gives_lines_per_file_and_a_total() {
    let env = tree();
    let output = env
        .run(
            "Grep",
            json!({"pattern": "helper", "output_mode": "count", "glob": "*.{rs,txt}"}),
        )
        .await;
    let expected = format!(
        "{}:2\n{}:2\n\nFound 4 matching lines in 2 files.",
        env.path("notes.txt").display(),
        env.path("src/main.rs").display()
    );
    assert_eq!(text(&output), expected);
}

#[tokio::test]
async fn head_limit_and_offset_page_through_results() {
    let env = Env::new();
    let body: String = (1..=10).map(|n| format!("match {n}\n")).collect();
    env.write("many.txt", body);
    let page = env
        .run(
            "Grep",
            json!({"pattern": "match", "output_mode": "content", "path": "many.txt", "offset": 2, "head_limit": 3}),
        )
        .await;
    assert_eq!(
        text(&page),
        "3:match 3\n4:match 4\n5:match 5\n\n(Showing lines 3–5 of 10. Use offset and head_limit to see others.)"
    );
}

#[tokio::test]
async fn multiline_patterns_span_lines_only_when_asked() {
    let env = tree();
    let refused = env
        .run(
            "Grep",
            json!({"pattern": "main\\(\\) \\{\\n    helper", "path": "src"}),
        )
        .await;
    assert!(refused.is_error);
    assert!(text(&refused).contains("multiline"));
    let found = env
        .run(
            "Grep",
            json!({"pattern": "main\\(\\) \\{\\n    helper", "path": "src", "multiline": true}),
        )
        .await;
    assert!(text(&found).ends_with("src/main.rs"));
}

#[tokio::test]
async fn errors_name_the_problem() {
    let env = tree();
    let cases = [
        (json!({"pattern": "("}), "not a valid regular expression"),
        (
            json!({"pattern": "x", "type": "klingon"}),
            "not a known ripgrep file type",
        ),
        (json!({"pattern": "x", "path": "missing"}), "does not exist"),
        (json!({"pattern": ""}), "pattern is empty"),
        (json!({"pattern": "x", "-Z": true}), "unknown field `-Z`"),
        (
            json!({"pattern": "x", "output_mode": "lines"}),
            "unknown variant `lines`",
        ),
    ];
    for (input, expected) in cases {
        let output = env.run("Grep", input.clone()).await;
        assert!(output.is_error, "{input}");
        assert!(
            text(&output).contains(expected),
            "{input}: {}",
            text(&output)
        );
    }
    let none = env.run("Grep", json!({"pattern": "absent-word"})).await;
    assert_eq!(text(&none), "No files found");
}

#[tokio::test]
async fn relative_paths_start_in_the_bash_working_directory_as_the_policy_judges_them() {
    // The policy resolves a relative `path` against the Bash tool's current
    // directory; the search must start there too, or `..` after a `cd`
    // would reach a directory the policy never looked at.
    let env = Env::new();
    env.write("top.txt", "needle\n");
    env.write("sub/inner.txt", "needle\n");
    let outside = env.project.parent().unwrap().join("outside.txt");
    std::fs::write(&outside, "needle\n").unwrap();
    *env.ctx.state.bash_cwd.lock().unwrap() = env.path("sub");

    let here = env.run("Grep", json!({"pattern": "needle"})).await;
    assert_eq!(
        text(&here),
        format!("Found 1 file\n{}", env.path("sub/inner.txt").display())
    );
    let up = env
        .run("Grep", json!({"pattern": "needle", "path": ".."}))
        .await;
    let found = text(&up);
    assert!(found.starts_with("Found 2 files"), "{found}");
    assert!(!found.contains("outside.txt"), "{found}");
}

#[tokio::test]
async fn a_recursive_search_skips_secret_files_that_a_named_path_would_reach() {
    // The policy judges the search root only; files on the built-in secrets
    // list (`.env*`, private keys) found below it are not read.
    let env = Env::new();
    env.write(".env", "API_KEY=sk-live-123\n");
    env.write("deploy/.env.production", "API_KEY=sk-prod-456\n");
    env.write("certs/server.key", "API_KEY in a key file\n");
    env.write(".env.example", "API_KEY=\n");
    env.write("src/config.rs", "let key = env(\"API_KEY\");\n");

    let found = env
        .run(
            "Grep",
            json!({"pattern": "API_KEY", "output_mode": "content"}),
        )
        .await;
    let shown = text(&found);
    assert!(!shown.contains("sk-live"), "{shown}");
    assert!(!shown.contains("sk-prod"), "{shown}");
    assert!(!shown.contains("server.key"), "{shown}");
    assert!(shown.contains("config.rs"), "{shown}");
    assert!(shown.contains(".env.example"), "{shown}");
    assert!(
        shown.contains("3 files on the built-in secrets list"),
        "{shown}"
    );

    // Named as the path, the file is searched: the policy decided on it.
    let named = env
        .run(
            "Grep",
            json!({"pattern": "API_KEY", "path": ".env", "output_mode": "content"}),
        )
        .await;
    assert_eq!(text(&named), "1:API_KEY=sk-live-123");
}

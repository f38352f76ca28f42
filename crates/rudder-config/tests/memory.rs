//! Memory files through the public API: the walk up from cwd, imports
//! (depth, cycles, missing targets, `~/`), lazily loaded subfolders and
//! once-per-session dedupe.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::path::PathBuf;

use rudder_config::memory::{
    MAX_IMPORT_DEPTH, MemoryLevel, load_memory, memory_for_subdir, render_memory, retain_unseen,
};
use rudder_config::{ConfigError, SourceSet};

fn names(fixture: &common::Fixture, files: &[rudder_config::memory::MemoryFile]) -> Vec<String> {
    files
        .iter()
        .map(|file| {
            file.path
                .strip_prefix(fixture.root())
                .unwrap()
                .display()
                .to_string()
        })
        .collect()
}

fn import_reasons(warnings: &[ConfigError]) -> Vec<(String, usize, String)> {
    warnings
        .iter()
        .map(|warning| match warning {
            ConfigError::Import {
                import,
                line,
                reason,
                ..
            } => (import.clone(), *line, reason.clone()),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn walks_from_the_top_down_to_cwd_with_local_last() {
    let fixture = common::empty();
    fixture.write("project/CLAUDE.md", "top\n");
    fixture.write("project/CLAUDE.local.md", "top local\n");
    fixture.write("project/app/.claude/CLAUDE.md", "app dot-claude\n");
    fixture.write("project/app/AGENTS.md", "app agents\n");
    fixture.write("project/app/CLAUDE.md", "app\n");
    fixture.write("project/app/CLAUDE.local.md", "app local\n");
    fixture.write("project/app/sub/CLAUDE.md", "below cwd: lazy\n");
    fixture.write("home/.rudder/AGENTS.md", "rudder user agents\n");
    let mut paths = fixture.paths.clone();
    paths.cwd = fixture.path("project/app");
    paths.project_root = paths.cwd.clone();
    let memory = load_memory(&paths, SourceSet::ALL);
    assert_eq!(memory.warnings, []);
    assert_eq!(
        names(&fixture, &memory.files),
        [
            "home/.rudder/AGENTS.md",
            "project/CLAUDE.md",
            "project/CLAUDE.local.md",
            "project/app/CLAUDE.md",
            "project/app/.claude/CLAUDE.md",
            "project/app/AGENTS.md",
            "project/app/CLAUDE.local.md",
        ]
    );
    let levels: Vec<MemoryLevel> = memory.files.iter().map(|file| file.level).collect();
    assert_eq!(levels[0], MemoryLevel::User);
    assert_eq!(levels[2], MemoryLevel::Local);
    // Sources: no local files, no project files.
    let no_local = load_memory(&paths, SourceSet::parse("user,project").unwrap());
    assert!(
        names(&fixture, &no_local.files)
            .iter()
            .all(|name| !name.contains("local"))
    );
    let user_only = load_memory(&paths, SourceSet::parse("user").unwrap());
    assert_eq!(
        names(&fixture, &user_only.files),
        ["home/.rudder/AGENTS.md"]
    );
}

#[test]
fn imports_follow_relative_home_and_absolute_paths() {
    let fixture = common::empty();
    let absolute = fixture.path("elsewhere/abs.md");
    fixture.write("elsewhere/abs.md", "absolute\n");
    fixture.write("home/notes/personal.md", "from home\n");
    fixture.write("project/docs/a.md", "A imports @../shared/b.md\n");
    fixture.write("project/shared/b.md", "B\n");
    fixture.write(
        "project/CLAUDE.md",
        &format!(
            "Read @docs/a.md, @~/notes/personal.md and @{}.\n",
            absolute.display()
        ),
    );
    let memory = load_memory(&fixture.paths, SourceSet::ALL);
    assert_eq!(memory.warnings, []);
    assert_eq!(
        names(&fixture, &memory.files),
        [
            "project/CLAUDE.md",
            "project/docs/a.md",
            "project/shared/b.md",
            "home/notes/personal.md",
            "elsewhere/abs.md"
        ]
    );
    assert_eq!(
        memory.files[2].imported_from,
        Some(fixture.path("project/docs/a.md"))
    );
    assert!(
        memory.files[0].content.contains("@docs/a.md"),
        "mentions stay in the text"
    );
}

#[test]
fn import_depth_is_limited() {
    let fixture = common::empty();
    // CLAUDE.md -> d1 -> d2 -> ... -> d7
    fixture.write("project/CLAUDE.md", "root @d1.md\n");
    for level in 1..=7 {
        fixture.write(
            &format!("project/d{level}.md"),
            &format!("level {level}\n@d{}.md\n", level + 1),
        );
    }
    fixture.write("project/d8.md", "never\n");
    let memory = load_memory(&fixture.paths, SourceSet::ALL);
    assert_eq!(memory.files.len(), 1 + MAX_IMPORT_DEPTH);
    assert_eq!(
        import_reasons(&memory.warnings),
        [(
            "d6.md".to_owned(),
            2,
            format!("is more than {MAX_IMPORT_DEPTH} imports deep")
        )]
    );
    assert!(
        memory.warnings[0]
            .to_string()
            .contains("d5.md:2: import `@d6.md`"),
        "{}",
        memory.warnings[0]
    );
}

#[test]
fn cycles_and_missing_imports_are_noted_not_fatal() {
    let fixture = common::empty();
    fixture.write("project/CLAUDE.md", "root\n@a.md\n@missing.md\n");
    fixture.write("project/a.md", "a\n@b.md\n");
    fixture.write("project/b.md", "b\n@a.md\n@CLAUDE.md\n");
    let memory = load_memory(&fixture.paths, SourceSet::ALL);
    assert_eq!(
        names(&fixture, &memory.files),
        ["project/CLAUDE.md", "project/a.md", "project/b.md"]
    );
    assert_eq!(
        import_reasons(&memory.warnings),
        [
            ("a.md".to_owned(), 2, "forms an import cycle".to_owned()),
            (
                "CLAUDE.md".to_owned(),
                3,
                "forms an import cycle".to_owned()
            ),
            ("missing.md".to_owned(), 3, "was not found".to_owned()),
        ]
    );
}

#[test]
fn imports_of_files_on_the_secrets_list_are_refused() {
    // A cloned repository's CLAUDE.md must not pull the user's keys (or
    // its own .env) into the prompt: memory is sent to the model unasked.
    let fixture = common::empty();
    fixture.write("home/.ssh/id_rsa", "PRIVATE KEY\n");
    fixture.write("home/.aws/credentials", "aws_secret_access_key=x\n");
    fixture.write("project/.env", "API_KEY=sk-live\n");
    fixture.write("project/notes.md", "shared notes\n");
    fixture.write(
        "project/CLAUDE.md",
        "@~/.ssh/id_rsa\n@~/.aws/credentials\n@.env\n@notes.md\n",
    );
    let memory = load_memory(&fixture.paths, SourceSet::ALL);
    assert_eq!(
        names(&fixture, &memory.files),
        ["project/CLAUDE.md", "project/notes.md"]
    );
    let contents: String = memory
        .files
        .iter()
        .map(|file| file.content.as_str())
        .collect();
    assert!(!contents.contains("PRIVATE KEY"));
    assert!(!contents.contains("sk-live"));
    let reasons = import_reasons(&memory.warnings);
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(
        reasons
            .iter()
            .all(|(_, _, reason)| reason.contains("secrets list")),
        "{reasons:?}"
    );
}

#[test]
fn code_and_comments_hide_imports_and_lines_stay_true() {
    let fixture = common::empty();
    fixture.write(
        "project/CLAUDE.md",
        "<!--\n@hidden.md\n-->\n```\n@fenced.md\n```\n`@span.md`\nmail me@example.com\n@gone.md\n",
    );
    let memory = load_memory(&fixture.paths, SourceSet::ALL);
    assert_eq!(
        import_reasons(&memory.warnings),
        [("gone.md".to_owned(), 9, "was not found".to_owned())]
    );
    assert!(!memory.files[0].content.contains("hidden"));
}

#[test]
fn same_content_loads_once() {
    let fixture = common::empty();
    fixture.write("project/CLAUDE.md", "Shared rules.\n");
    fixture.write("project/AGENTS.md", "Shared rules.\n");
    fixture.write("project/.claude/CLAUDE.md", "@../CLAUDE.md\nmore\n");
    let memory = load_memory(&fixture.paths, SourceSet::ALL);
    assert_eq!(
        names(&fixture, &memory.files),
        ["project/CLAUDE.md", "project/.claude/CLAUDE.md"]
    );
    assert_eq!(memory.warnings, []);
}

#[test]
fn symlinked_agents_md_is_not_repeated() {
    let fixture = common::empty();
    fixture.write("project/AGENTS.md", "Rules.\n");
    std::os::unix::fs::symlink(
        fixture.path("project/AGENTS.md"),
        fixture.path("project/CLAUDE.md"),
    )
    .unwrap();
    let memory = load_memory(&fixture.paths, SourceSet::ALL);
    assert_eq!(names(&fixture, &memory.files), ["project/CLAUDE.md"]);
}

#[test]
fn subfolders_load_lazily_and_once_per_session() {
    let fixture = common::fixture("realistic");
    let paths = &fixture.paths;
    let mut seen: HashSet<String> = HashSet::new();
    let start = retain_unseen(load_memory(paths, SourceSet::ALL).files, &mut seen);
    assert!(!start.is_empty());
    let touched = fixture.path("project/src/api");
    let lazy = memory_for_subdir(paths, SourceSet::ALL, &touched);
    assert_eq!(lazy.warnings, []);
    assert_eq!(names(&fixture, &lazy.files), ["project/src/api/CLAUDE.md"]);
    assert_eq!(lazy.files[0].level, MemoryLevel::Subdirectory);
    let first = retain_unseen(lazy.files.clone(), &mut seen);
    assert_eq!(first.len(), 1);
    assert!(render_memory(&first).contains("(subdirectory)"));
    let again = retain_unseen(
        memory_for_subdir(paths, SourceSet::ALL, &touched).files,
        &mut seen,
    );
    assert!(
        again.is_empty(),
        "a file enters the context once per session"
    );
    assert!(
        memory_for_subdir(paths, SourceSet::ALL, &PathBuf::from("/elsewhere"))
            .files
            .is_empty()
    );
}

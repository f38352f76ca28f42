//! Completion for the prompt: `@` file mentions (fuzzy, frizbee) and the
//! `/` command palette.
//!
//! Owns: listing the project's files (gitignore-aware, `ignore` crate,
//! bounded), ranking candidates, and describing what a completion would
//! replace. Must never: touch the editor itself; the app applies the
//! chosen item.

use std::path::Path;

use frizbee::{Config, Matcher};

/// Most files listed for `@` completion.
pub(crate) const MAX_FILES: usize = 50_000;
/// Most items a completion offers.
pub(crate) const MAX_ITEMS: usize = 8;

/// A slash command the palette offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CommandInfo {
    /// Name without the slash.
    pub(crate) name: String,
    /// One-line description.
    pub(crate) description: String,
}

/// What is being completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompletionKind {
    /// An `@path` mention.
    File,
    /// A `/command` at the start of the prompt.
    Command,
}

/// One candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CompletionItem {
    /// What the list shows.
    pub(crate) label: String,
    /// Dim text beside it.
    pub(crate) detail: String,
    /// What replaces the completed word.
    pub(crate) insert: String,
}

/// An open completion list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Completion {
    /// What is being completed.
    pub(crate) kind: CompletionKind,
    /// Byte range of the word it replaces.
    pub(crate) start: usize,
    /// End of that range.
    pub(crate) end: usize,
    /// Candidates, best first (never empty).
    pub(crate) items: Vec<CompletionItem>,
    /// Highlighted candidate.
    pub(crate) selected: usize,
}

/// Relative paths (with `/`) of the files under `root`, honouring
/// `.gitignore`, `.ignore` and hidden-file rules, at most [`MAX_FILES`],
/// sorted. Unreadable entries are skipped.
pub(crate) fn list_files(root: &Path) -> Vec<String> {
    let mut files: Vec<String> = ignore::WalkBuilder::new(root)
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_some_and(|kind| kind.is_file()))
        .filter_map(|entry| {
            let relative = entry.path().strip_prefix(root).ok()?;
            Some(relative.to_string_lossy().replace('\\', "/"))
        })
        .take(MAX_FILES)
        .collect();
    files.sort();
    files
}

/// The best files for `query`, best first: fuzzy score, then shorter paths.
/// An empty query lists the shallowest files.
pub(crate) fn match_files(files: &[String], query: &str) -> Vec<String> {
    if query.is_empty() {
        let mut shallow: Vec<&String> = files.iter().collect();
        shallow.sort_by_key(|path| (path.matches('/').count(), path.len()));
        return shallow.into_iter().take(MAX_ITEMS).cloned().collect();
    }
    let mut matcher = Matcher::new(query, &Config::default());
    let mut matches = matcher.match_list(files);
    matches.sort_by(|a, b| {
        let length =
            |m: &frizbee::Match| files.get(m.index as usize).map_or(usize::MAX, String::len);
        b.score
            .cmp(&a.score)
            .then_with(|| length(a).cmp(&length(b)))
    });
    matches
        .into_iter()
        .filter_map(|m| files.get(m.index as usize).cloned())
        .take(MAX_ITEMS)
        .collect()
}

/// Commands for `query` (the text after `/`): name prefixes first, then
/// fuzzy matches.
pub(crate) fn match_commands<'a>(commands: &'a [CommandInfo], query: &str) -> Vec<&'a CommandInfo> {
    let mut out: Vec<&CommandInfo> = commands
        .iter()
        .filter(|command| command.name.starts_with(query))
        .collect();
    if !query.is_empty() {
        let names: Vec<&str> = commands
            .iter()
            .map(|command| command.name.as_str())
            .collect();
        let mut matcher = Matcher::new(query, &Config::default());
        for found in matcher.match_list(&names) {
            if let Some(command) = commands.get(found.index as usize)
                && !out.contains(&command)
            {
                out.push(command);
            }
        }
    }
    out.truncate(MAX_ITEMS);
    out
}

/// The completion for a prompt whose cursor is at byte `cursor`: commands
/// when the prompt is one line starting with `/` and the cursor is in its
/// first word; files when the word before the cursor starts with `@`.
/// `files` is `None` while the file list is not loaded yet.
pub(crate) fn completion_for(
    text: &str,
    cursor: usize,
    word: (usize, &str),
    files: Option<&[String]>,
    commands: &[CommandInfo],
) -> Option<Completion> {
    let (start, word_text) = word;
    if start == 0 && !text.contains('\n') && word_text.starts_with('/') && cursor == word_text.len()
    {
        let items: Vec<CompletionItem> = match_commands(commands, &word_text[1..])
            .into_iter()
            .map(|command| CompletionItem {
                label: format!("/{}", command.name),
                detail: command.description.clone(),
                insert: format!("/{} ", command.name),
            })
            .collect();
        return (!items.is_empty()).then_some(Completion {
            kind: CompletionKind::Command,
            start,
            end: cursor,
            items,
            selected: 0,
        });
    }
    let query = word_text.strip_prefix('@')?;
    let items: Vec<CompletionItem> = match_files(files?, query)
        .into_iter()
        .map(|path| CompletionItem {
            insert: format!("@{path} "),
            label: path,
            detail: String::new(),
        })
        .collect();
    (!items.is_empty()).then_some(Completion {
        kind: CompletionKind::File,
        start,
        end: cursor,
        items,
        selected: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<String> {
        [
            "README.md",
            "src/calc.py",
            "src/main.rs",
            "tests/test_calc.py",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn fuzzy_file_match_prefers_the_close_short_path() {
        assert_eq!(match_files(&files(), "calc")[0], "src/calc.py");
        assert_eq!(match_files(&files(), "srcma")[0], "src/main.rs");
        assert_eq!(match_files(&files(), "")[0], "README.md");
    }

    #[test]
    fn lists_files_respecting_gitignore() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join(".gitignore"), "target/\n").unwrap();
        std::fs::create_dir_all(dir.path().join("target")).unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("target/junk"), "").unwrap();
        std::fs::write(dir.path().join("src/lib.rs"), "").unwrap();
        assert_eq!(list_files(dir.path()), ["src/lib.rs"]);
    }

    #[test]
    fn command_palette_matches_prefixes_first() {
        let commands: Vec<CommandInfo> = ["compact", "context", "cost", "clear"]
            .map(|name| CommandInfo {
                name: name.into(),
                description: String::new(),
            })
            .to_vec();
        let names: Vec<&str> = match_commands(&commands, "co")
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names[..3], ["compact", "context", "cost"]);
    }
}

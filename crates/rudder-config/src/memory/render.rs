//! The memory block the agent puts in the first user message (and in later
//! messages for lazily loaded folders). Byte-for-byte stable for the same
//! files, since it sits in the cached prefix (ARCHITECTURE.md, "Cache-exact
//! prefixes").

use super::MemoryFile;

/// Renders `files` in order: a short preamble, then per file a header line
/// with its path and level and its content. Empty input renders as an
/// empty string (the agent then omits the block).
///
/// ```text
/// <memory>
/// Instructions from memory files kept by the user and the project …
///
/// ## /home/u/.claude/CLAUDE.md (user)
///
/// …content…
/// </memory>
/// ```
pub fn render_memory(files: &[MemoryFile]) -> String {
    if files.is_empty() {
        return String::new();
    }
    let mut text = String::from(
        "<memory>\nInstructions from memory files kept by the user and the project \
         (CLAUDE.md, AGENTS.md and the files they import). Follow them; where they \
         differ from your usual approach, they take precedence.\n",
    );
    for file in files {
        let imported = file
            .imported_from
            .as_ref()
            .map(|from| format!(", imported by {}", from.display()))
            .unwrap_or_default();
        text.push_str(&format!(
            "\n## {} ({}{imported})\n\n{}\n",
            file.path.display(),
            file.level.label(),
            file.content.trim_end()
        ));
    }
    text.push_str("</memory>");
    text
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::memory::MemoryLevel;

    #[test]
    fn renders_headers_in_order() {
        let file = |path: &str, level, from: Option<&str>, content: &str| MemoryFile {
            path: PathBuf::from(path),
            level,
            imported_from: from.map(PathBuf::from),
            content: content.into(),
            sha256: String::new(),
        };
        let text = render_memory(&[
            file(
                "/h/.claude/CLAUDE.md",
                MemoryLevel::User,
                None,
                "Be brief.\n",
            ),
            file(
                "/p/docs/style.md",
                MemoryLevel::Project,
                Some("/p/CLAUDE.md"),
                "Tabs.\n\n",
            ),
        ]);
        assert_eq!(
            text,
            "<memory>\nInstructions from memory files kept by the user and the project (CLAUDE.md, AGENTS.md and the files they import). Follow them; where they differ from your usual approach, they take precedence.\n\
             \n## /h/.claude/CLAUDE.md (user)\n\nBe brief.\n\
             \n## /p/docs/style.md (project, imported by /p/CLAUDE.md)\n\nTabs.\n</memory>"
        );
        assert_eq!(render_memory(&[]), "");
    }
}

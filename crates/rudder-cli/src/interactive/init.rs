//! `/init`: the agent writes a `CLAUDE.md` for the project.
//!
//! As in Claude Code (CLAUDE-CODE-INTERFACE.md §7), `/init` is an ordinary
//! turn: a prompt asks the model to survey the repository and write the
//! file, and the write goes through the normal tools, permission rules and
//! approvals (and is checkpointed, so `/rewind` can undo it). The prompt
//! is rudder's own. What code can decide is decided here rather than left
//! to the model: which instruction files already exist (an existing
//! `CLAUDE.md` is improved, not replaced; Cursor and Copilot rules are
//! named so their content is carried over).
//!
//! The prompt is sent like an expanded custom command — a
//! `<command-name>/init</command-name>` header block, then the prompt — so
//! the transcript and the TUI show `/init`, not the prompt. Owns: the
//! prompt text and the expansion. Must never: write the file itself.

use std::path::Path;

use rudder_protocol::ContentBlock;

/// Files that hold instructions for coding agents, checked in this order.
const INSTRUCTION_FILES: [&str; 7] = [
    "CLAUDE.md",
    ".claude/CLAUDE.md",
    "AGENTS.md",
    ".cursorrules",
    ".cursor/rules",
    ".github/copilot-instructions.md",
    "README.md",
];

/// The survey-and-write prompt (rudder's wording).
const PROMPT: &str = "\
Write a CLAUDE.md file for this repository. Agents like you read it at the start of every \
session, so it should hold what a capable newcomer could not quickly work out alone.

First look around: the build and package files, the layout of the source folders, the test \
setup, CI configuration, and a few central source files. Then write CLAUDE.md in the working \
directory with:

1. The commands people actually use: build, lint, format, run all tests, and run one test \
(with the exact syntax for a single test or file).
2. The architecture in brief: the main parts, how they depend on each other, and where the \
important flows go. Only what needs several files to understand; no file-by-file listing.
3. Conventions that are not obvious from one file: naming, error handling, how tests are \
organised, generated code that must not be edited by hand.

Keep it short and specific to this repository. Leave out generic advice (write tests, handle \
errors, keep secrets out of the code), anything you would have to guess, and lists that go \
stale quickly. Start the file with:

# CLAUDE.md

This file guides coding agents working in this repository.";

/// The expansion for a prompt that starts with `/init` (optionally
/// followed by extra instructions): the command header, then the prompt
/// with what the working directory `cwd` already holds, then the blocks
/// after the first (pasted images). `None` when the prompt is not `/init`.
pub fn expand(prompt: &[ContentBlock], cwd: &Path) -> Option<Vec<ContentBlock>> {
    let first = prompt.first()?.as_text()?;
    let (name, args) = rudder_core::commands::parse_invocation(first)?;
    if name != "init" {
        return None;
    }
    let header = if args.is_empty() {
        "<command-name>/init</command-name>".to_owned()
    } else {
        format!("<command-name>/init</command-name>\n<command-args>{args}</command-args>")
    };
    let mut text = PROMPT.to_owned();
    let found: Vec<&str> = INSTRUCTION_FILES
        .into_iter()
        .filter(|name| cwd.join(name).exists())
        .collect();
    if !found.is_empty() {
        text.push_str(&format!(
            "\n\nThese files already exist here; read them first: {}.",
            found.join(", ")
        ));
    }
    if found.iter().any(|name| name.contains("CLAUDE.md")) {
        text.push_str(
            " A CLAUDE.md exists: improve it where it is wrong, missing or vague, keep what is right, \
             and edit it rather than replacing it wholesale.",
        );
    }
    if found
        .iter()
        .any(|name| name.contains("cursor") || name.contains("copilot"))
    {
        text.push_str(
            " Carry the rules of the Cursor or Copilot files that still hold into CLAUDE.md.",
        );
    }
    if !args.is_empty() {
        text.push_str(&format!("\n\nThe user adds: {args}"));
    }
    let mut blocks = vec![ContentBlock::text(header), ContentBlock::text(text)];
    blocks.extend(prompt.iter().skip(1).cloned());
    Some(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(blocks: &[ContentBlock]) -> String {
        blocks
            .iter()
            .filter_map(ContentBlock::as_text)
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn only_init_is_expanded_and_existing_rules_are_named() {
        let dir = tempfile::tempdir().unwrap();
        assert!(expand(&[ContentBlock::text("/initial plan")], dir.path()).is_none());
        assert!(expand(&[ContentBlock::text("please /init")], dir.path()).is_none());

        let plain = expand(&[ContentBlock::text("/init")], dir.path()).unwrap();
        assert_eq!(
            plain[0].as_text(),
            Some("<command-name>/init</command-name>")
        );
        assert!(!text(&plain).contains("already exist"));

        std::fs::write(dir.path().join(".cursorrules"), "use tabs").unwrap();
        std::fs::create_dir_all(dir.path().join(".github")).unwrap();
        std::fs::write(dir.path().join(".github/copilot-instructions.md"), "x").unwrap();
        std::fs::write(dir.path().join("CLAUDE.md"), "# old").unwrap();
        let image = ContentBlock::text("(an image block)");
        let found = expand(
            &[ContentBlock::text("/init focus on the CLI"), image.clone()],
            dir.path(),
        )
        .unwrap();
        let all = text(&found);
        assert!(
            all.contains(
                "read them first: CLAUDE.md, .cursorrules, .github/copilot-instructions.md."
            ),
            "{all}"
        );
        assert!(all.contains("improve it") && all.contains("Cursor or Copilot"));
        assert!(all.contains("<command-args>focus on the CLI</command-args>"));
        assert!(all.contains("The user adds: focus on the CLI"));
        assert_eq!(found.last(), Some(&image));
    }
}

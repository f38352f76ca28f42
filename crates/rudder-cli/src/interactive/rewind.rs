//! `/rewind` and Esc Esc: the points to rewind to (as the TUI's picker
//! rows, or as the list `/rewind` prints), the target the picker sends or
//! the person types (`/rewind 2 code`, `/rewind <uuid> both`), and the
//! report of what changed.
//!
//! Points are the person's own messages, numbered from the newest (1 is the
//! last message sent). A rewind restores the state *before* that message:
//! `code` puts the files back byte for byte from the checkpoints,
//! `conversation` drops the message and what followed from the context,
//! `both` (the default) does both. Owns: text in and out only; the session
//! does the work.

use std::path::Path;

use rudder_core::session::{RewindOutcome, RewindPoint, RewindScope};
use rudder_tui::RewindChoice;

/// Longest preview of a message in the list, in characters.
const PREVIEW: usize = 60;

/// The picker's rows, oldest first: each point's uuid, preview and the
/// files changed since (relative to `cwd` when inside it).
pub fn choices(points: &[RewindPoint], cwd: &Path) -> Vec<RewindChoice> {
    points
        .iter()
        .map(|point| RewindChoice {
            id: point.uuid.clone(),
            preview: cut(&point.preview, PREVIEW),
            code: point.has_checkpoint,
            files: point.files.iter().map(|path| short(path, cwd)).collect(),
        })
        .collect()
}

/// The list shown by `/rewind` without a target.
pub fn list_text(points: &[RewindPoint], cwd: &Path) -> String {
    if points.is_empty() {
        return "Nothing to rewind yet: no message has been sent in this conversation.".to_owned();
    }
    let mut lines = vec!["Rewind to before one of your messages (1 is the latest):".to_owned()];
    for (number, point) in points.iter().rev().enumerate() {
        let preview = cut(&point.preview, PREVIEW);
        let files = match (point.has_checkpoint, point.files.len()) {
            (false, _) => "no file checkpoint".to_owned(),
            (true, 0) => "no file changes since".to_owned(),
            (true, 1) => format!("1 file changed since: {}", short(&point.files[0], cwd)),
            (true, count) => format!("{count} files changed since"),
        };
        lines.push(format!("  {}. {preview}  · {files}", number + 1));
    }
    lines.push(
        "Type /rewind <number> [both|code|conversation] (default both), e.g. /rewind 1 code"
            .to_owned(),
    );
    lines.join("\n")
}

/// Reads `/rewind` arguments: a number from the list (or a message uuid,
/// or its start) and an optional scope.
///
/// Errors: a message saying what was not understood.
pub fn parse_target(args: &str, points: &[RewindPoint]) -> Result<(String, RewindScope), String> {
    let mut words = args.split_whitespace();
    let target = words.next().unwrap_or_default();
    let scope = match words.next() {
        None | Some("both" | "all") => RewindScope::Both,
        Some("code" | "files") => RewindScope::Code,
        Some("conversation" | "chat") => RewindScope::Conversation,
        Some(other) => {
            return Err(format!(
                "unknown rewind scope `{other}`: use both, code or conversation"
            ));
        }
    };
    let point = match target.parse::<usize>() {
        Ok(number) if number >= 1 => points.iter().rev().nth(number - 1),
        Ok(_) => None,
        Err(_) => {
            let matching: Vec<&RewindPoint> = points
                .iter()
                .filter(|point| point.uuid.starts_with(target))
                .collect();
            match matching.as_slice() {
                [one] => Some(*one),
                _ => None,
            }
        }
    };
    point
        .map(|point| (point.uuid.clone(), scope))
        .ok_or_else(|| format!("no message `{target}` to rewind to; /rewind lists them"))
}

/// What a rewind did, for the transcript.
pub fn outcome_text(outcome: &RewindOutcome, scope: RewindScope, cwd: &Path) -> String {
    let what = match scope {
        RewindScope::Code => "code",
        RewindScope::Conversation => "conversation",
        RewindScope::Both => "code and conversation",
    };
    let mut lines = vec![format!("Rewound {what}.")];
    if let Some(report) = &outcome.files {
        let list = |paths: &[std::path::PathBuf]| {
            paths
                .iter()
                .map(|path| short(path, cwd))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if report.restored.is_empty() && report.removed.is_empty() {
            lines.push("Files: nothing to restore.".to_owned());
        }
        if !report.restored.is_empty() {
            lines.push(format!("Restored: {}", list(&report.restored)));
        }
        if !report.removed.is_empty() {
            lines.push(format!(
                "Removed (created after that message): {}",
                list(&report.removed)
            ));
        }
        for (path, reason) in &report.failed {
            lines.push(format!("Not restored: {} — {reason}", short(path, cwd)));
        }
    }
    if let Some(prompt) = &outcome.prompt {
        lines.push(format!(
            "The conversation continues from before: {}",
            cut(prompt, PREVIEW)
        ));
    }
    lines.join("\n")
}

/// `path` relative to `cwd` when inside it.
fn short(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd).unwrap_or(path).display().to_string()
}

fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(uuid: &str, preview: &str) -> RewindPoint {
        RewindPoint {
            uuid: uuid.into(),
            preview: preview.into(),
            has_checkpoint: true,
            files: Vec::new(),
        }
    }

    #[test]
    fn numbers_count_from_the_latest_message() {
        let points = [point("aaaa-1", "first"), point("bbbb-2", "second")];
        let text = list_text(&points, Path::new("/r"));
        assert!(text.contains("1. second"), "{text}");
        assert!(text.contains("2. first"), "{text}");
        assert_eq!(
            parse_target("1", &points).unwrap(),
            ("bbbb-2".to_owned(), RewindScope::Both)
        );
        assert_eq!(
            parse_target("2 code", &points).unwrap(),
            ("aaaa-1".to_owned(), RewindScope::Code)
        );
        assert_eq!(
            parse_target("aaaa conversation", &points).unwrap().0,
            "aaaa-1"
        );
        assert!(parse_target("3", &points).is_err());
        assert!(parse_target("1 sideways", &points).is_err());
    }
}

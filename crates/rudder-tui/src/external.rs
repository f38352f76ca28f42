//! Running the person's editor on a file (`/memory`), the way git runs
//! `$EDITOR`: the setting is shell words (`vim`, `code --wait`,
//! `emacsclient -t`), run with `sh -c` and the file as its last argument,
//! on the terminal, until it exits.
//!
//! Owns: creating the file (and its folder) when it does not exist yet, so
//! an editor can save it, and the child process. Must never: touch the
//! terminal's modes (the event loop suspends and resumes the screen around
//! this call) or outlive the call.

use std::path::Path;
use std::process::Command;

/// Opens `path` in `editor` and waits for it. Blocks the calling thread.
///
/// Errors: a message naming what failed — the file or its folder could not
/// be created, the shell could not start, or the editor exited with a
/// failure status.
pub(crate) fn edit(editor: &str, path: &Path) -> Result<(), String> {
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)
            .map_err(|error| format!("cannot create {}: {error}", folder.display()))?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|error| format!("cannot create {}: {error}", path.display()))?;
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(path)
        .status()
        .map_err(|error| format!("cannot start sh: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the editor exited with {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_editor_gets_the_file_which_exists_first() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("new folder/CLAUDE.md");
        edit("printf '%s' \"- use tabs\" >>", &file).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "- use tabs");
        let failed = edit("false", &file).unwrap_err();
        assert!(failed.contains("exited with"), "{failed}");
    }
}

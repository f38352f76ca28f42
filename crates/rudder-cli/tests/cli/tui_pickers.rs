//! The real `rudder` binary in tmux, against the scripted model server:
//! a pasted image file reaches the model as an image block (and one that
//! is too large is refused with the limit), the rewind picker rewinds code
//! alone, and `/memory` opens the chosen memory file in `$EDITOR` with the
//! terminal handed over and taken back. Skipped where tmux is not
//! installed.

use serde_json::json;

use super::support::{Workspace, model_requests};
use super::tmux_support::Tmux;
use super::tui::{read, scenario};

/// A PNG signature and the start of its header chunk (base64 below).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
const PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUg==";

#[test]
fn a_pasted_image_path_is_sent_as_an_image_block() {
    let workspace = Workspace::git(&[("a.txt", "a\n")]);
    std::fs::write(workspace.repo.join("my shot.png"), PNG).unwrap();
    let big = std::fs::File::create(workspace.repo.join("big.png")).unwrap();
    big.set_len(4 * 1024 * 1024).unwrap();
    let server = scenario(json!([
        {"when": "[Image #1]", "content": [{"type": "text", "text": "That is a tiny PNG."}]}
    ]));
    let Some(tmux) = Tmux::start(&workspace, &server, &["--trust"], "image") else {
        return;
    };
    tmux.wait_for("✻ rudder");

    // A file too large is refused with the limit; nothing is attached.
    tmux.paste(&workspace.repo.join("big.png").display().to_string());
    let screen = tmux.wait_for("Image not attached:");
    assert!(screen.contains("at most 3.75 MB"), "{screen}");

    // Dropped as a quoted path, as GNOME Terminal does.
    tmux.keys(&["-l", "what is "]);
    tmux.paste(&format!(
        "'{}'",
        workspace.repo.join("my shot.png").display()
    ));
    tmux.wait_for("what is [Image #1]");
    tmux.type_then("?", "Enter");
    tmux.wait_for("That is a tiny PNG.");

    let requests = model_requests(&server);
    let sent = serde_json::to_value(&requests.last().unwrap().messages).unwrap();
    let content = sent[0]["content"].as_array().unwrap().clone();
    let text: Vec<&str> = content
        .iter()
        .filter_map(|block| block["text"].as_str())
        .collect();
    assert!(text.contains(&"what is [Image #1]?"), "{sent}");
    let image = content
        .iter()
        .find(|block| block["type"] == "image")
        .unwrap_or_else(|| panic!("no image block in {sent}"));
    assert_eq!(image["source"]["media_type"], "image/png");
    assert_eq!(image["source"]["data"], PNG_BASE64);
    let images = content
        .iter()
        .filter(|block| block["type"] == "image")
        .count();
    assert_eq!(images, 1, "the refused file was attached: {sent}");
    tmux.keys(&["C-d"]);
    tmux.wait_for("rudder exited with 0");
}

#[test]
fn the_rewind_picker_can_put_back_code_only() {
    let workspace = Workspace::git(&[("a.txt", "a\n")]);
    let first = workspace.repo.join("first.txt");
    let second = workspace.repo.join("second.txt");
    let server = scenario(json!([
        {"when": "make first", "content": [{"type": "tool_use", "name": "Write",
            "input": {"file_path": first, "content": "1\n"}}]},
        {"when": "make second", "content": [{"type": "tool_use", "name": "Write",
            "input": {"file_path": second, "content": "2\n"}}]},
        {"when": "what did you make", "content": [{"type": "text", "text": "Two files."}]},
        {"content": [{"type": "text", "text": "Done."}]},
        {"content": [{"type": "text", "text": "Done."}]}
    ]));
    let Some(tmux) = Tmux::start(
        &workspace,
        &server,
        &["--trust", "--permission-mode", "acceptEdits"],
        "rewind-code",
    ) else {
        return;
    };
    tmux.wait_for("✻ rudder");
    tmux.type_then("make first", "Enter");
    tmux.wait_for("Done.");
    tmux.type_then("make second", "Enter");
    tmux.wait_until(|screen| screen.matches("Done.").count() == 2);
    assert_eq!(read(&second), b"2\n");

    tmux.double_escape();
    let picker = tmux.wait_for("Rewind to before one of your messages");
    assert!(
        picker.contains("1. make second") && picker.contains("1 file changed since: second.txt"),
        "{picker}"
    );
    // Esc steps back from the second step; then choose again, code only.
    tmux.keys(&["Enter"]);
    tmux.wait_for("Rewind to before this message?");
    tmux.keys(&["Escape"]);
    tmux.wait_until(|screen| !screen.contains("Rewind to before this message?"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("Rewind to before this message?");
    tmux.keys(&["3"]);
    tmux.wait_for("Rewound code.");
    assert!(!second.exists(), "second.txt was not removed");
    assert_eq!(read(&first), b"1\n");

    // The conversation was kept: the next request still carries it.
    tmux.type_then("what did you make", "Enter");
    tmux.wait_for("Two files.");
    let requests = model_requests(&server);
    let last = serde_json::to_string(&requests.last().unwrap().messages).unwrap();
    assert!(last.contains("make second"), "{last}");
    tmux.keys(&["C-d"]);
    tmux.wait_for("rudder exited with 0");
}

#[test]
fn memory_opens_the_file_in_the_editor_and_the_next_message_carries_it() {
    let workspace = Workspace::git(&[("a.txt", "a\n")]);
    let server = scenario(json!([
        {"when": "Always answer in French.", "content": [{"type": "text", "text": "Bonjour."}]}
    ]));
    // An "editor" that appends a line and exits, as a person would save.
    let editor = "printf '%s\\n' '- Always answer in French.' >>";
    let Some(tmux) = Tmux::start_with(
        &workspace,
        &server,
        &["--trust"],
        "memory",
        &[("EDITOR", editor)],
    ) else {
        return;
    };
    tmux.wait_for("✻ rudder");
    tmux.type_then("/memory", "Enter");
    let picker = tmux.wait_for("Open which memory file in your editor?");
    assert!(picker.contains("1. Project memory"), "{picker}");
    assert!(picker.contains("CLAUDE.md (new)"), "{picker}");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("⎿  Opened ");
    assert!(screen.contains("CLAUDE.md in `printf"), "{screen}");
    assert_eq!(
        read(workspace.repo.join("CLAUDE.md")),
        b"- Always answer in French.\n"
    );
    // The TUI took the terminal back: it still reads and sends prompts.
    tmux.type_then("hello", "Enter");
    tmux.wait_for("Bonjour.");
    tmux.keys(&["C-d"]);
    tmux.wait_for("rudder exited with 0");
}

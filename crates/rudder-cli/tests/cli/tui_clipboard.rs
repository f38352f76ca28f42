//! The real `rudder` binary in tmux, against the scripted model server:
//! Ctrl+V reads an image from the clipboard through a fake `wl-paste`
//! first on `PATH` and the model receives it as an image block; with no
//! image in the clipboard a notice says so. Skipped where tmux is not
//! installed.

use std::path::Path;

use serde_json::json;

use super::support::{Workspace, model_requests};
use super::tmux_support::Tmux;
use super::tui::scenario;

/// A PNG signature and the start of its header chunk (base64 below).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
const PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUg==";

/// A fake `wl-paste`: offers an image while `shot.png` lies beside it,
/// plain text otherwise. A child process writes it, so no write handle of
/// this test process can leak into a concurrent fork ("Text file busy").
fn fake_wl_paste(bin: &Path) {
    let script = r#"#!/bin/sh
cd "$(dirname "$0")"
case "$1" in
  --list-types) if [ -e shot.png ]; then echo image/png; fi; echo text/plain ;;
  --type) cat shot.png ;;
esac
"#;
    let status = std::process::Command::new("sh")
        .args(["-c", "printf '%s' \"$1\" > \"$2\" && chmod 755 \"$2\""])
        .args(["sh", script])
        .arg(bin.join("wl-paste"))
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn ctrl_v_attaches_the_clipboard_image_or_says_there_is_none() {
    let workspace = Workspace::git(&[("a.txt", "a\n")]);
    let bin = tempfile::tempdir().unwrap();
    fake_wl_paste(bin.path());
    let server = scenario(json!([
        {"when": "[Image #1]", "content": [{"type": "text", "text": "A screenshot."}]}
    ]));
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let Some(tmux) = Tmux::start_with(
        &workspace,
        &server,
        &["--trust"],
        "clipboard",
        &[("PATH", &path), ("WAYLAND_DISPLAY", "wayland-test")],
    ) else {
        return;
    };
    tmux.wait_for("✻ rudder");

    // Only text in the clipboard: a notice, and nothing typed.
    tmux.keys(&["-l", "what is "]);
    tmux.keys(&["C-v"]);
    tmux.wait_for("Image not attached: the clipboard holds no image");

    std::fs::write(bin.path().join("shot.png"), PNG).unwrap();
    tmux.keys(&["C-v"]);
    tmux.wait_for("what is [Image #1]");
    tmux.type_then("?", "Enter");
    tmux.wait_for("A screenshot.");

    let requests = model_requests(&server);
    let sent = serde_json::to_value(&requests.last().unwrap().messages).unwrap();
    let content = sent[0]["content"].as_array().unwrap().clone();
    assert!(
        content
            .iter()
            .any(|block| block["text"] == "what is [Image #1]?"),
        "{sent}"
    );
    let images: Vec<_> = content
        .iter()
        .filter(|block| block["type"] == "image")
        .collect();
    assert_eq!(images.len(), 1, "{sent}");
    assert_eq!(images[0]["source"]["media_type"], "image/png");
    assert_eq!(images[0]["source"]["data"], PNG_BASE64);
    tmux.keys(&["C-d"]);
    tmux.wait_for("rudder exited with 0");
}

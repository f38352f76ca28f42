//! End to end in a real terminal: the `scripted` example (the real TUI over
//! a scripted driver) runs inside tmux; keys go in with `send-keys`, the
//! screen comes back with `capture-pane` (issue 8 acceptance). Skipped,
//! with a note, where tmux is not installed.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A private tmux server running one session.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(program: &Path, dir: &Path) -> Option<Self> {
        let socket = format!("rudder-tui-test-{}", std::process::id());
        let command = format!("{} {}; sleep 30", program.display(), dir.display());
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "new-session",
                "-d",
                "-x",
                "100",
                "-y",
                "30",
                &command,
            ])
            .status()
            .ok()?;
        status.success().then_some(Self { socket })
    }

    fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys"])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn screen(&self) -> String {
        let output = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-S", "-200"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "never saw {text:?} on screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// `target/debug/examples/scripted`, built by `cargo test` with the tests.
fn example() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let debug = exe.parent().and_then(Path::parent).unwrap();
    debug.join("examples").join("scripted")
}

#[test]
fn prompt_approve_interrupt_rewind_exit() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("tmux is not installed; skipping the terminal end-to-end test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("calc.py"),
        "def add(a, b):\n    return a - b\n",
    )
    .unwrap();
    let program = example();
    assert!(
        program.exists(),
        "{} is missing: run `cargo test -p rudder-tui` (plain `cargo test` builds examples)",
        program.display()
    );
    let tmux = Tmux::start(&program, dir.path()).expect("tmux session starts");
    tmux.wait_for("rudder");

    tmux.keys(&["fix the bug", "Enter"]);
    tmux.wait_for("Do you want to make this edit to calc.py?");
    tmux.keys(&["1"]);
    let screen = tmux.wait_for("Updated calc.py with 1 addition and 1 removal");
    assert!(screen.contains("> fix the bug"), "{screen}");
    assert!(screen.contains("⏺ Fix"), "{screen}");
    let file = std::fs::read_to_string(dir.path().join("calc.py")).unwrap();
    assert!(file.contains("return a + b"), "{file}");

    tmux.keys(&["go slow", "Enter"]);
    tmux.wait_for("esc to interrupt");
    tmux.keys(&["Escape"]);
    tmux.wait_for("Interrupted by user");

    // Two presses, apart enough not to arrive as one `ESC ESC` sequence.
    tmux.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(150));
    tmux.keys(&["Escape"]);
    let picker = tmux.wait_for("Rewind to before one of your messages");
    assert!(picker.contains("1. fix the bug"), "{picker}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Restore code and conversation");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Rewound to the last checkpoint.");

    tmux.keys(&["C-d"]);
    let screen = tmux.wait_for("scripted exited: Ok(())");
    // The transcript stayed in the terminal, in order.
    let first = screen.find("> fix the bug").unwrap();
    let edit = screen.find("Updated calc.py").unwrap();
    let interrupted = screen.find("Interrupted by user").unwrap();
    assert!(first < edit && edit < interrupted, "{screen}");
    let history = std::fs::read_to_string(dir.path().join("history.jsonl")).unwrap();
    assert_eq!(history, "\"fix the bug\"\n\"go slow\"\n");
}

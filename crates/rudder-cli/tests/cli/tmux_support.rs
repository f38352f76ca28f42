//! Running the real `rudder` binary in a private tmux server for the
//! interactive end-to-end tests: start it pointed at the scripted model
//! server, send keys and pastes, read the screen back. Tests skip, with a
//! note, where tmux is not installed.

use std::process::Command;
use std::time::{Duration, Instant};

use rudder_testkit::MockServer;

use super::support::Workspace;

/// A private tmux server running `rudder` in one window.
pub struct Tmux {
    socket: String,
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

impl Tmux {
    /// Starts `rudder args…` in `workspace.repo`, pointed at `server`.
    pub fn start(
        workspace: &Workspace,
        server: &MockServer,
        args: &[&str],
        name: &str,
    ) -> Option<Self> {
        Self::start_with(workspace, server, args, name, &[])
    }

    /// [`Tmux::start`] with more environment variables, e.g. `EDITOR`.
    pub fn start_with(
        workspace: &Workspace,
        server: &MockServer,
        args: &[&str],
        name: &str,
        extra_env: &[(&str, &str)],
    ) -> Option<Self> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("SKIPPED: tmux is not installed");
            return None;
        }
        let socket = format!("rudder-cli-{name}-{}", std::process::id());
        let env = [
            ("PATH", std::env::var("PATH").unwrap_or_default()),
            ("HOME", workspace.home.display().to_string()),
            (
                "RUDDER_HOME",
                workspace.home.join(".rudder").display().to_string(),
            ),
            ("TERM", "xterm-256color".to_owned()),
            ("IS_SANDBOX", "1".to_owned()),
            ("ANTHROPIC_BASE_URL", server.base_url()),
            ("ANTHROPIC_API_KEY", "test-key".to_owned()),
            ("ANTHROPIC_MODEL", "claude-sonnet-4-5".to_owned()),
        ];
        let env: Vec<String> = env
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .chain(extra_env.iter().copied())
            .map(|(name, value)| format!("{name}={}", quote(value)))
            .collect();
        let args: Vec<String> = args.iter().map(|arg| quote(arg)).collect();
        let command = format!(
            "env -i {} {} {}; echo \"rudder exited with $?\"; sleep 60",
            env.join(" "),
            quote(env!("CARGO_BIN_EXE_rudder")),
            args.join(" ")
        );
        let repo = workspace.repo.display().to_string();
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "new-session",
                "-d",
                "-x",
                "110",
                "-y",
                "40",
                "-c",
            ])
            .args([repo.as_str(), command.as_str()])
            .status()
            .ok()?;
        status.success().then_some(Self { socket })
    }

    pub fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys"])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Types `text` literally, then presses `key` (e.g. `Enter`).
    pub fn type_then(&self, text: &str, key: &str) {
        self.keys(&["-l", text]);
        self.keys(&[key]);
    }

    pub fn screen(&self) -> String {
        let output = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "capture-pane",
                "-p",
                "-J",
                "-S",
                "-1000",
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Waits (up to 20 s) for `text` on screen; returns the screen.
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until_described(text, |screen| screen.contains(text))
    }

    /// Waits (up to 20 s) until `done` holds for the screen; returns it.
    pub fn wait_until(&self, done: impl Fn(&str) -> bool) -> String {
        self.wait_until_described("the awaited screen", done)
    }

    fn wait_until_described(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "never saw {what:?} on screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Two Esc presses, apart enough not to arrive as one `ESC ESC`.
    pub fn double_escape(&self) {
        self.keys(&["Escape"]);
        std::thread::sleep(Duration::from_millis(150));
        self.keys(&["Escape"]);
    }

    /// Pastes `text` as the terminal would a paste or a dropped file:
    /// bracketed when the program asked for it (rudder does).
    pub fn paste(&self, text: &str) {
        let buffer = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "set-buffer",
                "-b",
                "rudder-paste",
                "--",
                text,
            ])
            .status()
            .unwrap();
        assert!(buffer.success());
        let pasted = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "paste-buffer",
                "-p",
                "-d",
                "-b",
                "rudder-paste",
            ])
            .status()
            .unwrap();
        assert!(pasted.success());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

//! Test doubles: a [`Driver`] that records what the app asked of it.
//!
//! Owns: [`FakeDriver`] and helpers to build apps and keys. Must never: be
//! compiled outside tests.

use std::sync::{Arc, Mutex};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use futures::future::BoxFuture;
use rudder_protocol::content::ContentBlock;
use rudder_protocol::permission::PermissionMode;

use crate::app::App;
use crate::driver::{
    CommandError, Driver, DriverCommand, ImageError, McpServerChoice, MemoryChoice, RewindChoice,
    StatusSnapshot,
};
use crate::history::History;
use crate::options::TuiOptions;

/// One thing the app asked the driver.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Call {
    Submit(String),
    Steer(String),
    Interrupt,
    SetMode(PermissionMode),
    Command(DriverCommand),
    McpServer(String, McpServerChoice),
}

/// Records calls; commands answer `Ok("done: …")`; rewind points and
/// memory files are what the test puts in; an image path containing
/// `missing` is not found, one containing `huge` is refused, others load
/// as a PNG whose data is the path; clipboard bytes starting with a PNG
/// signature load as the image of `clipboard.png`, others are refused.
#[derive(Default)]
pub(crate) struct FakeDriver {
    pub(crate) calls: Mutex<Vec<Call>>,
    pub(crate) status: Mutex<StatusSnapshot>,
    /// Every submitted prompt, block by block.
    pub(crate) prompts: Mutex<Vec<Vec<ContentBlock>>>,
    /// Answer of `rewind_points`.
    pub(crate) points: Mutex<Vec<RewindChoice>>,
    /// Answer of `memory_files`.
    pub(crate) memory: Mutex<Vec<MemoryChoice>>,
}

/// The image block the fake driver loads for `path`.
pub(crate) fn fake_image(path: &std::path::Path) -> ContentBlock {
    ContentBlock::Image {
        source: rudder_protocol::content::ImageSource::Base64 {
            media_type: "image/png".into(),
            data: path.display().to_string(),
        },
        cache_control: None,
    }
}

fn text_of(prompt: &[ContentBlock]) -> String {
    prompt.iter().filter_map(ContentBlock::as_text).collect()
}

impl FakeDriver {
    fn record(&self, call: Call) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(call);
        }
    }

    /// Calls so far (and forgets them).
    pub(crate) fn take(&self) -> Vec<Call> {
        self.calls
            .lock()
            .map(|mut calls| std::mem::take(&mut *calls))
            .unwrap_or_default()
    }
}

impl Driver for FakeDriver {
    fn submit(&self, prompt: Vec<ContentBlock>) {
        self.record(Call::Submit(text_of(&prompt)));
        if let Ok(mut prompts) = self.prompts.lock() {
            prompts.push(prompt);
        }
    }

    fn steer(&self, prompt: Vec<ContentBlock>) {
        self.record(Call::Steer(text_of(&prompt)));
    }

    fn interrupt(&self) {
        self.record(Call::Interrupt);
    }

    fn set_permission_mode(&self, mode: PermissionMode) -> Result<(), String> {
        self.record(Call::SetMode(mode));
        if let Ok(mut status) = self.status.lock() {
            status.permission_mode = mode;
        }
        Ok(())
    }

    fn command<'a>(
        &'a self,
        command: DriverCommand,
    ) -> BoxFuture<'a, Result<String, CommandError>> {
        self.record(Call::Command(command.clone()));
        Box::pin(async move { Ok(format!("done: {command:?}")) })
    }

    fn rewind_points<'a>(&'a self) -> BoxFuture<'a, Result<Vec<RewindChoice>, CommandError>> {
        let points = self
            .points
            .lock()
            .map(|points| points.clone())
            .unwrap_or_default();
        Box::pin(async move { Ok(points) })
    }

    fn memory_files(&self) -> Vec<MemoryChoice> {
        self.memory
            .lock()
            .map(|files| files.clone())
            .unwrap_or_default()
    }

    fn load_image<'a>(
        &'a self,
        path: std::path::PathBuf,
    ) -> BoxFuture<'a, Result<ContentBlock, ImageError>> {
        Box::pin(async move {
            let name = path.display().to_string();
            if name.contains("missing") {
                Err(ImageError::NotFound)
            } else if name.contains("huge") {
                Err(ImageError::Refused(format!(
                    "{name} is 9.0 MB; at most 3.75 MB"
                )))
            } else {
                Ok(fake_image(&path))
            }
        })
    }

    fn image_from_clipboard(&self, bytes: Vec<u8>) -> Result<ContentBlock, ImageError> {
        if bytes.starts_with(b"\x89PNG") {
            Ok(fake_image(std::path::Path::new("clipboard.png")))
        } else {
            Err(ImageError::Refused(
                "the clipboard image is not a PNG".into(),
            ))
        }
    }

    fn choose_mcp_server(&self, server: &str, choice: McpServerChoice) {
        self.record(Call::McpServer(server.to_owned(), choice));
    }

    fn status(&self) -> StatusSnapshot {
        self.status
            .lock()
            .map(|status| status.clone())
            .unwrap_or_default()
    }
}

/// An 80×24 app over a fresh fake driver.
pub(crate) fn app_with(options: TuiOptions) -> (App, Arc<FakeDriver>) {
    let driver = Arc::new(FakeDriver::default());
    let app = App::new(driver.clone(), options, History::in_memory(100), (80, 24));
    (app, driver)
}

/// A key press without modifiers.
pub(crate) fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// Types text, one key per character.
pub(crate) fn type_text(app: &mut App, text: &str) {
    for ch in text.chars() {
        app.on_key(key(KeyCode::Char(ch)), std::time::Instant::now());
    }
}

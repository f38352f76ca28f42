//! Reading an image straight from the system clipboard (Ctrl+V), as
//! Claude Code does: a terminal can paste text only, so a copied
//! screenshot has to be fetched by the app itself. On Linux that is
//! `wl-paste` (wl-clipboard) under Wayland and `xclip` under X11: first
//! the list of types the clipboard offers (`wl-paste --list-types`,
//! `xclip -selection clipboard -t TARGETS -o`), then the bytes of the first
//! image type in it (`--type image/png`, `-t image/png -o`).
//!
//! Owns: choosing the program for the environment ([`choose`], pure, from
//! `WAYLAND_DISPLAY`, `DISPLAY` and what is on `PATH`), the two questions
//! to it, and the wording of every way it can fail. The bytes go to the
//! driver, which applies the pasted-image rules (type by content, size
//! cap, base64). Must never: block the event loop (it is async and the
//! event loop runs it in a task), take longer than the timeout it is given,
//! hold more than [`MAX_IMAGE_BYTES`], or leave a reader running
//! (`child.rs`).

mod child;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use rudder_protocol::content::ContentBlock;
use tokio::time::Instant;

use crate::driver::Driver;
use child::RunError;

/// How long reading the clipboard may take, both questions together.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(2);

/// Most image bytes read from the clipboard. Above the driver's own limit
/// (3.75 MB for rudder-cli), so an image too large is refused by the
/// driver with that limit; this cap only bounds memory.
pub(crate) const MAX_IMAGE_BYTES: usize = 16 * 1024 * 1024;

/// Most bytes of the list of types read.
const MAX_TYPES_BYTES: usize = 64 * 1024;

/// Image types asked for, most wanted first: those the Messages API takes.
const IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// A program that can read the clipboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Program {
    /// `wl-paste`, from wl-clipboard, for Wayland sessions.
    WlPaste,
    /// `xclip`, for X11 sessions (and XWayland).
    Xclip,
}

impl Program {
    /// The executable's name, as looked up on `PATH`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::WlPaste => "wl-paste",
            Self::Xclip => "xclip",
        }
    }

    /// What to install to get it, for messages.
    fn install_hint(self) -> &'static str {
        match self {
            Self::WlPaste => "`wl-paste` (package wl-clipboard)",
            Self::Xclip => "`xclip`",
        }
    }

    /// Arguments that print the types the clipboard offers, one a line.
    fn list_args(self) -> Vec<String> {
        let args: &[&str] = match self {
            Self::WlPaste => &["--list-types"],
            Self::Xclip => &["-selection", "clipboard", "-t", "TARGETS", "-o"],
        };
        args.iter().map(|arg| (*arg).to_owned()).collect()
    }

    /// Arguments that print the clipboard's content as `media_type`.
    fn read_args(self, media_type: &str) -> Vec<String> {
        let args: &[&str] = match self {
            Self::WlPaste => &["--type", media_type],
            Self::Xclip => &["-selection", "clipboard", "-t", media_type, "-o"],
        };
        args.iter().map(|arg| (*arg).to_owned()).collect()
    }
}

/// The clipboard program chosen, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reader {
    /// Which program.
    pub(crate) program: Program,
    /// Its executable, as found on `PATH`.
    pub(crate) path: PathBuf,
}

/// Why no image came from the clipboard; the text is shown to the person
/// after "Image not attached: ".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ClipboardError {
    /// Neither `WAYLAND_DISPLAY` nor `DISPLAY` is set (a console, SSH, or
    /// macOS, where reading images is not supported yet).
    #[error(
        "there is no Wayland or X11 session to read the clipboard from (WAYLAND_DISPLAY and DISPLAY are unset); save the image and paste its path instead"
    )]
    NoDisplay,
    /// The session's clipboard program is not on `PATH`.
    #[error(
        "reading images from the clipboard needs {0}, which is not on PATH; install it, or save the image and paste its path"
    )]
    Missing(String),
    /// The clipboard offers no PNG, JPEG, GIF or WebP image.
    #[error("the clipboard holds no image (PNG, JPEG, GIF or WebP)")]
    NoImage,
    /// The program could not start, failed, or its output was unreadable.
    #[error("`{program}` could not read the clipboard: {detail}")]
    Failed {
        /// The program's name.
        program: &'static str,
        /// What went wrong, in the program's words when it gave any.
        detail: String,
    },
    /// The program did not finish in time and was killed.
    #[error("`{program}` did not answer within {seconds} s and was stopped")]
    TimedOut {
        /// The program's name.
        program: &'static str,
        /// The timeout, in whole seconds (at least 1 in the message).
        seconds: u64,
    },
    /// The image is larger than [`MAX_IMAGE_BYTES`].
    #[error("the clipboard image is over {} MB, too large to attach", MAX_IMAGE_BYTES / (1024 * 1024))]
    TooLarge,
}

/// Picks the clipboard program for a session: `wl-paste` when
/// `wayland` (`WAYLAND_DISPLAY` is set) and it is found, else `xclip` when
/// `x11` (`DISPLAY` is set) and it is found, so an XWayland session
/// without wl-clipboard still works. `find` looks a program up on `PATH`.
///
/// Errors: [`ClipboardError::NoDisplay`] when neither session is there;
/// [`ClipboardError::Missing`] naming the program(s) to install.
pub(crate) fn choose(
    wayland: bool,
    x11: bool,
    find: impl Fn(Program) -> Option<PathBuf>,
) -> Result<Reader, ClipboardError> {
    let wanted: Vec<Program> = [(wayland, Program::WlPaste), (x11, Program::Xclip)]
        .into_iter()
        .filter_map(|(present, program)| present.then_some(program))
        .collect();
    if wanted.is_empty() {
        return Err(ClipboardError::NoDisplay);
    }
    if let Some(reader) = wanted.iter().find_map(|program| {
        find(*program).map(|path| Reader {
            program: *program,
            path,
        })
    }) {
        return Ok(reader);
    }
    let names: Vec<&str> = wanted
        .iter()
        .map(|program| program.install_hint())
        .collect();
    Err(ClipboardError::Missing(names.join(" or ")))
}

/// The environment the clipboard is read in, taken from the process (or
/// made up by tests).
#[derive(Debug, Clone)]
pub(crate) struct ClipboardEnv {
    /// `WAYLAND_DISPLAY`.
    pub(crate) wayland_display: Option<OsString>,
    /// `DISPLAY`.
    pub(crate) display: Option<OsString>,
    /// `PATH`.
    pub(crate) path: Option<OsString>,
    /// Where relative `PATH` entries start.
    pub(crate) cwd: PathBuf,
}

impl ClipboardEnv {
    /// This process's environment and working directory.
    pub(crate) fn from_process() -> Self {
        Self {
            wayland_display: std::env::var_os("WAYLAND_DISPLAY"),
            display: std::env::var_os("DISPLAY"),
            path: std::env::var_os("PATH"),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
        }
    }

    /// [`choose`] for this environment; an empty variable counts as unset.
    ///
    /// Errors: as [`choose`].
    pub(crate) fn reader(&self) -> Result<Reader, ClipboardError> {
        let set = |value: &Option<OsString>| value.as_ref().is_some_and(|value| !value.is_empty());
        choose(set(&self.wayland_display), set(&self.display), |program| {
            which::which_in(program.name(), self.path.as_ref(), &self.cwd).ok()
        })
    }
}

/// The first type of [`IMAGE_TYPES`] among `listed` (one type a line, as
/// both programs print them), if any.
fn image_type(listed: &str) -> Option<&'static str> {
    let offered: Vec<&str> = listed.lines().map(str::trim).collect();
    IMAGE_TYPES.into_iter().find(|wanted| {
        offered
            .iter()
            .any(|type_| type_.eq_ignore_ascii_case(wanted))
    })
}

/// Reads the clipboard's image in `env`: asks the chosen program for the
/// types offered, then for the bytes of the first image type, all within
/// `timeout`. Returns the bytes as the program printed them (the driver
/// checks they are an image).
///
/// Errors: every [`ClipboardError`]; the programs are killed (with their
/// process groups) on timeout, when the image passes
/// [`MAX_IMAGE_BYTES`], and when this future is dropped.
pub(crate) async fn read_image(
    env: &ClipboardEnv,
    timeout: Duration,
) -> Result<Vec<u8>, ClipboardError> {
    let reader = env.reader()?;
    let deadline = Instant::now() + timeout;
    let program = reader.program;
    let failed = |error: RunError| match error {
        RunError::TimedOut => ClipboardError::TimedOut {
            program: program.name(),
            seconds: timeout.as_secs().max(1),
        },
        RunError::TooLarge => ClipboardError::TooLarge,
        RunError::Failed(detail) => ClipboardError::Failed {
            program: program.name(),
            detail,
        },
    };
    let listed = child::run(
        &reader.path,
        &program.list_args(),
        deadline,
        MAX_TYPES_BYTES,
    )
    .await
    .map_err(failed)?;
    let media_type =
        image_type(&String::from_utf8_lossy(&listed)).ok_or(ClipboardError::NoImage)?;
    let bytes = child::run(
        &reader.path,
        &program.read_args(media_type),
        deadline,
        MAX_IMAGE_BYTES,
    )
    .await
    .map_err(failed)?;
    if bytes.is_empty() {
        return Err(ClipboardError::NoImage);
    }
    Ok(bytes)
}

/// What Ctrl+V attaches: the clipboard's image in `env` (see
/// [`read_image`]), made a content block by `driver` with the pasted-image
/// rules ([`Driver::image_from_clipboard`]).
///
/// Errors: the message to show after "Image not attached: " — a
/// [`ClipboardError`] or the driver's refusal.
pub(crate) async fn image_block(
    driver: &dyn Driver,
    env: &ClipboardEnv,
    timeout: Duration,
) -> Result<ContentBlock, String> {
    let bytes = read_image(env, timeout)
        .await
        .map_err(|error| error.to_string())?;
    driver
        .image_from_clipboard(bytes)
        .map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests;

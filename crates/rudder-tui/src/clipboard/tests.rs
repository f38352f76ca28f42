//! The clipboard program's choice, and reading through fake `wl-paste`
//! and `xclip` scripts put on a made-up `PATH`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::*;

/// A PNG signature and the start of its header chunk.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn found(programs: &'static [Program]) -> impl Fn(Program) -> Option<PathBuf> {
    move |program| {
        programs
            .contains(&program)
            .then(|| PathBuf::from("/usr/bin").join(program.name()))
    }
}

#[test]
fn the_program_follows_the_session_and_what_is_installed() {
    use Program::{WlPaste, Xclip};
    let both: &[Program] = &[WlPaste, Xclip];
    let chosen = |wayland: bool, x11: bool, programs: &'static [Program]| {
        choose(wayland, x11, found(programs)).map(|r| r.program)
    };
    assert_eq!(chosen(true, false, both), Ok(WlPaste));
    assert_eq!(chosen(true, true, both), Ok(WlPaste));
    assert_eq!(chosen(false, true, both), Ok(Xclip));
    // XWayland without wl-clipboard: xclip still reads the clipboard.
    assert_eq!(chosen(true, true, &[Xclip]), Ok(Xclip));
    // An X11 session never uses wl-paste.
    assert!(matches!(
        chosen(false, true, &[WlPaste]),
        Err(ClipboardError::Missing(ref names)) if names == "`xclip`"
    ));
    let Err(ClipboardError::Missing(names)) = chosen(true, false, &[Xclip]) else {
        panic!("wl-paste was not asked for");
    };
    assert_eq!(names, "`wl-paste` (package wl-clipboard)");
    let Err(ClipboardError::Missing(names)) = chosen(true, true, &[]) else {
        panic!("nothing was asked for");
    };
    assert_eq!(names, "`wl-paste` (package wl-clipboard) or `xclip`");
    assert_eq!(chosen(false, false, both), Err(ClipboardError::NoDisplay));
    assert_eq!(
        choose(true, false, found(both)).map(|reader| reader.path),
        Ok(PathBuf::from("/usr/bin/wl-paste"))
    );
}

#[test]
fn the_first_image_type_offered_is_asked_for() {
    assert_eq!(image_type("TARGETS\nimage/png\n"), Some("image/png"));
    assert_eq!(
        image_type("text/plain\nimage/jpeg\nimage/png\n"),
        Some("image/png")
    );
    assert_eq!(image_type("image/webp\r\nimage/gif\r\n"), Some("image/gif"));
    assert_eq!(image_type("text/plain\nUTF8_STRING\nimage/bmp\n"), None);
    assert_eq!(image_type(""), None);
}

/// A folder holding fake clipboard programs and `shot.png`.
struct FakeBin {
    dir: tempfile::TempDir,
}

impl FakeBin {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("shot.png"), PNG).unwrap();
        Self { dir }
    }

    /// Writes an executable `name` running `body` with `sh`. A child
    /// process writes it, so no write handle of this (multi-threaded) test
    /// process can leak into a concurrent fork and make running it fail
    /// with "Text file busy".
    fn tool(&self, name: &str, body: &str) {
        let script = format!("#!/bin/sh\ncd \"$(dirname \"$0\")\"\n{body}\n");
        let status = std::process::Command::new("sh")
            .args(["-c", "printf '%s' \"$1\" > \"$2\" && chmod 755 \"$2\""])
            .args(["sh", &script])
            .arg(self.dir.path().join(name))
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn env(&self, wayland: bool, x11: bool) -> ClipboardEnv {
        ClipboardEnv {
            wayland_display: wayland.then(|| "wayland-1".into()),
            display: x11.then(|| ":0".into()),
            path: Some(self.dir.path().as_os_str().to_owned()),
            cwd: PathBuf::from("/"),
        }
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[tokio::test]
async fn wl_paste_is_asked_for_the_types_then_the_png() {
    let bin = FakeBin::new();
    bin.tool(
        "wl-paste",
        r#"echo "$*" >> calls
case "$1" in
  --list-types) printf 'text/plain\nimage/jpeg\nimage/png\n' ;;
  --type) cat shot.png ;;
esac"#,
    );
    let bytes = read_image(&bin.env(true, false), TIMEOUT).await;
    assert_eq!(bytes.as_deref(), Ok(PNG));
    assert_eq!(read(&bin.path("calls")), "--list-types\n--type image/png\n");
}

#[tokio::test]
async fn xclip_reads_the_clipboard_selection() {
    let bin = FakeBin::new();
    bin.tool(
        "xclip",
        r#"echo "$*" >> calls
case "$4" in
  TARGETS) printf 'TARGETS\nimage/jpeg\n' ;;
  image/jpeg) cat shot.png ;;
esac"#,
    );
    let bytes = read_image(&bin.env(false, true), TIMEOUT).await;
    assert_eq!(bytes.as_deref(), Ok(PNG));
    assert_eq!(
        read(&bin.path("calls")),
        "-selection clipboard -t TARGETS -o\n-selection clipboard -t image/jpeg -o\n"
    );
}

#[tokio::test]
async fn a_clipboard_without_an_image_says_so() {
    let bin = FakeBin::new();
    bin.tool(
        "xclip",
        r#"echo "$*" >> calls
printf 'TARGETS\nUTF8_STRING\ntext/plain\n'"#,
    );
    let error = read_image(&bin.env(false, true), TIMEOUT).await;
    assert_eq!(error, Err(ClipboardError::NoImage));
    assert_eq!(
        read(&bin.path("calls")).lines().count(),
        1,
        "no image was asked for"
    );
    assert_eq!(
        ClipboardError::NoImage.to_string(),
        "the clipboard holds no image (PNG, JPEG, GIF or WebP)"
    );
}

#[tokio::test]
async fn a_failing_program_is_quoted_and_a_missing_one_named() {
    let bin = FakeBin::new();
    bin.tool("wl-paste", "echo 'Nothing is copied' >&2\nexit 1");
    let error = read_image(&bin.env(true, false), TIMEOUT).await;
    assert_eq!(
        error.map_err(|error| error.to_string()),
        Err("`wl-paste` could not read the clipboard: Nothing is copied".to_owned())
    );
    let Err(missing) = read_image(&bin.env(false, true), TIMEOUT).await else {
        panic!("read without xclip");
    };
    assert!(
        missing
            .to_string()
            .contains("needs `xclip`, which is not on PATH"),
        "{missing}"
    );
}

#[tokio::test]
async fn an_image_over_the_cap_is_refused() {
    let bin = FakeBin::new();
    let size = MAX_IMAGE_BYTES + 1024;
    bin.tool(
        "wl-paste",
        &format!(
            r#"case "$1" in
  --list-types) echo image/png ;;
  *) head -c {size} /dev/zero ;;
esac"#
        ),
    );
    let error = read_image(&bin.env(true, false), TIMEOUT).await;
    assert_eq!(error, Err(ClipboardError::TooLarge));
}

/// Whether `pid` runs (a zombie does not count).
#[cfg(target_os = "linux")]
fn running(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .map(|(_, rest)| !rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_hanging_program_is_killed_with_its_group_at_the_timeout() {
    let bin = FakeBin::new();
    bin.tool("xclip", "sleep 30 &\necho $! > pid\nwait");
    let started = Instant::now();
    let error = read_image(&bin.env(false, true), Duration::from_millis(300)).await;
    let took = started.elapsed();
    assert_eq!(
        error,
        Err(ClipboardError::TimedOut {
            program: "xclip",
            seconds: 1
        })
    );
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(2),
        "{took:?}"
    );
    let pid = read(&bin.path("pid")).trim().to_owned();
    assert!(!pid.is_empty(), "the fake xclip never started its child");
    let deadline = Instant::now() + Duration::from_secs(2);
    while running(&pid) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        !running(&pid),
        "the program's child {pid} outlived the timeout"
    );
}

#[tokio::test]
async fn an_empty_variable_is_no_session() {
    let bin = FakeBin::new();
    bin.tool("wl-paste", "exit 0");
    let mut env = bin.env(true, false);
    env.wayland_display = Some("".into());
    assert_eq!(
        read_image(&env, TIMEOUT).await,
        Err(ClipboardError::NoDisplay)
    );
}

fn notices(app: &mut crate::app::App) -> String {
    app.take_output()
        .iter()
        .map(|line| format!("{line}\n"))
        .collect()
}

#[tokio::test]
async fn ctrl_v_attaches_the_clipboard_image_to_the_next_message() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use crate::app::Effect;
    use crate::options::TuiOptions;
    use crate::testing::{app_with, fake_image, key, type_text};

    let bin = FakeBin::new();
    bin.tool(
        "wl-paste",
        r#"case "$1" in
  --list-types) echo image/png ;;
  --type) cat shot.png ;;
esac"#,
    );
    let (mut app, driver) = app_with(TuiOptions::default());
    app.take_effects();
    type_text(&mut app, "what is ");
    let ctrl_v = KeyEvent::new(KeyCode::Char('v'), KeyModifiers::CONTROL);
    app.on_key(ctrl_v, Instant::now());
    assert_eq!(app.take_effects(), [Effect::ReadClipboardImage]);
    assert_eq!(app.editor.text(), "what is ", "Ctrl+V typed something");

    let image = image_block(driver.as_ref(), &bin.env(true, false), TIMEOUT).await;
    app.on_clipboard_image(image);
    type_text(&mut app, "?");
    assert_eq!(app.editor.text(), "what is [Image #1]?");
    app.on_key(key(KeyCode::Enter), Instant::now());
    let prompts = driver.prompts.lock().unwrap().clone();
    assert_eq!(
        prompts,
        [vec![
            rudder_protocol::content::ContentBlock::text("what is [Image #1]?"),
            fake_image(Path::new("clipboard.png"))
        ]]
    );
}

#[tokio::test]
async fn ctrl_v_without_an_image_leaves_a_notice_and_the_prompt_alone() {
    use crate::options::TuiOptions;
    use crate::testing::{app_with, type_text};

    let bin = FakeBin::new();
    bin.tool("wl-paste", "printf 'text/plain\\nUTF8_STRING\\n'");
    let (mut app, driver) = app_with(TuiOptions::default());
    type_text(&mut app, "look");
    notices(&mut app);
    let image = image_block(driver.as_ref(), &bin.env(true, false), TIMEOUT).await;
    app.on_clipboard_image(image);
    assert_eq!(app.editor.text(), "look");
    assert!(
        notices(&mut app)
            .contains("Image not attached: the clipboard holds no image (PNG, JPEG, GIF or WebP)"),
        "no notice"
    );

    // Bytes that are no image are refused by the driver, and said so.
    bin.tool(
        "wl-paste",
        r#"case "$1" in
  --list-types) echo image/png ;;
  *) echo '<html>' ;;
esac"#,
    );
    let image = image_block(driver.as_ref(), &bin.env(true, false), TIMEOUT).await;
    app.on_clipboard_image(image);
    assert!(notices(&mut app).contains("Image not attached: the clipboard image is not a PNG"));
    assert_eq!(app.editor.submission().images.len(), 0);
}

//! Recognising an image file dropped on (or pasted into) the terminal.
//!
//! Terminals deliver a dropped file as its path, typed or bracket-pasted,
//! in one of a few spellings: plain (`/tmp/shot.png`), with blanks escaped
//! (`/tmp/my\ shot.png`, iTerm2 and Terminal.app), quoted
//! (`'/tmp/my shot.png'`, GNOME Terminal and others), or as a `file://`
//! URI with percent escapes (kitty, some file managers).
//!
//! Owns: turning such text into a path when it names a PNG, JPEG, GIF or
//! WebP file by its extension. Pure: it never looks at the disk (the
//! driver reads the file and checks its bytes). Must never: guess at text
//! that has more than one line or no image extension.

use std::path::PathBuf;

/// File extensions taken for images (compared without case).
const IMAGE_EXTENSIONS: [&str; 5] = ["png", "jpg", "jpeg", "gif", "webp"];

/// The path in `text` when it is one path to an image file, in any of
/// the spellings above; `None` for anything else.
pub(crate) fn image_path(text: &str) -> Option<PathBuf> {
    let text = text.trim();
    if text.is_empty() || text.contains(['\n', '\r']) {
        return None;
    }
    let unquoted = ['\'', '"']
        .iter()
        .find_map(|quote| {
            text.strip_prefix(*quote)
                .and_then(|rest| rest.strip_suffix(*quote))
        })
        .map(str::to_owned);
    let path = match unquoted {
        Some(inner) => inner,
        None => match text.strip_prefix("file://") {
            Some(uri) => percent_decode(uri)?,
            None => unescape(text),
        },
    };
    let extension = path.rsplit_once('.')?.1.to_ascii_lowercase();
    IMAGE_EXTENSIONS
        .contains(&extension.as_str())
        .then(|| PathBuf::from(path))
}

/// `my\ shot.png` → `my shot.png`: a backslash keeps the next character.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => out.extend(chars.next()),
            other => out.push(other),
        }
    }
    out
}

/// `%20` → ` `; `None` when an escape is malformed or not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = text.get(index + 1..index + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_dropped_image_is_a_path() {
        let cases = [
            ("/tmp/shot.png", "/tmp/shot.png"),
            ("  /tmp/shot.PNG \n", "/tmp/shot.PNG"),
            (r"/tmp/my\ shot.jpeg", "/tmp/my shot.jpeg"),
            ("'/tmp/my shot.gif' ", "/tmp/my shot.gif"),
            ("\"/tmp/a b.webp\"", "/tmp/a b.webp"),
            ("file:///tmp/my%20shot.jpg", "/tmp/my shot.jpg"),
            ("shots/relative.png", "shots/relative.png"),
        ];
        for (text, path) in cases {
            assert_eq!(image_path(text), Some(PathBuf::from(path)), "{text:?}");
        }
    }

    #[test]
    fn other_text_is_not_a_path() {
        for text in [
            "",
            "fix the bug",
            "/tmp/notes.txt",
            "/tmp/a.png\n/tmp/b.png",
            "file:///tmp/bad%zz.png",
            "png",
        ] {
            assert_eq!(image_path(text), None, "{text:?}");
        }
    }
}

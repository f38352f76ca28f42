//! A pasted or dropped image file, or an image the TUI read from the
//! clipboard (Ctrl+V), made an `image` content block for the next prompt
//! ([`rudder_tui::Driver::load_image`],
//! [`rudder_tui::Driver::image_from_clipboard`]).
//!
//! Same rules as the Read tool's images (`rudder_tools::read`): PNG, JPEG,
//! GIF or WebP by their magic bytes, passed through unchanged as base64, at
//! most [`MAX_IMAGE_BYTES`] (3.75 MiB, whose base64 is the Messages API's
//! 5 MiB per image). The person pasted it, so no permission rule is asked:
//! attaching a file you dropped is your own act, like typing its content.
//! Owns: resolving the path, the checks on the bytes, and the refusals'
//! wording. Must never: shrink
//! or convert an image (no image libraries), or read more than the cap.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use rudder_protocol::ContentBlock;
use rudder_tools::read::{MAX_IMAGE_BYTES, image_block, sniff_media_type};
use rudder_tui::ImageError;

/// `path` as the person meant it: `~/` under `home`, relative paths under
/// `cwd`.
fn resolve(path: &Path, cwd: &Path, home: Option<&Path>) -> PathBuf {
    if let (Ok(rest), Some(home)) = (path.strip_prefix("~"), home) {
        return home.join(rest);
    }
    cwd.join(path)
}

/// Megabytes with one decimal, for messages.
fn megabytes(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// Reads the image at `path` (see [`resolve`]) into an image block.
///
/// Errors: [`ImageError::NotFound`] when nothing is there (the paste was
/// text); [`ImageError::Refused`] naming the file and the reason — not a
/// regular file, unreadable, over the cap (with the cap and how to shrink
/// it), or not a PNG, JPEG, GIF or WebP image.
pub fn load(path: &Path, cwd: &Path, home: Option<&Path>) -> Result<ContentBlock, ImageError> {
    let path = resolve(path, cwd, home);
    let shown = path.display();
    let metadata = match std::fs::metadata(&path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(ImageError::NotFound);
        }
        Err(error) => return Err(ImageError::Refused(format!("cannot read {shown}: {error}"))),
    };
    if !metadata.is_file() {
        return Err(ImageError::Refused(format!("{shown} is not a file")));
    }
    if metadata.len() > MAX_IMAGE_BYTES {
        return Err(too_large(&shown.to_string(), metadata.len()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&path)
        .and_then(|file| file.take(MAX_IMAGE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|error| ImageError::Refused(format!("cannot read {shown}: {error}")))?;
    if bytes.len() as u64 > MAX_IMAGE_BYTES {
        return Err(ImageError::Refused(format!(
            "{shown} grew past {} while it was read",
            megabytes(MAX_IMAGE_BYTES)
        )));
    }
    encode(&bytes, &shown.to_string())
}

/// The image the TUI read from the clipboard, as an image block.
///
/// Errors: [`ImageError::Refused`] when the bytes are over the cap (with
/// the cap) or not a PNG, JPEG, GIF or WebP image.
pub fn from_clipboard(bytes: &[u8]) -> Result<ContentBlock, ImageError> {
    encode(bytes, "the clipboard image")
}

/// `bytes` (of the image `shown` names) as an image block, when under the
/// cap and an image by their content.
fn encode(bytes: &[u8], shown: &str) -> Result<ContentBlock, ImageError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > MAX_IMAGE_BYTES {
        return Err(too_large(shown, size));
    }
    let media_type = sniff_media_type(bytes).ok_or_else(|| {
        ImageError::Refused(format!(
            "{shown} is not a PNG, JPEG, GIF or WebP image (by its content)"
        ))
    })?;
    Ok(image_block(media_type, bytes))
}

/// The refusal of an image of `size` bytes over the cap.
fn too_large(shown: &str, size: u64) -> ImageError {
    ImageError::Refused(format!(
        "{shown} is {}; images of at most {} can be attached (the API takes 5 MB of base64 per image). \
         Attach a smaller copy, e.g. `convert in.png -resize 50% small.png`.",
        megabytes(size),
        megabytes(MAX_IMAGE_BYTES)
    ))
}

#[cfg(test)]
mod tests {
    use rudder_protocol::ImageSource;

    use super::*;

    /// The smallest valid PNG header plus filler.
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn images_load_by_content_and_the_rest_is_refused_or_not_found() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("shot.png"), PNG).unwrap();
        std::fs::write(dir.path().join("photo.png"), b"\xff\xd8\xff\xe0 jpeg").unwrap();
        std::fs::write(dir.path().join("fake.png"), b"plain text").unwrap();
        let big = std::fs::File::create(dir.path().join("big.png")).unwrap();
        big.set_len(MAX_IMAGE_BYTES + 1).unwrap();

        let Ok(ContentBlock::Image {
            source: ImageSource::Base64 { media_type, data },
            ..
        }) = load(Path::new("shot.png"), dir.path(), None)
        else {
            panic!("shot.png did not load");
        };
        assert_eq!(media_type, "image/png");
        assert_eq!(data, "iVBORw0KGgoAAAANSUhEUg==");
        let Ok(ContentBlock::Image {
            source: ImageSource::Base64 { media_type, .. },
            ..
        }) = load(Path::new("~/photo.png"), Path::new("/"), Some(dir.path()))
        else {
            panic!("~/photo.png did not load");
        };
        assert_eq!(media_type, "image/jpeg", "the bytes decide, not the name");

        assert_eq!(
            load(Path::new("gone.png"), dir.path(), None),
            Err(ImageError::NotFound)
        );
        let refused = |name: &str| match load(Path::new(name), dir.path(), None) {
            Err(ImageError::Refused(message)) => message,
            other => panic!("{name}: {other:?}"),
        };
        assert!(refused("fake.png").contains("is not a PNG, JPEG, GIF or WebP image"));
        let big = refused("big.png");
        assert!(
            big.contains("3.75 MB") && big.contains("smaller copy"),
            "{big}"
        );
    }

    #[test]
    fn clipboard_bytes_get_the_same_checks() {
        let Ok(ContentBlock::Image {
            source: ImageSource::Base64 { media_type, data },
            ..
        }) = from_clipboard(PNG)
        else {
            panic!("the PNG did not load");
        };
        assert_eq!(
            (media_type.as_str(), data.as_str()),
            ("image/png", "iVBORw0KGgoAAAANSUhEUg==")
        );
        let refused = |bytes: &[u8]| match from_clipboard(bytes) {
            Err(ImageError::Refused(message)) => message,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            refused(b"<html>"),
            "the clipboard image is not a PNG, JPEG, GIF or WebP image (by its content)"
        );
        let mut big = PNG.to_vec();
        big.resize(usize::try_from(MAX_IMAGE_BYTES).unwrap() + 100 * 1024, 0);
        let big = refused(&big);
        assert!(
            big.starts_with("the clipboard image is 3.85 MB; images of at most 3.75 MB"),
            "{big}"
        );
    }
}

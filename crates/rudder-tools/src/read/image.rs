//! Read's image view: PNG, JPEG, GIF and WebP files returned as a base64
//! `image` content block with the media type their bytes declare.
//!
//! Decision: bytes pass through unchanged (no `image` crate, no
//! downscaling). The Messages API takes at most 5 MiB of base64 per image,
//! so files over [`MAX_IMAGE_BYTES`] (3.75 MiB) are refused with an error
//! that says how to shrink them. The type comes from the file's magic
//! bytes, not its name, so a mislabelled screenshot still works.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rudder_protocol::{ContentBlock, ImageSource};

/// Largest image file passed to the model, in bytes (3.75 MiB; its base64
/// form is the API's 5 MiB limit).
pub const MAX_IMAGE_BYTES: u64 = 3_932_160;

/// The image type whose magic bytes start `head`, as a media type.
pub fn sniff_media_type(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if head.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// The `image` content block for a file's `bytes` of type `media_type`.
pub fn image_block(media_type: &str, bytes: &[u8]) -> ContentBlock {
    ContentBlock::Image {
        source: ImageSource::Base64 {
            media_type: media_type.to_owned(),
            data: STANDARD.encode(bytes),
        },
        cache_control: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_decide_the_media_type() {
        assert_eq!(
            sniff_media_type(b"\x89PNG\r\n\x1a\n...."),
            Some("image/png")
        );
        assert_eq!(sniff_media_type(b"\xff\xd8\xff\xe0"), Some("image/jpeg"));
        assert_eq!(sniff_media_type(b"GIF89a.."), Some("image/gif"));
        assert_eq!(
            sniff_media_type(b"RIFF\0\0\0\0WEBPVP8 "),
            Some("image/webp")
        );
        assert_eq!(sniff_media_type(b"plain text"), None);
    }
}

//! Converting MCP content blocks to rudder's content blocks and back.
//!
//! Contract: MCP spec 2025-06-18 "ContentBlock" (`text`, `image`, `audio`,
//! `resource`, `resource_link`) on one side, the Anthropic Messages API
//! blocks of `rudder_protocol::ContentBlock` (text and base64 image) on the
//! other. The model can only take text and images, so audio, binary
//! resources and links become short text notes that say what was left out.
//!
//! Works on the spec's JSON shape (`serde_json::Value`), never on rmcp
//! types, so an rmcp upgrade cannot change what the model sees.

use rudder_protocol::{ContentBlock, ImageSource};
use serde_json::{Value, json};

/// Converts one MCP content item (`{"type":"text","text":…}` etc.) into a
/// rudder block. Unknown kinds become a text block holding their JSON.
pub fn from_mcp(item: &Value) -> ContentBlock {
    let kind = item.get("type").and_then(Value::as_str).unwrap_or_default();
    let str_field = |key: &str| item.get(key).and_then(Value::as_str).unwrap_or_default();
    match kind {
        "text" => ContentBlock::text(str_field("text")),
        "image" => image_or_note(str_field("data"), str_field("mimeType"), "image"),
        "audio" => ContentBlock::text(format!(
            "[audio content omitted: {}, {} bytes of base64]",
            str_field("mimeType"),
            str_field("data").len()
        )),
        "resource" => match item.get("resource") {
            Some(resource) => resource_contents_block(resource),
            None => ContentBlock::text(item.to_string()),
        },
        "resource_link" => {
            let mut text = format!(
                "[resource link] {}: {}",
                str_field("name"),
                str_field("uri")
            );
            let description = str_field("description");
            if !description.is_empty() {
                text.push_str(" — ");
                text.push_str(description);
            }
            ContentBlock::text(text)
        }
        _ => ContentBlock::text(item.to_string()),
    }
}

/// Converts the `contents[]` item of `resources/read` (or an embedded
/// resource): text stays text; an image blob becomes an image; any other blob
/// becomes a note with its URI, MIME type and size.
pub fn resource_contents_block(resource: &Value) -> ContentBlock {
    let str_field = |key: &str| resource.get(key).and_then(Value::as_str);
    let uri = str_field("uri").unwrap_or_default();
    let mime = str_field("mimeType").unwrap_or("application/octet-stream");
    if let Some(text) = str_field("text") {
        return ContentBlock::text(text);
    }
    if let Some(blob) = str_field("blob") {
        if mime.starts_with("image/") {
            return image_or_note(blob, mime, uri);
        }
        return ContentBlock::text(format!(
            "[binary resource {uri} ({mime}), {} bytes of base64 omitted]",
            blob.len()
        ));
    }
    ContentBlock::text(resource.to_string())
}

fn image_or_note(data: &str, mime: &str, what: &str) -> ContentBlock {
    const SUPPORTED: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];
    if SUPPORTED.contains(&mime) {
        ContentBlock::Image {
            source: ImageSource::Base64 {
                media_type: mime.to_owned(),
                data: data.to_owned(),
            },
            cache_control: None,
        }
    } else {
        ContentBlock::text(format!(
            "[{what} omitted: {mime} is not an image type the model accepts]"
        ))
    }
}

/// Converts a rudder block into an MCP content item, for `rudder mcp serve`:
/// text → `text`, base64 image → `image`, anything else → `text` with the
/// block's text or JSON.
pub fn to_mcp(block: &ContentBlock) -> Value {
    match block {
        ContentBlock::Text { text, .. } => json!({"type": "text", "text": text}),
        ContentBlock::Image {
            source: ImageSource::Base64 { media_type, data },
            ..
        } => json!({"type": "image", "data": data, "mimeType": media_type}),
        ContentBlock::ToolResult { content, .. } => {
            json!({"type": "text", "text": content.text()})
        }
        other => json!({
            "type": "text",
            "text": serde_json::to_string(other).unwrap_or_default()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_images_map_directly() {
        assert_eq!(
            from_mcp(&json!({"type": "text", "text": "hi"})),
            ContentBlock::text("hi")
        );
        let image = from_mcp(&json!({"type": "image", "data": "AAAA", "mimeType": "image/png"}));
        assert_eq!(image.type_name(), "image");
        assert_eq!(
            to_mcp(&image),
            json!({"type": "image", "data": "AAAA", "mimeType": "image/png"})
        );
        let svg = from_mcp(&json!({"type": "image", "data": "x", "mimeType": "image/svg+xml"}));
        assert!(svg.as_text().unwrap().contains("image/svg+xml"));
    }

    #[test]
    fn other_kinds_become_notes() {
        let audio = from_mcp(&json!({"type": "audio", "data": "AAAA", "mimeType": "audio/wav"}));
        assert!(audio.as_text().unwrap().contains("audio/wav"));
        let text_resource = from_mcp(&json!({"type": "resource",
            "resource": {"uri": "file:///a", "text": "body"}}));
        assert_eq!(text_resource.as_text(), Some("body"));
        let blob = from_mcp(&json!({"type": "resource",
            "resource": {"uri": "file:///b", "blob": "AAAA", "mimeType": "application/zip"}}));
        assert!(blob.as_text().unwrap().contains("file:///b"));
        let link = from_mcp(&json!({"type": "resource_link", "uri": "u://x", "name": "x"}));
        assert_eq!(link.as_text(), Some("[resource link] x: u://x"));
        let unknown = from_mcp(&json!({"type": "hologram"}));
        assert!(unknown.as_text().unwrap().contains("hologram"));
    }
}

//! `POST /v2/files/upload` and `POST /v2/images/upload` (freshchat-mammut-more 6):
//! multipart bodies whose file the fake keeps and serves itself at
//! `/attachments/{hash}/{name}` (the real URLs are signed CDN links; no token is
//! asked for). Those URLs, or a file's `file_hash`, work in message parts:
//! `{"file": {"file_hash": ...}}` is completed from the upload, and an `image` or
//! `file` part naming an attachment the fake does not hold is Freshchat's 400
//! `INVALID_VALUE` / `IMAGE_EMPTY_CONTENT` (\[CAPTURE\] for an unusable image URL).
//!
//! Memory is bounded: past `uploads_max_total_bytes` the oldest uploads go.

use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};

use super::api::{F, Reply, base_url, ok};
use super::error::FreshchatError;
use super::records::Upload;
use super::store::{Store, not_found};
use crate::clock::iso_millis;

/// The path prefix uploads are served under (outside `/v2`, without a token).
pub const SERVE_PREFIX: &str = "/attachments/";

/// Width and height from a PNG, GIF or JPEG header.
pub fn dimensions(b: &[u8]) -> Option<(u32, u32)> {
    let be32 = |i: usize| Some(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?));
    let be16 = |i: usize| {
        Some(u32::from(u16::from_be_bytes(
            b.get(i..i + 2)?.try_into().ok()?,
        )))
    };
    let le16 = |i: usize| {
        Some(u32::from(u16::from_le_bytes(
            b.get(i..i + 2)?.try_into().ok()?,
        )))
    };
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some((be32(16)?, be32(20)?));
    }
    if b.starts_with(b"GIF8") {
        return Some((le16(6)?, le16(8)?));
    }
    if !b.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut i = 2;
    // Bounded by the length: every step moves past one segment.
    while i + 9 < b.len() {
        if b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        if matches!(marker, 0xC0..=0xC3) {
            return Some((be16(i + 7)?, be16(i + 5)?));
        }
        i += 2 + usize::try_from(be16(i + 2)?).ok()?;
    }
    None
}

impl Store {
    /// Keeps an upload, dropping the oldest past `budget` bytes in all.
    pub fn add_upload(&mut self, u: Upload, budget: usize) {
        self.uploads.push(u);
        let mut total: usize = self.uploads.iter().map(|u| u.size).sum();
        while total > budget && self.uploads.len() > 1 {
            total -= self.uploads.remove(0).size;
        }
    }

    /// A short lowercase token like Freshchat's `file_hash`.
    fn file_hash(&mut self) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..10)
            .map(|_| {
                let i = self.ids.range(0, ALPHABET.len() as u64);
                char::from(ALPHABET[usize::try_from(i).unwrap_or(0)])
            })
            .collect()
    }

    /// Completes and checks the `file` and `image` parts of a message against the
    /// uploads held.
    pub fn resolve_attachments(&self, parts: &mut [Value]) -> Result<(), FreshchatError> {
        let empty =
            |kind: &str| FreshchatError::Invalid(format!("{}_EMPTY_CONTENT", kind.to_uppercase()));
        for p in parts.iter_mut() {
            for kind in ["file", "image"] {
                let Some(body) = p.get_mut(kind).and_then(Value::as_object_mut) else {
                    continue;
                };
                let by_hash = body.get("file_hash").and_then(Value::as_str);
                let url = body.get("url").and_then(Value::as_str);
                let held = match (by_hash, url) {
                    (Some(h), _) => Some(
                        self.uploads
                            .iter()
                            .find(|u| u.file_hash == h)
                            .ok_or_else(|| empty(kind))?,
                    ),
                    (None, Some(u)) => match u.split_once(SERVE_PREFIX) {
                        Some((_, rest)) => {
                            let h = rest.split('/').next().unwrap_or_default();
                            Some(
                                self.uploads
                                    .iter()
                                    .find(|x| x.file_hash == h)
                                    .ok_or_else(|| empty(kind))?,
                            )
                        }
                        None => None,
                    },
                    (None, None) => return Err(empty(kind)),
                };
                if let Some(u) = held {
                    body.entry("url").or_insert_with(|| json!(u.url));
                    body.entry("name").or_insert_with(|| json!(u.name));
                    body.entry("content_type")
                        .or_insert_with(|| json!(u.content_type));
                    if kind == "file" {
                        body.entry("file_hash")
                            .or_insert_with(|| json!(u.file_hash));
                        body.entry("file_size_in_bytes")
                            .or_insert_with(|| json!(u.size));
                    }
                }
            }
        }
        Ok(())
    }
}

/// Reads the multipart body: the first part named one of `names` with a file name.
fn file_part(
    headers: &HeaderMap,
    body: &[u8],
    names: &[&str],
) -> Result<(String, String, Bytes), FreshchatError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let parts = crate::multipart::parts(content_type, body)
        .ok_or_else(|| FreshchatError::Invalid("expected a multipart/form-data body".to_owned()))?;
    let part = parts
        .iter()
        .find(|p| names.contains(&p.name.as_str()) && p.file_name.is_some())
        .ok_or_else(|| {
            FreshchatError::Invalid(format!(
                "a file part named `{}` is required",
                names.join("` or `")
            ))
        })?;
    let name = part.file_name.clone().unwrap_or_default();
    let ct = part
        .content_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    Ok((name, ct, Bytes::copy_from_slice(part.body)))
}

async fn upload(
    f: &super::account::Freshchat,
    headers: &HeaderMap,
    body: &[u8],
    kind: &'static str,
) -> Result<Upload, FreshchatError> {
    let names: &[&str] = if kind == "image" {
        &["image", "file"]
    } else {
        &["file"]
    };
    let (name, content_type, bytes) = file_part(headers, body, names)?;
    if bytes.is_empty() {
        return Err(FreshchatError::Invalid(format!(
            "{}_EMPTY_CONTENT",
            kind.to_uppercase()
        )));
    }
    if bytes.len() > f.settings().file_max_bytes {
        return Err(FreshchatError::Invalid("FILE_SIZE_EXCEEDED".to_owned()));
    }
    let dims = dimensions(&bytes);
    if kind == "image" && dims.is_none() && !content_type.starts_with("image/") {
        return Err(FreshchatError::Invalid("INVALID_IMAGE".to_owned()));
    }
    let now = iso_millis(f.now());
    let mut store = f.store();
    let file_hash = store.file_hash();
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let u = Upload {
        kind,
        id: store.uuid(),
        url: format!("{}{SERVE_PREFIX}{file_hash}/{encoded}", base_url(headers)),
        file_hash,
        name,
        content_type,
        size: bytes.len(),
        dimensions: dims,
        created_time: now,
        bytes,
    };
    store.add_upload(u.clone(), f.settings().uploads_max_total_bytes);
    Ok(u)
}

/// `POST /v2/files/upload`: one part named `file` (\[SDK\]).
pub async fn upload_file(State(f): F, headers: HeaderMap, body: Bytes) -> Reply {
    ok(&upload(&f, &headers, &body, "file").await?.file_view())
}

/// `POST /v2/images/upload`: one part named `image` (\[SDK\]) or `file` (\[3P\]).
pub async fn upload_image(State(f): F, headers: HeaderMap, body: Bytes) -> Reply {
    ok(&upload(&f, &headers, &body, "image").await?.image_view())
}

/// `GET /attachments/{hash}/{name}`: the bytes, with their content type.
pub async fn serve(State(f): F, uri: OriginalUri) -> Response {
    let hash = uri
        .path()
        .strip_prefix(SERVE_PREFIX)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    let store = f.store();
    match store.uploads.iter().find(|u| u.file_hash == hash) {
        Some(u) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, u.content_type.clone())],
            u.bytes.clone(),
        )
            .into_response(),
        None => not_found("FILE").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_sizes_come_from_png_and_gif_headers() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&[0, 0, 1, 44, 0, 0, 0, 100]);
        assert_eq!(dimensions(&png), Some((300, 100)));
        assert_eq!(dimensions(b"GIF89a\x10\x00\x20\x00"), Some((16, 32)));
        assert_eq!(dimensions(b"hello"), None);
        assert_eq!(
            dimensions(&[0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8, 0, 50, 0, 70, 3]),
            Some((70, 50))
        );
    }
}

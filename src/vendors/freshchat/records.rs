//! The records fake Freshchat keeps beside its users and conversations: uploads,
//! CSAT ratings, extract jobs, outbound WhatsApp messages, and the seeded roles.
//! Plain data at the bottom of the vendor: the store holds them, the files of each
//! API family read and write them.

use bytes::Bytes;
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::FreshchatSettings;

/// The seeded roles: `(id, name)` (names UNKNOWN; the fake's seed).
pub const ROLES: &[(&str, &str)] = &[
    ("f5c4a000-0000-4000-8000-000000000a01", "Account Owner"),
    ("f5c4a000-0000-4000-8000-000000000a02", "Admin"),
    ("f5c4a000-0000-4000-8000-000000000a03", "Supervisor"),
    ("f5c4a000-0000-4000-8000-000000000a04", "Agent"),
];

/// The role API-created agents get.
pub const AGENT_ROLE: &str = "f5c4a000-0000-4000-8000-000000000a04";

/// The role of a seeded agent: the token's owner is the account owner.
pub fn role_of_seed(s: &FreshchatSettings, agent_id: &str) -> &'static str {
    if agent_id == s.api_actor_id {
        ROLES[0].0
    } else {
        AGENT_ROLE
    }
}

/// The name of role `id` (empty when unknown).
pub fn role_name(id: &str) -> &'static str {
    ROLES.iter().find(|(r, _)| *r == id).map_or("", |(_, n)| n)
}

/// A file or image the fake holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Upload {
    /// `file` or `image`.
    pub kind: &'static str,
    /// UUID (images' `id`).
    pub id: String,
    /// The short token files are referred to by (\[CAPTURE\] `apo6k69cpf`).
    pub file_hash: String,
    /// The file name.
    pub name: String,
    /// The content type.
    pub content_type: String,
    /// Size in bytes.
    pub size: usize,
    /// Where the fake serves it.
    pub url: String,
    /// Pixel size of an image, when its header says.
    pub dimensions: Option<(u32, u32)>,
    /// When it was uploaded.
    pub created_time: String,
    /// The bytes.
    #[serde(skip)]
    pub bytes: Bytes,
}

impl Upload {
    /// The response of `/files/upload` (UNKNOWN shape; the fake's default, which
    /// a real client's tolerant reader accepts).
    pub fn file_view(&self) -> Value {
        json!({
            "file_name": self.name,
            "file_size_in_bytes": self.size,
            "file_content_type": self.content_type,
            "file_hash": self.file_hash,
            "file_url": self.url,
        })
    }

    /// The response of `/images/upload` (\[SCHEMA\] `image_response`).
    pub fn image_view(&self) -> Value {
        let (w, h) = self.dimensions.unwrap_or((0, 0));
        json!({
            "id": self.id,
            "name": self.name,
            "url": self.url,
            "content_type": self.content_type,
            "thumbnail": {"url": self.url, "content_type": self.content_type, "width": w.min(200), "height": h.min(200)},
            "width": w,
            "height": h,
        })
    }
}

/// One rating.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Csat {
    /// The conversation rated.
    pub conversation_id: String,
    /// 1 to 5, when given.
    pub rating: Option<u8>,
    /// Whether the customer says the issue was resolved.
    pub issue_resolved: Option<bool>,
    /// `feedback` or `comment`.
    pub feedback: Option<String>,
    /// When.
    pub created_time: String,
}

/// One extract job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportJob {
    /// UUID.
    pub id: String,
    /// The `event` asked for.
    pub event: String,
    /// The window's start and end (ISO, milliseconds).
    pub start: String,
    /// See `start`.
    pub end: String,
    /// `PENDING` or `COMPLETED`.
    pub status: &'static str,
    /// Polls answered so far.
    pub polls: u32,
    /// Data rows of the CSV, once completed.
    pub rows: usize,
    /// When the job was created.
    #[serde(skip)]
    pub created: Option<OffsetDateTime>,
    /// The CSV, once completed.
    #[serde(skip)]
    pub csv: Option<String>,
}

/// One outbound message (one recipient of a request).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboundMessage {
    /// UUID.
    pub message_id: String,
    /// The request it was sent in.
    pub request_id: String,
    /// `{phone_number}`.
    pub from: Value,
    /// `{phone_number}` (one recipient in the read model).
    pub to: Value,
    /// `whatsapp`.
    pub provider: String,
    /// The request's `data`.
    pub data: Value,
    /// `Accepted`, `Sent`, `Delivered` or `Failed`.
    pub status: &'static str,
    /// Epoch seconds.
    pub created_on: i64,
    /// `OBM001` when the template does not exist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_code: Option<&'static str>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<&'static str>,
}

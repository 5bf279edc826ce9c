//! Documents a bot keeps on Blip: bucket and resource entries, tracked events
//! and scheduled messages.

use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// A bucket or resource document: its type as sent and the document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stored {
    /// The MIME type it was stored with.
    #[serde(rename = "type")]
    pub type_: String,
    /// The document.
    pub resource: Value,
    /// When it expires (buckets' `expiration`), ISO.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// The same, for comparisons.
    #[serde(skip)]
    pub expires_at: Option<OffsetDateTime>,
}

impl Stored {
    /// Whether it has expired at `now`.
    pub fn expired(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

/// One `set /event-track`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackedEvent {
    /// The bot.
    pub owner_identity: String,
    /// The category.
    pub category: String,
    /// The action.
    pub action: String,
    /// When it was tracked, ISO.
    pub storage_date: String,
    /// The same, for day buckets.
    #[serde(skip)]
    pub at: Option<OffsetDateTime>,
    /// The contact's identity, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// String extras.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub extras: Map<String, Value>,
}

/// A message the scheduler sends at `when` (`application/vnd.iris.schedule+json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schedule {
    /// When, ISO.
    pub when: String,
    /// The same, for the clock.
    #[serde(skip)]
    pub at: OffsetDateTime,
    /// The schedule's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The message, with `from`, `pp` and `metadata` as Blip writes them.
    pub message: Value,
    /// `scheduled`, `executed` or `canceled`.
    pub status: &'static str,
}

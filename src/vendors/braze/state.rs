//! What Braze's REST API beyond `/users/track` adds to the store, free of I/O:
//! renamed (deprecated) external ids, API-triggered Canvases, the record of every
//! message dispatch and what became of each recipient, and send ids.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::webhook::Campaign;

/// What became of one recipient on one channel of a dispatch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageRecord {
    /// The recipient: `{"external_id": ...}`, `{"braze_id": ...}`, or the id asked for.
    pub user: Value,
    /// `webhook`, `email`, `sms`, `apple_push`, ...
    pub channel: String,
    /// `sent` (a webhook: handed to the delivery in `delivery`), `aborted` (by
    /// `{% abort_message %}`) or `skipped` (no such user).
    pub status: &'static str,
    /// The webhook delivery (see `sends`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<String>,
    /// `liquid_abort_message` for an abort.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abort_type: Option<&'static str>,
    /// The abort's reason, or why it was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abort_log: Option<String>,
    /// What was rendered for channels other than webhooks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rendered: Option<Value>,
}

/// One accepted send request (one `dispatch_id`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dispatch {
    /// 32 hex digits (\[CAPTURE\]).
    pub dispatch_id: String,
    /// The endpoint that made it, e.g. `/messages/send`.
    pub endpoint: &'static str,
    /// The campaign, when one was named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<String>,
    /// The Canvas, for `/canvas/trigger/send`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canvas_id: Option<String>,
    /// The send id, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_id: Option<String>,
    /// Per recipient and channel.
    pub messages: Vec<MessageRecord>,
    /// Why a scheduled send could not go out when it was due.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A scheduled send (`/messages/schedule/*`, `/campaigns/trigger/schedule/*`,
/// `/canvas/trigger/schedule/*`), sent once the run's clock reaches its time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schedule {
    /// A UUID (\[CAPTURE\]).
    pub schedule_id: String,
    /// The dispatch it will send as.
    pub dispatch_id: String,
    /// The send endpoint it stands for, e.g. `/messages/send`.
    pub endpoint: &'static str,
    /// The send's body (without `schedule`).
    pub body: serde_json::Map<String, Value>,
    /// When it is due.
    #[serde(serialize_with = "iso")]
    pub time: time::OffsetDateTime,
    /// `scheduled`, `sent` or `deleted`.
    pub status: &'static str,
}

fn iso<S: serde::Serializer>(t: &time::OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::clock::iso_millis(*t))
}

/// Everything the REST API beyond `/users/track` keeps.
#[derive(Debug, Clone, Default)]
pub struct ApiState {
    /// Renamed-away external ids → the braze_id they still resolve to.
    pub deprecated_ids: BTreeMap<String, String>,
    /// API-triggered Canvases (one webhook step each).
    pub canvases: Vec<Campaign>,
    /// Every dispatch, oldest first.
    pub dispatches: Vec<Dispatch>,
    /// `(campaign_id, send_id)` pairs created by `/sends/id/create`.
    pub send_ids: Vec<(String, String)>,
    /// Scheduled sends, oldest first.
    pub schedules: Vec<Schedule>,
}

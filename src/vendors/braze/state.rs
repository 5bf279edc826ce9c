//! What Braze's REST API beyond `/users/track` adds to the store, free of I/O:
//! renamed (deprecated) external ids, API-triggered Canvases, the record of every
//! message dispatch and what became of each recipient, and send ids.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::records::{
    AddressState, ContentBlock, EmailTemplate, GroupStatus, SubscriptionGroup,
    TransactionalCampaign, TransactionalSend, stamp,
};
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

impl MessageRecord {
    /// A message to `user` on `channel` that has not gone (yet).
    pub fn skipped(user: Value, channel: &str) -> Self {
        Self {
            user,
            channel: channel.to_owned(),
            status: "skipped",
            delivery: None,
            abort_type: None,
            abort_log: None,
            rendered: None,
        }
    }
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
    /// When it was accepted.
    #[serde(serialize_with = "iso")]
    pub time: time::OffsetDateTime,
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
    /// Subscription groups (configured).
    pub groups: Vec<SubscriptionGroup>,
    /// Each user's last status change per group.
    pub subscriptions: Vec<GroupStatus>,
    /// Email addresses with a state of their own (subscription, bounce, spam),
    /// by lowercased address.
    pub addresses: BTreeMap<String, AddressState>,
    /// Content Blocks, oldest first.
    pub content_blocks: Vec<ContentBlock>,
    /// Email templates, oldest first.
    pub email_templates: Vec<EmailTemplate>,
    /// Transactional email campaigns.
    pub transactional: Vec<TransactionalCampaign>,
    /// Transactional sends by `external_send_id`, for the 24-hour dedupe.
    pub transactional_sends: Vec<TransactionalSend>,
    /// Catalogs, oldest first.
    pub catalogs: Vec<Catalog>,
    /// Preference centers, oldest first.
    pub preference_centers: Vec<PreferenceCenter>,
}

/// One preference center [DOC: Preference Center endpoints].
#[derive(Debug, Clone)]
pub struct PreferenceCenter {
    /// `preference_center_api_id`: a UUID.
    pub id: String,
    /// Its name, unique (the Liquid tag names it).
    pub name: String,
    /// The pages' title; "Preference Center" when none is given \[DOC\].
    pub title: String,
    /// The preference center page's HTML.
    pub page_html: String,
    /// The confirmation page's HTML.
    pub confirmation_html: String,
    /// `active` or `draft`.
    pub state: String,
    /// `options` as sent (meta viewport, link tags).
    pub options: Value,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

/// One catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Its name (letters, digits, `-`, `_`).
    pub name: String,
    /// Its description.
    pub description: String,
    /// Its fields, `id` first: `(name, type)`.
    pub fields: Vec<(String, String)>,
    /// Its items by id.
    pub items: BTreeMap<String, Map<String, Value>>,
    /// When it or its items last changed.
    pub updated_at: OffsetDateTime,
}

impl Catalog {
    /// The catalog as `GET /catalogs` shows it \[CAPTURE\]: field tokens `-1` for
    /// `id`, then from `0`; `source: "Braze"`; no selections.
    pub fn shown(&self) -> Value {
        let fields: Vec<Value> = self
            .fields
            .iter()
            .enumerate()
            .map(|(i, (name, kind))| {
                json!({"name": name, "token": (i as i64 - 1).to_string(), "type": kind})
            })
            .collect();
        let size: usize = self
            .items
            .values()
            .map(|i| Value::Object(i.clone()).to_string().len())
            .sum();
        json!({
            "description": self.description, "fields": fields, "name": self.name,
            "source": "Braze", "num_items": self.items.len(), "storage_size": size,
            "selections_size": 0, "updated_at": stamp(self.updated_at), "selections": [],
        })
    }
}

impl ApiState {
    /// Forgets what belongs to a deleted user.
    pub fn forget_user(&mut self, braze_id: &str) {
        self.subscriptions.retain(|s| s.braze_id != braze_id);
        self.deprecated_ids.retain(|_, b| b != braze_id);
    }
}

//! The records Braze's REST API keeps besides user profiles: Content Blocks and
//! email templates, what Braze knows about each email address, subscription groups
//! and users' statuses in them, transactional campaigns and their sends. Data and
//! their defaults only, below the store and the handlers that change them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::macros::format_description;

/// A Content Block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentBlock {
    /// Its id (a UUID).
    pub content_block_id: String,
    /// Its name, used in the Liquid tag.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Its content (Liquid).
    pub content: String,
    /// `active` or `draft`.
    pub state: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Created.
    #[serde(serialize_with = "iso")]
    pub created_at: OffsetDateTime,
    /// Last edited.
    #[serde(serialize_with = "iso")]
    pub last_edited: OffsetDateTime,
}

/// A time as Braze's exports write it ([`stamp`]).
pub fn iso<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&stamp(*t))
}

/// The list endpoints' timestamp: `YYYY-MM-DD HH:MM:SS +0000` (\[CAPTURE\]; the doc
/// claims ISO-8601).
pub fn wire_time(t: OffsetDateTime) -> String {
    let f = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] +0000");
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}

/// ISO-8601 with milliseconds and `Z` (subscription status times).
fn iso_z<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::clock::iso_millis(*t))
}

/// Braze's export timestamps: ISO-8601 with milliseconds and `+00:00`.
pub fn stamp(t: OffsetDateTime) -> String {
    format!(
        "{}+00:00",
        crate::clock::iso_millis(t).trim_end_matches('Z')
    )
}

/// What Braze knows about one address.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AddressState {
    /// The address as first given.
    pub email: String,
    /// `subscribed`, `unsubscribed` or `opted_in`, when set through `/email/status`
    /// or `/email/blocklist`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription: Option<&'static str>,
    /// When it was unsubscribed.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "opt_wire")]
    pub unsubscribed_at: Option<OffsetDateTime>,
    /// When it hard-bounced.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "opt_wire")]
    pub hard_bounced_at: Option<OffsetDateTime>,
    /// Marked as spam.
    pub spam: bool,
}

#[allow(clippy::ref_option)]
fn opt_wire<S: serde::Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&wire_time(*t)),
        None => s.serialize_none(),
    }
}

/// A subscription group (configured in `subscription_groups`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionGroup {
    /// Its API id (a UUID in Braze).
    pub id: String,
    /// Its name.
    pub name: String,
    /// `email`, `sms` or `whats_app`.
    #[serde(default = "email_channel")]
    pub channel: String,
}

fn email_channel() -> String {
    "email".to_owned()
}

/// The groups a workspace has unless configured otherwise: one email and one SMS
/// group.
pub fn default_groups() -> Vec<SubscriptionGroup> {
    vec![
        SubscriptionGroup {
            id: "5ab5c41b-e000-4000-8000-00000000e4a1".to_owned(),
            name: "Newsletter".to_owned(),
            channel: "email".to_owned(),
        },
        SubscriptionGroup {
            id: "5ab5c41b-e000-4000-8000-0000000005e5".to_owned(),
            name: "SMS marketing".to_owned(),
            channel: "sms".to_owned(),
        },
    ]
}

/// A user's last status change in a group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupStatus {
    /// The group.
    pub subscription_group_id: String,
    /// The user.
    pub braze_id: String,
    /// `Subscribed` or `Unsubscribed`.
    pub status: &'static str,
    /// When it changed.
    #[serde(serialize_with = "iso_z")]
    pub at: OffsetDateTime,
}

/// An email template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmailTemplate {
    /// Its id (a UUID).
    pub email_template_id: String,
    /// Name.
    pub template_name: String,
    /// Description.
    pub description: String,
    /// Subject (Liquid).
    pub subject: String,
    /// Preheader.
    pub preheader: String,
    /// HTML body (Liquid).
    pub body: String,
    /// Plain-text body.
    pub plaintext_body: String,
    /// Whether CSS is inlined.
    pub should_inline_css: bool,
    /// Tags.
    pub tags: Vec<String>,
    /// Created.
    #[serde(serialize_with = "iso")]
    pub created_at: OffsetDateTime,
    /// Updated.
    #[serde(serialize_with = "iso")]
    pub updated_at: OffsetDateTime,
}

/// A transactional email campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransactionalCampaign {
    /// Its API id; one is generated when empty.
    #[serde(default)]
    pub id: String,
    /// Its name.
    pub name: String,
    /// The subject (Liquid).
    #[serde(default)]
    pub subject: String,
    /// The HTML body (Liquid).
    #[serde(default)]
    pub body: String,
    /// The sender, e.g. `Shop <no-reply@example.com>`.
    #[serde(default)]
    pub from: String,
    /// `active` (default), `paused` or `archived`.
    #[serde(default = "active")]
    pub state: String,
}

/// A transactional campaign's state unless given.
pub fn active() -> String {
    "active".to_owned()
}

/// One accepted send, kept for the 24-hour `external_send_id` dedupe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransactionalSend {
    /// The campaign.
    pub campaign_id: String,
    /// The caller's id.
    pub external_send_id: String,
    /// The dispatch it made.
    pub dispatch_id: String,
    /// When.
    #[serde(serialize_with = "iso")]
    pub at: OffsetDateTime,
}

/// The transactional settings: campaigns, the postback URL and the first status.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TransactionalSettings {
    /// Campaigns that exist from the start.
    pub campaigns: Vec<TransactionalCampaign>,
    /// Where the HTTP event postbacks go (none: no postbacks).
    pub postback_url: Option<String>,
    /// The `status` of the send's answer (\[UNVERIFIED\] `queued`).
    pub initial_status: String,
}

impl Default for TransactionalSettings {
    fn default() -> Self {
        Self {
            campaigns: Vec::new(),
            postback_url: None,
            initial_status: "queued".to_owned(),
        }
    }
}

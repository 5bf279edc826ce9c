//! The ticket object as Zendesk returns it (REFERENCE 1.4), with its comments and
//! audits.

use std::fmt;
use std::sync::OnceLock;

use bytes::Bytes;
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::parts::CustomField;
use super::values::{ApiUrl, Priority, Status, TicketType};

/// `via` of tickets, comments and audits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Via {
    /// `api` for everything created through the API.
    pub channel: String,
    /// `{"from":{},"to":{},"rel":null}` for the API channel.
    pub source: Value,
}

impl Via {
    /// The `via` of an API call, as captured.
    pub fn api() -> Self {
        Self::of("api")
    }

    /// The `via` of a change made through `channel` (`api`, or `web` for the agent
    /// interface).
    pub fn of(channel: &str) -> Self {
        Self {
            channel: channel.to_owned(),
            source: json!({"from": {}, "to": {}, "rel": null}),
        }
    }
}

/// A ticket comment.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct Comment {
    pub id: u64,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub author_id: u64,
    pub body: String,
    pub html_body: String,
    pub plain_body: String,
    pub public: bool,
    pub attachments: Vec<Value>,
    pub audit_id: u64,
    pub via: Via,
    pub metadata: Value,
    #[serde(serialize_with = "super::values::ts")]
    pub created_at: OffsetDateTime,
}

/// A ticket audit: who changed what, with its events.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct Audit {
    pub id: u64,
    pub ticket_id: u64,
    #[serde(serialize_with = "super::values::ts")]
    pub created_at: OffsetDateTime,
    pub author_id: u64,
    pub metadata: Value,
    pub events: Vec<Value>,
    pub via: Via,
}

/// A ticket, with the fields of the captured ticket object (REFERENCE 1.4) in the
/// same order. `url` is added when rendering, from the host the client used.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct Ticket {
    pub id: u64,
    pub external_id: Option<String>,
    pub via: Via,
    #[serde(serialize_with = "super::values::ts")]
    pub created_at: OffsetDateTime,
    #[serde(serialize_with = "super::values::ts")]
    pub updated_at: OffsetDateTime,
    #[serde(rename = "type")]
    pub kind: Option<TicketType>,
    pub subject: Option<String>,
    pub raw_subject: Option<String>,
    pub description: String,
    pub priority: Option<Priority>,
    pub status: Status,
    pub custom_status_id: u64,
    pub recipient: Option<String>,
    pub requester_id: u64,
    pub submitter_id: u64,
    pub assignee_id: Option<u64>,
    pub organization_id: Option<u64>,
    pub group_id: Option<u64>,
    pub collaborator_ids: Vec<u64>,
    pub follower_ids: Vec<u64>,
    pub email_cc_ids: Vec<u64>,
    pub forum_topic_id: Option<u64>,
    pub problem_id: Option<u64>,
    pub has_incidents: bool,
    pub is_public: bool,
    #[serde(serialize_with = "super::values::opt_ts")]
    pub due_at: Option<OffsetDateTime>,
    pub tags: Vec<String>,
    pub custom_fields: Vec<CustomField>,
    pub satisfaction_rating: Option<Value>,
    pub sharing_agreement_ids: Vec<u64>,
    pub fields: Vec<CustomField>,
    pub followup_ids: Vec<u64>,
    pub ticket_form_id: u64,
    pub brand_id: u64,
    pub satisfaction_probability: Option<f64>,
    pub allow_channelback: bool,
    pub allow_attachments: bool,
    pub from_messaging_channel: bool,
    #[serde(skip)]
    pub comments: Vec<Comment>,
    #[serde(skip)]
    pub audits: Vec<Audit>,
    /// The ticket's `GET` reply, once rendered.
    #[serde(skip)]
    pub reply: RenderedReply,
}

impl Ticket {
    /// A new ticket with Zendesk's defaults, created through `channel`; the caller
    /// sets who asked, and what.
    pub fn new(id: u64, channel: &str, now: OffsetDateTime) -> Self {
        Self {
            id,
            external_id: None,
            via: Via::of(channel),
            created_at: now,
            updated_at: now,
            kind: None,
            subject: None,
            raw_subject: None,
            description: String::new(),
            priority: None,
            status: Status::New,
            custom_status_id: 0,
            recipient: None,
            requester_id: 0,
            submitter_id: 0,
            assignee_id: None,
            organization_id: None,
            group_id: None,
            collaborator_ids: Vec::new(),
            follower_ids: Vec::new(),
            email_cc_ids: Vec::new(),
            forum_topic_id: None,
            problem_id: None,
            has_incidents: false,
            is_public: true,
            due_at: None,
            tags: Vec::new(),
            custom_fields: Vec::new(),
            satisfaction_rating: None,
            sharing_agreement_ids: Vec::new(),
            fields: Vec::new(),
            followup_ids: Vec::new(),
            ticket_form_id: 0,
            brand_id: 0,
            satisfaction_probability: None,
            allow_channelback: false,
            allow_attachments: true,
            from_messaging_channel: false,
            comments: Vec::new(),
            audits: Vec::new(),
            reply: RenderedReply::default(),
        }
    }
}

/// A reply rendered from the value that holds it, kept so that repeated reads copy
/// a `Bytes` handle instead of serializing again (showing a ticket is the hottest
/// route).
///
/// A clone starts empty. Writes never edit a stored ticket in place: they edit a
/// clone and insert it, so a changed ticket never carries a stale reply. The reply
/// names the scheme and host the client called (its links), so it is kept for the
/// first of them only; others are rendered every time.
#[derive(Default)]
pub struct RenderedReply(OnceLock<(&'static str, Box<str>, Bytes)>);

impl RenderedReply {
    /// The reply for `scheme://host`: the kept bytes, or those `render` makes
    /// (kept when nothing is kept yet).
    pub fn get_or_render<E>(
        &self,
        scheme: &'static str,
        host: &str,
        render: impl FnOnce() -> Result<Bytes, E>,
    ) -> Result<Bytes, E> {
        if let Some((kept_scheme, kept_host, bytes)) = self.0.get()
            && **kept_host == *host
            && *kept_scheme == scheme
        {
            return Ok(bytes.clone());
        }
        let bytes = render()?;
        // Another reader may have kept its rendering meanwhile: the same bytes.
        let _ = self.0.set((scheme, host.into(), bytes.clone()));
        Ok(bytes)
    }
}

impl Clone for RenderedReply {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl fmt::Debug for RenderedReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0.get() {
            Some(_) => "RenderedReply(kept)",
            None => "RenderedReply(empty)",
        })
    }
}

/// A ticket as the API returns it: the stored fields plus its `url`.
#[derive(Debug, Serialize)]
pub struct TicketOut<'a> {
    url: ApiUrl<'a>,
    #[serde(flatten)]
    ticket: &'a Ticket,
}

impl<'a> TicketOut<'a> {
    /// The ticket with its absolute URL on `base`.
    pub fn new(base: &'a str, ticket: &'a Ticket) -> Self {
        Self {
            url: ApiUrl {
                base,
                collection: "tickets",
                id: ticket.id,
            },
            ticket,
        }
    }
}

/// A ticket with its comments and audits, for the control API's state view.
#[derive(Debug, Serialize)]
pub struct TicketState<'a> {
    #[serde(flatten)]
    ticket: TicketOut<'a>,
    comments: &'a [Comment],
    audits: &'a [Audit],
}

impl<'a> TicketState<'a> {
    /// The ticket with everything attached to it.
    pub fn new(base: &'a str, ticket: &'a Ticket) -> Self {
        Self {
            ticket: TicketOut::new(base, ticket),
            comments: &ticket.comments,
            audits: &ticket.audits,
        }
    }
}

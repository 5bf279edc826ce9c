//! LIME envelopes (REFERENCE 6.2) and the Desk ticket resource (6.3), as Blip
//! writes them, and the parsers that turn a request body into one or say why not.
//!
//! Envelopes are parsed by hand from JSON rather than derived, so that every way
//! an envelope can be malformed gets its own sentence in the 400's reason.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// The ticket document type.
pub const TICKET_TYPE: &str = "application/vnd.iris.ticket+json";
/// LIME's collection document type.
pub const COLLECTION_TYPE: &str = "application/vnd.lime.collection+json";
/// LIME's redirect document type (end of attendance).
pub const REDIRECT_TYPE: &str = "application/vnd.lime.redirect+json";
/// A Desk thread message, the items of `/tickets/{id}/messages`.
// Vendor quirk: the item type of a ticket's messages is UNVERIFIED.
pub const THREAD_MESSAGE_TYPE: &str = "application/vnd.iris.thread-message+json";
/// The counters of `/monitoring/tickets`.
// Vendor quirk: the document type and field names of the counters are UNVERIFIED.
pub const TICKET_COUNTERS_TYPE: &str = "application/vnd.iris.desk.tickets-counters+json";
/// Where every Desk command goes.
pub const DESK_POSTMASTER: &str = "postmaster@desk.msging.net";
/// The CRM extension.
pub const CRM_POSTMASTER: &str = "postmaster@crm.msging.net";
/// The event-tracking extension.
pub const ANALYTICS_POSTMASTER: &str = "postmaster@analytics.msging.net";
/// The scheduler extension.
pub const SCHEDULER_POSTMASTER: &str = "postmaster@scheduler.msging.net";
/// The broadcast extension.
pub const BROADCAST_POSTMASTER: &str = "postmaster@broadcast.msging.net";
/// The bot's own postmaster: buckets, resources, chat history.
pub const BOT_POSTMASTER: &str = "postmaster@msging.net";
/// The Desk's domain: tickets and forwarded customers are nodes of it.
pub const DESK_DOMAIN: &str = "desk.msging.net";
/// The instance Blip's servers name in `from` of command responses (\[DOC\] desk.md).
pub const SERVER_INSTANCE: &str = "#az-iris2";
/// The domain of bot identities: `{identifier}@msging.net`.
pub const BOT_DOMAIN: &str = "msging.net";
/// The instance of a custom attendance channel's nodes: `{ticket}@desk.msging.net/Webhook`.
pub const WEBHOOK_INSTANCE: &str = "Webhook";

/// LIME reason codes (lime-csharp ReasonCodes.cs; REFERENCE 6.2).
pub mod reason {
    /// General error.
    pub const GENERAL_ERROR: i32 = 1;
    /// General validation error: the envelope is malformed.
    pub const VALIDATION_ERROR: i32 = 21;
    /// The envelope is empty.
    pub const VALIDATION_EMPTY_DOCUMENT: i32 = 22;
    /// General authorization error.
    pub const AUTHORIZATION_ERROR: i32 = 31;
    /// The message destination was not found.
    pub const ROUTING_DESTINATION_NOT_FOUND: i32 = 42;
    /// No command processor handles the command's resource.
    pub const COMMAND_RESOURCE_NOT_SUPPORTED: i32 = 62;
    /// The command's method is not supported for its resource.
    pub const COMMAND_METHOD_NOT_SUPPORTED: i32 = 63;
    /// The command has an invalid argument value.
    pub const COMMAND_INVALID_ARGUMENT: i32 = 64;
    /// The command could not be processed (what clients assume without a reason).
    pub const COMMAND_PROCESSING_ERROR: i32 = 61;
    /// The command is not allowed.
    pub const COMMAND_NOT_ALLOWED: i32 = 66;
    /// The command's resource was not found.
    pub const COMMAND_RESOURCE_NOT_FOUND: i32 = 67;
}

/// Why an envelope or a command failed: `{"code": 67, "description": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    /// A LIME reason code.
    pub code: i32,
    /// Human text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Reason {
    /// A reason with a description.
    pub fn new(code: i32, description: impl Into<String>) -> Self {
        Self {
            code,
            description: Some(description.into()),
        }
    }
}

/// A LIME node, `name@domain/instance`; each part may be absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The part before `@` (URL-encoded when it is itself an identity).
    pub name: String,
    /// The part between `@` and `/`.
    pub domain: String,
    /// The part after the first `/`.
    pub instance: Option<String>,
}

impl Node {
    /// Parses a node; `None` for an empty string or one with spaces or controls.
    pub fn parse(s: &str) -> Option<Self> {
        if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return None;
        }
        let (identity, instance) = match s.split_once('/') {
            Some((i, inst)) => (i, Some(inst.to_owned())),
            None => (s, None),
        };
        let (name, domain) = identity.split_once('@').unwrap_or(("", identity));
        if domain.is_empty() || domain.contains('@') {
            return None;
        }
        Some(Self {
            name: name.to_owned(),
            domain: domain.to_owned(),
            instance,
        })
    }

    /// `name@domain`, without the instance.
    pub fn identity(&self) -> String {
        if self.name.is_empty() {
            self.domain.clone()
        } else {
            format!("{}@{}", self.name, self.domain)
        }
    }
}

impl std::fmt::Display for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.identity())?;
        if let Some(i) = &self.instance {
            write!(f, "/{i}")?;
        }
        Ok(())
    }
}

/// A notification's event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Accepted by the server.
    Accepted,
    /// Validated.
    Validated,
    /// Authorized.
    Authorized,
    /// Sent to the destination.
    Dispatched,
    /// Received by the destination.
    Received,
    /// Read by the destination.
    Consumed,
    /// Failed, with a reason.
    Failed,
    /// Deleted.
    Deleted,
}

impl Event {
    /// Every event.
    pub const ALL: [Self; 8] = [
        Self::Accepted,
        Self::Validated,
        Self::Authorized,
        Self::Dispatched,
        Self::Received,
        Self::Consumed,
        Self::Failed,
        Self::Deleted,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Validated => "validated",
            Self::Authorized => "authorized",
            Self::Dispatched => "dispatched",
            Self::Received => "received",
            Self::Consumed => "consumed",
            Self::Failed => "failed",
            Self::Deleted => "deleted",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// A message as the client sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The message id (absent: no notifications wanted).
    pub id: Option<String>,
    /// Where it goes.
    pub to: Node,
    /// The content's MIME type.
    pub type_: String,
    /// The content: a string for text types, an object for `+json` types.
    pub content: Value,
}

/// A notification as the client sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The id of the message it is about.
    pub id: String,
    /// What happened.
    pub event: Event,
    /// Where it goes, when given.
    pub to: Option<Node>,
}

/// Why a body is not a valid envelope: the 400's description.
pub type Malformed = String;

pub(super) fn opt_string(o: &Map<String, Value>, key: &str) -> Result<Option<String>, Malformed> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("`{key}` must be a string")),
    }
}

pub(super) fn opt_node(o: &Map<String, Value>, key: &str) -> Result<Option<Node>, Malformed> {
    match opt_string(o, key)? {
        None => Ok(None),
        Some(s) => Node::parse(&s)
            .map(Some)
            .ok_or_else(|| format!("`{key}` is not a valid node: {s:?}")),
    }
}

pub(super) fn check_common(o: &Map<String, Value>) -> Result<(), Malformed> {
    opt_node(o, "from")?;
    opt_node(o, "pp")?;
    match o.get("metadata") {
        None | Some(Value::Null) => Ok(()),
        // A null value is a string the client left unset: blip-sdk 10.0.1 sends
        // `"#message.uniqueId": null` in every notification it acknowledges with.
        Some(Value::Object(m)) if m.values().all(|v| v.is_string() || v.is_null()) => Ok(()),
        Some(_) => Err("`metadata` must be an object of strings".to_owned()),
    }
}

/// A MIME type as LIME takes it: `type/subtype`, no spaces.
pub fn is_media_type(s: &str) -> bool {
    let Some((t, sub)) = s.split_once('/') else {
        return false;
    };
    let ok = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+;=".contains(c))
    };
    ok(t) && ok(sub.split(';').next().unwrap_or_default())
}

/// Checks that `content` fits `type`: a JSON document type takes an object, a
/// text type a string (LIME serializes both so).
pub fn check_content(type_: &str, content: &Value) -> Result<(), Malformed> {
    let essence = type_.split(';').next().unwrap_or_default();
    if essence.ends_with("+json") || essence == "application/json" {
        if content.is_object() || essence == "application/json" {
            return Ok(());
        }
        return Err(format!("`content` of type {type_} must be a JSON object"));
    }
    if essence.starts_with("text/") && !content.is_string() {
        return Err(format!("`content` of type {type_} must be a string"));
    }
    Ok(())
}

pub(super) fn envelope_id(o: &Map<String, Value>) -> Result<Option<String>, Malformed> {
    match o.get("id") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Err("`id` must not be empty".to_owned()),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err("`id` must be a string".to_owned()),
    }
}

/// Parses a message body.
pub fn parse_message(o: &Map<String, Value>) -> Result<Message, Malformed> {
    check_common(o)?;
    let id = envelope_id(o)?;
    let Some(to) = opt_node(o, "to")? else {
        return Err("a message needs a `to`".to_owned());
    };
    let type_ = match opt_string(o, "type")? {
        Some(t) if is_media_type(&t) => t,
        Some(t) => return Err(format!("`type` {t:?} is not a MIME type")),
        None => return Err("a message needs a `type`".to_owned()),
    };
    let content = match o.get("content") {
        None | Some(Value::Null) => return Err("a message needs a `content`".to_owned()),
        Some(c) => c.clone(),
    };
    check_content(&type_, &content)?;
    Ok(Message {
        id,
        to,
        type_,
        content,
    })
}

/// Parses a notification body.
pub fn parse_notification(o: &Map<String, Value>) -> Result<Notification, Malformed> {
    check_common(o)?;
    let Some(id) = envelope_id(o)? else {
        return Err("a notification needs the `id` of its message".to_owned());
    };
    let event = match o.get("event") {
        Some(Value::String(e)) => Event::parse(e)
            .ok_or_else(|| format!("`event` {e:?} is not a LIME notification event"))?,
        Some(_) => return Err("`event` must be a string".to_owned()),
        None => return Err("a notification needs an `event`".to_owned()),
    };
    if let Some(r) = o.get("reason").filter(|r| !r.is_null()) {
        serde_json::from_value::<Reason>(r.clone())
            .map_err(|_| "`reason` must be {\"code\": int, \"description\": string}".to_owned())?;
    }
    Ok(Notification {
        id,
        event,
        to: opt_node(o, "to")?,
    })
}

/// A ticket's status (TicketStatusEnum; REFERENCE 6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum TicketStatus {
    /// No status.
    None,
    /// Created, in the queue.
    Waiting,
    /// An agent attends it.
    Open,
    /// Closed by the agent.
    ClosedAttendant,
    /// Closed by the customer.
    ClosedClient,
    /// Moved to another team: a new ticket carries on.
    Transferred,
    /// Distributed to an agent who has not taken it yet (\[UNVERIFIED\]).
    Assigned,
    /// Closed because the customer stopped answering (\[UNVERIFIED\]).
    ClosedClientInactivity,
    /// Closed because the agent stopped answering (\[UNVERIFIED\]).
    ClosedAttendantInactivity,
}

impl TicketStatus {
    /// Every status.
    pub const ALL: [Self; 9] = [
        Self::None,
        Self::Waiting,
        Self::Open,
        Self::ClosedAttendant,
        Self::ClosedClient,
        Self::Transferred,
        Self::Assigned,
        Self::ClosedClientInactivity,
        Self::ClosedAttendantInactivity,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Waiting => "Waiting",
            Self::Open => "Open",
            Self::ClosedAttendant => "ClosedAttendant",
            Self::ClosedClient => "ClosedClient",
            Self::Transferred => "Transferred",
            Self::Assigned => "Assigned",
            Self::ClosedClientInactivity => "ClosedClientInactivity",
            Self::ClosedAttendantInactivity => "ClosedAttendantInactivity",
        }
    }

    /// The status a wire name names.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// True for the statuses after which a ticket cannot change any more.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Self::ClosedAttendant
                | Self::ClosedClient
                | Self::Transferred
                | Self::ClosedClientInactivity
                | Self::ClosedAttendantInactivity
        )
    }

    /// True for the statuses a customer closes with.
    pub fn is_closed_by_client(self) -> bool {
        matches!(self, Self::ClosedClient | Self::ClosedClientInactivity)
    }
}

/// The ticket resource (\[DOC\] documents/ticket.md), field names as Blip writes
/// them; absent optional fields are left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    /// GUID-like id.
    pub id: String,
    /// The bot's running number of the ticket.
    pub sequential_id: u64,
    /// A suffix shown after the sequential id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequential_suffix: Option<String>,
    /// The router bot, when the bot is behind one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_owner_identity: Option<String>,
    /// The bot that owns the ticket: `{identifier}@msging.net`.
    pub owner_identity: String,
    /// The customer, e.g. `5511999999999@wa.gw.msging.net`.
    pub customer_identity: String,
    /// The customer's domain (channel).
    pub customer_domain: String,
    /// The agent, e.g. `agent%40example.com@blip.ai`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_identity: Option<String>,
    /// `Lime` for Blip Desk, `Webhook` for a custom attendance channel.
    pub provider: String,
    /// The status.
    pub status: TicketStatus,
    /// Created at (ISO, milliseconds).
    pub storage_date: String,
    /// Expires at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    /// First opened at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_date: Option<String>,
    /// Closed at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_date: Option<String>,
    /// Status last changed at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_date: Option<String>,
    /// The agent's first message at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_date: Option<String>,
    /// An external id (Blip sets it to the id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The customer's rating.
    pub rating: i32,
    /// The team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Messages the agent has not read.
    pub unread_messages: u64,
    /// Position in the queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_position: Option<i64>,
    /// True once closed (terminal).
    pub closed: bool,
    /// Who closed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_by: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Average agent response time, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_agent_response_time: Option<f64>,
    /// The sequential id of the ticket this one was transferred from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_sequential_id: Option<u64>,
    /// What the customer said when asking for a human: `{type, value}` (`{}` for none).
    pub customer_input: Value,
    /// Priority.
    pub priority: i32,
}

impl Ticket {
    /// The ticket as a JSON document.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The ticket's node on the custom channel: `{id}@desk.msging.net/Webhook`.
    pub fn webhook_node(&self) -> String {
        format!("{}@{DESK_DOMAIN}/{WEBHOOK_INSTANCE}", self.id)
    }
}

/// `{type, value}`: a document with its type (DocumentContainer).
pub fn document_container(type_: &str, value: &Value) -> Value {
    json!({"type": type_, "value": value})
}

/// The domain of an identity (`5511...@wa.gw.msging.net` → `wa.gw.msging.net`).
pub fn domain_of(identity: &str) -> String {
    Node::parse(identity).map(|n| n.domain).unwrap_or_default()
}

/// An identity as the name part of a Desk node: `@` written `%40`.
pub fn encode_identity(identity: &str) -> String {
    identity
        .replace('%', "%25")
        .replace('@', "%40")
        .replace('/', "%2F")
}

/// Decodes `%XX` escapes (URIs and node names); malformed escapes stay as they are.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn nodes_split_into_name_domain_and_instance() {
        let n = Node::parse("1654804277843415%40messenger.gw.msging.net@desk.msging.net").unwrap();
        assert_eq!(n.name, "1654804277843415%40messenger.gw.msging.net");
        assert_eq!(n.domain, "desk.msging.net");
        assert_eq!(n.instance, None);
        let n = Node::parse("postmaster@desk.msging.net/#az-iris2").unwrap();
        assert_eq!(n.identity(), "postmaster@desk.msging.net");
        assert_eq!(n.instance.as_deref(), Some("#az-iris2"));
        assert_eq!(n.to_string(), "postmaster@desk.msging.net/#az-iris2");
        assert!(Node::parse("").is_none());
        assert!(Node::parse("a b@c").is_none());
        assert!(Node::parse("a@").is_none());
    }

    #[test]
    fn malformed_envelopes_say_why() {
        assert!(parse_message(&obj(json!({"type":"text/plain","content":"hi"}))).is_err());
        assert!(parse_message(&obj(json!({"to":"a@b","content":"hi"}))).is_err());
        assert!(parse_message(&obj(json!({"to":"a@b","type":"text/plain"}))).is_err());
        assert!(parse_message(&obj(json!({"to":"a@b","type":"text/plain","content":{}}))).is_err());
        assert!(
            parse_message(&obj(
                json!({"to":"a@b","type":"application/vnd.lime.media-link+json","content":"x"})
            ))
            .is_err()
        );
        assert!(parse_notification(&obj(json!({"id":"1","event":"seen"}))).is_err());
        assert!(parse_notification(&obj(json!({"event":"received"}))).is_err());
        assert!(
            parse_notification(&obj(
                json!({"id":"1","event":"failed","reason":{"code":"x"}})
            ))
            .is_err()
        );
        assert!(parse_notification(&obj(json!({"id":"1","event":"consumed"}))).is_ok());
    }

    #[test]
    fn identities_encode_and_decode() {
        assert_eq!(
            encode_identity("1654804277843415@messenger.gw.msging.net"),
            "1654804277843415%40messenger.gw.msging.net"
        );
        assert_eq!(
            percent_decode("agent%40email.net@blip.ai"),
            "agent@email.net@blip.ai"
        );
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(domain_of("5511@wa.gw.msging.net"), "wa.gw.msging.net");
    }
}

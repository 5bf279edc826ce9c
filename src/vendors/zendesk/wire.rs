//! Zendesk's JSON, field for field (REFERENCE 1.4, 1.5): the objects the fake
//! returns and the request bodies it accepts.
//!
//! Request bodies are read from `serde_json::Value` by hand rather than derived, so
//! that every problem is reported the way Zendesk reports it: a 422 `RecordInvalid`
//! naming the field, never a generic deserialization error.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use axum::http::StatusCode;
use axum::response::Response;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::error::{Details, FieldError, ZendeskError};
use crate::clock::iso_seconds;

/// Zendesk's JSON content type, with the charset the captures show.
pub const CONTENT_TYPE_JSON: &str = "application/json; charset=utf-8";

/// A JSON response with Zendesk's content type.
pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    crate::vendors::json_reply(status, CONTENT_TYPE_JSON, body)
}

/// Serializes a timestamp as `2023-09-18T23:25:58Z`.
pub fn ts<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&iso_seconds(*t))
}

/// Serializes an optional timestamp.
pub fn opt_ts<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => ts(t, s),
        None => s.serialize_none(),
    }
}

macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub enum $name { $(#[doc = $text] $variant),+ }

        impl $name {
            /// Every value, in the vendor's documented order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// The wire spelling.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                match s { $($text => Ok(Self::$variant),)+ _ => Err(()) }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({"type": "string", "enum": [$($text),+]})
            }
        }
    };
}

wire_enum!(
    /// Ticket status (REFERENCE 1.6).
    Status { New = "new", Open = "open", Pending = "pending", Hold = "hold", Solved = "solved", Closed = "closed" }
);
wire_enum!(
    /// Ticket priority.
    Priority { Urgent = "urgent", High = "high", Normal = "normal", Low = "low" }
);
wire_enum!(
    /// Ticket type.
    TicketType { Problem = "problem", Incident = "incident", Question = "question", Task = "task" }
);
wire_enum!(
    /// User role.
    Role { EndUser = "end-user", Agent = "agent", Admin = "admin" }
);

impl Role {
    /// Agents and admins work tickets; end users only request them.
    pub fn is_staff(self) -> bool {
        matches!(self, Self::Agent | Self::Admin)
    }
}

impl<'de> serde::Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(|()| {
            serde::de::Error::custom(format!(
                "unknown role `{s}`: expected end-user, agent or admin"
            ))
        })
    }
}

/// `{"id": 123, "value": ...}` in `custom_fields` and `fields`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomField {
    /// The field's id.
    pub id: u64,
    /// Any JSON value.
    pub value: Value,
}

/// A comment as the caller sent it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommentInput {
    /// Plain text body.
    pub body: Option<String>,
    /// HTML body (takes precedence over `body` for `html_body`).
    pub html_body: Option<String>,
    /// Public (default) or internal note.
    pub public: Option<bool>,
    /// Author other than the caller.
    pub author_id: Option<u64>,
    /// Upload tokens whose files the comment attaches (a list, or one string).
    pub uploads: Vec<String>,
}

impl CommentInput {
    /// The comment's plain text, or `None` when it has no text at all.
    pub fn text(&self) -> Option<String> {
        let text = match (&self.body, &self.html_body) {
            (Some(b), _) => b.clone(),
            (None, Some(h)) => strip_tags(h),
            (None, None) => return None,
        };
        (!text.trim().is_empty()).then_some(text)
    }

    /// The HTML Zendesk renders for a plain-text comment.
    pub fn html(&self) -> String {
        if let (None, Some(h)) = (&self.body, &self.html_body) {
            return h.clone();
        }
        render_html(&self.text().unwrap_or_default())
    }
}

/// `{"name","email","locale_id"}`: find the user by email or create an end user.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequesterInput {
    /// Display name.
    pub name: Option<String>,
    /// Email, the key used to find an existing user.
    pub email: Option<String>,
    /// Locale id.
    pub locale_id: Option<u64>,
}

/// The writable fields of a ticket, as sent in `{"ticket": {...}}`. For each field,
/// `None` means "absent"; `Some(None)` means "sent as null" where null is allowed.
#[derive(Debug, Clone, Default, PartialEq)]
#[allow(missing_docs)]
pub struct TicketInput {
    pub subject: Option<String>,
    pub comment: Option<CommentInput>,
    pub status: Option<Status>,
    pub priority: Option<Option<Priority>>,
    pub kind: Option<Option<TicketType>>,
    pub requester_id: Option<u64>,
    pub requester: Option<RequesterInput>,
    pub submitter_id: Option<u64>,
    pub assignee_id: Option<Option<u64>>,
    pub assignee_email: Option<String>,
    pub group_id: Option<Option<u64>>,
    pub organization_id: Option<Option<u64>>,
    pub external_id: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub additional_tags: Option<Vec<String>>,
    pub remove_tags: Option<Vec<String>>,
    pub custom_fields: Option<Vec<CustomField>>,
    pub due_at: Option<Option<OffsetDateTime>>,
    pub collaborator_ids: Option<Vec<u64>>,
    pub follower_ids: Option<Vec<u64>>,
    pub email_cc_ids: Option<Vec<u64>>,
    pub problem_id: Option<Option<u64>>,
    pub recipient: Option<Option<String>>,
    pub brand_id: Option<u64>,
    pub ticket_form_id: Option<u64>,
    /// Read-only keys the caller sent; ignored, and named in `x-zendesk-api-warn`.
    pub ignored: Vec<String>,
}

/// What to do with keys that are not part of the ticket schema at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnknownFields {
    /// 422 `RecordInvalid` naming the key (catches typos in contract tests).
    #[default]
    Reject,
    /// Ignore the key and name it in `x-zendesk-api-warn`, as real Zendesk does.
    Warn,
}

/// Ticket keys Zendesk returns but does not let callers set: accepted and ignored
/// with a warning header, as the zenpy capture of an update with `ticket.id` shows.
const TICKET_READ_ONLY: &[&str] = &[
    "id",
    "url",
    "created_at",
    "updated_at",
    "description",
    "raw_subject",
    "via",
    "has_incidents",
    "is_public",
    "satisfaction_rating",
    "sharing_agreement_ids",
    "followup_ids",
    "allow_channelback",
    "allow_attachments",
    "from_messaging_channel",
    "satisfaction_probability",
    "forum_topic_id",
    "generated_timestamp",
    "fields",
    "custom_status_id",
    "result_type",
    "macro_ids",
    "safe_update",
    "updated_stamp",
    "via_followup_source_id",
    "collaborators",
    "email_ccs",
    "followers",
    "additional_collaborators",
    "metadata",
    "attribute_value_ids",
];

impl TicketInput {
    /// Reads the object under `ticket`. `field_prefix` names where it came from in
    /// warnings (`ticket`, or `tickets[3]`).
    pub fn parse(value: &Value, unknown: UnknownFields) -> Result<Self, ZendeskError> {
        let Some(obj) = value.as_object() else {
            return Err(ZendeskError::BadRequest(
                "ticket must be a JSON object".to_owned(),
            ));
        };
        let mut f = Fields::new(obj);
        let input = Self {
            subject: f.string("subject"),
            comment: f.comment("comment"),
            status: f.enumerated("status").flatten(),
            priority: f.enumerated("priority"),
            kind: f.enumerated("type"),
            requester_id: f.id("requester_id").flatten(),
            requester: f.requester("requester"),
            submitter_id: f.id("submitter_id").flatten(),
            assignee_id: f.id("assignee_id"),
            assignee_email: f.string("assignee_email"),
            group_id: f.id("group_id"),
            organization_id: f.id("organization_id"),
            external_id: f.nullable_string("external_id"),
            tags: f.tags("tags"),
            additional_tags: f.tags("additional_tags"),
            remove_tags: f.tags("remove_tags"),
            custom_fields: f.custom_fields("custom_fields"),
            due_at: f.timestamp("due_at"),
            collaborator_ids: f.ids("collaborator_ids"),
            follower_ids: f.ids("follower_ids"),
            email_cc_ids: f.ids("email_cc_ids"),
            problem_id: f.id("problem_id"),
            recipient: f.nullable_string("recipient"),
            brand_id: f.id("brand_id").flatten(),
            ticket_form_id: f.id("ticket_form_id").flatten(),
            ignored: Vec::new(),
        };
        let ignored = f.finish(TICKET_READ_ONLY, unknown, "ticket")?;
        Ok(Self { ignored, ..input })
    }
}

/// The writable fields of a user.
#[derive(Debug, Clone, Default, PartialEq)]
#[allow(missing_docs)]
pub struct UserInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<Role>,
    pub external_id: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub organization_id: Option<Option<u64>>,
    pub details: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    pub time_zone: Option<String>,
    pub locale_id: Option<u64>,
    pub verified: Option<bool>,
    pub user_fields: Option<Map<String, Value>>,
    pub ignored: Vec<String>,
}

const USER_READ_ONLY: &[&str] = &[
    "id",
    "url",
    "created_at",
    "updated_at",
    "photo",
    "last_login_at",
    "shared",
    "shared_agent",
    "two_factor_auth_enabled",
    "role_type",
    "custom_role_id",
    "active",
    "suspended",
    "iana_time_zone",
    "locale",
    "shared_phone_number",
    "alias",
    "signature",
    "moderator",
    "ticket_restriction",
    "only_private_comments",
    "restricted_agent",
    "chat_only",
    "default_group_id",
    "report_csv",
    "identities",
    "result_type",
];

impl UserInput {
    /// Reads the object under `user`.
    pub fn parse(value: &Value, unknown: UnknownFields) -> Result<Self, ZendeskError> {
        let Some(obj) = value.as_object() else {
            return Err(ZendeskError::BadRequest(
                "user must be a JSON object".to_owned(),
            ));
        };
        let mut f = Fields::new(obj);
        let input = Self {
            name: f.string("name"),
            email: f.string("email"),
            role: f.enumerated("role").flatten(),
            external_id: f.nullable_string("external_id"),
            phone: f.nullable_string("phone"),
            tags: f.tags("tags"),
            organization_id: f.id("organization_id"),
            details: f.nullable_string("details"),
            notes: f.nullable_string("notes"),
            time_zone: f.string("time_zone"),
            locale_id: f.id("locale_id").flatten(),
            verified: f.boolean("verified"),
            user_fields: f.object("user_fields"),
            ignored: Vec::new(),
        };
        if let Some(email) = &input.email
            && !looks_like_email(email)
        {
            f.fail(
                "email",
                format!("Email: {email} is not properly formatted"),
                "InvalidFormat",
            );
        }
        let ignored = f.finish(USER_READ_ONLY, unknown, "user")?;
        Ok(Self { ignored, ..input })
    }
}

/// A loose check, as Zendesk's: something, an `@`, a dotted domain.
pub fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// The `x-zendesk-api-warn` header value for ignored keys (format from the zenpy
/// capture of an update that sent `ticket.id`).
pub fn api_warning(
    controller: &str,
    action: &str,
    root: &str,
    ignored: &[String],
) -> Option<String> {
    if ignored.is_empty() {
        return None;
    }
    let keys = ignored
        .iter()
        .map(|k| format!("\"{root}.{k}\""))
        .collect::<Vec<_>>()
        .join(", ");
    Some(format!(
        "{{:allowed_parameters=>{{:controller=>\"{controller}\", :action=>\"{action}\", :unpermitted_keys=>[{keys}], :invalid_values=>[]}}}}"
    ))
}

/// Field-by-field reader that collects every problem before failing.
struct Fields<'a> {
    obj: &'a Map<String, Value>,
    seen: BTreeSet<&'static str>,
    errors: Details,
}

impl<'a> Fields<'a> {
    fn new(obj: &'a Map<String, Value>) -> Self {
        Self {
            obj,
            seen: BTreeSet::new(),
            errors: Details::new(),
        }
    }

    fn get(&mut self, key: &'static str) -> Option<&'a Value> {
        self.seen.insert(key);
        self.obj.get(key)
    }

    fn fail(&mut self, key: &str, description: String, code: &str) {
        self.errors
            .entry(key.to_owned())
            .or_default()
            .push(FieldError {
                description,
                error: code.to_owned(),
            });
    }

    fn wrong(&mut self, key: &str, v: &Value) {
        self.fail(
            key,
            format!("{}: {} is not a valid value", title(key), v),
            "InvalidValue",
        );
    }

    /// A string; numbers and booleans are coerced as Rails does; null is absent.
    fn string(&mut self, key: &'static str) -> Option<String> {
        self.nullable_string(key).flatten()
    }

    fn nullable_string(&mut self, key: &'static str) -> Option<Option<String>> {
        match self.get(key)? {
            Value::Null => Some(None),
            Value::String(s) => Some(Some(s.clone())),
            v @ (Value::Number(_) | Value::Bool(_)) => Some(Some(v.to_string())),
            v => {
                self.wrong(key, v);
                None
            }
        }
    }

    fn boolean(&mut self, key: &'static str) -> Option<bool> {
        match self.get(key)? {
            Value::Null => None,
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" || s == "false" => Some(s == "true"),
            v => {
                self.wrong(key, v);
                None
            }
        }
    }

    /// An id: a positive integer or its decimal string; null allowed.
    fn id(&mut self, key: &'static str) -> Option<Option<u64>> {
        let v = self.get(key)?;
        match parse_id(v) {
            Ok(id) => Some(id),
            Err(()) => {
                self.wrong(key, v);
                None
            }
        }
    }

    fn ids(&mut self, key: &'static str) -> Option<Vec<u64>> {
        let v = self.get(key)?;
        let parsed = match v {
            Value::Null => Some(Vec::new()),
            Value::Array(items) => items
                .iter()
                .map(|i| parse_id(i).ok().flatten())
                .collect::<Option<Vec<u64>>>(),
            _ => None,
        };
        if parsed.is_none() {
            self.wrong(key, v);
        }
        parsed
    }

    fn enumerated<T: FromStr>(&mut self, key: &'static str) -> Option<Option<T>> {
        let v = self.get(key)?;
        match v {
            Value::Null => Some(None),
            Value::String(s) => match s.to_ascii_lowercase().parse() {
                Ok(t) => Some(Some(t)),
                Err(_) => {
                    self.wrong(key, v);
                    None
                }
            },
            _ => {
                self.wrong(key, v);
                None
            }
        }
    }

    /// Tags: an array of strings, or one space-separated string; stored lowercase.
    fn tags(&mut self, key: &'static str) -> Option<Vec<String>> {
        let v = self.get(key)?;
        let raw: Option<Vec<&str>> = match v {
            Value::Null => Some(Vec::new()),
            Value::String(s) => Some(s.split_whitespace().collect()),
            Value::Array(items) => items.iter().map(Value::as_str).collect(),
            _ => None,
        };
        match raw {
            Some(tags) => {
                let mut out: Vec<String> = Vec::new();
                for t in tags.iter().flat_map(|t| t.split_whitespace()) {
                    let t = t.to_lowercase();
                    if !out.contains(&t) {
                        out.push(t);
                    }
                }
                Some(out)
            }
            None => {
                self.wrong(key, v);
                None
            }
        }
    }

    fn timestamp(&mut self, key: &'static str) -> Option<Option<OffsetDateTime>> {
        let v = self.get(key)?;
        match v {
            Value::Null => Some(None),
            Value::String(s) => {
                match OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
                    Ok(t) => Some(Some(t)),
                    Err(_) => {
                        self.wrong(key, v);
                        None
                    }
                }
            }
            _ => {
                self.wrong(key, v);
                None
            }
        }
    }

    fn object(&mut self, key: &'static str) -> Option<Map<String, Value>> {
        match self.get(key)? {
            Value::Null => None,
            Value::Object(m) => Some(m.clone()),
            v => {
                self.wrong(key, v);
                None
            }
        }
    }

    fn custom_fields(&mut self, key: &'static str) -> Option<Vec<CustomField>> {
        let v = self.get(key)?;
        let parsed = match v {
            Value::Null => Some(Vec::new()),
            Value::Array(items) => items
                .iter()
                .map(|i| {
                    let id = parse_id(i.get("id")?).ok().flatten()?;
                    let value = i.get("value").cloned().unwrap_or(Value::Null);
                    Some(CustomField { id, value })
                })
                .collect(),
            _ => None,
        };
        if parsed.is_none() {
            self.wrong(key, v);
        }
        parsed
    }

    fn comment(&mut self, key: &'static str) -> Option<CommentInput> {
        let v = self.get(key)?;
        let obj = match v {
            Value::Null => return None,
            Value::String(s) => {
                return Some(CommentInput {
                    body: Some(s.clone()),
                    ..CommentInput::default()
                });
            }
            Value::Object(o) => o,
            _ => {
                self.wrong(key, v);
                return None;
            }
        };
        let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
        let bad = ["body", "html_body"]
            .iter()
            .any(|k| obj.get(*k).is_some_and(|x| !x.is_string() && !x.is_null()))
            || obj
                .get("public")
                .is_some_and(|x| !x.is_boolean() && !x.is_null())
            || obj.get("author_id").is_some_and(|x| parse_id(x).is_err());
        if bad {
            self.wrong(key, v);
            return None;
        }
        Some(CommentInput {
            body: text("body"),
            html_body: text("html_body"),
            public: obj.get("public").and_then(Value::as_bool),
            author_id: obj
                .get("author_id")
                .and_then(|x| parse_id(x).ok().flatten()),
            uploads: match obj.get("uploads") {
                Some(Value::String(t)) => vec![t.clone()],
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                _ => Vec::new(),
            },
        })
    }

    fn requester(&mut self, key: &'static str) -> Option<RequesterInput> {
        let v = self.get(key)?;
        let obj = match v {
            Value::Null => return None,
            Value::Object(o) => o,
            _ => {
                self.wrong(key, v);
                return None;
            }
        };
        let email = obj.get("email").and_then(Value::as_str).map(str::to_owned);
        if let Some(e) = &email
            && !looks_like_email(e)
        {
            self.fail(
                "requester",
                format!("Requester: Email: {e} is not properly formatted"),
                "InvalidValue",
            );
            return None;
        }
        Some(RequesterInput {
            name: obj.get("name").and_then(Value::as_str).map(str::to_owned),
            email,
            locale_id: obj
                .get("locale_id")
                .and_then(|x| parse_id(x).ok().flatten()),
        })
    }

    /// Fails with every collected problem, or returns the ignored read-only keys.
    fn finish(
        mut self,
        read_only: &[&str],
        unknown: UnknownFields,
        _root: &str,
    ) -> Result<Vec<String>, ZendeskError> {
        let mut ignored = Vec::new();
        for key in self.obj.keys() {
            if self.seen.contains(key.as_str()) {
                continue;
            }
            if read_only.contains(&key.as_str()) || unknown == UnknownFields::Warn {
                ignored.push(key.clone());
            } else {
                self.fail(
                    key,
                    format!("{}: is not a recognised attribute", title(key)),
                    "InvalidValue",
                );
            }
        }
        if self.errors.is_empty() {
            Ok(ignored)
        } else {
            Err(ZendeskError::RecordInvalid(self.errors))
        }
    }
}

fn parse_id(v: &Value) -> Result<Option<u64>, ()> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n.as_u64().filter(|id| *id > 0).map(Some).ok_or(()),
        Value::String(s) => s
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|id| *id > 0)
            .map(Some)
            .ok_or(()),
        _ => Err(()),
    }
}

/// `assignee_id` → `Assignee`, as Zendesk names fields in error descriptions.
fn title(key: &str) -> String {
    let base = key.strip_suffix("_id").unwrap_or(key).replace('_', " ");
    let mut chars = base.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Zendesk's rendering of a plain-text comment.
pub fn render_html(text: &str) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|p| {
            format!(
                "<p dir=\"auto\">{}</p>",
                escape_html(p).replace('\n', "<br>")
            )
        })
        .collect();
    format!(
        "<div class=\"zd-comment\" dir=\"auto\">{}</div>",
        paragraphs.concat()
    )
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_reference_create_body() {
        let v = json!({"subject": "My printer is on fire!", "comment": {"body": "The smoke is very colorful."}, "priority": "urgent", "requester": {"name": "The Customer", "email": "thecustomer@domain.com"}});
        let t = TicketInput::parse(&v, UnknownFields::Reject).unwrap();
        assert_eq!(t.subject.as_deref(), Some("My printer is on fire!"));
        assert_eq!(t.priority, Some(Some(Priority::Urgent)));
        assert_eq!(
            t.requester.unwrap().email.as_deref(),
            Some("thecustomer@domain.com")
        );
        assert_eq!(
            t.comment.unwrap().text().as_deref(),
            Some("The smoke is very colorful.")
        );
    }

    #[test]
    fn reports_every_bad_field_at_once() {
        let v = json!({"status": "bogus", "priority": 3, "assignee_id": "abc", "colour": "red"});
        let Err(ZendeskError::RecordInvalid(details)) =
            TicketInput::parse(&v, UnknownFields::Reject)
        else {
            panic!("expected RecordInvalid");
        };
        let keys: Vec<&str> = details.keys().map(String::as_str).collect();
        assert_eq!(keys, ["assignee_id", "colour", "priority", "status"]);
        assert_eq!(
            details["status"][0].description,
            "Status: \"bogus\" is not a valid value"
        );
    }

    #[test]
    fn read_only_keys_are_ignored_and_unknown_keys_follow_the_policy() {
        let v = json!({"id": 5, "url": "x", "colour": "red", "subject": "s"});
        assert!(TicketInput::parse(&v, UnknownFields::Reject).is_err());
        let t = TicketInput::parse(&v, UnknownFields::Warn).unwrap();
        assert_eq!(t.ignored, ["colour", "id", "url"]);
        let v = json!({"id": 5, "subject": "s"});
        assert_eq!(
            TicketInput::parse(&v, UnknownFields::Reject)
                .unwrap()
                .ignored,
            ["id"]
        );
    }

    #[test]
    fn ids_accept_numbers_and_numeric_strings_but_not_zero() {
        assert_eq!(parse_id(&json!(12)), Ok(Some(12)));
        assert_eq!(parse_id(&json!("12")), Ok(Some(12)));
        assert_eq!(parse_id(&json!(null)), Ok(None));
        assert!(parse_id(&json!(0)).is_err());
        assert!(parse_id(&json!(-3)).is_err());
        assert!(parse_id(&json!(1.5)).is_err());
    }

    #[test]
    fn tags_are_split_lowercased_and_deduplicated() {
        let t = TicketInput::parse(
            &json!({"tags": ["VIP", "a b", "vip"]}),
            UnknownFields::Reject,
        )
        .unwrap();
        assert_eq!(t.tags.unwrap(), ["vip", "a", "b"]);
    }

    #[test]
    fn comment_html_matches_the_captured_rendering() {
        let c = CommentInput {
            body: Some("test".to_owned()),
            ..CommentInput::default()
        };
        // From the zenpy capture of POST /api/v2/tickets.json (REFERENCE 1.5).
        assert_eq!(
            c.html(),
            "<div class=\"zd-comment\" dir=\"auto\"><p dir=\"auto\">test</p></div>"
        );
    }

    #[test]
    fn warning_header_matches_the_capture_format() {
        let w = api_warning("tickets", "update", "ticket", &["id".to_owned()]).unwrap();
        assert_eq!(
            w,
            "{:allowed_parameters=>{:controller=>\"tickets\", :action=>\"update\", :unpermitted_keys=>[\"ticket.id\"], :invalid_values=>[]}}"
        );
    }
}

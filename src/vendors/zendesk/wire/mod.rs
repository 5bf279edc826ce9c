//! Zendesk's JSON, field for field (REFERENCE 1.4, 1.5): the objects the fake
//! returns and the request bodies it accepts.
//!
//! Request bodies are read from `serde_json::Value` by hand rather than derived, so
//! that every problem is reported the way Zendesk reports it: a 422 `RecordInvalid`
//! naming the field, never a generic deserialization error ([`fields`]). The stored
//! objects are in [`ticket`] and [`user`], the request bodies in [`input`].

mod fields;
mod html;
mod input;
mod ticket;
mod user;

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};
use time::OffsetDateTime;

pub use self::html::render_html;
pub use self::input::{
    CommentInput, CustomField, RequesterInput, TicketInput, UnknownFields, UserInput,
};
pub use self::ticket::{Audit, Comment, RenderedReply, Ticket, TicketOut, TicketState, Via};
pub use self::user::{Secrets, User, UserOut};
pub use super::error::{CONTENT_TYPE_JSON, json_response};
use crate::clock::iso_seconds;

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

/// `{base}/api/v2/{collection}/{id}.json`, written straight into the reply.
#[derive(Debug)]
struct ApiUrl<'a> {
    base: &'a str,
    collection: &'static str,
    id: u64,
}

impl Serialize for ApiUrl<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!(
            "{}/api/v2/{}/{}.json",
            self.base, self.collection, self.id
        ))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::zendesk::error::ZendeskError;
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

//! The values every Zendesk object shares: timestamps, the enumerations (status,
//! priority, type, role), API URLs and the email check.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};
use time::OffsetDateTime;

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
pub(super) struct ApiUrl<'a> {
    pub(super) base: &'a str,
    pub(super) collection: &'static str,
    pub(super) id: u64,
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

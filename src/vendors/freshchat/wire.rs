//! Freshchat's JSON shapes (REFERENCE 3.4 to 3.7; field names from the schemas
//! transcribed in the specs): users, agents, groups, channels, conversations,
//! messages, and the `pagination` and `links` of every list.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::error::FreshchatError;

/// A `{name, value}` property of a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Property {
    /// The property's name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// A customer (schema `user`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    /// UUID.
    pub id: String,
    /// ISO-8601 with milliseconds.
    pub created_time: String,
    /// ISO-8601 with milliseconds.
    pub updated_time: String,
    /// Email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// `{url}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar: Option<Value>,
    /// The integrator's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<String>,
    /// `[{name, value}]`.
    pub properties: Vec<Property>,
    /// `[{type, id}]`.
    pub social_profiles: Vec<Value>,
    /// The site (multi-site `siteId`) the customer belongs to: the same
    /// `reference_id` on two sites is two users (\[DOC\] web-sdk "Multiple Sites").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_id: Option<String>,
}

/// An agent (schema `agent`); the bot is one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agent {
    /// UUID.
    pub id: String,
    /// Email.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// `{url}`.
    pub avatar: Value,
    /// `AVAILABLE` or `UNAVAILABLE`.
    pub availability_status: String,
    /// `OCR`, `INTELLIASSIGN` or `DISABLED`.
    pub routing_type: String,
    /// Ids of the agent's groups.
    pub groups: Vec<String>,
    /// Deactivated agents stay listed.
    pub is_deactivated: bool,
    /// Locale.
    pub locale: String,
    /// Time zone.
    pub timezone: String,
    /// `[{type, id}]`.
    pub social_profiles: Vec<Value>,
    /// The role (`GET /roles`).
    pub role_id: String,
    /// The role's name (\[3P\] live-inferred).
    pub role_name: String,
    /// Phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Biography.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub biography: Option<String>,
    /// A custom status `{id, name}` (`GET /agents/status`), or null.
    pub agent_status: Option<Value>,
    /// Whether the agent is logged in (\[3P\] live-inferred).
    pub login_status: bool,
    /// ISO-8601 with milliseconds (\[3P\] required in live data).
    pub created_time: String,
}

/// A group of agents (schema `group`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// UUID.
    pub id: String,
    /// The name integrators look groups up by (Mammut's `freshchat-group-name`).
    pub name: String,
    /// Description.
    pub description: String,
    /// `OCR`, `INTELLIASSIGN` or `DISABLED`.
    pub routing_type: String,
}

/// A channel, called a topic in the product (schema `channel`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Channel {
    /// UUID.
    pub id: String,
    /// `{url}`.
    pub icon: Value,
    /// ISO-8601 with milliseconds.
    pub updated_time: String,
    /// Enabled.
    pub enabled: bool,
    /// Public.
    pub public: bool,
    /// Name.
    pub name: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Locale.
    pub locale: String,
}

/// A message (schema `message`, with the fields webhook samples add).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// The parts: `text`, `image`, `file`, `url_button`, `quick_reply_button`,
    /// `collection`, `template_content`, `callback`, `reference`.
    pub message_parts: Vec<Value>,
    /// Reply parts offered to the user, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_parts: Option<Vec<Value>>,
    /// The account's APP ID.
    pub app_id: String,
    /// Who wrote it.
    pub actor_id: String,
    /// UUID.
    pub id: String,
    /// The conversation's channel.
    pub channel_id: String,
    /// The conversation.
    pub conversation_id: String,
    /// `<15 digits>-<epoch ms>`.
    pub interaction_id: String,
    /// `normal` or `private` (an internal note).
    pub message_type: String,
    /// `user`, `agent`, `bot` or `system`.
    pub actor_type: String,
    /// ISO-8601 with milliseconds.
    pub created_time: String,
    /// The conversation's user.
    pub user_id: String,
    /// Where it came from (`API` for the REST API).
    pub message_source: String,
    /// Free-form metadata, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta_data: Option<Value>,
    /// The message this one answers, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<Value>,
    /// The conversation's site, under the `field` transport.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_id: Option<String>,
}

/// The part types a message may carry (schema `message_part`).
pub const PART_TYPES: &[&str] = &[
    "text",
    "image",
    "file",
    "url_button",
    "quick_reply_button",
    "collection",
    "template_content",
    "callback",
    "reference",
];

/// The actor types a message may name.
pub const ACTOR_TYPES: &[&str] = &["user", "agent", "bot", "system"];

/// Checks `message_parts`: a non-empty array of objects, each with exactly one
/// known part type; a `text` part needs a string `content`.
pub fn check_parts(parts: Option<&Value>) -> Result<Vec<Value>, FreshchatError> {
    let bad = |m: String| Err(FreshchatError::BadRequest(m));
    let Some(Value::Array(parts)) = parts else {
        return bad("message_parts is required: an array of parts such as {\"text\": {\"content\": \"Hi\"}}".to_owned());
    };
    if parts.is_empty() {
        return bad("message_parts must not be empty".to_owned());
    }
    for (i, p) in parts.iter().enumerate() {
        let Some(o) = p.as_object().filter(|o| o.len() == 1) else {
            return bad(format!(
                "message_parts[{i}] must be an object with one part type ({})",
                PART_TYPES.join(", ")
            ));
        };
        let (kind, body) = o.iter().next().expect("one member");
        if !PART_TYPES.contains(&kind.as_str()) {
            return bad(format!(
                "message_parts[{i}]: unknown part type `{kind}` (known: {})",
                PART_TYPES.join(", ")
            ));
        }
        if !body.is_object() {
            return bad(format!("message_parts[{i}].{kind} must be an object"));
        }
        if kind == "text" && !body.get("content").is_some_and(Value::is_string) {
            return bad(format!(
                "message_parts[{i}].text.content is required and must be a string"
            ));
        }
    }
    Ok(parts.clone())
}

/// The text of a message: its text parts' contents, joined by newlines.
pub fn text_of(parts: &[Value]) -> String {
    parts
        .iter()
        .filter_map(|p| p.pointer("/text/content").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join("\n")
}

/// An optional string member; any other type is a 400 naming the field.
pub fn opt_str(body: &Map<String, Value>, key: &str) -> Result<Option<String>, FreshchatError> {
    match body.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(FreshchatError::BadRequest(format!(
            "{key} must be a string"
        ))),
    }
}

/// A page of a list: which items, and the `pagination` and `links` objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// 1-based page number.
    pub page: usize,
    /// Items per page.
    pub items_per_page: usize,
}

impl Page {
    /// Reads `page` and `items_per_page` from a query (defaults 1 and 10; at most
    /// `max` per page \[UNVERIFIED\]).
    pub fn from_query(query: &[(String, String)], max: usize) -> Result<Self, FreshchatError> {
        let number = |key: &str, default: usize| -> Result<usize, FreshchatError> {
            match query.iter().find(|(k, _)| k == key) {
                None => Ok(default),
                Some((_, v)) => v.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                    FreshchatError::BadRequest(format!(
                        "{key} must be a positive integer, got `{v}`"
                    ))
                }),
            }
        };
        Ok(Self {
            page: number("page", 1)?,
            items_per_page: number("items_per_page", 10)?.min(max),
        })
    }

    /// The slice of `total` items this page covers; a page past the last is
    /// `WRONG_PAGE` (an empty list has one empty page).
    pub fn range(self, total: usize) -> Result<std::ops::Range<usize>, FreshchatError> {
        let start = (self.page - 1).saturating_mul(self.items_per_page);
        if start >= total && self.page > 1 {
            return Err(FreshchatError::WrongPage);
        }
        Ok(start.min(total)..(start.saturating_add(self.items_per_page)).min(total))
    }

    /// `pagination` and `links` for a list of `total` items at `path` (`/v2/agents`);
    /// `extra` is the rest of the query, kept in every link.
    pub fn describe(self, total: usize, path: &str, extra: &str) -> (Value, Value) {
        let pages = total.div_ceil(self.items_per_page).max(1);
        let pagination = json!({
            "total_items": total,
            "total_pages": pages,
            "current_page": self.page,
            "items_per_page": self.items_per_page,
        });
        let link = |page: usize, rel: &str| {
            json!({
                "href": format!("{path}?{extra}page={page}&items_per_page={}", self.items_per_page),
                "rel": rel,
                "type": "GET",
            })
        };
        let mut links = Map::new();
        links.insert("first_page".to_owned(), link(1, "first"));
        links.insert("last_page".to_owned(), link(pages, "last"));
        if self.page < pages {
            links.insert("next_page".to_owned(), link(self.page + 1, "next"));
        }
        if self.page > 1 {
            links.insert(
                "previous_page".to_owned(),
                link((self.page - 1).min(pages), "previous"),
            );
        }
        (pagination, Value::Object(links))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn pages_cut_the_list_and_link_their_neighbours() {
        let p = Page::from_query(&q(&[("page", "2"), ("items_per_page", "2")]), 100).unwrap();
        assert_eq!(p.range(5).unwrap(), 2..4);
        let (pagination, links) = p.describe(5, "/v2/agents", "");
        assert_eq!(pagination["total_pages"], 3);
        assert_eq!(
            links["next_page"]["href"],
            "/v2/agents?page=3&items_per_page=2"
        );
        assert_eq!(links["previous_page"]["rel"], "previous");
        assert_eq!(p.range(1).unwrap_err(), FreshchatError::WrongPage);
        assert!(Page::from_query(&q(&[("page", "0")]), 100).is_err());
    }

    #[test]
    fn parts_are_checked_by_type() {
        assert!(check_parts(Some(&json!([{"text": {"content": "hi"}}]))).is_ok());
        assert!(check_parts(Some(&json!([{"image": {"url": "http://x/y.png"}}]))).is_ok());
        assert!(check_parts(Some(&json!([{"text": {}}]))).is_err());
        assert!(check_parts(Some(&json!([{"video": {}}]))).is_err());
        assert!(check_parts(Some(&json!([]))).is_err());
        assert!(check_parts(None).is_err());
    }
}

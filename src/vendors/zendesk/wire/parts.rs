//! The pieces of request bodies: custom field values, comments, requesters, and
//! what to do with keys Zendesk does not know.

use serde::Serialize;
use serde_json::Value;

use super::html::{render_html, strip_tags};

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

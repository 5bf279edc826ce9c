//! The body of a ticket import (`POST /api/v2/imports/tickets`): a ticket with
//! its whole history, `comments` and timestamps included [DOC: Ticket Import].

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::input::TicketInput;
use super::parts::{CommentInput, UnknownFields};
use crate::vendors::zendesk::error::ZendeskError;

/// One imported comment and when it was made.
#[derive(Debug, Clone, Default)]
pub struct ImportedComment {
    /// The comment, as a ticket update would carry it.
    pub comment: CommentInput,
    /// Its `created_at`; now when absent.
    pub created_at: Option<OffsetDateTime>,
}

/// A ticket import: the ticket's fields, its comments in order, its timestamps.
#[derive(Debug, Clone, Default)]
pub struct TicketImport {
    /// The ticket's own fields (`status` may be any, `closed` included).
    pub ticket: TicketInput,
    /// The comments, oldest first; the first is the description.
    pub comments: Vec<ImportedComment>,
    /// The ticket's `created_at`, `updated_at` and `solved_at` when given.
    pub created_at: Option<OffsetDateTime>,
    /// See `created_at`.
    pub updated_at: Option<OffsetDateTime>,
    /// See `created_at`.
    pub solved_at: Option<OffsetDateTime>,
}

fn timestamp(obj: &serde_json::Map<String, Value>, key: &str) -> Result<Option<OffsetDateTime>, ZendeskError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => OffsetDateTime::parse(s, &Rfc3339)
            .map(Some)
            .map_err(|_| ZendeskError::invalid(key, format!("{key}: is invalid"), "InvalidValue")),
        Some(_) => Err(ZendeskError::invalid(key, format!("{key}: is invalid"), "InvalidValue")),
    }
}

impl TicketImport {
    /// Reads an import's `ticket` object. Comments take `body`, `html_body`, or
    /// the older `value` \[DOC\], with `author_id`, `public` and `created_at`.
    pub fn parse(value: &Value, unknown: UnknownFields) -> Result<Self, ZendeskError> {
        let Some(obj) = value.as_object() else {
            return Err(ZendeskError::BadRequest(
                "ticket must be a JSON object".to_owned(),
            ));
        };
        let mut rest = obj.clone();
        let listed = rest.remove("comments");
        for key in ["created_at", "updated_at", "solved_at", "description"] {
            rest.remove(key);
        }
        let ticket = TicketInput::parse(&Value::Object(rest), unknown)?;
        let mut comments = Vec::new();
        for c in listed.as_ref().and_then(Value::as_array).into_iter().flatten() {
            comments.push(imported_comment(c, unknown)?);
        }
        if comments.is_empty()
            && let Some(d) = obj.get("description").and_then(Value::as_str)
        {
            // No comments: the description is the first one.
            comments.push(ImportedComment {
                comment: CommentInput {
                    body: Some(d.to_owned()),
                    ..CommentInput::default()
                },
                created_at: None,
            });
        }
        Ok(Self {
            ticket,
            comments,
            created_at: timestamp(obj, "created_at")?,
            updated_at: timestamp(obj, "updated_at")?,
            solved_at: timestamp(obj, "solved_at")?,
        })
    }
}

fn imported_comment(c: &Value, unknown: UnknownFields) -> Result<ImportedComment, ZendeskError> {
    let Some(obj) = c.as_object() else {
        return Err(ZendeskError::BadRequest(
            "comments must be JSON objects".to_owned(),
        ));
    };
    let mut fields = obj.clone();
    let created_at = timestamp(obj, "created_at")?;
    fields.remove("created_at");
    if let Some(v) = fields.remove("value") {
        fields.entry("body").or_insert(v);
    }
    let parsed = TicketInput::parse(&json!({ "comment": fields }), unknown)?;
    Ok(ImportedComment {
        comment: parsed.comment.unwrap_or_default(),
        created_at,
    })
}

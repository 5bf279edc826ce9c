//! The request bodies of tickets and users, read field by field.

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::fields::Fields;
use super::parts::{CommentInput, CustomField, RequesterInput, UnknownFields};
use super::values::{Priority, Role, Status, TicketType, looks_like_email};
use crate::vendors::zendesk::error::ZendeskError;

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
    /// A custom ticket status; the ticket takes its category as `status`.
    pub custom_status_id: Option<u64>,
    pub recipient: Option<Option<String>>,
    pub brand_id: Option<u64>,
    pub ticket_form_id: Option<u64>,
    /// Read-only keys the caller sent; ignored, and named in `x-zendesk-api-warn`.
    pub ignored: Vec<String>,
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
            custom_status_id: f.id("custom_status_id").flatten(),
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

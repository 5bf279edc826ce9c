//! The audit trail of a ticket change: its comment, its events, and the change the
//! triggers and the change log see.

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Actor, Store, category_of};
use crate::vendors::zendesk::changelog::{Kind, Op};
use crate::vendors::zendesk::triggers::TicketChange;
use crate::vendors::zendesk::wire::{Audit, Comment, CommentInput, Ticket, Via};

/// Ticket fields that audits track, in the order of the captured `Create` events.
const TRACKED: &[&str] = &[
    "subject",
    "requester_id",
    "priority",
    "status",
    "type",
    "assignee_id",
    "group_id",
    "organization_id",
    "tags",
    "external_id",
    "due_at",
];

impl Store {
    /// Appends the comment (if any) and an audit whose events describe the change
    /// from `before` (`Null` for a create) to the ticket's new state.
    pub(super) fn commit(
        &mut self,
        t: &mut Ticket,
        actor: &Actor,
        comment: &CommentInput,
        before: &Value,
        now: OffsetDateTime,
    ) -> u64 {
        let audit_id = self.ids.next_id();
        let mut events = Vec::new();
        if let Some(text) = comment.text() {
            let c = self.comment(text, actor, comment, audit_id, now);
            events.push(json!({
                "id": c.id, "type": "Comment", "author_id": c.author_id, "body": c.body,
                "html_body": c.html_body, "plain_body": c.plain_body, "public": c.public,
                "attachments": c.attachments, "audit_id": audit_id,
            }));
            t.comments.push(c);
        }
        let after = tracked(t);
        self.changes.push(TicketChange {
            ticket_id: t.id,
            before: (!before.is_null()).then(|| before.clone()),
            after: after.clone(),
            actor: actor.user_id,
            comment: comment
                .text()
                .map(|text| (text, comment.public.unwrap_or(true))),
        });
        events.extend(self.field_events(before, &after));
        t.updated_at = now;
        if self.category_of(t.custom_status_id) != Some(category_of(t.status)) {
            t.custom_status_id = self.default_custom_status(t.status);
        }
        t.audits.push(Audit {
            id: audit_id,
            ticket_id: t.id,
            created_at: now,
            author_id: actor.user_id,
            metadata: actor.metadata(),
            events,
            via: Via::of(actor.channel),
        });
        let op = if before.is_null() {
            Op::Created
        } else {
            Op::Updated
        };
        self.log.record(now, Kind::Ticket, t.id, op);
        self.log
            .record_owned(now, Kind::TicketEvent, audit_id, t.id, Op::Created);
        audit_id
    }

    /// The comment of `text`, as the audit `audit_id` adds it.
    fn comment(
        &mut self,
        text: String,
        actor: &Actor,
        comment: &CommentInput,
        audit_id: u64,
        now: OffsetDateTime,
    ) -> Comment {
        Comment {
            id: self.ids.next_id(),
            kind: "Comment",
            author_id: comment.author_id.unwrap_or(actor.user_id),
            html_body: comment.html(),
            plain_body: text.clone(),
            body: text,
            public: comment.public.unwrap_or(true),
            attachments: self.records.uploads.attach(&comment.uploads),
            audit_id,
            via: Via::of(actor.channel),
            metadata: actor.metadata(),
            created_at: now,
        }
    }

    /// `Create` events for a new ticket's set fields (and the four always shown),
    /// `Change` events for an update's changed ones.
    fn field_events(&mut self, before: &Value, after: &Value) -> Vec<Value> {
        let mut events = Vec::new();
        for field in TRACKED {
            let new = &after[field];
            if before.is_null() {
                let always = matches!(*field, "subject" | "requester_id" | "priority" | "status");
                let empty = new.is_null() || new.as_array().is_some_and(Vec::is_empty);
                if always || !empty {
                    events.push(json!({"id": self.ids.next_id(), "type": "Create", "value": new, "field_name": field}));
                }
            } else if &before[field] != new {
                events.push(json!({"id": self.ids.next_id(), "type": "Change", "value": new, "field_name": field, "previous_value": before[field]}));
            }
        }
        events
    }
}

/// The tracked fields as audit event values: strings, even for ids (REFERENCE 1.5).
pub(super) fn tracked(t: &Ticket) -> Value {
    let s = |v: Option<String>| v.map_or(Value::Null, Value::String);
    json!({
        "subject": s(t.subject.clone()),
        "requester_id": t.requester_id.to_string(),
        "priority": s(t.priority.map(|p| p.to_string())),
        "status": t.status.as_str(),
        "type": s(t.kind.map(|k| k.to_string())),
        "assignee_id": s(t.assignee_id.map(|a| a.to_string())),
        "group_id": s(t.group_id.map(|g| g.to_string())),
        "organization_id": s(t.organization_id.map(|o| o.to_string())),
        "tags": t.tags,
        "external_id": s(t.external_id.clone()),
        "due_at": s(t.due_at.map(crate::clock::iso_seconds)),
    })
}

//! Event-subscription webhooks: a webhook whose `subscriptions` name
//! `zen:event-type:*` types gets one signed JSON POST per matching event, in the
//! payload shape `{account_id, detail, event, id, subject, time, type,
//! zendesk_event_version}` (REFERENCE 1.10, UNVERIFIED recollection of the docs).
//!
//! Ticket events come from the ticket changes the triggers also read (they carry
//! the fields before and after); user and organization events from the change log.

use serde_json::{Value, json};

use super::changelog::{Change, Kind, Op};
use super::org::org_out;
use super::store::Store;
use super::triggers::TicketChange;
use super::webhook::{Invocation, Webhook};
use super::wire::{TicketOut, UserOut};
use crate::clock::iso_seconds;

/// `zendesk_event_version` of every payload.
pub const EVENT_VERSION: &str = "2022-11-06";

/// What changed, as event types with their `event` bodies.
pub fn ticket_events(change: &TicketChange) -> Vec<(&'static str, Value)> {
    let Some(before) = &change.before else {
        return vec![("ticket.created", json!({}))];
    };
    let after = &change.after;
    let mut out = Vec::new();
    let diff = |field: &str| {
        (before[field] != after[field])
            .then(|| json!({"current": after[field], "previous": before[field]}))
    };
    for (field, kind) in [
        ("status", "ticket.status_changed"),
        ("priority", "ticket.priority_changed"),
        ("type", "ticket.type_changed"),
        ("subject", "ticket.subject_changed"),
        ("assignee_id", "ticket.agent_assignment_changed"),
        ("group_id", "ticket.group_assignment_changed"),
        ("organization_id", "ticket.organization_changed"),
        ("requester_id", "ticket.requester_changed"),
        ("external_id", "ticket.external_id_changed"),
        ("due_at", "ticket.task_due_at_changed"),
    ] {
        if let Some(e) = diff(field) {
            out.push((kind, e));
        }
    }
    if before["tags"] != after["tags"] {
        let set = |v: &Value| v.as_array().cloned().unwrap_or_default();
        let (old, new) = (set(&before["tags"]), set(&after["tags"]));
        let added: Vec<&Value> = new.iter().filter(|t| !old.contains(t)).collect();
        let removed: Vec<&Value> = old.iter().filter(|t| !new.contains(t)).collect();
        out.push((
            "ticket.tags_changed",
            json!({"tags_added": added, "tags_removed": removed}),
        ));
    }
    if let Some((body, public)) = &change.comment {
        out.push((
            "ticket.comment_added",
            json!({"comment": {"body": body, "is_public": public, "author": {"id": change.actor}}}),
        ));
    }
    out
}

/// The event of a user or organization change (created or deleted), if any.
pub fn record_event(change: &Change) -> Option<&'static str> {
    match (change.kind, change.op) {
        (Kind::User, Op::Created) => Some("user.created"),
        (Kind::User, Op::Deleted) => Some("user.deleted"),
        (Kind::Organization, Op::Created) => Some("organization.created"),
        (Kind::Organization, Op::Deleted) => Some("organization.deleted"),
        (Kind::Ticket, Op::Deleted) => Some("ticket.soft_deleted"),
        _ => None,
    }
}

fn uuid(store: &mut Store) -> String {
    let h = store.random_hex(32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The webhooks subscribed to `kind`, active ones only.
fn subscribers<'a>(store: &'a Store, kind: &str) -> Vec<&'a Webhook> {
    let wanted = format!("zen:event-type:{kind}");
    store
        .webhooks
        .values()
        .filter(|w| w.status == "active" && w.subscriptions.contains(&wanted))
        .collect()
}

/// One event to deliver: subject, type, `detail`, `event`.
type Found = (String, &'static str, Value, Value);

fn record_detail(store: &Store, base: &str, c: &Change) -> (&'static str, Value) {
    let detail = match c.kind {
        Kind::User => store
            .any_user(c.id)
            .map(|u| serde_json::to_value(UserOut::new(base, u))),
        Kind::Organization => store.organization(c.id).map(|o| Ok(org_out(base, o))),
        _ => store
            .deleted_tickets
            .get(&c.id)
            .map(|t| serde_json::to_value(TicketOut::new(base, t))),
    };
    let subject = match c.kind {
        Kind::User => "user",
        Kind::Organization => "organization",
        _ => "ticket",
    };
    let detail = detail
        .and_then(Result::ok)
        .unwrap_or_else(|| json!({"id": c.id}));
    (subject, detail)
}

fn found(store: &Store, base: &str, tickets: &[TicketChange], records: &[Change]) -> Vec<Found> {
    let mut out = Vec::new();
    for c in tickets {
        let Some(t) = store.tickets.get(&c.ticket_id) else {
            continue;
        };
        let detail = serde_json::to_value(TicketOut::new(base, t)).unwrap_or_default();
        for (kind, event) in ticket_events(c) {
            out.push((format!("zen:ticket:{}", t.id), kind, detail.clone(), event));
        }
    }
    for c in records {
        if let Some(kind) = record_event(c) {
            let (subject, detail) = record_detail(store, base, c);
            out.push((format!("zen:{subject}:{}", c.id), kind, detail, json!({})));
        }
    }
    out
}

/// Every delivery the changes call for.
pub fn invocations(
    store: &mut Store,
    tickets: &[TicketChange],
    records: &[Change],
    (account_id, subdomain): (u64, &str),
) -> Vec<Invocation> {
    let subscribed = store.webhooks.values().any(|w| {
        w.subscriptions
            .iter()
            .any(|s| s.starts_with("zen:event-type:"))
    });
    if !subscribed {
        return Vec::new();
    }
    let base = format!("https://{subdomain}.zendesk.com");
    let time = store.log.last_at();
    let mut out = Vec::new();
    for (subject, kind, detail, event) in found(store, &base, tickets, records) {
        let hooks: Vec<Webhook> = subscribers(store, kind).into_iter().cloned().collect();
        for webhook in hooks {
            let body = json!({
                "account_id": account_id, "detail": detail, "event": event, "id": uuid(store),
                "subject": subject, "time": time.map(iso_seconds),
                "type": format!("zen:event-type:{kind}"), "zendesk_event_version": EVENT_VERSION,
            });
            out.push(Invocation {
                // Event-subscription webhooks always POST JSON (REFERENCE 1.10).
                webhook: Webhook {
                    http_method: "POST".to_owned(),
                    request_format: "json".to_owned(),
                    ..webhook
                },
                invocation_id: store.next_invocation_id(),
                account_id,
                body: body.to_string().into(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_become_the_documented_event_types() {
        let before = json!({"status": "new", "priority": null, "tags": ["a"], "subject": "s"});
        let after = json!({"status": "open", "priority": null, "tags": ["b"], "subject": "s"});
        let change = TicketChange {
            ticket_id: 1,
            before: Some(before),
            after,
            actor: 7,
            comment: Some(("hi".to_owned(), true)),
        };
        let kinds: Vec<&str> = ticket_events(&change).iter().map(|(k, _)| *k).collect();
        assert_eq!(
            kinds,
            vec![
                "ticket.status_changed",
                "ticket.tags_changed",
                "ticket.comment_added"
            ]
        );
        let events = ticket_events(&change);
        assert_eq!(events[0].1, json!({"current": "open", "previous": "new"}));
        assert_eq!(
            events[1].1,
            json!({"tags_added": ["b"], "tags_removed": ["a"]})
        );
        let created = TicketChange {
            before: None,
            ..change
        };
        assert_eq!(ticket_events(&created)[0].0, "ticket.created");
    }
}

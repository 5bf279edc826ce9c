//! Records derived from the tickets' lifecycle rather than stored: ticket metrics,
//! ticket metric events, account-wide ticket audits and agent activities
//! (rules-metrics reference 2.2 to 2.5). Each is computed from the tickets' audits
//! when read, so it can never disagree with them.

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::spec::{Ops, Record, Spec, Write, ts};
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::store::{Store, Ticket};
use crate::vendors::zendesk::wire::UserOut;

/// The resources of this file.
pub const SPECS: &[&Spec] = &[&TICKET_METRICS, &ACTIVITIES];

fn read_only(_: &Store, _: &Write<'_>) -> Result<Record, ZendeskError> {
    Err(ZendeskError::InvalidEndpoint)
}

/// `/api/v2/ticket_metrics` [DOC; zenpy spec]: newest first.
pub static TICKET_METRICS: Spec = Spec {
    ops: Ops::READ,
    default_order: "-created_at",
    sort_keys: &[("created_at", "created_at"), ("id", "id")],
    derived: Some(metrics),
    ..Spec::new(
        "ticket_metrics",
        "ticket_metric",
        "/api/v2/ticket_metrics",
        read_only,
    )
};

/// `/api/v2/activities` [CAPTURE zenpy]: newest first.
pub static ACTIVITIES: Spec = Spec {
    ops: Ops {
        count: true,
        ..Ops::READ
    },
    default_order: "-created_at",
    sort_keys: &[("created_at", "created_at"), ("id", "id")],
    derived: Some(activities),
    ..Spec::new("activities", "activity", "/api/v2/activities", read_only)
};

fn at(e: &Value) -> Option<&str> {
    e.get("value").and_then(Value::as_str)
}

fn minutes(from: OffsetDateTime, to: Option<OffsetDateTime>) -> Value {
    match to {
        Some(to) => {
            let m = (to - from).whole_minutes().max(0);
            // Business minutes equal calendar minutes: the fake has no schedule on tickets.
            json!({"calendar": m, "business": m})
        }
        None => json!({"calendar": null, "business": null}),
    }
}

/// What a ticket's audits say about its lifecycle.
#[derive(Default)]
struct Life {
    solved: Vec<OffsetDateTime>,
    reopens: u64,
    replies: u64,
    first_reply: Option<OffsetDateTime>,
    assignees: Vec<String>,
    groups: Vec<String>,
    assigned: Vec<OffsetDateTime>,
    status_at: Option<OffsetDateTime>,
    hold_minutes: i64,
    pending_minutes: i64,
    requester_at: Option<OffsetDateTime>,
    assignee_at: Option<OffsetDateTime>,
}

fn life(store: &Store, t: &Ticket) -> Life {
    let mut l = Life::default();
    let mut status = ("new".to_owned(), t.created_at);
    let staff = |id: u64| store.users.get(&id).is_some_and(|u| u.role.is_staff());
    for (i, a) in t.audits.iter().enumerate() {
        if a.author_id == t.requester_id {
            l.requester_at = Some(a.created_at);
        }
        if Some(a.author_id) == t.assignee_id {
            l.assignee_at = Some(a.created_at);
        }
        for e in &a.events {
            match (e["type"].as_str(), e["field_name"].as_str()) {
                (Some("Comment"), _)
                    if i > 0
                        && e["public"] == json!(true)
                        && staff(e["author_id"].as_u64().unwrap_or_default()) =>
                {
                    l.replies += 1;
                    l.first_reply.get_or_insert(a.created_at);
                }
                (_, Some("status")) => {
                    let new = at(e).unwrap_or_default().to_owned();
                    let spent = (a.created_at - status.1).whole_minutes();
                    match status.0.as_str() {
                        "hold" => l.hold_minutes += spent,
                        "pending" => l.pending_minutes += spent,
                        _ => {}
                    }
                    if status.0 == "solved" && new == "open" {
                        l.reopens += 1;
                    }
                    if new == "solved" {
                        l.solved.push(a.created_at);
                    }
                    l.status_at = Some(a.created_at);
                    status = (new, a.created_at);
                }
                (_, Some("assignee_id")) if !e["value"].is_null() => {
                    l.assigned.push(a.created_at);
                    l.assignees.push(e["value"].to_string());
                }
                (_, Some("group_id")) if !e["value"].is_null() => {
                    l.groups.push(e["value"].to_string())
                }
                _ => {}
            }
        }
    }
    l.assignees.sort();
    l.assignees.dedup();
    l.groups.sort();
    l.groups.dedup();
    l
}

/// The metrics record of one ticket (`None` for a ticket without audits).
pub fn metric_of(store: &Store, t: &Ticket) -> Option<Record> {
    let first = t.audits.first()?;
    let l = life(store, t);
    let opt = |x: Option<OffsetDateTime>| x.map_or(Value::Null, ts);
    let wait = |m: i64| json!({"calendar": m, "business": m});
    let solved_last = l.solved.last().copied();
    let m = json!({
        "id": first.id + 1, "ticket_id": t.id, "created_at": ts(t.created_at), "updated_at": ts(t.updated_at),
        "group_stations": l.groups.len(), "assignee_stations": l.assignees.len(),
        "reopens": l.reopens, "replies": l.replies,
        "assignee_updated_at": opt(l.assignee_at), "requester_updated_at": opt(l.requester_at),
        "status_updated_at": opt(l.status_at), "initially_assigned_at": opt(l.assigned.first().copied()),
        "assigned_at": opt(l.assigned.last().copied()), "solved_at": opt(solved_last),
        "latest_comment_added_at": opt(t.comments.last().map(|c| c.created_at)),
        "custom_status_updated_at": opt(l.status_at),
        "reply_time_in_minutes": minutes(t.created_at, l.first_reply),
        "first_resolution_time_in_minutes": minutes(t.created_at, l.solved.first().copied()),
        "full_resolution_time_in_minutes": minutes(t.created_at, solved_last),
        "agent_wait_time_in_minutes": wait(l.pending_minutes),
        "requester_wait_time_in_minutes": match solved_last {
            Some(s) => wait((s - t.created_at).whole_minutes() - l.pending_minutes),
            None => json!({"calendar": null, "business": null}),
        },
        "on_hold_time_in_minutes": wait(l.hold_minutes),
    });
    m.as_object().cloned()
}

/// Every live ticket's metrics.
pub fn metrics(store: &Store) -> Vec<Record> {
    store
        .tickets
        .values()
        .filter_map(|t| metric_of(store, t))
        .collect()
}

/// The ticket metric events of every ticket (activate, pause, fulfill), in time
/// order, for `/incremental/ticket_metric_events`.
pub fn metric_events(store: &Store) -> Vec<Value> {
    let mut out = Vec::new();
    let staff = |id: u64| store.users.get(&id).is_some_and(|u| u.role.is_staff());
    for t in store.tickets.values() {
        let mut replied = false;
        for (i, a) in t.audits.iter().enumerate() {
            let mut k = 1;
            let mut ev = |metric: &str, kind: &str| {
                k += 1;
                out.push(json!({"id": a.id + k, "ticket_id": t.id, "metric": metric, "instance_id": 1, "type": kind, "time": ts(a.created_at)}));
            };
            if i == 0 {
                for m in [
                    "agent_work_time",
                    "pausable_update_time",
                    "periodic_update_time",
                    "reply_time",
                    "requester_wait_time",
                    "resolution_time",
                ] {
                    ev(m, "activate");
                }
            }
            for e in &a.events {
                let reply = e["type"] == "Comment"
                    && e["public"] == json!(true)
                    && staff(e["author_id"].as_u64().unwrap_or_default());
                if i > 0 && reply && !replied {
                    replied = true;
                    ev("reply_time", "fulfill");
                }
                if e["field_name"] == "status" {
                    for (metric, kind) in status_events(at(e).unwrap_or_default()) {
                        ev(metric, kind);
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| {
        a["time"]
            .as_str()
            .cmp(&b["time"].as_str())
            .then(a["id"].as_u64().cmp(&b["id"].as_u64()))
    });
    out
}

/// The metric events a status change records (DOC metric event types).
fn status_events(status: &str) -> &'static [(&'static str, &'static str)] {
    match status {
        "pending" => &[
            ("agent_work_time", "pause"),
            ("requester_wait_time", "pause"),
        ],
        "hold" => &[("agent_work_time", "pause")],
        "open" => &[
            ("agent_work_time", "activate"),
            ("requester_wait_time", "activate"),
        ],
        "solved" => &[
            ("agent_work_time", "fulfill"),
            ("requester_wait_time", "fulfill"),
            ("resolution_time", "fulfill"),
        ],
        _ => &[],
    }
}

fn activities(store: &Store) -> Vec<Record> {
    let base = format!("https://{}.zendesk.com", store.settings().subdomain);
    let user = |id: u64| {
        store
            .users
            .get(&id)
            .and_then(|u| serde_json::to_value(UserOut::new(&base, u)).ok())
            .unwrap_or(Value::Null)
    };
    let name = |id: u64| {
        store
            .users
            .get(&id)
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for t in store.tickets.values() {
        let subject = t.subject.clone().unwrap_or_default();
        let target = json!({"ticket": {"id": t.id, "subject": subject}});
        for a in t.audits.iter().skip(1) {
            for e in &a.events {
                let (verb, title, object, user_id) = if e["type"] == "Comment" {
                    let body = e["body"].as_str().unwrap_or_default();
                    let to = t.assignee_id.unwrap_or(t.requester_id);
                    (
                        "tickets.comment",
                        format!(
                            "{} commented on ticket #{}: {subject}.",
                            name(a.author_id),
                            t.id
                        ),
                        json!({"comment": {"value": body, "public": e["public"]}}),
                        to,
                    )
                } else if e["field_name"] == "assignee_id" && !e["value"].is_null() {
                    let to = super::spec::id_of(&e["value"]).unwrap_or_default();
                    (
                        "tickets.assignment",
                        format!("{} assigned ticket #{} to you.", name(a.author_id), t.id),
                        json!({"ticket": {"id": t.id, "subject": subject}}),
                        to,
                    )
                } else {
                    continue;
                };
                let id = e["id"].as_u64().unwrap_or_default() + 1;
                let rec = json!({
                    "id": id, "title": title, "verb": verb, "user_id": user_id, "actor_id": a.author_id,
                    "created_at": ts(a.created_at), "updated_at": ts(a.created_at),
                    "object": object, "target": target, "user": user(user_id), "actor": user(a.author_id),
                });
                out.extend(rec.as_object().cloned());
            }
        }
    }
    out
}

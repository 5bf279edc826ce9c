//! Records derived from the tickets' lifecycle rather than stored: ticket metrics,
//! ticket metric events, account-wide ticket audits and agent activities
//! (rules-metrics reference 2.2 to 2.5). Each is computed from the tickets' audits
//! when read, so it can never disagree with them.

use crate::vendors::zendesk::accounts::Account;
use axum::extract::{Path, RawQuery};
use axum::routing::get;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::listing::Query;
use super::routes::{Reply, Routes, Z, ok};
use super::{Ops, Record, Spec, Write, engine, ts};
use crate::vendors::zendesk::error::{IdParam, ZendeskError};
use crate::vendors::zendesk::extract::BaseUrl;
use crate::vendors::zendesk::page;
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

fn metric_of(store: &Store, t: &Ticket) -> Option<Record> {
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
                    let to = super::id_of(&e["value"]).unwrap_or_default();
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

/// The extra routes: a ticket's metrics and audits, and the account's audits.
pub fn routes(r: Routes) -> Routes {
    r.add(
        "/api/v2/tickets/{ticket_id}/metrics",
        &["GET"],
        get(ticket_metric),
    )
    .add(
        "/api/v2/tickets/{ticket_id}/audits",
        &["GET"],
        get(ticket_audits),
    )
    .add(
        "/api/v2/tickets/{ticket_id}/audits/{audit_id}",
        &["GET"],
        get(ticket_audit),
    )
    .add("/api/v2/ticket_audits", &["GET"], get(account_audits))
}

async fn ticket_metric(Account(z): Z, IdParam(id): IdParam, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let m = metric_of(&store, store.ticket(id)?).ok_or(ZendeskError::RecordNotFound)?;
    Ok(ok(
        &json!({"ticket_metric": engine::render(&TICKET_METRICS, &base, &m)}),
    ))
}

async fn ticket_audits(
    Account(z): Z,
    IdParam(id): IdParam,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let store = z.store_read();
    let items: Vec<(u64, Value)> = store
        .ticket(id)?
        .audits
        .iter()
        .filter_map(|a| serde_json::to_value(a).ok().map(|v| (a.id, v)))
        .collect();
    let q = Query::parse(q.as_deref());
    let path = format!("/api/v2/tickets/{id}/audits");
    page::list("audits", &path, "id", &items, &q.0, &base, &[]).map(|v| ok(&v))
}

async fn ticket_audit(Account(z): Z, Path(raw): Path<Vec<(String, String)>>) -> Reply {
    let ids: Vec<u64> = raw
        .iter()
        .map(|(_, v)| {
            v.strip_suffix(".json")
                .unwrap_or(v)
                .parse()
                .map_err(|_| ZendeskError::RecordNotFound)
        })
        .collect::<Result<_, _>>()?;
    let store = z.store_read();
    let audit = store
        .ticket(ids[0])?
        .audits
        .iter()
        .find(|a| Some(&a.id) == ids.get(1))
        .ok_or(ZendeskError::RecordNotFound)?;
    Ok(ok(&json!({"audit": audit})))
}

/// `GET /api/v2/ticket_audits`: newest first. With `page[size]` the standard
/// cursor envelope [CAPTURE zenpy]; otherwise the legacy `limit`/`cursor` form with
/// `before_url`/`after_url` [DOC OAS].
async fn account_audits(Account(z): Z, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let mut all: Vec<Value> = store
        .tickets
        .values()
        .flat_map(|t| &t.audits)
        .filter_map(|a| serde_json::to_value(a).ok())
        .collect();
    all.sort_by(|a, b| {
        b["created_at"]
            .as_str()
            .cmp(&a["created_at"].as_str())
            .then(b["id"].as_u64().cmp(&a["id"].as_u64()))
    });
    let q = Query::parse(q.as_deref());
    if q.0.iter().any(|(k, _)| k.starts_with("page[")) {
        let items: Vec<(u64, Value)> = all
            .into_iter()
            .enumerate()
            .map(|(i, a)| (i as u64 + 1, a))
            .collect();
        return page::list(
            "audits",
            "/api/v2/ticket_audits",
            "-created_at,id",
            &items,
            &q.0,
            &base,
            &[],
        )
        .map(|v| ok(&v));
    }
    legacy_page(&all, &q, &base).map(|v| ok(&v))
}

/// The legacy form: `limit` (at most 1000) newest audits after `cursor`, with
/// `before_url` to older ones and `after_url` to newer ones.
fn legacy_page(all: &[Value], q: &Query, base: &str) -> Result<Value, ZendeskError> {
    let limit = match q.get("limit") {
        None => 1000,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| {
                ZendeskError::InvalidPagination("limit must be between 1 and 1000".to_owned())
            })?,
    };
    let start = match q.get("cursor") {
        None | Some("") => 0,
        Some(c) => usize::from_str_radix(c.trim_start_matches('a'), 16)
            .map_err(|_| ZendeskError::InvalidPagination(format!("invalid cursor: {c}")))?,
    };
    let end = (start + limit).min(all.len());
    let page: Vec<Value> = all
        .get(start.min(all.len())..end)
        .unwrap_or_default()
        .to_vec();
    let url = |c: &str| format!("{base}/api/v2/ticket_audits.json?cursor={c}&limit={limit}");
    let before = (end < all.len()).then(|| format!("a{end:x}"));
    let after = (start > 0).then(|| format!("a{:x}", start.saturating_sub(limit)));
    Ok(json!({
        "audits": page,
        "before_cursor": before, "before_url": before.as_deref().map(url),
        "after_cursor": after, "after_url": after.as_deref().map(url),
    }))
}

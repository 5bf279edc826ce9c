//! Satisfaction ratings, ticket skips and audit logs (rules-metrics reference 2.1,
//! 2.6 and 3.3).

use crate::vendors::zendesk::accounts::Account;
use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::engine::{self, Who};
use super::listing::{self, Query};
use super::routes::{Peer, Reply, Routes, Z, ok, root, who};
use super::spec::{Nested, Ops, Record, Spec, Write, id_of, merge, ts};
use crate::vendors::zendesk::error::{IdParam, ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::{BaseUrl, Caller};
use crate::vendors::zendesk::store::Store;
use crate::vendors::zendesk::wire::TicketOut;
use crate::vendors::zendesk::wire::{Status, json_response};

/// The resources of this file.
pub const SPECS: &[&Spec] = &[&SATISFACTION_RATINGS, &SKIPS, &AUDIT_LOGS];

/// `/api/v2/satisfaction_ratings` \[DOC\]: read and count; created by the requester
/// through `POST /api/v2/tickets/{id}/satisfaction_rating`.
pub static SATISFACTION_RATINGS: Spec = Spec {
    ops: Ops {
        count: true,
        ..Ops::READ
    },
    select: Some(rating_selected),
    // The data integrations page it with `sort=created_at` (CAPTURE: the Zendesk
    // connector's requests); the other keys are UNVERIFIED.
    sort_keys: &[
        ("created_at", "created_at"),
        ("updated_at", "updated_at"),
        ("id", "id"),
    ],
    ..Spec::new(
        "satisfaction_ratings",
        "satisfaction_rating",
        "/api/v2/satisfaction_ratings",
        no_write,
    )
};

fn no_write(_: &Store, _: &Write<'_>) -> Result<Record, ZendeskError> {
    Err(ZendeskError::InvalidEndpoint)
}

/// `score` (with Zendesk's `received`, `good_with_comment`... forms), `start_time`
/// and `end_time` (epoch seconds) \[DOC\].
fn rating_selected(r: &Record, q: &Query) -> bool {
    let score = r["score"].as_str().unwrap_or_default();
    let commented = r["comment"].as_str().is_some_and(|c| !c.is_empty());
    let score_ok = match q.get("score") {
        None | Some("") => true,
        Some(want) => {
            let (base, comment) = match want.split_once("_with") {
                Some((b, "_comment")) => (b, Some(true)),
                Some((b, "out_comment")) => (b, Some(false)),
                _ => (want, None),
            };
            let base_ok = match base {
                "received" => score == "good" || score == "bad",
                other => score == other,
            };
            base_ok && comment.is_none_or(|c| c == commented)
        }
    };
    let at = r["created_at"]
        .as_str()
        .and_then(|s| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
        })
        .map_or(0, time::OffsetDateTime::unix_timestamp);
    let bound = |k: &str| q.get(k).and_then(|v| v.parse::<i64>().ok());
    score_ok
        && bound("start_time").is_none_or(|s| at >= s)
        && bound("end_time").is_none_or(|e| at <= e)
}

/// `/api/v2/skips` [DOC; zenpy spec]: the skip embeds the ticket as it was.
pub static SKIPS: Spec = Spec {
    ops: Ops {
        list: false,
        ..Ops::READ
    },
    nested: &[
        Nested {
            path: "/api/v2/tickets/{ticket_id}/skips",
            field: "ticket_id",
        },
        Nested {
            path: "/api/v2/users/{user_id}/skips",
            field: "user_id",
        },
    ],
    sort_keys: &[("created_at", "created_at"), ("id", "id")],
    ..Spec::new("skips", "skip", "/api/v2/skips", build_skip)
};

fn build_skip(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let mut rec = merge(
        json!({"ticket_id": null, "reason": null}),
        w,
        &["ticket_id", "reason"],
    );
    let ticket = rec["ticket_id"].clone();
    let Some(t) = id_of(&ticket).and_then(|t| store.tickets.get(&t)) else {
        return Err(ZendeskError::invalid(
            "ticket_id",
            "Ticket: is invalid",
            "InvalidValue",
        ));
    };
    let base = format!("https://{}.zendesk.com", store.settings().subdomain);
    rec.insert("ticket_id".to_owned(), json!(t.id));
    rec.insert("user_id".to_owned(), json!(w.actor));
    rec.insert(
        "ticket".to_owned(),
        serde_json::to_value(TicketOut::new(&base, t)).unwrap_or(Value::Null),
    );
    Ok(rec)
}

/// `/api/v2/audit_logs` \[DOC\]: what admins changed through the API.
pub static AUDIT_LOGS: Spec = Spec {
    ops: Ops::READ,
    sort_keys: &[("created_at", "created_at"), ("id", "id")],
    filters: &[
        "filter[source_type]",
        "filter[source_id]",
        "filter[actor_id]",
        "filter[ip_address]",
        "filter[action]",
    ],
    select: Some(logged_between),
    ..Spec::new("audit_logs", "audit_log", "/api/v2/audit_logs", no_write)
};

/// `filter[created_at][]=START&filter[created_at][]=END` (or without `[]`).
fn logged_between(r: &Record, q: &Query) -> bool {
    let bounds: Vec<&str> =
        q.0.iter()
            .filter(|(k, _)| k == "filter[created_at][]" || k == "filter[created_at]")
            .map(|(_, v)| v.as_str())
            .collect();
    let at = r["created_at"].as_str().unwrap_or_default();
    bounds.first().is_none_or(|s| at >= *s) && bounds.get(1).is_none_or(|e| at <= *e)
}

/// The extra routes: rating a ticket, creating and listing one's skips.
pub fn routes(r: Routes) -> Routes {
    r.add(
        "/api/v2/tickets/{ticket_id}/satisfaction_rating",
        &["POST"],
        post(rate),
    )
    .add("/api/v2/skips", &["GET", "POST"], get(my_skips).post(skip))
}

async fn skip(
    Account(z): Z,
    caller: Caller,
    peer: Peer,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = root(&body, "skip")?;
    let now = z.now();
    let mut store = z.store();
    if !store.user(caller.0)?.role.is_staff() {
        return Err(ZendeskError::Forbidden);
    }
    let id = engine::create(&SKIPS, &mut store, &who(caller, peer), input, now)?;
    let rec = engine::find(&SKIPS, &store, id)?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"skip": engine::render(&SKIPS, &base, &rec)}),
    ))
}

async fn my_skips(
    Account(z): Z,
    caller: Caller,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let store = z.store_read();
    let q = Query::parse(q.as_deref());
    listing::nested(&SKIPS, &store, &base, SKIPS.path, "user_id", caller.0, &q).map(|v| ok(&v))
}

async fn rate(
    Account(z): Z,
    caller: Caller,
    peer: Peer,
    IdParam(ticket_id): IdParam,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = root(&body, "satisfaction_rating")?;
    let now = z.now();
    let mut store = z.store();
    let id = rate_ticket(&mut store, &who(caller, peer), ticket_id, input, now)?;
    let rec = engine::find(&SATISFACTION_RATINGS, &store, id)?;
    Ok(ok(
        &json!({"satisfaction_rating": engine::render(&SATISFACTION_RATINGS, &base, &rec)}),
    ))
}

/// Only the requester, an end user, rates; only a ticket that is or was solved.
fn check_can_rate(
    store: &Store,
    who: &Who,
    ticket: &crate::vendors::zendesk::store::Ticket,
) -> Result<(), ZendeskError> {
    if ticket.requester_id != who.user_id || store.user(who.user_id)?.role.is_staff() {
        return Err(ZendeskError::Forbidden);
    }
    let was_solved = ticket
        .audits
        .iter()
        .flat_map(|a| &a.events)
        .any(|e| e["field_name"] == "status" && e["value"] == "solved");
    if !matches!(ticket.status, Status::Solved | Status::Closed) && !was_solved {
        return Err(ZendeskError::invalid(
            "score",
            "Score: the ticket has not been solved",
            "InvalidValue",
        ));
    }
    Ok(())
}

/// The requester rates a solved ticket (an end user only; agents get 403); a
/// second rating replaces the first. Returns the rating's id.
pub fn rate_ticket(
    store: &mut Store,
    who: &Who,
    ticket_id: u64,
    input: &Value,
    now: time::OffsetDateTime,
) -> Result<u64, ZendeskError> {
    let ticket = store.ticket(ticket_id)?.clone();
    check_can_rate(store, who, &ticket)?;
    let score = input["score"].as_str().unwrap_or_default();
    if !matches!(score, "good" | "bad") {
        return Err(ZendeskError::invalid(
            "score",
            "Score: is invalid",
            "InvalidValue",
        ));
    }
    let existing = store
        .records
        .all("satisfaction_ratings")
        .find(|r| r["ticket_id"].as_u64() == Some(ticket_id))
        .cloned();
    let id = existing
        .as_ref()
        .and_then(|r| r["id"].as_u64())
        .unwrap_or_else(|| store.next_id());
    let created = existing
        .as_ref()
        .map_or_else(|| ts(now), |r| r["created_at"].clone());
    let rec = json!({
        "id": id, "assignee_id": ticket.assignee_id, "group_id": ticket.group_id,
        "requester_id": ticket.requester_id, "ticket_id": ticket_id, "score": score,
        "comment": input.get("comment").cloned().unwrap_or(Value::Null),
        "reason": input.get("reason").cloned().unwrap_or(Value::Null),
        "reason_code": input.get("reason_code").cloned().unwrap_or(Value::Null),
        "created_at": created, "updated_at": ts(now),
    });
    let Value::Object(rec) = rec else {
        return Err(ZendeskError::RecordNotFound);
    };
    let mut t = ticket;
    t.satisfaction_rating = Some(json!({"id": id, "score": score, "comment": rec["comment"]}));
    t.updated_at = now;
    store.tickets.insert(ticket_id, t);
    store.records.put("satisfaction_ratings", id, rec);
    Ok(id)
}

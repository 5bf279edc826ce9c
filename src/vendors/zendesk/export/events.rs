//! Ticket events and ticket metric events, read from ticket audits (one audit is one
//! ticket event, \[DOC\] incremental exports).

use crate::vendors::zendesk::accounts::Account;

use axum::extract::RawQuery;
use axum::response::Response;
use serde_json::{Value, json};

use super::paging::{encode_cursor, time_page};
use super::{Envelope, Params, begin, next_page, reply, start_time, window};
use crate::clock::iso_seconds;
use crate::vendors::zendesk::changelog::{Change, Key, Kind};
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::extract::{BaseUrl, Caller};
use crate::vendors::zendesk::fake::Zendesk;
use crate::vendors::zendesk::store::{Audit, Store, Ticket};

type Reply = Result<Response, ZendeskError>;

fn audit_of<'a>(store: &'a Store, c: &Change) -> Option<(&'a Ticket, &'a Audit)> {
    let ticket = store
        .tickets
        .get(&c.owner)
        .or_else(|| store.deleted_tickets.get(&c.owner))?;
    let i = ticket.audits.binary_search_by_key(&c.id, |a| a.id).ok()?;
    Some((ticket, &ticket.audits[i]))
}

/// The parent event's `via` is a string (`API`, `Web form`), unlike elsewhere.
fn via_text(channel: &str) -> &str {
    match channel {
        "api" => "API",
        "web" => "Web form",
        "email" => "Mail",
        other => other,
    }
}

/// One ticket event. Without `include=comment_events` a comment shows only as
/// `comment_present`/`comment_public` on the child events (\[DOC\]); with it, as a
/// `Comment` child event in the documented shape.
pub fn ticket_event(store: &Store, c: &Change, comments: bool) -> Option<Value> {
    let (ticket, audit) = audit_of(store, c)?;
    let via = via_text(&audit.via.channel);
    let comment = audit.events.iter().find(|e| e["type"] == "Comment");
    let comment_public = comment.is_some_and(|e| e["public"] == true);
    let mut children = Vec::new();
    for e in &audit.events {
        match e["type"].as_str() {
            Some("Comment") if comments => children.push(json!({
                "id": e["id"], "via": audit.via, "via_reference_id": null, "type": "Comment",
                "author_id": e["author_id"], "body": e["body"], "html_body": e["html_body"],
                "public": e["public"], "attachments": e["attachments"], "audit_id": audit.id,
                "created_at": iso_seconds(audit.created_at), "event_type": "Comment",
            })),
            Some(kind @ ("Create" | "Change")) => {
                let mut child = json!({"id": e["id"], "via": via, "via_reference_id": null, "event_type": kind});
                if let Some(field) = e["field_name"].as_str() {
                    child[field] = e["value"].clone();
                }
                if kind == "Change" {
                    child["previous_value"] = e["previous_value"].clone();
                }
                if !comments {
                    child["comment_present"] = json!(comment.is_some());
                    child["comment_public"] = json!(comment_public);
                }
                children.push(child);
            }
            _ => {}
        }
    }
    Some(json!({
        "id": audit.id,
        "ticket_id": ticket.id,
        "timestamp": audit.created_at.unix_timestamp(),
        "created_at": iso_seconds(audit.created_at),
        "updater_id": audit.author_id,
        "via": via,
        "via_reference_id": null,
        "system": audit.metadata.get("system").cloned().unwrap_or(Value::Null),
        "merged_ticket_ids": [],
        "event_type": "Audit",
        "child_events": children,
    }))
}

fn status_change(audit: &Audit) -> Option<(&str, &str)> {
    audit
        .events
        .iter()
        .find(|e| e["type"] == "Change" && e["field_name"] == "status")
        .and_then(|e| Some((e["previous_value"].as_str()?, e["value"].as_str()?)))
}

fn staff_reply(store: &Store, audit: &Audit) -> bool {
    audit.events.iter().any(|e| {
        e["type"] == "Comment"
            && e["public"] == true
            && e["author_id"]
                .as_u64()
                .and_then(|id| store.users.get(&id))
                .is_some_and(|u| u.role.is_staff())
    })
}

/// The metrics an audit moves, as `(metric, type)` (UNVERIFIED derivation from the
/// documented metric meanings: agent work time runs in new/open, requester wait time
/// outside pending, reply time until the first public agent reply).
fn metric_moves(
    store: &Store,
    ticket: &Ticket,
    audit: &Audit,
) -> Vec<(&'static str, &'static str)> {
    const ALL: [&str; 6] = [
        "agent_work_time",
        "pausable_update_time",
        "periodic_update_time",
        "reply_time",
        "requester_wait_time",
        "resolution_time",
    ];
    let first = ticket.audits.first().is_some_and(|a| a.id == audit.id);
    if first {
        return ALL.iter().map(|m| (*m, "activate")).collect();
    }
    let mut out = Vec::new();
    let earlier_reply = ticket
        .audits
        .iter()
        .skip(1)
        .take_while(|a| a.id < audit.id)
        .any(|a| staff_reply(store, a));
    if !earlier_reply && staff_reply(store, audit) {
        out.push(("reply_time", "fulfill"));
    }
    match status_change(audit) {
        Some((_, "pending")) => out.extend([
            ("agent_work_time", "pause"),
            ("requester_wait_time", "pause"),
        ]),
        Some((_, "hold")) => out.push(("agent_work_time", "pause")),
        Some(("solved", "open")) => out.extend([
            ("agent_work_time", "activate"),
            ("requester_wait_time", "activate"),
            ("resolution_time", "activate"),
        ]),
        Some(("pending" | "hold", "open")) => {
            out.extend([
                ("agent_work_time", "activate"),
                ("requester_wait_time", "activate"),
            ]);
        }
        Some((_, "solved")) => out.extend([
            ("agent_work_time", "fulfill"),
            ("requester_wait_time", "fulfill"),
            ("resolution_time", "fulfill"),
        ]),
        _ => {}
    }
    out
}

/// The metric events of one audit (ids: the audit's id plus their index; audit ids
/// step by 128, so they never collide).
pub fn metric_events(store: &Store, c: &Change) -> Vec<Value> {
    let Some((ticket, audit)) = audit_of(store, c) else {
        return Vec::new();
    };
    metric_moves(store, ticket, audit)
        .into_iter()
        .enumerate()
        .map(|(i, (metric, kind))| {
            json!({"id": audit.id + 1 + i as u64, "ticket_id": ticket.id, "metric": metric,
                   "instance_id": 1, "type": kind, "time": iso_seconds(audit.created_at)})
        })
        .collect()
}

fn events_export(z: &Zendesk, caller: Caller, q: Option<&str>, base: &str, metrics: bool) -> Reply {
    let decision = begin(z, caller)?;
    let p = Params::parse(q)?;
    if metrics && let Some(size) = p.cursor_size {
        return metric_events_cursor(z, &p, base, size, decision);
    }
    let start = start_time(z, &p)?;
    let store = z.store_read();
    let page = time_page(
        &store.log,
        Kind::TicketEvent,
        start,
        p.page_size(),
        window(z),
        |_| true,
    );
    let (root, path, items): (_, _, Vec<Value>) = if metrics {
        let items = page
            .items
            .iter()
            .flat_map(|c| metric_events(&store, c))
            .collect();
        ("ticket_metric_events", "ticket_metric_events", items)
    } else {
        let comments = p.includes("comment_events");
        let items = page
            .items
            .iter()
            .filter_map(|c| ticket_event(&store, c, comments))
            .collect();
        ("ticket_events", "ticket_events", items)
    };
    let extra = vec![
        ("next_page", json!(next_page(base, path, &p, page.end_time))),
        ("count", json!(items.len())),
        ("end_of_stream", json!(page.end_of_stream)),
        ("end_time", json!(page.end_time)),
    ];
    Ok(reply(&Envelope { root, items, extra }, decision))
}

/// The cursor form of the metric events export (`page[size]`, `page[after]`), as
/// data integrations page it: `meta.has_more`, `meta.after_cursor` and
/// `links.next` [DOC; the Zendesk connector's paginator reads `links.next` and
/// `meta.has_more`]. A page ends at a change, so it may hold a few more events
/// than `page[size]` (the events of one change stay together).
fn metric_events_cursor(
    z: &Zendesk,
    p: &Params,
    base: &str,
    size: usize,
    decision: Option<crate::ratelimit::Decision>,
) -> Reply {
    let after = match p.page_after {
        Some(a) => a,
        None => (
            Key {
                ts: start_time(z, p)?,
                seq: 0,
            },
            0,
        ),
    };
    let store = z.store_read();
    let (cutoff, _) = window(z);
    let mut items: Vec<Value> = Vec::new();
    let mut last = after;
    let mut changes = store
        .log
        .after(Kind::TicketEvent, after.0)
        .take_while(|c| c.at <= cutoff);
    for c in changes.by_ref() {
        last = (c.key(), c.id);
        items.extend(metric_events(&store, c));
        if items.len() >= size {
            break;
        }
    }
    let has_more = changes.any(|c| !metric_events(&store, c).is_empty());
    let cursor = encode_cursor(last.0, last.1);
    let mut link = form_urlencoded::Serializer::new(String::new());
    link.append_pair("page[after]", &cursor)
        .append_pair("page[size]", &size.to_string());
    let next = format!(
        "{base}/api/v2/incremental/ticket_metric_events.json?{}",
        link.finish()
    );
    let extra = vec![
        (
            "meta",
            json!({"has_more": has_more, "after_cursor": cursor, "before_cursor": null}),
        ),
        (
            "links",
            json!({"prev": null, "next": if has_more { json!(next) } else { Value::Null }}),
        ),
    ];
    let root = "ticket_metric_events";
    Ok(reply(&Envelope { root, items, extra }, decision))
}

/// `GET /api/v2/incremental/ticket_events`.
pub async fn ticket_events(
    Account(z): Account,
    caller: Caller,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    events_export(&z, caller, q.as_deref(), &base, false)
}

/// `GET /api/v2/incremental/ticket_metric_events` (time-based form).
pub async fn ticket_metric_events(
    Account(z): Account,
    caller: Caller,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    events_export(&z, caller, q.as_deref(), &base, true)
}

//! Deleted tickets [DOC: Tickets, "Deleted tickets"; CAPTURE zenpy
//! TestDeletedTickets]: a deleted ticket is listed with who deleted it, when and
//! its status before, until it is restored or deleted for good.

use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::common::{Reply, Z};
use super::jobs::{ids_param, job_reply};
use crate::clock::iso_seconds;
use crate::vendors::zendesk::accounts::Account;
use crate::vendors::zendesk::error::{IdParam, ZendeskError};
use crate::vendors::zendesk::extract::BaseUrl;
use crate::vendors::zendesk::page;
use crate::vendors::zendesk::resource::listing::Query;
use crate::vendors::zendesk::store::Store;
use crate::vendors::zendesk::wire::json_response;

/// The most ids a `restore_many` or `destroy_many` takes \[DOC\].
const MAX_IDS: usize = 100;

/// `GET /api/v2/deleted_tickets`: `sort_by` `id` (the default), `subject` or
/// `deleted_at`, `sort_order` `asc` (the default) or `desc`; both paginations.
pub(super) async fn list(Account(z): Z, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let query = Query::parse(q.as_deref());
    let store = z.store_read();
    let mut items: Vec<(u64, Value)> = store
        .deleted_tickets
        .keys()
        .filter_map(|id| Some((*id, record(&store, *id)?)))
        .collect();
    let key = match query.get("sort_by") {
        None | Some("id") => None,
        Some(k @ ("subject" | "deleted_at")) => Some(k.to_owned()),
        Some(other) => {
            return Err(ZendeskError::BadRequest(format!(
                "sort_by {other} is not valid"
            )));
        }
    };
    if let Some(key) = key {
        items.sort_by(|a, b| {
            let text = |v: &Value| v[key.as_str()].as_str().unwrap_or_default().to_owned();
            text(&a.1).cmp(&text(&b.1)).then(a.0.cmp(&b.0))
        });
    }
    if query.get("sort_order") == Some("desc") {
        items.reverse();
    }
    page::list(
        "deleted_tickets",
        "/api/v2/deleted_tickets",
        "id",
        &items,
        &query.0,
        &base,
        &["sort_by", "sort_order"],
    )
    .map(|v| json_response(StatusCode::OK, &v))
}

/// One deleted ticket as the list shows it [DOC: id, subject, actor, deleted_at,
/// previous_state].
fn record(store: &Store, id: u64) -> Option<Value> {
    let ticket = store.deleted_tickets.get(&id)?;
    let deletion = store.deletions.get(&id);
    let actor = deletion.map(|d| d.actor);
    let name = actor
        .and_then(|a| store.users.get(&a))
        .map(|u| u.name.clone());
    Some(json!({
        "id": id,
        "subject": ticket.subject,
        "actor": {"id": actor, "name": name},
        "deleted_at": deletion.map(|d| iso_seconds(d.at)),
        "previous_state": deletion.map(|d| d.previous_state.as_str()),
    }))
}

/// `PUT /api/v2/deleted_tickets/{id}/restore`: 200 with `{}` [CAPTURE zenpy].
pub(super) async fn restore(Account(z): Z, IdParam(id): IdParam) -> Reply {
    let now = z.now();
    z.store().restore_ticket(id, now)?;
    Ok(json_response(StatusCode::OK, &json!({})))
}

/// `PUT /api/v2/deleted_tickets/restore_many?ids=1,2`: 200, empty \[DOC\]. An id
/// that is not a deleted ticket is a 404 and nothing is restored (UNVERIFIED).
pub(super) async fn restore_many(Account(z): Z, RawQuery(q): RawQuery) -> Reply {
    let ids = required_ids(q.as_deref())?;
    let now = z.now();
    let mut store = z.store();
    if ids.iter().any(|id| !store.deleted_tickets.contains_key(id)) {
        return Err(ZendeskError::RecordNotFound);
    }
    for id in ids {
        store.restore_ticket(id, now)?;
    }
    Ok(StatusCode::OK.into_response())
}

/// `DELETE /api/v2/deleted_tickets/{id}`: deleted for good, answered with a job
/// status (200, `queued`) whose results read `{"success": true}` [CAPTURE zenpy].
pub(super) async fn purge(Account(z): Z, IdParam(id): IdParam, BaseUrl(base): BaseUrl) -> Reply {
    let now = z.now();
    let mut store = z.store();
    store.purge_ticket(id)?;
    let job = store.add_job(
        "Permanently Delete Ticket",
        1,
        json!({"success": true}),
        now,
    );
    Ok(job_reply(&base, &store.jobs[&job], false))
}

/// `DELETE /api/v2/deleted_tickets/destroy_many?ids=1,2` (at most 100): a job
/// status with one result per id.
pub(super) async fn purge_many(
    Account(z): Z,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let ids = required_ids(q.as_deref())?;
    let now = z.now();
    let mut store = z.store();
    let results: Vec<Value> = ids
        .iter()
        .map(|&id| match store.purge_ticket(id) {
            Ok(()) => json!({"id": id, "success": true}),
            Err(_) => json!({"id": id, "success": false, "error": "RecordNotFound"}),
        })
        .collect();
    let job = store.add_job("Permanently Delete Ticket", ids.len(), results, now);
    Ok(job_reply(&base, &store.jobs[&job], false))
}

/// The `ids` a bulk call needs: present, and at most [`MAX_IDS`].
fn required_ids(q: Option<&str>) -> Result<Vec<u64>, ZendeskError> {
    let ids = ids_param(q)?.ok_or_else(|| {
        ZendeskError::BadRequest("param is missing or the value is empty: ids".to_owned())
    })?;
    if ids.len() > MAX_IDS {
        // Text UNVERIFIED; the limit is documented.
        return Err(ZendeskError::BadRequest(format!(
            "Too many ids: at most {MAX_IDS} are allowed"
        )));
    }
    Ok(ids)
}

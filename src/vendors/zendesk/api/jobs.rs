//! Bulk calls and the job statuses they answer with (REFERENCE 1.5).

use std::net::SocketAddr;

use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::{Extension, extract::ConnectInfo};
use serde_json::{Value, json};

use super::common::{Reply, Z, actor, query_pairs, root};
use crate::clock::iso_seconds;
use crate::vendors::zendesk::accounts::Account;
use crate::vendors::zendesk::error::{KeyParam, ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::{BaseUrl, Caller, base_url};
use crate::vendors::zendesk::store::{Job, Store};
use crate::vendors::zendesk::wire::{TicketInput, json_response};

/// The most items a bulk call accepts.
pub(super) const MAX_BULK: usize = 100;
/// Reads `{"<key>":[...]}` of a bulk call (`tickets`, `users`), refusing more
/// than 100 items.
pub(super) fn bulk_items<'a>(body: &'a Value, key: &str) -> Result<&'a Vec<Value>, ZendeskError> {
    let items = root(body, key)?
        .as_array()
        .ok_or_else(|| ZendeskError::BadRequest(format!("{key} must be an array")))?;
    if items.len() > MAX_BULK {
        return Err(ZendeskError::TooManyValues);
    }
    Ok(items)
}

pub(super) fn ids_param(q: Option<&str>) -> Result<Option<Vec<u64>>, ZendeskError> {
    let Some((_, raw)) = query_pairs(q).into_iter().find(|(k, _)| k == "ids") else {
        return Ok(None);
    };
    let ids: Vec<u64> = raw
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse()
                .map_err(|_| ZendeskError::BadRequest(format!("ids: `{s}` is not an id")))
        })
        .collect::<Result<_, _>>()?;
    if ids.len() > MAX_BULK {
        return Err(ZendeskError::TooManyValues);
    }
    Ok(Some(ids))
}

pub(super) fn failure_text(e: &ZendeskError) -> String {
    match e {
        ZendeskError::RecordInvalid(d) => d
            .values()
            .flatten()
            .map(|f| f.description.clone())
            .collect::<Vec<_>>()
            .join(", "),
        other => other.status_and_body().1["description"]
            .as_str()
            .unwrap_or("failed")
            .to_owned(),
    }
}

pub(super) async fn create_many(
    Account(z): Z,
    caller: Caller,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let items = bulk_items(&body, "tickets")?;
    let who = actor(caller, &headers, peer.map(|c| c.0.0));
    let now = z.now();
    let mut store = z.store();
    let account_id = store.account_id();
    let results: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let created = TicketInput::parse(item, z.settings().unknown_fields).and_then(|i| store.create_ticket(&who, i, now));
            match created {
                Ok((id, _)) => json!({"index": index, "id": id, "account_id": account_id}),
                Err(e) => json!({"index": index, "error": "TicketCreateFailed", "details": failure_text(&e)}),
            }
        })
        .collect();
    let id = store.add_job("Bulk Create Ticket", items.len(), results, now);
    Ok(job_reply(&base_url(&headers), &store.jobs[&id], false))
}

pub(super) async fn update_many(
    Account(z): Z,
    caller: Caller,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    // Two forms: `?ids=1,2` with one `{"ticket":{...}}`, or `{"tickets":[{id,...}]}`.
    let updates: Vec<(Option<u64>, &Value)> = match ids_param(q.as_deref())? {
        Some(ids) => {
            let one = root(&body, "ticket")?;
            ids.into_iter().map(|id| (Some(id), one)).collect()
        }
        None => bulk_items(&body, "tickets")?
            .iter()
            .map(|t| (t.get("id").and_then(Value::as_u64), t))
            .collect(),
    };
    let who = actor(caller, &headers, peer.map(|c| c.0.0));
    let now = z.now();
    let mut store = z.store();
    let results: Vec<Value> = updates
        .iter()
        .map(|(id, item)| {
            let outcome = id
                .ok_or(ZendeskError::RecordNotFound)
                .and_then(|id| TicketInput::parse(item, z.settings().unknown_fields).map(|i| (id, i)))
                .and_then(|(id, i)| store.update_ticket(&who, id, i, now));
            match outcome {
                Ok(_) => Store::updated_result(id),
                Err(e) => json!({"action": "update", "status": "Failed", "success": false, "id": id, "error": "TicketUpdateFailed", "details": failure_text(&e)}),
            }
        })
        .collect();
    let id = store.add_job("Bulk Update Ticket", updates.len(), results, now);
    Ok(job_reply(&base_url(&headers), &store.jobs[&id], false))
}

pub(super) async fn destroy_many(
    Account(z): Z,
    caller: Caller,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let ids = ids_param(q.as_deref())?.ok_or_else(|| {
        ZendeskError::BadRequest("param is missing or the value is empty: ids".to_owned())
    })?;
    let now = z.now();
    let mut store = z.store();
    let results: Vec<Value> = ids
        .iter()
        .map(|&id| match store.delete_ticket(id, caller.0, now) {
            Ok(()) => json!({"action": "destroy", "status": "Deleted", "success": true, "id": id}),
            Err(e) => json!({"action": "destroy", "status": "Failed", "success": false, "id": id, "error": "TicketDeleteFailed", "details": failure_text(&e)}),
        })
        .collect();
    // Vendor quirk: destroy_many reports job_type "Bulk Update Ticket" (capture).
    let id = store.add_job("Bulk Update Ticket", ids.len(), results, now);
    Ok(job_reply(&base, &store.jobs[&id], false))
}

pub(super) async fn show_job(
    Account(z): Z,
    KeyParam(id): KeyParam,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let store = z.store_read();
    let job = store.jobs.get(&id).ok_or(ZendeskError::RecordNotFound)?;
    Ok(job_reply(&base, job, true))
}

/// `GET /job_statuses` \[DOC\]: the account's jobs, "sorted first by completion date
/// and then by creation date in descending order", cursor-paged. The fake does a
/// job's work at once, so both dates are the same and the newest job is first.
pub(super) async fn list_jobs(
    Account(z): Z,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let store = z.store_read();
    let mut jobs: Vec<&Job> = store.jobs.values().collect();
    jobs.sort_by(|a, b| b.completed_at.cmp(&a.completed_at).then(b.seq.cmp(&a.seq)));
    let items: Vec<(u64, Value)> = jobs
        .iter()
        .enumerate()
        .map(|(i, j)| (i as u64 + 1, job_status(&base, j, true)))
        .collect();
    let query = query_pairs(q.as_deref());
    let page = crate::vendors::zendesk::page::list(
        "job_statuses",
        "/api/v2/job_statuses",
        "-completed_at",
        &items,
        &query,
        &base,
        &[],
    )?;
    Ok(json_response(StatusCode::OK, &page))
}

/// `GET /job_statuses/show_many?ids=a,b` \[DOC\]: the jobs named, in the order
/// given; unknown ids are left out.
pub(super) async fn show_many_jobs(
    Account(z): Z,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let query = query_pairs(q.as_deref());
    let ids = query
        .iter()
        .find(|(k, _)| k == "ids")
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| ZendeskError::invalid("ids", "Ids: is required", "InvalidValue"))?;
    let store = z.store_read();
    let found: Vec<Value> = ids
        .split(',')
        .filter_map(|id| store.jobs.get(id.trim()))
        .map(|j| job_status(&base, j, true))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"job_statuses": found}),
    ))
}

/// `POST /tickets?async=true`: \[DOC\] "the quicker response will contain the id of
/// the ticket to be created as well as a job_status object ... no other ticket
/// information". The fake creates the ticket at once; the job reads `queued`, then
/// `completed` when polled. Status 202 and the job type are UNVERIFIED.
pub(super) fn async_created(
    store: &mut Store,
    base: &str,
    id: u64,
    now: time::OffsetDateTime,
) -> Response {
    let account_id = store.account_id();
    let results = vec![json!({"index": 0, "id": id, "account_id": account_id})];
    let job = store.add_job("Create Ticket", 1, results, now);
    let body =
        json!({"ticket": {"id": id}, "job_status": job_status(base, &store.jobs[&job], false)});
    json_response(StatusCode::ACCEPTED, &body)
}

/// A job status: `queued` right after the bulk call, `completed` when polled.
pub(super) fn job_reply(base: &str, job: &Job, polled: bool) -> Response {
    json_response(
        StatusCode::OK,
        &json!({"job_status": job_status(base, job, polled)}),
    )
}

pub(super) fn job_status(base: &str, job: &Job, polled: bool) -> Value {
    let url = format!("{base}/api/v2/job_statuses/{}.json", job.id);
    if polled {
        let at = iso_seconds(job.completed_at)
            .replace('T', " ")
            .replace('Z', " +0000");
        json!({"id": job.id, "job_type": job.job_type, "url": url, "total": job.total, "progress": job.total, "status": "completed", "message": format!("Completed at {at}"), "results": job.results})
    } else {
        json!({"id": job.id, "job_type": job.job_type, "url": url, "total": job.total, "progress": null, "status": "queued", "message": null, "results": null})
    }
}

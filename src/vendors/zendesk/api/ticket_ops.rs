//! Ticket operations beside create and update: merging, imports, redacting a
//! comment, making a comment private, marking as spam, and a ticket's related
//! counts.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Extension, Router, extract::ConnectInfo};
use serde_json::{Value, json};

use super::common::{Reply, Z, actor, root};
use super::jobs::{bulk_items, failure_text, ids_param, job_reply};
use crate::vendors::zendesk::accounts::Account;
use crate::vendors::zendesk::error::{IdParam, ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::{BaseUrl, Caller, RouteJson, base_url};
use crate::vendors::zendesk::fake::Zendesk;
use crate::vendors::zendesk::resource::routes::{Ids, require_staff};
use crate::vendors::zendesk::resource::spec::id_of;
use crate::vendors::zendesk::store::{Merge, Store};
use crate::vendors::zendesk::wire::{Role, TicketImport, TicketOut, json_response};

/// The routes of this file.
pub(super) fn routes() -> Router<Arc<Zendesk>> {
    Router::new()
        .route_json("/api/v2/tickets/{ticket_id}/merge", post(merge))
        .route_json("/api/v2/imports/tickets", post(import))
        .route_json(
            "/api/v2/imports/tickets/create_many",
            post(import_many),
        )
        .route_json("/api/v2/tickets/{ticket_id}/related", get(related))
        .route_json(
            "/api/v2/tickets/{ticket_id}/mark_as_spam",
            put(mark_as_spam),
        )
        .route_json(
            "/api/v2/tickets/mark_many_as_spam",
            put(mark_many_as_spam),
        )
        .route_json(
            "/api/v2/tickets/{ticket_id}/comments/{comment_id}/redact",
            put(redact),
        )
        .route_json(
            "/api/v2/tickets/{ticket_id}/comments/{comment_id}/make_private",
            put(make_private),
        )
        .route_json(
            "/api/v2/tickets/{ticket_id}/comments/{comment_id}/attachments/{attachment_id}/redact",
            put(redact_attachment),
        )
        .route_json(
            "/api/v2/comment_redactions/{comment_id}",
            put(comment_redaction),
        )
}

/// The ids a merge names: `ids`, a list of ticket ids (numbers or numeric
/// strings); at most 5 a merge in Zendesk's agent interface, not limited here.
fn merge_input(body: &Value) -> Result<Merge, ZendeskError> {
    let ids = body
        .get("ids")
        .and_then(Value::as_array)
        .ok_or_else(|| ZendeskError::BadRequest("param is missing or the value is empty: ids".to_owned()))?;
    let sources = ids
        .iter()
        .map(id_of)
        .collect::<Option<Vec<u64>>>()
        .ok_or_else(|| ZendeskError::BadRequest("ids: must be ticket ids".to_owned()))?;
    // A ticket named twice is merged once.
    let mut sources = sources;
    let mut seen = std::collections::BTreeSet::new();
    sources.retain(|id| seen.insert(*id));
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    let flag = |k: &str| body.get(k).and_then(Value::as_bool).unwrap_or(false);
    Ok(Merge {
        sources,
        target_comment: text("target_comment"),
        source_comment: text("source_comment"),
        target_comment_is_public: flag("target_comment_is_public"),
        source_comment_is_public: flag("source_comment_is_public"),
    })
}

/// `POST /tickets/{id}/merge` [DOC: Merge Tickets into Target Ticket]: a job
/// status, `queued`, whose results name each ticket updated (the shape of the
/// documented example; the job type is UNVERIFIED).
pub(super) async fn merge(
    Account(z): Z,
    caller: Caller,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    IdParam(target): IdParam,
    headers: HeaderMap,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let m = merge_input(&body)?;
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let who = actor(caller, &headers, peer.map(|c| c.0.0));
    let changed = store.merge_tickets(&who, target, &m, now)?;
    let results: Vec<Value> = changed
        .iter()
        .map(Store::updated_result)
        .collect();
    let job = store.add_job("Merge Tickets", changed.len(), results, now);
    Ok(job_reply(&base_url(&headers), &store.jobs[&job], false))
}

/// `PUT /tickets/{id}/comments/{comment_id}/redact` with `{"text": ...}` [DOC:
/// Redact String in Comment]: 200 with the comment as it now reads.
pub(super) async fn redact(
    Account(z): Z,
    caller: Caller,
    Ids(ids, _): Ids,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let [ticket, comment] = ids[..] else {
        return Err(ZendeskError::RecordNotFound);
    };
    let text = body
        .get("text")
        .and_then(Value::as_str)
        .ok_or_else(|| ZendeskError::BadRequest("param is missing or the value is empty: text".to_owned()))?;
    let mut store = z.store();
    require_staff(&store, caller)?;
    let redacted = store.redact_comment(ticket, comment, text)?;
    Ok(json_response(StatusCode::OK, &json!({"comment": redacted})))
}

/// `PUT /tickets/{id}/comments/{comment_id}/attachments/{attachment_id}/redact`
/// [DOC: Redact Comment Attachment]: 200 `{"attachment": ...}` [CAPTURE shape,
/// reference 4.4].
pub(super) async fn redact_attachment(Account(z): Z, caller: Caller, Ids(ids, _): Ids) -> Reply {
    let [ticket, comment, attachment] = ids[..] else {
        return Err(ZendeskError::RecordNotFound);
    };
    let mut store = z.store();
    require_staff(&store, caller)?;
    let shown = store.redact_attachment(ticket, comment, attachment)?;
    Ok(json_response(StatusCode::OK, &json!({"attachment": shown})))
}

/// `PUT /comment_redactions/{comment_id}` with `{"ticket_id", "html_body"}`
/// [DOC: Redact Ticket Comment In Agent Workspace]: the text inside each
/// `<redact>` tag of `html_body` is redacted from the comment as `redact`
/// does; 200 `{"comment": ...}` (the body's shape UNVERIFIED).
pub(super) async fn comment_redaction(
    Account(z): Z,
    caller: Caller,
    IdParam(comment): IdParam,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let ticket = body
        .get("ticket_id")
        .and_then(id_of)
        .ok_or_else(|| ZendeskError::BadRequest("param is missing or the value is empty: ticket_id".to_owned()))?;
    let html = body.get("html_body").and_then(Value::as_str).unwrap_or_default();
    let marked: Vec<String> = html
        .split("<redact>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</redact>").map(|(inner, _)| crate::vendors::zendesk::wire::strip_tags(inner)))
        .filter(|t| !t.is_empty())
        .collect();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let mut shown = store
        .ticket(ticket)?
        .comments
        .iter()
        .find(|c| c.id == comment)
        .cloned()
        .ok_or(ZendeskError::RecordNotFound)?;
    for text in &marked {
        shown = store.redact_comment(ticket, comment, text)?;
    }
    Ok(json_response(StatusCode::OK, &json!({"comment": shown})))
}

/// `PUT /tickets/{id}/comments/{comment_id}/make_private` [DOC: Make Comment
/// Private]: 200 with no body (UNVERIFIED).
pub(super) async fn make_private(Account(z): Z, caller: Caller, Ids(ids, _): Ids) -> Reply {
    let [ticket, comment] = ids[..] else {
        return Err(ZendeskError::RecordNotFound);
    };
    let mut store = z.store();
    require_staff(&store, caller)?;
    store.make_comment_private(ticket, comment)?;
    Ok(StatusCode::OK.into_response())
}

/// `PUT /tickets/{id}/mark_as_spam` [DOC: Mark Ticket as Spam and Suspend
/// Requester]: 200 with no body (UNVERIFIED); the ticket is deleted.
pub(super) async fn mark_as_spam(Account(z): Z, caller: Caller, IdParam(id): IdParam) -> Reply {
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, caller)?;
    store.mark_as_spam(id, caller.0, now)?;
    Ok(StatusCode::OK.into_response())
}

/// `PUT /tickets/mark_many_as_spam?ids=` [DOC: Bulk Mark Tickets as Spam]: a job
/// status, one result per ticket.
pub(super) async fn mark_many_as_spam(
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
    require_staff(&store, caller)?;
    let results: Vec<Value> = ids
        .iter()
        .map(|&id| match store.mark_as_spam(id, caller.0, now) {
            Ok(()) => Store::updated_result(id),
            Err(e) => json!({"action": "update", "id": id, "status": "Failed", "success": false, "error": "TicketUpdateFailed", "details": failure_text(&e)}),
        })
        .collect();
    let job = store.add_job("Bulk Mark Tickets as Spam", ids.len(), results, now);
    Ok(job_reply(&base, &store.jobs[&job], false))
}

/// `GET /tickets/{id}/related` [DOC: Ticket Related Information]: how many
/// incidents name the ticket, and the links a ticket of the API channel has
/// none of.
pub(super) async fn related(Account(z): Z, IdParam(id): IdParam) -> Reply {
    let store = z.store_read();
    store.ticket(id)?;
    let incidents = store
        .tickets
        .values()
        .filter(|t| t.problem_id == Some(id))
        .count();
    Ok(json_response(
        StatusCode::OK,
        &json!({"ticket_related": {
            "topic_id": null, "jira_issue_ids": [], "followup_source_ids": [],
            "from_archive": false, "incidents": incidents,
        }}),
    ))
}

/// Ticket imports are for admins only [DOC: Ticket Import, "Allowed For: Admins"].
fn require_admin(store: &Store, caller: Caller) -> Result<(), ZendeskError> {
    if store.user(caller.0)?.role == Role::Admin {
        Ok(())
    } else {
        Err(ZendeskError::Forbidden)
    }
}

/// `POST /imports/tickets` [DOC: Ticket Import]: 201 `{"ticket": ...}`, the
/// ticket with its comments and times as imported. `archive_immediately` is
/// accepted; the fake keeps no archive.
pub(super) async fn import(
    Account(z): Z,
    caller: Caller,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let import = TicketImport::parse(root(&body, "ticket")?, z.settings().unknown_fields)?;
    let now = z.now();
    let mut store = z.store();
    require_admin(&store, caller)?;
    let who = actor(caller, &headers, peer.map(|c| c.0.0));
    let id = store.import_ticket(&who, import, now)?;
    let base = base_url(&headers);
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "ticket": TicketOut::new(&base, store.ticket(id)?) }),
    ))
}

/// `POST /imports/tickets/create_many` [DOC: Ticket Bulk Import]: at most 100
/// tickets, a job status with `{index, id}` per ticket (as `create_many`).
pub(super) async fn import_many(
    Account(z): Z,
    caller: Caller,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let items = bulk_items(&body, "tickets")?;
    let now = z.now();
    let mut store = z.store();
    require_admin(&store, caller)?;
    let who = actor(caller, &headers, peer.map(|c| c.0.0));
    let account_id = store.account_id();
    let results: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let imported = TicketImport::parse(item, z.settings().unknown_fields)
                .and_then(|i| store.import_ticket(&who, i, now));
            match imported {
                Ok(id) => json!({"index": index, "id": id, "account_id": account_id}),
                Err(e) => json!({"index": index, "error": "TicketCreateFailed", "details": failure_text(&e)}),
            }
        })
        .collect();
    let job = store.add_job("Bulk Import Tickets", items.len(), results, now);
    Ok(job_reply(&base_url(&headers), &store.jobs[&job], false))
}

//! Tickets: create, update, delete, the list's rate limit, and a ticket's comments.

use std::net::SocketAddr;

use axum::extract::RawQuery;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::{Extension, extract::ConnectInfo};

use super::common::{Reply, Z, actor, query_pairs, root, ticket_and_audit, with_warning};
use super::jobs::async_created;
use crate::vendors::zendesk::accounts::Account;
use crate::vendors::zendesk::error::{IdParam, ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::{BaseUrl, Caller, base_url};
use crate::vendors::zendesk::page;
use crate::vendors::zendesk::resource::listing::{self, Query};
use crate::vendors::zendesk::resource::typed::TICKETS;
use crate::vendors::zendesk::wire::{Comment, TicketInput, api_warning, json_response};

pub(super) async fn create_ticket(
    Account(z): Z,
    caller: Caller,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = TicketInput::parse(root(&body, "ticket")?, z.settings().unknown_fields)?;
    let warning = api_warning("tickets", "create", "ticket", &input.ignored);
    let base = base_url(&headers);
    let now = z.now();
    let mut store = z.store();
    let (id, audit_id) =
        store.create_ticket(&actor(caller, &headers, peer.map(|c| c.0.0)), input, now)?;
    if query_pairs(q.as_deref())
        .iter()
        .any(|(k, v)| k == "async" && v == "true")
    {
        return Ok(with_warning(
            async_created(&mut store, &base, id, now),
            warning,
        ));
    }
    let mut res = json_response(
        StatusCode::CREATED,
        &ticket_and_audit(&store, &base, id, audit_id)?,
    );
    if let Ok(loc) = HeaderValue::from_str(&format!("{base}/api/v2/tickets/{id}.json")) {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(with_warning(res, warning))
}

pub(super) async fn update_ticket(
    Account(z): Z,
    caller: Caller,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    IdParam(id): IdParam,
    headers: HeaderMap,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = TicketInput::parse(root(&body, "ticket")?, z.settings().unknown_fields)?;
    let warning = api_warning("tickets", "update", "ticket", &input.ignored);
    let base = base_url(&headers);
    let now = z.now();
    let mut store = z.store();
    z.hit_ticket_update(&mut store, id, caller.0)?;
    let audit_id = store.update_ticket(
        &actor(caller, &headers, peer.map(|c| c.0.0)),
        id,
        input,
        now,
    )?;
    let res = json_response(
        StatusCode::OK,
        &ticket_and_audit(&store, &base, id, audit_id)?,
    );
    Ok(with_warning(res, warning))
}

pub(super) async fn delete_ticket(Account(z): Z, caller: Caller, IdParam(id): IdParam) -> Reply {
    let now = z.now();
    z.store().delete_ticket(id, caller.0, now)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn list_tickets(
    Account(z): Z,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let index = z.hit_tickets_index();
    if let Some(d) = index.filter(|d| !d.allowed) {
        return Err(ZendeskError::RateLimited(d.reset_secs));
    }
    let query = Query::parse(q.as_deref());
    let page = listing::list(&TICKETS, &z.store_read(), &base, &query)?;
    let mut res = json_response(StatusCode::OK, &page);
    if let Some(d) = index {
        let v = format!(
            "total={}; remaining={}; resets={}",
            d.limit, d.remaining, d.reset_secs
        );
        if let Ok(v) = HeaderValue::from_str(&v) {
            res.headers_mut()
                .insert("zendesk-ratelimit-tickets-index", v);
        }
    }
    Ok(res)
}

pub(super) async fn list_comments(
    Account(z): Z,
    IdParam(id): IdParam,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let query = query_pairs(q.as_deref());
    let store = z.store_read();
    let items: Vec<(u64, &Comment)> = store
        .ticket(id)?
        .comments
        .iter()
        .map(|c| (c.id, c))
        .collect();
    let path = format!("/api/v2/tickets/{id}/comments");
    let page = page::list("comments", &path, "id", &items, &query, &base, &[])?;
    Ok(json_response(StatusCode::OK, &page))
}

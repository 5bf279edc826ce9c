//! Tags (exports-search-orgs reference 7.2 and 7.3): the account's tags with
//! their counts, and a ticket's tags set, added to and removed through the ticket
//! lifecycle (so each change is audited and fires triggers).

use crate::vendors::zendesk::accounts::Account;
use std::collections::BTreeMap;

use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::get;
use serde_json::{Value, json};

use super::listing::{Query, count_body};
use super::routes::{Peer, Reply, Routes, Z, ok};
use crate::vendors::zendesk::error::{IdParam, ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::{BaseUrl, Caller};
use crate::vendors::zendesk::page;
use crate::vendors::zendesk::store::{Actor, Store};
use crate::vendors::zendesk::wire::{TicketInput, json_response};

/// The routes of this file.
pub fn routes(r: Routes) -> Routes {
    r.add("/api/v2/tags", &["GET"], get(list))
        .add("/api/v2/tags/count", &["GET"], get(count))
        .add(
            "/api/v2/tickets/{ticket_id}/tags",
            &["GET", "POST", "PUT", "DELETE"],
            get(show).post(set).put(add).delete(remove),
        )
}

/// Every tag on tickets, users and organizations with how many carry it, most
/// used first.
pub fn account_tags(store: &Store) -> Vec<(String, u64)> {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let tickets = store.tickets.values().flat_map(|t| t.tags.iter().cloned());
    let users = store.users.values().flat_map(|u| u.tags.iter().cloned());
    let orgs = store
        .organizations()
        .flat_map(|o| o["tags"].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v.as_str().map(str::to_owned));
    for tag in tickets.chain(users).chain(orgs) {
        *counts.entry(tag).or_default() += 1;
    }
    let mut all: Vec<(String, u64)> = counts.into_iter().collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    all
}

async fn list(Account(z): Z, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let items: Vec<(u64, Value)> = account_tags(&store)
        .into_iter()
        .enumerate()
        .map(|(i, (name, count))| (i as u64 + 1, json!({"name": name, "count": count})))
        .collect();
    let q = Query::parse(q.as_deref());
    // The cursor's order is `-score,id` [CAPTURE].
    page::list(
        "tags",
        "/api/v2/tags",
        "-score,id",
        &items,
        &q.0,
        &base,
        &[],
    )
    .map(|v| ok(&v))
}

async fn count(Account(z): Z) -> Reply {
    let n = account_tags(&z.store_read()).len();
    Ok(ok(&count_body(n, z.now())))
}

async fn show(Account(z): Z, IdParam(id): IdParam) -> Reply {
    let store = z.store_read();
    Ok(ok(&json!({"tags": store.ticket(id)?.tags})))
}

/// `{"tags": [...]}` of a tags call (a list or a comma-separated string).
fn tags_of(body: &Value) -> Result<Value, ZendeskError> {
    match body.get("tags") {
        Some(Value::Array(a)) => Ok(Value::Array(a.clone())),
        Some(Value::String(s)) => Ok(s
            .split([',', ' '])
            .filter(|t| !t.is_empty())
            .map(|t| json!(t))
            .collect()),
        _ => Err(ZendeskError::BadRequest(
            "param is missing or the value is empty: tags".to_owned(),
        )),
    }
}

fn change(
    z: &crate::vendors::zendesk::fake::Zendesk,
    caller: Caller,
    peer: Peer,
    headers: &HeaderMap,
    id: u64,
    input: Value,
) -> Result<Vec<String>, ZendeskError> {
    let input = TicketInput::parse(&input, z.settings().unknown_fields)?;
    let actor = Actor {
        user_id: caller.0,
        client: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        ip_address: peer.map_or_else(|| "127.0.0.1".to_owned(), |p| p.0.0.ip().to_string()),
        channel: "api",
    };
    let now = z.now();
    let mut store = z.store();
    store.update_ticket(&actor, id, input, now)?;
    Ok(store.ticket(id)?.tags.clone())
}

/// `POST`: replaces the ticket's tags (201).
async fn set(
    Account(z): Z,
    c: Caller,
    p: Peer,
    IdParam(id): IdParam,
    h: HeaderMap,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let tags = change(&z, c, p, &h, id, json!({"tags": tags_of(&body)?}))?;
    Ok(json_response(StatusCode::CREATED, &json!({"tags": tags})))
}

/// `PUT`: adds to the ticket's tags.
async fn add(
    Account(z): Z,
    c: Caller,
    p: Peer,
    IdParam(id): IdParam,
    h: HeaderMap,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let tags = change(
        &z,
        c,
        p,
        &h,
        id,
        json!({"additional_tags": tags_of(&body)?}),
    )?;
    Ok(ok(&json!({"tags": tags})))
}

/// `DELETE`: removes from the ticket's tags, named in the body or as `?tags=`.
async fn remove(
    Account(z): Z,
    c: Caller,
    p: Peer,
    IdParam(id): IdParam,
    h: HeaderMap,
    RawQuery(q): RawQuery,
    body: axum::body::Bytes,
) -> Reply {
    let q = Query::parse(q.as_deref());
    let named = match q.get("tags") {
        Some(t) => tags_of(&json!({"tags": t}))?,
        None => {
            let body: Value = serde_json::from_slice(&body).map_err(|e| {
                ZendeskError::BadRequest(format!("Request body is not valid JSON: {e}"))
            })?;
            tags_of(&body)?
        }
    };
    let tags = change(&z, c, p, &h, id, json!({"remove_tags": named}))?;
    Ok(ok(&json!({"tags": tags})))
}

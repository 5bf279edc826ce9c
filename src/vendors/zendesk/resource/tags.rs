//! Tags (exports-search-orgs reference 7.2 and 7.3): the account's tags with
//! their counts, and a ticket's tags set, added to and removed through the ticket
//! lifecycle (so each change is audited and fires triggers); a user's and an
//! organization's tags through their own updates (reference 7.2: the same
//! endpoints exist for both).

use crate::vendors::zendesk::accounts::Account;
use std::collections::BTreeMap;

use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode, header};
use std::sync::Arc;

use axum::routing::{MethodRouter, get};
use serde_json::{Value, json};

use super::listing::{Query, count_body};
use super::orgs::ORGANIZATIONS;
use super::routes::{Peer, Reply, Routes, Z, ok};
use crate::vendors::zendesk::error::{IdParam, ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::{BaseUrl, Caller};
use crate::vendors::zendesk::fake::Zendesk;
use crate::vendors::zendesk::page;
use crate::vendors::zendesk::store::{Actor, Store};
use crate::vendors::zendesk::wire::{TicketInput, UserInput, json_response};
use bytes::Bytes;

/// The routes of this file.
pub fn routes(r: Routes) -> Routes {
    r.add("/api/v2/tags", &["GET"], get(list))
        .add("/api/v2/tags/count", &["GET"], get(count))
        .add(
            "/api/v2/tickets/{ticket_id}/tags",
            &["GET", "POST", "PUT", "DELETE"],
            get(show).post(set).put(add).delete(remove),
        )
        .add(
            "/api/v2/users/{user_id}/tags",
            &["GET", "POST", "PUT", "DELETE"],
            owner_routes(Owner::User),
        )
        .add(
            "/api/v2/organizations/{organization_id}/tags",
            &["GET", "POST", "PUT", "DELETE"],
            owner_routes(Owner::Organization),
        )
}

/// `GET`, `POST` (set), `PUT` (add) and `DELETE` (remove) on a user's or an
/// organization's tags.
fn owner_routes(owner: Owner) -> MethodRouter<Arc<Zendesk>> {
    get(move |z: Z, id: IdParam| show_of(z, id, owner))
        .post(
            move |z: Z, c: Caller, p: Peer, id: IdParam, b: ZendeskJson| {
                edit_of(z, c, p, id, owner, Edit::Set, b)
            },
        )
        .put(
            move |z: Z, c: Caller, p: Peer, id: IdParam, b: ZendeskJson| {
                edit_of(z, c, p, id, owner, Edit::Add, b)
            },
        )
        .delete(
            move |z: Z, c: Caller, p: Peer, id: IdParam, q: RawQuery, b: Bytes| {
                remove_of(z, c, p, id, owner, q, b)
            },
        )
}

/// Whose tags a call is about, besides tickets.
#[derive(Clone, Copy)]
enum Owner {
    User,
    Organization,
}

/// What a write does with the tags it names.
#[derive(Clone, Copy)]
enum Edit {
    /// `POST`: replaces them (201).
    Set,
    /// `PUT`: adds to them.
    Add,
    /// `DELETE`: removes them.
    Remove,
}

/// The owner's tags; a missing owner is a 404.
fn tags_of_owner(store: &Store, owner: Owner, id: u64) -> Result<Vec<String>, ZendeskError> {
    match owner {
        Owner::User => Ok(store.user(id)?.tags.clone()),
        Owner::Organization => {
            let org = store.organization(id).ok_or(ZendeskError::RecordNotFound)?;
            Ok(org["tags"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default())
        }
    }
}

async fn show_of(Account(z): Z, IdParam(id): IdParam, owner: Owner) -> Reply {
    let tags = tags_of_owner(&z.store_read(), owner, id)?;
    Ok(ok(&json!({"tags": tags})))
}

async fn edit_of(
    Account(z): Z,
    caller: Caller,
    peer: Peer,
    IdParam(id): IdParam,
    owner: Owner,
    edit: Edit,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let named = tags_of(&body)?;
    let tags = edit_owner(&z, caller, peer, id, owner, edit, &named)?;
    let status = match edit {
        Edit::Set => StatusCode::CREATED,
        Edit::Add | Edit::Remove => StatusCode::OK,
    };
    Ok(json_response(status, &json!({"tags": tags})))
}

async fn remove_of(
    Account(z): Z,
    caller: Caller,
    peer: Peer,
    IdParam(id): IdParam,
    owner: Owner,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Reply {
    let named = removed_tags(q.as_deref(), &body)?;
    let tags = edit_owner(&z, caller, peer, id, owner, Edit::Remove, &named)?;
    Ok(ok(&json!({"tags": tags})))
}

/// Applies `edit` with the `named` tags to a user's or organization's tags,
/// through the owner's own update (logged, and for organizations audited);
/// returns the tags after.
fn edit_owner(
    z: &crate::vendors::zendesk::fake::Zendesk,
    caller: Caller,
    peer: Peer,
    id: u64,
    owner: Owner,
    edit: Edit,
    named: &Value,
) -> Result<Vec<String>, ZendeskError> {
    // Tags are lowercase words, each once (as on tickets).
    let named: Vec<String> = named
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .flat_map(str::split_whitespace)
        .map(str::to_lowercase)
        .collect();
    let now = z.now();
    let mut store = z.store();
    let mut tags = tags_of_owner(&store, owner, id)?;
    match edit {
        Edit::Set => tags.clear(),
        Edit::Add => {}
        Edit::Remove => tags.retain(|t| !named.contains(t)),
    }
    if !matches!(edit, Edit::Remove) {
        for t in named {
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
    }
    match owner {
        Owner::User => {
            let input = UserInput::parse(&json!({"tags": tags}), z.settings().unknown_fields)?;
            store.update_user(id, input, now)?;
        }
        Owner::Organization => {
            let who = super::routes::who(caller, peer);
            super::engine::update(
                &ORGANIZATIONS,
                &mut store,
                &who,
                id,
                &json!({"tags": tags}),
                now,
            )?;
        }
    }
    tags_of_owner(&store, owner, id)
}

/// The tags a `DELETE` names: `?tags=a,b`, or `{"tags": [...]}` in its body.
fn removed_tags(q: Option<&str>, body: &[u8]) -> Result<Value, ZendeskError> {
    let q = Query::parse(q);
    match q.get("tags") {
        Some(t) => tags_of(&json!({"tags": t})),
        None => {
            let body: Value = serde_json::from_slice(body).map_err(|e| {
                ZendeskError::BadRequest(format!("Request body is not valid JSON: {e}"))
            })?;
            tags_of(&body)
        }
    }
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
    let named = removed_tags(q.as_deref(), &body)?;
    let tags = change(&z, c, p, &h, id, json!({"remove_tags": named}))?;
    Ok(ok(&json!({"tags": tags})))
}

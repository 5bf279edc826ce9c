//! Users in bulk: `create_many`, `update_many`, `create_or_update_many` and
//! `destroy_many`, each a job status whose results are as zenpy's recordings
//! show (REFERENCE-style captures: `{"id", "status": "Created"}` for creates,
//! `{"id", "action": "update", "status": "Updated", "success": true}` for updates).

use axum::extract::RawQuery;
use serde_json::{Value, json};

use super::common::{Reply, Z, root};
use super::jobs::{bulk_items, failure_text, ids_param, job_reply};
use crate::vendors::zendesk::accounts::Account;
use crate::vendors::zendesk::error::{ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::{BaseUrl, Caller};
use crate::vendors::zendesk::resource::routes::require_staff;
use crate::vendors::zendesk::store::Store;
use crate::vendors::zendesk::wire::UserInput;

fn finish(store: &mut Store, base: &str, kind: &'static str, results: Vec<Value>, now: time::OffsetDateTime) -> Reply {
    let total = results.len();
    let job = store.add_job(kind, total, results, now);
    Ok(job_reply(base, &store.jobs[&job], false))
}

fn failed(index: usize, id: Option<u64>, code: &str, e: &ZendeskError) -> Value {
    json!({"index": index, "id": id, "error": code, "details": failure_text(e)})
}

/// `POST /users/create_many` [CAPTURE zenpy]: results `{"id", "status": "Created"}`.
pub(super) async fn create_many(Account(z): Z, caller: Caller, BaseUrl(base): BaseUrl, ZendeskJson(body): ZendeskJson) -> Reply {
    let items = bulk_items(&body, "users")?;
    let now = z.now();
    let unknown = z.settings().unknown_fields;
    let mut store = z.store();
    require_staff(&store, caller)?;
    let results = items
        .iter()
        .enumerate()
        .map(|(i, item)| match UserInput::parse(item, unknown).and_then(|u| store.create_user(u, now)) {
            Ok(id) => json!({"id": id, "status": "Created"}),
            Err(e) => failed(i, None, "UserCreateFailed", &e),
        })
        .collect();
    finish(&mut store, &base, "Bulk Create User", results, now)
}

/// `POST /users/create_or_update_many` \[DOC\]: each user matched as
/// `create_or_update` matches it; results `{"id", "status": "Created" or
/// "Updated"}` (the create shape, UNVERIFIED for updates).
pub(super) async fn create_or_update_many(Account(z): Z, caller: Caller, BaseUrl(base): BaseUrl, ZendeskJson(body): ZendeskJson) -> Reply {
    let items = bulk_items(&body, "users")?;
    let now = z.now();
    let unknown = z.settings().unknown_fields;
    z.credentials_changed();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let results = items
        .iter()
        .enumerate()
        .map(|(i, item)| match UserInput::parse(item, unknown).and_then(|u| store.create_or_update_user(u, now)) {
            Ok((id, created)) => json!({"id": id, "status": if created { "Created" } else { "Updated" }}),
            Err(e) => failed(i, None, "UserCreateFailed", &e),
        })
        .collect();
    finish(&mut store, &base, "Bulk Create or Update User", results, now)
}

/// `PUT /users/update_many` [CAPTURE zenpy]: `{"users": [{id, ...}]}`, or
/// `?ids=` with one `{"user": {...}}`; results `{"id", "action": "update",
/// "status": "Updated", "success": true}`.
pub(super) async fn update_many(
    Account(z): Z,
    caller: Caller,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let updates: Vec<(Option<u64>, Value)> = match ids_param(q.as_deref())? {
        Some(ids) => {
            let one = root(&body, "user")?;
            ids.into_iter().map(|id| (Some(id), one.clone())).collect()
        }
        None => bulk_items(&body, "users")?
            .iter()
            .map(|u| (u.get("id").and_then(Value::as_u64), u.clone()))
            .collect(),
    };
    let now = z.now();
    let unknown = z.settings().unknown_fields;
    z.credentials_changed();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let results = updates
        .iter()
        .enumerate()
        .map(|(i, (id, item))| {
            let done = id
                .ok_or(ZendeskError::RecordNotFound)
                .and_then(|id| UserInput::parse(item, unknown).and_then(|u| store.update_user(id, u, now)));
            match done {
                Ok(()) => Store::updated_result(id),
                Err(e) => failed(i, *id, "UserUpdateFailed", &e),
            }
        })
        .collect();
    finish(&mut store, &base, "Bulk Update User", results, now)
}

/// `DELETE /users/destroy_many?ids=` [CAPTURE zenpy: the queued reply]: each
/// user deleted as `DELETE /users/{id}` deletes it; results `{"id", "action":
/// "delete", "status": "Deleted", "success": true}` (UNVERIFIED).
pub(super) async fn destroy_many(Account(z): Z, caller: Caller, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let ids = ids_param(q.as_deref())?
        .ok_or_else(|| ZendeskError::BadRequest("param is missing or the value is empty: ids".to_owned()))?;
    let now = z.now();
    z.credentials_changed();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let results = ids
        .iter()
        .enumerate()
        .map(|(i, &id)| match store.delete_user(id, caller.0, now) {
            Ok(_) => json!({"id": id, "action": "delete", "status": "Deleted", "success": true}),
            Err(e) => failed(i, Some(id), "UserDeleteFailed", &e),
        })
        .collect();
    finish(&mut store, &base, "Bulk Delete User", results, now)
}

//! Deleting users and the deleted users' list [DOC: Users, Delete User;
//! Deleted Users].

use axum::extract::RawQuery;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::common::{Reply, Z, query_pairs};
use crate::vendors::zendesk::accounts::Account;
use crate::vendors::zendesk::error::IdParam;
use crate::vendors::zendesk::extract::{BaseUrl, Caller};
use crate::vendors::zendesk::page;
use crate::vendors::zendesk::resource::routes::require_staff;
use crate::vendors::zendesk::store::User;
use crate::vendors::zendesk::wire::{UserOut, json_response};

/// A deleted user as `/deleted_users` shows it: the DOC example's fields.
fn deleted_json(base: &str, u: &User) -> Value {
    json!({
        "id": u.id, "url": format!("{base}/api/v2/deleted_users/{}.json", u.id), "name": u.name,
        "email": u.email, "created_at": crate::clock::iso_seconds(u.created_at),
        "updated_at": crate::clock::iso_seconds(u.updated_at), "time_zone": u.time_zone,
        "phone": u.phone, "shared_phone_number": u.shared_phone_number, "photo": u.photo,
        "locale_id": u.locale_id, "locale": u.locale, "organization_id": u.organization_id,
        "role": u.role, "active": false,
    })
}

/// `DELETE /users/{id}` \[DOC\]: 200 `{"user": ...}` with `active: false`.
pub(super) async fn delete_user(
    Account(z): Z,
    caller: Caller,
    IdParam(id): IdParam,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let now = z.now();
    z.credentials_changed();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let user = store.delete_user(id, caller.0, now)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"user": UserOut::new(&base, user)}),
    ))
}

/// `GET /deleted_users` \[DOC\]: every deleted user, those deleted for good
/// included (scrubbed), both paginations.
pub(super) async fn list(Account(z): Z, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let items: Vec<(u64, Value)> = store
        .deleted_users
        .values()
        .map(|u| (u.id, deleted_json(&base, u)))
        .collect();
    let query = query_pairs(q.as_deref());
    let page = page::list("deleted_users", "/api/v2/deleted_users", "id", &items, &query, &base, &[])?;
    Ok(json_response(StatusCode::OK, &page))
}

/// `GET /deleted_users/{id}` \[DOC\]: a user deleted but not yet for good.
pub(super) async fn show(Account(z): Z, IdParam(id): IdParam, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let user = store.deleted_user(id)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"deleted_user": deleted_json(&base, user)}),
    ))
}

/// `DELETE /deleted_users/{id}` [DOC: Permanently Delete User]: 200 with the
/// user as it was; a user not deleted first is a 404.
pub(super) async fn purge(
    Account(z): Z,
    caller: Caller,
    IdParam(id): IdParam,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let before = store.purge_user(id, now)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"deleted_user": deleted_json(&base, &before)}),
    ))
}

/// `GET /deleted_users/count` \[DOC\]: `{"count": {"value", "refreshed_at"}}`.
pub(super) async fn count(Account(z): Z) -> Reply {
    let n = z.store_read().deleted_users.len();
    let at = crate::clock::iso_seconds(z.now());
    Ok(json_response(
        StatusCode::OK,
        &json!({"count": {"value": n, "refreshed_at": at}}),
    ))
}

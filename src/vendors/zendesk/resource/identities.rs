//! User identities [DOC: User Identities]: the fake keeps one identity per user,
//! the primary email identity of the user's `email`; listed, shown and side-loaded
//! (`include=identities`) in the shape of a live record [CAPTURE: `url, id,
//! user_id, type, value, verified, primary, created_at, updated_at,
//! undeliverable_count, deliverable_state`]. A user without an email has none.

use crate::vendors::zendesk::accounts::Account;
use axum::extract::{Path, RawQuery};
use axum::routing::get;
use serde_json::{Value, json};

use super::listing::Query;
use super::routes::{Reply, Routes, Z, ok};
use super::spec::ts;
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::extract::BaseUrl;
use crate::vendors::zendesk::page;
use crate::vendors::zendesk::store::{Store, User};

/// The routes of this file.
pub fn routes(r: Routes) -> Routes {
    r.add("/api/v2/users/{user_id}/identities", &["GET"], get(list))
        .add(
            "/api/v2/users/{user_id}/identities/{identity_id}",
            &["GET"],
            get(show),
        )
}

/// The id of a user's email identity (one per user, so derived from its id).
fn identity_id(user: &User) -> u64 {
    user.id + 1
}

/// A user's email identity, on `base`.
pub fn identity(base: &str, user: &User) -> Option<Value> {
    let email = user.email.as_ref()?;
    let id = identity_id(user);
    Some(json!({
        "url": format!("{base}/api/v2/users/{}/identities/{id}.json", user.id),
        "id": id, "user_id": user.id, "type": "email", "value": email,
        "verified": user.verified, "primary": true,
        "created_at": ts(user.created_at), "updated_at": ts(user.updated_at),
        "undeliverable_count": 0, "deliverable_state": "deliverable",
    }))
}

/// The identities of the users `ids` names, in id order.
pub fn of_users(store: &Store, base: &str, ids: impl IntoIterator<Item = u64>) -> Vec<Value> {
    ids.into_iter()
        .filter_map(|id| store.users.get(&id))
        .filter_map(|u| identity(base, u))
        .collect()
}

/// The id in a path segment (`5` or `5.json`); anything else is a 404.
fn id_in(segment: &str) -> Result<u64, ZendeskError> {
    segment
        .strip_suffix(".json")
        .unwrap_or(segment)
        .parse()
        .map_err(|_| ZendeskError::RecordNotFound)
}

/// `GET /api/v2/users/{id}/identities`: both paginations [DOC]; an unknown user
/// is a 404.
async fn list(
    Account(z): Z,
    Path(user): Path<String>,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let user = id_in(&user)?;
    let store = z.store_read();
    let items: Vec<(u64, Value)> = identity(&base, store.user(user)?)
        .map(|i| (i["id"].as_u64().unwrap_or_default(), i))
        .into_iter()
        .collect();
    let q = Query::parse(q.as_deref());
    let path = format!("/api/v2/users/{user}/identities");
    page::list("identities", &path, "id", &items, &q.0, &base, &[]).map(|v| ok(&v))
}

/// `GET /api/v2/users/{id}/identities/{identity_id}`: `{"identity": ...}`.
async fn show(
    Account(z): Z,
    Path((user, id)): Path<(String, String)>,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let (user, id) = (id_in(&user)?, id_in(&id)?);
    let store = z.store_read();
    let found = identity(&base, store.user(user)?)
        .filter(|i| i["id"].as_u64() == Some(id))
        .ok_or(ZendeskError::RecordNotFound)?;
    Ok(ok(&json!({"identity": found})))
}

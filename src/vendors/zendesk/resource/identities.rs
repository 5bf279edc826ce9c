//! User identities [DOC: User Identities]: a user's email, and the other
//! addresses and accounts Zendesk knows the user by. The primary email identity
//! is the user's `email` (kept in step both ways); the others are records of
//! their own. Until a user's identities are first written, the fake shows the
//! primary one derived from the user. Records have the live fields [CAPTURE:
//! `url, id, user_id, type, value, verified, primary, created_at, updated_at,
//! undeliverable_count, deliverable_state`] and are side-loaded with
//! `include=identities`.

use crate::vendors::zendesk::accounts::Account;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, put};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::listing::Query;
use super::routes::{Reply, Routes, Z, ok};
use super::spec::ts;
use crate::vendors::zendesk::error::{ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::BaseUrl;
use crate::vendors::zendesk::page;
use crate::vendors::zendesk::store::{Record, Store};
use crate::vendors::zendesk::wire::{UserInput, json_response, looks_like_email};

use super::identity::{TABLE, derived, of_user, primary_id, render};

/// The types an identity can be created with \[DOC\].
const TYPES: &[&str] = &[
    "email",
    "twitter",
    "facebook",
    "google",
    "phone_number",
    "agent_forwarding",
];

/// The routes of this file.
pub fn routes(r: Routes) -> Routes {
    const ONE: &str = "/api/v2/users/{user_id}/identities/{identity_id}";
    r.add(
        "/api/v2/users/{user_id}/identities",
        &["GET", "POST"],
        get(list).post(create),
    )
    .add(
        ONE,
        &["GET", "PUT", "DELETE"],
        get(show).put(update).delete(remove),
    )
    .add(
        "/api/v2/users/{user_id}/identities/{identity_id}/make_primary",
        &["PUT"],
        put(make_primary),
    )
    .add(
        "/api/v2/users/{user_id}/identities/{identity_id}/verify",
        &["PUT"],
        put(verify),
    )
    .add(
        "/api/v2/users/{user_id}/identities/{identity_id}/request_verification",
        &["PUT"],
        put(request_verification),
    )
}

/// The id in a path segment (`5` or `5.json`); anything else is a 404.
fn id_in(segment: &str) -> Result<u64, ZendeskError> {
    segment
        .strip_suffix(".json")
        .unwrap_or(segment)
        .parse()
        .map_err(|_| ZendeskError::RecordNotFound)
}

/// Stores the derived primary identity, so the user's identities can be
/// written one by one.
fn materialize(store: &mut Store, user: u64) -> Result<(), ZendeskError> {
    let u = store.user(user)?;
    let written = store
        .records
        .all(TABLE)
        .any(|r| r["user_id"].as_u64() == Some(user));
    if !written && let Some(rec) = derived(u) {
        let id = primary_id(u);
        store.records.put(TABLE, id, rec);
    }
    Ok(())
}

/// One of the user's identities; a 404 when it is not the user's.
fn find(store: &Store, user: u64, id: u64) -> Result<Record, ZendeskError> {
    of_user(store, store.user(user)?)
        .into_iter()
        .find(|r| r["id"].as_u64() == Some(id))
        .ok_or(ZendeskError::RecordNotFound)
}

/// A 422 when an email is already someone's email or identity (text UNVERIFIED,
/// the users' own wording).
fn check_free(store: &Store, email: &str) -> Result<(), ZendeskError> {
    let used = store.user_by_email(email).is_some()
        || store.records.all(TABLE).any(|r| {
            r["type"] == json!("email")
                && r["value"]
                    .as_str()
                    .is_some_and(|v| v.eq_ignore_ascii_case(email))
        });
    if used {
        return Err(ZendeskError::invalid(
            "value",
            format!("Value: {email} is already being used by another user"),
            "DuplicateValue",
        ));
    }
    Ok(())
}

/// The object under `identity`.
fn identity_of(body: &Value) -> Result<&serde_json::Map<String, Value>, ZendeskError> {
    body.get("identity")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            ZendeskError::BadRequest("param is missing or the value is empty: identity".to_owned())
        })
}

/// Sets the user's fields through the users' own update (logged, checked).
fn update_user(
    store: &mut Store,
    user: u64,
    fields: Value,
    now: OffsetDateTime,
) -> Result<(), ZendeskError> {
    let input = UserInput::parse(&fields, store.settings().unknown_fields)?;
    store.update_user(user, input, now)
}

/// `GET /api/v2/users/{id}/identities`: both paginations \[DOC\].
async fn list(
    Account(z): Z,
    Path(user): Path<String>,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let user = id_in(&user)?;
    let store = z.store_read();
    let items: Vec<(u64, Value)> = of_user(&store, store.user(user)?)
        .iter()
        .map(|r| (r["id"].as_u64().unwrap_or_default(), render(&base, r)))
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
    let found = find(&z.store_read(), user, id)?;
    Ok(ok(&json!({"identity": render(&base, &found)})))
}

/// `POST /api/v2/users/{id}/identities` with `{"identity": {type, value}}`: 201
/// \[DOC\]. A user without an email takes a new email identity as its primary;
/// `primary: true` makes an email identity primary.
async fn create(
    Account(z): Z,
    Path(user): Path<String>,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let user = id_in(&user)?;
    let input = identity_of(&body)?;
    let (kind, value) = type_and_value(input)?;
    let now = z.now();
    z.credentials_changed();
    let mut store = z.store();
    store.user(user)?;
    if kind == "email" {
        if !looks_like_email(&value) {
            return Err(ZendeskError::invalid(
                "value",
                "Value: is invalid",
                "InvalidValue",
            ));
        }
        check_free(&store, &value)?;
    }
    materialize(&mut store, user)?;
    let id = store.next_id();
    let mut rec = json!({
        "id": id, "user_id": user, "type": kind, "value": value,
        "verified": input.get("verified").and_then(Value::as_bool).unwrap_or(false),
        "primary": false, "created_at": ts(now), "updated_at": ts(now), "undeliverable_count": 0,
    });
    if kind == "email" {
        rec["deliverable_state"] = json!("deliverable");
    }
    if let Value::Object(m) = rec {
        store.records.put(TABLE, id, m);
    }
    let wants_primary = input.get("primary") == Some(&json!(true));
    let no_email = store.user(user)?.email.is_none();
    if kind == "email" && (wants_primary || no_email) {
        set_primary(&mut store, user, id, now)?;
    }
    let found = find(&store, user, id)?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"identity": render(&base, &found)}),
    ))
}

/// A new identity's type (one of [`TYPES`]) and value (not blank).
fn type_and_value(input: &serde_json::Map<String, Value>) -> Result<(&str, String), ZendeskError> {
    let kind = input
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !TYPES.contains(&kind) {
        return Err(ZendeskError::invalid(
            "type",
            "Type: is invalid",
            "InvalidValue",
        ));
    }
    let value = input
        .get("value")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ZendeskError::invalid("value", "Value: cannot be blank", "BlankValue"))?;
    Ok((kind, value.to_owned()))
}

/// `PUT .../identities/{id}`: `verified: true` (there is no un-verifying) or a
/// new `value` \[DOC\]; the primary email's value is the user's email.
async fn update(
    Account(z): Z,
    Path((user, id)): Path<(String, String)>,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let (user, id) = (id_in(&user)?, id_in(&id)?);
    let input = identity_of(&body)?.clone();
    let now = z.now();
    z.credentials_changed();
    let mut store = z.store();
    let current = find(&store, user, id)?;
    materialize(&mut store, user)?;
    let primary_email = current["primary"] == json!(true) && current["type"] == json!("email");
    let mut rec = store
        .records
        .get(TABLE, id)
        .cloned()
        .ok_or(ZendeskError::RecordNotFound)?;
    if let Some(value) = input.get("value").and_then(Value::as_str).map(str::trim) {
        if current["type"] == json!("email")
            && !value.eq_ignore_ascii_case(current["value"].as_str().unwrap_or_default())
        {
            if !looks_like_email(value) {
                return Err(ZendeskError::invalid(
                    "value",
                    "Value: is invalid",
                    "InvalidValue",
                ));
            }
            check_free(&store, value)?;
        }
        if primary_email {
            update_user(&mut store, user, json!({"email": value}), now)?;
        }
        rec.insert("value".to_owned(), json!(value));
    }
    if input.get("verified") == Some(&json!(true)) {
        if primary_email {
            update_user(&mut store, user, json!({"verified": true}), now)?;
        }
        rec.insert("verified".to_owned(), json!(true));
    }
    rec.insert("updated_at".to_owned(), ts(now));
    store.records.put(TABLE, id, rec);
    let found = find(&store, user, id)?;
    Ok(ok(&json!({"identity": render(&base, &found)})))
}

/// `DELETE .../identities/{id}`: 204 \[DOC\]. The primary email identity stays
/// (a 422, UNVERIFIED: make another one primary first).
async fn remove(Account(z): Z, Path((user, id)): Path<(String, String)>) -> Reply {
    let (user, id) = (id_in(&user)?, id_in(&id)?);
    z.credentials_changed();
    let mut store = z.store();
    let current = find(&store, user, id)?;
    if current["primary"] == json!(true) && current["type"] == json!("email") {
        return Err(ZendeskError::invalid(
            "base",
            "Identity: the primary email cannot be deleted",
            "InvalidValue",
        ));
    }
    materialize(&mut store, user)?;
    store
        .records
        .remove_where(TABLE, |r| r["id"].as_u64() == Some(id));
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Makes identity `id` the user's primary one of its type; for an email, the
/// user's email becomes its value and the email before stays as a secondary
/// identity.
fn set_primary(
    store: &mut Store,
    user: u64,
    id: u64,
    now: OffsetDateTime,
) -> Result<(), ZendeskError> {
    materialize(store, user)?;
    let target = store
        .records
        .get(TABLE, id)
        .cloned()
        .ok_or(ZendeskError::RecordNotFound)?;
    let kind = target["type"].clone();
    let email = store.user(user)?.email.clone();
    let before: Vec<(u64, Record)> = store
        .records
        .all(TABLE)
        .filter(|r| {
            r["user_id"].as_u64() == Some(user) && r["type"] == kind && r["primary"] == json!(true)
        })
        .filter_map(|r| Some((r["id"].as_u64()?, r.clone())))
        .collect();
    for (other, mut r) in before {
        r.insert("primary".to_owned(), json!(false));
        if kind == json!("email") {
            // It keeps the address it had while it was the user's email.
            r.insert("value".to_owned(), json!(email));
        }
        r.insert("updated_at".to_owned(), ts(now));
        store.records.put(TABLE, other, r);
    }
    if kind == json!("email") {
        update_user(store, user, json!({"email": target["value"]}), now)?;
    }
    let mut target = target;
    target.insert("primary".to_owned(), json!(true));
    target.insert("updated_at".to_owned(), ts(now));
    store.records.put(TABLE, id, target);
    Ok(())
}

/// `PUT .../identities/{id}/make_primary`: 200 with the user's whole list of
/// identities \[DOC\].
async fn make_primary(
    Account(z): Z,
    Path((user, id)): Path<(String, String)>,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let (user, id) = (id_in(&user)?, id_in(&id)?);
    let now = z.now();
    z.credentials_changed();
    let mut store = z.store();
    find(&store, user, id)?;
    set_primary(&mut store, user, id, now)?;
    let all: Vec<Value> = of_user(&store, store.user(user)?)
        .iter()
        .map(|r| render(&base, r))
        .collect();
    Ok(ok(&json!({"identities": all})))
}

/// `PUT .../identities/{id}/verify`: verified, `{"identity": ...}` \[DOC\].
async fn verify(z: Z, Path((user, id)): Path<(String, String)>, base: BaseUrl) -> Reply {
    let body = json!({"identity": {"verified": true}});
    update(z, Path((user, id)), base, ZendeskJson(body)).await
}

/// `PUT .../identities/{id}/request_verification`: 200 with an empty body
/// \[DOC\]; the fake sends no email.
async fn request_verification(Account(z): Z, Path((user, id)): Path<(String, String)>) -> Reply {
    let (user, id) = (id_in(&user)?, id_in(&id)?);
    find(&z.store_read(), user, id)?;
    Ok(StatusCode::OK.into_response())
}

//! `/v2/contacts`: get, create, search (by email, external id, ...), update, ban
//! and unban (REFERENCE smartsupp-rest-v2 7). Get is \[SDK-3P\]; update and ban
//! follow the internal spec \[3P-hint\]; create and search are not documented
//! publicly, so they mirror the conversation search \[UNVERIFIED\].
//!
//! Every chat's visitor is a contact under the visitor's id, so a contact found
//! here is the `contact_id` of the conversations and webhooks about it.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::super::account::Smartsupp;
use super::super::error::SmartsuppError;
use super::super::webhook::iso_ms;
use super::request::{Reply, now_ms, object, opt_str};
use super::search as find;
use super::state::Contact;

type S = State<Arc<Smartsupp>>;

/// Fields a contact search may filter on.
pub const FIELDS: &[&str] = &[
    "id",
    "email",
    "external_id",
    "name",
    "phone",
    "tags",
    "created_at",
    "updated_at",
];

/// The contact object.
pub fn to_json(c: &Contact) -> Value {
    json!({
        "id": c.id,
        "created_at": iso_ms(c.created_ms),
        "updated_at": iso_ms(c.updated_ms),
        "email": c.email,
        "name": c.name,
        "phone": c.phone,
        "note": c.note,
        "external_id": c.external_id,
        "banned_at": c.banned_ms.map(iso_ms),
        "banned_by": c.banned_by,
        "gdpr_approved": false,
        "tags": c.tags,
        "properties": c.properties,
    })
}

/// Applies the writable fields of `body`; `false` when it named none.
fn apply(c: &mut Contact, body: &Map<String, Value>) -> Result<bool, SmartsuppError> {
    let mut any = false;
    for key in ["name", "email", "phone", "note"] {
        if body.contains_key(key) {
            let v = opt_str(body, key)?;
            if key == "email"
                && let Some(e) = &v
                && !valid_email(e)
            {
                return Err(SmartsuppError::Invalid(format!(
                    "Property email `{e}` is not a valid email"
                )));
            }
            match key {
                "name" => c.name = v,
                "email" => c.email = v,
                "phone" => c.phone = v,
                _ => c.note = v,
            }
            any = true;
        }
    }
    for key in ["external_id", "identity_id", "identityId"] {
        if body.contains_key(key) {
            c.external_id = opt_str(body, key)?;
            any = true;
        }
    }
    match body.get("tags") {
        None => {}
        Some(Value::Array(t)) => {
            c.tags.clone_from(t);
            any = true;
        }
        Some(_) => {
            return Err(SmartsuppError::Invalid(
                "Property tags must be an array".to_owned(),
            ));
        }
    }
    match body.get("properties") {
        None => {}
        Some(Value::Object(p)) => {
            for (k, v) in p {
                c.properties.insert(k.clone(), v.clone());
            }
            any = true;
        }
        Some(_) => {
            return Err(SmartsuppError::Invalid(
                "Property properties must be an object".to_owned(),
            ));
        }
    }
    Ok(any)
}

fn valid_email(e: &str) -> bool {
    e.split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
}

/// `GET /v2/contacts/{id}`.
pub async fn get_one(State(s): S, Path(id): Path<String>) -> Reply {
    let mut store = s.store();
    store.sync_contacts();
    let c = store
        .rest
        .contacts
        .get(&id)
        .ok_or(SmartsuppError::Missing("Contact"))?;
    Ok(Json(to_json(c)).into_response())
}

/// `POST /v2/contacts`: 201 with the contact.
pub async fn create(State(s): S, body: Bytes) -> Reply {
    let body = object(&body)?;
    let now = now_ms(&s);
    let mut c = Contact {
        id: String::new(),
        name: None,
        email: None,
        phone: None,
        note: None,
        external_id: None,
        created_ms: now,
        updated_ms: now,
        banned_ms: None,
        banned_by: None,
        tags: Vec::new(),
        properties: Map::new(),
    };
    if !apply(&mut c, &body)? {
        return Err(SmartsuppError::Invalid(
            "Not provided any valid data".to_owned(),
        ));
    }
    let mut store = s.store();
    c.id = store.contact_id().to_string();
    let out = to_json(&c);
    store.rest.contacts.insert(c.id.clone(), c);
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// `PATCH /v2/contacts/{id}`.
pub async fn update(State(s): S, Path(id): Path<String>, body: Bytes) -> Reply {
    let body = object(&body)?;
    let now = now_ms(&s);
    let mut store = s.store();
    store.sync_contacts();
    let c = store
        .rest
        .contacts
        .get_mut(&id)
        .ok_or(SmartsuppError::Missing("Contact"))?;
    let mut changed = c.clone();
    if !apply(&mut changed, &body)? {
        return Err(SmartsuppError::Invalid(
            "Not provided any valid data".to_owned(),
        ));
    }
    changed.updated_ms = now;
    *c = changed;
    Ok(Json(to_json(c)).into_response())
}

/// `POST /v2/contacts/search`: `query` on email, external id (also as
/// `identity_id`), name, phone, tags or dates; paged as conversations are.
pub async fn search(State(s): S, body: Bytes) -> Reply {
    let mut body = object(&body)?;
    if let Some(Value::Array(q)) = body.get_mut("query") {
        for f in q.iter_mut() {
            if matches!(
                f["field"].as_str(),
                Some("identity_id" | "identityId" | "externalId")
            ) {
                f["field"] = json!("external_id");
            }
        }
    }
    let search = find::parse(&body, FIELDS, &["created_at", "updated_at"], false)?;
    let objects: Vec<Value> = {
        let mut store = s.store();
        store.sync_contacts();
        store.rest.contacts.values().map(to_json).collect()
    };
    Ok(Json(find::page(objects, &search)).into_response())
}

async fn set_ban(s: Arc<Smartsupp>, id: String, ban: bool) -> Reply {
    let now = now_ms(&s);
    let by = s.store().rest.agents.first().map(|a| a.id.clone());
    let mut store = s.store();
    store.sync_contacts();
    let c = store
        .rest
        .contacts
        .get_mut(&id)
        .ok_or(SmartsuppError::Missing("Contact"))?;
    (c.banned_ms, c.banned_by) = if ban { (Some(now), by) } else { (None, None) };
    c.updated_ms = now;
    Ok(Json(to_json(c)).into_response())
}

/// `PATCH /v2/contacts/{id}/ban`.
pub async fn ban(State(s): S, Path(id): Path<String>) -> Reply {
    set_ban(s, id, true).await
}

/// `PATCH /v2/contacts/{id}/unban`.
pub async fn unban(State(s): S, Path(id): Path<String>) -> Reply {
    set_ban(s, id, false).await
}

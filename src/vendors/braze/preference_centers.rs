//! Preference centers [DOC: Preference Center endpoints]: the Braze-hosted pages
//! where users manage their subscriptions. Created, listed, shown and updated;
//! a user's URL is generated for users Braze knows.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::account::Braze;
use super::error::{BrazeError, BrazeJson, Reply, json_response};
use super::state::PreferenceCenter;
use super::store::Store;
use super::wire::Identifier;
use crate::clock::iso_seconds;

type B = State<Arc<Braze>>;

/// The title a preference center gets when none is given \[DOC\].
const DEFAULT_TITLE: &str = "Preference Center";

fn text(body: &Map<String, Value>, key: &str) -> Option<String> {
    body.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn required(body: &Map<String, Value>, key: &str) -> Result<String, BrazeError> {
    text(body, key)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| BrazeError::BadRequest(format!("{key} is required")))
}

/// `state` is `active` or `draft` \[DOC\]; anything else is a 400 (text UNVERIFIED).
fn state_of(body: &Map<String, Value>, current: &str) -> Result<String, BrazeError> {
    match body.get("state") {
        None | Some(Value::Null) => Ok(current.to_owned()),
        Some(Value::String(s)) if s == "active" || s == "draft" => Ok(s.clone()),
        Some(other) => Err(BrazeError::BadRequest(format!("state must be active or draft, not {other}"))),
    }
}

/// The Liquid tag that links a user to the preference center [DOC: preference
/// center via API].
fn liquid_tag(name: &str) -> String {
    format!("{{{{preference_center.${{{name}}}}}}}")
}

fn not_found(id: &str) -> BrazeError {
    BrazeError::BadRequest(format!("Preference center {id} not found"))
}

/// The preference center with this id, or a 400 (UNVERIFIED).
fn center<'a>(store: &'a Store, id: &str) -> Result<&'a PreferenceCenter, BrazeError> {
    store
        .api
        .preference_centers
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| not_found(id))
}

/// `GET /preference_center/v1/list` \[DOC\]: name, id and times of each.
pub async fn list(State(b): B) -> Reply {
    let store = b.store();
    let all: Vec<Value> = store
        .api
        .preference_centers
        .iter()
        .map(|p| {
            json!({"name": p.name, "preference_center_api_id": p.id,
                   "created_at": iso_seconds(p.created_at), "updated_at": iso_seconds(p.updated_at)})
        })
        .collect();
    Ok(json_response(StatusCode::OK, &json!({ "preference_centers": all })))
}

/// `POST /preference_center/v1` \[DOC\]: `name`, `preference_center_page_html`
/// and `confirmation_page_html` required (400 otherwise), a name already used
/// is a 400 (UNVERIFIED); 201 with the id, the Liquid tag and `created_at`
/// (the tag in the answer is UNVERIFIED).
pub async fn create(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let name = required(&body, "name")?;
    let page_html = required(&body, "preference_center_page_html")?;
    let confirmation_html = required(&body, "confirmation_page_html")?;
    let state = state_of(&body, "active")?;
    let now = b.now();
    let mut store = b.store();
    if store.api.preference_centers.iter().any(|p| p.name == name) {
        return Err(BrazeError::BadRequest(format!("A preference center named {name} already exists")));
    }
    let id = store.uuid();
    store.api.preference_centers.push(PreferenceCenter {
        id: id.clone(),
        title: text(&body, "preference_center_title").unwrap_or_else(|| DEFAULT_TITLE.to_owned()),
        name: name.clone(),
        page_html,
        confirmation_html,
        state,
        options: body.get("options").cloned().unwrap_or_else(|| json!({})),
        created_at: now,
        updated_at: now,
    });
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"preference_center_api_id": id, "liquid_tag": liquid_tag(&name),
                "created_at": iso_seconds(now), "message": "success"}),
    ))
}

/// `GET /preference_center/v1/{id}` \[DOC\]: the whole preference center.
pub async fn show(State(b): B, Path(id): Path<String>) -> Reply {
    let store = b.store();
    let p = center(&store, &id)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"name": p.name, "preference_center_api_id": p.id,
                "created_at": iso_seconds(p.created_at), "updated_at": iso_seconds(p.updated_at),
                "preference_center_title": p.title, "preference_center_page_html": p.page_html,
                "confirmation_page_html": p.confirmation_html, "redirect_page_html": null,
                "preference_center_options": p.options, "state": p.state}),
    ))
}

/// `PUT /preference_center/v1/{id}` \[DOC\]: both pages' HTML required; 200
/// `{preference_center_api_id, created_at, updated_at, message}` [DOC example].
pub async fn update(State(b): B, Path(id): Path<String>, BrazeJson(body): BrazeJson) -> Reply {
    let page_html = required(&body, "preference_center_page_html")?;
    let confirmation_html = required(&body, "confirmation_page_html")?;
    let now = b.now();
    let mut store = b.store();
    let p = store
        .api
        .preference_centers
        .iter_mut()
        .find(|p| p.id == id)
        .ok_or_else(|| not_found(&id))?;
    p.state = state_of(&body, &p.state)?;
    if let Some(name) = text(&body, "name").filter(|n| !n.trim().is_empty()) {
        p.name = name;
    }
    if let Some(title) = text(&body, "preference_center_title") {
        p.title = title;
    }
    if let Some(options) = body.get("options") {
        p.options = options.clone();
    }
    p.page_html = page_html;
    p.confirmation_html = confirmation_html;
    p.updated_at = now;
    Ok(json_response(
        StatusCode::OK,
        &json!({"preference_center_api_id": p.id, "created_at": iso_seconds(p.created_at),
                "updated_at": iso_seconds(now), "message": "success"}),
    ))
}

/// `GET /preference_center/v1/{id}/url/{user_id}` \[DOC\]: the user's own URL,
/// `{"preference_center_url"}`; the user is named by external id, and one Braze
/// does not know is a 400 (UNVERIFIED). The URL's form is the fake's own (the
/// page itself is not served yet).
pub async fn user_url(State(b): B, Path((id, user)): Path<(String, String)>) -> Reply {
    let store = b.store();
    let p = center(&store, &id)?;
    let at = store
        .find(&Identifier::ExternalId(user.clone()))
        .ok_or_else(|| BrazeError::BadRequest(format!("User {user} not found")))?;
    let braze_id = &store.profiles[at].braze_id;
    let url = format!("https://preferences.braze.test/{}/{braze_id}", p.id);
    Ok(json_response(StatusCode::OK, &json!({ "preference_center_url": url })))
}

//! A drop-down field's options under their own path [DOC: Ticket Fields, User
//! Fields, Organization Fields: List, Show, Create or Update, Delete ...
//! Field Option]: the `custom_field_options` of the field, changed through the
//! field's own update (so its checks and audit entries apply).

use crate::vendors::zendesk::accounts::Account;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};

use super::engine;
use super::fields::{TICKET_FIELDS, USER_FIELDS};
use super::orgs::ORGANIZATION_FIELDS;
use super::routes::{Peer, Reply, Routes, Z, ok, require_staff, root, who};
use super::spec::{Record, Spec, id_of};
use crate::vendors::zendesk::error::{ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::{BaseUrl, Caller};
use crate::vendors::zendesk::wire::json_response;

/// Field types whose values are options \[DOC\].
const WITH_OPTIONS: &[&str] = &["tagger", "dropdown", "multiselect"];

/// The routes of this file, for the three kinds of fields.
pub fn routes(r: Routes) -> Routes {
    [&TICKET_FIELDS, &USER_FIELDS, &ORGANIZATION_FIELDS]
        .into_iter()
        .fold(r, |r, spec| of(spec, r))
}

fn of(spec: &'static Spec, r: Routes) -> Routes {
    let all = format!("{}/{{field_id}}/options", spec.path);
    let one = format!("{all}/{{option_id}}");
    r.add(
        &all,
        &["GET", "POST"],
        get(move |z: Z, p: Path<String>, b: BaseUrl| list(spec, z, p, b)).post(
            move |z: Z, c: Caller, peer: Peer, p: Path<String>, b: BaseUrl, body: ZendeskJson| {
                upsert(spec, z, c, peer, p, b, body)
            },
        ),
    )
    .add(
        &one,
        &["GET", "DELETE"],
        get(move |z: Z, p: Path<(String, String)>, b: BaseUrl| show(spec, z, p, b)).delete(
            move |z: Z, c: Caller, peer: Peer, p: Path<(String, String)>| remove(spec, z, c, peer, p),
        ),
    )
}

fn id(raw: &str) -> Result<u64, ZendeskError> {
    raw.trim_end_matches(".json")
        .parse()
        .map_err(|_| ZendeskError::RecordNotFound)
}

fn options_of(field: &Record) -> Vec<Value> {
    field["custom_field_options"].as_array().cloned().unwrap_or_default()
}

fn option_json(spec: &Spec, base: &str, field: u64, o: &Value) -> Value {
    let mut v = o.clone();
    v["url"] = json!(format!("{base}{}/{field}/options/{}.json", spec.path, o["id"]));
    v
}

async fn list(spec: &'static Spec, Account(z): Z, Path(field): Path<String>, BaseUrl(base): BaseUrl) -> Reply {
    let field = id(&field)?;
    let rec = engine::find(spec, &z.store_read(), field)?;
    let all: Vec<Value> = options_of(&rec).iter().map(|o| option_json(spec, &base, field, o)).collect();
    let count = all.len();
    Ok(ok(&json!({"custom_field_options": all, "next_page": null, "previous_page": null, "count": count})))
}

async fn show(spec: &'static Spec, Account(z): Z, Path((field, option)): Path<(String, String)>, BaseUrl(base): BaseUrl) -> Reply {
    let (field, option) = (id(&field)?, id(&option)?);
    let rec = engine::find(spec, &z.store_read(), field)?;
    let o = options_of(&rec)
        .into_iter()
        .find(|o| o["id"].as_u64() == Some(option))
        .ok_or(ZendeskError::RecordNotFound)?;
    Ok(ok(&json!({"custom_field_option": option_json(spec, &base, field, &o)})))
}

/// `POST .../options` with `{"custom_field_option": {id?, name, value}}`
/// \[DOC\]: an `id` of the field's options updates it (200), else a new option
/// (201). A field without options (a text field): 422 (text UNVERIFIED).
async fn upsert(
    spec: &'static Spec,
    Account(z): Z,
    caller: Caller,
    peer: Peer,
    Path(field): Path<String>,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let field = id(&field)?;
    let input = root(&body, "custom_field_option")?.clone();
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let rec = engine::find(spec, &store, field)?;
    if !WITH_OPTIONS.contains(&rec["type"].as_str().unwrap_or_default()) {
        return Err(ZendeskError::invalid("type", "Type: this field has no options", "InvalidValue"));
    }
    let mut options = options_of(&rec);
    let at = input.get("id").and_then(id_of).and_then(|i| options.iter().position(|o| o["id"].as_u64() == Some(i)));
    let value = input.get("value").cloned();
    match at {
        Some(i) => {
            for k in ["name", "value"] {
                if let Some(v) = input.get(k) {
                    options[i][k] = v.clone();
                }
            }
        }
        None => options.push(json!({"name": input.get("name"), "value": value})),
    }
    engine::update(spec, &mut store, &who(caller, peer), field, &json!({"custom_field_options": options}), now)?;
    let rec = engine::find(spec, &store, field)?;
    let stored = options_of(&rec);
    let o = match at {
        Some(i) => stored.get(i).cloned(),
        None => stored.last().cloned(),
    }
    .ok_or(ZendeskError::RecordNotFound)?;
    let status = if at.is_some() { StatusCode::OK } else { StatusCode::CREATED };
    Ok(json_response(status, &json!({"custom_field_option": option_json(spec, &base, field, &o)})))
}

/// `DELETE .../options/{id}` \[DOC\]: 204.
async fn remove(spec: &'static Spec, Account(z): Z, caller: Caller, peer: Peer, Path((field, option)): Path<(String, String)>) -> Reply {
    let (field, option) = (id(&field)?, id(&option)?);
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let rec = engine::find(spec, &store, field)?;
    let mut options = options_of(&rec);
    let before = options.len();
    options.retain(|o| o["id"].as_u64() != Some(option));
    if options.len() == before {
        return Err(ZendeskError::RecordNotFound);
    }
    engine::update(spec, &mut store, &who(caller, peer), field, &json!({"custom_field_options": options}), now)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

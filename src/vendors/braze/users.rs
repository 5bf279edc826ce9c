//! Braze's user endpoints beyond `/users/track` (REFERENCE braze-rest 2):
//! `/users/delete`, `/users/identify`, `/users/alias/new`, `/users/alias/update`,
//! `/users/merge`, `/users/external_ids/rename`, `/users/external_ids/remove` and
//! `/users/track/sync`. Every change is made at once (Braze queues them), so a
//! deleted user is gone from exports and from later sends.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::account::Braze;
use super::error::{BrazeError, BrazeJson, json_response};
use super::export_ids;
use super::store::{Profile, Store};
use super::wire::{self, Identifier, UserAlias};

type B = State<Arc<Braze>>;
type Reply = Result<Response, BrazeError>;

/// Most ids (or objects) per request (\[DOC\]).
pub const MAX_IDS: usize = 50;
/// The 400 for more than [`MAX_IDS`] (\[DOC\] errors.md; which text goes with
/// which endpoint is UNVERIFIED).
pub const TOO_MANY_IDS: &str =
    "The max number of external_ids and aliases per request was exceeded";

fn bad(message: &str) -> BrazeError {
    BrazeError::BadRequest(message.to_owned())
}

fn list<'a>(body: &'a Map<String, Value>, key: &str) -> Result<&'a [Value], BrazeError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) if a.len() <= MAX_IDS => Ok(a),
        Some(Value::Array(_)) => Err(bad(TOO_MANY_IDS)),
        Some(_) => Err(bad(&format!("'{key}' must be an array"))),
    }
}

/// A string or number id (captured clients send numbers and Braze accepts them).
pub fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn alias(v: &Value) -> Option<UserAlias> {
    serde_json::from_value::<UserAlias>(v.clone())
        .ok()
        .filter(|a| !a.alias_name.is_empty() && !a.alias_label.is_empty())
}

/// The one profile an email or phone names after `prioritization` (\[DOC\]): the
/// filters apply in order, and more than one left means nobody.
pub fn prioritized(store: &Store, attr: &str, value: &str, prio: &[Value]) -> Option<usize> {
    let mut hits: Vec<usize> = (0..store.profiles.len())
        .filter(|&i| {
            store.profiles[i]
                .attribute(attr)
                .is_some_and(|x| x.eq_ignore_ascii_case(value))
        })
        .collect();
    for p in prio.iter().filter_map(Value::as_str) {
        let ps = &store.profiles;
        match p {
            "identified" => hits.retain(|&i| ps[i].external_id.is_some()),
            "unidentified" => hits.retain(|&i| ps[i].external_id.is_none()),
            "most_recently_updated" => {
                hits = hits
                    .iter()
                    .copied()
                    .max_by_key(|&i| ps[i].updated_at)
                    .into_iter()
                    .collect();
            }
            "least_recently_updated" => {
                hits = hits
                    .iter()
                    .copied()
                    .min_by_key(|&i| ps[i].updated_at)
                    .into_iter()
                    .collect();
            }
            _ => {}
        }
    }
    (hits.len() == 1).then(|| hits[0])
}

/// Removes a profile and the renamed ids that still pointed at it.
fn remove(store: &mut Store, i: usize) {
    let p = store.profiles.remove(i);
    store.api.forget_user(&p.braze_id);
}

/// The braze_ids a delete names (email and phone through `prioritization`).
fn doomed(store: &Store, body: &Map<String, Value>) -> Result<Vec<String>, BrazeError> {
    let mut doomed: Vec<String> = Vec::new();
    let mut mark = |store: &Store, i: Option<usize>| {
        if let Some(i) = i {
            doomed.push(store.profiles[i].braze_id.clone());
        }
    };
    for v in list(body, "external_ids")? {
        let i = id_text(v).and_then(|id| store.find(&Identifier::ExternalId(id)));
        mark(store, i);
    }
    for v in list(body, "user_aliases")? {
        let i = alias(v).and_then(|a| store.find(&Identifier::Alias(a)));
        mark(store, i);
    }
    for v in list(body, "braze_ids")? {
        let i = id_text(v).and_then(|id| store.find(&Identifier::BrazeId(id)));
        mark(store, i);
    }
    for (key, attr, field) in [
        ("email_addresses", "email", "email"),
        ("phone_numbers", "phone", "phone"),
    ] {
        for v in list(body, key)? {
            let (value, prio) = match v {
                Value::String(s) => (Some(s.clone()), Vec::new()),
                Value::Object(o) => (
                    o.get(field).and_then(Value::as_str).map(str::to_owned),
                    o.get("prioritization")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default(),
                ),
                _ => (None, Vec::new()),
            };
            let i = value.and_then(|x| prioritized(store, attr, &x, &prio));
            mark(store, i);
        }
    }
    Ok(doomed)
}

/// `POST /users/delete`: 201 `{"deleted": <ids sent>, "message": "success"}`
/// (\[CAPTURE\]: the count is of ids queued, found or not).
pub async fn delete(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let keys = [
        "external_ids",
        "user_aliases",
        "braze_ids",
        "email_addresses",
        "phone_numbers",
    ];
    let mut total = 0;
    for k in keys {
        total += list(&body, k)?.len();
    }
    if total > MAX_IDS {
        return Err(bad(TOO_MANY_IDS));
    }
    if !keys.iter().any(|k| body.contains_key(*k)) {
        return Err(bad(
            "'external_ids', 'user_aliases', 'braze_ids', 'email_addresses' or 'phone_numbers' is required",
        ));
    }
    let mut store = b.store();
    let doomed = doomed(&store, &body)?;
    for id in doomed {
        if let Some(i) = store.profiles.iter().position(|p| p.braze_id == id) {
            remove(&mut store, i);
        }
    }
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"deleted": total, "message": "success"}),
    ))
}

/// Moves what only `from` has into `into` (attributes, custom attributes, aliases
/// of other labels, events, purchases), then removes `from`.
pub fn merge_into(store: &mut Store, from: usize, into: usize) {
    if from == into {
        return;
    }
    let src: Profile = store.profiles[from].clone();
    let dst = &mut store.profiles[into];
    for (k, v) in src.attributes {
        dst.attributes.entry(k).or_insert(v);
    }
    for (k, v) in src.custom_attributes {
        dst.custom_attributes.entry(k).or_insert(v);
    }
    for a in src.user_aliases {
        if !dst
            .user_aliases
            .iter()
            .any(|x| x.alias_label == a.alias_label)
        {
            dst.user_aliases.push(a);
        }
    }
    dst.events.extend(src.events);
    dst.purchases.extend(src.purchases);
    dst.events.sort_by_key(|e| e.time);
    dst.purchases.sort_by_key(|p| p.time);
    let kept = dst.braze_id.clone();
    super::subscriptions::merge(&mut store.api, &src.braze_id, &kept);
    remove(store, from);
}

/// Identifies the anonymous profile `anon` as `external_id` (\[DOC\]): it gains the
/// id when nobody has it, otherwise it is merged into that user, unless the user
/// already has an alias of the same label.
fn identify_one(store: &mut Store, anon: Option<usize>, external_id: &str, label: Option<&str>) {
    let Some(anon) = anon.filter(|&i| store.profiles[i].external_id.is_none()) else {
        return;
    };
    match store.find(&Identifier::ExternalId(external_id.to_owned())) {
        None => store.profiles[anon].external_id = Some(external_id.to_owned()),
        Some(known) => {
            let clash = label.is_some_and(|l| {
                store.profiles[known]
                    .user_aliases
                    .iter()
                    .any(|a| a.alias_label == l)
            });
            if !clash {
                merge_into(store, anon, known);
            }
        }
    }
}

/// `POST /users/identify`: 201 `{"aliases_processed": n, "message": "success"}`.
pub async fn identify(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let aliases = list(&body, "aliases_to_identify")?;
    let emails = list(&body, "emails_to_identify")?;
    let phones = list(&body, "phone_numbers_to_identify")?;
    if aliases.len() + emails.len() + phones.len() == 0 {
        return Err(bad(
            "'aliases_to_identify', 'emails_to_identify' or 'phone_numbers_to_identify' is required",
        ));
    }
    let mut store = b.store();
    let mut processed = 0;
    for v in aliases {
        let (Some(ext), Some(a)) = (
            v.get("external_id").and_then(id_text),
            v.get("user_alias").and_then(alias),
        ) else {
            continue;
        };
        let anon = store.find(&Identifier::Alias(a.clone()));
        identify_one(&mut store, anon, &ext, Some(&a.alias_label));
        processed += 1;
    }
    for (items, attr) in [(emails, "email"), (phones, "phone")] {
        for v in items {
            let ext = v.get("external_id").and_then(id_text);
            let value = v.get(attr).and_then(Value::as_str);
            let (Some(ext), Some(value)) = (ext, value) else {
                continue;
            };
            let prio = v
                .get("prioritization")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let anon = prioritized(&store, attr, value, &prio);
            identify_one(&mut store, anon, &ext, None);
            processed += 1;
        }
    }
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"aliases_processed": processed, "message": "success"}),
    ))
}

/// `POST /users/alias/new`: an alias for a user, or a new alias-only user. Braze
/// does not check the objects' shape strictly (\[CAPTURE\]): each counts.
pub async fn alias_new(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let items = list(&body, "user_aliases")?;
    let now = b.now();
    let mut store = b.store();
    for v in items {
        let Some(a) = alias(v) else { continue };
        match v.get("external_id").and_then(id_text) {
            Some(ext) => {
                if let Some(i) = store.find(&Identifier::ExternalId(ext)) {
                    let p = &mut store.profiles[i];
                    p.user_aliases.retain(|x| x.alias_label != a.alias_label);
                    p.user_aliases.push(a);
                    p.updated_at = now;
                }
            }
            None => {
                store.find_or_create(&Identifier::Alias(a), true, now);
            }
        }
    }
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"aliases_processed": items.len(), "message": "success"}),
    ))
}

/// `POST /users/alias/update`: renames aliases; an unknown one is a silent no-op.
/// The response is UNKNOWN: 201 `{"message": "success"}`.
pub async fn alias_update(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let items = list(&body, "alias_updates")?;
    let mut store = b.store();
    for v in items {
        let text = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let (label, old, new) = (
            text("alias_label"),
            text("old_alias_name"),
            text("new_alias_name"),
        );
        if label.is_empty() || old.is_empty() || new.is_empty() {
            continue;
        }
        let old = UserAlias {
            alias_name: old,
            alias_label: label.clone(),
        };
        if let Some(i) = store.find(&Identifier::Alias(old.clone())) {
            for a in &mut store.profiles[i].user_aliases {
                if *a == old {
                    a.alias_name.clone_from(&new);
                }
            }
        }
    }
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"message": "success"}),
    ))
}

const MERGE_ARRAY: &str = "'merge_updates' must be an array of objects";
const MERGE_MAX: &str = "a single request may not contain more than 50 merge updates";
const MERGE_KEYS: &str =
    "'merge_updates' must only have 'identifier_to_merge' and 'identifier_to_keep'";
const MERGE_IDENTIFIER: &str = "identifiers must be objects with an 'external_id' property that is a string, 'user_alias' property that is an object, 'email' property that is a string, or 'phone' property that is a string";

fn merge_target(store: &Store, v: &Value) -> Result<Option<usize>, BrazeError> {
    let o = v.as_object().ok_or_else(|| bad(MERGE_IDENTIFIER))?;
    let prio = o
        .get("prioritization")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(x) = o.get("external_id") {
        let id = x.as_str().ok_or_else(|| bad(MERGE_IDENTIFIER))?;
        return Ok(store.find(&Identifier::ExternalId(id.to_owned())));
    }
    if let Some(x) = o.get("user_alias") {
        let a = alias(x).ok_or_else(|| bad(MERGE_IDENTIFIER))?;
        return Ok(store.find(&Identifier::Alias(a)));
    }
    for attr in ["email", "phone"] {
        if let Some(x) = o.get(attr) {
            let value = x.as_str().ok_or_else(|| bad(MERGE_IDENTIFIER))?;
            return Ok(prioritized(store, attr, value, &prio));
        }
    }
    Err(bad(MERGE_IDENTIFIER))
}

/// `POST /users/merge`: 202 `{"message": "success"}`, with the documented 400s.
pub async fn merge(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let Some(items) = body.get("merge_updates").and_then(Value::as_array) else {
        return Err(bad(MERGE_ARRAY));
    };
    if items.len() > MAX_IDS {
        return Err(bad(MERGE_MAX));
    }
    let mut pairs = Vec::new();
    {
        let store = b.store();
        for v in items {
            let o = v.as_object().ok_or_else(|| bad(MERGE_ARRAY))?;
            if o.keys()
                .any(|k| k != "identifier_to_merge" && k != "identifier_to_keep")
            {
                return Err(bad(MERGE_KEYS));
            }
            let from = merge_target(&store, o.get("identifier_to_merge").unwrap_or(&Value::Null))?;
            let into = merge_target(&store, o.get("identifier_to_keep").unwrap_or(&Value::Null))?;
            pairs.push((
                from.map(|i| store.profiles[i].braze_id.clone()),
                into.map(|i| store.profiles[i].braze_id.clone()),
            ));
        }
    }
    let mut store = b.store();
    for (from, into) in pairs {
        let at = |store: &Store, id: &Option<String>| {
            id.as_ref()
                .and_then(|id| store.find(&Identifier::BrazeId(id.clone())))
        };
        if let (Some(f), Some(k)) = (at(&store, &from), at(&store, &into)) {
            merge_into(&mut store, f, k);
        }
    }
    Ok(json_response(
        StatusCode::ACCEPTED,
        &json!({"message": "success"}),
    ))
}

fn non_empty<'a>(body: &'a Map<String, Value>, key: &str) -> Result<&'a [Value], BrazeError> {
    let items = list(body, key)?;
    if items.is_empty() {
        return Err(bad(&format!("'{key}' must be a non-empty array")));
    }
    Ok(items)
}

/// `POST /users/external_ids/rename`: 201 with `external_ids` (the renames done, as
/// captured) and `rename_errors` `[[index, message]]` (shape UNVERIFIED).
pub async fn rename(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let items = non_empty(&body, "external_id_renames")?;
    let mut store = b.store();
    let (mut done, mut errors) = (Vec::new(), Vec::new());
    for (n, v) in items.iter().enumerate() {
        let cur = v
            .get("current_external_id")
            .and_then(id_text)
            .unwrap_or_default();
        let new = v
            .get("new_external_id")
            .and_then(id_text)
            .unwrap_or_default();
        let primary = store
            .profiles
            .iter()
            .position(|p| p.external_id.as_deref() == Some(cur.as_str()));
        let taken = store.find(&Identifier::ExternalId(new.clone())).is_some()
            || store.api.deprecated_ids.contains_key(&new);
        let problem = match primary {
            _ if cur.is_empty() || new.is_empty() => {
                Some("current_external_id and new_external_id are required")
            }
            _ if cur == new => Some("current_external_id and new_external_id must be different"),
            None => Some("current_external_id is not the primary external_id of a user"),
            Some(_) if taken => Some("new_external_id is already in use"),
            Some(_) => None,
        };
        match (problem, primary) {
            (None, Some(i)) => {
                let braze_id = store.profiles[i].braze_id.clone();
                store.profiles[i].external_id = Some(new.clone());
                store.api.deprecated_ids.insert(cur.clone(), braze_id);
                done.push(json!({"current_external_id": cur, "new_external_id": new}));
            }
            (why, _) => errors.push(json!([n, why.unwrap_or_default()])),
        }
    }
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"rename_errors": errors, "external_ids": done, "message": "success"}),
    ))
}

/// `POST /users/external_ids/remove`: only deprecated ids can be removed.
pub async fn remove_ids(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let items = non_empty(&body, "external_ids")?;
    let mut store = b.store();
    let (mut removed, mut errors) = (Vec::new(), Vec::new());
    for (n, v) in items.iter().enumerate() {
        let id = id_text(v).unwrap_or_default();
        if store.api.deprecated_ids.remove(&id).is_some() {
            removed.push(json!(id));
        } else {
            errors.push(json!([n, "external_id is not a deprecated external_id"]));
        }
    }
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"removed_ids": removed, "removal_errors": errors, "message": "success"}),
    ))
}

/// `POST /users/track/sync`: one object, applied before the answer, which echoes
/// the user with only what the request touched (\[DOC\]).
pub async fn track_sync(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let count = |k: &str| body.get(k).and_then(Value::as_array).map_or(0, Vec::len);
    if count("attributes") + count("events") + count("purchases") != 1 {
        return Err(bad(
            "/users/track/sync takes exactly one attributes, event or purchase object",
        ));
    }
    let (key, object) = ["attributes", "events", "purchases"]
        .iter()
        .find_map(|k| body.get(*k)?.as_array()?.first().map(|o| (*k, o.clone())))
        .ok_or_else(|| bad("/users/track/sync takes exactly one object"))?;
    let req = wire::parse_track(&body, 1)?;
    let who = object
        .as_object()
        .map(wire::identifier)
        .transpose()
        .ok()
        .flatten();
    let now = b.now();
    let mut store = b.store();
    let outcome = store.track(req, now);
    if let Some(e) = outcome.errors.first() {
        return Err(BrazeError::BadRequest(e.kind.clone()));
    }
    let found = who.as_ref().and_then(|w| store.find(w));
    let users: Vec<Value> = found
        .map(|i| sync_user(&store.profiles[i], key, &object))
        .into_iter()
        .collect();
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"users": users, "message": "success"}),
    ))
}

fn sync_user(p: &Profile, key: &str, object: &Value) -> Value {
    let mut u = Map::new();
    for id in ["external_id", "email", "user_alias", "braze_id", "phone"] {
        if let Some(v) = object.get(id) {
            u.insert(id.to_owned(), v.clone());
            break;
        }
    }
    let full = export_ids::export_user(p, None);
    match key {
        "attributes" => {
            let touched: Map<String, Value> = p
                .custom_attributes
                .iter()
                .filter(|(k, _)| object.get(k.as_str()).is_some())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            u.insert("custom_attributes".to_owned(), Value::Object(touched));
        }
        "events" => {
            let name = object.get("name").cloned().unwrap_or(Value::Null);
            let tally = full
                .get("custom_events")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            u.insert(
                "custom_events".to_owned(),
                json!(
                    tally
                        .into_iter()
                        .filter(|e| e["name"] == name)
                        .collect::<Vec<_>>()
                ),
            );
        }
        _ => {
            let product = object.get("product_id").cloned().unwrap_or(Value::Null);
            let tally = full
                .get("purchases")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mine: Vec<Value> = tally
                .into_iter()
                .filter(|e| e["name"] == product)
                .map(|mut e| {
                    if let Some(o) = e.as_object_mut()
                        && let Some(n) = o.remove("name")
                    {
                        o.insert("product_id".to_owned(), n);
                    }
                    e
                })
                .collect();
            u.insert("purchase_events".to_owned(), json!(mine));
        }
    }
    Value::Object(u)
}

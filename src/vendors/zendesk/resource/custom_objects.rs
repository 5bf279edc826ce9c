//! Custom objects and their fields [DOC: Custom Objects, Custom Object Fields]:
//! objects named by a `key` the admin chooses, each with its own fields; their
//! records live in [`super::custom_object_records`].

use crate::vendors::zendesk::accounts::Account;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::routes::{Reply, Routes, Z, ok, require_staff, root};
use super::spec::{Record, record, ts};
use crate::vendors::zendesk::error::{ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::{BaseUrl, Caller};
use crate::vendors::zendesk::store::Store;
use crate::vendors::zendesk::wire::json_response;

/// The table of custom objects.
pub const OBJECTS: &str = "custom_objects";
/// The table of every object's fields (each names its object in `custom_object_key`).
pub const FIELDS: &str = "custom_object_fields";
/// The table of every object's records (each names its object in
/// `custom_object_key`), served by [`super::custom_object_records`].
pub const RECORDS: &str = "custom_object_records";
/// Field types an object's field may have [DOC: Custom Object Fields].
const TYPES: &[&str] = &[
    "text", "textarea", "checkbox", "date", "integer", "decimal", "regexp", "dropdown",
    "multiselect", "lookup",
];

/// The routes of this file.
pub fn routes(r: Routes) -> Routes {
    let one = "/api/v2/custom_objects/{custom_object_key}";
    r.add(
        "/api/v2/custom_objects",
        &["GET", "POST"],
        get(list_objects).post(create_object),
    )
    .add(
        one,
        &["GET", "PATCH", "DELETE"],
        get(show_object).patch(update_object).delete(delete_object),
    )
    .add(
        &format!("{one}/fields"),
        &["GET", "POST"],
        get(list_fields).post(create_field),
    )
}

fn bare(key: &str) -> &str {
    key.trim_end_matches(".json")
}

fn invalid(field: &str, text: String, code: &str) -> ZendeskError {
    ZendeskError::invalid(field, text, code)
}

/// The object with `key`: its table key and record, or `RecordNotFound`.
pub fn object(store: &Store, key: &str) -> Result<(u64, Record), ZendeskError> {
    store
        .records
        .table(OBJECTS)
        .into_iter()
        .flatten()
        .find(|(_, o)| o["key"].as_str() == Some(key))
        .map(|(k, o)| (*k, o.clone()))
        .ok_or(ZendeskError::RecordNotFound)
}

/// An object's fields, in position order.
pub fn fields_of<'s>(store: &'s Store, key: &str) -> Vec<&'s Record> {
    let mut all: Vec<&Record> = store
        .records
        .all(FIELDS)
        .filter(|f| f["custom_object_key"].as_str() == Some(key))
        .collect();
    all.sort_by_key(|f| f["position"].as_u64().unwrap_or(u64::MAX));
    all
}

fn object_json(base: &str, o: &Record) -> Value {
    let mut v = o.clone();
    let url = format!("{base}/api/v2/custom_objects/{}.json", o["key"].as_str().unwrap_or_default());
    v.insert("url".to_owned(), Value::String(url));
    Value::Object(v)
}

fn field_json(base: &str, f: &Record) -> Value {
    let mut v = f.clone();
    let object = v.remove("custom_object_key").unwrap_or(Value::Null);
    let url = format!(
        "{base}/api/v2/custom_objects/{}/fields/{}.json",
        object.as_str().unwrap_or_default(),
        f["id"]
    );
    v.insert("url".to_owned(), Value::String(url));
    Value::Object(v)
}

fn text(input: &Value, key: &str) -> Option<String> {
    input.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A key as Zendesk takes them: lowercase letters, digits and underscores,
/// starting with a letter (rule UNVERIFIED).
fn valid_key(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_lowercase())
        && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Applies the writable texts of an object (`title`, `title_pluralized`,
/// `description`) and their `raw_` copies.
fn apply_texts(o: &mut Record, input: &Value) {
    for k in ["title", "title_pluralized", "description"] {
        if let Some(v) = input.get(k).filter(|v| v.is_string() || v.is_null()) {
            o.insert(k.to_owned(), v.clone());
            o.insert(format!("raw_{k}"), v.clone());
        }
    }
}

fn new_object(store: &Store, input: &Value, by: u64, now: OffsetDateTime) -> Result<Record, ZendeskError> {
    let key = text(input, "key").ok_or_else(|| invalid("key", "Key: cannot be blank".to_owned(), "BlankValue"))?;
    if !valid_key(&key) {
        return Err(invalid("key", format!("Key: {key} is invalid"), "InvalidValue"));
    }
    if object(store, &key).is_ok() {
        return Err(invalid("key", format!("Key: {key} has already been taken"), "DuplicateValue"));
    }
    for (k, label) in [("title", "Title"), ("title_pluralized", "Title pluralized")] {
        if text(input, k).is_none() {
            return Err(invalid(k, format!("{label}: cannot be blank"), "BlankValue"));
        }
    }
    let mut o = record(json!({
        "key": key, "title": null, "raw_title": null, "title_pluralized": null,
        "raw_title_pluralized": null, "description": null, "raw_description": null,
        "created_by_user_id": by.to_string(), "updated_by_user_id": by.to_string(),
        "created_at": ts(now), "updated_at": ts(now),
    }));
    apply_texts(&mut o, input);
    Ok(o)
}

/// `GET /custom_objects` \[DOC\]: every object, no pagination.
async fn list_objects(Account(z): Z, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let all: Vec<Value> = store.records.all(OBJECTS).map(|o| object_json(&base, o)).collect();
    Ok(ok(&json!({ "custom_objects": all })))
}

/// `POST /custom_objects` with `{"custom_object": {key, title,
/// title_pluralized, description}}` \[DOC\]: 201. A blank, malformed or taken
/// key, or a blank title: 422 (texts UNVERIFIED).
async fn create_object(
    Account(z): Z,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = root(&body, "custom_object")?;
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let o = new_object(&store, input, caller.0, now)?;
    let id = store.next_id();
    store.records.put(OBJECTS, id, o.clone());
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "custom_object": object_json(&base, &o) }),
    ))
}

async fn show_object(Account(z): Z, Path(key): Path<String>, BaseUrl(base): BaseUrl) -> Reply {
    let (_, o) = object(&z.store_read(), bare(&key))?;
    Ok(ok(&json!({ "custom_object": object_json(&base, &o) })))
}

/// `PATCH /custom_objects/{key}` \[DOC\]: titles and description; the key stays.
async fn update_object(
    Account(z): Z,
    caller: Caller,
    Path(key): Path<String>,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = root(&body, "custom_object")?;
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let (id, mut o) = object(&store, bare(&key))?;
    apply_texts(&mut o, input);
    o.insert("updated_at".to_owned(), ts(now));
    o.insert("updated_by_user_id".to_owned(), json!(caller.0.to_string()));
    store.records.put(OBJECTS, id, o.clone());
    Ok(ok(&json!({ "custom_object": object_json(&base, &o) })))
}

/// `DELETE /custom_objects/{key}` \[DOC\]: 204; its fields and records go with it
/// (UNVERIFIED: Zendesk may refuse while records exist).
async fn delete_object(Account(z): Z, caller: Caller, Path(key): Path<String>) -> Reply {
    let key = bare(&key).to_owned();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let (id, _) = object(&store, &key)?;
    store.records.remove(OBJECTS, id);
    let mine = |r: &Record| r["custom_object_key"].as_str() == Some(key.as_str());
    store.records.remove_where(FIELDS, mine);
    store.records.remove_where(RECORDS, mine);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /custom_objects/{key}/fields` \[DOC\]: the object's fields by position.
async fn list_fields(Account(z): Z, Path(key): Path<String>, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let (_, o) = object(&store, bare(&key))?;
    let key = o["key"].as_str().unwrap_or_default();
    let all: Vec<Value> = fields_of(&store, key).into_iter().map(|f| field_json(&base, f)).collect();
    Ok(ok(&json!({ "custom_object_fields": all })))
}

/// Options of a dropdown or multiselect field, each given an id.
fn options(store: &mut Store, given: Option<&Value>) -> Result<Value, ZendeskError> {
    let mut out = Vec::new();
    for o in given.and_then(Value::as_array).into_iter().flatten() {
        let (Some(name), Some(value)) = (text(o, "name"), text(o, "value")) else {
            return Err(invalid("custom_field_options", "Custom field options: need a name and a value".to_owned(), "InvalidValue"));
        };
        out.push(json!({"id": store.next_id(), "name": name, "raw_name": name, "value": value}));
    }
    Ok(Value::Array(out))
}

fn new_field(store: &mut Store, object: &str, input: &Value, now: OffsetDateTime) -> Result<Record, ZendeskError> {
    let kind = text(input, "type").unwrap_or_else(|| "text".to_owned());
    if !TYPES.contains(&kind.as_str()) {
        return Err(invalid("type", format!("Type: {kind} is not a field type"), "InvalidValue"));
    }
    let key = text(input, "key").ok_or_else(|| invalid("key", "Key: cannot be blank".to_owned(), "BlankValue"))?;
    let title = text(input, "title").ok_or_else(|| invalid("title", "Title: cannot be blank".to_owned(), "BlankValue"))?;
    if fields_of(store, object).iter().any(|f| f["key"].as_str() == Some(key.as_str())) {
        return Err(invalid("key", format!("Key: {key} has already been taken"), "DuplicateValue"));
    }
    let position = fields_of(store, object).len();
    let choices = options(store, input.get("custom_field_options"))?;
    let mut f = record(json!({
        "id": store.next_id(), "custom_object_key": object, "type": kind, "key": key,
        "title": title, "raw_title": title, "description": input.get("description").cloned().unwrap_or(Value::Null),
        "raw_description": input.get("description").cloned().unwrap_or(Value::Null),
        "position": position, "active": true, "system": false,
        "regexp_for_validation": input.get("regexp_for_validation").cloned().unwrap_or(Value::Null),
        "created_at": ts(now), "updated_at": ts(now),
    }));
    if matches!(kind.as_str(), "dropdown" | "multiselect") {
        f.insert("custom_field_options".to_owned(), choices);
    }
    Ok(f)
}

/// `POST /custom_objects/{key}/fields` with `{"custom_object_field": {type,
/// key, title, description, custom_field_options, regexp_for_validation}}`
/// \[DOC\]: 201; the key is unique within the object.
async fn create_field(
    Account(z): Z,
    caller: Caller,
    Path(key): Path<String>,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = root(&body, "custom_object_field")?;
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let (_, o) = object(&store, bare(&key))?;
    let object = o["key"].as_str().unwrap_or_default().to_owned();
    let f = new_field(&mut store, &object, input, now)?;
    let id = f["id"].as_u64().unwrap_or_default();
    store.records.put(FIELDS, id, f.clone());
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "custom_object_field": field_json(&base, &f) }),
    ))
}

/// Checks a record's `custom_object_fields` against its object's fields: each
/// key must be one of them, each value must suit its type (as ticket fields'
/// values are checked; a 422 otherwise).
pub fn check_values(store: &Store, object: &str, values: &Map<String, Value>) -> Result<(), ZendeskError> {
    let fields = fields_of(store, object);
    for (key, value) in values {
        let Some(field) = fields.iter().find(|f| f["key"].as_str() == Some(key.as_str())) else {
            return Err(invalid("custom_object_fields", format!("{key} is not a field of {object}"), "InvalidValue"));
        };
        if !super::fields::value_fits(field, value) {
            let title = field["title"].as_str().unwrap_or(key);
            return Err(invalid("custom_object_fields", format!("{title}: is invalid"), "InvalidValue"));
        }
    }
    Ok(())
}

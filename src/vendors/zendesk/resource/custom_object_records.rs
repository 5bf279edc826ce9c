//! Custom object records [DOC: Custom Object Records]: instances of a custom
//! object, with ULID ids, a name, an optional external id and the object's
//! field values; cursor pages, filters, upsert by external id, count, search
//! and name autocomplete.

use crate::vendors::zendesk::accounts::Account;

use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::custom_objects::{RECORDS, check_values, fields_of, object};
use super::listing::Query;
use super::routes::{Reply, Routes, Z, ok, require_staff, root};
use super::spec::{Record, record, ts};
use crate::vendors::zendesk::error::{ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::{BaseUrl, Caller};
use crate::vendors::zendesk::page;
use crate::vendors::zendesk::store::Store;
use crate::vendors::zendesk::wire::json_response;


/// The routes of this file.
pub fn routes(r: Routes) -> Routes {
    let all = "/api/v2/custom_objects/{custom_object_key}/records";
    r.add(
        all,
        &["GET", "POST", "PATCH", "DELETE"],
        get(list)
            .post(create)
            .patch(upsert)
            .delete(delete_by_external_id),
    )
    .add(&format!("{all}/count"), &["GET"], get(count))
    .add(&format!("{all}/search"), &["GET"], get(search))
    .add(&format!("{all}/autocomplete"), &["GET"], get(autocomplete))
    .add(
        &format!("{all}/{{custom_object_record_id}}"),
        &["GET", "PATCH", "DELETE"],
        get(show).patch(update).delete(destroy),
    )
}

fn bare(s: &str) -> &str {
    s.trim_end_matches(".json")
}

/// The object's records, in creation order, with their table keys.
fn records_of<'s>(store: &'s Store, object: &str) -> Vec<(u64, &'s Record)> {
    store
        .records
        .table(RECORDS)
        .into_iter()
        .flatten()
        .filter(|(_, r)| r["custom_object_key"].as_str() == Some(object))
        .map(|(k, r)| (*k, r))
        .collect()
}

fn find(store: &Store, object: &str, id: &str) -> Result<(u64, Record), ZendeskError> {
    records_of(store, object)
        .into_iter()
        .find(|(_, r)| r["id"].as_str() == Some(id))
        .map(|(k, r)| (k, r.clone()))
        .ok_or(ZendeskError::RecordNotFound)
}

/// A record as the API shows it: every field of its object present (null when
/// unset) and its `url`.
fn shown(store: &Store, base: &str, r: &Record) -> Value {
    let object = r["custom_object_key"].as_str().unwrap_or_default();
    let mut v = r.clone();
    let set = r["custom_object_fields"].as_object().cloned().unwrap_or_default();
    let mut values = Map::new();
    for f in fields_of(store, object) {
        let key = f["key"].as_str().unwrap_or_default().to_owned();
        let value = set.get(&key).cloned().unwrap_or(Value::Null);
        values.insert(key, value);
    }
    v.insert("custom_object_fields".to_owned(), Value::Object(values));
    let url = format!(
        "{base}/api/v2/custom_objects/{object}/records/{}.json",
        r["id"].as_str().unwrap_or_default()
    );
    v.insert("url".to_owned(), Value::String(url));
    Value::Object(v)
}

/// Applies a write's `name`, `external_id` and `custom_object_fields` (merged
/// key by key) to `r`, checking them: a blank name, an external id another
/// record of the object has, or a value its field does not take: 422 (texts
/// UNVERIFIED).
fn apply(store: &Store, object: &str, own: Option<&str>, r: &mut Record, input: &Value) -> Result<(), ZendeskError> {
    if let Some(name) = input.get("name") {
        r.insert("name".to_owned(), name.clone());
    }
    if r["name"].as_str().is_none_or(|n| n.trim().is_empty()) {
        return Err(ZendeskError::invalid("name", "Name: cannot be blank", "BlankValue"));
    }
    if let Some(ext) = input.get("external_id") {
        let taken = ext.as_str().is_some_and(|e| {
            records_of(store, object)
                .iter()
                .any(|(_, x)| x["external_id"].as_str() == Some(e) && x["id"].as_str() != own)
        });
        if taken {
            return Err(ZendeskError::invalid("external_id", "External id: has already been taken", "DuplicateValue"));
        }
        r.insert("external_id".to_owned(), ext.clone());
    }
    if let Some(given) = input.get("custom_object_fields") {
        let Some(given) = given.as_object() else {
            return Err(ZendeskError::invalid("custom_object_fields", "Custom object fields: must be an object", "InvalidValue"));
        };
        check_values(store, object, given)?;
        let mut values = r["custom_object_fields"].as_object().cloned().unwrap_or_default();
        values.extend(given.clone());
        r.insert("custom_object_fields".to_owned(), Value::Object(values));
    }
    Ok(())
}

fn new_record(store: &mut Store, object: &str, input: &Value, by: u64, now: OffsetDateTime) -> Result<(u64, Record), ZendeskError> {
    let mut r = record(json!({
        "id": null, "name": null, "custom_object_key": object, "custom_object_fields": {},
        "external_id": null, "created_by_user_id": by.to_string(),
        "updated_by_user_id": by.to_string(), "created_at": ts(now), "updated_at": ts(now),
    }));
    apply(store, object, None, &mut r, input)?;
    r.insert("id".to_owned(), Value::String(store.ulid_at(now)));
    let key = store.next_id();
    store.records.put(RECORDS, key, r.clone());
    Ok((key, r))
}

fn changed(store: &mut Store, key: u64, mut r: Record, input: &Value, by: u64, now: OffsetDateTime) -> Result<Record, ZendeskError> {
    let object = r["custom_object_key"].as_str().unwrap_or_default().to_owned();
    let own = r["id"].as_str().map(str::to_owned);
    apply(store, &object, own.as_deref(), &mut r, input)?;
    r.insert("updated_at".to_owned(), ts(now));
    r.insert("updated_by_user_id".to_owned(), json!(by.to_string()));
    store.records.put(RECORDS, key, r.clone());
    Ok(r)
}

/// `GET .../records` \[DOC\]: cursor pages (`page[size]` up to 100), filtered by
/// `filter[ids]` or `filter[external_ids]` (comma-separated), in creation order.
async fn list(Account(z): Z, Path(key): Path<String>, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let (_, o) = object(&store, bare(&key))?;
    let object = o["key"].as_str().unwrap_or_default();
    let q = Query::parse(q.as_deref());
    let wanted = |k: &str| q.get(k).map(|v| v.split(',').map(str::to_owned).collect::<Vec<_>>());
    let (ids, externals) = (wanted("filter[ids]"), wanted("filter[external_ids]"));
    let items: Vec<(u64, Value)> = records_of(&store, object)
        .into_iter()
        .filter(|(_, r)| ids.as_ref().is_none_or(|w| w.iter().any(|i| r["id"].as_str() == Some(i))))
        .filter(|(_, r)| externals.as_ref().is_none_or(|w| w.iter().any(|e| r["external_id"].as_str() == Some(e))))
        .map(|(k, r)| (k, shown(&store, &base, r)))
        .collect();
    let path = format!("/api/v2/custom_objects/{object}/records");
    let page = page::list("custom_object_records", &path, "id", &items, &q.0, &base, &["filter[ids]", "filter[external_ids]"])?;
    Ok(ok(&page))
}

/// `POST .../records` with `{"custom_object_record": {name, external_id,
/// custom_object_fields}}` \[DOC\]: 201.
async fn create(Account(z): Z, caller: Caller, Path(key): Path<String>, BaseUrl(base): BaseUrl, ZendeskJson(body): ZendeskJson) -> Reply {
    let input = root(&body, "custom_object_record")?;
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let (_, o) = object(&store, bare(&key))?;
    let (_, r) = new_record(&mut store, o["key"].as_str().unwrap_or_default(), input, caller.0, now)?;
    Ok(json_response(StatusCode::CREATED, &json!({"custom_object_record": shown(&store, &base, &r)})))
}

async fn show(Account(z): Z, Path((key, id)): Path<(String, String)>, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let (_, o) = object(&store, bare(&key))?;
    let (_, r) = find(&store, o["key"].as_str().unwrap_or_default(), bare(&id))?;
    Ok(ok(&json!({"custom_object_record": shown(&store, &base, &r)})))
}

/// `PATCH .../records/{id}` \[DOC\]: changes what it sends; field values merge.
async fn update(
    Account(z): Z,
    caller: Caller,
    Path((key, id)): Path<(String, String)>,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = root(&body, "custom_object_record")?;
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let (_, o) = object(&store, bare(&key))?;
    let (k, r) = find(&store, o["key"].as_str().unwrap_or_default(), bare(&id))?;
    let r = changed(&mut store, k, r, input, caller.0, now)?;
    Ok(ok(&json!({"custom_object_record": shown(&store, &base, &r)})))
}

async fn destroy(Account(z): Z, caller: Caller, Path((key, id)): Path<(String, String)>) -> Reply {
    let mut store = z.store();
    require_staff(&store, caller)?;
    let (_, o) = object(&store, bare(&key))?;
    let (k, _) = find(&store, o["key"].as_str().unwrap_or_default(), bare(&id))?;
    store.records.remove(RECORDS, k);
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn external_id(q: Option<&str>) -> Result<String, ZendeskError> {
    Query::parse(q)
        .get("external_id")
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| ZendeskError::BadRequest("param is missing or the value is empty: external_id".to_owned()))
}

/// `PATCH .../records?external_id=` [DOC: Set Custom Object Record by External
/// Id]: updates the record with that external id, or creates it with that id;
/// 200 or 201 (statuses UNVERIFIED).
async fn upsert(
    Account(z): Z,
    caller: Caller,
    Path(key): Path<String>,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let ext = external_id(q.as_deref())?;
    let mut input = root(&body, "custom_object_record")?.clone();
    if let Value::Object(m) = &mut input {
        m.insert("external_id".to_owned(), Value::String(ext.clone()));
    }
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let (_, o) = object(&store, bare(&key))?;
    let object = o["key"].as_str().unwrap_or_default().to_owned();
    let found = records_of(&store, &object)
        .into_iter()
        .find(|(_, r)| r["external_id"].as_str() == Some(ext.as_str()))
        .map(|(k, r)| (k, r.clone()));
    let (status, r) = match found {
        Some((k, r)) => (StatusCode::OK, changed(&mut store, k, r, &input, caller.0, now)?),
        None => (StatusCode::CREATED, new_record(&mut store, &object, &input, caller.0, now)?.1),
    };
    Ok(json_response(status, &json!({"custom_object_record": shown(&store, &base, &r)})))
}

/// `DELETE .../records?external_id=` \[DOC\]: 204; no such record: 404.
async fn delete_by_external_id(Account(z): Z, caller: Caller, Path(key): Path<String>, RawQuery(q): RawQuery) -> Reply {
    let ext = external_id(q.as_deref())?;
    let mut store = z.store();
    require_staff(&store, caller)?;
    let (_, o) = object(&store, bare(&key))?;
    let k = records_of(&store, o["key"].as_str().unwrap_or_default())
        .into_iter()
        .find(|(_, r)| r["external_id"].as_str() == Some(ext.as_str()))
        .map(|(k, _)| k)
        .ok_or(ZendeskError::RecordNotFound)?;
    store.records.remove(RECORDS, k);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET .../records/count` \[DOC\]: `{"count": {"value", "refreshed_at"}}`.
async fn count(Account(z): Z, Path(key): Path<String>) -> Reply {
    let store = z.store_read();
    let (_, o) = object(&store, bare(&key))?;
    let n = records_of(&store, o["key"].as_str().unwrap_or_default()).len();
    Ok(ok(&json!({"count": {"value": n, "refreshed_at": ts(z.now())}})))
}

/// Records of the object whose text matches: the name, external id or a
/// string field value contains `needle` (any case).
fn matching<'s>(store: &'s Store, object: &str, hit: impl Fn(&str) -> bool) -> Vec<(u64, &'s Record)> {
    records_of(store, object)
        .into_iter()
        .filter(|(_, r)| {
            let texts = [&r["name"], &r["external_id"]]
                .into_iter()
                .chain(r["custom_object_fields"].as_object().into_iter().flat_map(|m| m.values()));
            texts.filter_map(Value::as_str).any(&hit)
        })
        .collect()
}

/// `GET .../records/search?query=` \[DOC\]: records whose name, external id or a
/// text value contains the query (any case; Zendesk's full search syntax not
/// yet), cursor-paged.
async fn search(Account(z): Z, Path(key): Path<String>, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let (_, o) = object(&store, bare(&key))?;
    let object = o["key"].as_str().unwrap_or_default();
    let q = Query::parse(q.as_deref());
    let needle = q.get("query").unwrap_or_default().to_lowercase();
    let items: Vec<(u64, Value)> = matching(&store, object, |t| t.to_lowercase().contains(&needle))
        .into_iter()
        .map(|(k, r)| (k, shown(&store, &base, r)))
        .collect();
    let path = format!("/api/v2/custom_objects/{object}/records/search");
    let page = page::list("custom_object_records", &path, "id", &items, &q.0, &base, &["query"])?;
    Ok(ok(&page))
}

/// `GET .../records/autocomplete?name=` \[DOC\]: records whose name starts with
/// the value (any case), cursor-paged.
async fn autocomplete(Account(z): Z, Path(key): Path<String>, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let (_, o) = object(&store, bare(&key))?;
    let object = o["key"].as_str().unwrap_or_default();
    let q = Query::parse(q.as_deref());
    let prefix = q.get("name").unwrap_or_default().to_lowercase();
    let items: Vec<(u64, Value)> = records_of(&store, object)
        .into_iter()
        .filter(|(_, r)| r["name"].as_str().is_some_and(|n| n.to_lowercase().starts_with(&prefix)))
        .map(|(k, r)| (k, shown(&store, &base, r)))
        .collect();
    let path = format!("/api/v2/custom_objects/{object}/records/autocomplete");
    let page = page::list("custom_object_records", &path, "id", &items, &q.0, &base, &["name"])?;
    Ok(ok(&page))
}

//! Ticket trigger categories, `/api/v2/trigger_categories` [DOC: Trigger
//! Categories, from Zendesk's OpenAPI document]: `{id (a string), name, position,
//! created_at, updated_at}`; list (both paginations, `sort`), create (200),
//! show, update (`PATCH`), delete (204; not while active triggers are in it).
//! Errors are the newer APIs' `{"errors": [{code, title}]}`.

use crate::vendors::zendesk::accounts::Account;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};

use super::listing::Query;
use super::routes::{Reply, Routes, Z, ok};
use super::spec::ts;
use crate::vendors::zendesk::error::{ApiProblem, ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::BaseUrl;
use crate::vendors::zendesk::page;
use crate::vendors::zendesk::store::{Record, Store};

const TABLE: &str = "trigger_categories";

/// The most categories an account has [DOC: `ProductLimitExceeded`].
const MAX_CATEGORIES: usize = 500;

/// The routes of this file.
pub fn routes(r: Routes) -> Routes {
    r.add(
        "/api/v2/trigger_categories",
        &["GET", "POST"],
        get(list).post(create),
    )
    .add(
        "/api/v2/trigger_categories/{trigger_category_id}",
        &["GET", "PATCH", "DELETE"],
        get(show).patch(update).delete(remove),
    )
}

fn problem(status: u16, code: &str, title: &str) -> ZendeskError {
    ZendeskError::Problems {
        status,
        problems: vec![ApiProblem {
            code: code.to_owned(),
            title: title.to_owned(),
            detail: String::new(),
        }],
    }
}

fn not_found() -> ZendeskError {
    problem(
        404,
        "TriggerCategoryNotFound",
        "Category can\u{2019}t be found. Check the ID and try again.",
    )
}

/// A category as the API shows it: its id as a string \[DOC\].
fn shown(rec: &Record) -> Value {
    let mut out = rec.clone();
    if let Some(id) = rec.get("id").and_then(Value::as_u64) {
        out.insert("id".to_owned(), json!(id.to_string()));
    }
    Value::Object(out)
}

/// The category a path names; anything but a known id is a 404.
fn find(store: &Store, id: &str) -> Result<(u64, Record), ZendeskError> {
    let id: u64 = id
        .strip_suffix(".json")
        .unwrap_or(id)
        .parse()
        .map_err(|_| not_found())?;
    let rec = store
        .records
        .get(TABLE, id)
        .cloned()
        .ok_or_else(not_found)?;
    Ok((id, rec))
}

/// `GET /api/v2/trigger_categories`: by `position` unless `sort` says otherwise
/// (`position`, `name`, `created_at`, `updated_at`, `-` for descending) \[DOC\].
async fn list(Account(z): Z, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let q = Query::parse(q.as_deref());
    let sort = q.get("sort").unwrap_or("position");
    let (desc, key) = match sort.strip_prefix('-') {
        Some(key) => (true, key),
        None => (false, sort),
    };
    if !["position", "name", "created_at", "updated_at"].contains(&key) {
        return Err(problem(400, "InvalidSortParameter", "sort is not valid"));
    }
    let store = z.store_read();
    let mut recs: Vec<&Record> = store.records.all(TABLE).collect();
    recs.sort_by(|a, b| {
        let order = match key {
            "position" => a["position"].as_u64().cmp(&b["position"].as_u64()),
            _ => a[key].as_str().cmp(&b[key].as_str()),
        };
        order.then(a["id"].as_u64().cmp(&b["id"].as_u64()))
    });
    if desc {
        recs.reverse();
    }
    let items: Vec<(u64, Value)> = recs
        .into_iter()
        .map(|r| (r["id"].as_u64().unwrap_or_default(), shown(r)))
        .collect();
    page::list(
        "trigger_categories",
        "/api/v2/trigger_categories",
        "id",
        &items,
        &q.0,
        &base,
        &["sort", "include"],
    )
    .map(|v| ok(&v))
}

/// The name and position a write sets, checked: a blank name is the documented
/// 400 `InvalidTriggerCategory`.
fn apply(rec: &mut Record, input: &Value, creating: bool) -> Result<(), ZendeskError> {
    let input = input.get("trigger_category").unwrap_or(&Value::Null);
    match input.get("name") {
        Some(Value::String(n)) if !n.trim().is_empty() => {
            rec.insert("name".to_owned(), json!(n.trim()));
        }
        None if !creating => {}
        _ => {
            return Err(problem(
                400,
                "InvalidTriggerCategory",
                "Name cannot be blank",
            ));
        }
    }
    match input.get("position") {
        Some(p) if p.is_u64() => {
            rec.insert("position".to_owned(), p.clone());
        }
        None | Some(Value::Null) => {}
        Some(_) => {
            // Text UNVERIFIED; the documented code.
            return Err(problem(
                400,
                "InvalidTriggerCategory",
                "Position is not valid",
            ));
        }
    }
    Ok(())
}

/// `POST /api/v2/trigger_categories`: 200 with the category \[DOC\]; without a
/// position it goes last (UNVERIFIED).
async fn create(Account(z): Z, ZendeskJson(body): ZendeskJson) -> Reply {
    let now = z.now();
    let mut store = z.store();
    let count = store.records.all(TABLE).count();
    if count >= MAX_CATEGORIES {
        return Err(problem(
            403,
            "ProductLimitExceeded",
            "Your account has reached the limit of 500 ticket trigger categories.",
        ));
    }
    let id = store.next_id();
    let mut rec = Record::new();
    rec.insert("id".to_owned(), json!(id));
    rec.insert("position".to_owned(), json!(count));
    apply(&mut rec, &body, true)?;
    rec.insert("created_at".to_owned(), ts(now));
    rec.insert("updated_at".to_owned(), ts(now));
    let out = shown(&rec);
    store.records.put(TABLE, id, rec);
    Ok(ok(&json!({"trigger_category": out})))
}

async fn show(Account(z): Z, Path(id): Path<String>) -> Reply {
    let (_, rec) = find(&z.store_read(), &id)?;
    Ok(ok(&json!({"trigger_category": shown(&rec)})))
}

/// `PATCH /api/v2/trigger_categories/{id}`: the name and position given \[DOC\].
async fn update(Account(z): Z, Path(id): Path<String>, ZendeskJson(body): ZendeskJson) -> Reply {
    let now = z.now();
    let mut store = z.store();
    let (id, mut rec) = find(&store, &id)?;
    apply(&mut rec, &body, false)?;
    rec.insert("updated_at".to_owned(), ts(now));
    let out = shown(&rec);
    store.records.put(TABLE, id, rec);
    Ok(ok(&json!({"trigger_category": out})))
}

/// `DELETE /api/v2/trigger_categories/{id}`: 204, or the documented 400 while an
/// active trigger is in it.
async fn remove(Account(z): Z, Path(id): Path<String>) -> Reply {
    let mut store = z.store();
    let (id, _) = find(&store, &id)?;
    let key = id.to_string();
    if store
        .triggers
        .values()
        .any(|t| t.active && t.category_id.as_deref() == Some(key.as_str()))
    {
        return Err(problem(
            400,
            "TriggerCategoryNotEmpty",
            "A category with active ticket triggers cannot be deleted.",
        ));
    }
    store
        .records
        .remove_where(TABLE, |r| r["id"].as_u64() == Some(id));
    Ok(StatusCode::NO_CONTENT.into_response())
}

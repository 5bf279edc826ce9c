//! Catalogs (\[DOC\] the Catalogs endpoints; \[CAPTURE\] braze_ruby's cassettes of
//! 2024-10): named tables of items with typed fields, the first field `id`.
//! Catalogs are created, listed and deleted at once; item writes of up to 50
//! items are answered 202 (Braze applies them later; the fake at once).
//!
//! Errors are Braze's newer structured shape, as captured:
//! `{"errors": [{"id", "message", "parameters", "parameter_values"}], "message":
//! "Invalid Request"}`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use serde_json::{Map, Value, json};

use super::account::Braze;
use super::error::{BrazeJson, Reply, json_response};
use super::state::Catalog;

type B = State<Arc<Braze>>;

/// The most items one item call takes \[DOC\].
const MAX_ITEMS: usize = 50;

/// The field types a catalog field can have \[DOC\].
const FIELD_TYPES: &[&str] = &["string", "number", "boolean", "time", "object", "array"];

/// A refused call: Braze's structured error, made a reply at the handler.
#[derive(Debug)]
pub struct Refusal {
    status: StatusCode,
    id: &'static str,
    message: &'static str,
    parameters: &'static [&'static str],
    values: Vec<Value>,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        json_response(
            self.status,
            &json!({"errors": [{"id": self.id, "message": self.message,
                                "parameters": self.parameters, "parameter_values": self.values}],
                    "message": "Invalid Request"}),
        )
    }
}

fn error(
    status: StatusCode,
    id: &'static str,
    message: &'static str,
    parameters: &'static [&'static str],
    values: &[Value],
) -> Refusal {
    Refusal {
        status,
        id,
        message,
        parameters,
        values: values.to_vec(),
    }
}

/// A catalog a create names.
struct NewCatalog {
    name: String,
    description: String,
    fields: Vec<(String, String)>,
}

fn success(status: StatusCode) -> Reply {
    Ok(json_response(status, &json!({"message": "success"})))
}

fn not_found(name: &str) -> Refusal {
    error(
        StatusCode::NOT_FOUND,
        "catalog-not-found",
        "Could not find catalog",
        &["catalog_name"],
        &[json!(name)],
    )
}

/// Whether a catalog name or item id is made of letters, digits, `-` and `_`
/// and not too long \[DOC\].
fn valid_name(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `GET /catalogs`: every catalog \[CAPTURE\].
pub async fn list(State(b): B) -> Reply {
    let store = b.store();
    let all: Vec<Value> = store.api.catalogs.iter().map(Catalog::shown).collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"catalogs": all, "message": "success"}),
    ))
}

/// `POST /catalogs` with one catalog in `catalogs`: 201 with it \[DOC\]; a taken
/// name is the captured `catalog-name-already-exists`.
pub async fn create(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let NewCatalog {
        name,
        description,
        fields,
    } = match parse_catalog(&body) {
        Ok(parts) => parts,
        Err(refused) => return Ok(refused.into_response()),
    };
    let now = b.now();
    let mut store = b.store();
    if store.api.catalogs.iter().any(|c| c.name == name) {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "catalog-name-already-exists",
            "A catalog with that name already exists",
            &["name"],
            &[json!(name)],
        )
        .into_response());
    }
    let catalog = Catalog {
        name,
        description,
        fields,
        items: BTreeMap::new(),
        updated_at: now,
    };
    let shown = catalog.shown();
    store.api.catalogs.push(catalog);
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"catalogs": [shown], "message": "success"}),
    ))
}

/// The catalog a create names: its name, description and fields (`id`, a
/// string, first), or the error reply.
fn parse_catalog(body: &Map<String, Value>) -> Result<NewCatalog, Refusal> {
    let one = match body.get("catalogs").and_then(Value::as_array) {
        Some(list) if list.len() == 1 && list[0].is_object() => &list[0],
        _ => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "catalog-array-invalid",
                "catalogs must be an array with one catalog object",
                &["catalogs"],
                &[],
            ));
        }
    };
    let name = one["name"].as_str().unwrap_or_default().to_owned();
    if !valid_name(&name, 250) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "invalid-catalog-name",
            "Catalog name can only include letters, numbers, hyphens, and underscores",
            &["name"],
            &[json!(name)],
        ));
    }
    let mut fields = Vec::new();
    for f in one["fields"].as_array().into_iter().flatten() {
        match (f["name"].as_str(), f["type"].as_str()) {
            (Some(n), Some(t)) if valid_name(n, 250) && FIELD_TYPES.contains(&t) => {
                fields.push((n.to_owned(), t.to_owned()));
            }
            _ => return Err(invalid_fields(f)),
        }
    }
    if fields
        .first()
        .is_none_or(|(n, t)| n != "id" || t != "string")
    {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "id-not-first-column",
            "The first field must be id with type string",
            &["fields"],
            &[],
        ));
    }
    let description = one["description"].as_str().unwrap_or_default().to_owned();
    Ok(NewCatalog {
        name,
        description,
        fields,
    })
}

fn invalid_fields(f: &Value) -> Refusal {
    error(
        StatusCode::BAD_REQUEST,
        "invalid-fields",
        "Fields need a name (letters, numbers, hyphens, underscores) and a type of boolean, number, string, time, object or array",
        &["fields"],
        std::slice::from_ref(f),
    )
}

/// `DELETE /catalogs/{name}`: 200 \[CAPTURE\].
pub async fn delete(State(b): B, Path(name): Path<String>) -> Reply {
    let mut store = b.store();
    let before = store.api.catalogs.len();
    store.api.catalogs.retain(|c| c.name != name);
    if store.api.catalogs.len() == before {
        return Ok(not_found(&name).into_response());
    }
    success(StatusCode::OK)
}

/// What an item write does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// `POST`: creates the items (ids already there are left as they are).
    Create,
    /// `PATCH`: sets the given fields of items that exist.
    Edit,
    /// `PUT`: replaces or creates the items.
    Replace,
    /// `DELETE`: removes the items named by id.
    Delete,
}

/// `POST`, `PATCH`, `PUT` and `DELETE /catalogs/{name}/items` with `items` (at
/// most 50, each with a string `id`): 202 \[CAPTURE for `POST` and `PATCH`\].
pub async fn write_items(
    b: Arc<Braze>,
    name: String,
    body: Map<String, Value>,
    how: Write,
) -> Reply {
    let items = match checked_items(&body) {
        Ok(items) => items,
        Err(refused) => return Ok(refused.into_response()),
    };
    let now = b.now();
    let mut store = b.store();
    let Some(catalog) = store.api.catalogs.iter_mut().find(|c| c.name == name) else {
        return Ok(not_found(&name).into_response());
    };
    for (id, item) in items {
        apply(catalog, id, item, how);
    }
    catalog.updated_at = now;
    success(StatusCode::ACCEPTED)
}

/// The items of a write with their ids, or the error reply.
fn checked_items(body: &Map<String, Value>) -> Result<Vec<(String, &Value)>, Refusal> {
    let Some(items) = body.get("items").and_then(Value::as_array) else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "item-array-invalid",
            "items must be an array of objects",
            &["items"],
            &[],
        ));
    };
    if items.len() > MAX_ITEMS {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "request-includes-too-many-items",
            "Request includes too many items (at most 50)",
            &["items"],
            &[],
        ));
    }
    items
        .iter()
        .map(|item| {
            let id = item.get("id").and_then(Value::as_str).unwrap_or_default();
            if item.is_object() && valid_name(id, 250) {
                Ok((id.to_owned(), item))
            } else {
                Err(error(
                    StatusCode::BAD_REQUEST,
                    "invalid-ids",
                    "Item ids can only include letters, numbers, hyphens, and underscores",
                    &["id"],
                    &[item.get("id").cloned().unwrap_or(Value::Null)],
                ))
            }
        })
        .collect()
}

/// One item's write. Fields the catalog does not have are left out (UNVERIFIED).
fn apply(catalog: &mut Catalog, id: String, item: &Value, how: Write) {
    let known: Map<String, Value> = catalog
        .fields
        .iter()
        .filter_map(|(f, _)| Some((f.clone(), item.get(f)?.clone())))
        .collect();
    match how {
        Write::Create => {
            catalog.items.entry(id).or_insert(known);
        }
        Write::Replace => {
            catalog.items.insert(id, known);
        }
        Write::Edit => {
            if let Some(existing) = catalog.items.get_mut(&id) {
                existing.extend(known);
            }
        }
        Write::Delete => {
            catalog.items.remove(&id);
        }
    }
}

/// `/catalogs/{name}/items`: the list, and one write per method.
pub fn item_routes() -> MethodRouter<Arc<Braze>> {
    let write = |how: Write| {
        move |State(b): B, Path(name): Path<String>, BrazeJson(body): BrazeJson| {
            write_items(b, name, body, how)
        }
    };
    get(list_items)
        .post(write(Write::Create))
        .patch(write(Write::Edit))
        .put(write(Write::Replace))
        .delete(write(Write::Delete))
}

/// `GET /catalogs/{name}/items`: 50 items a page in id order, the next page in
/// a `Link: <...>; rel="next"` header with a `cursor` \[DOC\] (the cursor is
/// the last id of the page, UNVERIFIED form).
async fn list_items(
    State(b): B,
    Path(name): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Reply {
    let store = b.store();
    let Some(catalog) = store.api.catalogs.iter().find(|c| c.name == name) else {
        return Ok(not_found(&name).into_response());
    };
    let after = q.get("cursor").cloned().unwrap_or_default();
    let page: Vec<(&String, &Map<String, Value>)> = catalog
        .items
        .iter()
        .filter(|(id, _)| after.is_empty() || id.as_str() > after.as_str())
        .take(MAX_ITEMS + 1)
        .collect();
    let more = page.len() > MAX_ITEMS;
    let items: Vec<Value> = page
        .iter()
        .take(MAX_ITEMS)
        .map(|(_, i)| Value::Object((*i).clone()))
        .collect();
    let mut res = json_response(
        StatusCode::OK,
        &json!({"items": items, "message": "success"}),
    );
    if more && let Some((last, _)) = page.get(MAX_ITEMS - 1) {
        let link = format!("</catalogs/{name}/items?cursor={last}>; rel=\"next\"");
        if let Ok(v) = HeaderValue::from_str(&link) {
            res.headers_mut().insert(header::LINK, v);
        }
    }
    Ok(res)
}

/// `GET /catalogs/{name}/items/{id}`: `{"items": [item]}` \[DOC\].
pub async fn show_item(State(b): B, Path((name, id)): Path<(String, String)>) -> Reply {
    let store = b.store();
    let Some(catalog) = store.api.catalogs.iter().find(|c| c.name == name) else {
        return Ok(not_found(&name).into_response());
    };
    match catalog.items.get(&id) {
        Some(item) => Ok(json_response(
            StatusCode::OK,
            &json!({"items": [item], "message": "success"}),
        )),
        None => Ok(error(
            StatusCode::NOT_FOUND,
            "item-not-found",
            "Could not find item",
            &["item_id"],
            &[json!(id)],
        )
        .into_response()),
    }
}

/// `DELETE /catalogs/{name}/items/{id}`: 202 \[DOC\].
pub async fn delete_item(State(b): B, Path((name, id)): Path<(String, String)>) -> Reply {
    let mut body = Map::new();
    body.insert("items".to_owned(), json!([{"id": id}]));
    write_items(b, name, body, Write::Delete).await
}

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
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::account::Braze;
use super::error::{BrazeJson, Reply, json_response};
use super::state::Catalog;

type B = State<Arc<Braze>>;

/// The most items one item call takes \[DOC\].
const MAX_ITEMS: usize = 50;

/// The field types a catalog field can have \[DOC\].
const FIELD_TYPES: &[&str] = &["string", "number", "boolean", "time", "object", "array"];

/// Braze's structured error reply.
fn error(
    status: StatusCode,
    id: &str,
    message: &str,
    parameters: &[&str],
    values: &[Value],
) -> Response {
    json_response(
        status,
        &json!({"errors": [{"id": id, "message": message, "parameters": parameters,
                            "parameter_values": values}],
                "message": "Invalid Request"}),
    )
}

fn success(status: StatusCode) -> Reply {
    Ok(json_response(status, &json!({"message": "success"})))
}

fn not_found(name: &str) -> Response {
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
    let one = match body.get("catalogs").and_then(Value::as_array) {
        Some(list) if list.len() == 1 && list[0].is_object() => list[0].clone(),
        _ => {
            return Ok(error(
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
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "invalid-catalog-name",
            "Catalog name can only include letters, numbers, hyphens, and underscores",
            &["name"],
            &[json!(name)],
        ));
    }
    let mut fields = Vec::new();
    for f in one["fields"].as_array().into_iter().flatten() {
        let (Some(n), Some(t)) = (f["name"].as_str(), f["type"].as_str()) else {
            return Ok(invalid_fields(f));
        };
        if !valid_name(n, 250) || !FIELD_TYPES.contains(&t) {
            return Ok(invalid_fields(f));
        }
        fields.push((n.to_owned(), t.to_owned()));
    }
    if fields
        .first()
        .is_none_or(|(n, t)| n != "id" || t != "string")
    {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "id-not-first-column",
            "The first field must be id with type string",
            &["fields"],
            &[],
        ));
    }
    let now = b.now();
    let mut store = b.store();
    if store.api.catalogs.iter().any(|c| c.name == name) {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "catalog-name-already-exists",
            "A catalog with that name already exists",
            &["name"],
            &[json!(name)],
        ));
    }
    let catalog = Catalog {
        name,
        description: one["description"].as_str().unwrap_or_default().to_owned(),
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

fn invalid_fields(f: &Value) -> Response {
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
        return Ok(not_found(&name));
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
/// Fields the catalog does not have are left out (UNVERIFIED).
pub async fn write_items(
    b: Arc<Braze>,
    name: String,
    body: Map<String, Value>,
    how: Write,
) -> Reply {
    let Some(items) = body.get("items").and_then(Value::as_array) else {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "item-array-invalid",
            "items must be an array of objects",
            &["items"],
            &[],
        ));
    };
    if items.len() > MAX_ITEMS {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "request-includes-too-many-items",
            "Request includes too many items (at most 50)",
            &["items"],
            &[],
        ));
    }
    let mut checked = Vec::new();
    for item in items {
        let id = item.get("id").and_then(Value::as_str).unwrap_or_default();
        if !item.is_object() || !valid_name(id, 250) {
            return Ok(error(
                StatusCode::BAD_REQUEST,
                "invalid-ids",
                "Item ids can only include letters, numbers, hyphens, and underscores",
                &["id"],
                &[item.get("id").cloned().unwrap_or(Value::Null)],
            ));
        }
        checked.push((id.to_owned(), item));
    }
    let now = b.now();
    let mut store = b.store();
    let Some(catalog) = store.api.catalogs.iter_mut().find(|c| c.name == name) else {
        return Ok(not_found(&name));
    };
    for (id, item) in checked {
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
    catalog.updated_at = now;
    success(StatusCode::ACCEPTED)
}

/// The item routes' handlers, one per method.
pub async fn create_items(
    State(b): B,
    Path(name): Path<String>,
    BrazeJson(body): BrazeJson,
) -> Reply {
    write_items(b, name, body, Write::Create).await
}

/// `PATCH /catalogs/{name}/items`.
pub async fn edit_items(
    State(b): B,
    Path(name): Path<String>,
    BrazeJson(body): BrazeJson,
) -> Reply {
    write_items(b, name, body, Write::Edit).await
}

/// `PUT /catalogs/{name}/items`.
pub async fn replace_items(
    State(b): B,
    Path(name): Path<String>,
    BrazeJson(body): BrazeJson,
) -> Reply {
    write_items(b, name, body, Write::Replace).await
}

/// `DELETE /catalogs/{name}/items`.
pub async fn delete_items(
    State(b): B,
    Path(name): Path<String>,
    BrazeJson(body): BrazeJson,
) -> Reply {
    write_items(b, name, body, Write::Delete).await
}

/// `GET /catalogs/{name}/items`: 50 items a page in id order, the next page in
/// a `Link: <...>; rel="next"` header with a `cursor` \[DOC\] (the cursor is
/// the last id of the page, UNVERIFIED form).
pub async fn list_items(
    State(b): B,
    Path(name): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Reply {
    let store = b.store();
    let Some(catalog) = store.api.catalogs.iter().find(|c| c.name == name) else {
        return Ok(not_found(&name));
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
        return Ok(not_found(&name));
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
        )),
    }
}

/// `DELETE /catalogs/{name}/items/{id}`: 202 \[DOC\].
pub async fn delete_item(State(b): B, Path((name, id)): Path<(String, String)>) -> Reply {
    let mut body = Map::new();
    body.insert("items".to_owned(), json!([{"id": id}]));
    write_items(b, name, body, Write::Delete).await
}

//! What the app has recorded, as Braze exports it: `GET /custom_attributes` and
//! `GET /events`, the custom attributes and custom events users hold, 50 a page
//! in name order, the next page in a `Link` header \[DOC: Export custom
//! attributes, Export custom events\].

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::account::Braze;
use super::error::{BrazeError, json_response};

type B = State<Arc<Braze>>;
type Q = Query<HashMap<String, String>>;
type Reply = Result<Response, BrazeError>;

/// Names a page holds \[DOC\].
const PAGE: usize = 50;
/// The longest array a custom attribute may hold, Braze's default (UNVERIFIED).
const ARRAY_LENGTH: u64 = 500;

/// The cursor of the page starting at `skip`: base64 of `skip:N`, the form of the
/// documented examples (`c2tpcDow` is `skip:0`).
fn cursor(skip: usize) -> String {
    STANDARD.encode(format!("skip:{skip}"))
}

fn skip_of(q: &HashMap<String, String>) -> Result<usize, BrazeError> {
    let Some(c) = q.get("cursor").filter(|c| !c.is_empty()) else {
        return Ok(0);
    };
    STANDARD
        .decode(c)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("skip:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| BrazeError::BadRequest("Invalid cursor".to_owned()))
}

/// One page of `items` under `key`, with `Link` to the previous and next pages
/// (the documented header lists `prev` then `next`).
fn page_of(path: &str, key: &str, items: Vec<Value>, skip: usize) -> Response {
    let total = items.len();
    let shown: Vec<Value> = items.into_iter().skip(skip).take(PAGE).collect();
    let mut res = json_response(StatusCode::OK, &json!({"message": "success", key: shown}));
    let mut links = Vec::new();
    if skip > 0 {
        let prev = cursor(skip.saturating_sub(PAGE));
        links.push(format!("<{path}?cursor={prev}>; rel=\"prev\""));
    }
    if skip + PAGE < total {
        let next = cursor(skip + PAGE);
        links.push(format!("<{path}?cursor={next}>; rel=\"next\""));
    }
    if !links.is_empty()
        && let Ok(v) = HeaderValue::from_str(&links.join(","))
    {
        res.headers_mut().insert(header::LINK, v);
    }
    res
}

/// A custom attribute's `data_type` from a value users hold [DOC lists Number,
/// String, Boolean, Time, Array, Object, Object Array]; an ISO 8601 string is a
/// time, as `/users/track` reads it.
fn data_type(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "Boolean",
        Value::Number(_) => "Number",
        Value::String(s) if OffsetDateTime::parse(s, &Rfc3339).is_ok() => "Time",
        Value::String(_) => "String",
        Value::Array(a) if !a.is_empty() && a.iter().all(Value::is_object) => "Object Array",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
        Value::Null => "String",
    }
}

/// `GET /custom_attributes`: each custom attribute users hold, by name, with
/// the type of the first value seen; `description` null and `tag_names` empty
/// (set in Braze's dashboard), `status` `Active`.
pub async fn custom_attributes(State(b): B, Query(q): Q) -> Reply {
    let skip = skip_of(&q)?;
    let mut seen: BTreeMap<String, &'static str> = BTreeMap::new();
    {
        let store = b.store();
        for p in &store.profiles {
            for (name, v) in p.custom_attributes.iter().filter(|(_, v)| !v.is_null()) {
                seen.entry(name.clone()).or_insert_with(|| data_type(v));
            }
        }
    }
    let items = seen
        .into_iter()
        .map(|(name, kind)| {
            let length = matches!(kind, "Array" | "Object Array").then_some(ARRAY_LENGTH);
            json!({"array_length": length, "data_type": kind, "description": null, "name": name, "status": "Active", "tag_names": []})
        })
        .collect();
    Ok(page_of("/custom_attributes", "attributes", items, skip))
}

/// `GET /events`: each custom event users hold, by name; `description` null,
/// `included_in_analytics_report` false, `status` `Active`, `tag_names` empty.
pub async fn custom_events(State(b): B, Query(q): Q) -> Reply {
    let skip = skip_of(&q)?;
    let names: std::collections::BTreeSet<String> = {
        let store = b.store();
        store
            .profiles
            .iter()
            .flat_map(|p| p.events.iter().map(|e| e.name.clone()))
            .collect()
    };
    let items = names
        .into_iter()
        .map(|name| json!({"name": name, "description": null, "included_in_analytics_report": false, "status": "Active", "tag_names": []}))
        .collect();
    Ok(page_of("/events", "events", items, skip))
}

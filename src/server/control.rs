//! The control API, on its own port: health, journal, vendor state, reset, and
//! `POST /expect` (in [`super::expect`]).
//!
//! Every reply is JSON, errors included.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::Harness;
use crate::journal::Filter;

/// The control API's routes.
pub fn router(h: Arc<Harness>) -> Router {
    let mut vendor_routes = Router::new();
    for v in &h.vendors {
        if let Some(r) = v.clone().control() {
            vendor_routes = vendor_routes.nest(&format!("/{}", v.name()), r);
        }
    }
    Router::new()
        .route("/health", get(health))
        .route("/journal", get(journal).delete(clear_journal))
        .route("/state/{vendor}", get(state))
        .route("/reset", post(reset))
        .route("/coverage", get(coverage))
        .route("/expect", post(super::expect::expect))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(h)
        .merge(vendor_routes)
}

type H = State<Arc<Harness>>;

pub(super) fn error(status: StatusCode, message: String, hint: Value) -> Response {
    (status, axum::Json(json!({"error": message, "hint": hint}))).into_response()
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "no such control endpoint".to_owned(),
        json!(
            "GET /health, GET /journal, DELETE /journal, GET /state/{vendor}, POST /reset, POST /expect, GET /coverage"
        ),
    )
}

async fn method_not_allowed() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed on this control endpoint".to_owned(),
        Value::Null,
    )
}

async fn health(State(h): H) -> Response {
    let vendors: Vec<Value> = h
        .vendors
        .iter()
        .map(|v| json!({"name": v.name(), "url": h.url(v.name())}))
        .collect();
    axum::Json(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION"), "vendors": vendors, "journal": h.journal.stats()})).into_response()
}

fn parse_filter(raw: Option<&str>) -> Result<Filter, String> {
    let mut f = Filter::default();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let number = |what: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("`{what}` must be a non-negative integer, got `{v}`"))
        };
        match k.as_ref() {
            "vendor" => f.vendor = Some(v.to_string()),
            "since" => f.since = Some(number("since")?),
            "limit" => f.limit = Some(usize::try_from(number("limit")?).unwrap_or(usize::MAX)),
            other => {
                return Err(format!(
                    "unknown parameter `{other}` (known: vendor, since, limit)"
                ));
            }
        }
    }
    Ok(f)
}

async fn journal(State(h): H, RawQuery(q): RawQuery) -> Response {
    let filter = match parse_filter(q.as_deref()) {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, e, Value::Null),
    };
    if let Some(v) = filter.vendor.as_deref().filter(|v| h.vendor(v).is_none()) {
        return unknown_vendor(&h, v);
    }
    let entries = h.journal.entries(&filter);
    let next_since = entries
        .last()
        .map_or_else(|| filter.since.unwrap_or(1), |e| e.seq + 1);
    axum::Json(json!({"entries": entries, "next_since": next_since, "stats": h.journal.stats()}))
        .into_response()
}

async fn clear_journal(State(h): H) -> Response {
    h.journal.clear();
    StatusCode::NO_CONTENT.into_response()
}

pub(super) fn unknown_vendor(h: &Harness, name: &str) -> Response {
    let known: Vec<&str> = h.vendors.iter().map(|v| v.name()).collect();
    error(
        StatusCode::NOT_FOUND,
        format!("unknown vendor `{name}`"),
        json!({"known": known}),
    )
}

async fn state(State(h): H, Path(vendor): Path<String>) -> Response {
    match h.vendor(&vendor) {
        Some(v) => axum::Json(v.state()).into_response(),
        None => unknown_vendor(&h, &vendor),
    }
}

async fn reset(State(h): H) -> Response {
    for v in &h.vendors {
        v.reset();
    }
    h.journal.clear();
    h.coverage.clear();
    let names: Vec<&str> = h.vendors.iter().map(|v| v.name()).collect();
    axum::Json(json!({"reset": names})).into_response()
}

/// Per vendor: the method and path templates it implements, the calls it served,
/// and every call it does not implement, with counts.
async fn coverage(State(h): H) -> Response {
    let vendors: serde_json::Map<String, Value> = h
        .vendors
        .iter()
        .map(|v| {
            let (served, unmatched) = h.coverage.calls(v.name());
            let implemented: Vec<Value> = v
                .implemented()
                .into_iter()
                .map(|(method, path)| json!({"method": method, "path": path}))
                .collect();
            (
                v.name().to_owned(),
                json!({"implemented": implemented, "served": served, "unmatched": unmatched}),
            )
        })
        .collect();
    axum::Json(json!({ "vendors": vendors })).into_response()
}

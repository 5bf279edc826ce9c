//! What the control routes share: the harness extractor, the JSON error reply, the
//! journal filter and the unknown-vendor answer. The bottom of the control API:
//! every route file uses it, it uses none of them.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::Harness;
use super::guard;
use crate::journal::Filter;

/// Entries `GET /journal` returns when no `limit` is given.
pub const DEFAULT_JOURNAL_LIMIT: usize = 1_000;

/// The harness, as control handlers extract it.
pub type H = State<Arc<Harness>>;

/// A control-API error: `{"error", "hint"}` with `status`.
pub fn error(status: StatusCode, message: String, hint: Value) -> Response {
    guard::error(status, &message, hint)
}

/// `?vendor=&since=&limit=` of the journal's routes.
pub fn parse_filter(raw: Option<&str>) -> Result<Filter, String> {
    let mut f = Filter {
        limit: Some(DEFAULT_JOURNAL_LIMIT),
        ..Filter::default()
    };
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

/// The 404 for a vendor name the run does not serve, listing the known ones.
pub fn unknown_vendor(h: &Harness, name: &str) -> Response {
    let known: Vec<&str> = h.vendors.iter().map(|v| v.name()).collect();
    error(
        StatusCode::NOT_FOUND,
        format!("unknown vendor `{name}`"),
        json!({"known": known}),
    )
}

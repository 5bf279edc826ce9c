//! `POST /expect` on the control API: wait until the journal holds the exchanges a
//! client describes, as a scenario's `expect` step does, with the same matcher and
//! the same closest-exchange explanation when nothing matched in time. Packages in
//! other languages call it instead of matching traffic themselves.
//!
//! ```json
//! {"vendor": "acme", "method": "POST", "path": "/api/items.json",
//!  "body": {"item": {"subject": "Hi"}}, "status": 201, "within": "2s"}
//! ```
//!
//! Optional keys: `direction` (`inbound`, the default, or `outbound`), `query` and
//! `headers` (name to value, `*` globs), `count` (default 1; 0: expect none),
//! `since` (only entries with this sequence number or later). The reply is
//! `{"matched": true, "exchanges": [...]}` (what a scenario's `as:` captures), or
//! `{"matched": false, "message": "..."}` once `within` (default 5s, at most 60s)
//! has passed.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Harness;
use super::reply::{error, unknown_vendor};
use crate::journal::{Direction, Filter};
use crate::matching::want::{Check, Want, capture, explain_unwanted};

/// Default wait, as a scenario's `expect` step.
const DEFAULT_WITHIN: Duration = Duration::from_secs(5);
/// Longest wait a request may ask for.
const MAX_WITHIN: Duration = Duration::from_secs(60);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    vendor: String,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    query: BTreeMap<String, String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: Option<Value>,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    unmatched: Option<bool>,
    #[serde(default)]
    count: Option<u32>,
    #[serde(default)]
    within: Option<String>,
    #[serde(default)]
    since: Option<u64>,
}

/// What a valid request asks for.
struct Ask {
    want: Want,
    count: usize,
    within: Duration,
    since: Option<u64>,
}

/// Why a request was refused: a 400 with this message, or an unknown vendor (404).
enum Refused {
    Bad(String),
    UnknownVendor(String),
}

fn bad(message: String) -> Refused {
    Refused::Bad(message)
}

fn parse(h: &Harness, body: &[u8]) -> Result<Ask, Refused> {
    let shape = |why: String| {
        bad(format!(
            "the body must be a JSON object such as {{\"vendor\": \"{}\", \"path\": \"/...\"}}: {why}",
            h.vendors.first().map_or("", |v| v.name())
        ))
    };
    let value: Value = serde_json::from_slice(body).map_err(|e| shape(e.to_string()))?;
    if !value.is_object() {
        return Err(shape(format!("got {value}")));
    }
    let r: Request = serde_json::from_value(value).map_err(|e| shape(e.to_string()))?;
    if h.vendor(&r.vendor).is_none() {
        return Err(Refused::UnknownVendor(r.vendor));
    }
    let direction = match r.direction.as_deref() {
        None | Some("inbound") => Direction::Inbound,
        Some("outbound") => Direction::Outbound,
        Some(other) => {
            return Err(bad(format!(
                "`direction` must be `inbound` or `outbound`, got `{other}`"
            )));
        }
    };
    let within = match r.within.as_deref() {
        None => DEFAULT_WITHIN,
        Some(w) => crate::clock::parse_duration(w)
            .filter(|d| *d <= MAX_WITHIN)
            .ok_or_else(|| {
                bad(format!(
                    "`within` must be a duration such as 500ms or 2s, at most 60s; got `{w}`"
                ))
            })?,
    };
    Ok(Ask {
        want: Want {
            vendor: r.vendor,
            direction,
            method: r.method.map(|m| m.to_uppercase()),
            path: r.path,
            query: r.query,
            headers: r.headers,
            body: r.body,
            status: r.status,
            unmatched: r.unmatched,
        },
        count: r.count.unwrap_or(1) as usize,
        within,
        since: r.since,
    })
}

/// `POST /expect`.
pub(super) async fn expect(State(h): State<Arc<Harness>>, body: Bytes) -> Response {
    let ask = match parse(&h, &body) {
        Ok(a) => a,
        Err(Refused::Bad(message)) => return error(StatusCode::BAD_REQUEST, message, Value::Null),
        Err(Refused::UnknownVendor(name)) => return unknown_vendor(&h, &name),
    };
    let filter = Filter {
        since: ask.since,
        ..Default::default()
    };
    let deadline = Instant::now() + ask.within;
    let mut changes = h.journal.subscribe();
    loop {
        let entries = h.journal.entries(&filter);
        let found = match ask.want.check(&entries, ask.count, |_| false) {
            Check::Matched(taken) => {
                let exchanges: Vec<Value> = taken.iter().map(|e| capture(e)).collect();
                return axum::Json(json!({"matched": true, "exchanges": exchanges}))
                    .into_response();
            }
            Check::Unwanted(matched) => return failed(explain_unwanted(&matched)),
            Check::Waiting(found) => found,
        };
        if Instant::now() >= deadline {
            if ask.count == 0 {
                return axum::Json(json!({"matched": true, "exchanges": []})).into_response();
            }
            return failed(
                ask.want
                    .explain(&entries, ask.count, found, ask.within, |_| false),
            );
        }
        crate::journal::changed_before(&mut changes, deadline).await;
    }
}

fn failed(message: String) -> Response {
    axum::Json(json!({"matched": false, "message": message})).into_response()
}

//! The journal as HAR 1.2 (HTTP Archive), which browser devtools open.
//!
//! Inbound exchanges are the system under test calling a fake; outbound ones are a
//! fake calling the system under test: in both the archive's client is whoever sent
//! the request, so outbound entries name the fake vendor as the client
//! (`_client`) and its target as the server.

use std::path::Path;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};

use super::reply::{H, error, parse_filter, unknown_vendor};
use crate::clock::iso_millis;
use crate::journal::{Direction, Entry, Headers};

/// `GET /journal.har`: the entries `/journal` would list (same filters), as HAR.
pub async fn journal_har(State(h): H, RawQuery(q): RawQuery) -> Response {
    let filter = match parse_filter(q.as_deref()) {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, e, Value::Null),
    };
    if let Some(v) = filter.vendor.as_deref().filter(|v| h.vendor(v).is_none()) {
        return unknown_vendor(&h, v);
    }
    let entries = h.journal.entries(&filter);
    let doc = har(&entries, |v| h.url(v));
    let mut resp = axum::Json(doc).into_response();
    resp.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"fakedesk.har\""),
    );
    resp
}

/// Writes `entries` as a HAR file at `path`.
pub fn write(
    path: &Path,
    entries: &[Arc<Entry>],
    url_of: impl Fn(&str) -> Option<String>,
) -> std::io::Result<()> {
    let doc = har(entries, url_of);
    let text = serde_json::to_vec_pretty(&doc).map_err(std::io::Error::other)?;
    std::fs::write(path, text)
}

/// The HAR document of `entries`; `url_of(vendor)` is the fake's base URL, used for
/// inbound requests that carry no `Host` header.
pub fn har(entries: &[Arc<Entry>], url_of: impl Fn(&str) -> Option<String>) -> Value {
    let entries: Vec<Value> = entries.iter().map(|e| har_entry(e, &url_of)).collect();
    json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "fakedesk", "version": env!("CARGO_PKG_VERSION")},
            "entries": entries,
        }
    })
}

fn har_entry(e: &Entry, url_of: &impl Fn(&str) -> Option<String>) -> Value {
    let x = &e.exchange;
    let url = match (&x.outbound, x.direction) {
        (Some(o), _) => o.url.clone(),
        (None, _) => inbound_url(e, url_of),
    };
    let time_ms = x.duration_us as f64 / 1000.0;
    let (client, server) = match x.direction {
        Direction::Inbound => (
            "the system under test".to_owned(),
            format!("fake {}", x.vendor),
        ),
        Direction::Outbound => (
            format!("fake {}", x.vendor),
            "the system under test".to_owned(),
        ),
    };
    let mut entry = json!({
        "startedDateTime": iso_millis(x.started_at),
        "time": time_ms,
        "request": request(e, &url),
        "response": response(e),
        "cache": {},
        "timings": {"send": 0, "wait": time_ms, "receive": 0},
        "comment": format!("{} → {}", client, server),
        "_seq": e.seq,
        "_vendor": x.vendor,
        "_direction": x.direction,
        "_client": client,
    });
    if let Some(o) = &x.outbound {
        entry["_attempt"] = json!(o.attempt);
        entry["_delivery"] = json!(o.delivery);
    }
    if let Some(err) = &x.error {
        entry["_error"] = json!(err);
    }
    entry
}

fn inbound_url(e: &Entry, url_of: &impl Fn(&str) -> Option<String>) -> String {
    let r = &e.exchange.request;
    let base = match r.headers.get("host") {
        Some(host) => format!("http://{host}"),
        None => url_of(e.exchange.vendor).unwrap_or_else(|| "http://localhost".to_owned()),
    };
    match &r.query {
        Some(q) if !q.is_empty() => format!("{base}{}?{q}", r.path),
        _ => format!("{base}{}", r.path),
    }
}

fn pairs(headers: &Headers) -> Vec<Value> {
    headers
        .iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect()
}

fn request(e: &Entry, url: &str) -> Value {
    let r = &e.exchange.request;
    let query: Vec<Value> = r
        .query
        .as_deref()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| json!({"name": k, "value": v}))
                .collect()
        })
        .unwrap_or_default();
    let body = &r.body.0;
    let mut out = json!({
        "method": r.method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": pairs(&r.headers),
        "queryString": query,
        "headersSize": -1,
        "bodySize": body.len(),
    });
    if !body.is_empty() {
        let mime = r
            .headers
            .get("content-type")
            .unwrap_or("application/octet-stream");
        out["postData"] = json!({
            "mimeType": mime,
            "params": [],
            "text": String::from_utf8_lossy(body),
        });
    }
    if r.truncated {
        out["comment"] = json!("the body was over the fake's limit: only its start is kept");
    }
    out
}

fn response(e: &Entry) -> Value {
    let Some(r) = &e.exchange.response else {
        // No answer (refused, timed out): HAR's convention is status 0.
        return json!({
            "status": 0, "statusText": "", "httpVersion": "HTTP/1.1", "cookies": [],
            "headers": [], "redirectURL": "", "headersSize": -1, "bodySize": 0,
            "content": {"size": 0, "mimeType": "x-unknown"},
            "comment": e.exchange.error.clone().unwrap_or_default(),
        });
    };
    let body = &r.body.0;
    let mime = r.headers.get("content-type").unwrap_or("x-unknown");
    let mut content = json!({"size": body.len(), "mimeType": mime});
    match std::str::from_utf8(body) {
        Ok(text) => content["text"] = json!(text),
        Err(_) => {
            content["text"] = json!(base64::engine::general_purpose::STANDARD.encode(body));
            content["encoding"] = json!("base64");
        }
    }
    let reason = StatusCode::from_u16(r.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    json!({
        "status": r.status,
        "statusText": reason,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": pairs(&r.headers),
        "content": content,
        "redirectURL": r.headers.get("location").unwrap_or(""),
        "headersSize": -1,
        "bodySize": body.len(),
    })
}

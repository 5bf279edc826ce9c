//! `GET /journal/{seq}/signature`: whether an outbound request the fake sent
//! verifies under its vendor's signing scheme, checked with the vendor's own code
//! and current secrets, as the receiver would.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::reply::H;
use crate::journal::Direction;

/// The check of entry `seq`: `{seq, vendor, signed, scheme, verified, detail}`.
pub async fn check(State(h): H, Path(seq): Path<String>) -> Response {
    let entry = match super::live::find(&h, &seq) {
        Ok(e) => e,
        Err(r) => return *r,
    };
    let x = &entry.exchange;
    let base = json!({"seq": entry.seq, "vendor": x.vendor});
    let reply = |extra: serde_json::Value| {
        let mut v = base.clone();
        if let (Some(m), serde_json::Value::Object(e)) = (v.as_object_mut(), extra) {
            m.extend(e);
        }
        axum::Json(v).into_response()
    };
    if x.direction == Direction::Inbound {
        return reply(json!({
            "signed": false, "scheme": null, "verified": null,
            "detail": "an inbound request: the fake received it, it signs only what it sends"
        }));
    }
    let check = h
        .vendor(x.vendor)
        .and_then(|v| v.check_signature(&x.request.headers, &x.request.body.0));
    match check {
        Some(c) => reply(json!({
            "signed": true, "scheme": c.scheme, "verified": c.verified, "detail": c.detail
        })),
        None => reply(json!({
            "signed": false, "scheme": null, "verified": null,
            "detail": "this vendor does not sign what it sends"
        })),
    }
}

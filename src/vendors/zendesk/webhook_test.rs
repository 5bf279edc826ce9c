//! `POST /api/v2/webhooks/test`: one request sent now, as a webhook would send
//! it, and the receiver's answer returned [DOC recollection: body
//! `{"request": {endpoint, http_method, request_format, headers, payload}}`,
//! `?webhook_id=` to send as an existing webhook].

use std::sync::Arc;

use axum::Router;
use axum::extract::RawQuery;
use axum::routing::post;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use bytes::Bytes;
use serde_json::{Value, json};

use super::accounts::Account;
use super::admin_api::{problem, webhook_not_found};
use super::error::{ZendeskError, ZendeskJson};
use super::extract::{Caller, RouteJson};
use super::fake::Zendesk;
use super::resource::listing::Query;
use super::resource::routes::{Reply, require_staff};
use super::webhook::{Auth, FORMATS, Invocation, METHODS, Webhook};
use super::wire::json_response;
use crate::outbound::{NoRetry, Outcome};

/// The route of this file.
pub fn routes() -> Router<Arc<Zendesk>> {
    Router::new().route_json("/api/v2/webhooks/test", post(test))
}

/// The secret a test of a webhook not yet created is signed with: the static
/// one of Zendesk's docs (REFERENCE 1.11: the Express sample's; that "Test
/// webhook" signs with it is UNVERIFIED).
pub const TEST_SECRET: &str = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==";

fn invalid(detail: String) -> ZendeskError {
    problem(400, "InvalidInput", "Invalid input", detail)
}

fn text(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_owned)
}

/// The webhook to send as: the existing one named, or a draft from the request,
/// its endpoint, method and format overridden by the request's.
fn draft(base: Option<Webhook>, req: &Value, caller: u64, now: time::OffsetDateTime) -> Result<Webhook, ZendeskError> {
    let mut w = base.unwrap_or_else(|| Webhook {
        id: String::new(),
        name: "Test webhook".to_owned(),
        description: None,
        endpoint: String::new(),
        http_method: "POST".to_owned(),
        request_format: "json".to_owned(),
        status: "active".to_owned(),
        subscriptions: Vec::new(),
        auth: Auth::None,
        secret: TEST_SECRET.to_owned(),
        created_at: now,
        created_by: caller.to_string(),
        updated_at: now,
        updated_by: caller.to_string(),
    });
    if let Some(e) = text(req, "endpoint") {
        w.endpoint = e;
    }
    if let Some(m) = text(req, "http_method") {
        w.http_method = m.to_uppercase();
    }
    if let Some(f) = text(req, "request_format") {
        w.request_format = f;
    }
    if !(w.endpoint.starts_with("http://") || w.endpoint.starts_with("https://")) {
        return Err(invalid(format!("endpoint: `{}` is not an http(s) URL", w.endpoint)));
    }
    if !METHODS.contains(&w.http_method.as_str()) {
        return Err(invalid(format!("http_method: `{}` is not allowed", w.http_method)));
    }
    if !FORMATS.contains(&w.request_format.as_str()) {
        return Err(invalid(format!("request_format: `{}` is not allowed", w.request_format)));
    }
    Ok(w)
}

/// The receiver's answer as the test reports it: headers as `{key, value}`,
/// the body as a string `payload` (the invocation attempts' shape), `status`.
/// No answer: status 504 (timeout) or 502 (connection failed), the reason as
/// payload (UNVERIFIED).
fn reported(outcome: Option<&Outcome>) -> Value {
    match outcome {
        Some(Outcome::Answered(a)) => {
            let headers: Vec<Value> = a
                .headers
                .iter()
                .map(|(k, v)| json!({"key": k.as_str(), "value": String::from_utf8_lossy(v.as_bytes())}))
                .collect();
            json!({"headers": headers, "payload": String::from_utf8_lossy(&a.body), "status": a.status})
        }
        Some(Outcome::TimedOut) => json!({"headers": [], "payload": "timed out", "status": 504}),
        Some(Outcome::Failed(why)) => json!({"headers": [], "payload": why, "status": 502}),
        None => json!({"headers": [], "payload": "", "status": 502}),
    }
}

/// `POST /api/v2/webhooks/test[?webhook_id=]`: signs and sends one request (no
/// retry, journaled as outbound traffic) and answers 200 `{"response": ...}`.
pub async fn test(
    Account(z): Account,
    caller: Caller,
    RawQuery(q): RawQuery,
    body: Result<ZendeskJson, ZendeskError>,
) -> Reply {
    let ZendeskJson(body) = body.map_err(|e| invalid(e.to_string()))?;
    let req = body
        .get("request")
        .filter(|r| r.is_object())
        .ok_or_else(|| invalid("request object is required".to_owned()))?;
    let now = z.now();
    let invocation = {
        let mut store = z.store();
        require_staff(&store, caller)?;
        let named = match Query::parse(q.as_deref()).get("webhook_id") {
            Some(id) => Some(store.webhooks.get(id).cloned().ok_or_else(|| webhook_not_found(id))?),
            None => None,
        };
        let webhook = draft(named, req, caller.0, now)?;
        Invocation {
            invocation_id: store.ulid_at(now),
            account_id: store.account_id(),
            body: Bytes::from(text(req, "payload").unwrap_or_default()),
            webhook,
        }
    };
    let extra: Vec<(HeaderName, HeaderValue)> = req
        .get("headers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|h| {
            let name = HeaderName::try_from(h.get("key")?.as_str()?.to_ascii_lowercase()).ok()?;
            Some((name, HeaderValue::from_str(h.get("value")?.as_str()?).ok()?))
        })
        .collect();
    let timeout = std::time::Duration::from_millis(z.settings().webhooks.timeout_ms);
    let clock = z.ctx.clock.clone();
    let id = invocation.invocation_id.clone();
    let delivery = z
        .ctx
        .sender
        .deliver(super::REGISTRATION.name, &id, timeout, &NoRetry, |_| {
            let mut out = invocation.request(clock.now());
            for (k, v) in &extra {
                out.headers.insert(k.clone(), v.clone());
            }
            out
        })
        .await;
    Ok(json_response(
        StatusCode::OK,
        &json!({"response": reported(delivery.attempts.last())}),
    ))
}

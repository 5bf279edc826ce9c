//! An integrator's Zendesk webhook receiver that must be idempotent: Zendesk may
//! deliver the same invocation more than once (a retry after a lost answer, a
//! redelivery), and each must act once.
//!
//! - `GET /health` answers 200 `ok` (a readiness probe).
//! - `POST /hooks/zendesk` takes a trigger's payload `{"ticket_id": "...",
//!   "status": "..."}`. The first delivery of an invocation (header
//!   `x-zendesk-webhook-invocation-id`) of a new or open ticket adds one private
//!   note to the ticket through the Tickets API; any other status is only
//!   recorded. It answers `{"processed": true}`, or `{"duplicate": true}` for an
//!   invocation it has seen. A body it cannot read gets 400, a Zendesk call that
//!   fails 502.
//! - `GET /seen` answers `{"invocations": [...], "statuses": [...]}`.
//!
//! With `RECEIVER_NOT_IDEMPOTENT=1` it forgets invocations: the careless version a
//! duplicate delivery catches (two notes where there should be one).
//!
//! Configuration, from the environment: `PORT` (required), and `ZENDESK_URL`,
//! `ZENDESK_EMAIL`, `ZENDESK_TOKEN` (or their `FAKEDESK_` forms). The scenarios
//! `scenarios/zendesk-duplicate-delivery.yaml` and `scenarios/zendesk-auto-close.yaml`
//! run it with `cargo run --quiet --example zendesk_hook_receiver`.

mod support;

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

/// The note added once per new or open ticket notified.
const NOTE: &str = "Received by the hook receiver.";

struct App {
    url: String,
    email: String,
    token: String,
    http: reqwest::Client,
    idempotent: bool,
    seen: Mutex<BTreeSet<String>>,
    statuses: Mutex<Vec<String>>,
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name)
        .or_else(|_| std::env::var(format!("FAKEDESK_{name}")))
        .map_err(|_| format!("set {name} (or FAKEDESK_{name})"))
}

fn reply(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// True the first time `id` is offered (always, when not idempotent).
fn first_time(seen: &Mutex<BTreeSet<String>>, id: &str, idempotent: bool) -> bool {
    let new = seen
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(id.to_owned());
    new || !idempotent
}

impl App {
    async fn note(&self, ticket: &str) -> Result<(), String> {
        let url = format!("{}/api/v2/tickets/{ticket}.json", self.url);
        let body = json!({"ticket": {"comment": {"body": NOTE, "public": false}}});
        let res = self
            .http
            .put(url)
            .basic_auth(format!("{}/token", self.email), Some(&self.token))
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("Zendesk unreachable: {e}"))?;
        if res.status().is_success() {
            Ok(())
        } else {
            Err(format!("Zendesk answered {}", res.status()))
        }
    }
}

async fn hook(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let invocation = headers
        .get("x-zendesk-webhook-invocation-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let Ok(payload) = serde_json::from_slice::<Value>(&body) else {
        return reply(StatusCode::BAD_REQUEST, json!({"error": "not JSON"}));
    };
    let ticket = match &payload["ticket_id"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return reply(StatusCode::BAD_REQUEST, json!({"error": "no ticket_id"})),
    };
    if !first_time(&app.seen, &invocation, app.idempotent) {
        return reply(StatusCode::OK, json!({"duplicate": true}));
    }
    let status = payload["status"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    app.statuses
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(status.clone());
    if matches!(status.as_str(), "new" | "open")
        && let Err(e) = app.note(&ticket).await
    {
        return reply(StatusCode::BAD_GATEWAY, json!({"error": e}));
    }
    reply(StatusCode::OK, json!({"processed": true}))
}

async fn seen(State(app): State<Arc<App>>) -> Json<Value> {
    let invocations: Vec<String> = app
        .seen
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .cloned()
        .collect();
    let statuses = app
        .statuses
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    Json(json!({"invocations": invocations, "statuses": statuses}))
}

fn app() -> Result<(u16, App), String> {
    let port = env("PORT")?
        .parse()
        .map_err(|_| "PORT is not a port number".to_owned())?;
    Ok((
        port,
        App {
            url: env("ZENDESK_URL")?.trim_end_matches('/').to_owned(),
            email: env("ZENDESK_EMAIL")?,
            token: env("ZENDESK_TOKEN")?,
            http: reqwest::Client::new(),
            idempotent: std::env::var("RECEIVER_NOT_IDEMPOTENT").map_or(true, |v| v != "1"),
            seen: Mutex::default(),
            statuses: Mutex::default(),
        },
    ))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (port, app) = match app() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("zendesk_hook_receiver: {e}");
            return ExitCode::from(2);
        }
    };
    let router = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/hooks/zendesk", post(hook))
        .route("/seen", get(seen))
        .with_state(Arc::new(app));
    support::serve("zendesk_hook_receiver", port, router).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invocation_counts_once_unless_the_receiver_is_careless() {
        let seen = Mutex::default();
        assert!(first_time(&seen, "8350205582", true));
        assert!(!first_time(&seen, "8350205582", true));
        assert!(first_time(&seen, "8350205582", false));
    }
}

//! An integrator's service, as a scenario would test it: a Zendesk webhook receiver
//! that escalates urgent tickets.
//!
//! It shows what a real integration does against fakedesk exactly as against
//! Zendesk: it receives a trigger's webhook delivery, fetches the webhook's
//! signing secret from the Webhooks API (once, then cached), verifies the
//! signature (`base64(HMAC-SHA256(secret, timestamp + body))`), and calls the
//! Tickets API back.
//!
//! - `GET /health` answers 200 `ok` (a readiness probe).
//! - `POST /hooks/zendesk` takes the trigger's payload `{"ticket_id": "...",
//!   "subject": "..."}` (the id a string or a number). When the subject contains
//!   "urgent" (in any case) it sets the ticket's priority to urgent, tags it
//!   `escalated` and adds a private note; it answers `{"escalated": true|false}`.
//!   A bad signature gets 401 `{"error":"bad signature"}`, a body it cannot read
//!   400 `{"error": "..."}`, a Zendesk call that fails 502.
//!
//! Configuration, from the environment: `PORT` (it listens on 127.0.0.1:PORT;
//! required), and `ZENDESK_URL`, `ZENDESK_EMAIL`, `ZENDESK_TOKEN` for the API
//! (`FAKEDESK_ZENDESK_URL`, `FAKEDESK_ZENDESK_EMAIL`, `FAKEDESK_ZENDESK_TOKEN`,
//! as `fakedesk serve --env-file` writes them, when those are unset). It prints
//! one line once it listens and stops cleanly on SIGTERM or Ctrl-C.
//!
//! A scenario runs it as its system under test with `cargo run --quiet --example
//! zendesk_escalator`, setting `PORT` and the `FAKEDESK_*` variables, and waits
//! for `GET /health`. The scenario creates a webhook whose endpoint is
//! `http://127.0.0.1:PORT/hooks/zendesk` and a trigger that notifies it with
//! `{"ticket_id": "{{ticket.id}}", "subject": "{{ticket.title}}"}`; then a ticket
//! created with "Urgent" in its subject comes back with priority urgent and the
//! `escalated` tag.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};

/// The note added to escalated tickets.
const NOTE: &str = "Escalated automatically: the subject says urgent.";

/// How to reach the Zendesk API.
struct Zendesk {
    url: String,
    email: String,
    token: String,
}

struct App {
    zendesk: Zendesk,
    http: reqwest::Client,
    /// Signing secrets by webhook id, fetched once each.
    secrets: Mutex<HashMap<String, String>>,
}

/// A failed request: its status and the `error` message.
type Failure = (StatusCode, String);

fn env(name: &str) -> Result<String, String> {
    std::env::var(name)
        .or_else(|_| std::env::var(format!("FAKEDESK_{name}")))
        .map_err(|_| format!("set {name} (or FAKEDESK_{name})"))
}

fn config() -> Result<(u16, Zendesk), String> {
    let port = std::env::var("PORT").map_err(|_| "set PORT".to_owned())?;
    let port = port
        .parse()
        .map_err(|_| format!("PORT `{port}` is not a port number"))?;
    let zendesk = Zendesk {
        url: env("ZENDESK_URL")?.trim_end_matches('/').to_owned(),
        email: env("ZENDESK_EMAIL")?,
        token: env("ZENDESK_TOKEN")?,
    };
    Ok((port, zendesk))
}

impl App {
    /// A request to the Zendesk API with API-token authentication.
    fn api(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let z = &self.zendesk;
        self.http
            .request(method, format!("{}{path}", z.url))
            .basic_auth(format!("{}/token", z.email), Some(&z.token))
    }

    /// The webhook's signing secret, from the cache or the Webhooks API.
    async fn secret(&self, webhook_id: &str) -> Result<String, Failure> {
        let cached = self
            .secrets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(webhook_id)
            .cloned();
        if let Some(secret) = cached {
            return Ok(secret);
        }
        let path = format!("/api/v2/webhooks/{webhook_id}/signing_secret");
        let reply: Value = self.call(self.api(reqwest::Method::GET, &path)).await?;
        let secret = reply["signing_secret"]["secret"]
            .as_str()
            .ok_or_else(|| bad_gateway(format!("no signing_secret.secret in {reply}")))?
            .to_owned();
        self.secrets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(webhook_id.to_owned(), secret.clone());
        Ok(secret)
    }

    /// Sends a Zendesk API request; a transport error or non-2xx answer is a 502.
    async fn call(&self, request: reqwest::RequestBuilder) -> Result<Value, Failure> {
        let response = request
            .send()
            .await
            .map_err(|e| bad_gateway(format!("Zendesk unreachable: {e}")))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(bad_gateway(format!("Zendesk answered {status}: {text}")));
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Verifies, reads and acts on one delivery; `Ok(true)` if it escalated.
    async fn handle(&self, headers: &HeaderMap, body: &[u8]) -> Result<bool, Failure> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let webhook_id = header("x-zendesk-webhook-id")
            .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()))
            .ok_or_else(|| bad_request("missing or invalid x-zendesk-webhook-id"))?;
        let (Some(signature), Some(timestamp)) = (
            header("x-zendesk-webhook-signature"),
            header("x-zendesk-webhook-signature-timestamp"),
        ) else {
            return Err(bad_signature());
        };
        let secret = self.secret(webhook_id).await?;
        if !verify(&secret, timestamp, body, signature) {
            return Err(bad_signature());
        }

        let payload: Value = serde_json::from_slice(body)
            .map_err(|e| bad_request(format!("the body is not JSON: {e}")))?;
        let ticket_id = match &payload["ticket_id"] {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .ok_or_else(|| bad_request("ticket_id must be a ticket id (a string or a number)"))?;
        let subject = payload["subject"]
            .as_str()
            .ok_or_else(|| bad_request("subject must be a string"))?;
        if !subject.to_lowercase().contains("urgent") {
            return Ok(false);
        }
        let update = json!({"ticket": {
            "priority": "urgent",
            "tags": ["escalated"],
            "comment": {"body": NOTE, "public": false},
        }});
        let path = format!("/api/v2/tickets/{ticket_id}.json");
        self.call(self.api(reqwest::Method::PUT, &path).json(&update))
            .await?;
        println!("escalated ticket {ticket_id}");
        Ok(true)
    }
}

/// Checks `signature` against `base64(HMAC-SHA256(secret, timestamp + body))`, in
/// constant time.
fn verify(secret: &str, timestamp: &str, body: &[u8], signature: &str) -> bool {
    let Ok(expected) = STANDARD.decode(signature) else {
        return false;
    };
    let Ok(mut mac) = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(timestamp.as_bytes());
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

fn bad_request(message: impl Into<String>) -> Failure {
    (StatusCode::BAD_REQUEST, message.into())
}

fn bad_signature() -> Failure {
    (StatusCode::UNAUTHORIZED, "bad signature".to_owned())
}

fn bad_gateway(message: impl Into<String>) -> Failure {
    (StatusCode::BAD_GATEWAY, message.into())
}

/// `POST /hooks/zendesk`.
async fn zendesk_hook(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    match app.handle(&headers, &body).await {
        Ok(escalated) => Json(json!({"escalated": escalated})).into_response(),
        Err((status, message)) => {
            eprintln!("webhook delivery refused ({status}): {message}");
            (status, Json(json!({"error": message}))).into_response()
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let (port, zendesk) = match config() {
        Ok(config) => config,
        Err(problem) => {
            eprintln!("zendesk_escalator: {problem}");
            return std::process::ExitCode::from(2);
        }
    };
    let http = match reqwest::Client::builder().no_proxy().build() {
        Ok(client) => client,
        Err(e) => {
            eprintln!("zendesk_escalator: cannot build an HTTP client: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let app = Arc::new(App {
        zendesk,
        http,
        secrets: Mutex::new(HashMap::new()),
    });
    let router = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/hooks/zendesk", post(zendesk_hook))
        .with_state(app);
    support::serve("zendesk_escalator", port, router).await
}

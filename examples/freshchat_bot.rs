//! An integrator's own Freshchat bot, in place of a bot platform, as a scenario would
//! test it.
//!
//! Freshchat's one account webhook points at it: every event reaches it signed, and it
//! answers the customers through the Freshchat API v2 as its agent, exactly as against
//! Freshchat.
//!
//! - `GET /health` answers 200 `ok` (a readiness probe).
//! - `POST /freshchat` takes Freshchat's webhooks. It verifies `X-Freshchat-Signature`
//!   (base64 RSASSA-PKCS1-v1_5 with SHA-256 over the exact body bytes) with the
//!   account's public key; a missing or wrong signature gets 401 `{"error": "bad
//!   signature"}`. Then:
//!   - `message_create` from a user (`actor_type: user`): the rule is fixed. A text
//!     that contains "hours", in any case, gets the opening hours, posted with `POST
//!     /v2/conversations/{id}/messages` as the bot's agent (`actor_type: agent`,
//!     `actor_id`); anything else is handed to people: `PUT /v2/conversations/{id}`
//!     with `assigned_group_id`;
//!   - its own agent's messages, other agents' and bots' messages, and the other events
//!     (`conversation_assignment`, `conversation_resolution`, `conversation_reopen`)
//!     are logged and left alone.
//!
//!   It answers 200 `{"done": "..."}` saying what it did. A body it cannot read gets
//!   400 `{"error": "..."}`; when Freshchat cannot be reached or answers with an HTTP
//!   error it answers 502 (Freshchat may then retry the webhook).
//!
//! Configuration, from the environment: `PORT` (it listens on 127.0.0.1:PORT;
//! required); `FRESHCHAT_URL`, `FRESHCHAT_TOKEN` (sent as `Authorization: Bearer
//! ...`), `FRESHCHAT_AGENT_ID` (the bot's agent) and `FRESHCHAT_GROUP_ID` (who gets
//! what the bot cannot answer), each falling back to its `FAKEDESK_`-prefixed name as
//! `fakedesk serve --env-file` writes them. The public key: `FRESHCHAT_PUBLIC_KEY`
//! (PEM, `RSA PUBLIC KEY` or `PUBLIC KEY`, as Freshchat's admin page shows it) or, when
//! unset, fetched once at start from `GET {FAKEDESK_CONTROL_URL}/freshchat/public-key`.
//! It prints one line once it listens and stops cleanly on SIGTERM or Ctrl-C.
//!
//! A scenario runs it as its system under test with `cargo run --quiet --example
//! freshchat_bot`, setting `PORT` and the `FAKEDESK_*` variables, and waits for `GET
//! /health`; Freshchat's webhook URL is `http://127.0.0.1:PORT/freshchat` (see
//! `scenarios/freshchat-own-bot.yaml`).

mod support;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use rsa::PublicKey;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::sha2::Sha256;
use serde_json::{Value, json};

/// What the bot says when asked about opening hours.
const HOURS: &str = "We are open Monday to Friday, 9:00 to 18:00 (UTC).";

struct Config {
    /// Freshchat's API, without a trailing slash (the `/v2` paths are appended).
    freshchat_url: String,
    /// The API token, sent as `Authorization: Bearer {token}`.
    token: String,
    /// The bot's agent id.
    agent_id: String,
    /// The group that gets what the bot cannot answer.
    group_id: String,
}

struct App {
    config: Config,
    key: PublicKey,
    http: reqwest::Client,
}

/// A failed request: its status and the `error` message.
type Failure = (StatusCode, String);

fn env(name: &str) -> Result<String, String> {
    optional(name)
        .or_else(|| optional(&format!("FAKEDESK_{name}")))
        .ok_or_else(|| format!("set {name} (or FAKEDESK_{name})"))
}

fn optional(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn config() -> Result<(u16, Config), String> {
    let port = std::env::var("PORT").map_err(|_| "set PORT".to_owned())?;
    let port = port
        .parse()
        .map_err(|_| format!("PORT `{port}` is not a port number"))?;
    let config = Config {
        freshchat_url: env("FRESHCHAT_URL")?.trim_end_matches('/').to_owned(),
        token: env("FRESHCHAT_TOKEN")?,
        agent_id: env("FRESHCHAT_AGENT_ID")?,
        group_id: env("FRESHCHAT_GROUP_ID")?,
    };
    Ok((port, config))
}

/// The public key from PEM text: PKCS#1 (`RSA PUBLIC KEY`) or SPKI (`PUBLIC KEY`).
fn parse_key(pem: &str) -> Result<PublicKey, String> {
    let pem = pem.trim();
    PublicKey::from_pkcs1_pem(pem)
        .or_else(|_| PublicKey::from_public_key_pem(pem))
        .map_err(|_| "the Freshchat public key is not an RSA public key in PEM".to_owned())
}

/// The public key: `FRESHCHAT_PUBLIC_KEY`, or fetched once from fakedesk's control API.
async fn public_key(http: &reqwest::Client) -> Result<PublicKey, String> {
    if let Some(pem) = optional("FRESHCHAT_PUBLIC_KEY") {
        return parse_key(&pem);
    }
    let control = optional("FAKEDESK_CONTROL_URL")
        .ok_or("set FRESHCHAT_PUBLIC_KEY (PEM) or FAKEDESK_CONTROL_URL")?;
    let url = format!("{}/freshchat/public-key", control.trim_end_matches('/'));
    let response = http
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("cannot fetch {url}: {e}"))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| format!("cannot read {url}: {e}"))?;
    if !status.is_success() {
        return Err(format!("{url} answered {status}: {text}"));
    }
    parse_key(&text)
}

/// Whether `signature` (base64) is the key's RSASSA-PKCS1-v1_5 SHA-256 signature of
/// `body`.
fn verified(key: &PublicKey, body: &[u8], signature: &str) -> bool {
    let Ok(signature) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    key.pkcs1v15_verify::<Sha256>(body, &signature).is_ok()
}

/// The text of a message: its text parts, joined by newlines.
fn text_of(message: &Value) -> String {
    message["message_parts"]
        .as_array()
        .map(|parts| {
            parts
                .iter()
                .filter_map(|p| p["text"]["content"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// The fixed rule: whether the bot knows the answer.
fn asks_for_hours(text: &str) -> bool {
    text.to_lowercase().contains("hours")
}

fn bad_request(message: impl Into<String>) -> Failure {
    (StatusCode::BAD_REQUEST, message.into())
}

fn bad_gateway(message: impl Into<String>) -> Failure {
    (StatusCode::BAD_GATEWAY, message.into())
}

/// A conversation id fit for a URL path: non-empty, no separators.
fn conversation_id(message: &Value) -> Result<&str, Failure> {
    message["conversation_id"]
        .as_str()
        .filter(|id| {
            !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .ok_or_else(|| bad_request("message_create needs data.message.conversation_id"))
}

impl App {
    /// Sends `body` to Freshchat's `path` with the bearer token. A transport error or
    /// a non-2xx answer is a 502.
    async fn send(&self, method: reqwest::Method, path: &str, body: &Value) -> Result<(), Failure> {
        let response = self
            .http
            .request(method, format!("{}{path}", self.config.freshchat_url))
            .bearer_auth(&self.config.token)
            .json(body)
            .send()
            .await
            .map_err(|e| bad_gateway(format!("Freshchat unreachable: {e}")))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        Err(bad_gateway(format!(
            "Freshchat answered {status} to {path}: {text}"
        )))
    }

    /// Acts on one event; says what it did.
    async fn handle(&self, event: &Value) -> Result<String, Failure> {
        let action = event["action"]
            .as_str()
            .ok_or_else(|| bad_request("an event needs an action"))?;
        if action != "message_create" {
            println!("event {action} noted");
            return Ok(format!("noted {action}"));
        }
        let message = &event["data"]["message"];
        if !message.is_object() {
            return Err(bad_request("message_create needs data.message"));
        }
        let actor_type = message["actor_type"].as_str().unwrap_or_default();
        let actor_id = message["actor_id"].as_str().unwrap_or_default();
        if actor_type != "user" || actor_id == self.config.agent_id {
            println!("message from {actor_type} {actor_id} left alone");
            return Ok(format!("ignored a message from {actor_type}"));
        }
        let conversation = conversation_id(message)?;
        let text = text_of(message);
        if asks_for_hours(&text) {
            let answer = json!({
                "message_parts": [{"text": {"content": HOURS}}],
                "actor_type": "agent",
                "actor_id": self.config.agent_id,
            });
            let path = format!("/v2/conversations/{conversation}/messages");
            self.send(reqwest::Method::POST, &path, &answer).await?;
            println!("answered the opening hours in conversation {conversation}");
            return Ok(format!("answered in conversation {conversation}"));
        }
        let update = json!({"assigned_group_id": self.config.group_id});
        let path = format!("/v2/conversations/{conversation}");
        self.send(reqwest::Method::PUT, &path, &update).await?;
        println!(
            "conversation {conversation} handed to group {}",
            self.config.group_id
        );
        Ok(format!("assigned conversation {conversation} to the group"))
    }
}

/// `POST /freshchat`.
async fn freshchat_webhook(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let signature = headers
        .get("x-freshchat-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !verified(&app.key, &body, signature) {
        eprintln!("webhook refused (401): bad signature");
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "bad signature"})),
        )
            .into_response();
    }
    let result = match serde_json::from_slice::<Value>(&body) {
        Ok(event) if event.is_object() => app.handle(&event).await,
        Ok(_) => Err(bad_request("the body is not a JSON object")),
        Err(e) => Err(bad_request(format!("the body is not JSON: {e}"))),
    };
    match result {
        Ok(done) => Json(json!({"done": done})).into_response(),
        Err((status, message)) => {
            eprintln!("webhook refused ({status}): {message}");
            (status, Json(json!({"error": message}))).into_response()
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let (port, config) = match config() {
        Ok(config) => config,
        Err(problem) => {
            eprintln!("freshchat_bot: {problem}");
            return std::process::ExitCode::from(2);
        }
    };
    let http = match reqwest::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(10))
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            eprintln!("freshchat_bot: cannot build an HTTP client: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let key = match public_key(&http).await {
        Ok(key) => key,
        Err(problem) => {
            eprintln!("freshchat_bot: {problem}");
            return std::process::ExitCode::from(2);
        }
    };
    let app = Arc::new(App { config, key, http });
    let router = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/freshchat", post(freshchat_webhook))
        .with_state(app);
    support::serve("freshchat_bot", port, router).await
}

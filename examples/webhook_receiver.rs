//! A webhook receiver as integrators write them, with bugs planted for `fakedesk fuzz`
//! to find (and a `--fixed` switch that removes them).
//!
//! - `POST /freshchat` takes Freshchat's webhooks. It verifies `X-Freshchat-Signature`
//!   (RSA PKCS#1 v1.5 SHA-256 over the exact body) with the public key of fakedesk's
//!   bundled fuzzing test key, or `FRESHCHAT_PUBLIC_KEY` (PEM) when set; a bad
//!   signature gets 401. It reads the envelope into typed structs (400 when it
//!   cannot) and, for `message_create`, logs the first line of the message's first
//!   part.
//!   **Planted bug:** it takes `message_parts[0]` without looking, so a message with no
//!   parts (which Freshchat may send) panics the handler and the connection drops.
//! - `POST /zendesk` takes Zendesk webhooks. It checks
//!   `X-Zendesk-Webhook-Signature` (base64 HMAC-SHA256 of timestamp + body) with the
//!   secret `ZENDESK_SECRET` (default: the docs' test secret, as `fakedesk fuzz`
//!   uses), and answers 200 for any JSON object.
//!   **Planted bug:** it never looks at how old the signature timestamp is, so a
//!   replayed request from hours ago is accepted. With `--fixed` it refuses one
//!   older than five minutes with 401.
//! - `POST /smartsupp/hook` takes Smartsupp's chat exports and files each under the
//!   visitor's e-mail address.
//!   **Planted bug:** it unwraps `visitor.email`, which Smartsupp sends as `null`
//!   when the visitor gave none.
//! - `POST /smartsupp/webhook` checks `X-Smartsupp-Hmac` (hex HMAC-SHA256 of the body,
//!   secret `SMARTSUPP_SECRET`, default `YOUR_CLIENT_SECRET`) and reads the
//!   `event_callback` envelope.
//! - `POST /blip` takes a custom attendance channel's pushes: the key in
//!   `Authorization` (`BLIP_KEY`, default `fakedesk-channel-key`), then a LIME message
//!   whose `from` names the ticket.
//! - `POST /braze` and `POST /ferndesk` take a campaign's JSON body and a custom
//!   support endpoint's document.
//!
//! Each answers 200 when it took the request, 401 for bad credentials and 400 for a
//! body it cannot read.
//!
//! Run it with `cargo run --example webhook_receiver -- [--fixed] [--port N]`; it
//! prints `webhook_receiver listening on http://127.0.0.1:PORT` and stops on Ctrl-C or
//! SIGTERM. Then:
//!
//! ```text
//! fakedesk fuzz freshchat.message_create --target http://127.0.0.1:PORT/freshchat
//! fakedesk fuzz zendesk.webhook --mode hostile --target http://127.0.0.1:PORT/zendesk
//! ```

mod support;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use fakedesk::fuzz::target;
use fakedesk::vendors::freshchat::webhook::verify;
use fakedesk::vendors::zendesk::webhook::signature;
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// How the receiver behaves.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Without the planted bugs.
    pub(crate) fixed: bool,
    /// Freshchat's public key, PEM.
    pub(crate) freshchat_public_key: String,
    /// Zendesk's signing secret.
    pub(crate) zendesk_secret: String,
    /// Smartsupp's client secret.
    pub(crate) smartsupp_secret: String,
    /// Blip's channel key.
    pub(crate) blip_key: String,
}

/// The secret `fakedesk fuzz` signs `payload` with unless given another.
fn default_secret(payload: &str) -> String {
    target::find(payload)
        .ok()
        .and_then(|t| t.scheme.default_secret)
        .unwrap_or_default()
        .to_owned()
}

impl Settings {
    /// From the environment, falling back to what `fakedesk fuzz` signs with.
    pub(crate) fn from_env(fixed: bool) -> Self {
        Self {
            fixed,
            freshchat_public_key: std::env::var("FRESHCHAT_PUBLIC_KEY")
                .unwrap_or_else(|_| target::test_public_key_pem()),
            zendesk_secret: std::env::var("ZENDESK_SECRET")
                .unwrap_or_else(|_| default_secret("zendesk.webhook")),
            smartsupp_secret: std::env::var("SMARTSUPP_SECRET")
                .unwrap_or_else(|_| default_secret("smartsupp.webhook")),
            blip_key: std::env::var("BLIP_KEY").unwrap_or_else(|_| default_secret("blip.ticket")),
        }
    }
}

type Reply = (StatusCode, &'static str);

#[derive(Deserialize)]
struct Envelope {
    action: String,
    actor: Actor,
    data: Data,
}

#[derive(Deserialize)]
struct Actor {
    actor_type: String,
}

#[derive(Deserialize)]
struct Data {
    message: Option<Message>,
}

#[derive(Deserialize)]
struct Message {
    message_parts: Vec<Part>,
    conversation_id: String,
}

#[derive(Deserialize)]
struct Part {
    text: Option<Text>,
}

#[derive(Deserialize)]
struct Text {
    content: String,
}

async fn freshchat(State(s): State<Arc<Settings>>, headers: HeaderMap, body: Bytes) -> Reply {
    let sig = headers
        .get("x-freshchat-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !verify(&s.freshchat_public_key, &body, sig) {
        return (StatusCode::UNAUTHORIZED, "bad signature");
    }
    let Ok(event) = serde_json::from_slice::<Envelope>(&body) else {
        return (StatusCode::BAD_REQUEST, "unreadable event");
    };
    if event.action != "message_create" {
        return (StatusCode::OK, "ignored");
    }
    let Some(message) = event.data.message else {
        return (StatusCode::BAD_REQUEST, "message_create without a message");
    };
    let first = if s.fixed {
        message.message_parts.first()
    } else {
        // The planted bug: Freshchat may send a message without parts.
        Some(&message.message_parts[0])
    };
    let line = first
        .and_then(|p| p.text.as_ref())
        .map(|t| t.content.lines().next().unwrap_or_default().to_owned())
        .unwrap_or_default();
    println!(
        "{} in {}: {line}",
        event.actor.actor_type, message.conversation_id
    );
    (StatusCode::OK, "ok")
}

async fn zendesk(State(s): State<Arc<Settings>>, headers: HeaderMap, body: Bytes) -> Reply {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let timestamp = header("x-zendesk-webhook-signature-timestamp");
    if header("x-zendesk-webhook-signature") != signature(&s.zendesk_secret, &timestamp, &body) {
        return (StatusCode::UNAUTHORIZED, "bad signature");
    }
    if s.fixed {
        let fresh = OffsetDateTime::parse(&timestamp, &Rfc3339)
            .is_ok_and(|t| (OffsetDateTime::now_utc() - t).whole_seconds().abs() <= 300);
        if !fresh {
            return (StatusCode::UNAUTHORIZED, "stale signature");
        }
    }
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(serde_json::Value::Object(_)) => (StatusCode::OK, "ok"),
        _ => (StatusCode::BAD_REQUEST, "not a JSON object"),
    }
}

#[derive(Deserialize)]
struct Export {
    visitor: Visitor,
    messages: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Visitor {
    email: Option<String>,
}

async fn smartsupp_hook(State(s): State<Arc<Settings>>, body: Bytes) -> Reply {
    let Ok(export) = serde_json::from_slice::<Export>(&body) else {
        return (StatusCode::BAD_REQUEST, "unreadable export");
    };
    let email = if s.fixed {
        export.visitor.email.unwrap_or_default()
    } else {
        // The planted bug: Smartsupp sends `"email": null` for anonymous visitors.
        export.visitor.email.unwrap()
    };
    println!("{} messages from {email}", export.messages.len());
    (StatusCode::OK, "ok")
}

#[derive(Deserialize)]
struct Callback {
    #[serde(rename = "type")]
    kind: String,
    event: String,
    data: serde_json::Map<String, serde_json::Value>,
}

async fn smartsupp_webhook(
    State(s): State<Arc<Settings>>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let given = headers
        .get("x-smartsupp-hmac")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if given != fakedesk::vendors::smartsupp::webhook::hmac_hex(&s.smartsupp_secret, &body) {
        return (StatusCode::FORBIDDEN, "Invalid request hmac signature");
    }
    match serde_json::from_slice::<Callback>(&body) {
        Ok(c) if c.kind == "event_callback" => {
            println!("{} ({} data keys)", c.event, c.data.len());
            (StatusCode::OK, "ok")
        }
        _ => (StatusCode::BAD_REQUEST, "not an event_callback"),
    }
}

#[derive(Deserialize)]
struct LimeMessage {
    id: String,
    from: String,
    #[serde(rename = "type")]
    kind: String,
}

async fn blip(State(s): State<Arc<Settings>>, headers: HeaderMap, body: Bytes) -> Reply {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(s.blip_key.as_str()) {
        return (StatusCode::UNAUTHORIZED, "bad key");
    }
    let Ok(m) = serde_json::from_slice::<LimeMessage>(&body) else {
        return (StatusCode::BAD_REQUEST, "not a LIME message");
    };
    let ticket = m.from.split('@').next().unwrap_or_default();
    println!("{} {} for ticket {ticket}", m.kind, m.id);
    (StatusCode::OK, "ok")
}

async fn json_object(body: Bytes) -> Reply {
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(serde_json::Value::Object(_)) => (StatusCode::OK, "ok"),
        _ => (StatusCode::BAD_REQUEST, "not a JSON object"),
    }
}

#[derive(Deserialize)]
struct Document {
    conversations: Vec<Conversation>,
}

#[derive(Deserialize)]
struct Conversation {
    id: String,
    messages: Vec<serde_json::Value>,
}

async fn ferndesk(body: Bytes) -> Reply {
    let Ok(d) = serde_json::from_slice::<Document>(&body) else {
        return (StatusCode::BAD_REQUEST, "not a support endpoint document");
    };
    for c in &d.conversations {
        println!("{}: {} messages", c.id, c.messages.len());
    }
    (StatusCode::OK, "ok")
}

/// The receiver's routes.
pub(crate) fn router(settings: Settings) -> Router {
    Router::new()
        .route("/freshchat", post(freshchat))
        .route("/zendesk", post(zendesk))
        .route("/smartsupp/hook", post(smartsupp_hook))
        .route("/smartsupp/webhook", post(smartsupp_webhook))
        .route("/blip", post(blip))
        .route("/braze", post(json_object))
        .route("/ferndesk", post(ferndesk))
        .with_state(Arc::new(settings))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let fixed = args.iter().any(|a| a == "--fixed");
    let port = args
        .iter()
        .position(|a| a == "--port")
        .and_then(|i| args.get(i + 1))
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or(0);
    if fixed {
        println!("webhook_receiver: --fixed, the planted bugs are removed");
    }
    support::serve("webhook_receiver", port, router(Settings::from_env(fixed))).await
}

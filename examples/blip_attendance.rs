//! An integrator's attendance platform on Take Blip's custom attendance channel, as
//! a scenario would test it.
//!
//! It does the platform's part of the vendor's guide against fakedesk exactly as
//! against Blip: Blip POSTs new tickets and the customers' messages to it, and it
//! calls Blip's HTTP API back (`/commands` and `/messages`, with the bot's
//! `Authorization: Key ...`).
//!
//! - `GET /health` answers 200 `ok` (a readiness probe).
//! - `POST /blip` takes what Blip pushes to the channel. When a key is configured, a
//!   push without it in the key header gets 401 `{"error":"bad key"}`. Then:
//!   - a new ticket (`application/vnd.iris.ticket+json` with the id
//!     `Ticket:{id}:Waiting`): it assigns the configured agent by sending
//!     `set /tickets/change-status` with status `Open` and `agentIdentity`;
//!   - a customer message (from `{ticket}@desk.msging.net/Webhook`, any LIME content
//!     type): the agent answers it through `/messages`, to
//!     `{ticket}@desk.msging.net/Webhook`. The goodbye rule: when the message is
//!     text that contains "bye" in any case ("Bye!", "goodbye"), the agent says
//!     goodbye instead and the platform closes the ticket with `set
//!     /tickets/change-status` and status `ClosedAttendant`;
//!   - other ticket updates (`Ticket:{id}:ClosedClient`, ...) and notifications (a
//!     `failed` one for an agent message Blip could not deliver) are logged.
//!
//!   It answers 200 `{"done": "..."}` saying what it did. A body it cannot read gets
//!   400 `{"error": "..."}`; when Blip cannot be reached or answers with an HTTP
//!   error it answers 502 (Blip may then retry the push), and when Blip refuses a
//!   command (a LIME failure, such as a closed ticket) 422 with Blip's reason.
//!
//! Every id it sends is derived from what it received, so a run is reproducible:
//! `assign:{ticket}`, `close:{ticket}` for commands, `re:{message id}` for answers.
//!
//! Configuration, from the environment: `PORT` (it listens on 127.0.0.1:PORT;
//! required); `BLIP_URL` and `BLIP_KEY`, the HTTP API's base URL and the bot's key
//! without `Key ` (`FAKEDESK_BLIP_URL` and `FAKEDESK_BLIP_KEY`, as `fakedesk serve
//! --env-file` writes them, when those are unset); optional `BLIP_CHANNEL_KEY`, the
//! authentication key configured on the channel, which Blip sends with every push
//! (unset: pushes are not checked), in the header `BLIP_CHANNEL_KEY_HEADER`
//! (default `Authorization`); optional `BLIP_AGENT`, the agent's identity (default
//! `ana%40example.com@blip.ai`). It prints one line once it listens and stops
//! cleanly on SIGTERM or Ctrl-C.
//!
//! A scenario runs it as its system under test with `cargo run --quiet --example
//! blip_attendance`, setting `PORT` and the `FAKEDESK_*` variables, and waits for
//! `GET /health`; the channel's URL is `http://127.0.0.1:PORT/blip` (see
//! `scenarios/blip-attendance-platform.yaml`).

mod support;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

/// The Desk's address for commands.
const DESK: &str = "postmaster@desk.msging.net";
/// The LIME type of Desk tickets.
const TICKET_TYPE: &str = "application/vnd.iris.ticket+json";
/// The agent assigned when none is configured.
const DEFAULT_AGENT: &str = "ana%40example.com@blip.ai";
/// What the agent says to a goodbye before closing the ticket.
const FAREWELL: &str = "Thank you for contacting us. Goodbye!";

struct Config {
    /// Blip's HTTP API, without a trailing slash.
    blip_url: String,
    /// The bot's key, sent as `Authorization: Key {key}`.
    bot_key: String,
    /// The channel's key and the header it comes in, when pushes are checked.
    channel_key: Option<(String, String)>,
    /// Who answers the customers.
    agent: String,
}

struct App {
    config: Config,
    http: reqwest::Client,
}

/// A failed request: its status and the `error` message.
type Failure = (StatusCode, String);

fn env(name: &str) -> Result<String, String> {
    std::env::var(name)
        .or_else(|_| std::env::var(format!("FAKEDESK_{name}")))
        .map_err(|_| format!("set {name} (or FAKEDESK_{name})"))
}

fn optional(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn config() -> Result<(u16, Config), String> {
    let port = std::env::var("PORT").map_err(|_| "set PORT".to_owned())?;
    let port = port
        .parse()
        .map_err(|_| format!("PORT `{port}` is not a port number"))?;
    let header = optional("BLIP_CHANNEL_KEY_HEADER").unwrap_or_else(|| "Authorization".to_owned());
    if axum::http::HeaderName::from_bytes(header.as_bytes()).is_err() {
        return Err(format!(
            "BLIP_CHANNEL_KEY_HEADER `{header}` is not a header name"
        ));
    }
    let config = Config {
        blip_url: env("BLIP_URL")?.trim_end_matches('/').to_owned(),
        bot_key: env("BLIP_KEY")?,
        channel_key: optional("BLIP_CHANNEL_KEY").map(|key| (header, key)),
        agent: optional("BLIP_AGENT").unwrap_or_else(|| DEFAULT_AGENT.to_owned()),
    };
    Ok((port, config))
}

/// Equal, in time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The goodbye rule: a text that contains "bye", in any case.
fn says_goodbye(content: &Value) -> bool {
    content
        .as_str()
        .is_some_and(|text| text.to_lowercase().contains("bye"))
}

/// The agent's answer to one customer message.
fn answer(message_type: &str, content: &Value) -> String {
    match content.as_str() {
        Some(text) => format!("Agent here. You wrote: \"{text}\". I am on it."),
        None => format!("Agent here. I received your {message_type} and I am on it."),
    }
}

fn bad_request(message: impl Into<String>) -> Failure {
    (StatusCode::BAD_REQUEST, message.into())
}

fn bad_gateway(message: impl Into<String>) -> Failure {
    (StatusCode::BAD_GATEWAY, message.into())
}

impl App {
    /// POSTs a LIME envelope to Blip's `path`; the JSON reply (null when empty). A
    /// transport error or a non-2xx answer is a 502.
    async fn post(&self, path: &str, envelope: &Value) -> Result<Value, Failure> {
        let response = self
            .http
            .post(format!("{}{path}", self.config.blip_url))
            .header("Authorization", format!("Key {}", self.config.bot_key))
            .json(envelope)
            .send()
            .await
            .map_err(|e| bad_gateway(format!("Blip unreachable: {e}")))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(bad_gateway(format!(
                "Blip answered {status} to {path}: {text}"
            )));
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Sends `set /tickets/change-status`; a LIME failure is a 422 with its reason.
    async fn change_status(&self, id: &str, resource: Value) -> Result<(), Failure> {
        let command = json!({
            "id": id,
            "to": DESK,
            "method": "set",
            "uri": "/tickets/change-status",
            "type": TICKET_TYPE,
            "resource": resource,
        });
        let reply = self.post("/commands", &command).await?;
        if reply["status"] == "success" {
            return Ok(());
        }
        Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Blip refused command {id}: {}", reply["reason"]),
        ))
    }

    /// Sends a text message from the agent to the ticket's customer.
    async fn say(&self, id: &str, ticket: &str, text: &str) -> Result<(), Failure> {
        let message = json!({
            "id": id,
            "to": format!("{ticket}@desk.msging.net/Webhook"),
            "type": "text/plain",
            "content": text,
        });
        self.post("/messages", &message).await.map(drop)
    }

    /// Checks the channel's key, when one is configured.
    fn authentic(&self, headers: &HeaderMap) -> bool {
        let Some((header, key)) = &self.config.channel_key else {
            return true;
        };
        headers
            .get(header.as_str())
            .is_some_and(|value| same(value.as_bytes(), key.as_bytes()))
    }

    /// Acts on one push; says what it did.
    async fn handle(&self, envelope: &Value) -> Result<String, Failure> {
        let id = envelope["id"].as_str().unwrap_or_default();
        let kind = envelope["type"].as_str().unwrap_or_default();

        if let Some(event) = envelope["event"].as_str() {
            let reason = &envelope["reason"];
            println!("notification {event} for message {id}: {reason}");
            return Ok(format!("noted {event} notification"));
        }

        if kind == TICKET_TYPE {
            let ticket = envelope["content"]["id"]
                .as_str()
                .filter(|t| !t.is_empty())
                .ok_or_else(|| bad_request("a ticket push needs content.id"))?;
            let status = envelope["content"]["status"].as_str().unwrap_or_default();
            if status != "Waiting" {
                println!("ticket {ticket} is now {status}");
                return Ok(format!("noted ticket {ticket} {status}"));
            }
            let resource =
                json!({"id": ticket, "status": "Open", "agentIdentity": self.config.agent});
            self.change_status(&format!("assign:{ticket}"), resource)
                .await?;
            println!("ticket {ticket} assigned to {}", self.config.agent);
            return Ok(format!("assigned ticket {ticket}"));
        }

        // A customer's message, from {ticket}@desk.msging.net/Webhook.
        let from = envelope["from"].as_str().unwrap_or_default();
        let ticket = from
            .strip_suffix("@desk.msging.net/Webhook")
            .filter(|t| !t.is_empty() && !t.contains('@'))
            .ok_or_else(|| {
                bad_request("neither a ticket, a notification nor a message from a ticket")
            })?;
        if kind.is_empty() || id.is_empty() {
            return Err(bad_request("a message needs an id and a type"));
        }
        let content = &envelope["content"];
        if says_goodbye(content) {
            self.say(&format!("re:{id}"), ticket, FAREWELL).await?;
            let resource = json!({"id": ticket, "status": "ClosedAttendant"});
            self.change_status(&format!("close:{ticket}"), resource)
                .await?;
            println!("ticket {ticket} closed: the customer said goodbye");
            return Ok(format!("closed ticket {ticket}"));
        }
        self.say(&format!("re:{id}"), ticket, &answer(kind, content))
            .await?;
        println!("answered message {id} on ticket {ticket}");
        Ok(format!("answered message {id}"))
    }
}

/// `POST /blip`.
async fn blip_push(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    if !app.authentic(&headers) {
        eprintln!("push refused (401): bad key");
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "bad key"}))).into_response();
    }
    let result = match serde_json::from_slice::<Value>(&body) {
        Ok(envelope) if envelope.is_object() => app.handle(&envelope).await,
        Ok(_) => Err(bad_request("the body is not a JSON object")),
        Err(e) => Err(bad_request(format!("the body is not JSON: {e}"))),
    };
    match result {
        Ok(done) => Json(json!({"done": done})).into_response(),
        Err((status, message)) => {
            eprintln!("push refused ({status}): {message}");
            (status, Json(json!({"error": message}))).into_response()
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let (port, config) = match config() {
        Ok(config) => config,
        Err(problem) => {
            eprintln!("blip_attendance: {problem}");
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
            eprintln!("blip_attendance: cannot build an HTTP client: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let app = Arc::new(App { config, http });
    let router = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/blip", post(blip_push))
        .with_state(app);
    support::serve("blip_attendance", port, router).await
}

//! The vendor's control endpoints under `/blip` on the control port: the
//! customer's side of an attendance, as scenario actions.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::account::Blip;
use super::attendance::{Push, channel_on, customer_says, deliver, end_of_attendance, spawn_all};
use super::store::NewTicket;
use super::tickets::valid_identity;
use super::webhook;
use super::wire::{self, Ticket, TicketStatus};
use crate::fake::{Control, ControlError, control_body};

type B = State<Arc<Blip>>;

/// The vendor's control routes, nested under `/blip` on the control port: the
/// customer's side of an attendance as actions, and `POST /attendance`, a
/// stand-in attendance platform that accepts every push with a 200, for flows
/// run without a system under test.
pub fn control_routes() -> Router<Arc<Blip>> {
    Router::new()
        .route("/actions/handoff", post(handoff_action))
        .route("/actions/customer_message", post(customer_message_action))
        .route("/actions/customer_close", post(customer_close_action))
        .route("/attendance", post(stand_in_attendance))
}

fn bad(message: impl Into<String>, hint: Value) -> ControlError {
    ControlError::bad(message, hint)
}

/// `text`, or `type` and `content`, checked as LIME checks a message.
fn content_of(body: &Map<String, Value>) -> Result<(String, Value), ControlError> {
    let hint = json!(
        "{\"text\": \"Hello\"} or {\"type\": \"application/vnd.lime.media-link+json\", \"content\": {...}}"
    );
    if let Some(text) = body.get("text") {
        let Some(t) = text.as_str() else {
            return Err(bad("`text` must be a string", hint));
        };
        return Ok(("text/plain".to_owned(), json!(t)));
    }
    let (Some(Value::String(type_)), Some(content)) = (body.get("type"), body.get("content"))
    else {
        return Err(bad(
            "say what the customer writes: `text`, or `type` and `content`",
            hint,
        ));
    };
    if !wire::is_media_type(type_) {
        return Err(bad(format!("`type` {type_:?} is not a MIME type"), hint));
    }
    wire::check_content(type_, content).map_err(|e| bad(e, hint))?;
    Ok((type_.clone(), content.clone()))
}

fn wait_of(body: &Map<String, Value>) -> bool {
    body.get("wait").and_then(Value::as_bool).unwrap_or(true)
}

/// Runs the pushes: awaited one after the other with `wait`, else in the background.
async fn run_pushes(b: &Arc<Blip>, pushes: Vec<Push>, wait: bool) -> Value {
    if !wait {
        spawn_all(b, pushes);
        return Value::Null;
    }
    let mut last = Value::Null;
    for p in pushes {
        last = deliver(b.clone(), p).await;
    }
    last
}

/// The ticket an action names: `ticket` (an id), or the active ticket of
/// `customer` (with the bot `bot`, default the first).
fn ticket_of(b: &Blip, body: &Map<String, Value>) -> Result<Ticket, ControlError> {
    let store = b.store();
    if let Some(id) = body.get("ticket").and_then(Value::as_str) {
        return store.by_id(id).map(|r| r.ticket.clone()).ok_or_else(|| {
            ControlError::new(
                StatusCode::NOT_FOUND,
                format!("no ticket `{id}`"),
                json!({"known": store.tickets.iter().map(|t| &t.ticket.id).collect::<Vec<_>>()}),
            )
        });
    }
    let Some(customer) = body.get("customer").and_then(Value::as_str) else {
        return Err(bad(
            "say which ticket: `ticket` (its id) or `customer` (their identity)",
            Value::Null,
        ));
    };
    let bot = bot_of(b, body)?;
    store
        .active_for(&bot, customer)
        .map(|r| r.ticket.clone())
        .ok_or_else(|| {
            ControlError::new(
                StatusCode::NOT_FOUND,
                format!("`{customer}` has no ticket in attendance"),
                json!("start one with the blip.handoff action"),
            )
        })
}

fn bot_of(b: &Blip, body: &Map<String, Value>) -> Result<String, ControlError> {
    let wanted = body.get("bot").and_then(Value::as_str);
    b.bot(wanted).map(super::Bot::identity).ok_or_else(|| {
        bad(
            format!("no bot `{}`", wanted.unwrap_or_default()),
            json!({"known": b.settings().bots.iter().map(|x| &x.identifier).collect::<Vec<_>>()}),
        )
    })
}

/// The default customer of a handoff.
pub const DEFAULT_CUSTOMER: &str = "5511999999999@wa.gw.msging.net";

/// `blip.handoff`: the bot hands its customer to human attendance. A new
/// `Waiting` ticket with the customer's message as its input, pushed to the
/// attendance channel. Replies `{ticket, delivery}`.
async fn handoff_action(State(b): B, body: Bytes) -> Control {
    let body = control_body(&body)?;
    let owner = bot_of(&b, &body)?;
    let customer = match body.get("customer") {
        None => DEFAULT_CUSTOMER.to_owned(),
        Some(Value::String(c)) => c.clone(),
        Some(_) => return Err(bad("`customer` must be an identity", Value::Null)),
    };
    valid_identity(&customer).map_err(|r| {
        bad(
            r.description.unwrap_or_default(),
            json!("e.g. 5511999999999@wa.gw.msging.net"),
        )
    })?;
    let input = content_of(&body)?;
    let team = match body.get("team") {
        None => b.settings().team.clone(),
        Some(Value::String(t)) => t.clone(),
        Some(_) => return Err(bad("`team` must be a string", Value::Null)),
    };
    if let Some(t) = b.store().active_for(&owner, &customer) {
        return Err(ControlError::new(
            StatusCode::CONFLICT,
            format!("`{customer}` is already in attendance"),
            json!({"ticket": t.ticket.id}),
        ));
    }
    let ticket = b.store().create(
        NewTicket {
            owner,
            customer,
            input: Some(input),
            team,
            agent: None,
            provider: if channel_on(&b) { "Webhook" } else { "Lime" },
            parent: None,
        },
        b.now(),
    );
    let mut pushes = Vec::new();
    if channel_on(&b) {
        pushes.push(Push {
            kind: "ticket",
            ticket: ticket.id.clone(),
            envelope: webhook::ticket_message(&ticket),
        });
    }
    let delivery = run_pushes(&b, pushes, wait_of(&body)).await;
    Ok(Json(json!({"ticket": ticket, "delivery": delivery})).into_response())
}

/// `blip.customer_message`: the customer writes on their ticket. Replies
/// `{ticket, forwarded, message, delivery}`: `message` is the envelope forwarded
/// to the channel, null when it was not forwarded (the ticket still waits).
async fn customer_message_action(State(b): B, body: Bytes) -> Control {
    let body = control_body(&body)?;
    let ticket = ticket_of(&b, &body)?;
    if ticket.closed {
        return Err(ControlError::new(
            StatusCode::CONFLICT,
            format!(
                "ticket `{}` is {}: the customer talks to the bot again",
                ticket.id,
                ticket.status.as_str()
            ),
            json!("start a new attendance with the blip.handoff action"),
        ));
    }
    let (type_, content) = content_of(&body)?;
    let msg_id = match body.get("id") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        Some(_) => return Err(bad("`id` must be a non-empty string", Value::Null)),
        None => b.store().guid(),
    };
    let (message, push) = customer_says(&b, &ticket.id, &msg_id, &type_, &content);
    let delivery = run_pushes(&b, push.into_iter().collect(), wait_of(&body)).await;
    Ok(Json(json!({
        "ticket": ticket.id,
        "id": msg_id,
        "forwarded": message.is_some(),
        "message": message,
        "delivery": delivery,
    }))
    .into_response())
}

/// `blip.customer_close`: the customer ends the attendance (`ClosedClient`, or
/// `ClosedClientInactivity`). The channel is told with `Ticket:{id}:{status}`
/// when `status_updates` is on. Replies `{ticket, delivery}`.
async fn customer_close_action(State(b): B, body: Bytes) -> Control {
    let body = control_body(&body)?;
    let ticket = ticket_of(&b, &body)?;
    let status = match body.get("status").and_then(Value::as_str) {
        None => TicketStatus::ClosedClient,
        Some(s) => match TicketStatus::parse(s) {
            Some(st) if st.is_closed_by_client() => st,
            _ => {
                return Err(bad(
                    format!("`status` {s:?} is not a way a customer closes"),
                    json!(["ClosedClient", "ClosedClientInactivity"]),
                ));
            }
        },
    };
    let owner = ticket.owner_identity.clone();
    let closed = b
        .store()
        .change_status(&owner, &ticket.id, status, None, b.now(), b.reasons())
        .map_err(|r| {
            ControlError::new(
                StatusCode::CONFLICT,
                format!(
                    "ticket `{}` cannot be closed: {}",
                    ticket.id,
                    r.description.unwrap_or_default()
                ),
                json!({"status": ticket.status}),
            )
        })?;
    end_of_attendance(&b, &closed);
    let mut pushes = Vec::new();
    if channel_on(&b) && b.settings().attendance.status_updates && closed.provider == "Webhook" {
        pushes.push(Push {
            kind: "ticket",
            ticket: closed.id.clone(),
            envelope: webhook::ticket_message(&closed),
        });
    }
    let delivery = run_pushes(&b, pushes, wait_of(&body)).await;
    Ok(Json(json!({"ticket": closed, "delivery": delivery})).into_response())
}

/// `POST /blip/attendance`: a stand-in for the integrator's platform that takes
/// every push.
async fn stand_in_attendance() -> Response {
    Json(json!({})).into_response()
}

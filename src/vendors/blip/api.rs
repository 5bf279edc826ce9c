//! Handlers of fake Blip: `/commands` (the Desk's ticket commands), `/messages`
//! and `/notifications`; and the vendor's control endpoints under `/blip` on the
//! control port (the customer's side of an attendance, as scenario actions).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Json};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::error::{BlipError, Envelope, json_response};
use super::store::{DeliveryRecord, Line, NewTicket};
use super::webhook::{self, ChannelRetry};
use super::wire::{
    self, COLLECTION_TYPE, Command, DESK_DOMAIN, DESK_POSTMASTER, Method, Reason, SERVER_INSTANCE,
    TICKET_TYPE, Ticket, TicketStatus, reason,
};
use super::{Blip, Caller};
use crate::clock::iso_millis;
use crate::outbound::Outcome;
use crate::vendors::{Control, ControlError, control_body};

type B = State<Arc<Blip>>;

/// The three endpoints of Blip's HTTP API (REFERENCE 6.1).
pub fn routes() -> Router<Arc<Blip>> {
    Router::new()
        .route("/commands", post(commands))
        .route("/messages", post(messages))
        .route("/notifications", post(notifications))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> axum::response::Response {
    crate::vendors::unmatched(BlipError::NotFound)
}

async fn method_not_allowed() -> axum::response::Response {
    crate::vendors::unmatched(BlipError::MethodNotAllowed)
}

/// An envelope Blip pushes to the attendance channel.
#[derive(Debug, Clone)]
pub struct Push {
    /// `ticket`, `message`, `notification`.
    pub kind: &'static str,
    /// The ticket it is about.
    pub ticket: String,
    /// The envelope.
    pub envelope: Value,
}

fn channel_on(b: &Blip) -> bool {
    !b.settings().attendance.url.is_empty()
}

fn attempt_json(n: usize, outcome: &Outcome) -> Value {
    match outcome {
        Outcome::Answered(a) => json!({"attempt": n + 1, "status": a.status}),
        Outcome::TimedOut => json!({"attempt": n + 1, "error": "timed out"}),
        Outcome::Failed(why) => json!({"attempt": n + 1, "error": why}),
    }
}

/// Runs one push to its end (with the channel's retries), records how it went and
/// says so: `{delivery, delivered, attempts}`.
pub async fn deliver(b: Arc<Blip>, p: Push) -> Value {
    let s = &b.settings().attendance;
    let id = {
        let mut store = b.store();
        let id = store.guid();
        store.deliveries.push(DeliveryRecord {
            delivery: id.clone(),
            kind: p.kind,
            ticket: p.ticket.clone(),
            envelope: p.envelope["id"].as_str().unwrap_or_default().to_owned(),
            url: s.url.clone(),
            status: "in_progress",
            attempts: Vec::new(),
        });
        id
    };
    let request = webhook::request(s, &p.envelope);
    let policy = ChannelRetry::from_settings(s);
    let delivery = b
        .ctx()
        .sender
        .deliver(
            "blip",
            &id,
            Duration::from_millis(s.timeout_ms),
            &policy,
            |_| request.clone(),
        )
        .await;
    let attempts: Vec<Value> = delivery
        .attempts
        .iter()
        .enumerate()
        .map(|(n, o)| attempt_json(n, o))
        .collect();
    if let Some(rec) = b.store().deliveries.iter_mut().find(|r| r.delivery == id) {
        rec.status = if delivery.delivered() {
            "delivered"
        } else {
            "failed"
        };
        rec.attempts.clone_from(&attempts);
    }
    json!({"delivery": id, "delivered": delivery.delivered(), "attempts": attempts})
}

fn spawn_all(b: &Arc<Blip>, pushes: Vec<Push>) {
    for p in pushes {
        tokio::spawn(deliver(b.clone(), p));
    }
}

// ---- /commands ---------------------------------------------------------------

/// `POST /commands`: 200 with the command response, success or failure; 400 when
/// the body is not a command.
async fn commands(
    State(b): B,
    Extension(Caller(bot)): Extension<Caller>,
    Envelope(body): Envelope,
) -> Result<Response, BlipError> {
    let cmd = wire::parse_command(&body).map_err(|d| BlipError::malformed(Some(&body), d))?;
    let (outcome, pushes) = run_command(&b, &bot.identity(), &cmd);
    spawn_all(&b, pushes);
    let server = match &cmd.to {
        Some(to) => format!("{}/{SERVER_INSTANCE}", to.identity()),
        None => format!("postmaster@{}/{SERVER_INSTANCE}", wire::BOT_DOMAIN),
    };
    let reply = wire::command_response(&cmd, &server, &bot.identity(), &outcome);
    Ok(json_response(StatusCode::OK, &reply))
}

type CommandOutcome = Result<Option<(String, Value)>, Reason>;

fn not_supported() -> Reason {
    Reason::new(
        reason::COMMAND_RESOURCE_NOT_SUPPORTED,
        "There's no resource processor available to handle the received command",
    )
}

fn method_not_supported(m: Method) -> Reason {
    Reason::new(
        reason::COMMAND_METHOD_NOT_SUPPORTED,
        format!(
            "The method '{}' is not supported for this resource",
            m.as_str()
        ),
    )
}

fn invalid(description: impl Into<String>) -> Reason {
    Reason::new(reason::COMMAND_INVALID_ARGUMENT, description)
}

/// The path segments (decoded) and query of a command URI; `lime://authority` is
/// dropped.
fn split_uri(uri: &str) -> (Vec<String>, Vec<(String, String)>) {
    let rest = match uri.strip_prefix("lime://") {
        Some(r) => r.find('/').map_or("", |i| &r[i..]),
        None => uri,
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let segs = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(wire::percent_decode)
        .collect();
    let query = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    (segs, query)
}

/// Runs a command for the bot `owner`: its outcome and what to push to the channel.
pub fn run_command(b: &Blip, owner: &str, cmd: &Command) -> (CommandOutcome, Vec<Push>) {
    let mut pushes = Vec::new();
    // Vendor quirk: without `to` a command goes to the bot's own postmaster, which
    // knows none of the Desk's resources.
    if cmd.to.as_ref().map(wire::Node::identity).as_deref() != Some(DESK_POSTMASTER) {
        return (Err(not_supported()), pushes);
    }
    let (segs, query) = split_uri(&cmd.uri);
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let m = cmd.method;
    let outcome = match (segs.as_slice(), m) {
        (["tickets"], Method::Set) => create(b, owner, cmd, None, &mut pushes),
        (["tickets"], Method::Get) => list(&query, |_| true, b, owner),
        (["tickets", "change-status"], Method::Set) => change_status(b, owner, cmd),
        (["tickets", id, "close"], Method::Set) => close(b, owner, id, cmd),
        (["tickets", id, "transfer"], Method::Set) => transfer(b, owner, id, cmd, &mut pushes),
        (["tickets", id, "change-tags"], Method::Set) => change_tags(b, owner, id, cmd),
        (["tickets", id, "messages"], Method::Get) => ticket_messages(b, owner, id, &query),
        (["tickets", customer, "closed"], Method::Get) => list(
            &query,
            |t| t.closed && t.customer_identity == *customer,
            b,
            owner,
        ),
        (["tickets", customer], Method::Set) => create(b, owner, cmd, Some(customer), &mut pushes),
        (["ticket", id], Method::Get) => b
            .store()
            .ticket(owner, id, b.reasons())
            .map(|r| Some((TICKET_TYPE.to_owned(), r.ticket.to_value()))),
        (["monitoring", "open-tickets"], Method::Get) => list(
            &query,
            |t| matches!(t.status, TicketStatus::Open | TicketStatus::Assigned),
            b,
            owner,
        ),
        (["monitoring", "waiting-tickets"], Method::Get) => {
            list(&query, |t| t.status == TicketStatus::Waiting, b, owner)
        }
        (["monitoring", "tickets"], Method::Get) => Ok(Some((
            wire::TICKET_COUNTERS_TYPE.to_owned(),
            b.store().counters(owner),
        ))),
        (
            ["tickets"]
            | ["tickets", "change-status"]
            | [
                "tickets",
                _,
                "close" | "transfer" | "change-tags" | "messages" | "closed",
            ]
            | ["tickets", _]
            | ["ticket", _]
            | ["monitoring", "open-tickets" | "waiting-tickets" | "tickets"],
            _,
        ) => Err(method_not_supported(m)),
        _ => Err(not_supported()),
    };
    (outcome, pushes)
}

fn resource_object(cmd: &Command) -> Result<&Map<String, Value>, Reason> {
    cmd.resource
        .as_ref()
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("The command needs a resource document"))
}

fn opt_str(o: &Map<String, Value>, key: &str) -> Result<Option<String>, Reason> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!("'{key}' must be a string"))),
    }
}

fn tags_of(o: &Map<String, Value>) -> Result<Option<Vec<String>>, Reason> {
    match o.get("tags") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|t| {
                t.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| invalid("'tags' must be a list of strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(invalid("'tags' must be a list of strings")),
    }
}

fn valid_identity(s: &str) -> Result<(), Reason> {
    match wire::Node::parse(s) {
        Some(n) if !n.name.is_empty() => Ok(()),
        _ => Err(invalid(format!("'{s}' is not a valid identity"))),
    }
}

/// `set /tickets` (resource `{customerIdentity}`) and `set /tickets/{customer}`
/// (resource: the customer's input). With a custom channel on, the new ticket is
/// pushed to it.
fn create(
    b: &Blip,
    owner: &str,
    cmd: &Command,
    customer: Option<&str>,
    pushes: &mut Vec<Push>,
) -> CommandOutcome {
    let (customer, input, agent, team) = match customer {
        Some(c) => {
            let input = cmd.resource.clone().map(|r| {
                (
                    cmd.type_.clone().unwrap_or_else(|| "text/plain".to_owned()),
                    r,
                )
            });
            (c.to_owned(), input, None, None)
        }
        None => {
            let r = resource_object(cmd)?;
            let Some(c) = opt_str(r, "customerIdentity")? else {
                return Err(invalid("The ticket needs a customerIdentity"));
            };
            (c, None, opt_str(r, "agentIdentity")?, opt_str(r, "team")?)
        }
    };
    valid_identity(&customer)?;
    let ticket = b.store().create(
        NewTicket {
            owner: owner.to_owned(),
            customer,
            input,
            team: team.unwrap_or_else(|| b.settings().team.clone()),
            agent,
            provider: if channel_on(b) { "Webhook" } else { "Lime" },
            parent: None,
        },
        b.now(),
    );
    if channel_on(b) {
        pushes.push(Push {
            kind: "ticket",
            ticket: ticket.id.clone(),
            envelope: webhook::ticket_message(&ticket),
        });
    }
    Ok(Some((TICKET_TYPE.to_owned(), ticket.to_value())))
}

/// The bot learns that an attendance ended (a redirect back to it).
fn end_of_attendance(b: &Blip, t: &Ticket) {
    let mut store = b.store();
    let id = store.guid();
    store.bot_inbox.push(webhook::end_of_attendance(t, &id));
}

/// `set /tickets/change-status`: `{id, status[, agentIdentity]}`; success has no
/// resource.
fn change_status(b: &Blip, owner: &str, cmd: &Command) -> CommandOutcome {
    let r = resource_object(cmd)?;
    let Some(id) = opt_str(r, "id")? else {
        return Err(invalid("The ticket id is required"));
    };
    let Some(status) = opt_str(r, "status")? else {
        return Err(invalid("The ticket status is required"));
    };
    let status = TicketStatus::parse(&status)
        .ok_or_else(|| invalid(format!("Invalid ticket status {status}")))?;
    let agent = opt_str(r, "agentIdentity")?;
    let t = b
        .store()
        .change_status(owner, &id, status, agent, b.now(), b.reasons())?;
    if t.closed {
        end_of_attendance(b, &t);
    }
    Ok(None)
}

/// `set /tickets/{id}/close`: `{closedBy, tags}` (closedBy defaults to the bot).
fn close(b: &Blip, owner: &str, id: &str, cmd: &Command) -> CommandOutcome {
    let empty = Map::new();
    let r = cmd
        .resource
        .as_ref()
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let closed_by = opt_str(r, "closedBy")?;
    let tags = tags_of(r)?;
    let was_open = b
        .store()
        .ticket(owner, id, b.reasons())
        .map(|t| !t.ticket.closed)?;
    let t = b
        .store()
        .close(owner, id, closed_by, tags, b.now(), b.reasons())?;
    if was_open {
        end_of_attendance(b, &t);
    }
    Ok(None)
}

/// `set /tickets/{id}/transfer`: `{team[, agentIdentity]}`; the new ticket.
fn transfer(
    b: &Blip,
    owner: &str,
    id: &str,
    cmd: &Command,
    pushes: &mut Vec<Push>,
) -> CommandOutcome {
    let r = resource_object(cmd)?;
    let Some(team) = opt_str(r, "team")? else {
        return Err(invalid("The team is required"));
    };
    let agent = opt_str(r, "agentIdentity")?;
    let new = b
        .store()
        .transfer(owner, id, team, agent, b.now(), b.reasons())?;
    if new.provider == "Webhook" && channel_on(b) {
        pushes.push(Push {
            kind: "ticket",
            ticket: new.id.clone(),
            envelope: webhook::ticket_message(&new),
        });
    }
    Ok(Some((TICKET_TYPE.to_owned(), new.to_value())))
}

/// `set /tickets/{id}/change-tags`: `{tags: [...]}`.
fn change_tags(b: &Blip, owner: &str, id: &str, cmd: &Command) -> CommandOutcome {
    let r = resource_object(cmd)?;
    let tags = tags_of(r)?.ok_or_else(|| invalid("The tags are required"))?;
    b.store().change_tags(owner, id, tags, b.reasons())?;
    Ok(None)
}

/// `$skip` and `$take` (at most 100, default 20).
// Vendor quirk: the default `$take` and what a larger one does are UNVERIFIED;
// the fake caps it at the documented maximum of 100.
fn page(query: &[(String, String)]) -> Result<(usize, usize), Reason> {
    let get = |k: &str, default: usize| match query.iter().find(|(q, _)| q == k) {
        None => Ok(default),
        Some((_, v)) => v
            .parse::<usize>()
            .map_err(|_| invalid(format!("Invalid value '{v}' for {k}"))),
    };
    Ok((get("$skip", 0)?, get("$take", 20)?.min(100)))
}

fn list(
    query: &[(String, String)],
    keep: impl Fn(&Ticket) -> bool,
    b: &Blip,
    owner: &str,
) -> CommandOutcome {
    let (skip, take) = page(query)?;
    let store = b.store();
    let all: Vec<&Ticket> = store.owned(owner).filter(|t| keep(t)).collect();
    let items = all
        .iter()
        .skip(skip)
        .take(take)
        .map(|t| t.to_value())
        .collect::<Vec<_>>();
    Ok(Some((
        COLLECTION_TYPE.to_owned(),
        wire::collection(TICKET_TYPE, items.len(), items),
    )))
}

/// `get /tickets/{id}/messages`: the ticket's conversation, newest first.
fn ticket_messages(b: &Blip, owner: &str, id: &str, query: &[(String, String)]) -> CommandOutcome {
    let (skip, take) = page(query)?;
    let store = b.store();
    let rec = store.ticket(owner, id, b.reasons())?;
    let items: Vec<Value> = rec
        .transcript
        .iter()
        .rev()
        .skip(skip)
        .take(take)
        .map(|l| {
            json!({"id": l.id, "direction": l.direction, "type": l.type_, "content": l.content, "date": l.date})
        })
        .collect();
    Ok(Some((
        COLLECTION_TYPE.to_owned(),
        wire::collection(wire::THREAD_MESSAGE_TYPE, items.len(), items),
    )))
}

// ---- /messages and /notifications --------------------------------------------

/// `POST /messages`: 202 once the envelope is valid. A message to
/// `{ticket}@desk.msging.net/Webhook` is an agent's answer and reaches the
/// customer; one to `{customer}@desk.msging.net` is the bot forwarding its
/// customer to the Desk; anything else goes to the customer's channel.
async fn messages(
    State(b): B,
    Extension(Caller(bot)): Extension<Caller>,
    Envelope(body): Envelope,
) -> Result<Response, BlipError> {
    let msg = wire::parse_message(&body).map_err(|d| BlipError::malformed(Some(&body), d))?;
    let owner = bot.identity();
    let now = iso_millis(b.now());
    let msg_id = msg.id.clone().unwrap_or_else(|| b.store().guid());
    let mut pushes = Vec::new();
    if msg.to.domain == DESK_DOMAIN && !msg.to.name.is_empty() {
        let webhook_instance = msg
            .to
            .instance
            .as_deref()
            .is_some_and(|i| i.eq_ignore_ascii_case(wire::WEBHOOK_INSTANCE));
        let failure = if webhook_instance {
            let ticket = msg.to.name.clone();
            let owned = b
                .store()
                .by_id(&ticket)
                .is_some_and(|t| t.ticket.owner_identity == owner);
            let line = Line {
                id: msg_id.clone(),
                direction: "sent",
                type_: msg.type_.clone(),
                content: msg.content.clone(),
                date: now,
                forwarded: None,
            };
            let result = if owned {
                b.store().agent_line(&ticket, line, b.reasons())
            } else {
                Err(Reason::new(
                    reason::ROUTING_DESTINATION_NOT_FOUND,
                    "Destination not found",
                ))
            };
            result.err().map(|r| (ticket, r))
        } else {
            let customer = wire::percent_decode(&msg.to.name);
            let active = b
                .store()
                .active_for(&owner, &customer)
                .map(|t| t.ticket.id.clone());
            match active {
                Some(ticket) => {
                    pushes.extend(customer_says(&b, &ticket, &msg_id, &msg.type_, &msg.content).1);
                    None
                }
                None => Some((
                    msg.to.name.clone(),
                    Reason::new(
                        reason::ROUTING_DESTINATION_NOT_FOUND,
                        "Destination not found",
                    ),
                )),
            }
        };
        if let Some((name, r)) = failure {
            let node = msg.to.to_string();
            let note = webhook::failure_notification(&node, &msg_id, &r);
            b.store().failed.push(note.clone());
            let s = &b.settings().attendance;
            if webhook_instance && channel_on(&b) && s.failure_notifications {
                pushes.push(Push {
                    kind: "notification",
                    ticket: name,
                    envelope: note,
                });
            }
        }
    } else {
        let mut sent = Value::Object(body);
        sent["from"] = json!(owner);
        b.store().sent.push(sent);
    }
    spawn_all(&b, pushes);
    Ok(StatusCode::ACCEPTED.into_response())
}

/// A customer's message on an active ticket: kept in the transcript and, when the
/// ticket is assigned (or the settings say so), forwarded to the channel. Returns
/// the forwarded envelope and its push.
fn customer_says(
    b: &Blip,
    ticket: &str,
    msg_id: &str,
    type_: &str,
    content: &Value,
) -> (Option<Value>, Option<Push>) {
    let now = iso_millis(b.now());
    let mut store = b.store();
    let Some(t) = store.by_id(ticket).map(|r| r.ticket.clone()) else {
        return (None, None);
    };
    let s = &b.settings().attendance;
    let assigned = matches!(t.status, TicketStatus::Open | TicketStatus::Assigned);
    let forward = channel_on(b) && (assigned || s.forward_while_waiting);
    store.customer_line(
        ticket,
        Line {
            id: msg_id.to_owned(),
            direction: "received",
            type_: type_.to_owned(),
            content: content.clone(),
            date: now,
            forwarded: Some(forward),
        },
    );
    if !forward {
        return (None, None);
    }
    let envelope = webhook::forwarded_message(&t, msg_id, type_, content);
    let push = Push {
        kind: "message",
        ticket: t.id,
        envelope: envelope.clone(),
    };
    (Some(envelope), Some(push))
}

/// `POST /notifications`: 202 once the envelope is valid; kept in the state.
async fn notifications(
    State(b): B,
    Extension(Caller(bot)): Extension<Caller>,
    Envelope(body): Envelope,
) -> Result<Response, BlipError> {
    wire::parse_notification(&body).map_err(|d| BlipError::malformed(Some(&body), d))?;
    let mut note = Value::Object(body);
    note["from"] = json!(bot.identity());
    b.store().notifications.push(note);
    Ok(StatusCode::ACCEPTED.into_response())
}

// ---- control endpoints -------------------------------------------------------

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

/// Closes every active ticket idle for `close_inactive_after_minutes` as
/// `ClosedClientInactivity`, as the customer closing it would: the bot gets the end
/// of attendance, the channel `Ticket:{id}:ClosedClientInactivity` (with
/// `status_updates`), sent in the background.
pub(super) fn close_inactive(b: &Arc<Blip>, now: time::OffsetDateTime) {
    let minutes = b.settings().attendance.close_inactive_after_minutes;
    if minutes == 0 {
        return;
    }
    let cutoff = now - std::time::Duration::from_secs(minutes.saturating_mul(60));
    let due = b.store().inactive_since(cutoff);
    let mut pushes = Vec::new();
    for (owner, id) in due {
        let closed = b.store().change_status(
            &owner,
            &id,
            TicketStatus::ClosedClientInactivity,
            None,
            now,
            b.reasons(),
        );
        let Ok(closed) = closed else { continue };
        end_of_attendance(b, &closed);
        if channel_on(b) && b.settings().attendance.status_updates && closed.provider == "Webhook" {
            pushes.push(Push {
                kind: "ticket",
                ticket: closed.id.clone(),
                envelope: webhook::ticket_message(&closed),
            });
        }
    }
    spawn_all(b, pushes);
}

/// `POST /blip/attendance`: a stand-in for the integrator's platform that takes
/// every push.
async fn stand_in_attendance() -> Response {
    Json(json!({})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_split_into_decoded_segments_and_query() {
        let (segs, q) = split_uri("/tickets/5511%40wa.gw.msging.net/closed?$skip=2&$take=5");
        assert_eq!(segs, ["tickets", "5511@wa.gw.msging.net", "closed"]);
        assert_eq!(
            q,
            [("$skip".into(), "2".into()), ("$take".into(), "5".into())]
        );
        let (segs, _) = split_uri("lime://demobot@msging.net/ticket/abc");
        assert_eq!(segs, ["ticket", "abc"]);
        assert!(split_uri("lime://x").0.is_empty());
    }

    #[test]
    fn pages_cap_take_at_100() {
        let q = |k: &str, v: &str| vec![(k.to_owned(), v.to_owned())];
        assert_eq!(page(&[]).unwrap(), (0, 20));
        assert_eq!(page(&q("$take", "500")).unwrap(), (0, 100));
        assert_eq!(page(&q("$skip", "x")).unwrap_err().code, 64);
    }
}

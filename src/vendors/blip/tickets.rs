//! `POST /commands`: the Desk's ticket commands (create, change status, close,
//! transfer, tags, lists and transcripts), as Blip answers them.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::account::{Blip, Caller};
use super::attendance::{Push, channel_on, end_of_attendance, spawn_all};
use super::command::{self, Command, Method};
use super::error::{BlipError, Envelope, json_response};
use super::store::NewTicket;
use super::webhook;
use super::wire::{
    self, COLLECTION_TYPE, DESK_POSTMASTER, Reason, SERVER_INSTANCE, TICKET_TYPE, Ticket,
    TicketStatus, reason,
};

type B = State<Arc<Blip>>;

/// `POST /commands`: 200 with the command response, success or failure; 400 when
/// the body is not a command.
pub(super) async fn commands(
    State(b): B,
    Extension(Caller(bot)): Extension<Caller>,
    Envelope(body): Envelope,
) -> Result<Response, BlipError> {
    let cmd = command::parse_command(&body).map_err(|d| BlipError::malformed(Some(&body), d))?;
    let (outcome, pushes) = run_command(&b, &bot.identity(), &cmd);
    spawn_all(&b, pushes);
    let server = match &cmd.to {
        Some(to) => format!("{}/{SERVER_INSTANCE}", to.identity()),
        None => format!("postmaster@{}/{SERVER_INSTANCE}", wire::BOT_DOMAIN),
    };
    let reply = command::command_response(&cmd, &server, &bot.identity(), &outcome);
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

pub(super) fn valid_identity(s: &str) -> Result<(), Reason> {
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
        command::collection(TICKET_TYPE, items.len(), items),
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
        command::collection(wire::THREAD_MESSAGE_TYPE, items.len(), items),
    )))
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

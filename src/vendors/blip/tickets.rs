//! The Desk's ticket commands (create, change status, close, transfer, tags,
//! lists and transcripts), as Blip answers them. Each is a handler of the
//! routing table in [`super::routes`].

use serde_json::{Value, json};

use super::attendance::{Push, channel_on, end_of_attendance};
use super::call::{Call, Outcome, collection, document, invalid, opt_str, opt_strings};
use super::odata;
use super::store::NewTicket;
use super::webhook;
use super::wire::{self, Reason, TICKET_TYPE, Ticket, TicketStatus};

pub(super) fn valid_identity(s: &str) -> Result<(), Reason> {
    match wire::Node::parse(s) {
        Some(n) if !n.name.is_empty() => Ok(()),
        _ => Err(invalid(format!("'{s}' is not a valid identity"))),
    }
}

/// `set /tickets`: resource `{customerIdentity[, agentIdentity, team]}`.
pub(super) fn create_for(c: &mut Call<'_>) -> Outcome {
    let r = c.object()?;
    let Some(customer) = opt_str(r, "customerIdentity")? else {
        return Err(invalid("The ticket needs a customerIdentity"));
    };
    let (agent, team) = (opt_str(r, "agentIdentity")?, opt_str(r, "team")?);
    create(c, customer, None, agent, team)
}

/// `set /tickets/{customer}`: the resource is the customer's input.
pub(super) fn create_with_input(c: &mut Call<'_>) -> Outcome {
    let input = c.cmd.resource.clone().map(|r| {
        (
            c.cmd
                .type_
                .clone()
                .unwrap_or_else(|| "text/plain".to_owned()),
            r,
        )
    });
    let customer = c.param(0).to_owned();
    create(c, customer, input, None, None)
}

/// A new ticket; with a custom channel on, it is pushed to it.
fn create(
    c: &mut Call<'_>,
    customer: String,
    input: Option<(String, Value)>,
    agent: Option<String>,
    team: Option<String>,
) -> Outcome {
    valid_identity(&customer)?;
    let b = c.b;
    let ticket = b.store().create(
        NewTicket {
            owner: c.owner.to_owned(),
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
        c.pushes.push(Push {
            kind: "ticket",
            ticket: ticket.id.clone(),
            envelope: webhook::ticket_message(&ticket),
        });
    }
    document(TICKET_TYPE, ticket.to_value())
}

/// `set /tickets/change-status`: `{id, status[, agentIdentity]}`; success has no
/// resource. The bot learns of the end of an attendance.
pub(super) fn change_status(c: &mut Call<'_>) -> Outcome {
    status_change(c, true)
}

/// `set /tickets/change-status-without-redirect` (blip-sdk-csharp's
/// HelpDeskExtension): the same, without the redirect to the bot.
pub(super) fn change_status_quietly(c: &mut Call<'_>) -> Outcome {
    status_change(c, false)
}

fn status_change(c: &mut Call<'_>, redirect: bool) -> Outcome {
    let r = c.object()?;
    let Some(id) = opt_str(r, "id")? else {
        return Err(invalid("The ticket id is required"));
    };
    let Some(status) = opt_str(r, "status")? else {
        return Err(invalid("The ticket status is required"));
    };
    let status = TicketStatus::parse(&status)
        .ok_or_else(|| invalid(format!("Invalid ticket status {status}")))?;
    let agent = opt_str(r, "agentIdentity")?;
    let b = c.b;
    let t = b
        .store()
        .change_status(c.owner, &id, status, agent, b.now(), b.reasons())?;
    if t.closed && redirect {
        end_of_attendance(b, &t);
    }
    Ok(None)
}

/// `set /tickets/{id}/close`: `{closedBy, tags}` (closedBy defaults to the bot).
pub(super) fn close(c: &mut Call<'_>) -> Outcome {
    let empty = serde_json::Map::new();
    let r = c
        .cmd
        .resource
        .as_ref()
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let closed_by = opt_str(r, "closedBy")?;
    let tags = opt_strings(r, "tags")?;
    let (b, id) = (c.b, c.param(0));
    let was_open = b
        .store()
        .ticket(c.owner, id, b.reasons())
        .map(|t| !t.ticket.closed)?;
    let t = b
        .store()
        .close(c.owner, id, closed_by, tags, b.now(), b.reasons())?;
    if was_open {
        end_of_attendance(b, &t);
    }
    Ok(None)
}

/// `set /tickets/{id}/transfer`: `{team[, agentIdentity]}`; the new ticket.
pub(super) fn transfer(c: &mut Call<'_>) -> Outcome {
    let r = c.object()?;
    let Some(team) = opt_str(r, "team")? else {
        return Err(invalid("The team is required"));
    };
    let agent = opt_str(r, "agentIdentity")?;
    let b = c.b;
    let new = b
        .store()
        .transfer(c.owner, c.param(0), team, agent, b.now(), b.reasons())?;
    if new.provider == "Webhook" && channel_on(b) {
        c.pushes.push(Push {
            kind: "ticket",
            ticket: new.id.clone(),
            envelope: webhook::ticket_message(&new),
        });
    }
    document(TICKET_TYPE, new.to_value())
}

/// `set /tickets/{id}/change-tags`: `{tags: [...]}`.
pub(super) fn change_tags(c: &mut Call<'_>) -> Outcome {
    let r = c.object()?;
    let tags = opt_strings(r, "tags")?.ok_or_else(|| invalid("The tags are required"))?;
    let b = c.b;
    b.store()
        .change_tags(c.owner, c.param(0), tags, b.reasons())?;
    Ok(None)
}

/// `get /ticket/{id}`.
pub(super) fn get_one(c: &mut Call<'_>) -> Outcome {
    let b = c.b;
    let v = b
        .store()
        .ticket(c.owner, c.param(0), b.reasons())?
        .ticket
        .to_value();
    document(TICKET_TYPE, v)
}

// Vendor quirk: the default `$take` and what a larger one does are UNVERIFIED;
// the fake caps it at the documented maximum of 100.
// `$filter` as the SDK builds it (`customerIdentity eq '..' and status eq 'Open'`).
fn list(c: &Call<'_>, keep: impl Fn(&Ticket) -> bool) -> Outcome {
    let (skip, take) = c.page(true, 20, 100)?;
    let filter = match c.q("$filter") {
        None | Some("") => None,
        Some(f) => Some(odata::parse(f).ok_or_else(|| invalid(format!("Invalid filter '{f}'")))?),
    };
    let store = c.b.store();
    let items: Vec<Value> = store
        .owned(c.owner)
        .filter(|t| keep(t))
        .map(Ticket::to_value)
        .filter(|v| {
            filter
                .as_ref()
                .is_none_or(|f| v.as_object().is_some_and(|o| odata::keeps(f, o)))
        })
        .skip(skip)
        .take(take)
        .collect();
    collection(TICKET_TYPE, items.len(), items)
}

/// `get /tickets`: the bot's tickets, newest first.
pub(super) fn list_all(c: &mut Call<'_>) -> Outcome {
    list(c, |_| true)
}

/// `get /tickets/{customer}/closed`.
pub(super) fn list_closed(c: &mut Call<'_>) -> Outcome {
    let customer = c.param(0).to_owned();
    list(c, |t| t.closed && t.customer_identity == customer)
}

/// `get /monitoring/open-tickets`.
pub(super) fn list_open(c: &mut Call<'_>) -> Outcome {
    list(c, |t| {
        matches!(t.status, TicketStatus::Open | TicketStatus::Assigned)
    })
}

/// `get /monitoring/waiting-tickets`.
pub(super) fn list_waiting(c: &mut Call<'_>) -> Outcome {
    list(c, |t| t.status == TicketStatus::Waiting)
}

/// `get /monitoring/tickets`: counts by status.
pub(super) fn counters(c: &mut Call<'_>) -> Outcome {
    let v = c.b.store().counters(c.owner);
    document(wire::TICKET_COUNTERS_TYPE, v)
}

/// `get /tickets/{id}/messages`: the ticket's conversation, newest first.
pub(super) fn messages(c: &mut Call<'_>) -> Outcome {
    let (skip, take) = c.page(true, 20, 100)?;
    let b = c.b;
    let store = b.store();
    let rec = store.ticket(c.owner, c.param(0), b.reasons())?;
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
    collection(wire::THREAD_MESSAGE_TYPE, items.len(), items)
}

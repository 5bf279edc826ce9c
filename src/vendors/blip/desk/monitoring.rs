//! `/monitoring/...`: the Desk's live figures, computed from the bot's tickets
//! (the open and waiting ticket lists and the counters are in `tickets`).

use serde_json::{Value, json};

use super::metrics::{self, averages, is_closed, is_open};
use crate::vendors::blip::call::{Call, Outcome, collection, document};
use crate::vendors::blip::wire::{Ticket, TicketStatus};

const ATTENDANT_SUMMARY: &str = "application/vnd.iris.desk.attendantticketssummary+json";
const TEAM_SUMMARY: &str = "application/vnd.iris.desk.teamticketssummary+json";
const METRICS: &str = "application/vnd.iris.desk.tickets-metrics-summary+json";
const BY_HOUR: &str = "application/vnd.iris.desk.tickets-by-hour-summary+json";

/// The bot's tickets, oldest first, copied out of the store.
pub fn tickets_of(c: &Call<'_>) -> Vec<Ticket> {
    let store = c.b.store();
    let mut v: Vec<Ticket> = store.owned(c.owner).cloned().collect();
    v.reverse();
    v
}

/// The attendants with their status, then any agent that holds tickets without
/// being one (status `Offline`).
pub fn agents_with_status(c: &Call<'_>, ts: &[Ticket]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = {
        let store = c.b.store();
        store
            .book
            .desk
            .attendants
            .of(c.owner)
            .map(|(id, a)| (id.to_owned(), a.status.clone()))
            .collect()
    };
    for t in ts {
        if let Some(a) = &t.agent_identity
            && !out.iter().any(|(id, _)| id == a)
        {
            out.push((a.clone(), "Offline".to_owned()));
        }
    }
    out
}

/// What an attendant's and a team's lines share: average times, open and closed
/// tickets.
fn summary(mine: &[&Ticket]) -> serde_json::Map<String, Value> {
    let mut line = averages(mine);
    line.insert(
        "openedTickets".into(),
        json!(mine.iter().filter(|t| is_open(t)).count()),
    );
    line.insert(
        "closedTickets".into(),
        json!(mine.iter().filter(|t| is_closed(t)).count()),
    );
    line
}

/// One attendant's line: status, open and closed tickets, average times.
pub fn attendant_line(identity: &str, status: &str, ts: &[Ticket]) -> Value {
    let mine: Vec<&Ticket> = ts
        .iter()
        .filter(|t| t.agent_identity.as_deref() == Some(identity))
        .collect();
    let mut line = summary(&mine);
    line.insert("identity".into(), json!(identity));
    line.insert("status".into(), json!(status));
    Value::Object(line)
}

/// `get /monitoring/attendants`.
pub fn attendants(c: &mut Call<'_>) -> Outcome {
    let ts = tickets_of(c);
    let items: Vec<Value> = agents_with_status(c, &ts)
        .iter()
        .map(|(id, status)| attendant_line(id, status, &ts))
        .collect();
    collection(ATTENDANT_SUMMARY, items.len(), items)
}

/// The teams: configured ones, then any a ticket names.
pub fn team_names(c: &Call<'_>, ts: &[Ticket]) -> Vec<String> {
    let mut names = c.b.store().book.desk.team_names(c.owner);
    for t in ts {
        if let Some(team) = &t.team
            && !names.contains(team)
        {
            names.push(team.clone());
        }
    }
    names
}

/// One team's line: waiting, open and closed tickets, average times.
pub fn team_line(name: &str, ts: &[Ticket]) -> Value {
    let mine: Vec<&Ticket> = ts
        .iter()
        .filter(|t| t.team.as_deref() == Some(name))
        .collect();
    let mut line = summary(&mine);
    line.insert("name".into(), json!(name));
    let waiting = mine
        .iter()
        .filter(|t| t.status == TicketStatus::Waiting)
        .count();
    line.insert("waitingTickets".into(), json!(waiting));
    Value::Object(line)
}

/// `get /monitoring/teams`.
pub fn teams(c: &mut Call<'_>) -> Outcome {
    let ts = tickets_of(c);
    let items: Vec<Value> = team_names(c, &ts)
        .iter()
        .map(|n| team_line(n, &ts))
        .collect();
    collection(TEAM_SUMMARY, items.len(), items)
}

/// `get /monitoring/ticket-metrics`.
pub fn ticket_metrics(c: &mut Call<'_>) -> Outcome {
    let ts = tickets_of(c);
    let refs: Vec<&Ticket> = ts.iter().collect();
    document(METRICS, metrics::metrics(&refs))
}

/// `get /monitoring/tickets-per-hour`: tickets created per hour, oldest hour first.
pub fn tickets_per_hour(c: &mut Call<'_>) -> Outcome {
    let mut hours: Vec<(String, usize)> = Vec::new();
    for t in tickets_of(c) {
        let Some(at) = metrics::parse_iso(&t.storage_date) else {
            continue;
        };
        let hour = at
            .replace_minute(0)
            .and_then(|a| a.replace_second(0))
            .and_then(|a| a.replace_nanosecond(0));
        let key = hour.map_or_else(|_| t.storage_date.clone(), crate::clock::iso_millis);
        match hours.iter_mut().find(|(h, _)| *h == key) {
            Some((_, n)) => *n += 1,
            None => hours.push((key, 1)),
        }
    }
    hours.sort();
    let items: Vec<Value> = hours
        .into_iter()
        .map(|(h, n)| json!({"storageDate": h, "ticketByHour": n}))
        .collect();
    collection(BY_HOUR, items.len(), items)
}

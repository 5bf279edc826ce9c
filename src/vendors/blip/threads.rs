//! Chat history (REFERENCE extensions 6): `/threads`, one per contact the bot
//! talked to, and `/threads/{identity}`, the messages really exchanged: the
//! customer's and the agents' lines of the contact's tickets and what the bot
//! sent the contact itself. Also the logged `/messages` and `/notifications`.

use serde_json::{Value, json};

use super::call::{Call, Outcome, invalid, paged};
use super::desk::metrics::parse_iso;
use super::wire::{self, THREAD_MESSAGE_TYPE};

/// `application/vnd.iris.thread+json`.
pub const THREAD_TYPE: &str = "application/vnd.iris.thread+json";

/// Every message of `owner` with `peer`, oldest first (stable by date).
pub fn thread_messages(c: &Call<'_>, peer: &str) -> Vec<Value> {
    let store = c.b.store();
    let mut all: Vec<Value> = Vec::new();
    for rec in store
        .tickets
        .iter()
        .filter(|r| r.ticket.owner_identity == c.owner && r.ticket.customer_identity == peer)
    {
        for l in &rec.transcript {
            let status = if l.direction == "sent" {
                "dispatched"
            } else {
                "accepted"
            };
            all.push(
                json!({"id": l.id, "peerIdentity": peer, "direction": l.direction,
                "type": l.type_, "content": l.content, "date": l.date, "status": status}),
            );
        }
    }
    for (o, p, m) in &store.book.bot_sent {
        if o == c.owner && p == peer {
            all.push(m.clone());
        }
    }
    all.sort_by(|a, b| a["date"].as_str().cmp(&b["date"].as_str()));
    all
}

/// The contacts `owner` has a thread with.
fn peers(c: &Call<'_>) -> Vec<String> {
    let store = c.b.store();
    let mut out: Vec<String> = Vec::new();
    let from_tickets = store
        .tickets
        .iter()
        .filter(|r| r.ticket.owner_identity == c.owner && !r.transcript.is_empty())
        .map(|r| r.ticket.customer_identity.clone());
    let from_bot = store
        .book
        .bot_sent
        .iter()
        .filter(|(o, _, _)| o == c.owner)
        .map(|(_, p, _)| p.clone());
    for p in from_tickets.chain(from_bot) {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// `get /threads`: the latest message of each thread, newest thread first;
/// `$take` (default 50, max 100), `$skip`.
pub fn list(c: &mut Call<'_>) -> Outcome {
    let (skip, take) = c.page(true, 50, 100)?;
    let mut threads: Vec<Value> = Vec::new();
    for peer in peers(c) {
        let Some(last) = thread_messages(c, &peer).pop() else {
            continue;
        };
        let unread: u64 =
            c.b.store()
                .tickets
                .iter()
                .filter(|r| {
                    r.ticket.owner_identity == c.owner
                        && r.ticket.customer_identity == peer
                        && !r.ticket.closed
                })
                .map(|r| r.ticket.unread_messages)
                .sum();
        let last = json!({"id": last["id"], "direction": last["direction"], "type": last["type"],
            "content": last["content"], "date": last["date"]});
        threads.push(json!({"ownerIdentity": c.owner, "identity": peer, "lastMessage": last, "unreadMessages": unread}));
    }
    threads.sort_by(|a, b| {
        b["lastMessage"]["date"]
            .as_str()
            .cmp(&a["lastMessage"]["date"].as_str())
    });
    paged(THREAD_TYPE, threads, skip, take)
}

/// `get /threads/{identity}`: newest first; `$take` (default 20, max 100),
/// `$skip`; `storageDate` or `messageId` with `direction` (`asc`: after the
/// reference, oldest first; `desc`: before it).
pub fn messages(c: &mut Call<'_>) -> Outcome {
    let (skip, take) = c.page(true, 20, 100)?;
    let mut all = thread_messages(c, c.param(0));
    let reference = match (c.q("storageDate"), c.q("messageId")) {
        (Some(d), _) if !d.is_empty() => Some(
            parse_iso(d)
                .map(crate::clock::iso_millis)
                .ok_or_else(|| invalid(format!("Invalid value '{d}' for storageDate")))?,
        ),
        (_, Some(id)) if !id.is_empty() => Some(
            all.iter()
                .find(|m| m["id"] == json!(id))
                .and_then(|m| m["date"].as_str().map(str::to_owned))
                .ok_or_else(super::call::not_found)?,
        ),
        _ => None,
    };
    let direction = c.q("direction").unwrap_or("desc");
    if !matches!(direction, "asc" | "desc") {
        return Err(invalid(format!(
            "Invalid value '{direction}' for direction"
        )));
    }
    if let Some(r) = reference {
        all.retain(|m| {
            let d = m["date"].as_str().unwrap_or("");
            if direction == "asc" {
                d > r.as_str()
            } else {
                d < r.as_str()
            }
        });
    }
    if direction == "desc" {
        all.reverse();
    }
    paged(THREAD_MESSAGE_TYPE, all, skip, take)
}

/// `get /messages`: the bot's logged messages to its contacts, the last
/// `$take` (max 100).
pub fn logged_messages(c: &mut Call<'_>) -> Outcome {
    let (skip, take) = c.page(true, 100, 100)?;
    let store = c.b.store();
    let all: Vec<Value> = store
        .book
        .bot_sent
        .iter()
        .rev()
        .filter(|(o, _, _)| o == c.owner)
        .map(|(o, p, m)| {
            json!({"id": m["id"], "from": o, "to": p, "type": m["type"], "content": m["content"],
                "metadata": {"#envelope.storageDate": m["date"]}})
        })
        .collect();
    paged("application/vnd.lime.message+json", all, skip, take)
}

/// `get /notifications[?id=]`: notifications the bot sent, and those about what
/// it sent.
pub fn logged_notifications(c: &mut Call<'_>) -> Outcome {
    let (skip, take) = c.page(true, 100, 100)?;
    let id = c.q("id").map(str::to_owned);
    let store = c.b.store();
    let mine = store
        .notifications
        .iter()
        .filter(|n| n["from"] == json!(c.owner));
    let about = store
        .book
        .bot_notifications
        .iter()
        .filter(|(o, _)| o == c.owner)
        .map(|(_, n)| n);
    let all: Vec<Value> = mine
        .chain(about)
        .filter(|n| id.as_ref().is_none_or(|i| n["id"] == json!(i)))
        .cloned()
        .collect();
    paged("application/vnd.lime.notification+json", all, skip, take)
}

/// A message the bot sent a contact itself, as its thread keeps it.
pub fn bot_line(id: &str, to: &wire::Node, type_: &str, content: &Value, date: &str) -> Value {
    json!({"id": id, "peerIdentity": to.identity(), "direction": "sent", "type": type_,
        "content": content, "date": date, "status": "dispatched"})
}

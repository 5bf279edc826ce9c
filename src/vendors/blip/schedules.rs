//! The scheduler extension (`postmaster@scheduler.msging.net`, REFERENCE
//! extensions 10): a message sent on the bot's behalf at `when`, on the run's
//! clock; `scheduled` → `executed`, or `canceled` by `delete`.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::account::Blip;
use super::book::{Schedule, log};
use super::call::{Call, Outcome, document, invalid, not_found, opt_str, paged};
use super::desk::metrics::parse_iso;
use super::threads::bot_line;
use super::wire::SCHEDULER_POSTMASTER;
use super::wire::{self, Node};

/// `application/vnd.iris.schedule+json`.
pub const SCHEDULE_TYPE: &str = "application/vnd.iris.schedule+json";

/// \[DOC\] the list is capped at 1000 items since April 2021.
const LIST_CAP: usize = 1000;

fn message_of(
    c: &Call<'_>,
    r: &Map<String, Value>,
    at: OffsetDateTime,
) -> Result<Map<String, Value>, wire::Reason> {
    let m = r
        .get("message")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("The schedule needs a message"))?;
    let parsed = wire::parse_message(m).map_err(invalid)?;
    let mut out = m.clone();
    if parsed.id.is_none() {
        out.insert("id".into(), json!(c.b.store().guid()));
    }
    let fmt = time::macros::format_description!("[month]/[day]/[year] [hour]:[minute]:[second]");
    out.insert("from".into(), json!(c.owner));
    out.insert(
        "pp".into(),
        json!(format!(
            "{SCHEDULER_POSTMASTER}/{}",
            wire::encode_identity(c.owner)
        )),
    );
    let mut meta = out
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    meta.insert(
        "#scheduler.when".into(),
        json!(at.format(&fmt).unwrap_or_default()),
    );
    out.insert("metadata".into(), Value::Object(meta));
    Ok(out)
}

/// `set /schedules`: `{message, when[, name]}`; the message's id names it.
pub fn set(c: &mut Call<'_>) -> Outcome {
    let r = c.object()?;
    let when = opt_str(r, "when")?.ok_or_else(|| invalid("The schedule needs its 'when'"))?;
    let at = parse_iso(&when).ok_or_else(|| invalid(format!("Invalid date '{when}'")))?;
    let message = message_of(c, r, at)?;
    let id = message["id"].as_str().unwrap_or_default().to_owned();
    let schedule = Schedule {
        when: crate::clock::iso_millis(at),
        at,
        name: opt_str(r, "name")?,
        message: Value::Object(message),
        status: "scheduled",
    };
    c.b.store().book.schedules.put(c.owner, &id, schedule);
    fire_due(c.b, c.b.now());
    Ok(None)
}

/// `get /schedules/{messageId}`.
pub fn get(c: &mut Call<'_>) -> Outcome {
    let store = c.b.store();
    let s = store
        .book
        .schedules
        .get(c.owner, c.param(0))
        .ok_or_else(not_found)?;
    document(SCHEDULE_TYPE, json!(s))
}

/// `get /schedules`: at most 1000.
pub fn list(c: &mut Call<'_>) -> Outcome {
    let (skip, take) = c.page(true, LIST_CAP, LIST_CAP)?;
    let all: Vec<Value> =
        c.b.store()
            .book
            .schedules
            .of(c.owner)
            .map(|(_, s)| json!(s))
            .collect();
    paged(SCHEDULE_TYPE, all, skip, take)
}

/// `delete /schedules/{messageId}`: a scheduled message is `canceled`; an
/// executed one cannot be.
pub fn cancel(c: &mut Call<'_>) -> Outcome {
    let mut store = c.b.store();
    let s = store
        .book
        .schedules
        .get_mut(c.owner, c.param(0))
        .ok_or_else(not_found)?;
    match s.status {
        "executed" => Err(wire::Reason::new(
            wire::reason::COMMAND_NOT_ALLOWED,
            "The message was already sent",
        )),
        _ => {
            s.status = "canceled";
            Ok(None)
        }
    }
}

/// Sends every scheduled message whose time has come: it goes out as the bot's
/// message and joins the contact's thread.
pub fn fire_due(b: &Blip, now: OffsetDateTime) {
    let mut store = b.store();
    let mut due = Vec::new();
    for (owner, s) in store.book.schedules.all_mut() {
        if s.status == "scheduled" && s.at <= now {
            s.status = "executed";
            due.push((owner.to_owned(), s.message.clone()));
        }
    }
    for (owner, m) in due {
        let to = m["to"].as_str().and_then(Node::parse);
        if let Some(to) = to {
            let line = bot_line(
                m["id"].as_str().unwrap_or_default(),
                &to,
                m["type"].as_str().unwrap_or_default(),
                &m["content"],
                &crate::clock::iso_millis(now),
            );
            log(&mut store.book.bot_sent, (owner, to.identity(), line));
        }
        store.sent.push(m);
    }
}

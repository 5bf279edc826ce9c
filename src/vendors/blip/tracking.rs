//! Event tracking (`postmaster@analytics.msging.net`, REFERENCE extensions 7):
//! `set /event-track`, its categories, daily counters per action and the
//! events themselves.

use serde_json::{Map, Value, json};

use super::book::{TrackedEvent, log};
use super::call::{Call, Outcome, invalid, not_found, opt_str, paged, req_str};
use super::desk::metrics::{day_start, local_day};
use super::desk::reports::range;

/// `application/vnd.iris.eventTrack+json`.
pub const EVENT_TYPE: &str = "application/vnd.iris.eventTrack+json";

/// `set /event-track`: `{category, action[, extras][, contact:{identity}|identity]}`.
pub fn track(c: &mut Call<'_>) -> Outcome {
    let r = c.object()?;
    let category = req_str(r, "category")?;
    let action = req_str(r, "action")?;
    let extras: Map<String, Value> = match r.get("extras") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) if m.values().all(Value::is_string) => m.clone(),
        Some(_) => return Err(invalid("'extras' must be an object of strings")),
    };
    // [DOC] sends `contact.identity`; the C# SDK sends `identity`.
    let identity = match r.get("contact").and_then(Value::as_object) {
        Some(contact) => opt_str(contact, "identity")?,
        None => opt_str(r, "identity")?,
    };
    let now = c.b.now();
    let event = TrackedEvent {
        owner_identity: c.owner.to_owned(),
        category,
        action,
        storage_date: crate::clock::iso_millis(now),
        at: Some(now),
        identity,
        extras,
    };
    log(&mut c.b.store().book.events, event);
    Ok(None)
}

fn events_of(c: &Call<'_>, category: Option<&str>, action: Option<&str>) -> Vec<TrackedEvent> {
    c.b.store()
        .book
        .events
        .iter()
        .filter(|e| e.owner_identity == c.owner)
        .filter(|e| category.is_none_or(|x| e.category == x))
        .filter(|e| action.is_none_or(|x| e.action == x))
        .cloned()
        .collect()
}

/// `get /event-track`: the categories; `$take` 1..10000.
pub fn categories(c: &mut Call<'_>) -> Outcome {
    let (skip, take) = (
        c.number("$skip", 0, usize::MAX, false)?,
        c.number("$take", 10_000, 10_000, true)?,
    );
    let mut names: Vec<String> = Vec::new();
    for e in events_of(c, None, None) {
        if !names.contains(&e.category) {
            names.push(e.category);
        }
    }
    let items = names.into_iter().map(|n| json!({"category": n})).collect();
    paged(EVENT_TYPE, items, skip, take)
}

/// The events of the range `startDate`..`endDate` (default today).
fn in_range(
    c: &Call<'_>,
    category: &str,
    action: Option<&str>,
) -> Result<(Vec<TrackedEvent>, time::UtcOffset), super::wire::Reason> {
    let (zone, begin, end) = range(c, "startDate", "endDate")?;
    let evs = events_of(c, Some(category), action)
        .into_iter()
        .filter(|e| local_day(&e.storage_date, zone).is_some_and(|d| d >= begin && d <= end))
        .collect();
    Ok((evs, zone))
}

/// `get /event-track/{category}`: per day and action, the count; `$take` 1..10000.
pub fn counters(c: &mut Call<'_>) -> Outcome {
    let (skip, take) = (
        c.number("$skip", 0, usize::MAX, false)?,
        c.number("$take", 10_000, 10_000, true)?,
    );
    let category = c.param(0).to_owned();
    let (evs, zone) = in_range(c, &category, None)?;
    let mut lines: Vec<(String, String, usize)> = Vec::new();
    for e in &evs {
        let day = local_day(&e.storage_date, zone)
            .map(|d| day_start(d, zone))
            .unwrap_or_default();
        match lines
            .iter_mut()
            .find(|(d, a, _)| *d == day && *a == e.action)
        {
            Some((_, _, n)) => *n += 1,
            None => lines.push((day, e.action.clone(), 1)),
        }
    }
    let as_string = c.b.settings().extensions.event_count_as_string;
    let items = lines
        .into_iter()
        .map(|(day, action, n)| {
            let count = if as_string {
                json!(n.to_string())
            } else {
                json!(n)
            };
            json!({"storageDate": day, "category": category, "action": action, "count": count})
        })
        .collect();
    paged(EVENT_TYPE, items, skip, take)
}

/// `get /event-track/{category}/{action}`: the events; `$take` 1..500.
pub fn details(c: &mut Call<'_>) -> Outcome {
    let (skip, take) = (
        c.number("$skip", 0, usize::MAX, false)?,
        c.number("$take", 500, 500, true)?,
    );
    let (category, action) = (c.param(0).to_owned(), c.param(1).to_owned());
    let (evs, _) = in_range(c, &category, Some(&action))?;
    let items = evs
        .iter()
        .map(|e| {
            let mut v = json!({"category": e.category, "action": e.action, "storageDate": e.storage_date, "extras": e.extras});
            if let Some(i) = &e.identity {
                v["contact"] = json!({"identity": i});
            }
            v
        })
        .collect();
    paged(EVENT_TYPE, items, skip, take)
}

/// `delete /event-track/{category}`.
pub fn delete(c: &mut Call<'_>) -> Outcome {
    let category = c.param(0).to_owned();
    let mut store = c.b.store();
    let events = &mut store.book.events;
    let before = events.len();
    events.retain(|e| !(e.owner_identity == c.owner && e.category == category));
    if events.len() == before {
        return Err(not_found());
    }
    Ok(None)
}

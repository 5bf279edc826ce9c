//! Braze's email lists (REFERENCE braze-rest 4.5): an address's subscription
//! state, hard bounce and spam flag, kept per address (so a state set before any
//! user has the address applies once one does), the six endpoints that read and
//! change them, and who may be emailed.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};
use time::macros::format_description;
use time::{Date, OffsetDateTime, Time};

use super::account::Braze;
use super::error::{BrazeError, BrazeJson, json_response};
use super::messaging::{Reply, bad};
use super::store::{Profile, Store};
use super::users::MAX_IDS;

type B = State<Arc<Braze>>;
type Q = Query<HashMap<String, String>>;

/// What Braze knows about one address.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AddressState {
    /// The address as first given.
    pub email: String,
    /// `subscribed`, `unsubscribed` or `opted_in`, when set through `/email/status`
    /// or `/email/blocklist`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription: Option<&'static str>,
    /// When it was unsubscribed.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "opt_wire")]
    pub unsubscribed_at: Option<OffsetDateTime>,
    /// When it hard-bounced.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "opt_wire")]
    pub hard_bounced_at: Option<OffsetDateTime>,
    /// Marked as spam.
    pub spam: bool,
}

#[allow(clippy::ref_option)]
fn opt_wire<S: serde::Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&wire_time(*t)),
        None => s.serialize_none(),
    }
}

/// The list endpoints' timestamp: `YYYY-MM-DD HH:MM:SS +0000` (\[CAPTURE\]; the doc
/// claims ISO-8601).
pub fn wire_time(t: OffsetDateTime) -> String {
    let f = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] +0000");
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}

/// Why `p` may not get a marketing email (`transactional`: one that ignores the
/// subscription), or `None`. The reason is the postback's (\[DOC\]).
pub fn not_emailable(store: &Store, p: &Profile, transactional: bool) -> Option<String> {
    let why = || Some("User not emailable".to_owned());
    let Some(email) = p.attribute("email").filter(|e| !e.is_empty()) else {
        return why();
    };
    let st = store.api.addresses.get(&email.to_ascii_lowercase());
    if st.is_some_and(|s| s.hard_bounced_at.is_some() || s.spam) {
        return why();
    }
    let unsubscribed = match st.and_then(|s| s.subscription) {
        Some(s) => s == "unsubscribed",
        None => p.attribute("email_subscribe") == Some("unsubscribed"),
    };
    if unsubscribed && !transactional {
        return why();
    }
    None
}

/// The addresses of a request: one string or up to 50.
fn addresses(body: &serde_json::Map<String, Value>) -> Result<Vec<String>, BrazeError> {
    let list: Vec<String> = match body.get("email") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or_else(|| bad("email must be a string or an array of strings"))?,
        _ => return Err(bad("email must be a string or an array of strings")),
    };
    if list.len() > MAX_IDS {
        return Err(bad("The max number of emails per request was exceeded"));
    }
    if list.iter().any(|e| !e.contains('@')) {
        return Err(bad("Invalid email address"));
    }
    Ok(list)
}

/// Changes each address's state and the `email_subscribe` of every user with it.
fn change(b: &Braze, list: &[String], f: impl Fn(&mut AddressState, OffsetDateTime)) {
    let now = b.now();
    let mut store = b.store();
    for e in list {
        let key = e.to_ascii_lowercase();
        let st = store.api.addresses.entry(key.clone()).or_default();
        if st.email.is_empty() {
            st.email.clone_from(e);
        }
        f(st, now);
        let sub = st.subscription;
        if let Some(sub) = sub {
            for p in &mut store.profiles {
                if p.attribute("email")
                    .is_some_and(|x| x.eq_ignore_ascii_case(&key))
                {
                    p.attributes
                        .insert("email_subscribe".to_owned(), json!(sub));
                }
            }
        }
    }
}

fn created() -> Reply {
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"message": "success"}),
    ))
}

fn subscribe(st: &mut AddressState, state: &'static str, now: OffsetDateTime) {
    if state == "unsubscribed" {
        if st.subscription != Some("unsubscribed") {
            st.unsubscribed_at = Some(now);
        }
    } else {
        st.unsubscribed_at = None;
    }
    st.subscription = Some(state);
}

/// `POST /email/status`: 201 even for an address no user has (\[CAPTURE\]).
pub async fn status(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let list = addresses(&body)?;
    let state = match body.get("subscription_state").and_then(Value::as_str) {
        Some("subscribed") => "subscribed",
        Some("unsubscribed") => "unsubscribed",
        Some("opted_in") => "opted_in",
        _ => {
            return Err(bad(
                "subscription_state must be one of subscribed, unsubscribed or opted_in",
            ));
        }
    };
    change(&b, &list, |st, now| subscribe(st, state, now));
    created()
}

/// `POST /email/bounce/remove`: the addresses may be emailed again.
pub async fn bounce_remove(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let list = addresses(&body)?;
    change(&b, &list, |st, _| st.hard_bounced_at = None);
    created()
}

/// `POST /email/spam/remove`.
pub async fn spam_remove(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let list = addresses(&body)?;
    change(&b, &list, |st, _| st.spam = false);
    created()
}

/// `POST /email/blocklist` (and `/email/blacklist`): unsubscribed and marked
/// hard-bounced (\[DOC\]).
pub async fn blocklist(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let list = addresses(&body)?;
    change(&b, &list, |st, now| {
        subscribe(st, "unsubscribed", now);
        st.hard_bounced_at.get_or_insert(now);
    });
    created()
}

/// The window and paging of a list query: `start_date`/`end_date` (YYYY-MM-DD),
/// or `email`, which overrides the dates; `limit` (default 100, at most 500).
struct ListQuery {
    from: OffsetDateTime,
    to: OffsetDateTime,
    email: Option<String>,
    limit: usize,
    offset: usize,
    ascending: bool,
}

fn day(q: &HashMap<String, String>, key: &str) -> Result<Option<Date>, BrazeError> {
    let f = format_description!("[year]-[month]-[day]");
    q.get(key)
        .map(|v| {
            Date::parse(v, &f).map_err(|_| bad(&format!("{key} must be a date as YYYY-MM-DD")))
        })
        .transpose()
}

fn list_query(q: &HashMap<String, String>) -> Result<ListQuery, BrazeError> {
    let number = |k: &str, d: usize| -> Result<usize, BrazeError> {
        q.get(k).map_or(Ok(d), |v| {
            v.parse()
                .map_err(|_| bad(&format!("{k} must be a non-negative integer")))
        })
    };
    let limit = number("limit", 100)?;
    if limit == 0 || limit > 500 {
        return Err(bad("limit must be between 1 and 500"));
    }
    let email = q.get("email").cloned();
    let end = day(q, "end_date")?;
    let start = day(q, "start_date")?;
    if email.is_none() && (end.is_none() || start.is_none()) {
        return Err(bad(
            "start_date and end_date are required unless email is given",
        ));
    }
    let at = |d: Option<Date>, t: Time, or: OffsetDateTime| {
        d.map_or(or, |d| d.with_time(t).assume_utc())
    };
    Ok(ListQuery {
        from: at(start, Time::MIDNIGHT, OffsetDateTime::UNIX_EPOCH),
        to: at(
            end,
            Time::from_hms(23, 59, 59).unwrap_or(Time::MIDNIGHT),
            OffsetDateTime::UNIX_EPOCH,
        ),
        email,
        limit,
        offset: number("offset", 0)?,
        ascending: q.get("sort_direction").is_some_and(|d| d == "asc"),
    })
}

fn listed(q: &ListQuery, mut items: Vec<(String, OffsetDateTime)>, key: &str) -> Value {
    items.retain(|(e, t)| match &q.email {
        Some(x) => e.eq_ignore_ascii_case(x),
        None => *t >= q.from && *t <= q.to,
    });
    items.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if q.ascending {
        items.reverse();
    }
    let emails: Vec<Value> = items
        .into_iter()
        .skip(q.offset)
        .take(q.limit)
        .map(|(e, t)| json!({"email": e, key: wire_time(t)}))
        .collect();
    json!({"emails": emails, "message": "success"})
}

/// `GET /email/hard_bounces`: newest first.
pub async fn hard_bounces(State(b): B, Query(q): Q) -> Reply {
    let q = list_query(&q)?;
    let items = b
        .store()
        .api
        .addresses
        .values()
        .filter_map(|s| Some((s.email.clone(), s.hard_bounced_at?)))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &listed(&q, items, "hard_bounced_at"),
    ))
}

/// `GET /email/unsubscribes`: addresses unsubscribed through the email endpoints,
/// and users whose `email_subscribe` `/users/track` set to `unsubscribed` (since
/// their last update); newest first unless `sort_direction=asc`.
pub async fn unsubscribes(State(b): B, Query(q): Q) -> Reply {
    let q = list_query(&q)?;
    let store = b.store();
    let mut items: Vec<(String, OffsetDateTime)> = store
        .api
        .addresses
        .values()
        .filter_map(|s| Some((s.email.clone(), s.unsubscribed_at?)))
        .collect();
    for p in &store.profiles {
        let Some(e) = p.attribute("email") else {
            continue;
        };
        let own = store.api.addresses.get(&e.to_ascii_lowercase());
        if own.and_then(|s| s.subscription).is_none()
            && p.attribute("email_subscribe") == Some("unsubscribed")
            && !items.iter().any(|(x, _)| x.eq_ignore_ascii_case(e))
        {
            items.push((e.to_owned(), p.updated_at));
        }
    }
    Ok(json_response(
        StatusCode::OK,
        &listed(&q, items, "unsubscribed_at"),
    ))
}

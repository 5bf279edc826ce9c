//! Subscription groups (REFERENCE braze-rest 4.1 to 4.4): the configured groups,
//! each user's status in them, the four endpoints that read and set it, and the
//! rule sends follow (an SMS goes only to users subscribed to its group; any other
//! message naming a group skips users unsubscribed from it).

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::account::Braze;
use super::error::{BrazeError, BrazeJson, json_response};
use super::messaging::{Reply, bad};
use super::state::ApiState;
use super::store::Store;
use super::users::{MAX_IDS, id_text};
use super::wire::Identifier;

type B = State<Arc<Braze>>;

/// The 400 for a group the workspace does not have (\[CAPTURE\]).
pub const INVALID_GROUP: &str = "Invalid subscription group ID";
/// The 400 for email and phone together (\[DOC\]).
pub const EMAIL_OR_PHONE: &str =
    "Either an email address or a phone number should be provided, but not both.";

/// A subscription group (configured in `subscription_groups`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionGroup {
    /// Its API id (a UUID in Braze).
    pub id: String,
    /// Its name.
    pub name: String,
    /// `email`, `sms` or `whats_app`.
    #[serde(default = "email_channel")]
    pub channel: String,
}

fn email_channel() -> String {
    "email".to_owned()
}

/// The groups a workspace has unless configured otherwise: one email and one SMS
/// group.
pub fn default_groups() -> Vec<SubscriptionGroup> {
    vec![
        SubscriptionGroup {
            id: "5ab5c41b-e000-4000-8000-00000000e4a1".to_owned(),
            name: "Newsletter".to_owned(),
            channel: "email".to_owned(),
        },
        SubscriptionGroup {
            id: "5ab5c41b-e000-4000-8000-0000000005e5".to_owned(),
            name: "SMS marketing".to_owned(),
            channel: "sms".to_owned(),
        },
    ]
}

/// A user's last status change in a group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupStatus {
    /// The group.
    pub subscription_group_id: String,
    /// The user.
    pub braze_id: String,
    /// `Subscribed` or `Unsubscribed`.
    pub status: &'static str,
    /// When it changed.
    #[serde(serialize_with = "iso")]
    pub at: OffsetDateTime,
}

fn iso<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::clock::iso_millis(*t))
}

/// The status of `braze_id` in `group` as Braze shows it: `Subscribed`,
/// `Unsubscribed` or, never set, lowercase `unknown` (\[CAPTURE\]; the doc writes
/// `Unknown`).
pub fn status(api: &ApiState, group: &str, braze_id: &str) -> &'static str {
    api.subscriptions
        .iter()
        .find(|s| s.subscription_group_id == group && s.braze_id == braze_id)
        .map_or("unknown", |s| s.status)
}

/// Why a message naming `group` on `channel` does not go to `braze_id`, if it
/// does not.
pub fn blocks(api: &ApiState, group: &str, channel: &str, braze_id: &str) -> Option<String> {
    let s = status(api, group, braze_id);
    let needs_opt_in = channel == "sms" || channel == "whats_app";
    if (needs_opt_in && s != "Subscribed") || s == "Unsubscribed" {
        Some(format!("not subscribed to subscription group {group}"))
    } else {
        None
    }
}

/// The kept user of a merge gains the statuses only the merged-away one had.
pub fn merge(api: &mut ApiState, from: &str, into: &str) {
    let kept: Vec<String> = api
        .subscriptions
        .iter()
        .filter(|s| s.braze_id == into)
        .map(|s| s.subscription_group_id.clone())
        .collect();
    for s in &mut api.subscriptions {
        if s.braze_id == from && !kept.contains(&s.subscription_group_id) {
            s.braze_id = into.to_owned();
        }
    }
}

fn set(api: &mut ApiState, group: &str, state: &'static str, who: &[String], at: OffsetDateTime) {
    for id in who {
        api.subscriptions
            .retain(|s| !(s.subscription_group_id == group && &s.braze_id == id));
        api.subscriptions.push(GroupStatus {
            subscription_group_id: group.to_owned(),
            braze_id: id.clone(),
            status: state,
            at,
        });
    }
}

/// Every value of `key` (or `key[]`) in a query string.
pub fn query_list(raw: Option<&str>, key: &str) -> Vec<String> {
    let bracket = format!("{key}[]");
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .filter(|(k, _)| k == key || *k == bracket)
        .flat_map(|(_, v)| {
            v.split(',')
                .map(|x| x.trim().to_owned())
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn group_of(b: &Braze, id: Option<&str>) -> Result<SubscriptionGroup, BrazeError> {
    let id = id.unwrap_or_default();
    b.store()
        .api
        .groups
        .iter()
        .find(|g| g.id == id)
        .cloned()
        .ok_or_else(|| bad(INVALID_GROUP))
}

/// Every braze_id an identifier names (an email or phone may name several).
fn all_named(store: &Store, who: &Identifier) -> Vec<String> {
    let (attr, wanted) = match who {
        Identifier::Email(e) => ("email", e.to_ascii_lowercase()),
        Identifier::Phone(p) => ("phone", p.clone()),
        other => {
            return store
                .find(other)
                .map(|i| vec![store.profiles[i].braze_id.clone()])
                .unwrap_or_default();
        }
    };
    store
        .profiles
        .iter()
        .filter(|p| {
            p.attribute(attr)
                .is_some_and(|v| v.to_ascii_lowercase() == wanted)
        })
        .map(|p| p.braze_id.clone())
        .collect()
}

/// The identifiers of a request: `(shown, identifier)` pairs from external ids,
/// else emails, else phones; at most 50; email and phone not both without an
/// external id.
fn identifiers(
    ids: Vec<String>,
    emails: Vec<String>,
    phones: Vec<String>,
) -> Result<Vec<(String, Identifier)>, BrazeError> {
    if ids.len().max(emails.len()).max(phones.len()) > MAX_IDS {
        return Err(bad("The max number of ids per request was exceeded"));
    }
    if !ids.is_empty() {
        return Ok(ids
            .into_iter()
            .map(|i| (i.clone(), Identifier::ExternalId(i)))
            .collect());
    }
    match (emails.is_empty(), phones.is_empty()) {
        (false, false) => Err(bad(EMAIL_OR_PHONE)),
        (false, true) => Ok(emails
            .into_iter()
            .map(|e| (e.clone(), Identifier::Email(e)))
            .collect()),
        (true, false) => Ok(phones
            .into_iter()
            .map(|p| (p.clone(), Identifier::Phone(p)))
            .collect()),
        (true, true) => Err(bad("external_id, email or phone is required")),
    }
}

/// `GET /subscription/status/get`: 200 `{"status": {<id asked>: <status>}}`.
pub async fn status_get(State(b): B, RawQuery(q): RawQuery) -> Reply {
    let q = q.as_deref();
    let group = group_of(
        &b,
        query_list(q, "subscription_group_id")
            .first()
            .map(String::as_str),
    )?;
    let who = identifiers(
        query_list(q, "external_id"),
        query_list(q, "email"),
        query_list(q, "phone"),
    )?;
    let store = b.store();
    let mut out = Map::new();
    for (shown, ident) in who {
        let s = all_named(&store, &ident)
            .first()
            .map_or("unknown", |id| status(&store.api, &group.id, id));
        out.insert(shown, json!(s));
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({"status": out, "message": "success"}),
    ))
}

/// `GET /subscription/user/status`: the captured shape, each user with the groups
/// whose status it changed; `limit` (at most 100) and `offset` page the users.
pub async fn user_status(State(b): B, RawQuery(q): RawQuery) -> Reply {
    let q = q.as_deref();
    let number = |k: &str, default: usize| -> Result<usize, BrazeError> {
        query_list(q, k).first().map_or(Ok(default), |v| {
            v.parse()
                .map_err(|_| bad(&format!("{k} must be a non-negative integer")))
        })
    };
    let limit = number("limit", 100)?;
    if limit == 0 || limit > 100 {
        return Err(bad("limit must be between 1 and 100"));
    }
    let offset = number("offset", 0)?;
    let who = identifiers(
        query_list(q, "external_id"),
        query_list(q, "email"),
        query_list(q, "phone"),
    )?;
    let store = b.store();
    let mut found: Vec<String> = Vec::new();
    for (_, ident) in &who {
        for id in all_named(&store, ident) {
            if !found.contains(&id) {
                found.push(id);
            }
        }
    }
    let users: Vec<Value> = found
        .iter()
        .skip(offset)
        .take(limit)
        .filter_map(|id| store.profiles.iter().find(|p| &p.braze_id == id))
        .map(|p| {
            let groups: Vec<Value> = store
                .api
                .subscriptions
                .iter()
                .filter(|s| s.braze_id == p.braze_id)
                .filter_map(|s| {
                    let g = store.api.groups.iter().find(|g| g.id == s.subscription_group_id)?;
                    Some(json!({"id": g.id, "name": g.name, "channel": g.channel, "status": s.status}))
                })
                .collect();
            json!({"email": p.attribute("email"), "phone": p.attribute("phone"),
                   "external_id": p.external_id, "subscription_groups": groups})
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"users": users, "total_count": found.len(), "message": "success"}),
    ))
}

/// A value that may be one string or an array of them (\[CAPTURE\]: a string is
/// accepted where the doc has an array).
fn strings(o: &Map<String, Value>, keys: &[&str]) -> Result<Vec<String>, BrazeError> {
    let mut out = Vec::new();
    for k in keys {
        match o.get(*k) {
            None | Some(Value::Null) => {}
            Some(Value::Array(a)) => out.extend(a.iter().filter_map(id_text)),
            Some(v) => out.extend(id_text(v)),
        }
    }
    if out.len() > MAX_IDS {
        return Err(bad("The max number of ids per request was exceeded"));
    }
    Ok(out)
}

fn state_of(o: &Map<String, Value>) -> Result<&'static str, BrazeError> {
    match o.get("subscription_state").and_then(Value::as_str) {
        Some("subscribed") => Ok("Subscribed"),
        Some("unsubscribed") => Ok("Unsubscribed"),
        _ => Err(bad(
            "subscription_state must be either 'subscribed' or 'unsubscribed'",
        )),
    }
}

/// One group update checked against the store: the group, its state and the users.
fn one_update(
    b: &Braze,
    o: &Map<String, Value>,
    plural: bool,
) -> Result<(String, &'static str, Vec<String>), BrazeError> {
    let group = group_of(b, o.get("subscription_group_id").and_then(Value::as_str))?;
    let state = state_of(o)?;
    let (ids, emails, phones) = if plural {
        (
            strings(o, &["external_ids", "external_id"])?,
            strings(o, &["emails", "email"])?,
            strings(o, &["phones", "phone"])?,
        )
    } else {
        (
            strings(o, &["external_id"])?,
            strings(o, &["email"])?,
            strings(o, &["phone"])?,
        )
    };
    if !emails.is_empty() && !phones.is_empty() {
        return Err(bad(EMAIL_OR_PHONE));
    }
    let store = b.store();
    let mut users = Vec::new();
    let named = ids
        .into_iter()
        .map(Identifier::ExternalId)
        .chain(emails.into_iter().map(Identifier::Email))
        .chain(phones.into_iter().map(Identifier::Phone));
    for who in named {
        users.extend(all_named(&store, &who));
    }
    Ok((group.id, state, users))
}

fn success() -> Reply {
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"message": "success"}),
    ))
}

/// `POST /subscription/status/set`: 201 `{"message": "success"}`; an email shared
/// by several profiles updates them all (\[DOC\]).
pub async fn status_set(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let (group, state, users) = one_update(&b, &body, false)?;
    let now = b.now();
    set(&mut b.store().api, &group, state, &users, now);
    success()
}

/// `POST /v2/subscription/status/set`: every group checked before any is applied.
pub async fn status_set_v2(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let Some(list) = body.get("subscription_groups").and_then(Value::as_array) else {
        return Err(bad("subscription_groups must be an array"));
    };
    if list.is_empty() {
        return Err(bad("subscription_groups must not be empty"));
    }
    let mut updates = Vec::new();
    for g in list {
        let o = g
            .as_object()
            .ok_or_else(|| bad("each subscription group must be an object"))?;
        updates.push(one_update(&b, o, true)?);
    }
    let now = b.now();
    let mut store = b.store();
    for (group, state, users) in updates {
        set(&mut store.api, &group, state, &users, now);
    }
    success()
}

/// Group changes named inside `/users/track` attribute objects
/// (`subscription_groups: [{subscription_group_id, subscription_state}]`, \[DOC\]
/// user attributes object): the identifier and each `(group, status)`.
pub type TrackChanges = Vec<(Identifier, Vec<(String, &'static str)>)>;

/// Takes `subscription_groups` out of the attribute objects of a `/users/track`
/// body (so it is not kept as a custom attribute), for [`apply_track`] once the
/// users exist. Entries that are not a known shape are left out.
pub fn take_from_track(body: &mut Map<String, Value>) -> TrackChanges {
    let mut out = Vec::new();
    let Some(Value::Array(list)) = body.get_mut("attributes") else {
        return out;
    };
    for o in list.iter_mut().filter_map(Value::as_object_mut) {
        let Some(Value::Array(groups)) = o.remove("subscription_groups") else {
            continue;
        };
        let Ok(who) = super::wire::identifier(o) else {
            continue;
        };
        let changes = groups
            .iter()
            .filter_map(|g| {
                let g = g.as_object()?;
                let id = g.get("subscription_group_id")?.as_str()?.to_owned();
                Some((id, state_of(g).ok()?))
            })
            .collect();
        out.push((who, changes));
    }
    out
}

/// Applies what [`take_from_track`] took, to groups the workspace has.
pub fn apply_track(store: &mut Store, changes: TrackChanges, at: OffsetDateTime) {
    for (who, list) in changes {
        let users = all_named(store, &who);
        for (group, state) in list {
            if store.api.groups.iter().any(|g| g.id == group) {
                set(&mut store.api, &group, state, &users, at);
            }
        }
    }
}

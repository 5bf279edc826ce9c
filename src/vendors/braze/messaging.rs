//! Braze's send endpoints (REFERENCE braze-rest 3): `/messages/send`, and the
//! recipients, webhook sends and dispatch records every send shares.
//!
//! A send answers 201 with a `dispatch_id` once accepted; rendering happens per
//! recipient afterwards, as in Braze, so neither an unknown user nor
//! `{% abort_message %}` shows in the answer. Webhook messages are delivered for real
//! through the campaign webhook engine (retries, journal, `sends` in `/state`);
//! other channels are rendered and recorded as sent. Every recipient's outcome is
//! in `/state/braze` under `dispatches`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::account::Braze;
use super::delivery::deliver;
use super::error::{BrazeError, BrazeJson, json_response};
use super::state::{Dispatch, MessageRecord};
use super::store::{Profile, SendRecord};
use super::users::{MAX_IDS, TOO_MANY_IDS, id_text};
use super::webhook::{self, Campaign, Recipient, RequestFormat, WebhookMethod};
use super::wire::{self, Identifier, UserAlias};
use super::{abort, content, email, subscriptions};

type B = State<Arc<Braze>>;
pub(super) type Reply = Result<Response, BrazeError>;

pub(super) fn bad(message: &str) -> BrazeError {
    BrazeError::BadRequest(message.to_owned())
}

/// One resolved recipient: who was asked for, the profile found (if any), and the
/// properties for its templates.
pub(super) struct Target {
    asked: Value,
    profile: Option<Profile>,
    pub(super) properties: Value,
}

fn recipient_of(p: &Profile) -> Recipient {
    Recipient {
        external_id: p.external_id.clone(),
        braze_id: Some(p.braze_id.clone()),
        attributes: p.attributes.clone(),
        custom_attributes: p.custom_attributes.clone(),
    }
}

fn merged(top: &Value, own: Option<&Value>) -> Value {
    let mut out = top.as_object().cloned().unwrap_or_default();
    if let Some(Value::Object(o)) = own {
        for (k, v) in o {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

/// A webhook messaging object as a one-off campaign.
fn webhook_campaign(o: &Map<String, Value>, name: &str, id: &str) -> Result<Campaign, BrazeError> {
    let url = o
        .get("url")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("webhook 'url' is required"))?;
    let method = match o.get("request_method").and_then(Value::as_str) {
        None | Some("POST") => WebhookMethod::Post,
        Some("PUT") => WebhookMethod::Put,
        Some("DELETE") => WebhookMethod::Delete,
        Some("GET") => WebhookMethod::Get,
        Some(_) => {
            return Err(bad(
                "webhook 'request_method' must be one of POST, PUT, DELETE, GET",
            ));
        }
    };
    let headers = match o.get("request_headers") {
        None | Some(Value::Null) => Default::default(),
        Some(Value::Object(h)) => h
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                )
            })
            .collect(),
        Some(_) => return Err(bad("webhook 'request_headers' must be an object")),
    };
    Ok(Campaign {
        id: id.to_owned(),
        name: name.to_owned(),
        url: url.to_owned(),
        method,
        headers,
        request_format: RequestFormat::RawText,
        body: o
            .get("body")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        pairs: Default::default(),
    })
}

/// Renders a campaign for one target and starts its delivery, or records why not.
pub(super) fn send_webhook(
    b: &Arc<Braze>,
    c: &Campaign,
    t: &Target,
    dispatch: &str,
    extra: &Value,
) -> MessageRecord {
    let mut record = MessageRecord::skipped(t.asked.clone(), "webhook");
    let Some(p) = &t.profile else {
        record.abort_log = Some("no such user".to_owned());
        return record;
    };
    let mut globals = webhook::globals(
        &recipient_of(p),
        c,
        dispatch,
        json!({}),
        t.properties.clone(),
    );
    webhook::merge_globals(&mut globals, extra);
    let templates = &b.ctx().templates;
    let c = &content::expand_campaign(c, &b.store().api.content_blocks);
    if let Some(reason) = c.aborts(templates, &globals) {
        record.status = "aborted";
        record.abort_type = Some("liquid_abort_message");
        record.abort_log = Some(reason);
        return record;
    }
    match c
        .without_abort_tag()
        .render(templates, &globals, &b.settings().webhooks.user_agent)
    {
        Ok(r) => {
            let id = b.store().hex_id(24);
            b.store().sends.push(SendRecord {
                delivery: id.clone(),
                campaign_id: c.id.clone(),
                url: r.request.url.clone(),
                status: "in_progress",
                attempts: Vec::new(),
            });
            tokio::spawn(deliver(b.clone(), id.clone(), r.request));
            record.status = "sent";
            record.delivery = Some(id);
        }
        Err(e) => {
            record.status = "aborted";
            record.abort_type = Some("template_parse_error");
            record.abort_log = Some(e.to_string());
        }
    }
    record
}

/// Renders every string of a non-webhook messaging object for one target.
fn send_other(b: &Braze, channel: &str, o: &Value, t: &Target, dispatch: &str) -> MessageRecord {
    let mut record = MessageRecord::skipped(t.asked.clone(), channel);
    let Some(p) = &t.profile else {
        record.abort_log = Some("no such user".to_owned());
        return record;
    };
    if let Some(why) = refused(b, channel, o, p) {
        record.abort_log = Some(why);
        return record;
    }
    let stub = Campaign {
        id: String::new(),
        name: String::new(),
        url: String::new(),
        method: WebhookMethod::Post,
        headers: Default::default(),
        request_format: RequestFormat::RawText,
        body: String::new(),
        pairs: Default::default(),
    };
    let globals = webhook::globals(
        &recipient_of(p),
        &stub,
        dispatch,
        json!({}),
        t.properties.clone(),
    );
    let mut rendered = Map::new();
    let blocks = b.store().api.content_blocks.clone();
    for (k, v) in o.as_object().into_iter().flatten() {
        let out = match v {
            Value::String(s) => {
                match abort::render(&b.ctx().templates, &content::expand(s, &blocks), &globals) {
                    Ok(abort::Rendering::Text(text)) => json!(text),
                    Ok(abort::Rendering::Aborted(reason)) => {
                        record.status = "aborted";
                        record.abort_type = Some("liquid_abort_message");
                        record.abort_log = Some(reason);
                        return record;
                    }
                    Err(_) => v.clone(),
                }
            }
            other => other.clone(),
        };
        rendered.insert(k.clone(), out);
    }
    record.status = "sent";
    record.rendered = Some(Value::Object(rendered));
    record
}

/// Why a message on `channel` does not go to `p`: a subscription group it is
/// not in (or left), or, for email, an address that may not be emailed.
fn refused(b: &Braze, channel: &str, o: &Value, p: &Profile) -> Option<String> {
    let store = b.store();
    if let Some(g) = o.get("subscription_group_id").and_then(Value::as_str)
        && let Some(why) = subscriptions::blocks(&store.api, g, channel, &p.braze_id)
    {
        return Some(why);
    }
    if channel == "email" {
        return email::not_emailable(&store, p, false);
    }
    None
}

fn profile_of(b: &Braze, who: &Identifier) -> Option<Profile> {
    let store = b.store();
    store.find(who).map(|i| store.profiles[i].clone())
}

/// `external_user_ids` and `user_aliases` of `/messages/send`.
fn listed_users(b: &Braze, body: &Map<String, Value>) -> Result<Vec<Target>, BrazeError> {
    let ids = body
        .get("external_user_ids")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let aliases = body
        .get("user_aliases")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if ids.len() + aliases.len() > MAX_IDS {
        return Err(bad(TOO_MANY_IDS));
    }
    let mut out = Vec::new();
    for v in &ids {
        let Some(id) = id_text(v) else { continue };
        let profile = profile_of(b, &Identifier::ExternalId(id.clone()));
        out.push(Target {
            asked: json!({"external_id": id}),
            profile,
            properties: json!({}),
        });
    }
    for v in &aliases {
        let Ok(a) = serde_json::from_value::<UserAlias>(v.clone()) else {
            continue;
        };
        let profile = profile_of(b, &Identifier::Alias(a.clone()));
        out.push(Target {
            asked: json!({"user_alias": a}),
            profile,
            properties: json!({}),
        });
    }
    Ok(out)
}

/// Every user, for a broadcast (the fake's one segment is everybody).
fn everybody(b: &Braze, properties: &Value) -> Vec<Target> {
    b.store()
        .profiles
        .iter()
        .map(|p| Target {
            asked: json!({"braze_id": p.braze_id}),
            profile: Some(p.clone()),
            properties: properties.clone(),
        })
        .collect()
}

/// The id of the one segment the fake has: all users.
pub const ALL_USERS_SEGMENT: &str = "00000000-0000-4000-8000-0000a11a5e65";

pub(super) fn record(b: &Braze, d: Dispatch) -> String {
    let id = d.dispatch_id.clone();
    b.store().api.dispatches.push(d);
    id
}

/// Who `/messages/send` goes to: the listed users, or everybody for a broadcast
/// to the fake's one segment.
fn send_targets(b: &Braze, body: &Map<String, Value>) -> Result<Vec<Target>, BrazeError> {
    let broadcast = body
        .get("broadcast")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let targets = listed_users(b, body)?;
    let segment = body.get("segment_id").and_then(Value::as_str);
    if let Some(seg) = segment
        && seg != ALL_USERS_SEGMENT
    {
        return Err(bad("Invalid Segment ID"));
    }
    if broadcast && !targets.is_empty() {
        return Err(bad(
            "'broadcast' must be false when 'external_user_ids' or 'user_aliases' are given",
        ));
    }
    if targets.is_empty() && segment.is_none() && body.get("audience").is_none() {
        return Err(bad("No Recipients"));
    }
    if targets.is_empty() {
        if !broadcast {
            return Err(bad(
                "'broadcast' must be true to send to a segment or audience without a user list",
            ));
        }
        return Ok(everybody(b, &json!({})));
    }
    Ok(targets)
}

/// Sends a `/messages/send` body as dispatch `dispatch_id`.
pub fn send_messages(
    b: &Arc<Braze>,
    body: &Map<String, Value>,
    dispatch_id: String,
    endpoint: &'static str,
) -> Result<String, BrazeError> {
    let targets = send_targets(b, body)?;
    let campaign_id = body
        .get("campaign_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(c) = &campaign_id
        && b.store().campaign(c).is_none()
    {
        return Err(bad("Invalid Campaign ID"));
    }
    let Some(messages) = body
        .get("messages")
        .and_then(Value::as_object)
        .filter(|m| !m.is_empty())
    else {
        return Err(bad("No message to send"));
    };
    let webhook = messages
        .get("webhook")
        .map(|w| {
            webhook_campaign(
                w.as_object().unwrap_or(&Map::new()),
                "API message",
                campaign_id.as_deref().unwrap_or_default(),
            )
        })
        .transpose()?;
    let mut records = Vec::new();
    for t in &targets {
        for (channel, o) in messages {
            records.push(match (&webhook, channel.as_str()) {
                (Some(c), "webhook") => send_webhook(b, c, t, &dispatch_id, &json!({})),
                _ => send_other(b, channel, o, t, &dispatch_id),
            });
        }
    }
    let id = record(
        b,
        Dispatch {
            dispatch_id,
            endpoint,
            campaign_id,
            canvas_id: None,
            time: b.now(),
            send_id: body
                .get("send_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
            messages: records,
            error: None,
        },
    );
    Ok(id)
}

/// The `recipients` of a trigger send, with each one's properties (`key`:
/// `trigger_properties`, or `context`/`canvas_entry_properties`), creating users
/// with `send_to_existing_only: false` and applying `attributes` first.
pub(super) fn recipients(
    b: &Braze,
    body: &Map<String, Value>,
    keys: &[&str],
) -> Result<Vec<Target>, BrazeError> {
    let top = keys
        .iter()
        .find_map(|k| body.get(*k))
        .cloned()
        .unwrap_or(json!({}));
    let list = body
        .get("recipients")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if list.len() > MAX_IDS {
        return Err(bad(TOO_MANY_IDS));
    }
    let broadcast = body
        .get("broadcast")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if broadcast {
        if !list.is_empty() {
            return Err(bad("'broadcast' must be false when 'recipients' are given"));
        }
        return Ok(everybody(b, &top));
    }
    if list.is_empty() && body.get("audience").is_none() {
        return Err(bad("No Recipients"));
    }
    let mut out: Vec<Target> = Vec::new();
    for r in &list {
        let t = one_recipient(b, r, keys, &top)?;
        if !out.iter().any(|x| x.asked == t.asked) {
            out.push(t); // duplicates get one message
        }
    }
    Ok(out)
}

/// One entry of `recipients`: its identifier, attributes applied first (creating
/// the user with `send_to_existing_only: false`), and its own properties.
fn one_recipient(b: &Braze, r: &Value, keys: &[&str], top: &Value) -> Result<Target, BrazeError> {
    let o = r
        .as_object()
        .ok_or_else(|| bad("each recipient must be an object"))?;
    let mut ident = o.clone();
    if let Some(v) = o.get("external_user_id") {
        ident.insert(
            "external_id".to_owned(),
            json!(id_text(v).unwrap_or_default()),
        );
    }
    let who = wire::identifier(&ident).map_err(|e| bad(&e.0))?;
    let existing_only = o
        .get("send_to_existing_only")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    if let Some(attrs) = o.get("attributes").and_then(Value::as_object) {
        track_attributes(b, &ident, attrs, existing_only)?;
    } else if !existing_only {
        return Err(bad(
            "'attributes' is required when 'send_to_existing_only' is false",
        ));
    }
    let asked: Map<String, Value> = ident
        .into_iter()
        .filter(|(k, _)| ["external_id", "user_alias", "braze_id", "email"].contains(&k.as_str()))
        .collect();
    let own = keys.iter().find_map(|k| o.get(*k));
    Ok(Target {
        asked: Value::Object(asked),
        profile: profile_of(b, &who),
        properties: merged(top, own),
    })
}

pub(super) fn track_attributes(
    b: &Braze,
    ident: &Map<String, Value>,
    attrs: &Map<String, Value>,
    existing_only: bool,
) -> Result<(), BrazeError> {
    let mut o = attrs.clone();
    for k in ["external_id", "user_alias", "braze_id", "email"] {
        if let Some(v) = ident.get(k) {
            o.insert(k.to_owned(), v.clone());
        }
    }
    o.insert("_update_existing_only".to_owned(), json!(existing_only));
    let mut req = Map::new();
    req.insert("attributes".to_owned(), json!([o]));
    let parsed = wire::parse_track(&req, 1)?;
    let now = b.now();
    b.store().track(parsed, now);
    Ok(())
}

pub(super) fn created(dispatch_id: &str) -> Response {
    json_response(
        StatusCode::CREATED,
        &json!({"dispatch_id": dispatch_id, "message": "success"}),
    )
}

/// `POST /messages/send`.
pub async fn messages_send(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let d = b.store().hex_id(32);
    Ok(created(&send_messages(&b, &body, d, "/messages/send")?))
}

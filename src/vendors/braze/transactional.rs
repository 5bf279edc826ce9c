//! Transactional email (REFERENCE braze-rest 3.8): campaigns from the config or
//! the control API, `POST /transactional/v1/campaigns/{campaign_id}/send`, and the
//! HTTP event postback delivered for real through the outbound engine.
//!
//! A send renders the campaign's subject and body for its one recipient (Liquid,
//! `{% abort_message %}`, Content Blocks) and records it as a dispatch; the
//! postback URL then gets `sent` and `delivered`, or `aborted` with the reason.
//! Transactional email goes to unsubscribed users too (\[DOC\]), not to addresses
//! that bounced or reported spam, nor to users with no address.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::abort::{self, Rendering};
use super::account::Braze;
use super::content::{expand, stamp};
use super::delivery::deliver;
use super::email::not_emailable;
use super::error::{BrazeError, BrazeJson, json_response};
use super::messaging::{Reply, bad, record, track_attributes};
use super::state::{Dispatch, MessageRecord};
use super::store::{Profile, SendRecord};
use super::users::id_text;
use super::webhook::{self, Campaign, Recipient, RequestFormat, WebhookMethod};
use super::wire;
use crate::outbound::Outgoing;

/// A transactional email campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransactionalCampaign {
    /// Its API id; one is generated when empty.
    #[serde(default)]
    pub id: String,
    /// Its name.
    pub name: String,
    /// The subject (Liquid).
    #[serde(default)]
    pub subject: String,
    /// The HTML body (Liquid).
    #[serde(default)]
    pub body: String,
    /// The sender, e.g. `Shop <no-reply@example.com>`.
    #[serde(default)]
    pub from: String,
    /// `active` (default), `paused` or `archived`.
    #[serde(default = "active")]
    pub state: String,
}

fn active() -> String {
    "active".to_owned()
}

/// One accepted send, kept for the 24-hour `external_send_id` dedupe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransactionalSend {
    /// The campaign.
    pub campaign_id: String,
    /// The caller's id.
    pub external_send_id: String,
    /// The dispatch it made.
    pub dispatch_id: String,
    /// When.
    #[serde(serialize_with = "iso")]
    pub at: OffsetDateTime,
}

fn iso<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&stamp(*t))
}

/// The transactional settings: campaigns, the postback URL and the first status.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TransactionalSettings {
    /// Campaigns that exist from the start.
    pub campaigns: Vec<TransactionalCampaign>,
    /// Where the HTTP event postbacks go (none: no postbacks).
    pub postback_url: Option<String>,
    /// The `status` of the send's answer (\[UNVERIFIED\] `queued`).
    pub initial_status: String,
}

impl Default for TransactionalSettings {
    fn default() -> Self {
        Self {
            campaigns: Vec::new(),
            postback_url: None,
            initial_status: "queued".to_owned(),
        }
    }
}

fn checked(b: &Braze, id: &str) -> Result<TransactionalCampaign, BrazeError> {
    let store = b.store();
    if let Some(c) = store.api.transactional.iter().find(|c| c.id == id) {
        return match c.state.as_str() {
            "paused" => Err(bad(
                "The campaign is paused. Resume the campaign in order for trigger requests to take effect.",
            )),
            "archived" => Err(bad(
                "The campaign is archived. Unarchive the campaign in order for trigger requests to take effect.",
            )),
            _ => Ok(c.clone()),
        };
    }
    if store.campaign(id).is_some() || store.api.canvases.iter().any(|c| c.id == id) {
        return Err(bad(
            "The campaign is not a transactional campaign. Only transactional campaigns may use this endpoint",
        ));
    }
    Err(bad("Campaign does not exist"))
}

fn external_send_id(body: &Map<String, Value>) -> Result<Option<String>, BrazeError> {
    match body.get("external_send_id") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s))
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_+/=".contains(c)) =>
        {
            Ok(Some(s.clone()))
        }
        Some(_) => Err(bad(
            "external_send_id must be a string of Base64-safe characters",
        )),
    }
}

/// The one recipient (an object; an array of one, as braze-node sends, is
/// accepted), its attributes applied first so an unknown external id is created.
fn recipient(b: &Braze, body: &Map<String, Value>) -> Result<(Value, Option<Profile>), BrazeError> {
    let r = match body.get("recipient") {
        Some(Value::Object(o)) => o.clone(),
        Some(Value::Array(a)) if a.len() == 1 && a[0].is_object() => {
            a[0].as_object().cloned().unwrap_or_default()
        }
        _ => return Err(bad("recipient must be an object")),
    };
    let mut ident = Map::new();
    match (r.get("external_user_id"), r.get("user_alias")) {
        (Some(v), None) => {
            let id = id_text(v).ok_or_else(|| bad("external_user_id must be a string"))?;
            ident.insert("external_id".to_owned(), json!(id));
        }
        (None, Some(a)) => {
            ident.insert("user_alias".to_owned(), a.clone());
        }
        _ => {
            return Err(bad(
                "recipient must have either external_user_id or user_alias",
            ));
        }
    }
    let who = wire::identifier(&ident).map_err(|e| bad(&e.0))?;
    if let Some(attrs) = r.get("attributes").and_then(Value::as_object) {
        track_attributes(b, &ident, attrs, false)?;
    }
    let store = b.store();
    let profile = store.find(&who).map(|i| store.profiles[i].clone());
    Ok((Value::Object(ident), profile))
}

/// The subject and body rendered for `p`, or why nothing is sent.
fn render(
    b: &Braze,
    c: &TransactionalCampaign,
    p: &Profile,
    dispatch: &str,
    props: &Value,
) -> Result<Value, (&'static str, String)> {
    if let Some(why) = not_emailable(&b.store(), p, true) {
        return Err(("not_emailable", why));
    }
    let stub = Campaign {
        id: c.id.clone(),
        name: c.name.clone(),
        url: String::new(),
        method: WebhookMethod::Post,
        headers: Default::default(),
        request_format: RequestFormat::RawText,
        body: String::new(),
        pairs: Default::default(),
    };
    let to = Recipient {
        external_id: p.external_id.clone(),
        braze_id: Some(p.braze_id.clone()),
        attributes: p.attributes.clone(),
        custom_attributes: p.custom_attributes.clone(),
    };
    let globals = webhook::globals(&to, &stub, dispatch, props.clone(), props.clone());
    let blocks = b.store().api.content_blocks.clone();
    let mut out = Map::new();
    for (k, src) in [("subject", &c.subject), ("body", &c.body)] {
        match abort::render(&b.ctx().templates, &expand(src, &blocks), &globals) {
            Ok(Rendering::Text(t)) => {
                out.insert(k.to_owned(), json!(t));
            }
            Ok(Rendering::Aborted(why)) => return Err(("liquid_abort_message", why)),
            Err(e) => return Err(("template_parse_error", e.to_string())),
        }
    }
    out.insert("from".to_owned(), json!(c.from));
    out.insert("to".to_owned(), json!(p.attribute("email")));
    Ok(Value::Object(out))
}

/// The email of one send: rendered, or why it was aborted.
fn message(
    b: &Braze,
    c: &TransactionalCampaign,
    asked: Value,
    profile: Option<&Profile>,
    dispatch: &str,
    props: &Value,
) -> MessageRecord {
    let mut rec = MessageRecord::skipped(asked, "email");
    let outcome = match profile {
        None => Err(("not_emailable", "User not emailable".to_owned())),
        Some(p) => render(b, c, p, dispatch, props),
    };
    match outcome {
        Ok(rendered) => {
            rec.status = "sent";
            rec.rendered = Some(rendered);
        }
        Err((kind, why)) => {
            rec.status = "aborted";
            rec.abort_type = Some(kind);
            rec.abort_log = Some(why);
        }
    }
    rec
}

/// The dispatch of an earlier send with the same `external_send_id` within 24
/// hours.
fn repeated(b: &Braze, campaign: &str, ext: Option<&str>, now: OffsetDateTime) -> Option<String> {
    let ext = ext?;
    b.store()
        .api
        .transactional_sends
        .iter()
        .find(|s| {
            s.campaign_id == campaign
                && s.external_send_id == ext
                && now - s.at < time::Duration::DAY
        })
        .map(|s| s.dispatch_id.clone())
}

/// `POST /transactional/v1/campaigns/{campaign_id}/send`: 201 `{dispatch_id,
/// status, metadata}` (status code UNKNOWN); a repeated `external_send_id` within
/// 24 hours answers with the first send's dispatch and sends nothing (\[DOC\]).
pub async fn send(
    State(b): State<Arc<Braze>>,
    Path(id): Path<String>,
    BrazeJson(body): BrazeJson,
) -> Reply {
    let c = checked(&b, &id)?;
    let ext = external_send_id(&body)?;
    let now = b.now();
    let metadata = ext
        .as_ref()
        .map_or(json!({}), |e| json!({"external_send_id": e}));
    let answer = |dispatch: &str| {
        json_response(
            StatusCode::CREATED,
            &json!({"dispatch_id": dispatch, "status": b.settings().transactional.initial_status, "metadata": metadata}),
        )
    };
    if let Some(d) = repeated(&b, &c.id, ext.as_deref(), now) {
        return Ok(answer(&d));
    }
    if let Some(p) = body.get("trigger_properties")
        && !p.is_object()
    {
        return Err(bad("trigger_properties must be an object"));
    }
    let props = body.get("trigger_properties").cloned().unwrap_or(json!({}));
    let (asked, profile) = recipient(&b, &body)?;
    let dispatch = b.store().hex_id(32);
    let rec = message(&b, &c, asked, profile.as_ref(), &dispatch, &props);
    let postbacks = postbacks(&c, &rec, &dispatch, ext.as_deref(), now);
    if let Some(e) = &ext {
        b.store().api.transactional_sends.push(TransactionalSend {
            campaign_id: c.id.clone(),
            external_send_id: e.clone(),
            dispatch_id: dispatch.clone(),
            at: now,
        });
    }
    record(
        &b,
        Dispatch {
            dispatch_id: dispatch.clone(),
            endpoint: "/transactional/v1/campaigns/{campaign_id}/send",
            campaign_id: Some(c.id.clone()),
            canvas_id: None,
            send_id: None,
            time: now,
            messages: vec![rec],
            error: None,
        },
    );
    post(&b, &c.id, postbacks);
    Ok(answer(&dispatch))
}

/// The postback bodies of one send, in order (\[DOC\] http_event_postback).
fn postbacks(
    c: &TransactionalCampaign,
    rec: &MessageRecord,
    dispatch: &str,
    ext: Option<&str>,
    now: OffsetDateTime,
) -> Vec<Value> {
    let at = stamp(now);
    let mut base = Map::new();
    base.insert("campaign_api_id".to_owned(), json!(c.id));
    if let Some(e) = ext {
        base.insert("external_send_id".to_owned(), json!(e));
    }
    let with = |pairs: &[(&str, Value)]| {
        let mut m = base.clone();
        for (k, v) in pairs {
            m.insert((*k).to_owned(), v.clone());
        }
        Value::Object(m)
    };
    let body = |status: &str, metadata: Value| json!({"dispatch_id": dispatch, "status": status, "metadata": metadata});
    if rec.status == "sent" {
        vec![
            body(
                "sent",
                with(&[
                    ("received_at", json!(at)),
                    ("enqueued_at", json!(at)),
                    ("executed_at", json!(at)),
                    ("sent_at", json!(at)),
                ]),
            ),
            body("delivered", with(&[("delivered_at", json!(at))])),
        ]
    } else {
        vec![body(
            "aborted",
            with(&[("aborted_at", json!(at)), ("reason", json!(rec.abort_log))]),
        )]
    }
}

/// Delivers the postbacks one after the other, each recorded in `sends`.
fn post(b: &Arc<Braze>, campaign: &str, bodies: Vec<Value>) {
    let Some(url) = b.settings().transactional.postback_url.clone() else {
        return;
    };
    let mut queued = Vec::new();
    for body in bodies {
        let id = b.store().hex_id(24);
        b.store().sends.push(SendRecord {
            delivery: id.clone(),
            campaign_id: campaign.to_owned(),
            url: url.clone(),
            status: "in_progress",
            attempts: Vec::new(),
        });
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let request = Outgoing {
            method: Method::POST,
            url: url.clone(),
            headers,
            body: serde_json::to_vec(&body).unwrap_or_default().into(),
        };
        queued.push((id, request));
    }
    let b = b.clone();
    tokio::spawn(async move {
        for (id, request) in queued {
            deliver(b.clone(), id, request).await;
        }
    });
}

/// Adds a campaign from the control API, giving it an id if it has none.
pub fn add(b: &Braze, mut c: TransactionalCampaign) -> Result<TransactionalCampaign, String> {
    if c.name.trim().is_empty() {
        return Err("a transactional campaign needs a name".to_owned());
    }
    if !["active", "paused", "archived"].contains(&c.state.as_str()) {
        return Err("state must be active, paused or archived".to_owned());
    }
    let mut store = b.store();
    if c.id.is_empty() {
        c.id = store.uuid();
    }
    if store.api.transactional.iter().any(|x| x.id == c.id) || store.campaign(&c.id).is_some() {
        return Err(format!("campaign `{}` already exists", c.id));
    }
    store.api.transactional.push(c.clone());
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_aborted_send_posts_back_aborted_with_the_reason_and_the_external_id() {
        let c = TransactionalCampaign {
            id: "c1".to_owned(),
            name: "Receipt".to_owned(),
            subject: String::new(),
            body: String::new(),
            from: String::new(),
            state: active(),
        };
        let rec = MessageRecord {
            user: json!({}),
            channel: "email".to_owned(),
            status: "aborted",
            delivery: None,
            abort_type: Some("not_emailable"),
            abort_log: Some("User not emailable".to_owned()),
            rendered: None,
        };
        let t = OffsetDateTime::UNIX_EPOCH;
        let out = postbacks(&c, &rec, "d1", Some("x1"), t);
        assert_eq!(
            out,
            vec![
                json!({"dispatch_id": "d1", "status": "aborted", "metadata": {
                "campaign_api_id": "c1", "external_send_id": "x1",
                "aborted_at": "1970-01-01T00:00:00.000+00:00", "reason": "User not emailable"}})
            ]
        );
    }
}

//! The vendor's control endpoints, served under `/braze` on the control port:
//! webhook campaigns and Canvases, created, listed and sent to one user.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::account::Braze;
use super::delivery::{attempt_json, deliver};
use super::store::SendRecord;
use super::transactional::{self, TransactionalCampaign};
use super::webhook::{self, Campaign, Recipient};
use super::wire::{self, Identifier, STANDARD_ATTRIBUTES, UserAlias};
use crate::fake::{Control, ControlError, control_body};
use crate::outbound::Delivery;

type B = State<Arc<Braze>>;

/// The vendor's control endpoints, nested under `/braze` on the control port:
/// `GET|POST /campaigns`, `GET /campaigns/{id}`, `POST /campaigns/{id}/send`.
pub fn control_routes() -> Router<Arc<Braze>> {
    Router::new()
        .route("/campaigns", get(list_campaigns).post(create_campaign))
        .route("/campaigns/{id}", get(show_campaign))
        .route("/campaigns/{id}/send", post(send_campaign))
        .route("/canvases", get(list_canvases).post(create_canvas))
        .route("/actions/campaign", post(campaign_action))
        .route(
            "/transactional_campaigns",
            get(list_transactional).post(create_transactional),
        )
        .method_not_allowed_fallback(control_method_not_allowed)
}

async fn control_method_not_allowed() -> ControlError {
    ControlError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed on this control endpoint",
        json!(
            "GET|POST /braze/campaigns, GET /braze/campaigns/{id}, POST /braze/campaigns/{id}/send"
        ),
    )
}

fn campaign(b: &Braze, id: &str) -> Result<Campaign, ControlError> {
    let store = b.store();
    store.campaign(id).cloned().ok_or_else(|| {
        let known: Vec<&str> = store.campaigns.iter().map(|c| c.id.as_str()).collect();
        ControlError::new(
            StatusCode::NOT_FOUND,
            format!("unknown campaign `{id}`"),
            json!({"known": known}),
        )
    })
}

async fn list_campaigns(State(b): B) -> Response {
    axum::Json(json!({"campaigns": b.store().campaigns})).into_response()
}

async fn show_campaign(State(b): B, Path(id): Path<String>) -> Control {
    let c = campaign(&b, &id)?;
    Ok(axum::Json(json!({"campaign": c})).into_response())
}

/// `POST /braze/campaigns`: the body is a campaign as in the config file; 201 with
/// its id.
async fn create_campaign(State(b): B, body: Bytes) -> Control {
    let body = control_body(&body)?;
    let campaign: Campaign = serde_json::from_value(Value::Object(body)).map_err(|e| {
        ControlError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("not a campaign: {e}"),
            json!("fields: id, name, url, method, headers, request_format, body, pairs"),
        )
    })?;
    let problems = campaign.problems("campaign", &b.ctx().templates);
    if !problems.is_empty() {
        return Err(ControlError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the campaign is not usable",
            json!(problems),
        ));
    }
    let mut store = b.store();
    if !campaign.id.is_empty() && store.campaign(&campaign.id).is_some() {
        return Err(ControlError::new(
            StatusCode::CONFLICT,
            format!("campaign `{}` already exists", campaign.id),
            Value::Null,
        ));
    }
    let i = store.add_campaign(campaign);
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"campaign": store.campaigns[i]})),
    )
        .into_response())
}

async fn list_transactional(State(b): B) -> Response {
    axum::Json(json!({"transactional_campaigns": b.store().api.transactional})).into_response()
}

/// `POST /braze/transactional_campaigns`: a transactional email campaign as in
/// the config file; 201 with its id.
async fn create_transactional(State(b): B, body: Bytes) -> Control {
    let body = control_body(&body)?;
    let c: TransactionalCampaign = serde_json::from_value(Value::Object(body)).map_err(|e| {
        ControlError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("not a transactional campaign: {e}"),
            json!("fields: id, name, subject, body, from, state"),
        )
    })?;
    let c = transactional::add(&b, c)
        .map_err(|e| ControlError::new(StatusCode::UNPROCESSABLE_ENTITY, e, Value::Null))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"transactional_campaign": c})),
    )
        .into_response())
}

async fn list_canvases(State(b): B) -> Response {
    axum::Json(json!({"canvases": b.store().api.canvases})).into_response()
}

/// `POST /braze/canvases`: an API-triggered Canvas with one webhook step, given as
/// a campaign is; 201 with its id.
async fn create_canvas(State(b): B, body: Bytes) -> Control {
    let body = control_body(&body)?;
    let mut canvas: Campaign = serde_json::from_value(Value::Object(body)).map_err(|e| {
        ControlError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("not a Canvas: {e}"),
            json!("fields: id, name, url, method, headers, request_format, body, pairs"),
        )
    })?;
    let problems = canvas.problems("canvas", &b.ctx().templates);
    if !problems.is_empty() {
        return Err(ControlError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the Canvas is not usable",
            json!(problems),
        ));
    }
    let mut store = b.store();
    if canvas.id.is_empty() {
        canvas.id = store.uuid();
    } else if store.api.canvases.iter().any(|c| c.id == canvas.id) {
        return Err(ControlError::new(
            StatusCode::CONFLICT,
            format!("Canvas `{}` already exists", canvas.id),
            Value::Null,
        ));
    }
    store.api.canvases.push(canvas.clone());
    Ok((StatusCode::CREATED, axum::Json(json!({"canvas": canvas}))).into_response())
}

/// Who a send is for: a stored profile, or a user given inline.
fn recipient(b: &Braze, body: &Map<String, Value>) -> Result<Recipient, ControlError> {
    if let Some(user) = body.get("user") {
        let Some(o) = user.as_object() else {
            return Err(ControlError::new(
                StatusCode::BAD_REQUEST,
                "`user` must be an object of attributes",
                Value::Null,
            ));
        };
        return Ok(inline_recipient(o));
    }
    let who = wire::identifier(body).map_err(|_| {
        ControlError::new(
            StatusCode::BAD_REQUEST,
            "say who to send to",
            json!("{\"external_id\": \"u1\"}, {\"braze_id\": ...}, {\"user_alias\": {...}}, {\"email\": ...} or {\"user\": {...attributes}}"),
        )
    })?;
    let store = b.store();
    let p = store.find(&who).map(|i| &store.profiles[i]).ok_or_else(|| {
        ControlError::new(
            StatusCode::NOT_FOUND,
            format!("no Braze user matches {}", describe(&who)),
            json!("create it first with POST /users/track on the Braze port, or send {\"user\": {...}} inline"),
        )
    })?;
    Ok(Recipient {
        external_id: p.external_id.clone(),
        braze_id: Some(p.braze_id.clone()),
        attributes: p.attributes.clone(),
        custom_attributes: p.custom_attributes.clone(),
    })
}

fn describe(who: &Identifier) -> String {
    match who {
        Identifier::ExternalId(x) => format!("external_id `{x}`"),
        Identifier::BrazeId(x) => format!("braze_id `{x}`"),
        Identifier::Alias(UserAlias {
            alias_name,
            alias_label,
        }) => format!("alias `{alias_name}` ({alias_label})"),
        Identifier::Email(x) => format!("email `{x}`"),
        Identifier::Phone(x) => format!("phone `{x}`"),
    }
}

/// An inline user: its standard attributes by name, everything else custom.
fn inline_recipient(o: &Map<String, Value>) -> Recipient {
    let mut to = Recipient {
        external_id: o
            .get("external_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
        braze_id: o.get("braze_id").and_then(Value::as_str).map(str::to_owned),
        ..Recipient::default()
    };
    for (k, v) in o {
        if STANDARD_ATTRIBUTES.contains(&k.as_str()) {
            to.attributes.insert(k.clone(), v.clone());
        } else if !matches!(
            k.as_str(),
            "external_id" | "braze_id" | "user_alias" | "_update_existing_only"
        ) {
            to.custom_attributes.insert(k.clone(), v.clone());
        }
    }
    to
}

/// `POST /braze/campaigns/{id}/send`: renders the campaign for one user and sends
/// it. Body: `{"external_id": "u1"}` (or `braze_id`, `user_alias`, `email`, or an
/// inline `{"user": {...}}`), plus optional `event_properties` and
/// `trigger_properties`. 202 at once; with `?wait=true`, 200 once the delivery has
/// ended, with each attempt. A template that does not render is a 422.
async fn send_campaign(
    State(b): B,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Control {
    let wait = form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .any(|(k, v)| k == "wait" && (v == "true" || v == "1"));
    send(b, &id, control_body(&body)?, wait).await
}

/// The `braze.campaign` action (`POST /braze/actions/campaign`): the body of
/// [`send_campaign`] plus `campaign` (the campaign's id or name); it waits for the
/// delivery to end unless `"wait": false`.
async fn campaign_action(State(b): B, body: Bytes) -> Control {
    let body = control_body(&body)?;
    let Some(which) = body.get("campaign").and_then(Value::as_str) else {
        return Err(ControlError::new(
            StatusCode::BAD_REQUEST,
            "say which campaign to send: `campaign` is its id or name",
            json!({"known": b.store().campaigns.iter().map(|c| json!({"id": c.id, "name": c.name})).collect::<Vec<_>>()}),
        ));
    };
    let id = {
        let store = b.store();
        store
            .campaigns
            .iter()
            .find(|c| c.name == which)
            .map_or_else(|| which.to_owned(), |c| c.id.clone())
    };
    let wait = body.get("wait").and_then(Value::as_bool).unwrap_or(true);
    send(b, &id, body, wait).await
}

async fn send(b: Arc<Braze>, id: &str, body: Map<String, Value>, wait: bool) -> Control {
    let campaign = campaign(&b, id)?;
    let to = recipient(&b, &body)?;
    let props = |k: &str| match body.get(k) {
        Some(v @ Value::Object(_)) => v.clone(),
        _ => json!({}),
    };
    let delivery_id = b.store().hex_id(24);
    let globals = webhook::globals(
        &to,
        &campaign,
        &delivery_id,
        props("event_properties"),
        props("trigger_properties"),
    );
    let summary = json!({"id": campaign.id, "name": campaign.name});
    if let Some(reason) = campaign.aborts(&b.ctx().templates, &globals) {
        return Ok(axum::Json(json!({
            "delivery": null,
            "campaign": summary,
            "delivered": false,
            "aborted": {"abort_type": "liquid_abort_message", "abort_log": reason},
        }))
        .into_response());
    }
    let rendered = campaign
        .without_abort_tag()
        .render(
            &b.ctx().templates,
            &globals,
            &b.settings().webhooks.user_agent,
        )
        .map_err(|e| {
            ControlError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "campaign `{}` ({}) does not render: {e}",
                    campaign.name, campaign.id
                ),
                json!({"part": e.part, "liquid_error": e.message}),
            )
        })?;
    let url = rendered.request.url.clone();
    b.store().sends.push(SendRecord {
        delivery: delivery_id.clone(),
        campaign_id: campaign.id.clone(),
        url: url.clone(),
        status: "in_progress",
        attempts: Vec::new(),
    });
    let task = tokio::spawn(deliver(b.clone(), delivery_id.clone(), rendered.request));
    let sent = json!({"delivery": delivery_id, "campaign": summary, "url": url});
    if !wait {
        return Ok((StatusCode::ACCEPTED, axum::Json(sent)).into_response());
    }
    ended(task, sent).await
}

/// The reply once the delivery has ended: what was `sent`, whether it was
/// delivered, and each attempt.
async fn ended(task: tokio::task::JoinHandle<Delivery>, mut sent: Value) -> Control {
    match task.await {
        Ok(d) => {
            sent["delivered"] = json!(d.delivered());
            sent["attempts"] = d
                .attempts
                .iter()
                .enumerate()
                .map(|(n, o)| attempt_json(n, o))
                .collect();
            Ok(axum::Json(sent).into_response())
        }
        Err(e) => Err(ControlError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the delivery task failed: {e}"),
            Value::Null,
        )),
    }
}

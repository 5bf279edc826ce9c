//! API-triggered sends (REFERENCE braze-rest 3): `/campaigns/trigger/send`,
//! `/canvas/trigger/send`, and the send ids of `/sends/id/create`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::account::Braze;
use super::error::{BrazeError, BrazeJson, json_response};
use super::messaging::{Reply, bad, created, recipients, record, send_webhook};
use super::state::Dispatch;

type B = State<Arc<Braze>>;

/// `/campaigns/trigger/send` (and its schedules): an API-triggered campaign (configured or made
/// through the control API), `{{api_trigger_properties.${key}}}` from the top-level
/// and per-recipient `trigger_properties`.
pub fn trigger_campaign(
    b: &Arc<Braze>,
    body: &Map<String, Value>,
    dispatch_id: String,
    endpoint: &'static str,
) -> Result<String, BrazeError> {
    let Some(id) = body.get("campaign_id").and_then(Value::as_str) else {
        return Err(bad(
            "campaign_id must be a string of the campaign api identifier",
        ));
    };
    let Some(campaign) = b.store().campaign(id).cloned() else {
        return Err(bad("Invalid Campaign ID"));
    };
    let targets = recipients(b, body, &["trigger_properties"])?;
    let records = targets
        .iter()
        .map(|t| send_webhook(b, &campaign, t, &dispatch_id, &json!({})))
        .collect();
    let id = record(
        b,
        Dispatch {
            dispatch_id,
            endpoint,
            campaign_id: Some(campaign.id),
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

/// `/canvas/trigger/send` (and its schedules): an API-triggered Canvas's webhook step, with
/// `context` or the older `canvas_entry_properties` (both accepted, both readable
/// in Liquid as `{{context.${key}}}` and `{{canvas_entry_properties.${key}}}`).
pub fn trigger_canvas(
    b: &Arc<Braze>,
    body: &Map<String, Value>,
    dispatch_id: String,
    endpoint: &'static str,
) -> Result<String, BrazeError> {
    let Some(id) = body.get("canvas_id").and_then(Value::as_str) else {
        return Err(bad(
            "canvas_id must be a string of the Canvas api identifier",
        ));
    };
    let Some(canvas) = b.store().api.canvases.iter().find(|c| c.id == id).cloned() else {
        return Err(bad(
            "canvas_id must be a string of the Canvas api identifier",
        ));
    };
    let targets = recipients(b, body, &["context", "canvas_entry_properties"])?;
    let records = targets
        .iter()
        .map(|t| {
            let extra = json!({
                "context": t.properties,
                "canvas_entry_properties": t.properties,
                "canvas": {"name": canvas.name, "api_id": canvas.id},
            });
            send_webhook(b, &canvas, t, &dispatch_id, &extra)
        })
        .collect();
    let id = record(
        b,
        Dispatch {
            dispatch_id,
            endpoint,
            campaign_id: None,
            canvas_id: Some(canvas.id),
            send_id: None,
            time: b.now(),
            messages: records,
            error: None,
        },
    );
    Ok(id)
}

/// `POST /sends/id/create`: 201 `{"message": "success", "send_id": ...}` (status
/// UNVERIFIED); the campaign must exist.
pub async fn send_id_create(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let Some(campaign) = body.get("campaign_id").and_then(Value::as_str) else {
        return Err(bad(
            "campaign_id must be a string of the campaign api identifier",
        ));
    };
    let mut store = b.store();
    if store.campaign(campaign).is_none() {
        return Err(bad("Invalid Campaign ID"));
    }
    let send_id = match body.get("send_id").and_then(Value::as_str) {
        Some(s) if !s.is_empty() && s.len() <= 64 => s.to_owned(),
        Some(_) => return Err(bad("send_id must be a string of at most 64 characters")),
        None => store.hex_id(32),
    };
    let pair = (campaign.to_owned(), send_id.clone());
    if !store.api.send_ids.contains(&pair) {
        store.api.send_ids.push(pair);
    }
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"message": "success", "send_id": send_id}),
    ))
}

/// `POST /campaigns/trigger/send`.
pub async fn campaign_trigger(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let d = b.store().hex_id(32);
    Ok(created(&trigger_campaign(
        &b,
        &body,
        d,
        "/campaigns/trigger/send",
    )?))
}

/// `POST /canvas/trigger/send`.
pub async fn canvas_trigger(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let d = b.store().hex_id(32);
    Ok(created(&trigger_canvas(
        &b,
        &body,
        d,
        "/canvas/trigger/send",
    )?))
}

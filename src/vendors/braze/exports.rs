//! Braze's list and details exports (REFERENCE braze-rest 5): campaigns, Canvases,
//! segments, custom events and products, read from what the fake holds, so a user
//! deleted through the API takes its events and products with it.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::account::Braze;
use super::error::{BrazeError, json_response};
use super::messaging::ALL_USERS_SEGMENT;
use super::webhook::{Campaign, RequestFormat};

type B = State<Arc<Braze>>;
type Q = Query<HashMap<String, String>>;
type Reply = Result<Response, BrazeError>;

fn page(q: &HashMap<String, String>) -> Result<usize, BrazeError> {
    q.get("page").map_or(Ok(0), |p| {
        p.parse()
            .map_err(|_| BrazeError::BadRequest("page must be a non-negative integer".to_owned()))
    })
}

fn paged<T: Clone>(items: &[T], page: usize, size: usize) -> Vec<T> {
    items
        .iter()
        .skip(page.saturating_mul(size))
        .take(size)
        .cloned()
        .collect()
}

fn edited(b: &Braze) -> String {
    let t = b.now();
    let base = crate::clock::iso_seconds(t);
    format!("{}+00:00", base.trim_end_matches('Z'))
}

/// A stable UUID-shaped id derived from `seed` (message variation and step ids).
fn derived_id(seed: &str) -> String {
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for b in seed.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013B);
    }
    let x = format!("{h:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}

fn sorted(list: &[Campaign], q: &HashMap<String, String>) -> Vec<Campaign> {
    let mut v = list.to_vec();
    if q.get("sort_direction").is_some_and(|d| d == "desc") {
        v.reverse();
    }
    v
}

/// `GET /campaigns/list`: 100 per page, oldest first unless `sort_direction=desc`.
pub async fn campaigns(State(b): B, Query(q): Q) -> Reply {
    let n = page(&q)?;
    let list = sorted(&b.store().campaigns, &q);
    let at = edited(&b);
    let items: Vec<Value> = paged(&list, n, 100)
        .iter()
        .map(|c| json!({"id": c.id, "last_edited": at, "name": c.name, "is_api_campaign": true, "tags": []}))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"message": "success", "campaigns": items}),
    ))
}

fn webhook_message(c: &Campaign) -> Value {
    let format = match c.request_format {
        RequestFormat::RawText => "raw_text",
        RequestFormat::JsonKeyValuePairs => "key_value_pairs",
    };
    json!({
        "channel": "webhook",
        "name": "Variant 1",
        "url": c.url,
        "body": if c.request_format == RequestFormat::RawText { json!(c.body) } else { json!(c.pairs) },
        "type": format,
        "headers": c.headers,
        "method": c.method.method().as_str(),
    })
}

fn sent_times(b: &Braze, id: &str) -> (Value, Value) {
    let store = b.store();
    let any = store.sends.iter().any(|s| s.campaign_id == id);
    if any {
        (json!(edited(b)), json!(edited(b)))
    } else {
        (Value::Null, Value::Null)
    }
}

/// `GET /campaigns/details?campaign_id=`: an unknown id is a 400, as for Canvases.
pub async fn campaign_details(State(b): B, Query(q): Q) -> Reply {
    let id = q.get("campaign_id").cloned().unwrap_or_default();
    let Some(c) = b.store().campaign(&id).cloned() else {
        return Err(BrazeError::BadRequest(
            "campaign_id must be a string of the campaign api identifier".to_owned(),
        ));
    };
    let at = edited(&b);
    let (first, last) = sent_times(&b, &c.id);
    let mut messages = serde_json::Map::new();
    messages.insert(
        derived_id(&format!("{}/variation", c.id)),
        webhook_message(&c),
    );
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "message": "success",
            "created_at": at, "updated_at": at,
            "archived": false, "draft": false, "enabled": true, "has_post_launch_draft": false,
            "name": c.name, "description": "", "schedule_type": "api_triggered",
            "channels": ["webhook"], "first_sent": first, "last_sent": last,
            "tags": [], "teams": [], "messages": messages, "conversion_behaviors": [],
        }),
    ))
}

/// `GET /canvas/list`.
pub async fn canvases(State(b): B, Query(q): Q) -> Reply {
    let n = page(&q)?;
    let list = sorted(&b.store().api.canvases, &q);
    let at = edited(&b);
    let items: Vec<Value> = paged(&list, n, 100)
        .iter()
        .map(|c| json!({"id": c.id, "last_edited": at, "name": c.name, "tags": []}))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"canvases": items, "message": "success"}),
    ))
}

/// `GET /canvas/details?canvas_id=`: unknown → 400 with the captured text.
pub async fn canvas_details(State(b): B, Query(q): Q) -> Reply {
    let id = q.get("canvas_id").cloned().unwrap_or_default();
    let Some(c) = b.store().api.canvases.iter().find(|c| c.id == id).cloned() else {
        return Err(BrazeError::BadRequest(
            "canvas_id must be a string of the Canvas api identifier".to_owned(),
        ));
    };
    let at = edited(&b);
    let (first, last) = sent_times(&b, &c.id);
    let step = derived_id(&format!("{}/step", c.id));
    let mut messages = serde_json::Map::new();
    messages.insert(
        derived_id(&format!("{}/variation", c.id)),
        webhook_message(&c),
    );
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "created_at": at, "updated_at": at, "name": c.name, "description": "",
            "archived": false, "draft": false, "enabled": true, "has_post_launch_draft": false,
            "schedule_type": "api_triggered", "first_entry": first, "last_entry": last,
            "channels": ["webhook"],
            "variants": [{"name": "Variant 1", "id": derived_id(&format!("{}/variant", c.id)), "first_step_ids": [step], "first_step_id": step}],
            "tags": [], "teams": [],
            "steps": [{"name": "Webhook", "type": "message", "id": step, "next_step_ids": [], "next_paths": [], "channels": ["webhook"], "messages": messages}],
            "message": "success",
        }),
    ))
}

/// `GET /segments/list`: the fake's one segment, every user.
pub async fn segments(State(_b): B, Query(q): Q) -> Reply {
    let items = if page(&q)? == 0 {
        json!([{"id": ALL_USERS_SEGMENT, "name": "All Users", "analytics_tracking_enabled": false, "tags": []}])
    } else {
        json!([])
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({"segments": items, "message": "success"}),
    ))
}

/// `GET /events/list`: custom event names held by users, alphabetical, 250 a page.
pub async fn events(State(b): B, Query(q): Q) -> Reply {
    let n = page(&q)?;
    let names: Vec<String> = {
        let store = b.store();
        let set: BTreeSet<String> = store
            .profiles
            .iter()
            .flat_map(|p| p.events.iter().map(|e| e.name.clone()))
            .collect();
        set.into_iter().collect()
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({"message": "success", "events": paged(&names, n, 250)}),
    ))
}

/// `GET /purchases/product_list`: product ids held by users, 250 a page.
pub async fn products(State(b): B, Query(q): Q) -> Reply {
    let n = page(&q)?;
    let names: Vec<String> = {
        let store = b.store();
        let set: BTreeSet<String> = store
            .profiles
            .iter()
            .flat_map(|p| p.purchases.iter().map(|e| e.product_id.clone()))
            .collect();
        set.into_iter().collect()
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({"products": paged(&names, n, 250), "message": "success"}),
    ))
}

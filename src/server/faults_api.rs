//! Fault rules on the control API: `POST /faults`, `GET /faults`,
//! `DELETE /faults/{id}`, `DELETE /faults`. `POST /reset` clears them too.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use serde_json::{Value, json};

use super::Harness;
use crate::fault::FaultRule;
use crate::vendors::ControlError;

/// The fault routes.
pub fn routes(h: Arc<Harness>) -> Router {
    Router::new()
        .route("/faults", get(list).post(add).delete(clear))
        .route("/faults/{id}", delete(remove))
        .with_state(h)
}

type H = State<Arc<Harness>>;

/// `{"faults": [rule with id, vendor, matched, applied]}`, in the order they apply.
pub fn view(h: &Harness) -> Value {
    let rules: Vec<Value> = h.faults.list().iter().map(|r| r.view()).collect();
    json!({ "faults": rules })
}

async fn list(State(h): H) -> Response {
    axum::Json(view(&h)).into_response()
}

fn example() -> Value {
    let vendor = crate::vendors::REGISTRY.first().map_or("", |r| r.name);
    json!({"vendor": vendor, "method": "GET", "path": "/*", "action": "status", "status": 429, "times": 1})
}

/// Adds one rule to the harness; the armed rule's view, or why not.
pub fn add_rule(h: &Harness, rule: FaultRule) -> Result<Value, ControlError> {
    let Some(vendor) = rule.vendor.clone() else {
        return Err(ControlError::bad(
            "a fault rule needs `vendor`",
            json!(crate::vendors::names()),
        ));
    };
    h.faults
        .add(&vendor, rule)
        .map(|armed| armed.view())
        .map_err(|e| ControlError::bad(e, example()))
}

async fn add(State(h): H, body: Bytes) -> Response {
    let rule = match serde_json::from_slice::<FaultRule>(&body) {
        Ok(r) => r,
        Err(e) => {
            return ControlError::bad(format!("not a fault rule: {e}"), example()).into_response();
        }
    };
    match add_rule(&h, rule) {
        Ok(v) => (StatusCode::CREATED, axum::Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn clear(State(h): H) -> Response {
    h.faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn remove(State(h): H, Path(id): Path<String>) -> Response {
    match id.parse::<u64>() {
        Ok(n) if h.faults.remove(n) => StatusCode::NO_CONTENT.into_response(),
        _ => ControlError::new(
            StatusCode::NOT_FOUND,
            format!("no fault rule with id `{id}`"),
            json!("GET /faults lists the rules and their ids"),
        )
        .into_response(),
    }
}

//! `GET /v2/conversations/fields`: the account's conversation properties
//! (freshchat-mammut-more 7.1). The answer is a top-level JSON array of field
//! definitions \[3P, live-inferred\]; the seeded account has the built-in
//! `priority` dropdown with `Low`, `Medium`, `High` and `Urgent` \[3P\]. Field ids,
//! `type` names and `column_name` are UNKNOWN.

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The conversation properties of the seeded account.
pub fn conversation_fields() -> Value {
    let choices: Vec<Value> = ["Low", "Medium", "High", "Urgent"]
        .iter()
        .enumerate()
        .map(|(i, v)| json!({"id": format!("priority-{}", i + 1), "value": v}))
        .collect();
    json!([{
        "id": "priority",
        "name": "priority",
        "label": "Priority",
        "type": "dropdown",
        "custom": false,
        "editable": true,
        "required": false,
        "position": 1,
        "column_name": "priority",
        "default_value": "Low",
        "choices": choices,
        "fields": [],
    }])
}

/// `GET /v2/conversations/fields` (served before `/conversations/{id}`, which would
/// otherwise take `fields` for a conversation id).
pub async fn list() -> Response {
    Json(conversation_fields()).into_response()
}

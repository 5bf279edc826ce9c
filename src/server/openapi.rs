//! The control API's OpenAPI 3.1 document (`GET /openapi.json`).
//!
//! The harness's own routes are described in `openapi.json`, beside the control
//! router; each vendor's scenario actions and other control routes are added from
//! the vendor registry (its `control_paths`), so a new one is described as soon as
//! it is registered. A test checks the document
//! against the routes actually served, both ways.

use std::sync::OnceLock;

use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::vendors::REGISTRY;

const DESCRIBED: &str = include_str!("openapi.json");

/// The whole document: the described routes plus every vendor action.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let mut doc: Value = serde_json::from_str(DESCRIBED).unwrap_or_else(|_| json!({}));
        doc["info"]["version"] = json!(env!("CARGO_PKG_VERSION"));
        if let Some(paths) = doc["paths"].as_object_mut() {
            for r in REGISTRY {
                let extra = r.control_paths.map(serde_json::from_str::<Value>);
                if let Some(Ok(Value::Object(more))) = extra {
                    paths.extend(more);
                }
                for a in r.actions {
                    paths.insert(format!("/{}/actions/{}", r.name, a.name), action(r.name, a));
                }
            }
        }
        doc
    })
}

fn action(vendor: &str, a: &crate::vendors::Action) -> Value {
    json!({"post": {
        "operationId": format!("{vendor}_{}", a.name),
        "summary": a.summary,
        "tags": [vendor, "actions"],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {
            "200": {"description": "Done; what the vendor did.",
                    "content": {"application/json": {"schema": {"type": "object"}}}},
            "400": {"$ref": "#/components/responses/Error"}
        }
    }})
}

/// Every `(METHOD, path)` the document describes, paths as templates.
pub fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in ["get", "put", "post", "delete", "patch", "head", "options"] {
            if item.get(method).is_some() {
                out.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// `GET /openapi.json`.
pub async fn document() -> Response {
    axum::Json(spec()).into_response()
}

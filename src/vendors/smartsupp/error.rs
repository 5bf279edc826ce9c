//! Smartsupp's error envelope (REFERENCE 5.2, schema `error_payload` of the Core API
//! spec): `{"code": "...", "message": "..."}`. Whether the public API uses exactly
//! this shape is UNVERIFIED. Fake Smartsupp serves none of the REST API, so every
//! request to its port gets one of these.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::vendors::json_reply;

/// The errors fake Smartsupp answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmartsuppError {
    /// 404: the path is not served.
    #[error("not found")]
    NotFound,
    /// 400: the body could not be read.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 413: the body is larger than the fake accepts.
    #[error("request body larger than {0} bytes")]
    PayloadTooLarge(usize),
}

impl SmartsuppError {
    /// The status and the `error_payload` body.
    pub fn status_and_body(&self) -> (StatusCode, serde_json::Value) {
        let (status, code, message) = match self {
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "Not found: fake Smartsupp pushes hooks and webhooks and serves no REST API"
                    .to_owned(),
            ),
            Self::BadRequest(why) => (StatusCode::BAD_REQUEST, "bad_request", why.clone()),
            Self::PayloadTooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("The request body is larger than {limit} bytes"),
            ),
        };
        (status, json!({"code": code, "message": message}))
    }
}

impl IntoResponse for SmartsuppError {
    fn into_response(self) -> Response {
        let (status, body) = self.status_and_body();
        json_reply(status, "application/json; charset=utf-8", &body)
    }
}

/// Smartsupp's answer for `status` when a fault forces one: the `error_payload`
/// shape `{code, message}` of its API specification, with a plausible code.
pub fn for_status(status: StatusCode) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = reason.to_lowercase().replace([' ', '-'], "_");
    json_reply(
        status,
        "application/json; charset=utf-8",
        &json!({"code": code, "message": reason}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_have_the_error_payload_shape() {
        let (status, body) = SmartsuppError::NotFound.status_and_body();
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["code"], "not_found");
        assert!(body["message"].is_string());
    }
}

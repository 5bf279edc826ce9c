//! Smartsupp's error envelope (REFERENCE 5.2, schema `error_payload` of the Core API
//! spec): `{"code": "...", "message": "..."}`, with `errors[]` on schema validation.
//! The codes `invalid_parameters` and `not_implemented` (400 for an unknown route)
//! are captured from the public REST API v2; the others follow the internal spec's
//! examples \[UNVERIFIED\].

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::fake::json_reply;

/// The errors fake Smartsupp answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmartsuppError {
    /// 404: an unknown id (`"Conversation not found"`).
    #[error("{0} not found")]
    Missing(&'static str),
    /// 400: a route or method the public API does not implement.
    #[error("not implemented")]
    NotImplemented,
    /// 401: no bearer token, or one the account does not know.
    #[error("unauthorized")]
    Unauthorized,
    /// 422: well-formed but invalid data.
    #[error("invalid parameters: {0}")]
    Invalid(String),
    /// 400: schema validation, with `errors[]`: (path, message).
    #[error("bad request at {0}: {1}")]
    Validation(String, String),
    /// 429: the token's budget is spent; the value is `Retry-After` in seconds.
    #[error("too many requests")]
    TooManyRequests(u32),
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
            Self::Missing(what) => (
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
            ),
            Self::NotImplemented => (
                StatusCode::BAD_REQUEST,
                "not_implemented",
                "Requested url or method not implemented".to_owned(),
            ),
            Self::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "The API key was not authorised".to_owned(),
            ),
            Self::Invalid(why) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_parameters",
                why.clone(),
            ),
            Self::Validation(path, why) => {
                let body = json!({
                    "code": "bad_request",
                    "message": "Invalid parameters",
                    "errors": [{
                        "path": path,
                        "code": "openapi.requestValidation",
                        "message": why,
                        "location": "body",
                    }],
                });
                return (StatusCode::BAD_REQUEST, body);
            }
            Self::TooManyRequests(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "Too many requests".to_owned(),
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
        let mut res = json_reply(status, "application/json; charset=utf-8", &body);
        if let Self::TooManyRequests(secs) = self
            && let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        res
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
        let (status, body) = SmartsuppError::Missing("Conversation").status_and_body();
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            body,
            json!({"code": "not_found", "message": "Conversation not found"})
        );
        let (status, body) = SmartsuppError::NotImplemented.status_and_body();
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body["code"], "not_implemented",
            "captured: unknown routes are 400"
        );
    }
}

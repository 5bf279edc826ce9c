//! The fake custom support endpoint's errors. Ferndesk documents no error format
//! for endpoints (they are the customer's), so these are plain JSON objects
//! `{"error": "..."}` with a fitting status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::fake::json_reply;

/// What the fake endpoint answers when it cannot serve the document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// 404: not the endpoint's path.
    #[error("not found")]
    NotFound(String),
    /// 405: the endpoint is read with GET.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 400: `startDate` is not `YYYY-MM-DD`.
    #[error("bad startDate")]
    BadStartDate(String),
    /// 400: the body could not be read.
    #[error("bad request")]
    BadRequest,
    /// 413: the body is larger than the fake accepts.
    #[error("too large")]
    PayloadTooLarge(usize),
}

impl IntoResponse for EndpointError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            Self::NotFound(path) => (
                StatusCode::NOT_FOUND,
                format!("Not found: the conversations document is at {path}"),
            ),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "The support endpoint is read with GET".to_owned(),
            ),
            Self::BadStartDate(given) => (
                StatusCode::BAD_REQUEST,
                format!("startDate `{given}` is not a date such as 2025-01-01"),
            ),
            Self::BadRequest => (
                StatusCode::BAD_REQUEST,
                "Unable to read request body".to_owned(),
            ),
            Self::PayloadTooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("The request body is larger than {limit} bytes"),
            ),
        };
        json_reply(status, "application/json", &json!({"error": message}))
    }
}

/// The fake endpoint's answer for `status` when a fault forces one (the endpoint is
/// the customer's own: `{"error": ...}`, as its other errors).
pub fn for_status(status: StatusCode) -> Response {
    json_reply(
        status,
        "application/json",
        &json!({"error": status.canonical_reason().unwrap_or("Error")}),
    )
}

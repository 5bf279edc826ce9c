//! Mammut's error replies. The real shape is UNKNOWN (REFERENCE 4.2): successes say
//! `"status": "Success"`, so errors say `"status": "Error"` with a `message`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Every error fake Mammut answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MammutError {
    /// 400: the body or query is not what the endpoint takes.
    #[error("{0}")]
    BadRequest(String),
    /// 401: a Freshchat webhook whose signature does not verify.
    #[error("{0}")]
    BadSignature(String),
    /// 404: no such vertex or endpoint.
    #[error("{0}")]
    NotFound(String),
    /// 405: the endpoint exists, not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 413: the body is larger than the fake accepts.
    #[error("request body larger than {0} bytes")]
    PayloadTooLarge(usize),
}

impl MammutError {
    /// The status code.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::BadSignature(_) => StatusCode::UNAUTHORIZED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }
}

impl IntoResponse for MammutError {
    fn into_response(self) -> Response {
        crate::vendors::json_reply(
            self.status(),
            "application/json",
            &json!({"status": "Error", "message": self.to_string()}),
        )
    }
}

/// Mammut's answer for `status` when a fault forces one: `{"status": "Error",
/// "message": ...}` as its other errors (plausible: Mammut documents none).
pub fn for_status(status: StatusCode) -> Response {
    crate::vendors::json_reply(
        status,
        "application/json",
        &json!({"status": "Error", "message": status.canonical_reason().unwrap_or("Error")}),
    )
}

//! Braze's fatal-error envelope (REFERENCE 2.2 and 2.3), and the extractor that
//! makes even a malformed body get one.
//!
//! Every fatal reply is JSON: `{"message": "...", "errors": [...]}`, `errors` only
//! where there is something to list. Minor (per-object) errors are not errors here:
//! they ride on a 201 (see [`super::wire::MinorError`]).

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use serde_json::{Value, json};

/// Braze's JSON content type.
// Vendor quirk: UNVERIFIED whether Braze adds `; charset=utf-8`; clients ignore it.
pub const CONTENT_TYPE_JSON: &str = "application/json";

/// The fatal message for more than the allowed objects in one array (\[DOC\] errors.md).
pub const MAX_INPUT_LENGTH_EXCEEDED: &str = "Max Input Length Exceeded";

/// Every fatal error fake Braze answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrazeError {
    /// 401: unknown or missing REST API key; the text is the configured message.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the key lacks the endpoint's permission; the text is the configured message.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such endpoint.
    #[error("not found")]
    NotFound,
    /// 400: the body is not JSON (or not a JSON object).
    #[error("bad syntax: {0}")]
    BadSyntax(String),
    /// 400: more objects in one array (or ids in one export) than allowed.
    #[error("max input length exceeded: {0:?}")]
    MaxInputLength(Vec<String>),
    /// 400: the body is JSON but not the shape the endpoint takes.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 413: the body is larger than the fake accepts.
    #[error("request body larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// 429: the budget of the window is spent; the text is the configured message.
    #[error("{0}")]
    RateLimited(String),
}

/// The fatal envelope.
#[derive(Debug, Serialize)]
struct Fatal<'a> {
    message: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    errors: &'a [String],
}

impl BrazeError {
    /// The status code and JSON body Braze sends.
    pub fn status_and_body(&self) -> (StatusCode, Value) {
        let fatal = |status: StatusCode, message: &str, errors: &[String]| {
            (
                status,
                serde_json::to_value(Fatal { message, errors }).unwrap_or(Value::Null),
            )
        };
        match self {
            // Vendor quirk: the 401 body `{"message":"Invalid API key: <key>"}` is
            // UNVERIFIED (REFERENCE 2.2, recollection of real traffic); configurable.
            Self::Unauthorized(m) => fatal(StatusCode::UNAUTHORIZED, m, &[]),
            // Vendor quirk: the 403 text is UNVERIFIED; configurable.
            Self::Forbidden(m) => fatal(StatusCode::FORBIDDEN, m, &[]),
            // Vendor quirk: the 404 body is UNVERIFIED.
            Self::NotFound => fatal(StatusCode::NOT_FOUND, "Not Found", &[]),
            // Vendor quirk: errors.md names 400 "Bad syntax"; the exact body is UNVERIFIED.
            Self::BadSyntax(why) => fatal(
                StatusCode::BAD_REQUEST,
                "Bad syntax",
                std::slice::from_ref(why),
            ),
            Self::MaxInputLength(why) => {
                fatal(StatusCode::BAD_REQUEST, MAX_INPUT_LENGTH_EXCEEDED, why)
            }
            Self::BadRequest(why) => fatal(StatusCode::BAD_REQUEST, why, &[]),
            Self::PayloadTooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                json!({"message": format!("Request body must not exceed {limit} bytes")}),
            ),
            // Vendor quirk: the 429 body is UNVERIFIED (REFERENCE 2.3); configurable.
            Self::RateLimited(m) => fatal(StatusCode::TOO_MANY_REQUESTS, m, &[]),
        }
    }
}

impl IntoResponse for BrazeError {
    fn into_response(self) -> Response {
        let (status, body) = self.status_and_body();
        json_response(status, &body)
    }
}

/// A JSON response with Braze's content type.
pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    crate::fake::json_reply(status, CONTENT_TYPE_JSON, body)
}

/// A JSON object body, or Braze's 400 when it is not one. Like Braze (and unlike
/// `axum::Json`) it ignores the content type.
#[derive(Debug)]
pub struct BrazeJson(pub serde_json::Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for BrazeJson {
    type Rejection = BrazeError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| BrazeError::BadSyntax(format!("Unable to read request body: {e}")))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(BrazeError::BadSyntax(
                "Request body is empty; send a JSON object".to_owned(),
            ));
        }
        match serde_json::from_slice(&bytes) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            Ok(_) => Err(BrazeError::BadSyntax(
                "Request body must be a JSON object".to_owned(),
            )),
            Err(e) => Err(BrazeError::BadSyntax(format!(
                "Request body is not valid JSON: {e}"
            ))),
        }
    }
}

/// Braze's answer for `status` when a fault forces one: `{"message": ...}` as every
/// Braze error; `rate_limited` is the configured 429 text. Only the shape is
/// documented; the texts are plausible. No `Retry-After` (whether Braze sends one
/// is UNKNOWN).
pub fn for_status(status: StatusCode, rate_limited: &str) -> Response {
    let message = match status.as_u16() {
        400 => "Bad syntax",
        401 => "Invalid API key",
        403 => "Access denied",
        404 => "Not Found",
        429 => rate_limited,
        _ => status.canonical_reason().unwrap_or("Error"),
    };
    json_response(status, &json!({"message": message}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fatal_envelopes_have_a_message_and_errors_only_when_there_are_some() {
        let cases = [
            (
                BrazeError::Unauthorized("Invalid API key: nope".to_owned()),
                401,
                json!({"message": "Invalid API key: nope"}),
            ),
            (
                BrazeError::MaxInputLength(vec!["events: 76 objects".to_owned()]),
                400,
                json!({"message": "Max Input Length Exceeded", "errors": ["events: 76 objects"]}),
            ),
            (
                BrazeError::BadSyntax("eof".to_owned()),
                400,
                json!({"message": "Bad syntax", "errors": ["eof"]}),
            ),
            (BrazeError::NotFound, 404, json!({"message": "Not Found"})),
        ];
        for (err, status, body) in cases {
            let (s, b) = err.status_and_body();
            assert_eq!((s.as_u16(), b), (status, body));
        }
    }
}

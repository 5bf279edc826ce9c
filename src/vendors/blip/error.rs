//! Blip's HTTP-level errors (REFERENCE 6.1), and the extractor that makes even a
//! body that is not JSON get one.
//!
//! A command that fails is not an HTTP error: it is a 200 with a command response
//! whose `status` is `failure` (see [`super::command::command_response`]). What is
//! here is what happens before an envelope exists: 401, 400 for a malformed
//! envelope, 404 and 405 off the three endpoints, 413.
//!
//! Vendor quirk: Blip's docs give the status codes but not these bodies; each is a
//! LIME-shaped failure `{"status":"failure","reason":{code,description}}` with the
//! envelope's `id` and `method` when they could be read \[UNVERIFIED\].

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::wire::{Reason, reason};

/// Blip's JSON content type.
// Vendor quirk: UNVERIFIED whether Blip adds `; charset=utf-8`; clients ignore it.
pub const CONTENT_TYPE_JSON: &str = "application/json";

/// Every HTTP-level error fake Blip answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlipError {
    /// 401: no `Authorization: Key ...`, or a key no bot has.
    #[error("unauthorized")]
    Unauthorized,
    /// 400: the body is not a valid envelope.
    #[error("malformed envelope: {description}")]
    Malformed {
        /// The envelope's id, when it had a readable one.
        id: Option<String>,
        /// The command's method, when readable.
        method: Option<String>,
        /// What is wrong.
        description: String,
    },
    /// 404: not one of `/commands`, `/messages`, `/notifications`.
    #[error("not found")]
    NotFound,
    /// 405: those paths take only POST.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 413: the body is larger than the fake accepts.
    #[error("request body larger than {0} bytes")]
    PayloadTooLarge(usize),
}

impl BlipError {
    /// A 400 about the envelope `o` (its id and method are echoed when readable).
    pub fn malformed(o: Option<&Map<String, Value>>, description: impl Into<String>) -> Self {
        let s = |k: &str| o.and_then(|o| o.get(k)?.as_str().map(str::to_owned));
        Self::Malformed {
            id: s("id"),
            method: s("method"),
            description: description.into(),
        }
    }

    /// The status code and JSON body.
    pub fn status_and_body(&self) -> (StatusCode, Value) {
        let failure = |reason: Reason| json!({"status": "failure", "reason": reason});
        match self {
            Self::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                failure(Reason::new(reason::AUTHORIZATION_ERROR, "Unauthorized")),
            ),
            Self::Malformed {
                id,
                method,
                description,
            } => {
                let mut body = failure(Reason::new(reason::VALIDATION_ERROR, description.clone()));
                if let Some(id) = id {
                    body["id"] = json!(id);
                }
                if let Some(m) = method {
                    body["method"] = json!(m);
                }
                (StatusCode::BAD_REQUEST, body)
            }
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                failure(Reason::new(reason::GENERAL_ERROR, "Not found")),
            ),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                failure(Reason::new(reason::GENERAL_ERROR, "Method not allowed")),
            ),
            Self::PayloadTooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                failure(Reason::new(
                    reason::GENERAL_ERROR,
                    format!("The request body must not exceed {limit} bytes"),
                )),
            ),
        }
    }
}

impl IntoResponse for BlipError {
    fn into_response(self) -> Response {
        let (status, body) = self.status_and_body();
        json_response(status, &body)
    }
}

/// A JSON response with Blip's content type.
pub fn json_response<T: serde::Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    crate::fake::json_reply(status, CONTENT_TYPE_JSON, body)
}

/// An envelope body: a JSON object, or Blip's 400. Like Blip it ignores the
/// content type.
#[derive(Debug)]
pub struct Envelope(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for Envelope {
    type Rejection = BlipError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| BlipError::malformed(None, format!("Unable to read the body: {e}")))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(BlipError::malformed(None, "The envelope is empty"));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(o)) => Ok(Self(o)),
            Ok(_) => Err(BlipError::malformed(
                None,
                "The envelope must be a JSON object",
            )),
            Err(e) => Err(BlipError::malformed(
                None,
                format!("The envelope is not valid JSON: {e}"),
            )),
        }
    }
}

/// Blip's answer for `status` when a fault forces one. A command fails inside an
/// HTTP 200 (`{"status": "failure", "reason": {...}}`, DOC), so `200` gives that
/// envelope with the generic processing error (61); 401 and 400 are the documented
/// failures; 504 is the documented command deadline; others carry the same
/// envelope (plausible).
pub fn for_status(status: StatusCode) -> Response {
    let (code, description) = match status.as_u16() {
        200 => (reason::COMMAND_PROCESSING_ERROR, "An error occurred"),
        400 => (reason::VALIDATION_ERROR, "Invalid envelope"),
        401 => (reason::AUTHORIZATION_ERROR, "Unauthorized"),
        504 => (
            reason::GENERAL_ERROR,
            "The command was not answered in time",
        ),
        _ => (
            reason::GENERAL_ERROR,
            status.canonical_reason().unwrap_or("Error"),
        ),
    };
    json_response(
        status,
        &json!({"status": "failure", "reason": Reason::new(code, description)}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_echoes_what_it_could_read() {
        let o = json!({"id": "7", "method": "get", "uri": 3});
        let (status, body) =
            BlipError::malformed(o.as_object(), "`uri` must be a string").status_and_body();
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body,
            json!({"id":"7","method":"get","status":"failure",
                   "reason":{"code":21,"description":"`uri` must be a string"}})
        );
        assert_eq!(
            BlipError::Unauthorized.status_and_body().0,
            StatusCode::UNAUTHORIZED
        );
    }
}

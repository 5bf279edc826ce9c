//! Freshchat's error envelope (REFERENCE 3.2): `{"code": 404, "status":
//! "AGENT_NOT_FOUND", "message": "This agent does not exist"}`, with the HTTP status
//! in `code`; and the extractor that gives even a malformed body that envelope.

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Map, Value, json};

/// Freshchat's JSON content type.
// Vendor quirk: UNVERIFIED whether Freshchat adds a charset; clients ignore it.
pub const CONTENT_TYPE_JSON: &str = "application/json";

/// Every error fake Freshchat answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FreshchatError {
    /// 401: no bearer token, or not the account's.
    #[error("unauthorized")]
    Unauthorized,
    /// 404: no such agent (\[DOC\] the documented example).
    #[error("agent not found")]
    AgentNotFound,
    /// 404: no such object of another kind: (`USER`, `CONVERSATION`, `GROUP`, ...).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 404: no such endpoint.
    #[error("no such endpoint")]
    NoRoute,
    /// 405: the endpoint exists, not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 400: a page past the last one (\[DOC\] schema `error`: `WRONG_PAGE`).
    #[error("wrong page")]
    WrongPage,
    /// 400: the body or a parameter is not what the endpoint takes.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 413: the body is larger than the fake accepts.
    #[error("request body larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// 400 `INVALID_VALUE`: a value Freshchat refuses (its documented 400 status,
    /// freshchat-mammut-more 10.2), the reason in `message`.
    #[error("invalid value: {0}")]
    Invalid(String),
    /// 409 `CONFLICT` (UNVERIFIED body; the status is what clients handle).
    #[error("conflict: {0}")]
    Conflict(String),
    /// 429 `TOO_MANY_REQUESTS` (UNVERIFIED body, freshchat-mammut-more 10.1).
    #[error("rate limit exceeded")]
    TooManyRequests,
}

impl FreshchatError {
    /// The status code and JSON body.
    pub fn status_and_body(&self) -> (StatusCode, Value) {
        let (status, name, message) = match self {
            // Vendor quirk: the 401 text is UNKNOWN; the shape follows REFERENCE 3.2.
            Self::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                "Authentication failed: send Authorization: Bearer <API token>".to_owned(),
            ),
            Self::AgentNotFound => (
                StatusCode::NOT_FOUND,
                "AGENT_NOT_FOUND",
                "This agent does not exist".to_owned(),
            ),
            // Vendor quirk: only AGENT_NOT_FOUND is documented; the other `*_NOT_FOUND`
            // statuses follow its pattern (UNVERIFIED).
            Self::NotFound(what) => (
                StatusCode::NOT_FOUND,
                not_found_status(what),
                format!("This {} does not exist", what.to_lowercase()),
            ),
            Self::NoRoute => (
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "The requested resource does not exist".to_owned(),
            ),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "This method is not allowed on this resource".to_owned(),
            ),
            Self::WrongPage => (
                StatusCode::BAD_REQUEST,
                "WRONG_PAGE",
                "The page does not exist in the search result".to_owned(),
            ),
            Self::BadRequest(why) => (StatusCode::BAD_REQUEST, "BAD_REQUEST", why.clone()),
            Self::Invalid(why) => (StatusCode::BAD_REQUEST, "INVALID_VALUE", why.clone()),
            Self::Conflict(why) => (StatusCode::CONFLICT, "CONFLICT", why.clone()),
            Self::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_REQUESTS",
                "Rate limit exceeded".to_owned(),
            ),
            Self::PayloadTooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                format!("Request body must not exceed {limit} bytes"),
            ),
        };
        (
            status,
            json!({"code": status.as_u16(), "status": name, "message": message}),
        )
    }
}

fn not_found_status(what: &str) -> &'static str {
    match what {
        "USER" => "USER_NOT_FOUND",
        "CONVERSATION" => "CONVERSATION_NOT_FOUND",
        "GROUP" => "GROUP_NOT_FOUND",
        "CHANNEL" => "CHANNEL_NOT_FOUND",
        "REPORT" => "REPORT_NOT_FOUND",
        "FILE" => "FILE_NOT_FOUND",
        _ => "NOT_FOUND",
    }
}

impl IntoResponse for FreshchatError {
    fn into_response(self) -> Response {
        let (status, body) = self.status_and_body();
        json_response(status, &body)
    }
}

/// A JSON response with Freshchat's content type.
pub fn json_response<T: serde::Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    crate::fake::json_reply(status, CONTENT_TYPE_JSON, body)
}

/// A JSON object body, or Freshchat's 400. Keys sent as explicit `null` are
/// dropped, as if absent: real clients (python-freshchat's models) send them.
#[derive(Debug)]
pub struct FreshchatJson(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for FreshchatJson {
    type Rejection = FreshchatError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| FreshchatError::BadRequest(format!("Unable to read the body: {e}")))?;
        parse_object(&bytes).map(Self)
    }
}

/// Parses a JSON object body, dropping `null` members at every depth.
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, FreshchatError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(FreshchatError::BadRequest(
            "The request body is empty; send a JSON object".to_owned(),
        ));
    }
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(mut map)) => {
            drop_nulls(&mut map);
            Ok(map)
        }
        Ok(_) => Err(FreshchatError::BadRequest(
            "The request body must be a JSON object".to_owned(),
        )),
        Err(e) => Err(FreshchatError::BadRequest(format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

fn drop_nulls(map: &mut Map<String, Value>) {
    map.retain(|_, v| !v.is_null());
    for v in map.values_mut() {
        match v {
            Value::Object(m) => drop_nulls(m),
            Value::Array(items) => {
                for item in items {
                    if let Value::Object(m) = item {
                        drop_nulls(m);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Freshchat's answer for `status` when a fault forces one: `{code, status, message}`
/// as its documented errors; the names for statuses it does not document are
/// plausible.
pub fn for_status(status: StatusCode) -> Response {
    let name = match status.as_u16() {
        400 => "BAD_REQUEST",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        429 => "TOO_MANY_REQUESTS",
        500 => "INTERNAL_SERVER_ERROR",
        503 => "SERVICE_UNAVAILABLE",
        _ => "ERROR",
    };
    let message = status.canonical_reason().unwrap_or("Error");
    json_response(
        status,
        &json!({"code": status.as_u16(), "status": name, "message": message}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_agent_error_has_code_status_and_message() {
        let (status, body) = FreshchatError::AgentNotFound.status_and_body();
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            body,
            json!({"code": 404, "status": "AGENT_NOT_FOUND", "message": "This agent does not exist"})
        );
    }

    #[test]
    fn explicit_nulls_are_dropped_at_every_depth() {
        let m =
            parse_object(br#"{"a": null, "b": {"c": null, "d": 1}, "e": [{"f": null}]}"#).unwrap();
        assert_eq!(Value::Object(m), json!({"b": {"d": 1}, "e": [{}]}));
    }

    #[test]
    fn non_objects_and_broken_json_are_400s() {
        for body in [&b""[..], b"[]", b"{", b"null"] {
            let err = parse_object(body).unwrap_err();
            assert_eq!(err.status_and_body().0, StatusCode::BAD_REQUEST);
        }
    }
}

/// An id from the path. A path that does not decode (invalid UTF-8) is Freshchat's
/// 400, not axum's plain-text rejection.
#[derive(Debug, Clone)]
pub struct IdPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = FreshchatError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| Self(id))
            .map_err(|_| {
                FreshchatError::BadRequest("the id in the path is not valid UTF-8".to_owned())
            })
    }
}

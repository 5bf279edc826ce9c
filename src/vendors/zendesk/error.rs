//! Zendesk's error envelopes (REFERENCE 1.3 and 1.7), and the extractor that makes
//! even a malformed body get one.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use serde_json::{Value, json};

/// Zendesk's JSON content type, with the charset the captures show.
pub const CONTENT_TYPE_JSON: &str = "application/json; charset=utf-8";

/// A JSON response with Zendesk's content type.
pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    crate::fake::json_reply(status, CONTENT_TYPE_JSON, body)
}

/// A 200 page of `records` records: its buffer sized for them at about 1.5 KB each,
/// so a 1,000-record export page is written once, not regrown and copied a dozen
/// times (the first such page of a run paid 20 ms and more for that).
pub fn json_page<T: Serialize + ?Sized>(body: &T, records: usize) -> Response {
    let mut bytes = Vec::with_capacity(2048 + records * 1536);
    match serde_json::to_writer(&mut bytes, body) {
        Ok(()) => crate::fake::bytes_reply(StatusCode::OK, CONTENT_TYPE_JSON, bytes.into()),
        Err(e) => crate::fake::serialization_bug(&e),
    }
}

/// `{"error":"Couldn't authenticate you"}`: the body Zendesk sends with every 401.
pub const UNAUTHENTICATED: &str = "Couldn't authenticate you";
/// The description of every `RecordInvalid`.
pub const RECORD_INVALID: &str = "Record validation errors";
/// The detail Zendesk gives for any update of a closed ticket.
pub const CLOSED_PREVENTS_UPDATE: &str = "Status: closed prevents ticket update";
/// Vendor quirk: the capture has two spaces after "Parameter" (zenpy cassette,
/// create_many with 101 items).
pub const TOO_MANY_VALUES: &str = "Parameter  cannot specify more than 100 values";

/// One validation problem on one field, as in `details.<field>[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Human text, `"<Field>: <message>"`.
    pub description: String,
    /// Machine code such as `InvalidValue`, `BlankValue`, `ClosedTicket`.
    pub error: String,
}

/// Validation problems by field name (the `details` object of a 422).
pub type Details = BTreeMap<String, Vec<FieldError>>;

/// Every error the fake Zendesk answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZendeskError {
    /// 401: missing or wrong credentials.
    #[error("couldn't authenticate you")]
    Unauthorized,
    /// 403: authenticated but not allowed (end users on agent endpoints).
    #[error("forbidden")]
    Forbidden,
    /// 404: no such ticket, user or job.
    #[error("record not found")]
    RecordNotFound,
    /// 404: no such endpoint.
    #[error("invalid endpoint")]
    InvalidEndpoint,
    /// 422: validation failed.
    #[error("{}", .0.values().flatten().map(|e| e.description.as_str()).collect::<Vec<_>>().join("; "))]
    RecordInvalid(Details),
    /// 400: a bulk call with more than 100 items.
    #[error("too many values")]
    TooManyValues,
    /// 400: the body is not JSON, or not the object the endpoint takes.
    #[error("invalid request body: {0}")]
    BadRequest(String),
    /// 400: a pagination parameter out of range.
    #[error("invalid pagination parameter: {0}")]
    InvalidPagination(String),
    /// 413: the body is larger than the fake accepts.
    #[error("request body larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// 429: the per-minute budget is spent.
    #[error("rate limited for {0} s")]
    RateLimited(u32),
    /// Any other `{"error": ..., "description": ...}` body with its status (search
    /// and export errors).
    #[error("{status} {error}: {description}")]
    Plain {
        /// HTTP status.
        status: u16,
        /// The `error` code.
        error: &'static str,
        /// The `description`.
        description: String,
    },
    /// The newer APIs' (Webhooks) JSON:API-style errors: `{"errors":[{code,title,detail}]}`.
    #[error("{status}: {problems:?}")]
    Problems {
        /// HTTP status.
        status: u16,
        /// The problems.
        problems: Vec<ApiProblem>,
    },
}

/// One problem with a webhook body, in the Webhooks API's JSON:API-style shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiProblem {
    /// Machine code.
    pub code: String,
    /// Short title.
    pub title: String,
    /// Human detail (left out when empty: some APIs give only code and title).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

impl ApiProblem {
    /// A problem with its code, title and detail.
    pub fn new(code: &str, title: &str, detail: String) -> Self {
        Self {
            code: code.to_owned(),
            title: title.to_owned(),
            detail,
        }
    }
}

impl ZendeskError {
    /// A 422 with one problem on one field.
    pub fn invalid(field: &str, description: impl Into<String>, code: &str) -> Self {
        let mut details = Details::new();
        details.insert(
            field.to_owned(),
            vec![FieldError {
                description: description.into(),
                error: code.to_owned(),
            }],
        );
        Self::RecordInvalid(details)
    }

    /// The 422 for any update of a closed ticket.
    pub fn closed_ticket() -> Self {
        Self::invalid("status", CLOSED_PREVENTS_UPDATE, "ClosedTicket")
    }

    /// The status code and JSON body Zendesk sends (429 is plain text, see below).
    pub fn status_and_body(&self) -> (StatusCode, Value) {
        match self {
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, json!({"error": UNAUTHENTICATED})),
            // Vendor quirk: body UNVERIFIED (REFERENCE 1.2).
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                json!({"error": "Forbidden", "description": "You do not have access to this page. Please contact the account owner of this help desk for further help."}),
            ),
            Self::RecordNotFound => (
                StatusCode::NOT_FOUND,
                json!({"error": "RecordNotFound", "description": "Not found"}),
            ),
            Self::InvalidEndpoint => (
                StatusCode::NOT_FOUND,
                json!({"error": "InvalidEndpoint", "description": "Not found"}),
            ),
            Self::RecordInvalid(details) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"error": "RecordInvalid", "description": RECORD_INVALID, "details": details}),
            ),
            Self::TooManyValues => (
                StatusCode::BAD_REQUEST,
                json!({"error": "TooManyValues", "description": TOO_MANY_VALUES, "max_count": 100}),
            ),
            Self::BadRequest(why) => (
                StatusCode::BAD_REQUEST,
                json!({"error": "InvalidParameter", "description": why}),
            ),
            Self::InvalidPagination(why) => (
                StatusCode::BAD_REQUEST,
                json!({"error": "InvalidPaginationParameter", "description": why}),
            ),
            Self::PayloadTooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                json!({"error": "RequestTooLarge", "description": format!("Request body must not exceed {limit} bytes")}),
            ),
            Self::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, Value::Null),
            Self::Plain {
                status,
                error,
                description,
            } => (
                StatusCode::from_u16(*status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
                json!({"error": error, "description": description}),
            ),
            Self::Problems { status, problems } => (
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST),
                json!({ "errors": problems }),
            ),
        }
    }
}

impl IntoResponse for ZendeskError {
    fn into_response(self) -> Response {
        if let Self::RateLimited(retry_after) = self {
            // Vendor quirk: Zendesk's 429 is plain text (REFERENCE 1.9, 3P); clients
            // read only the status and Retry-After.
            let mut res = (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            return res;
        }
        let (status, body) = self.status_and_body();
        json_response(status, &body)
    }
}

/// A JSON body, or Zendesk's 400 when it is not JSON. Unlike `axum::Json` it ignores
/// the content type, as lenient clients (and curl users) rely on.
#[derive(Debug)]
pub struct ZendeskJson(pub Value);

impl<S: Send + Sync> FromRequest<S> for ZendeskJson {
    type Rejection = ZendeskError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ZendeskError::BadRequest(format!("Unable to read request body: {e}")))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ZendeskError::BadRequest(
                "Request body is empty; send a JSON object".to_owned(),
            ));
        }
        serde_json::from_slice(&bytes)
            .map(ZendeskJson)
            .map_err(|e| ZendeskError::BadRequest(format!("Request body is not valid JSON: {e}")))
    }
}

/// A record id from the path: a 404 `RecordNotFound` when it is not a number, as
/// Zendesk answers for `/api/v2/tickets/abc.json`.
#[derive(Debug, Clone, Copy)]
pub struct IdParam(pub u64);

impl<S: Send + Sync> FromRequestParts<S> for IdParam {
    type Rejection = ZendeskError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // As `KeyParam`, but parsed in place rather than copied into a new string.
        let Ok(Path(raw)) = Path::<String>::from_request_parts(parts, state).await else {
            return Err(ZendeskError::RecordNotFound);
        };
        raw.strip_suffix(".json")
            .unwrap_or(&raw)
            .parse()
            .map(Self)
            .map_err(|_| ZendeskError::RecordNotFound)
    }
}

/// A string key from the path (a job status or webhook id), without the optional
/// `.json` suffix; undecodable paths are a 404.
#[derive(Debug, Clone)]
pub struct KeyParam(pub String);

impl<S: Send + Sync> FromRequestParts<S> for KeyParam {
    type Rejection = ZendeskError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<String>::from_request_parts(parts, state)
            .await
            // A path's last parameter captures Zendesk's optional `.json` suffix.
            .map(|Path(raw): Path<String>| match raw.strip_suffix(".json") {
                Some(key) => Self(key.to_owned()),
                None => Self(raw),
            })
            .map_err(|_| ZendeskError::RecordNotFound)
    }
}

/// Zendesk's answer for `status` when a fault forces one (before the gate adds the
/// common headers). Documented bodies: 401, 403, 404, 413, 422, 429 (plain text with
/// `Retry-After`); the 409, 5xx and other bodies follow the same envelope and are
/// plausible, not documented. `retry_after` is the seconds left in the rate-limit
/// window (429) or the 503's wait.
pub fn for_status(status: StatusCode, retry_after: u32) -> Response {
    let known = match status.as_u16() {
        400 => Some(ZendeskError::BadRequest("Invalid request".to_owned())),
        401 => Some(ZendeskError::Unauthorized),
        403 => Some(ZendeskError::Forbidden),
        404 => Some(ZendeskError::RecordNotFound),
        413 => Some(ZendeskError::PayloadTooLarge(
            crate::settings::DEFAULT_MAX_BODY_BYTES,
        )),
        422 => Some(ZendeskError::invalid(
            "base",
            "Base: invalid",
            "InvalidValue",
        )),
        429 => Some(ZendeskError::RateLimited(retry_after)),
        _ => None,
    };
    if let Some(e) = known {
        return e.into_response();
    }
    let reason = status.canonical_reason().unwrap_or("Error");
    let code: String = reason.split_whitespace().collect();
    let mut res = json_response(status, &json!({"error": code, "description": reason}));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_match_the_reference_bodies() {
        let cases = [
            (
                ZendeskError::Unauthorized,
                401,
                r#"{"error":"Couldn't authenticate you"}"#,
            ),
            (
                ZendeskError::RecordNotFound,
                404,
                r#"{"description":"Not found","error":"RecordNotFound"}"#,
            ),
            (
                ZendeskError::TooManyValues,
                400,
                r#"{"description":"Parameter  cannot specify more than 100 values","error":"TooManyValues","max_count":100}"#,
            ),
            (
                ZendeskError::closed_ticket(),
                422,
                r#"{"description":"Record validation errors","details":{"status":[{"description":"Status: closed prevents ticket update","error":"ClosedTicket"}]},"error":"RecordInvalid"}"#,
            ),
        ];
        for (err, status, body) in cases {
            let (s, b) = err.status_and_body();
            assert_eq!(s.as_u16(), status);
            let expected: Value = serde_json::from_str(body).unwrap();
            assert_eq!(b, expected);
        }
    }
}

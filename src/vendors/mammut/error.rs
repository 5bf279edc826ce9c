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
    /// A logical failure: 200 with `"status": "Failed"` (clients check
    /// `status != "Failed"`; the HTTP code is UNKNOWN).
    #[error("{0}")]
    Failed(String),
}

/// Why the graph refuses a user or its properties.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// `user-type` is neither `machine` nor `normal`.
    #[error("user-type `{0}` is not one of machine, normal")]
    BadUserType(String),
    /// No `user-type`.
    #[error("user-type is required (machine for a bot)")]
    NoUserType,
    /// Some of the `freshchat-*` fields, not all.
    #[error("missing required field(s) for the Freshchat channel: {}", .0.join(", "))]
    MissingFreshchatFields(Vec<&'static str>),
    /// A `freshchat-*` field that is not a string.
    #[error("{0} must be a string")]
    NotAString(&'static str),
    /// No user with this id.
    #[error("user:{0} does not exist")]
    NoSuchUser(u64),
}

impl From<GraphError> for MammutError {
    fn from(e: GraphError) -> Self {
        match e {
            GraphError::NoSuchUser(_) => Self::NotFound(e.to_string()),
            _ => Self::BadRequest(e.to_string()),
        }
    }
}

/// Why a call to the Freshchat API, made as the bot, brought no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    /// Neither the bot, the settings nor the peers say where Freshchat is.
    #[error("no Freshchat API URL")]
    NoApiUrl,
    /// The bot's access token cannot be sent as a header.
    #[error("the access token is not a valid header value")]
    BadToken,
    /// Freshchat answered with a status other than 2xx.
    #[error("Freshchat answered {0}")]
    Status(u16),
    /// Freshchat did not answer in time.
    #[error("Freshchat timed out")]
    TimedOut,
    /// The request failed.
    #[error("{0}")]
    Failed(String),
    /// The delivery made no attempt.
    #[error("no attempt")]
    NoAttempt,
    /// The bot's group is not among Freshchat's groups.
    #[error("no Freshchat group named `{0}`")]
    NoGroup(String),
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
            Self::Failed(_) => StatusCode::OK,
        }
    }
}

impl IntoResponse for MammutError {
    fn into_response(self) -> Response {
        crate::fake::json_reply(
            self.status(),
            "application/json",
            &match &self {
                Self::Failed(why) => json!({"status": "Failed", "taskResult": [], "message": why}),
                _ => json!({"status": "Error", "message": self.to_string()}),
            },
        )
    }
}

/// What a handler answers: a reply, or Mammut's error.
pub type Reply = Result<Response, MammutError>;

/// 200 with `body` as JSON.
pub fn ok(body: &serde_json::Value) -> Reply {
    Ok(crate::fake::json_reply(
        StatusCode::OK,
        "application/json",
        body,
    ))
}

/// Mammut's answer for `status` when a fault forces one: `{"status": "Error",
/// "message": ...}` as its other errors (plausible: Mammut documents none).
pub fn for_status(status: StatusCode) -> Response {
    crate::fake::json_reply(
        status,
        "application/json",
        &json!({"status": "Error", "message": status.canonical_reason().unwrap_or("Error")}),
    )
}

//! Handlers of fake Ferndesk: the fake custom support endpoint on the vendor port,
//! and the `pull` action on the control port.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use serde_json::{Map, Value, json};
use time::Date;

use super::account::Ferndesk;
use super::check::{self, Fetch};
use super::error::EndpointError;
use super::wire;
use crate::fake::{ControlError, json_reply};
use crate::outbound::{NoRetry, Outcome, Outgoing};

type F = State<Arc<Ferndesk>>;

/// The vendor port: the conversations document at `path`, nothing else.
pub fn routes(path: &str) -> Router<Arc<Ferndesk>> {
    Router::new()
        .route(path, get(document))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found(State(f): F) -> axum::response::Response {
    crate::fake::unmatched(EndpointError::NotFound(f.settings().endpoint.path.clone()))
}

async fn method_not_allowed() -> axum::response::Response {
    crate::fake::unmatched(EndpointError::MethodNotAllowed)
}

/// `GET {path}[?startDate=YYYY-MM-DD]`: the document, with only the conversations
/// whose `lastMessageAt` is on or after `startDate`.
async fn document(State(f): F, RawQuery(q): RawQuery) -> Result<Response, EndpointError> {
    let start = form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "startDate")
        .map(|(_, v)| v.into_owned());
    let day = match start {
        None => None,
        Some(s) if s.is_empty() => None,
        Some(s) => Some(wire::parse_start_date(&s).ok_or(EndpointError::BadStartDate(s))?),
    };
    Ok(json_reply(
        StatusCode::OK,
        "application/json",
        &wire::since(f.document(), day),
    ))
}

/// The control actions, nested under `/ferndesk` on the control port.
pub fn control_routes() -> Router<Arc<Ferndesk>> {
    Router::new().route("/actions/pull", post(pull))
}

/// The pull's arguments: the URL to fetch (with `startDate` added when
/// `start_date` is given) and the start date the check holds the document to;
/// or the control error.
fn pull_args(body: &[u8]) -> Result<(String, Option<Date>), ControlError> {
    let args = args_object(body)?;
    let Some(url) = args.get("url").and_then(Value::as_str) else {
        return Err(ControlError::new(
            StatusCode::BAD_REQUEST,
            "say which endpoint to pull: `url`",
            json!(
                "the SUT's endpoint, e.g. ${sut.url}/support-endpoint.json, or fakedesk's own: ${fakedesk.ferndesk.url}/support-endpoint.json"
            ),
        ));
    };
    if !url.starts_with("http://") && !url.starts_with("https://") {
        return Err(ControlError::new(
            StatusCode::BAD_REQUEST,
            format!("`{url}` is not an http(s) URL"),
            Value::Null,
        ));
    }
    let day = start_date_arg(&args)?;
    let url = match day {
        Some(d) => wire::with_start_date(url, d),
        None => url.to_owned(),
    };
    let day = match day {
        Some(d) => Some(d),
        None => wire::start_date_of(&url).ok().flatten(),
    };
    Ok((url, day))
}

/// The body as the pull's arguments: a JSON object (or nothing) with no keys
/// but `url` and `start_date`.
fn args_object(body: &[u8]) -> Result<Map<String, Value>, ControlError> {
    let args: Map<String, Value> = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice(body) {
            Ok(Value::Object(m)) => m,
            _ => {
                return Err(ControlError::new(
                    StatusCode::BAD_REQUEST,
                    "the body must be a JSON object",
                    json!(
                        "{\"url\": \"http://127.0.0.1:3000/support-endpoint.json\", \"start_date\": \"2025-01-01\"}"
                    ),
                ));
            }
        }
    };
    if let Some(k) = args.keys().find(|k| *k != "url" && *k != "start_date") {
        return Err(ControlError::new(
            StatusCode::BAD_REQUEST,
            format!("unknown argument `{k}`"),
            json!("url, start_date"),
        ));
    }
    Ok(args)
}

/// `start_date`, when given: a date such as `2025-01-01`.
fn start_date_arg(args: &Map<String, Value>) -> Result<Option<Date>, ControlError> {
    Ok(match args.get("start_date") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => match wire::parse_start_date(s) {
            Some(d) => Some(d),
            None => {
                return Err(ControlError::new(
                    StatusCode::BAD_REQUEST,
                    format!("start_date `{s}` is not a date such as 2025-01-01"),
                    Value::Null,
                ));
            }
        },
        Some(other) => {
            return Err(ControlError::new(
                StatusCode::BAD_REQUEST,
                format!("start_date must be a string such as \"2025-01-01\", not {other}"),
                Value::Null,
            ));
        }
    })
}

/// `ferndesk.pull`: one `GET` of `url` (journaled as outbound traffic), checked;
/// the report is kept as an audit and returned.
async fn pull(State(f): F, body: Bytes) -> Response {
    let (url, day) = match pull_args(&body) {
        Ok(args) => args,
        Err(e) => return e.into_response(),
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    let ua = &f.settings().pull.user_agent;
    if !ua.is_empty()
        && let Ok(v) = HeaderValue::from_str(ua)
    {
        headers.insert(header::USER_AGENT, v);
    }
    let request = Outgoing {
        method: Method::GET,
        url: url.clone(),
        headers,
        body: Bytes::new(),
    };
    let timeout_ms = f.settings().pull.timeout_ms;
    let delivery_id = format!("audit-{}", f.store().audits.len() + 1);
    let task = {
        let f = f.clone();
        tokio::spawn(async move {
            f.ctx()
                .sender
                .deliver(
                    "ferndesk",
                    &delivery_id,
                    Duration::from_millis(timeout_ms),
                    &NoRetry,
                    |_| request.clone(),
                )
                .await
        })
    };
    let outcome = match task.await {
        Ok(d) => d
            .attempts
            .into_iter()
            .next()
            .unwrap_or(Outcome::Failed("no attempt".to_owned())),
        Err(e) => Outcome::Failed(format!("the pull task failed: {e}")),
    };
    let fetch = Fetch::from_outcome(&outcome, timeout_ms.div_ceil(1000));
    let report = check::check(&url, &fetch, day, f.settings().pull.ingest);
    let reply = json!({
        "report": report,
        "exit_code": report.exit_code(),
        "conversations": report.ingested,
    });
    f.store().record(report);
    axum::Json(reply).into_response()
}

//! `call` and `send`: the request to make, and the judgement of its reply.

use serde_json::{Value, json};

use super::StepError;
use super::explain::{indent, pretty};
use crate::scenario::interp::Scope;
use crate::scenario::model::{CallAuth, CallStep, SendStep};

/// An HTTP call to a fake, filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpCall {
    /// The fake to call.
    pub vendor: String,
    /// The method, upper case.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Request headers, as the step gives them (plus a content type for a body).
    pub headers: Vec<(String, String)>,
    /// Add the vendor's seeded authorization.
    pub seeded_auth: bool,
    /// The body: a string as written, anything else as JSON.
    pub body: Option<String>,
}

/// A vendor's scenario action with its arguments, filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionCall {
    /// The vendor.
    pub vendor: String,
    /// The action's name.
    pub action: String,
    /// Its arguments (`{}` without `with:`).
    pub args: Value,
}

/// What a fake answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Headers as a JSON object.
    pub headers: Value,
    /// The body: JSON when it is JSON, else text; `null` when empty.
    pub body: Value,
}

/// The method of a `call` step: as written, else GET, or POST with a body.
pub(super) fn method(s: &CallStep) -> String {
    s.method.as_ref().map_or_else(
        || if s.body.is_some() { "POST" } else { "GET" }.to_owned(),
        |m| m.to_uppercase(),
    )
}

/// The request a `call` step makes.
pub(super) fn plan(s: &CallStep, scope: &Scope) -> Result<HttpCall, StepError> {
    let path = scope.text(&s.path)?;
    let method = method(s);
    if axum::http::Method::from_bytes(method.as_bytes()).is_err() {
        return Err(StepError::NotAMethod(method));
    }
    let has = |name: &str| s.headers.keys().any(|k| k.eq_ignore_ascii_case(name));
    let mut headers = Vec::new();
    for (k, v) in &s.headers {
        headers.push((k.clone(), scope.text(v)?));
    }
    let seeded_auth =
        !has("authorization") && s.auth.unwrap_or(CallAuth::Seeded) == CallAuth::Seeded;
    let mut body = None;
    if let Some(b) = &s.body {
        // A string is sent as written (a form, XML, a deliberately broken body);
        // anything else as JSON.
        let (text, kind) = match scope.value(b)? {
            Value::String(text) => (text, "text/plain; charset=utf-8"),
            other => (other.to_string(), "application/json"),
        };
        if !has("content-type") {
            headers.push(("content-type".to_owned(), kind.to_owned()));
        }
        body = Some(text);
    }
    Ok(HttpCall {
        vendor: s.call.0.clone(),
        method,
        path,
        headers,
        seeded_auth,
        body,
    })
}

/// Captures the reply of a `call` and checks its status.
pub(super) fn settle(s: &CallStep, reply: Reply, scope: &mut Scope) -> Result<(), StepError> {
    let ok = match s.status {
        Some(want) => reply.status == want,
        None => (200..300).contains(&reply.status),
    };
    let status = reply.status;
    let body = indent(&pretty(&reply.body), 2);
    if let Some(name) = &s.capture {
        scope.set(
            name,
            json!({"status": reply.status, "headers": reply.headers, "body": reply.body}),
        );
    }
    if ok {
        return Ok(());
    }
    let want = s
        .status
        .map_or_else(|| "a 2xx status".to_owned(), |w| format!("status {w}"));
    Err(StepError::Status {
        want,
        got: status,
        body,
    })
}

/// The action a `send` step runs.
pub(super) fn plan_send(s: &SendStep, scope: &Scope) -> Result<ActionCall, StepError> {
    let (vendor, action) = s.send.split();
    Ok(ActionCall {
        vendor: vendor.to_owned(),
        action: action.to_owned(),
        args: match &s.with {
            Some(w) => scope.value(w)?,
            None => json!({}),
        },
    })
}

/// Checks that the vendor accepted a `send`, and captures what it returned.
pub(super) fn settle_send(s: &SendStep, reply: Reply, scope: &mut Scope) -> Result<(), StepError> {
    if !(200..300).contains(&reply.status) {
        let (vendor, action) = s.send.split();
        return Err(StepError::Refused {
            vendor: vendor.to_owned(),
            action: action.to_owned(),
            status: reply.status,
            body: indent(&pretty(&reply.body), 2),
        });
    }
    if let Some(name) = &s.capture {
        scope.set(name, reply.body);
    }
    Ok(())
}

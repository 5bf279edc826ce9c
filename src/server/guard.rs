//! The control API's guard: one layer around every control route, so that a web
//! page the developer happens to visit cannot drive the fakes, and so every reply
//! is JSON.
//!
//! In order: the `Host` must be a loopback name or address, or the bound address
//! (403; stops DNS rebinding); an `Origin`, when sent, must be one too (403; stops
//! cross-site requests that carry no body); the bearer token, when one is set
//! (401); a body must be `application/json` (415; a cross-site form cannot send
//! that without asking first; an empty one from another site has its `Origin`). The body is then read whole, at most
//! `max_body_bytes` (413) with the body timeout between pieces (408). Errors that
//! are not JSON (an extractor's plain-text rejection) are wrapped as JSON.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use serde_json::{Value, json};

use super::record::{Read, read_limited};

/// What the guard checks against.
#[derive(Debug, Clone)]
pub(super) struct Policy {
    /// The address the control API is bound to.
    pub(super) bound: IpAddr,
    /// The bearer token every request must carry, when set.
    pub(super) token: Option<String>,
    /// Largest body accepted.
    pub(super) max_body: usize,
    /// Longest pause while a body arrives.
    pub(super) body_timeout: Duration,
}

/// A JSON error reply, as every control error is.
pub(super) fn error(status: StatusCode, message: &str, hint: Value) -> Response {
    (status, axum::Json(json!({"error": message, "hint": hint}))).into_response()
}

/// The guard, for `axum::middleware::from_fn_with_state`.
pub(super) async fn guard(State(policy): State<Arc<Policy>>, req: Request, next: Next) -> Response {
    if let Some(refusal) = policy.refusal(req.headers()) {
        return refusal;
    }
    let (parts, body) = req.into_parts();
    let bytes = match read_limited(body, policy.max_body, policy.body_timeout).await {
        Read::Whole(b) => b,
        Read::TooLarge(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("request body over {} bytes", policy.max_body),
                json!("control requests are small JSON documents; see --max-body-bytes"),
            );
        }
        Read::Stalled(_) => {
            return error(
                StatusCode::REQUEST_TIMEOUT,
                "request body paused longer than the body timeout",
                json!("see --body-timeout"),
            );
        }
        Read::Broken(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
                Value::Null,
            );
        }
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    as_json(response).await
}

impl Policy {
    /// Why the request is refused, checking Host, Origin, token and content type in
    /// that order; `None` when it may proceed.
    fn refusal(&self, headers: &HeaderMap) -> Option<Response> {
        if let Some(host) = headers.get(header::HOST)
            && !self.local_host(host.to_str().unwrap_or_default())
        {
            return Some(error(
                StatusCode::FORBIDDEN,
                "the Host header is not this machine",
                json!(
                    "the control API answers only Host: localhost, a loopback address or the bound address"
                ),
            ));
        }
        if let Some(origin) = headers.get(header::ORIGIN)
            && !self.local_origin(origin)
        {
            return Some(error(
                StatusCode::FORBIDDEN,
                "cross-origin requests to the control API are refused",
                json!("call the control API from a local tool or page, not from another site"),
            ));
        }
        if let Some(token) = &self.token
            && !bearer_matches(headers, token)
        {
            let mut r = error(
                StatusCode::UNAUTHORIZED,
                "a control token is required",
                json!("send Authorization: Bearer $FAKEDESK_CONTROL_TOKEN (see the env file)"),
            );
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return Some(r);
        }
        if has_body(headers) && !is_json(headers.get(header::CONTENT_TYPE)) {
            return Some(error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "control request bodies must be JSON",
                json!("send Content-Type: application/json"),
            ));
        }
        None
    }

    /// `localhost`, a loopback address, the bound address, or (bound to every
    /// interface) any address; never another name.
    fn local_host(&self, host: &str) -> bool {
        let name = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => host.rsplit_once(':').map_or(host, |(h, port)| {
                if port.bytes().all(|b| b.is_ascii_digit()) {
                    h
                } else {
                    host
                }
            }),
        };
        if name.eq_ignore_ascii_case("localhost") {
            return true;
        }
        match name.parse::<IpAddr>() {
            Ok(ip) => ip.is_loopback() || ip == self.bound || self.bound.is_unspecified(),
            Err(_) => false,
        }
    }

    fn local_origin(&self, origin: &HeaderValue) -> bool {
        let origin = origin.to_str().unwrap_or_default();
        match origin.split_once("://") {
            Some((scheme, host)) if scheme == "http" || scheme == "https" => {
                self.local_host(host.trim_end_matches('/'))
            }
            _ => false,
        }
    }
}

fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    // Compare every byte whatever differs first.
    let (a, b) = (given.trim().as_bytes(), token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0")
}

fn is_json(content_type: Option<&HeaderValue>) -> bool {
    let Some(ct) = content_type.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = ct.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json")
}

/// An error reply that is not JSON (an extractor's plain-text rejection) as
/// `{"error": text}`; anything else as it is.
async fn as_json(response: Response) -> Response {
    let status = response.status();
    let is_error = status.is_client_error() || status.is_server_error();
    if !is_error || is_json(response.headers().get(header::CONTENT_TYPE)) {
        return response;
    }
    let text = match response.into_body().collect().await {
        Ok(b) => String::from_utf8_lossy(&b.to_bytes()).into_owned(),
        Err(_) => String::new(),
    };
    error(status, text.trim(), Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(bound: &str) -> Policy {
        Policy {
            bound: bound.parse().unwrap(),
            token: None,
            max_body: 1024,
            body_timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn hosts_are_loopback_names_and_addresses_or_the_bound_one() {
        let p = policy("127.0.0.1");
        for ok in [
            "localhost",
            "LOCALHOST:4710",
            "127.0.0.1:4710",
            "[::1]:4710",
            "127.0.0.2",
        ] {
            assert!(p.local_host(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:4710",
            "localhost.evil.example",
            "10.0.0.5:4710",
        ] {
            assert!(!p.local_host(bad), "{bad}");
        }
        let lan = policy("10.0.0.5");
        assert!(lan.local_host("10.0.0.5:4710"));
        assert!(!lan.local_host("10.0.0.6:4710"));
        let any = policy("0.0.0.0");
        assert!(any.local_host("192.168.1.9:4710"));
        assert!(!any.local_host("rebind.example:4710"));
    }

    #[test]
    fn origins_must_be_local_too() {
        let p = policy("127.0.0.1");
        assert!(p.local_origin(&HeaderValue::from_static("http://localhost:3000")));
        assert!(!p.local_origin(&HeaderValue::from_static("https://evil.example")));
        assert!(!p.local_origin(&HeaderValue::from_static("null")));
    }

    #[test]
    fn json_content_types_include_parameters_and_suffixes() {
        assert!(is_json(Some(&HeaderValue::from_static(
            "application/json; charset=utf-8"
        ))));
        assert!(is_json(Some(&HeaderValue::from_static(
            "application/merge-patch+json"
        ))));
        assert!(!is_json(Some(&HeaderValue::from_static("text/plain"))));
        assert!(!is_json(None));
    }
}

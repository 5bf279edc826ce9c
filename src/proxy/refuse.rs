//! A host fakedesk does not fake: `502` with a JSON body saying so, journaled.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Request, Response, header};
use bytes::Bytes;

use super::{Proxy, REFUSED};
use crate::journal::{Body as JBody, Direction, Exchange, Headers, RequestRecord, ResponseRecord};

/// The answer's body.
fn body(host: &str) -> Bytes {
    let host = super::hosts::strip_port(host);
    Bytes::from(
        serde_json::json!({
            "error": "HostNotFaked",
            "description": format!(
                "fakedesk does not fake the host `{host}`, and it never forwards requests to the internet; \
                 the hostnames it answers are set per vendor with `proxy_hosts` in the config file"
            ),
            "host": host,
        })
        .to_string(),
    )
}

/// Refuses a plain proxy request after reading its body (for the journal).
pub(super) async fn refuse(proxy: &Proxy, req: Request<Body>, host: &str) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let req = Request::from_parts(parts, ());
    answer(proxy, &req, host, bytes)
}

/// Refuses a `CONNECT` (no body).
pub(super) fn refuse_now(proxy: &Proxy, req: &Request<Body>, host: &str) -> Response<Body> {
    let (parts, _) = Request::new(()).into_parts();
    let mut bare = Request::from_parts(parts, ());
    *bare.method_mut() = req.method().clone();
    *bare.uri_mut() = req.uri().clone();
    *bare.headers_mut() = req.headers().clone();
    answer(proxy, &bare, host, Bytes::new())
}

fn answer(proxy: &Proxy, req: &Request<()>, host: &str, req_body: Bytes) -> Response<Body> {
    let started_at = proxy.clock.now();
    let body = body(host);
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let (path, query) = match req.uri().path_and_query() {
        Some(pq) if req.uri().scheme().is_some() || req.uri().path() != "/" => {
            (pq.path().to_owned(), pq.query().map(str::to_owned))
        }
        _ => (req.uri().to_string(), None),
    };
    proxy.journal.record(Exchange {
        vendor: "proxy",
        direction: Direction::Inbound,
        request: RequestRecord {
            method: req.method().to_string(),
            path,
            query,
            headers: Headers::from_map(req.headers()),
            body: JBody(req_body),
            truncated: false,
            account: None,
        },
        response: Some(ResponseRecord {
            status: REFUSED.as_u16(),
            headers: Headers::from_map(&headers),
            body: JBody(body.clone()),
        }),
        error: Some(format!(
            "{} is not faked; nothing was forwarded",
            super::hosts::strip_port(host)
        )),
        outbound: None,
        fault: None,
        unmatched: false,
        started_at,
        duration_us: 0,
    });
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = REFUSED;
    *res.headers_mut() = headers;
    res
}

//! The record layer: wraps every vendor router, buffers each request and response
//! body once (as `Bytes`) and appends the exchange to the journal.
//!
//! It sits outermost, so what it records is exactly what the client sent and saw,
//! including rate-limit and authentication refusals. A body over the configured
//! limit never reaches the vendor: the vendor's own "too large" error answers it, and
//! the journal keeps the body's start, marked truncated.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body as AxumBody;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;

use crate::clock::Clock;
use crate::journal::{Body, Direction, Exchange, Headers, Journal, RequestRecord, ResponseRecord};
use crate::vendors::{Rejection, Vendor};

/// Most bytes of an oversized body the journal keeps.
const TRUNCATED_KEEP: usize = 64 * 1024;

/// What the record layer needs.
#[derive(Clone)]
pub struct Recorder {
    /// Where exchanges go.
    pub journal: Arc<Journal>,
    /// The vendor this router serves (its name, and its error for refusals).
    pub vendor: Arc<dyn Vendor>,
    /// The run's clock.
    pub clock: Arc<dyn Clock>,
    /// Largest request body accepted.
    pub max_body: usize,
}

enum Read {
    Whole(Bytes),
    TooLarge(Bytes),
    Broken(Bytes),
}

async fn read_limited(body: AxumBody, limit: usize) -> Read {
    use axum::body::HttpBody as _;
    if body.size_hint().exact() == Some(0) {
        return Read::Whole(Bytes::new());
    }
    let mut body = body;
    let mut buf = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Read::Broken(buf.freeze());
        };
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > limit {
                let keep = TRUNCATED_KEEP.saturating_sub(buf.len()).min(data.len());
                buf.extend_from_slice(&data[..keep]);
                buf.truncate(TRUNCATED_KEEP);
                return Read::TooLarge(buf.freeze());
            }
            buf.extend_from_slice(&data);
        }
    }
    Read::Whole(buf.freeze())
}

/// The middleware function (use with `axum::middleware::from_fn_with_state`).
pub async fn record(State(r): State<Recorder>, req: Request, next: Next) -> Response {
    let started_at = r.clock.now();
    let t0 = Instant::now();
    let (parts, body) = req.into_parts();
    let (body, truncated, refusal) = match read_limited(body, r.max_body).await {
        Read::Whole(b) => (b, false, None),
        Read::TooLarge(b) => (b, true, Some(Rejection::BodyTooLarge(r.max_body))),
        Read::Broken(b) => (b, false, Some(Rejection::BodyUnreadable)),
    };
    let request = RequestRecord {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: Headers::from_map(&parts.headers),
        body: Body(body.clone()),
        truncated,
    };
    let response = match refusal {
        Some(why) => r.vendor.reject(why),
        None => {
            next.run(Request::from_parts(parts, AxumBody::from(body)))
                .await
        }
    };
    let (rparts, rbody) = response.into_parts();
    // Handlers answer with complete bodies, so this only gathers what is there.
    let rbytes = rbody
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    r.journal.record(Exchange {
        vendor: r.vendor.name(),
        direction: Direction::Inbound,
        request,
        response: Some(ResponseRecord {
            status: rparts.status.as_u16(),
            headers: Headers::from_map(&rparts.headers),
            body: Body(rbytes.clone()),
        }),
        error: None,
        outbound: None,
        started_at,
        duration_us: u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX),
    });
    Response::from_parts(rparts, AxumBody::from(rbytes))
}

//! How an inbound fault becomes what the client sees.
//!
//! The record layer asks [`plan`] what to do with a faulted request, runs the plan
//! (waiting, calling the vendor or not), and hands the vendor's answer to [`shape`],
//! which returns both what the client will receive on the wire and what the journal
//! keeps: exactly the bytes the client gets before the connection ends.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header, response::Parts};
use axum::response::Response;
use bytes::Bytes;
use http_body::Frame;

use super::conn::Kill;
use super::{Action, Chosen};

/// How long a body that ends a connection stays pending first, so the bytes before
/// it are flushed to the client before the connection goes.
const SETTLE: Duration = Duration::from_millis(20);

/// What the record layer does with a faulted request.
#[derive(Debug)]
pub enum Plan {
    /// Wait `latency`, let the vendor answer, then shape the answer.
    Call {
        /// Before the vendor sees the request.
        latency: Duration,
        /// What happens to the answer on the wire.
        shape: Shape,
    },
    /// Answer this (the vendor's own error) without the vendor seeing the request.
    Answer(Response),
    /// No answer: wait, then end the connection.
    NoReply {
        /// How long the client waits for nothing.
        wait: Duration,
        /// How the connection ends.
        kill: Kill,
        /// The journal's `error`.
        error: &'static str,
    },
}

/// What happens to a vendor's answer on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Sent as it is.
    Whole,
    /// Status line and headers, then the connection closes.
    Close,
    /// The first `n` body bytes, then the connection closes.
    Truncate(usize),
    /// The body at this many bytes per second.
    Drip(u64),
    /// A 200 whose body is the answer's first half (not valid JSON).
    Malformed,
}

/// What to do for the rule chosen for a request; `error_reply` is the vendor's own
/// answer for a status (its error body and headers).
pub fn plan(chosen: &Chosen, error_reply: impl FnOnce(StatusCode) -> Response) -> Plan {
    let call = |shape| Plan::Call {
        latency: Duration::ZERO,
        shape,
    };
    match &chosen.action {
        Action::Latency(lo, hi) => {
            let span = hi.saturating_sub(*lo).as_millis() as u64;
            let extra = if span == 0 {
                0
            } else {
                chosen.draw % (span + 1)
            };
            Plan::Call {
                latency: *lo + Duration::from_millis(extra),
                shape: Shape::Whole,
            }
        }
        Action::Status(status, retry_after) => {
            let mut res = error_reply(*status);
            if let Some(secs) = retry_after {
                res.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*secs));
            }
            Plan::Answer(res)
        }
        Action::Reset => Plan::NoReply {
            wait: Duration::ZERO,
            kill: Kill::Reset,
            error: "connection reset before any reply (fault)",
        },
        Action::Timeout(wait) => Plan::NoReply {
            wait: *wait,
            kill: Kill::Drop,
            error: "no reply; connection dropped (timeout fault)",
        },
        Action::Close => call(Shape::Close),
        Action::Truncate(n) => call(Shape::Truncate(*n)),
        Action::Drip(rate) => call(Shape::Drip(*rate)),
        Action::Malformed => call(Shape::Malformed),
        // Outbound actions never reach the record layer.
        Action::Duplicate | Action::Reorder(_) | Action::Delay(_) | Action::Drop(_) => {
            call(Shape::Whole)
        }
    }
}

/// The vendor's answer shaped: `(parts, journaled body, wire response)`.
pub fn shape(shape: Shape, mut parts: Parts, body: Bytes) -> (Parts, Bytes, Response) {
    match shape {
        Shape::Whole => {
            let wire = Response::from_parts(parts.clone(), Body::from(body.clone()));
            (parts, body, wire)
        }
        Shape::Malformed => {
            let cut = if body.len() >= 2 {
                body.slice(..body.len() / 2)
            } else {
                Bytes::from_static(b"{\"")
            };
            parts.status = StatusCode::OK;
            parts.headers.remove(header::CONTENT_LENGTH);
            let wire = Response::from_parts(parts.clone(), Body::from(cut.clone()));
            (parts, cut, wire)
        }
        Shape::Close | Shape::Truncate(_) => {
            let keep = match shape {
                Shape::Truncate(n) => body.slice(..n.min(body.len())),
                _ => Bytes::new(),
            };
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
            let wire = Response::from_parts(
                parts.clone(),
                Body::new(Paced::new(keep.clone(), None, true)),
            );
            (parts, keep, wire)
        }
        Shape::Drip(rate) => {
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
            let wire = Response::from_parts(
                parts.clone(),
                Body::new(Paced::new(body.clone(), Some(rate), false)),
            );
            (parts, body, wire)
        }
    }
}

/// The answer to a request that gets none: no byte is written, and the connection
/// ends as `kill` says.
pub fn no_reply(kill: Kill) -> Response {
    let mut res = Response::new(Body::new(Paced::new(Bytes::new(), None, true)));
    res.extensions_mut().insert(kill);
    res
}

/// A body sent in paced chunks, optionally failing at the end (which makes the
/// server close the connection where the bytes stop).
struct Paced {
    rest: Bytes,
    chunk: usize,
    every: Duration,
    fail: bool,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    settled: bool,
}

impl Paced {
    fn new(body: Bytes, rate: Option<u64>, fail: bool) -> Self {
        let (chunk, every) = match rate {
            // Ten chunks a second, or one byte at a time below ten bytes a second.
            Some(r) => {
                let chunk = (r / 10).max(1);
                (chunk as usize, Duration::from_micros(chunk * 1_000_000 / r))
            }
            None => (usize::MAX, Duration::ZERO),
        };
        Self {
            rest: body,
            chunk,
            every,
            fail,
            timer: None,
            settled: false,
        }
    }
}

/// The error that ends a cut-short body.
#[derive(Debug, thiserror::Error)]
#[error("connection closed by a fault")]
pub struct Cut;

impl http_body::Body for Paced {
    type Data = Bytes;
    type Error = Cut;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Cut>>> {
        let this = &mut *self;
        if !this.rest.is_empty() {
            if !this.every.is_zero() {
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(this.every)));
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.timer = None;
            }
            let n = this.chunk.min(this.rest.len());
            return Poll::Ready(Some(Ok(Frame::data(this.rest.split_to(n)))));
        }
        if !this.fail {
            return Poll::Ready(None);
        }
        if !this.settled {
            let timer = this
                .timer
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(SETTLE)));
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.settled = true;
        }
        Poll::Ready(Some(Err(Cut)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn parts() -> Parts {
        let mut res = Response::new(());
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        res.into_parts().0
    }

    #[tokio::test(start_paused = true)]
    async fn a_dripped_body_takes_its_length_over_its_rate() {
        let body = Bytes::from(vec![b'x'; 1000]);
        let (_, kept, wire) = shape(Shape::Drip(100), parts(), body.clone());
        assert_eq!(kept, body);
        let t0 = tokio::time::Instant::now();
        let got = wire.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(got, body);
        assert_eq!(t0.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn a_truncated_body_gives_its_bytes_then_fails() {
        let (p, kept, wire) = shape(
            Shape::Truncate(4),
            parts(),
            Bytes::from_static(b"{\"a\":12345}"),
        );
        assert_eq!(&kept[..], b"{\"a\"");
        assert_eq!(p.headers[header::CONTENT_LENGTH], "11");
        let mut body = wire.into_body();
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(&first[..], b"{\"a\"");
        assert!(body.frame().await.unwrap().is_err());
    }

    #[test]
    fn a_malformed_answer_is_a_200_that_does_not_parse() {
        let mut p = parts();
        p.status = StatusCode::CREATED;
        let (p, kept, _) = shape(Shape::Malformed, p, Bytes::from_static(b"{\"ticket\":{}}"));
        assert_eq!(p.status, StatusCode::OK);
        assert!(serde_json::from_slice::<serde_json::Value>(&kept).is_err());
        let (_, empty, _) = shape(Shape::Malformed, parts(), Bytes::new());
        assert!(serde_json::from_slice::<serde_json::Value>(&empty).is_err());
    }
}

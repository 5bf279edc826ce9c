//! The 408 a connection writes itself when a request's header stalls: prepared once
//! per port, in the vendor's own error envelope on vendor ports (and journaled
//! there), in the control API's JSON on the control port.

use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use axum::body::HttpBody as _;
use axum::http::header;
use axum::response::Response;
use bytes::{Bytes, BytesMut};

use super::timed_io::StallReply;
use crate::clock::Clock;
use crate::journal::{Body, Direction, Exchange, Headers, Journal, RequestRecord, ResponseRecord};
use crate::vendors::{Rejection, Vendor};

/// A response's bytes on the wire (closing the connection), and its journal record.
/// Only for responses whose body is complete at once, as every error is.
pub fn wire_bytes(response: Response) -> (Bytes, ResponseRecord) {
    let (parts, mut body) = response.into_parts();
    let mut cx = Context::from_waker(Waker::noop());
    let content = match std::pin::Pin::new(&mut body).poll_frame(&mut cx) {
        Poll::Ready(Some(Ok(frame))) => frame.into_data().unwrap_or_default(),
        _ => Bytes::new(),
    };
    let mut out = BytesMut::new();
    let reason = parts.status.canonical_reason().unwrap_or("");
    out.extend_from_slice(format!("HTTP/1.1 {} {reason}\r\n", parts.status.as_u16()).as_bytes());
    for (name, value) in &parts.headers {
        if name == header::CONTENT_LENGTH || name == header::CONNECTION {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(
        format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            content.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&content);
    let record = ResponseRecord {
        status: parts.status.as_u16(),
        headers: Headers::from_map(&parts.headers),
        body: Body(content),
    };
    (out.freeze(), record)
}

/// A vendor port's 408: the vendor's envelope, journaled with what was received.
pub struct VendorStall {
    vendor: &'static str,
    journal: Arc<Journal>,
    clock: Arc<dyn Clock>,
    wire: Bytes,
    record: ResponseRecord,
    timeout_secs: f64,
}

impl VendorStall {
    /// Prepares `vendor`'s 408.
    pub fn new(
        vendor: &Arc<dyn Vendor>,
        journal: Arc<Journal>,
        clock: Arc<dyn Clock>,
        timeout: std::time::Duration,
    ) -> Self {
        let (wire, record) = wire_bytes(vendor.reject(Rejection::TimedOut));
        Self {
            vendor: vendor.name(),
            journal,
            clock,
            wire,
            record,
            timeout_secs: timeout.as_secs_f64(),
        }
    }
}

impl StallReply for VendorStall {
    fn reply(&self, received: &[u8]) -> Bytes {
        let (method, path, query) = request_line(received);
        self.journal.record(Exchange {
            vendor: self.vendor,
            direction: Direction::Inbound,
            request: RequestRecord {
                method,
                path,
                query,
                headers: Headers::default(),
                body: Body::default(),
                truncated: true,
                account: None,
            },
            response: Some(self.record.clone()),
            error: Some(format!(
                "request header not complete within {}s (header timeout)",
                self.timeout_secs
            )),
            outbound: None,
            fault: None,
            unmatched: false,
            started_at: self.clock.now(),
            duration_us: (self.timeout_secs * 1e6) as u64,
        });
        self.wire.clone()
    }
}

/// The control port's 408, in its JSON.
pub struct ControlStall(pub Bytes);

impl StallReply for ControlStall {
    fn reply(&self, _received: &[u8]) -> Bytes {
        self.0.clone()
    }
}

/// Method, path and query from the start of a request, as far as they arrived.
fn request_line(received: &[u8]) -> (String, String, Option<String>) {
    let text = String::from_utf8_lossy(received);
    let line = text.split(['\r', '\n']).next().unwrap_or_default();
    let mut words = line.split(' ');
    let method = words.next().unwrap_or_default().to_owned();
    let target = words.next().unwrap_or_default();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (target.to_owned(), None),
    };
    (method, path, query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_request_line_still_names_what_arrived() {
        assert_eq!(
            request_line(b"POST /api/v2/tickets.json?a=1 HTTP/1.1\r\nHost: x"),
            (
                "POST".to_owned(),
                "/api/v2/tickets.json".to_owned(),
                Some("a=1".to_owned())
            )
        );
        assert_eq!(request_line(b"GE"), ("GE".to_owned(), String::new(), None));
    }

    #[test]
    fn wire_bytes_close_the_connection_and_state_the_length() {
        let response = (
            axum::http::StatusCode::REQUEST_TIMEOUT,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"error\":\"x\"}",
        );
        let (wire, record) = wire_bytes(axum::response::IntoResponse::into_response(response));
        let text = String::from_utf8(wire.to_vec()).unwrap();
        assert!(
            text.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
            "{text}"
        );
        assert!(text.contains("content-length: 13\r\nconnection: close\r\n\r\n{\"error\":\"x\"}"));
        assert_eq!(record.status, 408);
    }
}

//! One recorded exchange, and how it serializes for the control API and snapshots.

use axum::http::HeaderMap;
use base64::Engine as _;
use bytes::Bytes;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use time::OffsetDateTime;

use crate::clock::iso_millis;

/// Who called whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The system under test called a fake vendor's API.
    Inbound,
    /// A fake vendor called the system under test (webhook, hook, pull).
    Outbound,
}

/// A body as received or sent. Stored once as [`Bytes`]; every reader shares it.
///
/// Serializes as the JSON value when the bytes are JSON, as a string when they are
/// UTF-8 text, and as `{"base64": ...}` otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Body(pub Bytes);

impl Body {
    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        if self.0.is_empty() {
            return None;
        }
        serde_json::from_slice(&self.0).ok()
    }
}

impl Serialize for Body {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_empty() {
            return s.serialize_none();
        }
        if let Some(v) = self.json() {
            return v.serialize(s);
        }
        match std::str::from_utf8(&self.0) {
            Ok(text) => s.serialize_str(text),
            Err(_) => {
                let mut m = s.serialize_map(Some(1))?;
                let encoded = base64::engine::general_purpose::STANDARD.encode(&self.0);
                m.serialize_entry("base64", &encoded)?;
                m.end()
            }
        }
    }
}

/// Headers in the order they were seen, kept as one owned `name: value` block.
///
/// Owned on purpose: a `HeaderMap` from the server shares its values with the
/// connection's read buffer, so keeping it would keep kilobytes per entry alive.
/// Serializes as an object; repeated names are joined with `, `.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Box<str>);

impl Headers {
    /// Copies `map` (values that are not UTF-8 are kept lossily).
    pub fn from_map(map: &HeaderMap) -> Self {
        Self::copy(map, |_| true)
    }

    /// Copies the headers of an answer whose body is `body_len` bytes, leaving out a
    /// `content-length` that only states that length (the server's framing, not the
    /// vendor's answer); one that differs (a fault's cut body) is kept.
    pub fn of_answer(map: &HeaderMap, body_len: usize) -> Self {
        use axum::http::header::CONTENT_LENGTH;
        let framing = map.get(CONTENT_LENGTH).is_some_and(|v| {
            std::str::from_utf8(v.as_bytes())
                .ok()
                .and_then(|v| v.parse::<usize>().ok())
                == Some(body_len)
        });
        if framing {
            Self::copy(map, |name| *name != CONTENT_LENGTH)
        } else {
            Self::from_map(map)
        }
    }

    fn copy(map: &HeaderMap, keep: impl Fn(&axum::http::HeaderName) -> bool) -> Self {
        // One exact allocation and one UTF-8 check of the whole block: this runs
        // twice per recorded request. Names are ASCII, so the block is UTF-8
        // exactly when every value is.
        let kept = || map.iter().filter(|(name, _)| keep(name));
        let len = kept()
            .map(|(name, value)| name.as_str().len() + value.len() + 3)
            .sum();
        let mut block = Vec::with_capacity(len);
        for (name, value) in kept() {
            block.extend_from_slice(name.as_str().as_bytes());
            block.extend_from_slice(b": ");
            block.extend_from_slice(value.as_bytes());
            block.push(b'\n');
        }
        match String::from_utf8(block) {
            Ok(text) => Self(text.into_boxed_str()),
            Err(_) => Self::copy_lossy(kept()),
        }
    }

    fn copy_lossy<'a>(
        headers: impl Iterator<Item = (&'a axum::http::HeaderName, &'a axum::http::HeaderValue)>,
    ) -> Self {
        let mut text = String::new();
        for (name, value) in headers {
            text.push_str(name.as_str());
            text.push_str(": ");
            text.push_str(&String::from_utf8_lossy(value.as_bytes()));
            text.push('\n');
        }
        Self(text.into_boxed_str())
    }

    /// `(name, value)` pairs in order; names are lowercase.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.lines().filter_map(|l| l.split_once(": "))
    }

    /// Bytes stored for the headers.
    pub fn byte_len(&self) -> usize {
        self.0.len()
    }

    /// The first value of `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
}

impl Serialize for Headers {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut joined: Vec<(&str, String)> = Vec::new();
        for (k, v) in self.iter() {
            match joined.iter_mut().find(|(name, _)| *name == k) {
                Some((_, existing)) => {
                    existing.push_str(", ");
                    existing.push_str(v);
                }
                None => joined.push((k, v.to_owned())),
            }
        }
        let mut m = s.serialize_map(Some(joined.len()))?;
        for (k, v) in &joined {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// The request half of an exchange.
#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Path without the query string.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Request headers.
    pub headers: Headers,
    /// Request body (possibly cut short, see `truncated`).
    pub body: Body,
    /// Whether the body was longer than the fake accepts and only its start is kept.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// The vendor account the request was for (Zendesk: the subdomain).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<std::sync::Arc<str>>,
}

/// The response half of an exchange.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseRecord {
    /// HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: Headers,
    /// Response body.
    pub body: Body,
}

/// A recorded exchange, before the journal gives it a sequence number.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Vendor name, e.g. `zendesk`.
    pub vendor: &'static str,
    /// Who called whom.
    pub direction: Direction,
    /// What was asked.
    pub request: RequestRecord,
    /// What was answered; `None` when no answer came (see `error`).
    pub response: Option<ResponseRecord>,
    /// Why there is no response (connection refused, timeout), for outbound calls.
    pub error: Option<String>,
    /// For outbound calls: the full target URL and which attempt this was (from 1).
    pub outbound: Option<OutboundInfo>,
    /// When the exchange began.
    pub started_at: OffsetDateTime,
    /// How long it took, in microseconds.
    pub duration_us: u64,
    /// The fault rule that shaped this exchange, if one did.
    pub fault: Option<FaultMark>,
    /// An inbound call to a path or method the fake does not implement (answered
    /// with the vendor's own 404 or 405).
    pub unmatched: bool,
}

/// Which fault rule shaped an exchange, and how: journaled as `fault: {id, action}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FaultMark {
    /// The rule's id, as `GET /faults` lists it.
    pub id: u64,
    /// The action applied, e.g. `status`, `reset`, `duplicate`.
    pub action: &'static str,
}

/// Where an outbound call went, and which try it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboundInfo {
    /// The full URL called.
    pub url: String,
    /// 1 for the first try, 2 for the first retry, ...
    pub attempt: u32,
    /// Groups the attempts of one delivery (e.g. a Zendesk invocation id).
    pub delivery: String,
}

/// A journaled exchange with its place in the run's single timeline.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Position in the journal, from 1, never reused within a run (reset starts over).
    pub seq: u64,
    /// The exchange itself.
    pub exchange: Exchange,
    /// The request body's length when only its start is stored (the journal's
    /// per-entry body cap).
    pub request_body_len: Option<u64>,
    /// The response body's length when only its start is stored.
    pub response_body_len: Option<u64>,
}

/// Bytes an entry costs beyond its variable parts (the entry, its `Arc`, the
/// records and their boxes), so many tiny entries still count.
const ENTRY_OVERHEAD: usize = 256;

impl Entry {
    /// An entry whose bodies are stored whole.
    pub fn new(seq: u64, exchange: Exchange) -> Self {
        Self {
            seq,
            exchange,
            request_body_len: None,
            response_body_len: None,
        }
    }

    /// Bytes the entry stores: headers, bodies, path, query, URL and error, plus a
    /// fixed overhead. The journal's byte budget counts these.
    pub fn stored_bytes(&self) -> usize {
        let x = &self.exchange;
        let r = &x.request;
        let request = r.method.len()
            + r.path.len()
            + r.query.as_ref().map_or(0, String::len)
            + r.headers.byte_len()
            + r.body.0.len();
        let response = x
            .response
            .as_ref()
            .map_or(0, |r| r.headers.byte_len() + r.body.0.len());
        let outbound = x
            .outbound
            .as_ref()
            .map_or(0, |o| o.url.len() + o.delivery.len());
        ENTRY_OVERHEAD + request + response + outbound + x.error.as_ref().map_or(0, String::len)
    }
}

impl Serialize for Entry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let x = &self.exchange;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("seq", &self.seq)?;
        m.serialize_entry("vendor", x.vendor)?;
        if let Some(a) = &x.request.account {
            m.serialize_entry("account", a)?;
        }
        m.serialize_entry("direction", &x.direction)?;
        m.serialize_entry("method", &x.request.method)?;
        m.serialize_entry("path", &x.request.path)?;
        m.serialize_entry("query", &x.request.query)?;
        if let Some(o) = &x.outbound {
            m.serialize_entry("url", &o.url)?;
            m.serialize_entry("attempt", &o.attempt)?;
            m.serialize_entry("delivery", &o.delivery)?;
        }
        m.serialize_entry("started_at", &iso_millis(x.started_at))?;
        m.serialize_entry("duration_us", &x.duration_us)?;
        m.serialize_entry("request", &RequestView(&x.request, self.request_body_len))?;
        m.serialize_entry(
            "response",
            &x.response
                .as_ref()
                .map(|r| ResponseView(r, self.response_body_len)),
        )?;
        if let Some(err) = &x.error {
            m.serialize_entry("error", err)?;
        }
        if let Some(fault) = &x.fault {
            m.serialize_entry("fault", fault)?;
        }
        if x.unmatched {
            m.serialize_entry("unmatched", &true)?;
        }
        m.end()
    }
}

/// The request without the fields already shown at the entry's top level, and
/// with the body's original length when only its start is stored.
struct RequestView<'a>(&'a RequestRecord, Option<u64>);

impl Serialize for RequestView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("headers", &self.0.headers)?;
        m.serialize_entry("body", &self.0.body)?;
        if self.0.truncated || self.1.is_some() {
            m.serialize_entry("truncated", &true)?;
        }
        if let Some(len) = self.1 {
            m.serialize_entry("original_length", &len)?;
        }
        m.end()
    }
}

/// The response, with the body's original length when only its start is stored.
struct ResponseView<'a>(&'a ResponseRecord, Option<u64>);

impl Serialize for ResponseView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("status", &self.0.status)?;
        m.serialize_entry("headers", &self.0.headers)?;
        m.serialize_entry("body", &self.0.body)?;
        if let Some(len) = self.1 {
            m.serialize_entry("truncated", &true)?;
            m.serialize_entry("original_length", &len)?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_serializes_json_as_json_text_as_string_and_binary_as_base64() {
        let json = serde_json::to_value(Body(Bytes::from_static(b"{\"a\":1}"))).unwrap();
        assert_eq!(json, serde_json::json!({"a": 1}));
        let text = serde_json::to_value(Body(Bytes::from_static(b"Too Many Requests"))).unwrap();
        assert_eq!(text, serde_json::json!("Too Many Requests"));
        let bin = serde_json::to_value(Body(Bytes::from_static(&[0xff, 0x00]))).unwrap();
        assert_eq!(bin, serde_json::json!({"base64": "/wA="}));
        let empty = serde_json::to_value(Body::default()).unwrap();
        assert_eq!(empty, serde_json::Value::Null);
    }

    #[test]
    fn values_that_are_not_utf8_are_kept_lossily() {
        let mut h = HeaderMap::new();
        h.append("x-a", "plain".parse().unwrap());
        h.append(
            "x-b",
            axum::http::HeaderValue::from_bytes(b"caf\xe9").unwrap(),
        );
        let headers = Headers::from_map(&h);
        assert_eq!(headers.get("x-a"), Some("plain"));
        assert_eq!(headers.get("x-b"), Some("caf\u{fffd}"));
    }

    #[test]
    fn repeated_headers_are_joined_in_order() {
        let mut h = HeaderMap::new();
        h.append("x-a", "1".parse().unwrap());
        h.append("x-a", "2".parse().unwrap());
        h.append("content-type", "text/plain".parse().unwrap());
        let headers = Headers::from_map(&h);
        let v = serde_json::to_value(&headers).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"x-a": "1, 2", "content-type": "text/plain"})
        );
        assert_eq!(headers.get("Content-Type"), Some("text/plain"));
    }

    #[test]
    fn an_answer_keeps_its_length_only_when_it_is_not_the_body_length() {
        let mut h = HeaderMap::new();
        h.insert("content-type", "application/json".parse().unwrap());
        h.insert("content-length", "11".parse().unwrap());
        h.insert("x-after", "kept".parse().unwrap());
        let framing = Headers::of_answer(&h, 11);
        assert_eq!(
            framing.iter().collect::<Vec<_>>(),
            [("content-type", "application/json"), ("x-after", "kept")]
        );
        // A length the body does not have (a cut body) is part of what was seen.
        let cut = Headers::of_answer(&h, 4);
        assert_eq!(cut.get("content-length"), Some("11"));
        assert_eq!(cut.byte_len(), Headers::from_map(&h).byte_len());
    }
}

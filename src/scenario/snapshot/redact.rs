//! The redactor: learns a scenario's ids, then rewrites each exchange with
//! placeholders.

use std::collections::{BTreeMap, HashMap, HashSet};

use regex::Captures;
use serde::Serialize;
use serde_json::{Map, Value};

use super::classify::*;
use crate::journal::{Body, Direction, Entry, Headers};

/// Replaces volatile values by numbered placeholders, consistently within one
/// scenario (see the module documentation for the rules).
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// (text to find, replacement), longest first.
    urls: Vec<(String, String)>,
    seen: HashMap<(Kind, String), String>,
    counts: [u32; Kind::ALL],
    /// Values learnt from id-named keys, replaced where they are path segments.
    known_ids: HashSet<String>,
}

impl Redactor {
    /// `urls`: (base URL such as `http://127.0.0.1:41234`, label such as
    /// `fakedesk.acme.url`) pairs; each URL (and its `host:port`) is replaced by
    /// `${label}` wherever it appears.
    pub fn new(urls: Vec<(String, String)>) -> Self {
        let mut needles = Vec::new();
        for (url, label) in urls {
            let url = url.trim_end_matches('/');
            if url.is_empty() {
                continue;
            }
            let replacement = format!("${{{label}}}");
            if let Some((_, authority)) = url.split_once("://")
                && !authority.is_empty()
            {
                needles.push((authority.to_owned(), replacement.clone()));
            }
            needles.push((url.to_owned(), replacement));
        }
        needles.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        needles.dedup_by(|a, b| a.0 == b.0);
        Self {
            urls: needles,
            ..Self::default()
        }
    }

    /// The value with every volatile part replaced. Ids named by keys anywhere in `v`
    /// are also replaced where they appear in paths and URLs inside `v`.
    pub fn redact_value(&mut self, v: &serde_json::Value) -> serde_json::Value {
        self.learn(v, None);
        self.value(v, None)
    }

    /// A string with fake URLs, local ports, times, ids and known ids in paths replaced.
    pub fn redact_str(&mut self, s: &str) -> String {
        self.text(s)
    }

    pub(super) fn placeholder(&mut self, kind: Kind, raw: &str) -> String {
        if is_placeholder(raw) {
            return raw.to_owned();
        }
        let key = (kind, raw.to_owned());
        if let Some(p) = self.seen.get(&key) {
            return p.clone();
        }
        let n = &mut self.counts[kind as usize];
        *n += 1;
        let p = format!("[{}:{n}]", kind.name());
        self.seen.insert(key, p.clone());
        p
    }

    pub(super) fn learn_id(&mut self, raw: &str) {
        if !raw.is_empty() && !is_placeholder(raw) {
            self.known_ids.insert(raw.to_owned());
        }
    }

    pub(super) fn learn(&mut self, v: &Value, key: Option<&str>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    self.learn(x, Some(k));
                }
            }
            Value::Array(a) => {
                for x in a {
                    self.learn(x, key);
                }
            }
            Value::String(s) if key.is_some_and(|k| classify_key(k) == KeyClass::Id) => {
                self.learn_id(s);
            }
            Value::Number(n) if key.is_some_and(|k| classify_key(k) == KeyClass::Id) => {
                self.learn_id(&n.to_string());
            }
            _ => {}
        }
    }

    pub(super) fn learn_query(&mut self, q: &str) {
        for pair in q.split('&') {
            if let Some((k, v)) = pair.split_once('=')
                && classify_key(k) == KeyClass::Id
            {
                for item in v.split(',') {
                    self.learn_id(item);
                }
            }
        }
    }

    pub(super) fn learn_entry(&mut self, e: &Entry) {
        let x = &e.exchange;
        if let Some(q) = &x.request.query {
            self.learn_query(q);
        }
        let mut headers = vec![&x.request.headers];
        headers.extend(x.response.as_ref().map(|r| &r.headers));
        for h in headers {
            for (name, value) in h.iter() {
                if header_class(name) == KeyClass::Id {
                    self.learn_id(value);
                }
            }
        }
        let mut bodies = vec![(&x.request.body, &x.request.headers)];
        bodies.extend(x.response.as_ref().map(|r| (&r.body, &r.headers)));
        for (body, headers) in bodies {
            if let Some(v) = body.json() {
                self.learn(&v, None);
            } else if is_form(headers)
                && let Ok(text) = std::str::from_utf8(&body.0)
            {
                self.learn_query(text);
            }
        }
    }

    pub(super) fn value(&mut self, v: &Value, key: Option<&str>) -> Value {
        let class = key.map_or(KeyClass::Plain, classify_key);
        match v {
            Value::Object(m) => {
                // Visit keys in sorted order so placeholders are numbered in reading
                // order whatever order the map keeps.
                let sorted: BTreeMap<&String, &Value> = m.iter().collect();
                let mut out = Map::new();
                for (k, x) in sorted {
                    let redacted = self.value(x, Some(k));
                    out.insert(k.clone(), redacted);
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| self.value(x, key)).collect()),
            Value::Null | Value::Bool(_) => v.clone(),
            Value::Number(n) => match number_kind(n, class) {
                Some(kind) => Value::String(self.placeholder(kind, &n.to_string())),
                None => v.clone(),
            },
            Value::String(s) => Value::String(self.keyed_str(s, class)),
        }
    }

    /// A string under a key of class `class`.
    pub(super) fn keyed_str(&mut self, s: &str, class: KeyClass) -> String {
        if s.is_empty() {
            return String::new();
        }
        match class {
            KeyClass::Id => self.placeholder(Kind::Id, s),
            KeyClass::Time if is_epoch_str(s) => self.placeholder(Kind::Time, s),
            KeyClass::Signature => self.placeholder(Kind::Signature, s),
            KeyClass::Token => self.placeholder(Kind::Token, s),
            KeyClass::Time | KeyClass::Plain => self.text(s),
        }
    }

    /// Each fake's URL replaced by its label.
    pub(super) fn replace_urls(&self, s: &str) -> String {
        let mut s = s.to_owned();
        for (needle, replacement) in &self.urls {
            if s.contains(needle.as_str()) {
                s = replace_bounded(&s, needle, replacement);
            }
        }
        s
    }

    /// Local ports, times and ids found by their shape.
    pub(super) fn scan(&mut self, s: &str) -> String {
        PATTERNS
            .replace_all(s, |c: &Captures<'_>| self.pattern(c))
            .into_owned()
    }

    pub(super) fn pattern(&mut self, c: &Captures<'_>) -> String {
        if let (Some(host), Some(port)) = (c.name("host"), c.name("port")) {
            return format!(
                "{}:{}",
                host.as_str(),
                self.placeholder(Kind::Port, port.as_str())
            );
        }
        let whole = &c[0];
        if c.name("time").is_some() || c.name("httpdate").is_some() {
            self.placeholder(Kind::Time, whole)
        } else {
            self.placeholder(Kind::Id, whole)
        }
    }

    /// Any text: fake URLs, then the shapes; in URL-like text (a path, or text with a
    /// URL) also known ids in path segments and the key rules in the query.
    pub(super) fn text(&mut self, s: &str) -> String {
        let s = self.replace_urls(s);
        if !(s.starts_with('/') || s.starts_with("${") || s.contains("://")) {
            return self.scan(&s);
        }
        let (path, query) = match s.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (s.as_str(), None),
        };
        let path = self.scan(path);
        let mut out = path
            .split('/')
            .map(|seg| self.segment(seg))
            .collect::<Vec<_>>()
            .join("/");
        if let Some(q) = query {
            out.push('?');
            out.push_str(&self.query_pairs(q));
        }
        out
    }

    /// A path segment: a known id, a known id's `stem.ext`, or a list of them.
    pub(super) fn segment(&mut self, seg: &str) -> String {
        seg.split(',')
            .map(|item| {
                if self.known_ids.contains(item) {
                    return self.placeholder(Kind::Id, item);
                }
                if let Some((stem, ext)) = item.split_once('.')
                    && self.known_ids.contains(stem)
                {
                    return format!("{}.{ext}", self.placeholder(Kind::Id, stem));
                }
                item.to_owned()
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// A query string (or form body): the key rules per parameter, then the shapes and
    /// known ids in the other values.
    pub(super) fn query(&mut self, q: &str) -> String {
        let q = self.replace_urls(q);
        self.query_pairs(&q)
    }

    pub(super) fn query_pairs(&mut self, q: &str) -> String {
        q.split('&')
            .map(|pair| {
                let Some((k, v)) = pair.split_once('=') else {
                    return self.scan(pair);
                };
                let v = match classify_key(k) {
                    KeyClass::Id => v
                        .split(',')
                        .map(|item| self.keyed_str(item, KeyClass::Id))
                        .collect::<Vec<_>>()
                        .join(","),
                    KeyClass::Time if is_epoch_str(v) => self.placeholder(Kind::Time, v),
                    KeyClass::Plain | KeyClass::Time => {
                        let v = self.scan(v);
                        self.segment(&v)
                    }
                    class => self.keyed_str(v, class),
                };
                format!("{k}={v}")
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    pub(super) fn header(&mut self, name: &str, value: &str) -> String {
        if value.is_empty() {
            return String::new();
        }
        if name == "authorization" || name == "proxy-authorization" {
            return match value.split_once(' ') {
                Some((scheme, credentials)) if !credentials.trim().is_empty() => {
                    format!(
                        "{scheme} {}",
                        self.placeholder(Kind::Token, credentials.trim())
                    )
                }
                _ => self.placeholder(Kind::Token, value),
            };
        }
        match header_class(name) {
            KeyClass::Time => self.placeholder(Kind::Time, value),
            KeyClass::Plain => self.text(value),
            class => self.keyed_str(value, class),
        }
    }

    pub(super) fn headers(&mut self, h: &Headers) -> BTreeMap<String, String> {
        let mut joined: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in h.iter() {
            let name = name.to_ascii_lowercase();
            if DROPPED_HEADERS.contains(&name.as_str()) {
                continue;
            }
            joined
                .entry(name)
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(value);
                })
                .or_insert_with(|| value.to_owned());
        }
        joined
            .into_iter()
            .map(|(name, value)| {
                let redacted = self.header(&name, &value);
                (name, redacted)
            })
            .collect()
    }

    pub(super) fn body(&mut self, body: &Body, headers: &Headers) -> Option<Value> {
        if body.0.is_empty() {
            return None;
        }
        if let Some(v) = body.json() {
            return Some(self.value(&v, None));
        }
        match std::str::from_utf8(&body.0) {
            Ok(text) if is_form(headers) => Some(Value::String(self.query(text))),
            Ok(text) => Some(Value::String(self.text(text))),
            // Binary: as the journal shows it, unredacted.
            Err(_) => Some(serde_json::to_value(body).unwrap_or(Value::Null)),
        }
    }

    pub(super) fn entry(&mut self, e: &Entry) -> (String, View) {
        let x = &e.exchange;
        let path = self.text(&x.request.path);
        let query = x.request.query.as_deref().map(|q| self.query(q));
        let (url, attempt, delivery) = match &x.outbound {
            Some(o) => (
                Some(self.text(&o.url)),
                Some(o.attempt),
                Some(self.keyed_str(&o.delivery, KeyClass::Id)),
            ),
            None => (None, None, None),
        };
        let request = Half {
            status: None,
            headers: self.headers(&x.request.headers),
            body: self.body(&x.request.body, &x.request.headers),
            truncated: x.request.truncated || e.request_body_len.is_some(),
        };
        let response = x.response.as_ref().map(|r| Half {
            status: Some(r.status),
            headers: self.headers(&r.headers),
            body: self.body(&r.body, &r.headers),
            truncated: e.response_body_len.is_some(),
        });
        let error = x.error.as_deref().map(|err| self.text(err));
        let target = match (&url, &query) {
            (Some(url), _) => url.clone(),
            (None, Some(q)) => format!("{path}?{q}"),
            (None, None) => path.clone(),
        };
        let outcome = match &response {
            Some(r) => r.status.map_or_else(String::new, |s| s.to_string()),
            None => "no response".to_owned(),
        };
        let direction = match x.direction {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        };
        let attempt_note = attempt.map_or_else(String::new, |a| format!(" (attempt {a})"));
        let heading = format!(
            "=== {} {} {direction}: {} {target}{attempt_note} -> {outcome}",
            e.seq, x.vendor, x.request.method
        );
        let view = View {
            seq: e.seq,
            vendor: x.vendor,
            direction: x.direction,
            method: x.request.method.clone(),
            path,
            query,
            url,
            attempt,
            delivery,
            request,
            response,
            error,
        };
        (heading, view)
    }
}

/// One exchange as the snapshot shows it, fields in reading order.
#[derive(Serialize)]
pub(super) struct View {
    seq: u64,
    vendor: &'static str,
    direction: Direction,
    method: String,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    query: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attempt: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delivery: Option<String>,
    request: Half,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<Half>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// A request or a response.
#[derive(Serialize)]
pub(super) struct Half {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    headers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<Value>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    truncated: bool,
}

//! Traffic snapshots: a scenario's journal, redacted, compared with a `.snap` file.
//!
//! A scenario that says `snapshot: traffic` gets its traffic rendered by [`traffic`]
//! and compared by [`check`] with the `.snap` file beside the scenario file
//! (`scenarios/ticket-lifecycle.yaml` → `scenarios/ticket-lifecycle.snap`).
//!
//! # Redaction
//!
//! Values that change from run to run, or that must not be written to a file, are
//! replaced by numbered placeholders. One [`Redactor`] serves one scenario: the same
//! original value always gets the same placeholder, so a ticket id that comes back in
//! a later path stays visibly the same (`[id:1]` in the body, `/tickets/[id:1].json`
//! later). Placeholders are numbered per kind in reading order. Their syntax,
//! `[kind:N]`, reads well and does not occur in real payloads; a value that already
//! is a placeholder is left alone, so redacting redacted text changes nothing.
//!
//! - **ids** → `[id:N]`: values (strings or numbers, also inside arrays) of JSON keys
//!   named `id`, `ids`, or ending in `_id`, `_ids`, `Id`, `Ids` (and headers ending in
//!   `-id`, such as `x-zendesk-webhook-id`, but not fakedesk's `x-request-id` counter);
//!   integers, and runs of digits inside strings, of 10 or more digits anywhere; UUIDs
//!   and ULIDs (26 Crockford base32 characters) anywhere inside strings; an outbound
//!   call's `delivery`. An id learnt
//!   from a key is also replaced where it is a whole path segment (or the stem of one,
//!   as in `1.json`, or one item of a comma-separated list), a query value, or in URLs
//!   and header values such as `location`, also when the path comes before the body
//!   that names the id (the whole traffic is read once before it is rendered). Small
//!   integers elsewhere (counts, statuses, `seq`) are not ids.
//! - **times** → `[time:N]`: ISO-8601 timestamps anywhere inside strings
//!   (`2026-11-23T10:00:00Z`, with fractions, with offsets, and the
//!   `2026-11-23 10:00:00 +0000` form), HTTP dates (`date` header), and numbers or
//!   numeric strings of 9 or more digits (epoch seconds or milliseconds) under keys
//!   that name times: `time`, `timestamp`, `date`, `datetime`, `created`, `updated`,
//!   `deleted`, `modified`, `expires`, `expiry`, `reset`, and keys ending in `_at`,
//!   `_time`, `_timestamp`, `_date`, `_reset`, `At`, `Time`, `Timestamp`, `Date`. A
//!   header so named (`x-zendesk-webhook-signature-timestamp`, Braze's
//!   `x-ratelimit-reset` epoch second, Zendesk's `ratelimit-reset` seconds to go)
//!   becomes `[time:N]` whatever its value. Date-only values are kept.
//! - **signatures** → `[signature:N]`: values of headers (and JSON keys) whose name
//!   contains `signature` or `hmac`.
//! - **tokens and secrets** → `[token:N]`: `authorization` and `proxy-authorization`
//!   header values keep their scheme (`Basic [token:1]`, `Bearer [token:2]`,
//!   `Key [token:3]`); values of keys, headers and query parameters named `token`,
//!   `secret`, `password`, `key`, `api_key`, `apikey`, or ending in `_token`,
//!   `_secret`, `_password`, `_key`, `Token`, `Secret`, `Password`, `Key` (so
//!   `signing_secret`, `access_token`, `x-api-key`).
//! - **URLs**: each fake's base URL, and its bare `host:port`, becomes `${label}`
//!   (`${fakedesk.zendesk.url}`) with the labels given to [`Redactor::new`]; any other
//!   `127.0.0.1:<port>`, `localhost:<port>`, `0.0.0.0:<port>` or `[::1]:<port>` keeps
//!   its host and gets `[port:N]`.
//! - **Dropped**: an entry's `started_at` and `duration_us`, and the headers
//!   `content-length`, `user-agent`, `connection`, `accept-encoding`, `x-runtime`
//!   (Zendesk's processing time) and `date` (the wall clock of whichever server
//!   answered, so two replies may straddle a second): they vary from run to run and
//!   tell a reviewer nothing. The fakes' own times come from the scenario's clock,
//!   which only moves between steps, so they are stable.
//!
//! Key rules win over the scanning of text, and among key rules ids come first, then
//! times, signatures and tokens (`token_id` is an id, `token_expires_at` a time).
//! Object keys themselves are never changed. Binary bodies are kept as the journal
//! shows them (`{"base64": ...}`), without redaction.
//!
//! # Format
//!
//! One block per exchange, in journal order, separated by a blank line: a heading
//! line, then the exchange as pretty-printed JSON.
//!
//! ```text
//! === 1 zendesk inbound: GET /api/v2/tickets/[id:1].json -> 200
//! {
//!   "seq": 1,
//!   "vendor": "zendesk",
//!   "direction": "inbound",
//!   "method": "GET",
//!   "path": "/api/v2/tickets/[id:1].json",
//!   "request": {
//!     "headers": {
//!       "authorization": "Basic [token:1]",
//!       "host": "${fakedesk.zendesk.url}"
//!     }
//!   },
//!   "response": {
//!     "status": 200,
//!     "headers": {
//!       "content-type": "application/json; charset=utf-8"
//!     },
//!     "body": {
//!       "ticket": {
//!         "created_at": "[time:1]",
//!         "id": "[id:1]",
//!         "url": "${fakedesk.zendesk.url}/api/v2/tickets/[id:1].json"
//!       }
//!     }
//!   }
//! }
//! ```
//!
//! JSON rather than YAML because bodies are JSON: a reviewer sees them in the notation
//! the vendor sends, every value's type is unambiguous (`"1"` versus `1`), and
//! `serde_json` prints it deterministically with no quoting rules of our own to get
//! wrong. The exchange's own fields come in a fixed order (`seq`, `vendor`,
//! `direction`, `method`, `path`, `query`, then for outbound calls `url`, `attempt`,
//! `delivery`, then `request`, `response` with its `status` first, and `error`);
//! headers and every map inside a body are sorted by key. Empty bodies are left out;
//! a body that is not JSON is a string. The heading line summarises the block so the
//! file can be skimmed, and names the exchange in a mismatch diff's hunk headers.
//!
//! # Files
//!
//! `.snap` files use insta's format, so `cargo insta review` (or `cargo insta
//! accept`) finds the pending `.snap.new` files [`check`] writes, shows their diff,
//! and on accepting rewrites them onto the `.snap`. The file is a YAML header between
//! `---` lines (`source:` the scenario file, `expression: traffic`), then the
//! contents. Comparison ignores the header and trailing whitespace, as insta's does.
//! `cargo insta` walks its workspace root (a Cargo workspace, or the directory given
//! with `--workspace-root`), skipping what `.gitignore` ignores.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use regex::{Captures, Regex};
use serde::Serialize;
use serde_json::{Map, Number, Value};

use crate::journal::{Body, Direction, Entry, Headers};

/// Headers left out of snapshots: they vary run to run and mean nothing to a reviewer.
const DROPPED_HEADERS: &[&str] = &[
    "content-length",
    "user-agent",
    "connection",
    "accept-encoding",
    "x-runtime",
    "date",
];

/// What a placeholder stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Id,
    Time,
    Signature,
    Token,
    Port,
}

impl Kind {
    const ALL: usize = 5;

    fn name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Time => "time",
            Self::Signature => "signature",
            Self::Token => "token",
            Self::Port => "port",
        }
    }
}

/// What a key (JSON key, header name or query parameter) says about its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyClass {
    Id,
    Time,
    Signature,
    Token,
    Plain,
}

fn classify_key(key: &str) -> KeyClass {
    let lower = key.to_ascii_lowercase().replace('-', "_");
    let camel = |suffix: &str| key.len() > suffix.len() && key.ends_with(suffix);
    if lower == "id"
        || lower == "ids"
        || lower.ends_with("_id")
        || lower.ends_with("_ids")
        || camel("Id")
        || camel("Ids")
    {
        return KeyClass::Id;
    }
    const TIME_NAMES: &[&str] = &[
        "time",
        "timestamp",
        "date",
        "datetime",
        "created",
        "updated",
        "deleted",
        "modified",
        "expires",
        "expiry",
        "reset",
    ];
    if TIME_NAMES.contains(&lower.as_str())
        || ["_at", "_time", "_timestamp", "_date", "_reset"]
            .iter()
            .any(|s| lower.ends_with(s))
        || ["At", "Time", "Timestamp", "Date"].iter().any(|s| camel(s))
    {
        return KeyClass::Time;
    }
    if lower.contains("signature") || lower.contains("hmac") {
        return KeyClass::Signature;
    }
    const TOKEN_NAMES: &[&str] = &["token", "secret", "password", "key", "api_key", "apikey"];
    if TOKEN_NAMES.contains(&lower.as_str())
        || ["_token", "_secret", "_password", "_key"]
            .iter()
            .any(|s| lower.ends_with(s))
        || ["Token", "Secret", "Password", "Key"]
            .iter()
            .any(|s| camel(s))
    {
        return KeyClass::Token;
    }
    KeyClass::Plain
}

/// What a header's name says about its value. fakedesk's `x-request-id` is a
/// per-response counter, not the id of anything: as an id it would share placeholders
/// with unrelated small ids (a vendor's UUID request ids are still caught by shape).
fn header_class(name: &str) -> KeyClass {
    if name.eq_ignore_ascii_case("x-request-id") {
        KeyClass::Plain
    } else {
        classify_key(name)
    }
}

/// Volatile values found by scanning text; the first alternative that matches at a
/// position wins.
static PATTERNS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?P<host>\b127\.0\.0\.1|\b0\.0\.0\.0|\blocalhost|\[::1\]):(?P<port>[0-9]{1,5})\b
        | (?P<time>\b[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T|\x20)[0-9]{2}:[0-9]{2}
            (?::[0-9]{2}(?:[.,][0-9]+)?)?
            (?:Z|\x20?[+-][0-9]{2}(?::?[0-9]{2})?)?)
        | (?P<httpdate>\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\x20[0-9]{2}\x20
            (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\x20[0-9]{4}\x20
            [0-9]{2}:[0-9]{2}:[0-9]{2}\x20GMT)
        | (?P<uuid>\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)
        | (?P<ulid>\b[0-7][0-9A-HJKMNP-TV-Z]{25}\b)
        | (?P<digits>\b[0-9]{10,}\b)
        ",
    )
    .expect("the snapshot patterns are valid")
});

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[(?:id|time|signature|token|port):[0-9]+\]$").expect("valid pattern")
});

fn is_placeholder(s: &str) -> bool {
    s.starts_with('[') && PLACEHOLDER.is_match(s)
}

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
    /// `fakedesk.zendesk.url`) pairs; each URL (and its `host:port`) is replaced by
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

    fn placeholder(&mut self, kind: Kind, raw: &str) -> String {
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

    fn learn_id(&mut self, raw: &str) {
        if !raw.is_empty() && !is_placeholder(raw) {
            self.known_ids.insert(raw.to_owned());
        }
    }

    fn learn(&mut self, v: &Value, key: Option<&str>) {
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

    fn learn_query(&mut self, q: &str) {
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

    fn learn_entry(&mut self, e: &Entry) {
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

    fn value(&mut self, v: &Value, key: Option<&str>) -> Value {
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
    fn keyed_str(&mut self, s: &str, class: KeyClass) -> String {
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
    fn replace_urls(&self, s: &str) -> String {
        let mut s = s.to_owned();
        for (needle, replacement) in &self.urls {
            if s.contains(needle.as_str()) {
                s = replace_bounded(&s, needle, replacement);
            }
        }
        s
    }

    /// Local ports, times and ids found by their shape.
    fn scan(&mut self, s: &str) -> String {
        PATTERNS
            .replace_all(s, |c: &Captures<'_>| self.pattern(c))
            .into_owned()
    }

    fn pattern(&mut self, c: &Captures<'_>) -> String {
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
    fn text(&mut self, s: &str) -> String {
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
    fn segment(&mut self, seg: &str) -> String {
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
    fn query(&mut self, q: &str) -> String {
        let q = self.replace_urls(q);
        self.query_pairs(&q)
    }

    fn query_pairs(&mut self, q: &str) -> String {
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

    fn header(&mut self, name: &str, value: &str) -> String {
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

    fn headers(&mut self, h: &Headers) -> BTreeMap<String, String> {
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

    fn body(&mut self, body: &Body, headers: &Headers) -> Option<Value> {
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

    fn entry(&mut self, e: &Entry) -> (String, View) {
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
struct View {
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
struct Half {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    headers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<Value>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    truncated: bool,
}

fn is_form(headers: &Headers) -> bool {
    headers
        .get("content-type")
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
}

/// Which placeholder a number under a key of class `class` gets, if any.
fn number_kind(n: &Number, class: KeyClass) -> Option<Kind> {
    let long_integer = n.as_u64().is_some_and(|u| u >= 1_000_000_000)
        || n.as_i64().is_some_and(|i| i <= -1_000_000_000);
    match class {
        KeyClass::Id => Some(Kind::Id),
        KeyClass::Time if n.as_f64().is_some_and(|f| f.abs() >= 1e8) => Some(Kind::Time),
        KeyClass::Signature => Some(Kind::Signature),
        KeyClass::Token => Some(Kind::Token),
        _ if long_integer => Some(Kind::Id),
        _ => None,
    }
}

/// Epoch seconds or milliseconds written as a string.
fn is_epoch_str(s: &str) -> bool {
    let digits = s.split_once('.').map_or(s, |(int, _)| int);
    digits.len() >= 9
        && digits.bytes().all(|b| b.is_ascii_digit())
        && s.bytes().filter(|b| *b == b'.').count() <= 1
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// `s` with `needle` replaced, except where it runs on into more digits (so
/// `127.0.0.1:4123` does not match inside `127.0.0.1:41234`) or is preceded by a
/// digit or a dot.
fn replace_bounded(s: &str, needle: &str, replacement: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(needle) {
        let end = i + needle.len();
        let before = rest[..i].chars().last().or_else(|| out.chars().last());
        let glued_before = before.is_some_and(|c| c.is_ascii_digit() || c == '.');
        let glued_after = rest[end..].starts_with(|c: char| c.is_ascii_digit());
        out.push_str(&rest[..i]);
        if glued_before || glued_after {
            out.push_str(needle);
        } else {
            out.push_str(replacement);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The redacted, deterministic text of a scenario's traffic: one block per exchange
/// (see the module documentation). Empty when there was no traffic.
pub fn traffic(entries: &[Arc<Entry>], redactor: &mut Redactor) -> String {
    // Learn every id first, so a path that names an id before any body does is
    // redacted all the same.
    for e in entries {
        redactor.learn_entry(e);
    }
    let mut out = String::new();
    for e in entries {
        let (heading, view) = redactor.entry(e);
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&heading);
        out.push('\n');
        // Serializing plain maps, strings and numbers cannot fail.
        out.push_str(&serde_json::to_string_pretty(&view).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// The result of [`check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// The snapshot exists and matches.
    Matched,
    /// The snapshot was created or updated (with `update`).
    Written,
    /// There was no snapshot; the content is pending review at `pending`.
    New {
        /// The `.snap.new` file written.
        pending: PathBuf,
    },
    /// The snapshot differs; the content is pending review at `pending`.
    Mismatch {
        /// Unified line diff, old (`-`) to new (`+`), without colours.
        diff: String,
        /// The `.snap.new` file written.
        pending: PathBuf,
    },
}

/// The pending file insta's tools look for: `snap` + `.new`.
pub fn pending_path(snap: &Path) -> PathBuf {
    let mut s: OsString = snap.as_os_str().to_owned();
    s.push(".new");
    PathBuf::from(s)
}

/// Compares `content` with the snapshot at `snap`; on a difference writes `snap` +
/// `.new` (insta's pending file) unless `update`, in which case it writes the `.snap`
/// itself. A stale `.snap.new` is removed when the content matches (or is written).
/// `source` is the scenario file name as shown in the header.
pub fn check(snap: &Path, source: &str, content: &str, update: bool) -> io::Result<Checked> {
    let pending = pending_path(snap);
    let old = match fs::read(snap) {
        Ok(bytes) => Some(contents_of(&String::from_utf8_lossy(&bytes))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let new = normalize(content);
    if old.as_deref() == Some(new.as_str()) {
        remove_if_present(&pending)?;
        return Ok(Checked::Matched);
    }
    let file = render_file(source, &new);
    if update {
        write(snap, &file)?;
        remove_if_present(&pending)?;
        return Ok(Checked::Written);
    }
    write(&pending, &file)?;
    Ok(match old {
        None => Checked::New { pending },
        Some(old) => Checked::Mismatch {
            diff: unified_diff(&old, &new),
            pending,
        },
    })
}

fn write(path: &Path, text: &str) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    fs::write(path, text)
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Line endings made `\n`, trailing whitespace of the whole text dropped (as insta).
fn normalize(text: &str) -> String {
    text.lines()
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_owned()
}

/// A snapshot file's contents without its header, read as insta reads it: a YAML
/// header between `---` lines, or (legacy) header lines up to the first blank line.
fn contents_of(file: &str) -> String {
    let mut lines = file.lines();
    match lines.next() {
        Some(first) if first.trim_end() == "---" => {
            for line in lines.by_ref() {
                if line.trim_end() == "---" {
                    break;
                }
            }
        }
        Some(_) => {
            for line in lines.by_ref() {
                if line.trim_end().is_empty() {
                    break;
                }
            }
        }
        None => {}
    }
    normalize(&lines.collect::<Vec<_>>().join("\n"))
}

/// The file insta would write for a text snapshot with this metadata.
fn render_file(source: &str, contents: &str) -> String {
    format!(
        "---\nsource: {}\nexpression: traffic\n---\n{contents}\n",
        yaml_scalar(source)
    )
}

/// A YAML scalar, quoted when insta's emitter would quote it.
fn yaml_scalar(s: &str) -> String {
    const WORDS: &[&str] = &[
        "yes", "Yes", "YES", "no", "No", "NO", "True", "TRUE", "true", "False", "FALSE", "false",
        "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
    ];
    let needs_quotes = s.is_empty()
        || s.starts_with(' ')
        || s.ends_with(' ')
        || s.starts_with(['&', '*', '?', '|', '-', '<', '>', '=', '!', '%', '@', '.'])
        || s.contains(|c: char| {
            matches!(
                c,
                ':' | '{' | '}' | '[' | ']' | ',' | '#' | '`' | '"' | '\'' | '\\'
            ) || c.is_control()
        })
        || WORDS.contains(&s)
        || s.starts_with("0x")
        || s.parse::<i64>().is_ok()
        || s.parse::<f64>().is_ok();
    if needs_quotes {
        // JSON strings are YAML double-quoted scalars.
        serde_json::to_string(s).unwrap_or_default()
    } else {
        s.to_owned()
    }
}

/// A unified diff of two normalized texts, with 3 lines of context and hunk headers
/// naming the nearest heading line above (as `git diff` names the function).
fn unified_diff(old: &str, new: &str) -> String {
    let old_text = format!("{old}\n");
    let new_text = format!("{new}\n");
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Patience)
        .timeout(Duration::from_secs(2))
        .diff_lines(&old_text, &new_text);
    let old_lines: Vec<&str> = old.lines().collect();
    let mut out = String::new();
    for group in diff.grouped_ops(3) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let old_range = first.old_range().start..last.old_range().end;
        let new_range = first.new_range().start..last.new_range().end;
        out.push_str(&format!(
            "@@ -{} +{} @@",
            hunk_range(&old_range),
            hunk_range(&new_range)
        ));
        if let Some(heading) = heading_at(&old_lines, old_range.start) {
            out.push(' ');
            out.push_str(heading);
        }
        out.push('\n');
        for op in &group {
            for change in diff.iter_changes(op) {
                out.push(match change.tag() {
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                    similar::ChangeTag::Equal => ' ',
                });
                out.push_str(change.value().trim_end_matches('\n'));
                out.push('\n');
            }
        }
    }
    out
}

fn hunk_range(r: &std::ops::Range<usize>) -> String {
    match r.len() {
        0 => format!("{},0", r.start),
        1 => format!("{}", r.start + 1),
        n => format!("{},{n}", r.start + 1),
    }
}

/// The nearest line at or above `index` that starts a block: not blank, not indented,
/// not a brace.
fn heading_at<'a>(lines: &[&'a str], index: usize) -> Option<&'a str> {
    let end = (index + 1).min(lines.len());
    lines[..end]
        .iter()
        .rev()
        .find(|l| !l.is_empty() && !l.starts_with([' ', '\t', '{', '}']))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{Exchange, OutboundInfo, RequestRecord, ResponseRecord};
    use axum::http::HeaderMap;
    use bytes::Bytes;
    use proptest::prelude::*;
    use serde_json::json;
    use time::macros::datetime;

    const ZENDESK: &str = "http://127.0.0.1:41234";

    fn redactor() -> Redactor {
        Redactor::new(vec![(
            ZENDESK.to_owned(),
            "fakedesk.zendesk.url".to_owned(),
        )])
    }

    fn headers(pairs: &[(&str, &str)]) -> Headers {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        Headers::from_map(&map)
    }

    fn json_body(v: &Value) -> Body {
        Body(Bytes::from(serde_json::to_vec(v).unwrap()))
    }

    fn entry(seq: u64, exchange: Exchange) -> Arc<Entry> {
        Arc::new(Entry::new(seq, exchange))
    }

    /// `POST /api/v2/tickets.json` as fake Zendesk journals it.
    fn ticket_create() -> Exchange {
        let ticket_url = format!("{ZENDESK}/api/v2/tickets/7.json");
        Exchange {
            vendor: "zendesk",
            direction: Direction::Inbound,
            request: RequestRecord {
                method: "POST".to_owned(),
                path: "/api/v2/tickets.json".to_owned(),
                query: None,
                headers: headers(&[
                    ("host", "127.0.0.1:41234"),
                    ("user-agent", "curl/8.5.0"),
                    ("accept", "*/*"),
                    (
                        "authorization",
                        "Basic YWRtaW5AZmFrZWRlc2sudGVzdC90b2tlbjpzZWNyZXQ=",
                    ),
                    ("content-type", "application/json"),
                    ("content-length", "97"),
                ]),
                body: json_body(&json!({"ticket": {
                    "subject": "My printer is on fire!",
                    "comment": {"body": "The smoke is very colorful."},
                }})),
                truncated: false,
                account: None,
            },
            response: Some(ResponseRecord {
                status: 201,
                headers: headers(&[
                    ("content-type", "application/json; charset=utf-8"),
                    ("location", &ticket_url),
                    ("date", "Mon, 23 Nov 2026 10:00:00 GMT"),
                    ("x-rate-limit", "700"),
                    ("x-runtime", "0.000713"),
                    ("content-length", "512"),
                ]),
                body: json_body(&json!({
                    "ticket": {
                        "id": 7,
                        "url": ticket_url,
                        "subject": "My printer is on fire!",
                        "status": "new",
                        "requester_id": 9_876_543_210_123_u64,
                        "submitter_id": 9_876_543_210_123_u64,
                        "collaborator_ids": [],
                        "created_at": "2026-11-23T10:00:00Z",
                        "updated_at": "2026-11-23T10:00:00Z",
                    },
                    "audit": {
                        "id": 2_234_567_890_123_u64,
                        "ticket_id": 7,
                        "created_at": "2026-11-23T10:00:00Z",
                        "events": [{"id": 2_234_567_890_251_u64, "type": "Comment", "public": true}],
                    },
                })),
            }),
            error: None,
            outbound: None,
            started_at: datetime!(2026-11-23 10:00:00.123 UTC),
            duration_us: 812,
            fault: None,
            unmatched: false,
        }
    }

    /// A signed webhook delivery to the system under test.
    fn webhook_delivery() -> Exchange {
        let url = "http://127.0.0.1:8088/zendesk?ticket_id=7";
        Exchange {
            vendor: "zendesk",
            direction: Direction::Outbound,
            request: RequestRecord {
                method: "POST".to_owned(),
                path: "/zendesk".to_owned(),
                query: Some("ticket_id=7".to_owned()),
                headers: headers(&[
                    ("x-zendesk-account-id", "10000001"),
                    ("x-zendesk-webhook-id", "01JD5QK8Z3M4N5P6Q7R8S9T0VW"),
                    ("x-zendesk-webhook-invocation-id", "8350205"),
                    (
                        "x-zendesk-webhook-signature",
                        "gf3v0LzLRHPUnIdhbvwRDVEvzSb07/QN0GYjSNlkBT0=",
                    ),
                    (
                        "x-zendesk-webhook-signature-timestamp",
                        "2026-11-23T10:00:00Z",
                    ),
                    ("user-agent", "Zendesk Webhook"),
                    ("content-type", "application/json"),
                    ("authorization", "Bearer s3cret"),
                    ("content-length", "40"),
                ]),
                body: json_body(&json!({"ticket": "7", "status": "Solved"})),
                truncated: false,
                account: None,
            },
            response: Some(ResponseRecord {
                status: 200,
                headers: headers(&[("content-length", "0")]),
                body: Body::default(),
            }),
            error: None,
            outbound: Some(OutboundInfo {
                url: url.to_owned(),
                attempt: 1,
                delivery: "8350205".to_owned(),
            }),
            started_at: datetime!(2026-11-23 10:00:00.456 UTC),
            duration_us: 1_503,
            fault: None,
            unmatched: false,
        }
    }

    fn ticket_show() -> Exchange {
        let mut x = ticket_create();
        x.request.method = "GET".to_owned();
        x.request.path = "/api/v2/tickets/7.json".to_owned();
        x.request.body = Body::default();
        x
    }

    #[test]
    fn a_ticket_create_and_a_signed_delivery_render_as_expected() {
        let entries = [entry(1, ticket_create()), entry(2, webhook_delivery())];
        let text = traffic(&entries, &mut redactor());
        let expected = r#"=== 1 zendesk inbound: POST /api/v2/tickets.json -> 201
{
  "seq": 1,
  "vendor": "zendesk",
  "direction": "inbound",
  "method": "POST",
  "path": "/api/v2/tickets.json",
  "request": {
    "headers": {
      "accept": "*/*",
      "authorization": "Basic [token:1]",
      "content-type": "application/json",
      "host": "${fakedesk.zendesk.url}"
    },
    "body": {
      "ticket": {
        "comment": {
          "body": "The smoke is very colorful."
        },
        "subject": "My printer is on fire!"
      }
    }
  },
  "response": {
    "status": 201,
    "headers": {
      "content-type": "application/json; charset=utf-8",
      "location": "${fakedesk.zendesk.url}/api/v2/tickets/[id:1].json",
      "x-rate-limit": "700"
    },
    "body": {
      "audit": {
        "created_at": "[time:1]",
        "events": [
          {
            "id": "[id:2]",
            "public": true,
            "type": "Comment"
          }
        ],
        "id": "[id:3]",
        "ticket_id": "[id:1]"
      },
      "ticket": {
        "collaborator_ids": [],
        "created_at": "[time:1]",
        "id": "[id:1]",
        "requester_id": "[id:4]",
        "status": "new",
        "subject": "My printer is on fire!",
        "submitter_id": "[id:4]",
        "updated_at": "[time:1]",
        "url": "${fakedesk.zendesk.url}/api/v2/tickets/[id:1].json"
      }
    }
  }
}

=== 2 zendesk outbound: POST http://127.0.0.1:[port:1]/zendesk?ticket_id=[id:1] (attempt 1) -> 200
{
  "seq": 2,
  "vendor": "zendesk",
  "direction": "outbound",
  "method": "POST",
  "path": "/zendesk",
  "query": "ticket_id=[id:1]",
  "url": "http://127.0.0.1:[port:1]/zendesk?ticket_id=[id:1]",
  "attempt": 1,
  "delivery": "[id:5]",
  "request": {
    "headers": {
      "authorization": "Bearer [token:2]",
      "content-type": "application/json",
      "x-zendesk-account-id": "[id:6]",
      "x-zendesk-webhook-id": "[id:7]",
      "x-zendesk-webhook-invocation-id": "[id:5]",
      "x-zendesk-webhook-signature": "[signature:1]",
      "x-zendesk-webhook-signature-timestamp": "[time:1]"
    },
    "body": {
      "status": "Solved",
      "ticket": "7"
    }
  },
  "response": {
    "status": 200,
    "headers": {}
  }
}
"#;
        assert_eq!(text, expected, "got:\n{text}");
    }

    #[test]
    fn an_id_keeps_its_placeholder_across_body_path_and_header() {
        // The path names the ticket before any body does (GET first).
        let entries = [
            entry(1, ticket_show()),
            entry(2, ticket_create()),
            entry(3, webhook_delivery()),
        ];
        let text = traffic(&entries, &mut redactor());
        assert!(text.contains("=== 1 zendesk inbound: GET /api/v2/tickets/[id:1].json -> 201"));
        assert!(text.contains(r#""path": "/api/v2/tickets/[id:1].json""#));
        assert!(
            text.contains(r#""location": "${fakedesk.zendesk.url}/api/v2/tickets/[id:1].json""#)
        );
        assert!(text.contains(r#""ticket_id": "[id:1]""#));
        assert!(text.contains(r#""query": "ticket_id=[id:1]""#));
        assert!(!text.contains("/7.json"), "{text}");
        // The webhook id in a later path is the header's placeholder.
        let mut r = redactor();
        let mut hook = webhook_delivery();
        hook.request.path = "/hooks/01JD5QK8Z3M4N5P6Q7R8S9T0VW".to_owned();
        let text = traffic(&[entry(1, hook)], &mut r);
        assert!(text.contains(r#""path": "/hooks/[id:1]""#), "{text}");
        assert!(
            text.contains(r#""x-zendesk-webhook-id": "[id:1]""#),
            "{text}"
        );
    }

    #[test]
    fn dropped_fields_never_appear() {
        let text = traffic(
            &[entry(1, ticket_create()), entry(2, webhook_delivery())],
            &mut redactor(),
        );
        for gone in [
            "started_at",
            "duration_us",
            "content-length",
            "user-agent",
            "x-runtime",
            "curl/8.5.0",
            "41234",
            "8088",
            "s3cret",
            "2026-11-23",
            "9876543210123",
            "8350205",
        ] {
            assert!(!text.contains(gone), "{gone} in\n{text}");
        }
    }

    #[test]
    fn values_are_redacted_by_key_and_by_shape() {
        let mut r = redactor();
        let v = r.redact_value(&json!({
            "id": 3,
            "user_ids": [3, "ab"],
            "externalId": "u1",
            "count": 3,
            "seq": 12,
            "big": 12_345_678_901_u64,
            "note": "ticket 12345678901 at 2026-11-23T10:00:00.123+02:00, again 12345678901",
            "uuid": "see 9f1c3a52-8a0e-4c0b-9b1e-2f0d4c6e8a10.",
            "job": "Completed at 2024-02-08 17:44:38 +0000",
            "created": 1_764_000_000,
            "sent_at": "1764000000123",
            "due_date": "2026-12-01",
            "timestamp": 5,
            "signing_secret": {"algorithm": "SHA256", "secret": "abc"},
            "api_key": "k",
            "apiKey": "k",
            "token_type": "bearer",
            "hmac": "deadbeef",
            "callback": "http://localhost:9000/x and 127.0.0.1:41234 and 127.0.0.1:412345",
        }));
        assert_eq!(
            v,
            json!({
                "api_key": "[token:1]",
                "apiKey": "[token:1]",
                "big": "[id:1]",
                "callback": "http://localhost:[port:1]/x and ${fakedesk.zendesk.url} and 127.0.0.1:412345",
                "count": 3,
                "created": "[time:1]",
                "due_date": "2026-12-01",
                "externalId": "[id:2]",
                "hmac": "[signature:1]",
                "id": "[id:3]",
                "job": "Completed at [time:2]",
                "note": "ticket [id:1] at [time:3], again [id:1]",
                "sent_at": "[time:4]",
                "seq": 12,
                "signing_secret": {"algorithm": "SHA256", "secret": "[token:2]"},
                "timestamp": 5,
                "token_type": "bearer",
                "user_ids": ["[id:3]", "[id:4]"],
                "uuid": "see [id:5].",
            })
        );
    }

    #[test]
    fn authorization_keeps_its_scheme_and_the_same_credentials_their_token() {
        let mut r = redactor();
        assert_eq!(r.header("authorization", "Basic abc"), "Basic [token:1]");
        assert_eq!(r.header("authorization", "Bearer xyz"), "Bearer [token:2]");
        assert_eq!(r.header("authorization", "Key abc"), "Key [token:1]");
        assert_eq!(r.header("authorization", "opaque"), "[token:3]");
        assert_eq!(r.header("x-api-key", "xyz"), "[token:2]");
        assert_eq!(
            r.header("date", "Mon, 23 Nov 2026 10:00:00 GMT"),
            "[time:1]"
        );
        assert_eq!(r.header("x-ratelimit-reset", "1764000060"), "[time:2]");
        assert_eq!(r.header("ratelimit-reset", "42"), "[time:3]");
        assert_eq!(r.header("x-zendesk-account-id", "17"), "[id:1]");
        assert_eq!(r.header("x-request-id", "17"), "17");
        assert_eq!(
            r.header("x-request-id", "9f1c3a52-8a0e-4c0b-9b1e-2f0d4c6e8a10"),
            "[id:2]"
        );
    }

    #[test]
    fn a_url_that_is_a_prefix_of_another_port_is_not_replaced_inside_it() {
        let mut r = Redactor::new(vec![
            ("http://127.0.0.1:4123/".to_owned(), "a".to_owned()),
            ("http://127.0.0.1:41234".to_owned(), "b".to_owned()),
        ]);
        assert_eq!(
            r.redact_str("http://127.0.0.1:41234/x http://127.0.0.1:4123/y 127.0.0.1:4123"),
            "${b}/x ${a}/y ${a}"
        );
    }

    #[test]
    fn form_bodies_and_queries_follow_the_key_rules() {
        let mut r = redactor();
        assert_eq!(r.redact_value(&json!({"id": 1})), json!({"id": "[id:1]"}));
        assert_eq!(
            r.query("ids=1,2&page[size]=2&api_key=k&start_time=1764000000&q=x"),
            "ids=[id:1],[id:2]&page[size]=2&api_key=[token:1]&start_time=[time:1]&q=x"
        );
        // An id learnt from a key is redacted in any parameter; other numbers are not.
        assert_eq!(r.query("page=2&after=1"), "page=2&after=[id:1]");
        let mut form = ticket_create();
        form.request.headers = headers(&[("content-type", "application/x-www-form-urlencoded")]);
        form.request.body = Body(Bytes::from_static(b"ticket_id=7&token=abc&note=hi"));
        let text = traffic(&[entry(1, form)], &mut redactor());
        assert!(
            text.contains(r#""body": "ticket_id=[id:1]&token=[token:1]&note=hi""#),
            "{text}"
        );
    }

    #[test]
    fn binary_and_text_bodies_are_kept_as_the_journal_shows_them() {
        let mut x = ticket_create();
        x.request.body = Body(Bytes::from_static(&[0xff, 0x00]));
        x.response.as_mut().unwrap().body = Body(Bytes::from_static(b"Too Many Requests"));
        let text = traffic(&[entry(1, x)], &mut redactor());
        assert!(
            text.contains(
                r#""body": {
      "base64": "/wA="
    }"#
            ),
            "{text}"
        );
        assert!(text.contains(r#""body": "Too Many Requests""#), "{text}");
    }

    #[test]
    fn a_failed_delivery_shows_its_error() {
        let mut x = webhook_delivery();
        x.response = None;
        x.error = Some("error sending request for url (http://127.0.0.1:8088/zendesk)".to_owned());
        let text = traffic(&[entry(4, x)], &mut redactor());
        assert!(text.starts_with("=== 4 zendesk outbound: POST http://127.0.0.1:[port:1]/zendesk?ticket_id=[id:1] (attempt 1) -> no response\n"), "{text}");
        assert!(
            text.contains(
                r#""error": "error sending request for url (http://127.0.0.1:[port:1]/zendesk)""#
            ),
            "{text}"
        );
        assert!(!text.contains("\"response\""), "{text}");
    }

    #[test]
    fn redacting_redacted_traffic_changes_nothing() {
        let mut r = redactor();
        let v = r.redact_value(&json!({"id": 7, "at": "2026-11-23T10:00:00Z", "url": format!("{ZENDESK}/tickets/7.json")}));
        assert_eq!(redactor().redact_value(&v), v);
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("fakedesk-snapshot-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn check_goes_new_then_matched_then_mismatch_then_written() {
        let dir = temp_dir("cycle");
        let snap = dir.join("ticket-lifecycle.snap");
        let pending = dir.join("ticket-lifecycle.snap.new");
        let source = "scenarios/ticket-lifecycle.yaml";
        let v1 = "=== 1 a\n{\n  \"x\": 1\n}\n";

        // No snapshot: a pending file, nothing else.
        assert_eq!(
            check(&snap, source, v1, false).unwrap(),
            Checked::New {
                pending: pending.clone()
            }
        );
        assert!(!snap.exists());
        let written = fs::read_to_string(&pending).unwrap();
        assert_eq!(
            written,
            "---\nsource: scenarios/ticket-lifecycle.yaml\nexpression: traffic\n---\n=== 1 a\n{\n  \"x\": 1\n}\n"
        );

        // Accepting it as `cargo insta review` does: the pending file becomes the .snap.
        fs::rename(&pending, &snap).unwrap();
        assert_eq!(check(&snap, source, v1, false).unwrap(), Checked::Matched);

        // A change: a diff and a pending file.
        let v2 = "=== 1 a\n{\n  \"x\": 2\n}\n";
        let Checked::Mismatch { diff, pending: p } = check(&snap, source, v2, false).unwrap()
        else {
            panic!("expected a mismatch");
        };
        assert_eq!(p, pending);
        assert_eq!(
            diff,
            "@@ -1,4 +1,4 @@ === 1 a\n === 1 a\n {\n-  \"x\": 1\n+  \"x\": 2\n }\n"
        );
        assert!(pending.exists());

        // Back to the old content: matched, and the stale pending file is gone.
        assert_eq!(check(&snap, source, v1, false).unwrap(), Checked::Matched);
        assert!(!pending.exists());

        // update=true writes the .snap itself, and the result matches.
        check(&snap, source, v2, false).unwrap();
        assert_eq!(check(&snap, source, v2, true).unwrap(), Checked::Written);
        assert!(!pending.exists());
        assert_eq!(check(&snap, source, v2, false).unwrap(), Checked::Matched);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn update_creates_a_missing_snapshot_that_round_trips() {
        let dir = temp_dir("update");
        let snap = dir.join("nested").join("x.snap");
        let content = traffic(
            &[entry(1, ticket_create()), entry(2, webhook_delivery())],
            &mut redactor(),
        );
        assert_eq!(
            check(&snap, "x: y.yaml", &content, true).unwrap(),
            Checked::Written
        );
        let file = fs::read_to_string(&snap).unwrap();
        assert!(file.starts_with("---\nsource: \"x: y.yaml\"\nexpression: traffic\n---\n=== 1 "));
        assert_eq!(
            check(&snap, "x: y.yaml", &content, false).unwrap(),
            Checked::Matched
        );
        // Trailing whitespace and CRLF line ends do not matter.
        let crlf = format!("{}\r\n\r\n", content.replace('\n', "\r\n"));
        assert_eq!(
            check(&snap, "other", &crlf, false).unwrap(),
            Checked::Matched
        );
        assert!(!pending_path(&snap).exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn insta_reads_our_pending_files_and_accepting_them_round_trips() {
        let dir = temp_dir("insta");
        let snap = dir.join("flow.snap");
        let content = traffic(
            &[entry(1, ticket_create()), entry(2, webhook_delivery())],
            &mut redactor(),
        );
        let source = "scenarios/flow: two.yaml";
        let Checked::New { pending } = check(&snap, source, &content, false).unwrap() else {
            panic!("expected a new snapshot");
        };
        let new = insta::Snapshot::from_file(&pending).unwrap();
        assert_eq!(new.metadata().source(), Some(source));
        assert_eq!(new.metadata().expression(), Some("traffic"));
        assert_eq!(
            new.as_text().unwrap().to_string(),
            content.trim_end(),
            "insta sees the same contents"
        );
        // What `cargo insta accept` does: load the pending file, save it as the .snap,
        // remove the pending file.
        new.save(&snap).unwrap();
        fs::remove_file(&pending).unwrap();
        assert_eq!(
            fs::read_to_string(&snap).unwrap(),
            render_file(source, content.trim_end()),
            "insta writes the file byte for byte as we do"
        );
        assert_eq!(
            check(&snap, source, &content, false).unwrap(),
            Checked::Matched
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_header_is_ignored_as_insta_ignores_it() {
        assert_eq!(
            contents_of("---\nsource: a\nassertion_line: 3\nexpression: b\n---\nx\n  y  \n\n"),
            "x\n  y"
        );
        assert_eq!(contents_of("source: a\nexpression: b\n\nx\n"), "x");
        assert_eq!(contents_of(""), "");
    }

    #[test]
    fn sources_are_quoted_when_yaml_needs_it() {
        assert_eq!(yaml_scalar("scenarios/a.yaml"), "scenarios/a.yaml");
        assert_eq!(yaml_scalar("a: b"), "\"a: b\"");
        assert_eq!(yaml_scalar("-x"), "\"-x\"");
        assert_eq!(yaml_scalar("12"), "\"12\"");
        assert_eq!(yaml_scalar("x\ny"), "\"x\\ny\"");
    }

    fn arbitrary_json() -> impl Strategy<Value = Value> {
        let text = prop_oneof![
            ".{0,12}",
            Just("2026-11-23T10:00:00Z".to_owned()),
            Just("http://127.0.0.1:41234/api/v2/tickets/7.json?ids=1,7".to_owned()),
            Just("localhost:99999".to_owned()),
            Just("9f1c3a52-8a0e-4c0b-9b1e-2f0d4c6e8a10".to_owned()),
            Just("01JD5QK8Z3M4N5P6Q7R8S9T0VW".to_owned()),
            Just("[id:1]".to_owned()),
            Just("/a/7/b.c,7".to_owned()),
        ];
        let key = prop_oneof![
            "[a-zA-Z_]{0,8}",
            Just("id".to_owned()),
            Just("user_ids".to_owned()),
            Just("created_at".to_owned()),
            Just("token".to_owned()),
            Just("signature".to_owned()),
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            text.prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::vec((key.clone(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn redaction_never_panics_and_is_deterministic(v in arbitrary_json()) {
            let once = redactor().redact_value(&v);
            let twice = redactor().redact_value(&v);
            prop_assert_eq!(&once, &twice);
        }
    }
}

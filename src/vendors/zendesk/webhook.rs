//! Zendesk webhooks (REFERENCE 1.10–1.12): the webhook object, its signing secret,
//! and what a delivery looks like on the wire (headers, signature, retries).
//!
//! Pure: building a delivery's request and deciding retries need no sockets; the
//! vendor hands the result to the harness's outbound sender.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

pub use super::error::ApiProblem;
use super::wire;
use crate::ids::IdGen;
use crate::outbound::{Outcome, Outgoing, RetryPolicy};

/// How a webhook authenticates to its endpoint (the `authentication` object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// No authentication.
    None,
    /// `api_key`: a header name and value.
    ApiKey {
        /// Header name.
        name: String,
        /// Header value.
        value: String,
    },
    /// `basic_auth`: username and password.
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: String,
    },
    /// `bearer_token`.
    Bearer {
        /// The token.
        token: String,
    },
}

impl Auth {
    fn type_name(&self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::ApiKey { .. } => Some("api_key"),
            Self::Basic { .. } => Some("basic_auth"),
            Self::Bearer { .. } => Some("bearer_token"),
        }
    }

    /// The header this authentication adds to every delivery.
    pub fn header(&self) -> Option<(String, String)> {
        match self {
            Self::None => None,
            Self::ApiKey { name, value } => Some((name.clone(), value.clone())),
            Self::Basic { username, password } => Some((
                "authorization".to_owned(),
                format!(
                    "Basic {}",
                    STANDARD.encode(format!("{username}:{password}"))
                ),
            )),
            Self::Bearer { token } => Some(("authorization".to_owned(), format!("Bearer {token}"))),
        }
    }
}

/// A webhook, as stored.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Webhook {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub endpoint: String,
    pub http_method: String,
    pub request_format: String,
    pub status: String,
    pub subscriptions: Vec<String>,
    pub auth: Auth,
    pub secret: String,
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
}

/// The webhook as the API returns it: `authentication.data` is write-only.
#[derive(Debug, Serialize)]
pub struct WebhookOut<'a> {
    id: &'a str,
    name: &'a str,
    description: &'a Option<String>,
    endpoint: &'a str,
    http_method: &'a str,
    request_format: &'a str,
    status: &'a str,
    subscriptions: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    authentication: Option<Value>,
    #[serde(serialize_with = "wire::ts")]
    created_at: OffsetDateTime,
    created_by: &'a str,
    #[serde(serialize_with = "wire::ts")]
    updated_at: OffsetDateTime,
    updated_by: &'a str,
}

impl<'a> From<&'a Webhook> for WebhookOut<'a> {
    fn from(w: &'a Webhook) -> Self {
        Self {
            id: &w.id,
            name: &w.name,
            description: &w.description,
            endpoint: &w.endpoint,
            http_method: &w.http_method,
            request_format: &w.request_format,
            status: &w.status,
            subscriptions: &w.subscriptions,
            authentication: w
                .auth
                .type_name()
                .map(|t| json!({"type": t, "add_position": "header"})),
            created_at: w.created_at,
            created_by: &w.created_by,
            updated_at: w.updated_at,
            updated_by: &w.updated_by,
        }
    }
}

/// The writable fields of a webhook; `partial` (PATCH) leaves absent ones alone.
#[derive(Debug, Clone, Default)]
#[allow(missing_docs)]
pub struct WebhookInput {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub endpoint: Option<String>,
    pub http_method: Option<String>,
    pub request_format: Option<String>,
    pub status: Option<String>,
    pub subscriptions: Option<Vec<String>>,
    pub auth: Option<Auth>,
    pub secret: Option<String>,
}

/// The HTTP methods a webhook may use.
pub const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
/// The request formats a webhook may use.
pub const FORMATS: &[&str] = &["json", "xml", "form_encoded"];
const STATUSES: &[&str] = &["active", "inactive"];

impl WebhookInput {
    /// Reads `{"webhook": {...}}`'s inner object; `full` requires what a create or
    /// a PUT requires.
    pub fn parse(v: &Value, full: bool) -> Result<Self, Vec<ApiProblem>> {
        let mut problems = Vec::new();
        let Some(obj) = v.as_object() else {
            return Err(vec![ApiProblem::new(
                "InvalidInput",
                "Invalid input",
                "webhook must be a JSON object".to_owned(),
            )]);
        };
        let input = Self {
            name: text(obj, "name", &mut problems),
            description: obj
                .get("description")
                .map(|d| d.as_str().map(str::to_owned)),
            endpoint: text(obj, "endpoint", &mut problems),
            http_method: one_of(obj, "http_method", METHODS, true, &mut problems),
            request_format: one_of(obj, "request_format", FORMATS, false, &mut problems),
            status: one_of(obj, "status", STATUSES, false, &mut problems),
            subscriptions: obj.get("subscriptions").and_then(Value::as_array).map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            }),
            auth: parse_auth(obj.get("authentication"), &mut problems),
            secret: obj
                .get("signing_secret")
                .and_then(|s| s.get("secret"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        };
        if let Some(e) = &input.endpoint
            && !(e.starts_with("http://") || e.starts_with("https://"))
        {
            problems.push(ApiProblem::new(
                "InvalidValue",
                "Invalid value",
                format!("endpoint: `{e}` is not an http(s) URL"),
            ));
        }
        if full {
            input.require_all(&mut problems);
        }
        if problems.is_empty() {
            Ok(input)
        } else {
            Err(problems)
        }
    }

    /// What a create (or a full replace) must name, each missing key as a problem
    /// unless that key already has one.
    fn require_all(&self, problems: &mut Vec<ApiProblem>) {
        for (k, present) in [
            ("name", self.name.is_some()),
            ("endpoint", self.endpoint.is_some()),
            ("http_method", self.http_method.is_some()),
            ("request_format", self.request_format.is_some()),
            ("status", self.status.is_some()),
        ] {
            if !present && !problems.iter().any(|p| p.detail.starts_with(k)) {
                problems.push(ApiProblem::new(
                    "RequiredFieldMissing",
                    "Required field missing",
                    format!("{k} is required"),
                ));
            }
        }
    }
}

/// A string key (null or absent: `None`; anything else is a problem).
fn text(obj: &Map<String, Value>, k: &str, problems: &mut Vec<ApiProblem>) -> Option<String> {
    match obj.get(k) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            problems.push(ApiProblem::new(
                "InvalidValue",
                "Invalid value",
                format!("{k}: {other} must be a string"),
            ));
            None
        }
    }
}

/// A string key that must be one of `allowed`, compared in upper or lower case.
fn one_of(
    obj: &Map<String, Value>,
    k: &str,
    allowed: &[&str],
    upper: bool,
    problems: &mut Vec<ApiProblem>,
) -> Option<String> {
    let v = text(obj, k, problems)?;
    let v = if upper {
        v.to_uppercase()
    } else {
        v.to_lowercase()
    };
    if allowed.contains(&v.as_str()) {
        Some(v)
    } else {
        problems.push(ApiProblem::new(
            "InvalidValue",
            "Invalid value",
            format!("{k}: `{v}` is not one of {}", allowed.join(", ")),
        ));
        None
    }
}

fn parse_auth(v: Option<&Value>, problems: &mut Vec<ApiProblem>) -> Option<Auth> {
    let v = v.filter(|v| !v.is_null())?;
    let data = &v["data"];
    let field = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_owned);
    let auth = match v.get("type").and_then(Value::as_str) {
        Some("api_key") => field("name")
            .zip(field("value"))
            .map(|(name, value)| Auth::ApiKey { name, value }),
        Some("basic_auth") => field("username")
            .zip(field("password"))
            .map(|(username, password)| Auth::Basic { username, password }),
        Some("bearer_token") => field("token").map(|token| Auth::Bearer { token }),
        other => {
            problems.push(ApiProblem::new(
                "InvalidValue",
                "Invalid value",
                format!(
                    "authentication.type: {other:?} is not api_key, basic_auth or bearer_token"
                ),
            ));
            return None;
        }
    };
    if auth.is_none() {
        problems.push(ApiProblem::new(
            "InvalidValue",
            "Invalid value",
            "authentication.data is missing fields for its type".to_owned(),
        ));
    }
    auth
}

impl Webhook {
    /// A new webhook from a full input (see [`WebhookInput::parse`]).
    pub fn create(input: WebhookInput, ids: &mut IdGen, actor: u64, now: OffsetDateTime) -> Self {
        let secret = input.secret.clone().unwrap_or_else(|| new_secret(ids));
        let mut w = Self {
            id: ulid(now, ids),
            name: String::new(),
            description: None,
            endpoint: String::new(),
            http_method: "POST".to_owned(),
            request_format: "json".to_owned(),
            status: "active".to_owned(),
            subscriptions: vec!["conditional_ticket_events".to_owned()],
            auth: Auth::None,
            secret,
            created_at: now,
            // Vendor quirk: created_by/updated_by are strings (go-zendesk fixture).
            created_by: actor.to_string(),
            updated_at: now,
            updated_by: actor.to_string(),
        };
        w.apply(input, actor, now);
        w
    }

    /// Applies the fields present in `input`.
    pub fn apply(&mut self, input: WebhookInput, actor: u64, now: OffsetDateTime) {
        if let Some(v) = input.name {
            self.name = v;
        }
        if let Some(v) = input.description {
            self.description = v;
        }
        if let Some(v) = input.endpoint {
            self.endpoint = v;
        }
        if let Some(v) = input.http_method {
            self.http_method = v;
        }
        if let Some(v) = input.request_format {
            self.request_format = v;
        }
        if let Some(v) = input.status {
            self.status = v;
        }
        if let Some(v) = input.subscriptions {
            self.subscriptions = v;
        }
        if let Some(v) = input.auth {
            self.auth = v;
        }
        if let Some(v) = input.secret {
            self.secret = v;
        }
        self.updated_at = now;
        self.updated_by = actor.to_string();
    }
}

/// A 44-character signing secret (base64url of 32 random bytes with padding), the
/// shape Zendesk's look like.
pub fn new_secret(ids: &mut IdGen) -> String {
    let bytes: Vec<u8> = (0..4).flat_map(|_| ids.next_u64().to_le_bytes()).collect();
    base64::engine::general_purpose::URL_SAFE.encode(bytes)
}

/// A ULID: 48 bits of milliseconds and 80 random bits, in Crockford base32.
pub fn ulid(now: OffsetDateTime, ids: &mut IdGen) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let millis =
        u128::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0) & ((1 << 48) - 1);
    let random =
        (u128::from(ids.next_u64()) << 16 | u128::from(ids.next_u64() & 0xffff)) & ((1 << 80) - 1);
    let mut value = millis << 80 | random;
    let mut out = [0u8; 26];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(value & 31) as usize];
        value >>= 5;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `base64(HMAC-SHA256(secret, timestamp + body))`, the current documented scheme
/// (REFERENCE 1.11).
pub fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks an invocation's `x-zendesk-webhook-signature` against webhook `id`'s
/// signing secret (`None`: the webhook no longer exists).
pub fn check_signature(
    headers: &crate::journal::Headers,
    body: &[u8],
    id: &str,
    secret: Option<&str>,
) -> crate::fake::SignatureCheck {
    const SCHEME: &str =
        "x-zendesk-webhook-signature = base64(HMAC-SHA256(secret, timestamp + body))";
    let check = crate::fake::SignatureCheck::new;
    let Some(secret) = secret else {
        return check(
            SCHEME,
            false,
            format!("webhook {id} no longer exists: its secret is unknown"),
        );
    };
    match (
        headers.get("x-zendesk-webhook-signature"),
        headers.get("x-zendesk-webhook-signature-timestamp"),
    ) {
        (Some(sig), Some(ts)) if sig == signature(secret, ts, body) => check(
            SCHEME,
            true,
            format!("matches webhook {id}'s signing secret"),
        ),
        (Some(_), Some(_)) => check(
            SCHEME,
            false,
            format!("does not match webhook {id}'s current signing secret"),
        ),
        _ => check(
            SCHEME,
            false,
            "the signature or its timestamp header is missing".to_owned(),
        ),
    }
}

/// What identifies and signs one invocation.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    /// `x-zendesk-account-id`.
    pub account_id: u64,
    /// `x-zendesk-webhook-id`.
    pub webhook_id: &'a str,
    /// `x-zendesk-webhook-invocation-id`.
    pub invocation_id: &'a str,
    /// The webhook's signing secret.
    pub secret: &'a str,
    /// `x-zendesk-webhook-signature-timestamp`, also signed.
    pub timestamp: &'a str,
}

/// The headers Zendesk sends with every invocation (REFERENCE 1.11), the signature
/// computed over `body` as sent; the content type only when there is a body.
pub fn invocation_headers(s: &Signed<'_>, body: &[u8], content_type: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    let mut put = |k: &'static str, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(HeaderName::from_static(k), v);
        }
    };
    put("x-zendesk-account-id", &s.account_id.to_string());
    put("x-zendesk-webhook-id", s.webhook_id);
    put("x-zendesk-webhook-invocation-id", s.invocation_id);
    put(
        "x-zendesk-webhook-signature",
        &signature(s.secret, s.timestamp, body),
    );
    put("x-zendesk-webhook-signature-timestamp", s.timestamp);
    put("user-agent", "Zendesk Webhook");
    if !body.is_empty() {
        put("content-type", content_type);
    }
    h
}

/// One invocation of a webhook, ready to send: everything but the signature
/// timestamp, which each attempt takes anew.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The webhook.
    pub webhook: Webhook,
    /// `x-zendesk-webhook-invocation-id`: a ULID.
    pub invocation_id: String,
    /// `x-zendesk-account-id`.
    pub account_id: u64,
    /// The rendered body (empty for GET and DELETE).
    pub body: Bytes,
}

impl Invocation {
    /// The request of one attempt, signed at `now`.
    pub fn request(&self, now: OffsetDateTime) -> Outgoing {
        let w = &self.webhook;
        let timestamp = crate::clock::iso_seconds(now);
        let body = if matches!(w.http_method.as_str(), "GET" | "DELETE") {
            Bytes::new()
        } else {
            self.body.clone()
        };
        let content_type = match w.request_format.as_str() {
            "xml" => "application/xml",
            "form_encoded" => "application/x-www-form-urlencoded",
            _ => "application/json",
        };
        let mut h = invocation_headers(
            &Signed {
                account_id: self.account_id,
                webhook_id: &w.id,
                invocation_id: &self.invocation_id,
                secret: &w.secret,
                timestamp: &timestamp,
            },
            &body,
            content_type,
        );
        if let Some((name, value)) = w.auth.header()
            && let (Ok(k), Ok(v)) = (
                HeaderName::try_from(name.to_ascii_lowercase()),
                HeaderValue::from_str(&value),
            )
        {
            h.insert(k, v);
        }
        Outgoing {
            method: Method::from_bytes(w.http_method.as_bytes()).unwrap_or(Method::POST),
            url: w.endpoint.clone(),
            headers: h,
            body,
        }
    }
}

/// Zendesk's delivery rules (REFERENCE 1.12, partly UNVERIFIED): 409 retried up to 3
/// times; 429 and 503 with a `Retry-After` under 60 s retried after that delay;
/// timeouts (and, by the same token, failed connections) retried up to 5 times;
/// anything else final.
#[derive(Debug, Clone, Copy)]
pub struct ZendeskRetry {
    /// Delay before the first retry of a 409 or timeout; doubles each time.
    pub base_delay: Duration,
}

impl RetryPolicy for ZendeskRetry {
    fn next_delay(&self, attempt: u32, outcome: &Outcome) -> Option<Duration> {
        let backoff = || self.base_delay * 2u32.saturating_pow(attempt - 1);
        match outcome {
            Outcome::Answered(a) if a.status == 409 && attempt <= 3 => Some(backoff()),
            Outcome::Answered(a) if matches!(a.status, 429 | 503) && attempt <= 5 => {
                a.retry_after().filter(|d| *d < Duration::from_secs(60))
            }
            Outcome::TimedOut | Outcome::Failed(_) if attempt <= 5 => Some(backoff()),
            _ => None,
        }
    }
}

/// Fields of a JSON object as a map (for tests and callers that build bodies).
pub fn as_map(v: &Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbound::Answer;
    use axum::http::header;
    use time::macros::datetime;

    #[test]
    fn signature_matches_an_independent_computation_of_the_documented_scheme() {
        // REFERENCE 1.11: the docs' test secret, used as a literal string, over
        // TIMESTAMP + BODY; the expected value was computed outside fakedesk.
        let sig = signature(
            "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==",
            "2021-07-25T10:00:00Z",
            b"{\"say\": \"hello\"}",
        );
        assert_eq!(sig, "gf3v0LzLRHPUnIdhbvwRDVEvzSb07/QN0GYjSNlkBT0=");
        // The older doc's vector (BODY + TIMESTAMP) must NOT match: we sign the current way.
        let old = signature(
            "HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA=",
            "2021-07-25T10:00:00Z",
            b"{\"say\": \"hello\"}",
        );
        assert_eq!(old, "Rry/4TtIdFyawtXXp8QdI6tlAUUQ/5kL1OTp5qo/ZIk=");
    }

    #[test]
    fn ulids_are_26_crockford_characters_and_sort_by_time() {
        let mut ids = IdGen::new(1);
        let a = ulid(datetime!(2020-10-20 08:16:28 UTC), &mut ids);
        let b = ulid(datetime!(2020-10-20 08:16:29 UTC), &mut ids);
        assert_eq!(a.len(), 26);
        assert!(
            a.bytes()
                .all(|c| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&c)),
            "{a}"
        );
        assert!(a < b);
        // The first 10 characters decode back to the milliseconds (1603181788000).
        let ms = a[..10].bytes().fold(0u64, |v, c| {
            v * 32
                + b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"
                    .iter()
                    .position(|x| *x == c)
                    .unwrap() as u64
        });
        assert_eq!(ms, 1_603_181_788_000);
    }

    #[test]
    fn a_delivery_carries_every_documented_header_and_the_auth_header() {
        let mut ids = IdGen::new(1);
        let input = WebhookInput::parse(&json!({"name": "n", "endpoint": "http://127.0.0.1:1/hook", "http_method": "POST", "request_format": "json", "status": "active", "authentication": {"type": "bearer_token", "data": {"token": "t0k"}, "add_position": "header"}}), true).unwrap();
        let w = Webhook::create(input, &mut ids, 7, datetime!(2021-03-25 05:09:27 UTC));
        let inv = Invocation {
            webhook: w.clone(),
            invocation_id: "8350205582".to_owned(),
            account_id: 123456,
            body: Bytes::from_static(b"{\"a\":1}"),
        };
        let req = inv.request(datetime!(2021-03-25 05:09:27 UTC));
        let h = |k: &str| req.headers.get(k).unwrap().to_str().unwrap().to_owned();
        assert_eq!(h("x-zendesk-account-id"), "123456");
        assert_eq!(h("x-zendesk-webhook-id"), w.id);
        assert_eq!(h("x-zendesk-webhook-invocation-id"), "8350205582");
        assert_eq!(
            h("x-zendesk-webhook-signature-timestamp"),
            "2021-03-25T05:09:27Z"
        );
        assert_eq!(
            h("x-zendesk-webhook-signature"),
            signature(&w.secret, "2021-03-25T05:09:27Z", b"{\"a\":1}")
        );
        assert_eq!(h("content-type"), "application/json");
        assert_eq!(h("authorization"), "Bearer t0k");
    }

    #[test]
    fn retries_follow_the_documented_rules() {
        let p = ZendeskRetry {
            base_delay: Duration::from_secs(1),
        };
        let answer = |status: u16, retry_after: Option<&str>| {
            let mut headers = HeaderMap::new();
            if let Some(r) = retry_after {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_str(r).unwrap());
            }
            Outcome::Answered(Answer {
                status,
                headers,
                body: Bytes::new(),
            })
        };
        assert_eq!(p.next_delay(1, &answer(200, None)), None);
        assert_eq!(
            p.next_delay(1, &answer(409, None)),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            p.next_delay(3, &answer(409, None)),
            Some(Duration::from_secs(4))
        );
        assert_eq!(
            p.next_delay(4, &answer(409, None)),
            None,
            "at most 3 retries"
        );
        assert_eq!(
            p.next_delay(1, &answer(503, Some("7"))),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            p.next_delay(1, &answer(429, Some("60"))),
            None,
            "Retry-After of 60 s or more is not waited for"
        );
        assert_eq!(p.next_delay(1, &answer(503, None)), None);
        assert_eq!(p.next_delay(1, &answer(500, None)), None);
        assert_eq!(p.next_delay(1, &answer(400, None)), None);
        assert_eq!(
            p.next_delay(5, &Outcome::TimedOut),
            Some(Duration::from_secs(16))
        );
        assert_eq!(
            p.next_delay(6, &Outcome::TimedOut),
            None,
            "at most 5 retries"
        );
    }

    #[test]
    fn webhook_input_reports_every_problem() {
        let Err(problems) = WebhookInput::parse(
            &json!({"http_method": "FETCH", "endpoint": "ftp://x"}),
            true,
        ) else {
            panic!()
        };
        let details: Vec<&str> = problems.iter().map(|p| p.detail.as_str()).collect();
        assert!(
            details.iter().any(|d| d.starts_with("http_method")),
            "{details:?}"
        );
        assert!(
            details.iter().any(|d| d.starts_with("endpoint")),
            "{details:?}"
        );
        assert!(details.iter().any(|d| d.starts_with("name")), "{details:?}");
    }
}

#[cfg(test)]
mod auth_tests {
    use super::*;

    #[test]
    fn every_authentication_type_becomes_its_header() {
        assert_eq!(
            Auth::ApiKey {
                name: "X-Api-Key".to_owned(),
                value: "k".to_owned()
            }
            .header(),
            Some(("X-Api-Key".to_owned(), "k".to_owned()))
        );
        // base64("u:p") = "dTpw"
        assert_eq!(
            Auth::Basic {
                username: "u".to_owned(),
                password: "p".to_owned()
            }
            .header(),
            Some(("authorization".to_owned(), "Basic dTpw".to_owned()))
        );
        assert_eq!(
            Auth::Bearer {
                token: "t".to_owned()
            }
            .header(),
            Some(("authorization".to_owned(), "Bearer t".to_owned()))
        );
        assert_eq!(Auth::None.header(), None);
    }
}

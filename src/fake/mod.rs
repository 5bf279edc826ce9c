//! What every fake vendor is: the [`Vendor`] trait, what a vendor registers
//! ([`Registration`], its [`Action`]s and settings spec), what it is built with
//! ([`VendorCtx`], [`Peers`]), its [`gate`], and the replies every vendor shares
//! (JSON, control errors, the "not implemented" mark, the 408).
//!
//! This is core: it names no vendor. The vendors themselves live in the `vendors`
//! module, one folder each, and import only the core (this module,
//! [`crate::settings`], the journal, outbound, clock, ids, template, payload and
//! rate-limit modules); the config, the server, scenarios and fuzzing reach every
//! vendor through the registry, `REGISTRY` beside the vendors' folders.

pub mod gate;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::clock::Clock;
use crate::journal::Headers;
use crate::outbound::Sender;
use crate::settings::{ConfigError, SettingsSpec, VendorConfig};
use crate::template::Templates;

/// A JSON reply with the vendor's own content type (Zendesk adds a charset, Braze
/// does not).
pub fn json_reply<T: serde::Serialize + ?Sized>(
    status: StatusCode,
    content_type: &'static str,
    body: &T,
) -> Response {
    match json_bytes(body) {
        Ok(bytes) => bytes_reply(status, content_type, bytes),
        Err(e) => serialization_bug(&e),
    }
}

/// `body` as compact JSON.
pub fn json_bytes<T: serde::Serialize + ?Sized>(body: &T) -> Result<Bytes, serde_json::Error> {
    // Most replies are an object or a page: start big enough to rarely regrow.
    let mut bytes = Vec::with_capacity(2048);
    serde_json::to_writer(&mut bytes, body)?;
    Ok(bytes.into())
}

/// A reply of already serialized bytes with the given content type.
pub fn bytes_reply(status: StatusCode, content_type: &'static str, bytes: Bytes) -> Response {
    let mut res = Response::new(Body::from(bytes));
    *res.status_mut() = status;
    // No room is reserved for the headers a vendor adds: the busiest answers get a
    // prepared header map in place of this one, and the others reserve their own.
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

/// The answer when one of our own values fails to serialize, which cannot happen
/// (there are no maps with non-string keys).
pub fn serialization_bug(e: &serde_json::Error) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("fakedesk bug: {e}"),
    )
        .into_response()
}

/// A control-API error: `{"error": ..., "hint": ...}`, as the rest of the control API.
/// Every vendor's control routes (its scenario actions) answer with it.
#[derive(Debug)]
pub struct ControlError {
    status: StatusCode,
    message: String,
    hint: serde_json::Value,
}

impl ControlError {
    /// An error with its status, message and a hint (what would work).
    pub fn new(status: StatusCode, message: impl Into<String>, hint: serde_json::Value) -> Self {
        Self {
            status,
            message: message.into(),
            hint,
        }
    }

    /// A 400.
    pub fn bad(message: impl Into<String>, hint: serde_json::Value) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message, hint)
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(serde_json::json!({"error": self.message, "hint": self.hint})),
        )
            .into_response()
    }
}

/// What a control handler answers.
pub type Control = Result<Response, ControlError>;

/// A control request's body as a JSON object; an empty body is `{}`.
pub fn control_body(
    bytes: &[u8],
) -> Result<serde_json::Map<String, serde_json::Value>, ControlError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice(bytes) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        Ok(_) => Err(ControlError::bad(
            "the body must be a JSON object",
            serde_json::Value::Null,
        )),
        Err(e) => Err(ControlError::bad(
            format!("the body is not valid JSON: {e}"),
            serde_json::Value::Null,
        )),
    }
}

/// Marks an answer (in its extensions, never sent) as the vendor's "no such
/// endpoint": the record layer journals the call as `unmatched` and lists it under
/// `GET /coverage`.
#[derive(Debug, Clone, Copy)]
pub struct Unmatched;

/// `answer`, marked as the vendor's answer to a call it does not implement.
pub fn unmatched(answer: impl IntoResponse) -> Response {
    let mut res = answer.into_response();
    res.extensions_mut().insert(Unmatched);
    res
}

/// `(method, path)` pairs as [`Vendor::implemented`] answers them.
pub fn routes_list(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect()
}

/// A request the transport refused before any handler saw it. Each vendor turns it
/// into its own error envelope, so even these look like the vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// The body exceeded the configured limit (in bytes).
    BodyTooLarge(usize),
    /// The body could not be read at all (client hung up mid-body).
    BodyUnreadable,
    /// The request stalled past a read timeout (its body paused too long, or its
    /// header never completed). Answered 408 with the vendor's envelope.
    TimedOut,
}

/// The message of a 408 in every vendor's envelope.
pub const TIMED_OUT: &str = "Request timed out: the request stopped arriving";

/// A vendor's error `response` as a 408: the real vendors' fronts answer a stalled
/// request with 408 (UNVERIFIED which envelope they use; the vendor's own is kept).
pub fn request_timeout(mut response: axum::response::Response) -> axum::response::Response {
    *response.status_mut() = axum::http::StatusCode::REQUEST_TIMEOUT;
    response
}

/// A value a vendor hands its users at start: printed by `serve` and written to the
/// env file as `FAKEDESK_<VENDOR>_<KEY>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// Upper-case key, e.g. `EMAIL`, `TOKEN`.
    pub key: &'static str,
    /// The value.
    pub value: String,
}

/// What every vendor gets from the harness.
#[derive(Clone)]
pub struct VendorCtx {
    /// The run's clock.
    pub clock: Arc<dyn Clock>,
    /// What vendors read of the validated run configuration: the seed, the rate
    /// limits' master switch and every vendor's settings.
    pub config: Arc<VendorConfig>,
    /// Sends (and journals) the vendor's outbound calls.
    pub sender: Sender,
    /// The shared Liquid parser.
    pub templates: Arc<Templates>,
    /// What the fakes know of each other: addresses and published values.
    pub peers: Arc<Peers>,
}

/// Built once: a header looked up by `&str` is parsed and validated on every call,
/// and every Zendesk request asks for this one.
const X_FORWARDED_PROTO: axum::http::HeaderName =
    axum::http::HeaderName::from_static("x-forwarded-proto");

/// `https` when the request arrived over TLS (fakedesk's TLS termination adds
/// `X-Forwarded-Proto: https`, as a TLS-terminating load balancer does), else
/// `http`: the scheme of the absolute links a fake builds.
pub fn scheme_of(headers: &axum::http::HeaderMap) -> &'static str {
    match headers.get(X_FORWARDED_PROTO) {
        Some(v) if v.as_bytes().eq_ignore_ascii_case(b"https") => "https",
        _ => "http",
    }
}

/// Marks a request as arrived over TLS, for [`scheme_of`].
pub fn mark_https(headers: &mut axum::http::HeaderMap) {
    headers.insert(
        X_FORWARDED_PROTO,
        axum::http::HeaderValue::from_static("https"),
    );
}

/// The account a request's hostname names (`acme` in `acme.zendesk.com`), attached
/// by the proxy from its host map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostAccount(pub String);

/// What the fakes of one run know of each other: every listener's address once
/// bound, and values one vendor publishes for another (fake Freshchat's public
/// key, which fake Mammut verifies webhooks with).
#[derive(Debug, Default)]
pub struct Peers {
    addrs: OnceLock<BTreeMap<&'static str, SocketAddr>>,
    tls: std::sync::atomic::AtomicBool,
    published: Mutex<BTreeMap<String, String>>,
}

impl Peers {
    /// Records the bound addresses (once; later calls change nothing).
    pub fn set_addrs(&self, addrs: BTreeMap<&'static str, SocketAddr>) {
        let _ = self.addrs.set(addrs);
    }

    /// Vendor ports speak https from now on (`serve --tls`).
    pub fn set_tls(&self, on: bool) {
        self.tls.store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// `http://ADDR` of a vendor (`https://` under `--tls`), or of `control` or
    /// `proxy` (always http), once bound.
    pub fn url(&self, name: &str) -> Option<String> {
        let tls = self.tls.load(std::sync::atomic::Ordering::Relaxed)
            && !matches!(name, "control" | "proxy");
        let scheme = if tls { "https" } else { "http" };
        self.addrs
            .get()?
            .get(name)
            .map(|a| format!("{scheme}://{a}"))
    }

    /// Publishes `value` under `key` (`freshchat.public_key_pem`).
    pub fn publish(&self, key: &str, value: String) {
        self.published
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.to_owned(), value);
    }

    /// A published value.
    pub fn published(&self, key: &str) -> Option<String> {
        self.published
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }
}

/// A running fake vendor.
pub trait Vendor: Send + Sync + 'static {
    /// The key used in configuration, the journal and URLs, e.g. `zendesk`.
    fn name(&self) -> &'static str;
    /// The vendor's public API, serving only the vendor's own paths. The harness
    /// puts the vendor's [`Vendor::gate`] around the whole router, and its record
    /// layer around that.
    fn router(self: Arc<Self>) -> Router;
    /// What every request goes through before its route and every answer after it
    /// (an account's rate limit, authentication, common headers); `None` when the
    /// vendor's routes check everything themselves.
    fn gate(self: Arc<Self>) -> Option<gate::GateLayer> {
        None
    }
    /// Everything the vendor holds, for `GET /state/{vendor}`.
    fn state(&self) -> serde_json::Value;
    /// Forgets every change since start: back to the seeded state.
    fn reset(&self);
    /// The account a request is for (Zendesk: its subdomain), as journal entries
    /// carry it; `None` for vendors without accounts.
    fn account_of(&self, _parts: &axum::http::request::Parts) -> Option<Arc<str>> {
        None
    }
    /// The state of one account, for `GET /state/{vendor}?subdomain=`; `None` when
    /// the vendor has no accounts or the name is not one.
    fn account_state(self: Arc<Self>, _account: &str) -> Option<serde_json::Value> {
        None
    }
    /// Resets one account only, for `POST /reset?subdomain=`; false when the
    /// vendor has no accounts.
    fn reset_account(&self, _account: &str) -> bool {
        false
    }
    /// The vendor's own answer to a request the transport refused.
    fn reject(&self, rejection: Rejection) -> Response;
    /// The vendor's own answer with this status, body and headers included, when a
    /// fault rule forces one (`action: status`). Built from the vendor's error
    /// envelope; the README's fidelity tables say which bodies are documented.
    fn error_reply(&self, status: StatusCode) -> Response;
    /// The run's clock moved to `now` (an advance, or the wall clock's tick): apply
    /// the vendor's time-driven rules that are due by then.
    fn on_clock(self: Arc<Self>, now: time::OffsetDateTime) {
        let _ = now;
    }
    /// The seeded credentials to print and export.
    fn credentials(&self) -> Vec<Credential>;
    /// Vendor-specific control endpoints, served on the control port under `/{name}`.
    /// Each action of the registration is `POST /{name}/actions/{action}` with its
    /// arguments as the JSON body; scenario `send` steps call the same routes.
    fn control(self: Arc<Self>) -> Option<Router> {
        None
    }
    /// The `Authorization` value of the seeded account, which scenario `call` steps
    /// send unless told otherwise.
    fn seeded_authorization(&self) -> Option<String> {
        None
    }
    /// Lines `serve` prints under its table (fake Freshchat's public key).
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
    /// The method and path templates the vendor implements, as `GET /coverage`
    /// lists them (`["GET", "/api/v2/tickets"]`); empty when the vendor does not
    /// declare them.
    fn implemented(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    /// Whether a request this vendor sent (`headers`, `body` as journaled) carries a
    /// valid signature under the vendor's scheme and its current secrets, as the
    /// receiver would check it; `None` when the vendor does not sign what it sends.
    fn check_signature(&self, headers: &Headers, body: &[u8]) -> Option<SignatureCheck> {
        let _ = (headers, body);
        None
    }
}

/// The outcome of [`Vendor::check_signature`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignatureCheck {
    /// How the vendor signs, in one line.
    pub scheme: &'static str,
    /// True when a receiver holding the vendor's secret accepts the request.
    pub verified: bool,
    /// Why, in words.
    pub detail: String,
}

impl SignatureCheck {
    /// A check of `scheme`: `verified` with `detail`.
    pub fn new(scheme: &'static str, verified: bool, detail: impl Into<String>) -> Self {
        Self {
            scheme,
            verified,
            detail: detail.into(),
        }
    }
}

/// How the harness builds one vendor.
#[derive(Clone, Copy)]
pub struct Registration {
    /// The vendor's name (as [`Vendor::name`]).
    pub name: &'static str,
    /// The port `serve` uses unless told otherwise.
    pub default_port: u16,
    /// The vendor's section of `vendors:` in the config file and in scenarios.
    pub settings: SettingsSpec,
    /// Builds the vendor from the run configuration.
    pub build: fn(&VendorCtx) -> Result<Arc<dyn Vendor>, ConfigError>,
    /// What the vendor does on its own when told (scenario `send` steps), each served
    /// as `POST /{name}/actions/{action}` on the control port.
    pub actions: &'static [Action],
    /// The OpenAPI `paths` of the vendor's other control routes (its
    /// [`Vendor::control`] router beside the actions), as a JSON object; `None` when
    /// it has none. `GET /openapi.json` merges them in.
    pub control_paths: Option<&'static str>,
    /// The payloads the vendor sends that `fakedesk fuzz` can send too (its
    /// `fuzz.rs`); empty when it sends none.
    pub fuzz: &'static [crate::payload::Target],
}

/// Something a fake vendor does on its own: a push or a pull, or a change made in
/// the vendor's own UI.
#[derive(Debug, Clone, Copy)]
pub struct Action {
    /// The action's name, e.g. `campaign`.
    pub name: &'static str,
    /// One line for the README and `fakedesk schema`.
    pub summary: &'static str,
}

//! Shared setup: a fake on a fixed clock, driven through its router with `oneshot`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request};
use base64::Engine as _;
use fakedesk::clock::ManualClock;
use fakedesk::config::RunConfig;
use fakedesk::server::Harness;
use http_body_util::BodyExt;
use serde_json::Value;
use time::macros::datetime;
use tower::ServiceExt;

/// The host every test request names, so absolute links are predictable.
pub(crate) const HOST: &str = "zendesk.test";

/// A fake fakedesk, its Zendesk router, and the clock it runs on.
pub(crate) struct Fake {
    pub(crate) harness: Arc<Harness>,
    pub(crate) zendesk: Router,
    pub(crate) clock: Arc<ManualClock>,
}

/// A response, with its body parsed as JSON when it is JSON.
#[derive(Debug)]
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) text: String,
    pub(crate) json: Value,
}

impl Resp {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Every fake on OS-chosen ports and a clock stopped at 2024-02-08T17:44:38Z.
fn harness_with(tweak: impl FnOnce(&mut RunConfig)) -> (Arc<Harness>, Arc<ManualClock>) {
    let mut config = RunConfig::ephemeral();
    tweak(&mut config);
    let clock = Arc::new(ManualClock::new(datetime!(2024-02-08 17:44:38 UTC)));
    let harness = Harness::new(config, clock.clone()).expect("test config is valid");
    (harness, clock)
}

pub(crate) fn fake() -> Fake {
    fake_with(|_| {})
}

pub(crate) fn fake_with(tweak: impl FnOnce(&mut RunConfig)) -> Fake {
    let (harness, clock) = harness_with(tweak);
    let zendesk = harness.vendor_app(harness.vendor("zendesk").expect("zendesk is registered"));
    Fake {
        harness,
        zendesk,
        clock,
    }
}

/// `Authorization` values for the seeded admin.
pub(crate) fn token_auth() -> String {
    basic("admin@fakedesk.test/token:fakedesk0zendesk0api0token0000000000000")
}

pub(crate) fn basic(pair: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

impl Fake {
    /// Sends a raw request to fake Zendesk.
    pub(crate) async fn raw(
        &self,
        method: &str,
        path: &str,
        auth: Option<&str>,
        body: Body,
    ) -> Resp {
        oneshot(&self.zendesk, json_request(method, path, HOST, auth, body)).await
    }

    /// Sends JSON (or nothing) as the seeded admin.
    pub(crate) async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
        self.raw(method, path, Some(&token_auth()), body).await
    }

    /// Creates a ticket and returns its id.
    pub(crate) async fn ticket(&self, subject: &str) -> u64 {
        let r = self
            .call(
                "POST",
                "/api/v2/tickets.json",
                Some(serde_json::json!({"ticket": {"subject": subject, "comment": {"body": format!("about {subject}")}}})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.json["ticket"]["id"].as_u64().expect("ticket id")
    }

    /// Creates an end user and returns its id.
    pub(crate) async fn user(&self, name: &str, email: &str) -> u64 {
        let r = self
            .call(
                "POST",
                "/api/v2/users.json",
                Some(serde_json::json!({"user": {"name": name, "email": email}})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.json["user"]["id"].as_u64().expect("user id")
    }

    /// The seeded admin's user id.
    pub(crate) async fn admin_id(&self) -> u64 {
        self.call("GET", "/api/v2/users/me.json", None).await.json["user"]["id"]
            .as_u64()
            .expect("admin id")
    }
}

/// Replaces ids and timestamps with numbered placeholders, so a snapshot shows when
/// the same id comes back (`[id:1]` twice) without depending on the seed or clock.
pub(crate) fn redact(v: &Value) -> Value {
    let mut seen = BTreeMap::new();
    redact_into(v, None, &mut seen)
}

fn redact_into(v: &Value, key: Option<&str>, seen: &mut BTreeMap<String, String>) -> Value {
    let placeholder = |kind: &str, raw: String, seen: &mut BTreeMap<String, String>| {
        let n = seen.len() + 1;
        Value::String(
            seen.entry(format!("{kind}:{raw}"))
                .or_insert_with(|| format!("[{kind}:{n}]"))
                .clone(),
        )
    };
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), redact_into(x, Some(k), seen)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| redact_into(x, key, seen)).collect()),
        Value::Number(n) if key.is_some_and(is_id_key) => placeholder("id", n.to_string(), seen),
        Value::String(s) if key.is_some_and(is_id_key) && s.bytes().all(|b| b.is_ascii_digit()) => {
            placeholder("id", s.clone(), seen)
        }
        Value::String(s) if key.is_some_and(|k| k.ends_with("_at")) => {
            placeholder("time", s.clone(), seen)
        }
        other => other.clone(),
    }
}

fn is_id_key(k: &str) -> bool {
    k == "id" || k.ends_with("_id") || k == "value" || k == "previous_value"
}

/// Fake Braze's seeded REST API key.
pub(crate) const BRAZE_KEY: &str = "fa4ede5c-b4a2-e000-0000-000000000000";

/// A fake fakedesk seen from Braze's side: its REST API router, the control API
/// router (where campaigns are created and sent), and the clock.
pub(crate) struct BrazeFake {
    pub(crate) harness: Arc<Harness>,
    pub(crate) api: Router,
    pub(crate) control: Router,
    pub(crate) clock: Arc<ManualClock>,
}

pub(crate) fn braze() -> BrazeFake {
    braze_with(|_| {})
}

pub(crate) fn braze_with(tweak: impl FnOnce(&mut RunConfig)) -> BrazeFake {
    let (harness, clock) = harness_with(tweak);
    let api = harness.vendor_app(harness.vendor("braze").expect("braze is registered"));
    let control = fakedesk::server::control::router(harness.clone());
    BrazeFake {
        harness,
        api,
        control,
        clock,
    }
}

/// Any vendor seen as [`BrazeFake`] sees Braze: its port's router (in `api`), the
/// control API router, and the clock.
pub(crate) type VendorFake = BrazeFake;

/// Fakes with `tweak` applied, seen from vendor `name`'s side.
pub(crate) fn vendor_with(name: &str, tweak: impl FnOnce(&mut RunConfig)) -> VendorFake {
    let (harness, clock) = harness_with(tweak);
    let api = harness.vendor_app(harness.vendor(name).expect("the vendor is registered"));
    let control = fakedesk::server::control::router(harness.clone());
    BrazeFake {
        harness,
        api,
        control,
        clock,
    }
}

/// A JSON request to `host`, with an optional `Authorization` value.
fn json_request(
    method: &str,
    path: &str,
    host: &str,
    auth: Option<&str>,
    body: Body,
) -> Request<Body> {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", host)
        .header("content-type", "application/json");
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    req.body(body).expect("valid request")
}

/// Sends one request through `router` and reads the whole reply.
pub(crate) async fn oneshot(router: &Router, req: Request<Body>) -> Resp {
    let res = router
        .clone()
        .oneshot(req)
        .await
        .expect("router is infallible");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        text,
        json,
    }
}

impl BrazeFake {
    /// Sends a raw request to fake Braze's REST API.
    pub(crate) async fn raw(
        &self,
        method: &str,
        path: &str,
        auth: Option<&str>,
        body: Body,
    ) -> Resp {
        oneshot(
            &self.api,
            json_request(method, path, "rest.iad-01.braze.test", auth, body),
        )
        .await
    }

    /// POSTs JSON to fake Braze with the seeded key.
    pub(crate) async fn post(&self, path: &str, body: Value) -> Resp {
        let auth = format!("Bearer {BRAZE_KEY}");
        self.raw("POST", path, Some(&auth), Body::from(body.to_string()))
            .await
    }

    /// Calls the control API (`/braze/...`, `/state/braze`, `/reset`).
    pub(crate) async fn control(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .body(body)
            .expect("valid request");
        oneshot(&self.control, req).await
    }
}

/// What a wiremock receiver got, waiting (at most 10 s) until it has `at_least`.
pub(crate) async fn received(
    server: &wiremock::MockServer,
    at_least: usize,
) -> Vec<wiremock::Request> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let got = server.received_requests().await.unwrap_or_default();
        if got.len() >= at_least || std::time::Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// The slack allowed on top of a timeout before a test calls it a hang.
pub(crate) const SLACK: std::time::Duration = std::time::Duration::from_secs(5);

/// Whether process `pid` is gone: no such process, or a zombie (dead, waiting for a
/// parent that is not us to reap it).
#[cfg(unix)]
pub(crate) fn is_gone(pid: i32) -> bool {
    use nix::errno::Errno;
    use nix::sys::signal::kill;
    use nix::unistd::Pid;
    if kill(Pid::from_raw(pid), None) == Err(Errno::ESRCH) {
        return true;
    }
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// Asserts that `pid` is gone, allowing [`SLACK`] for reaping.
#[cfg(unix)]
pub(crate) async fn assert_gone(pid: i32, what: &str) {
    let deadline = std::time::Instant::now() + SLACK;
    while !is_gone(pid) {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} (pid {pid}) is still running"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Arbitrary JSON whose strings come from `words` and object keys from `keys`.
pub(crate) fn json_with(
    words: impl proptest::strategy::Strategy<Value = String> + Clone + 'static,
    keys: impl proptest::strategy::Strategy<Value = String> + Clone + 'static,
) -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::json!(f)),
        words.prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::btree_map(keys.clone(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A port nobody listens on (bound by the OS, then released).
pub(crate) fn unused_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

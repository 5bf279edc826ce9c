//! Delivery chaos on the vendors' own deliveries (duplicate, reorder, delay, drop)
//! reaching receivers of our own, the clock's control API and rules, and the
//! shipped fault examples run with their careless variants, which must be caught.

#![cfg(unix)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fakedesk::clock::{ManualClock, SystemClock};
use fakedesk::config::RunConfig;
use fakedesk::journal::{Direction, Entry};
use fakedesk::scenario::report::{Outcome, Paint, render};
use fakedesk::scenario::{load, run};
use fakedesk::server::{self, Harness, Running};
use serde_json::{Value, json};
use time::macros::datetime;
use tokio::sync::watch;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::received;

const EMAIL: &str = "admin@fakedesk.test/token";
const TOKEN: &str = "fakedesk0zendesk0api0token0000000000000";

async fn receiver() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

fn rule(v: Value) -> fakedesk::fault::FaultRule {
    serde_json::from_value(v).unwrap()
}

/// Fake Zendesk with a webhook to `hook` and a trigger on every new ticket.
async fn zendesk_to(hook: &MockServer, clock: Arc<dyn fakedesk::clock::Clock>) -> Running {
    let mut config = RunConfig::ephemeral();
    config.zendesk.webhooks.retry_base_delay_ms = 10;
    config.zendesk.seed_webhooks = vec![json!({
        "name": "Hook", "endpoint": format!("{}/hook", hook.uri()), "http_method": "POST",
        "request_format": "json", "status": "active", "subscriptions": ["conditional_ticket_events"]
    })];
    config.zendesk.seed_triggers = vec![json!({
        "title": "Every ticket",
        "conditions": {"all": [{"field": "status", "operator": "changed"}]},
        "actions": [{"field": "notification_webhook",
                     "value": ["Hook", "{\"ticket_id\": \"{{ticket.id}}\", \"status\": \"{{ticket.status}}\"}"]}]
    })];
    let harness = Harness::new(config, clock).unwrap();
    server::start(harness).await.unwrap()
}

async fn create_ticket(r: &Running, subject: &str) -> u64 {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v2/tickets.json", r.url("zendesk")))
        .basic_auth(EMAIL, Some(TOKEN))
        .json(&json!({"ticket": {"subject": subject, "comment": {"body": "hi"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["ticket"]["id"]
        .as_u64()
        .unwrap()
}

fn outbound(r: &Running) -> Vec<Entry> {
    r.harness
        .journal
        .entries(&Default::default())
        .into_iter()
        .map(|e| (*e).clone())
        .filter(|e| e.exchange.direction == Direction::Outbound)
        .collect()
}

/// The outbound entries once at least `n` are journaled: an attempt is journaled
/// when its answer is back, which can be just after the receiver has the request.
async fn outbound_at_least(r: &Running, n: usize) -> Vec<Entry> {
    let mut wake = r.harness.journal.subscribe();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let got = outbound(r);
        if got.len() >= n {
            return got;
        }
        if !matches!(
            tokio::time::timeout_at(deadline, wake.changed()).await,
            Ok(Ok(()))
        ) {
            return got;
        }
    }
}

fn body_of(req: &wiremock::Request) -> Value {
    serde_json::from_slice(&req.body).unwrap()
}

#[tokio::test]
async fn a_duplicated_zendesk_delivery_repeats_the_invocation_and_is_journaled_as_such() {
    let hook = receiver().await;
    let r = zendesk_to(&hook, Arc::new(SystemClock)).await;
    r.harness
        .faults
        .add(
            "zendesk",
            rule(json!({"action": "duplicate", "path": "/hook"})),
        )
        .unwrap();
    create_ticket(&r, "twice").await;
    let got = received(&hook, 2).await;
    assert_eq!(got.len(), 2);
    let id = |i: usize| got[i].headers["x-zendesk-webhook-invocation-id"].clone();
    assert_eq!(id(0), id(1), "a redelivery keeps the invocation id");
    assert_eq!(got[0].body, got[1].body);
    let sent = outbound_at_least(&r, 2).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].exchange.fault, None);
    let mark = sent[1].exchange.fault.expect("the duplicate is marked");
    assert_eq!((mark.id, mark.action), (1, "duplicate"));
    assert_eq!(sent[1].exchange.outbound.as_ref().unwrap().attempt, 2);
    r.shutdown().await;
}

#[tokio::test]
async fn a_dropped_attempt_times_out_and_zendesks_retry_delivers_it() {
    let hook = receiver().await;
    let r = zendesk_to(&hook, Arc::new(SystemClock)).await;
    r.harness
        .faults
        .add("zendesk", rule(json!({"action": "drop", "attempts": 1})))
        .unwrap();
    create_ticket(&r, "lost once").await;
    assert_eq!(received(&hook, 1).await.len(), 1);
    let sent = outbound_at_least(&r, 2).await;
    assert_eq!(sent.len(), 2, "the dropped attempt and the retry");
    assert_eq!(sent[0].exchange.fault.unwrap().action, "drop");
    assert!(
        sent[0]
            .exchange
            .error
            .as_deref()
            .unwrap()
            .contains("timed out")
    );
    assert_eq!(sent[1].exchange.response.as_ref().unwrap().status, 200);
    assert_eq!(sent[1].exchange.outbound.as_ref().unwrap().attempt, 2);
    r.shutdown().await;
}

#[tokio::test]
async fn a_delayed_delivery_arrives_after_its_delay() {
    let hook = receiver().await;
    let r = zendesk_to(&hook, Arc::new(SystemClock)).await;
    r.harness
        .faults
        .add("zendesk", rule(json!({"action": "delay", "ms": 400})))
        .unwrap();
    let t0 = Instant::now();
    create_ticket(&r, "late").await;
    received(&hook, 1).await;
    assert!(t0.elapsed() >= Duration::from_millis(400));
    assert_eq!(
        outbound_at_least(&r, 1).await[0]
            .exchange
            .fault
            .unwrap()
            .action,
        "delay"
    );
    r.shutdown().await;
}

#[tokio::test]
async fn a_reordered_delivery_reaches_the_receiver_after_the_next_one() {
    let hook = receiver().await;
    let r = zendesk_to(&hook, Arc::new(SystemClock)).await;
    r.harness
        .faults
        .add(
            "zendesk",
            rule(json!({"action": "reorder", "times": 1, "ms": 5000})),
        )
        .unwrap();
    let first = create_ticket(&r, "first").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let second = create_ticket(&r, "second").await;
    let got = received(&hook, 2).await;
    let order: Vec<String> = got
        .iter()
        .map(|g| body_of(g)["ticket_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(order, [second.to_string(), first.to_string()]);
    r.shutdown().await;
}

/// The vendors that push to a receiver of the integrator's (Zendesk has its own
/// tests above; Mammut's calls go to fake Freshchat).
const PUSHERS: [&str; 5] = ["smartsupp", "blip", "ferndesk", "braze", "freshchat"];

#[tokio::test]
async fn chaos_reaches_every_pushing_vendors_deliveries() {
    let hook = receiver().await;
    let url = format!("{}/in", hook.uri());
    let mut config = RunConfig::ephemeral();
    config.smartsupp.hook.url = url.clone();
    config.blip.attendance.url = url.clone();
    config.blip.attendance.retry_base_delay_ms = 1;
    config.braze.campaigns = vec![
        serde_json::from_value(json!({"name": "c", "url": url.clone(), "body": "{\"hi\": 1}"}))
            .unwrap(),
    ];
    let harness = Harness::new(config, Arc::new(SystemClock)).unwrap();
    for vendor in PUSHERS {
        harness
            .faults
            .add(vendor, rule(json!({"action": "duplicate"})))
            .unwrap();
    }
    let r = server::start(harness).await.unwrap();
    let control = r.url("control");
    let http = reqwest::Client::new();
    let act = |path: &str, body: Value| http.post(format!("{control}{path}")).json(&body).send();
    let payload: Value = serde_json::from_str(include_str!(
        "../../fixtures/vendors/smartsupp/hook_example.json"
    ))
    .unwrap();
    act("/smartsupp/actions/hook", json!({"payload": payload}))
        .await
        .unwrap();
    act(
        "/blip/actions/handoff",
        json!({"customer": "1@wa.gw.msging.net", "text": "hi"}),
    )
    .await
    .unwrap();
    act("/ferndesk/actions/pull", json!({"url": url}))
        .await
        .unwrap();
    received(&hook, 5).await;
    let sent = outbound_at_least(&r, 5).await;
    for vendor in ["smartsupp", "blip", "ferndesk"] {
        let marked: Vec<&'static str> = sent
            .iter()
            .filter(|e| e.exchange.vendor == vendor)
            .filter_map(|e| e.exchange.fault.map(|f| f.action))
            .collect();
        assert!(marked.contains(&"duplicate"), "{vendor}: {marked:?}");
    }
    r.shutdown().await;
}

#[tokio::test]
async fn the_clock_moves_only_when_manual_and_runs_zendesks_auto_close() {
    let hook = receiver().await;
    let clock = Arc::new(ManualClock::new(datetime!(2024-02-08 17:44:38 UTC)));
    let r = zendesk_to(&hook, clock).await;
    let http = reqwest::Client::new();
    let control = r.url("control");
    let me: Value = http
        .get(format!("{}/api/v2/users/me.json", r.url("zendesk")))
        .basic_auth(EMAIL, Some(TOKEN))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = http
        .post(format!("{}/api/v2/tickets.json", r.url("zendesk")))
        .basic_auth(EMAIL, Some(TOKEN))
        .json(&json!({"ticket": {"subject": "s", "comment": {"body": "b"},
                       "assignee_id": me["user"]["id"], "status": "solved"}}))
        .send()
        .await
        .unwrap();
    let id = res.json::<Value>().await.unwrap()["ticket"]["id"].clone();
    let advance = |body: Value| {
        http.post(format!("{control}/clock/advance"))
            .json(&body)
            .send()
    };
    let state = || async {
        let s: Value = reqwest::get(format!("{control}/state/zendesk"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        s["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()["status"]
            .clone()
    };
    let moved: Value = advance(json!({"by": "95h"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        moved,
        json!({"now": "2024-02-12T16:44:38.000Z", "manual": true})
    );
    assert_eq!(state().await, "solved", "95 hours: not yet");
    let res = advance(json!({"to": "2024-02-12T17:44:38Z"}))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        state().await,
        "closed",
        "96 hours: the automation closed it"
    );
    let back = advance(json!({"to": "2024-01-01T00:00:00Z"}))
        .await
        .unwrap();
    assert_eq!(back.status(), 400, "the clock only moves forward");
    let bad = advance(json!({"by": "soon"})).await.unwrap();
    assert_eq!(bad.status(), 400);
    let got = received(&hook, 2).await;
    let last = body_of(got.last().unwrap());
    assert_eq!(last["status"], "Closed");
    r.shutdown().await;
}

#[tokio::test]
async fn the_wall_clock_cannot_be_moved() {
    let mut config = RunConfig::ephemeral();
    config.zendesk.close_solved_after_hours = 96;
    let harness = Harness::new(config, Arc::new(SystemClock)).unwrap();
    let r = server::start(harness).await.unwrap();
    let clock: Value = reqwest::get(format!("{}/clock", r.url("control")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clock["manual"], false);
    let res = reqwest::Client::new()
        .post(format!("{}/clock/advance", r.url("control")))
        .json(&json!({"by": "1d"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    r.shutdown().await;
}

/// Runs a shipped scenario with extra SUT environment; its report.
async fn run_shipped(file: &str, env: (&str, &str)) -> fakedesk::scenario::report::ScenarioReport {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let mut loaded = load::load(&path).unwrap();
    let sut = loaded.scenario.sut.as_mut().unwrap();
    sut.env.insert(env.0.to_owned(), env.1.to_owned());
    let (_tx, cancel) = watch::channel(false);
    run::run(&loaded, &run::RunOptions::default(), cancel).await
}

fn failed_at(report: &fakedesk::scenario::report::ScenarioReport, step: &str) {
    match &report.outcome {
        Outcome::Failed(m) => assert!(m.contains(step), "{m}"),
        other => panic!("not caught: {other:?}\n{}", render(report, Paint(false))),
    }
}

#[tokio::test]
async fn a_sync_that_ignores_retry_after_is_caught() {
    let report = run_shipped(
        "zendesk-retry-after.yaml",
        ("SYNC_IGNORES_RETRY_AFTER", "1"),
    )
    .await;
    failed_at(&report, "no retry before Retry-After");
}

#[tokio::test]
async fn a_receiver_that_is_not_idempotent_is_caught() {
    let report = run_shipped(
        "zendesk-duplicate-delivery.yaml",
        ("RECEIVER_NOT_IDEMPOTENT", "1"),
    )
    .await;
    failed_at(&report, "and only once");
}

#[tokio::test]
async fn blip_closes_an_idle_attendance_when_the_clock_passes_its_limit() {
    let platform = receiver().await;
    let mut config = RunConfig::ephemeral();
    config.blip.attendance.url = format!("{}/blip", platform.uri());
    config.blip.attendance.close_inactive_after_minutes = 30;
    let clock = Arc::new(ManualClock::new(datetime!(2024-02-08 17:44:38 UTC)));
    let harness = Harness::new(config, clock).unwrap();
    let r = server::start(harness).await.unwrap();
    let control = r.url("control");
    let http = reqwest::Client::new();
    let handoff: Value = http
        .post(format!("{control}/blip/actions/handoff"))
        .json(&json!({"customer": "1@wa.gw.msging.net", "text": "hello?"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = handoff["ticket"]["id"].as_str().unwrap().to_owned();
    let advance = |by: &'static str| {
        http.post(format!("{control}/clock/advance"))
            .json(&json!({ "by": by }))
            .send()
    };
    let status = || async {
        let s: Value = reqwest::get(format!("{control}/state/blip"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        s["tickets"][&id]["status"].clone()
    };
    advance("29m").await.unwrap();
    assert_eq!(status().await, "Waiting");
    advance("2m").await.unwrap();
    assert_eq!(status().await, "ClosedClientInactivity");
    let got = received(&platform, 2).await;
    let last = body_of(got.last().unwrap());
    assert_eq!(last["id"], format!("Ticket:{id}:ClosedClientInactivity"));
    r.shutdown().await;
}

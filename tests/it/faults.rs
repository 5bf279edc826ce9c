//! Fault rules as a real HTTP client sees them, over real sockets: the control API
//! that sets them, each action, the journal's `fault` field, seeded probability,
//! and each vendor's own body for a forced status.

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use fakedesk::clock::{ManualClock, SystemClock};
use fakedesk::config::RunConfig;
use fakedesk::server::{self, Harness, Running};
use serde_json::{Value, json};
use time::macros::datetime;

const EMAIL: &str = "admin@fakedesk.test/token";
const TOKEN: &str = "fakedesk0zendesk0api0token0000000000000";

async fn running(tweak: impl FnOnce(&mut RunConfig)) -> Running {
    let mut config = RunConfig::ephemeral();
    tweak(&mut config);
    let harness = Harness::new(config, Arc::new(SystemClock)).unwrap();
    server::start(harness).await.unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn add_fault(r: &Running, rule: Value) -> Value {
    let res = client()
        .post(format!("{}/faults", r.url("control")))
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "POST /faults {rule}");
    res.json().await.unwrap()
}

async fn tickets(r: &Running) -> Result<reqwest::Response, reqwest::Error> {
    client()
        .get(format!("{}/api/v2/tickets.json", r.url("zendesk")))
        .basic_auth(EMAIL, Some(TOKEN))
        .send()
        .await
}

fn last_entry(r: &Running) -> Value {
    let entries = r.harness.journal.entries(&Default::default());
    serde_json::to_value(entries.last().expect("journaled")).unwrap()
}

/// True when some error in the chain is an I/O error of this kind.
fn has_io_kind(e: &reqwest::Error, kind: std::io::ErrorKind) -> bool {
    let mut source = e.source();
    while let Some(s) = source {
        if s.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == kind)
        {
            return true;
        }
        source = s.source();
    }
    false
}

#[tokio::test]
async fn a_forced_429_is_zendesks_own_with_retry_after_and_journaled_as_the_fault() {
    let r = running(|_| {}).await;
    let rule = add_fault(
        &r,
        json!({"vendor": "zendesk", "method": "GET", "path": "/api/v2/tickets*",
               "action": "status", "status": 429, "times": 1}),
    )
    .await;
    assert_eq!(rule["id"], 1);
    assert_eq!(rule["applied"], 0);

    let res = tickets(&r).await.unwrap();
    assert_eq!(res.status(), 429);
    // REFERENCE 1.9: a plain-text 429 with Retry-After and the rate-limit headers.
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(res.headers()["x-rate-limit-remaining"], "0");
    assert_eq!(res.headers()["ratelimit-remaining"], "0");
    assert_eq!(res.headers()["x-rate-limit"], "700");
    assert_eq!(res.text().await.unwrap(), "Too Many Requests");
    let entry = last_entry(&r);
    assert_eq!(entry["fault"], json!({"id": 1, "action": "status"}));
    assert_eq!(entry["response"]["status"], 429);

    // `times: 1`: the next call is the vendor's.
    assert_eq!(tickets(&r).await.unwrap().status(), 200);
    assert!(last_entry(&r).get("fault").is_none());
    let list: Value = client()
        .get(format!("{}/faults", r.url("control")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["faults"][0]["applied"], 1);
    assert_eq!(list["faults"][0]["matched"], 2);
    r.shutdown().await;
}

#[tokio::test]
async fn a_reset_is_a_connection_error_and_the_journal_says_no_reply() {
    let r = running(|_| {}).await;
    add_fault(&r, json!({"vendor": "zendesk", "action": "reset"})).await;
    let err = tickets(&r).await.expect_err("reset");
    assert!(
        has_io_kind(&err, std::io::ErrorKind::ConnectionReset),
        "not a reset: {err:?}"
    );
    let entry = last_entry(&r);
    assert_eq!(entry["response"], Value::Null);
    assert_eq!(entry["fault"]["action"], "reset");
    assert!(entry["error"].as_str().unwrap().contains("reset"));
    r.shutdown().await;
}

#[tokio::test]
async fn a_close_sends_the_head_then_the_body_fails() {
    let r = running(|_| {}).await;
    add_fault(&r, json!({"vendor": "zendesk", "action": "close"})).await;
    let res = tickets(&r)
        .await
        .expect("the status line and headers arrive");
    assert_eq!(res.status(), 200);
    let announced: usize = res.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(announced > 0);
    assert!(res.bytes().await.is_err(), "the body never comes");
    let entry = last_entry(&r);
    assert_eq!(
        entry["response"]["body"],
        Value::Null,
        "nothing of the body was sent"
    );
    assert_eq!(entry["fault"]["action"], "close");
    r.shutdown().await;
}

#[tokio::test]
async fn a_truncated_body_is_a_body_error_after_exactly_those_bytes() {
    let r = running(|_| {}).await;
    add_fault(
        &r,
        json!({"vendor": "zendesk", "action": "truncate", "bytes": 10}),
    )
    .await;
    let res = tickets(&r).await.unwrap();
    assert_eq!(res.status(), 200);
    let err = res.bytes().await.expect_err("cut short");
    assert!(err.is_body() || err.is_decode(), "{err:?}");
    let entry = last_entry(&r);
    let kept = entry["response"]["body"]
        .as_str()
        .expect("the kept bytes are not JSON");
    assert_eq!(kept.len(), 10);
    assert!(kept.starts_with("{\""), "{kept}");
    r.shutdown().await;
}

#[tokio::test]
async fn a_malformed_answer_is_a_200_that_does_not_parse() {
    let r = running(|_| {}).await;
    add_fault(&r, json!({"vendor": "zendesk", "action": "malformed"})).await;
    let res = tickets(&r).await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    r.shutdown().await;
}

#[tokio::test]
async fn a_timeout_leaves_the_client_waiting_until_it_gives_up() {
    let r = running(|_| {}).await;
    add_fault(
        &r,
        json!({"vendor": "zendesk", "action": "timeout", "ms": 5000}),
    )
    .await;
    let err = client()
        .get(format!("{}/api/v2/tickets.json", r.url("zendesk")))
        .basic_auth(EMAIL, Some(TOKEN))
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .expect_err("no reply");
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(last_entry(&r)["fault"]["action"], "timeout");
    r.shutdown().await;
}

#[tokio::test]
async fn after_the_timeouts_cap_the_connection_is_dropped_unanswered() {
    let r = running(|_| {}).await;
    add_fault(
        &r,
        json!({"vendor": "zendesk", "action": "timeout", "ms": 200}),
    )
    .await;
    let started = std::time::Instant::now();
    let err = tickets(&r).await.expect_err("dropped");
    assert!(!err.is_timeout(), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(200));
    r.shutdown().await;
}

#[tokio::test]
async fn latency_delays_the_vendors_answer() {
    let r = running(|_| {}).await;
    add_fault(
        &r,
        json!({"vendor": "zendesk", "action": "latency", "ms": 300}),
    )
    .await;
    let started = std::time::Instant::now();
    assert_eq!(tickets(&r).await.unwrap().status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let entry = last_entry(&r);
    assert!(entry["duration_us"].as_u64().unwrap() >= 300_000);
    assert_eq!(entry["fault"]["action"], "latency");
    r.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_drip_sends_the_body_at_its_pace_measured_in_paused_time() {
    let clock = Arc::new(ManualClock::new(datetime!(2024-02-08 17:44:38 UTC)));
    let harness = Harness::new(RunConfig::ephemeral(), clock).unwrap();
    let r = server::start(harness).await.unwrap();
    add_fault(
        &r,
        json!({"vendor": "zendesk", "action": "drip", "bytes_per_s": 200}),
    )
    .await;
    let res = tickets(&r).await.unwrap();
    let len: u64 = res.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let t0 = tokio::time::Instant::now();
    let body = res.bytes().await.unwrap();
    let took = t0.elapsed();
    assert_eq!(body.len() as u64, len);
    // 20 bytes every 100 ms: the whole body takes its length over the rate.
    let want = Duration::from_millis(len.div_ceil(20) * 100);
    assert!(
        took + Duration::from_millis(100) >= want && took <= want + Duration::from_millis(100),
        "{len} bytes took {took:?}, expected about {want:?}"
    );
    r.shutdown().await;
}

#[tokio::test]
async fn rules_apply_in_order_and_are_removed_by_id_all_at_once_or_by_reset() {
    let r = running(|_| {}).await;
    let a = add_fault(
        &r,
        json!({"vendor": "zendesk", "action": "status", "status": 503}),
    )
    .await;
    add_fault(
        &r,
        json!({"vendor": "zendesk", "action": "status", "status": 500}),
    )
    .await;
    assert_eq!(tickets(&r).await.unwrap().status(), 503);
    let control = r.url("control");
    let del = |path: String| async move { client().delete(path).send().await.unwrap().status() };
    assert_eq!(del(format!("{control}/faults/{}", a["id"])).await, 204);
    assert_eq!(del(format!("{control}/faults/{}", a["id"])).await, 404);
    assert_eq!(tickets(&r).await.unwrap().status(), 500);
    assert_eq!(del(format!("{control}/faults")).await, 204);
    assert_eq!(tickets(&r).await.unwrap().status(), 200);
    add_fault(&r, json!({"vendor": "zendesk", "action": "reset"})).await;
    client()
        .post(format!("{control}/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tickets(&r).await.unwrap().status(),
        200,
        "reset clears faults"
    );
    r.shutdown().await;
}

#[tokio::test]
async fn a_bad_rule_is_refused_with_what_would_work() {
    let r = running(|_| {}).await;
    for bad in [
        json!({"action": "reset"}),
        json!({"vendor": "zendesk", "action": "status"}),
        json!({"vendor": "nobody", "action": "reset"}),
        json!({"vendor": "zendesk", "action": "explode"}),
    ] {
        let res = client()
            .post(format!("{}/faults", r.url("control")))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{bad}");
        let body: Value = res.json().await.unwrap();
        assert!(
            body["error"].is_string() && !body["hint"].is_null(),
            "{body}"
        );
    }
    r.shutdown().await;
}

#[tokio::test]
async fn rules_from_the_vendors_settings_apply_from_the_start() {
    let r = running(|c| {
        c.zendesk.faults = vec![
            serde_json::from_value(json!({"action": "status", "status": 503, "after": 1})).unwrap(),
        ];
    })
    .await;
    assert_eq!(tickets(&r).await.unwrap().status(), 200);
    assert_eq!(tickets(&r).await.unwrap().status(), 503);
    r.shutdown().await;
}

/// The statuses a run of 40 GETs sees under a 50% rule, with this seed.
async fn coin_flips(seed: u64) -> Vec<u16> {
    let r = running(|c| c.seed = seed).await;
    add_fault(
        &r,
        json!({"vendor": "zendesk", "action": "status", "status": 503, "probability": 0.5}),
    )
    .await;
    let mut seen = Vec::new();
    for _ in 0..40 {
        seen.push(tickets(&r).await.unwrap().status().as_u16());
    }
    r.shutdown().await;
    seen
}

#[tokio::test]
async fn seeded_probability_repeats_run_after_run() {
    let first = coin_flips(11).await;
    assert_eq!(first, coin_flips(11).await);
    let faulted = first.iter().filter(|s| **s == 503).count();
    assert!((8..=32).contains(&faulted), "about half: {faulted}");
    assert_ne!(first, coin_flips(12).await, "another seed, another run");
}

/// Each vendor's envelope for a forced status, as its reference documents it.
fn vendor_shaped(vendor: &str, status: u16, body: &Value) -> bool {
    match vendor {
        // REFERENCE 1.3: {"error": ..., "description": ...}.
        "zendesk" => body["error"].is_string(),
        // REFERENCE 2.x: {"message": ...}.
        "braze" => body["message"].is_string(),
        // REFERENCE 3.2: {"code": status, "status": NAME, "message": ...}.
        "freshchat" => body["code"] == status && body["status"].is_string(),
        "mammut" => body["status"] == "Error" && body["message"].is_string(),
        // Smartsupp's error_payload: {"code", "message"}.
        "smartsupp" => body["code"].is_string() && body["message"].is_string(),
        // REFERENCE 6: {"status": "failure", "reason": {"code", "description"}}.
        "blip" => body["status"] == "failure" && body["reason"]["code"].is_i64(),
        "ferndesk" => body["error"].is_string(),
        _ => false,
    }
}

#[tokio::test]
async fn every_vendor_answers_every_forced_status_with_its_own_envelope() {
    let r = running(|_| {}).await;
    for vendor in fakedesk::vendors::names() {
        for status in [400u16, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504] {
            client()
                .delete(format!("{}/faults", r.url("control")))
                .send()
                .await
                .unwrap();
            add_fault(
                &r,
                json!({"vendor": vendor, "action": "status", "status": status}),
            )
            .await;
            let res = client()
                .post(format!("{}/any/path", r.url(vendor)))
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), status, "{vendor}");
            if vendor == "zendesk" && status == 429 {
                continue; // plain text, checked above
            }
            let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
            assert!(
                ct.starts_with("application/json"),
                "{vendor} {status}: {ct}"
            );
            let body: Value = res.json().await.unwrap();
            assert!(
                vendor_shaped(vendor, status, &body),
                "{vendor} {status}: {body}"
            );
        }
    }
    r.shutdown().await;
}

#[tokio::test]
async fn blip_fails_a_command_inside_a_200_as_blip_does() {
    let r = running(|_| {}).await;
    add_fault(
        &r,
        json!({"vendor": "blip", "action": "status", "status": 200}),
    )
    .await;
    let res = client()
        .post(format!("{}/commands", r.url("blip")))
        .json(&json!({"id": "1", "method": "get", "uri": "/ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "failure");
    assert_eq!(body["reason"]["code"], 61, "the generic processing error");
    r.shutdown().await;
}

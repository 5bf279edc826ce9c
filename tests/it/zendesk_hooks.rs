//! Zendesk's time and delivery rules over real sockets on a manual clock: webhook
//! invocations and attempts as the receiver saw them, the circuit breaker, hourly
//! automations, and the exports' clock-bound rules (the "too recent" start_time
//! and the rate-limit window), through `POST /clock/advance` and scenario `advance:`.

#![cfg(unix)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use fakedesk::clock::ManualClock;
use fakedesk::config::RunConfig;
use fakedesk::journal::Direction;
use fakedesk::server::{self, Harness, Running};
use serde_json::{Value, json};
use time::macros::datetime;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::received;

const EMAIL: &str = "admin@fakedesk.test/token";
const TOKEN: &str = "fakedesk0zendesk0api0token0000000000000";
/// The clock's start, 2024-02-08T17:44:38Z, in epoch seconds.
const T0: i64 = 1_707_414_278;

/// Fake Zendesk on a manual clock, with a webhook to `hook` (when given) and a
/// trigger notifying it of every status change.
async fn start(hook: Option<&MockServer>, tweak: impl FnOnce(&mut RunConfig)) -> Running {
    let mut config = RunConfig::ephemeral();
    config.zendesk.webhooks.retry_base_delay_ms = 10;
    if let Some(hook) = hook {
        config.zendesk.seed_webhooks = vec![json!({
            "name": "Hook", "endpoint": format!("{}/hook", hook.uri()), "http_method": "POST",
            "request_format": "json", "status": "active", "subscriptions": ["conditional_ticket_events"]
        })];
        config.zendesk.seed_triggers = vec![json!({
            "title": "Every status change",
            "conditions": {"all": [{"field": "status", "operator": "changed"}]},
            "actions": [{"field": "notification_webhook",
                         "value": ["Hook", "{\"ticket_id\": \"{{ticket.id}}\", \"status\": \"{{ticket.status}}\"}"]}]
        })];
    }
    tweak(&mut config);
    let clock = Arc::new(ManualClock::new(datetime!(2024-02-08 17:44:38 UTC)));
    server::start(Harness::new(config, clock).unwrap())
        .await
        .unwrap()
}

async fn call(r: &Running, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(
            method.parse().unwrap(),
            format!("{}{path}", r.url("zendesk")),
        )
        .basic_auth(EMAIL, Some(TOKEN));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn advance(r: &Running, by: &str) {
    let res = reqwest::Client::new()
        .post(format!("{}/clock/advance", r.url("control")))
        .json(&json!({"by": by}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

async fn state(r: &Running) -> Value {
    reqwest::get(format!("{}/state/zendesk", r.url("control")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn ticket(r: &Running, status: &str) -> u64 {
    let (_, me) = call(r, "GET", "/api/v2/users/me.json", None).await;
    let (code, t) = call(
        r,
        "POST",
        "/api/v2/tickets.json",
        Some(json!({"ticket": {"subject": "s", "comment": {"body": "b"},
                    "assignee_id": me["user"]["id"], "status": status}})),
    )
    .await;
    assert_eq!(code, 201, "{t}");
    t["ticket"]["id"].as_u64().unwrap()
}

async fn hook_id(r: &Running) -> String {
    let (_, hooks) = call(r, "GET", "/api/v2/webhooks", None).await;
    hooks["webhooks"][0]["id"].as_str().unwrap().to_owned()
}

/// The webhook's invocations once `n` exist and none is still under way (at most 10 s).
async fn settled(r: &Running, hook: &str, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (code, page) = call(
            r,
            "GET",
            &format!("/api/v2/webhooks/{hook}/invocations"),
            None,
        )
        .await;
        assert_eq!(code, 200, "{page}");
        let all = page["invocations"].as_array().unwrap().clone();
        let busy = all
            .iter()
            .any(|i| matches!(i["status"].as_str(), Some("scheduled" | "retrying")));
        if (all.len() >= n && !busy) || Instant::now() > deadline {
            return all;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn invocations_and_attempts_are_the_deliveries_the_receiver_got() {
    let hook = MockServer::start().await;
    // The receiver refuses the first request with a 409, which Zendesk retries
    // (REFERENCE 1.12), then takes the retry.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(409).set_body_string("busy"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&hook)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(2)
        .mount(&hook)
        .await;
    let r = start(Some(&hook), |_| {}).await;
    let id = ticket(&r, "open").await;
    let got = received(&hook, 2).await;
    assert_eq!(got.len(), 2);
    let hook_id = hook_id(&r).await;
    let invocations = settled(&r, &hook_id, 1).await;
    assert_eq!(invocations.len(), 1);
    let inv = &invocations[0];
    let inv_id = inv["id"].as_str().unwrap();
    // The id the receiver saw in `x-zendesk-webhook-invocation-id`.
    assert_eq!(
        got[0].headers["x-zendesk-webhook-invocation-id"], inv_id,
        "the invocation is the delivery"
    );
    assert_eq!(
        inv,
        &json!({"id": inv_id, "status": "success", "status_code": 200, "latest_completed_at": "2024-02-08T17:44:38Z"})
    );
    let (code, attempts) = call(
        &r,
        "GET",
        &format!("/api/v2/webhooks/{hook_id}/invocations/{inv_id}/attempts"),
        None,
    )
    .await;
    assert_eq!(code, 200);
    let attempts = attempts["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    // Newest first; each attempt's id is the webhook's (captured quirk).
    assert_eq!(attempts[0]["status"], "success");
    assert_eq!(attempts[0]["status_code"], 200);
    assert_eq!(attempts[1]["status"], "failed");
    assert_eq!(attempts[1]["status_code"], 409);
    assert_eq!(attempts[1]["response"]["payload"], "busy");
    for a in attempts {
        assert_eq!(a["id"], hook_id.as_str());
        assert_eq!(a["invocation_id"], inv_id);
    }
    // The payload is the body the receiver got, as a string.
    let payload = attempts[1]["request"]["payload"].as_str().unwrap();
    assert_eq!(payload.as_bytes(), &got[0].body[..]);
    let sent: Value = serde_json::from_str(payload).unwrap();
    assert_eq!(sent["ticket_id"], id.to_string());
    let header = |a: &Value, k: &str| {
        a["request"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["key"] == k)
            .map(|h| h["value"].clone())
    };
    assert_eq!(
        header(&attempts[0], "X-Zendesk-Webhook-Invocation-Id"),
        Some(json!(inv_id))
    );
    // The journal holds the same two attempts under the same invocation id.
    let journaled: Vec<(u32, Option<u16>)> = r
        .harness
        .journal
        .entries(&Default::default())
        .iter()
        .filter(|e| e.exchange.direction == Direction::Outbound)
        .filter_map(|e| {
            let o = e.exchange.outbound.as_ref()?;
            (o.delivery == inv_id)
                .then(|| (o.attempt, e.exchange.response.as_ref().map(|x| x.status)))
        })
        .collect();
    assert_eq!(journaled, [(1, Some(409)), (2, Some(200))]);
    // A webhook or invocation that does not exist is the Webhooks API's 404.
    let (code, body) = call(&r, "GET", "/api/v2/webhooks/01NOPE/invocations", None).await;
    assert_eq!(code, 404);
    assert_eq!(body["errors"][0]["code"], "WebhookNotFound");
    let (code, _) = call(
        &r,
        "GET",
        &format!("/api/v2/webhooks/{hook_id}/invocations/01NOPE/attempts"),
        None,
    )
    .await;
    assert_eq!(code, 404);
    let (code, _) = call(
        &r,
        "GET",
        &format!("/api/v2/webhooks/{hook_id}/invocations?sort=created_at"),
        None,
    )
    .await;
    assert_eq!(code, 400);
    r.shutdown().await;
}

#[tokio::test]
async fn the_circuit_breaker_trips_pauses_on_the_clock_and_resumes_after_a_probe() {
    let hook = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&hook)
        .await;
    let r = start(Some(&hook), |c| {
        c.zendesk.webhooks.circuit_breaker.min_requests = 2;
    })
    .await;
    let hook_id = hook_id(&r).await;
    // Two 500s (not retried): 2 of 2 requests failed, over the 70% threshold.
    ticket(&r, "open").await;
    settled(&r, &hook_id, 1).await;
    ticket(&r, "open").await;
    let all = settled(&r, &hook_id, 2).await;
    assert!(all.iter().all(|i| i["status"] == "terminated"), "{all:?}");
    let s = state(&r).await;
    let breaker = &s["webhook_invocations"][&hook_id]["circuit_breaker"];
    assert_eq!(breaker["state"], "open", "{breaker}");
    assert_eq!(breaker["until"], "2024-02-08T17:49:38Z", "five minutes");
    // While open, an invocation is logged `circuit broken` and not sent.
    ticket(&r, "open").await;
    let all = settled(&r, &hook_id, 3).await;
    assert_eq!(all[0]["status"], "circuit broken", "newest first: {all:?}");
    advance(&r, "4m").await;
    ticket(&r, "open").await;
    let all = settled(&r, &hook_id, 4).await;
    assert_eq!(all[0]["status"], "circuit broken");
    assert_eq!(hook.received_requests().await.unwrap().len(), 2);
    let (_, broken) = call(
        &r,
        "GET",
        &format!("/api/v2/webhooks/{hook_id}/invocations?filter[status]=circuit%20broken"),
        None,
    )
    .await;
    assert_eq!(broken["invocations"].as_array().unwrap().len(), 2);
    // The receiver recovers; five minutes after the trip one probe goes and its
    // success closes the breaker.
    hook.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&hook)
        .await;
    advance(&r, "1m").await;
    ticket(&r, "open").await;
    let all = settled(&r, &hook_id, 5).await;
    assert_eq!(all[0]["status"], "success", "{all:?}");
    ticket(&r, "open").await;
    let all = settled(&r, &hook_id, 6).await;
    assert_eq!(all[0]["status"], "success");
    assert_eq!(received(&hook, 2).await.len(), 2, "the probe and the next");
    let s = state(&r).await;
    let breaker = &s["webhook_invocations"][&hook_id]["circuit_breaker"];
    assert_eq!(breaker["state"], "closed");
    assert_eq!(breaker["trips"], 1);
    r.shutdown().await;
}

async fn audits_by_rule(r: &Running, id: u64) -> usize {
    let (_, audits) = call(r, "GET", &format!("/api/v2/tickets/{id}/audits.json"), None).await;
    audits["audits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["via"]["channel"] == "rule")
        .count()
}

#[tokio::test]
async fn automations_run_hourly_on_the_clock_and_fire_once_per_ticket() {
    let hook = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&hook)
        .await;
    let r = start(Some(&hook), |_| {}).await;
    // Zendesk's captured automation shape (rules-metrics reference 1.3): pending for
    // more than 24 hours reopens; it nullifies itself by changing the status.
    let (code, a) = call(&r, "POST", "/api/v2/automations.json", Some(json!({"automation": {
        "title": "Pending too long",
        "conditions": {"all": [{"field": "status", "operator": "is", "value": "pending"},
                               {"field": "PENDING", "operator": "greater_than", "value": "24"}], "any": []},
        "actions": [{"field": "status", "value": "open"}, {"field": "current_tags", "value": "pending_expired"}]
    }}))).await;
    assert_eq!(code, 201, "{a}");
    // One that never nullifies its condition: it still fires once per ticket.
    let (code, _) = call(&r, "POST", "/api/v2/automations.json", Some(json!({"automation": {
        "title": "Older than an hour",
        "conditions": {"all": [{"field": "NEW", "operator": "greater_than", "value": "1"}], "any": []},
        "actions": [{"field": "current_tags", "value": "aged"}]
    }}))).await;
    assert_eq!(code, 201);
    let id = ticket(&r, "pending").await;
    let shown = |s: Value| {
        s["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .cloned()
            .unwrap()
    };
    advance(&r, "23h").await;
    let t = shown(state(&r).await);
    assert_eq!(t["status"], "pending", "23 hours: not yet");
    assert_eq!(t["tags"], json!(["aged"]), "the hour-2 run tagged it");
    assert_eq!(audits_by_rule(&r, id).await, 1);
    advance(&r, "2h").await;
    let t = shown(state(&r).await);
    assert_eq!(
        t["status"], "open",
        "the run of hour 25: more than 24 hours pending"
    );
    assert_eq!(t["tags"], json!(["aged", "pending_expired"]));
    // Made at the hour of the run, by the system.
    assert_eq!(t["updated_at"], "2024-02-09T18:44:38Z");
    advance(&r, "5h").await;
    assert_eq!(audits_by_rule(&r, id).await, 2, "each fired once");
    // The reopening is an update like any other: the trigger on status changes
    // told the receiver, and the export shows it.
    let got = received(&hook, 2).await;
    let last: Value = serde_json::from_slice(&got.last().unwrap().body).unwrap();
    assert_eq!(last["status"], "Open");
    let (code, export) = call(
        &r,
        "GET",
        &format!("/api/v2/incremental/tickets.json?start_time={T0}"),
        None,
    )
    .await;
    assert_eq!(code, 200, "{export}");
    let exported = &export["tickets"][0];
    assert_eq!(exported["status"], "open");
    assert_eq!(exported["updated_at"], "2024-02-09T18:44:38Z");
    r.shutdown().await;
}

#[tokio::test]
async fn the_exports_too_recent_rule_and_rate_limit_follow_the_manual_clock() {
    let r = start(None, |c| c.zendesk.incremental.per_minute = 2).await;
    // 30 seconds old: under the documented minute.
    let recent = format!("/api/v2/incremental/tickets.json?start_time={}", T0 - 30);
    let (code, body) = call(&r, "GET", &recent, None).await;
    assert_eq!(code, 422);
    assert!(
        body["description"]
            .as_str()
            .unwrap()
            .starts_with("Too recent start_time."),
        "{body}"
    );
    advance(&r, "1m").await;
    let (code, _) = call(&r, "GET", &recent, None).await;
    assert_eq!(code, 200, "90 seconds old once the clock moved");
    // 2 a minute: the second call of this minute passes, the third is a 429.
    let (code, _) = call(&r, "GET", &recent, None).await;
    assert_eq!(code, 200);
    let res = reqwest::Client::new()
        .get(format!("{}{recent}", r.url("zendesk")))
        .basic_auth(EMAIL, Some(TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    advance(&r, "1m").await;
    let (code, _) = call(&r, "GET", &recent, None).await;
    assert_eq!(code, 200, "a new minute on the clock, a new window");
    r.shutdown().await;
}

#[tokio::test]
async fn a_deleted_organization_shows_its_users_changed_in_the_users_export() {
    let r = start(None, |_| {}).await;
    let (code, org) = call(
        &r,
        "POST",
        "/api/v2/organizations.json",
        Some(json!({"organization": {"name": "Acme"}})),
    )
    .await;
    assert_eq!(code, 201, "{org}");
    let org_id = org["organization"]["id"].as_u64().unwrap();
    let (code, user) = call(
        &r,
        "POST",
        "/api/v2/users.json",
        Some(json!({"user": {"name": "Ann", "email": "ann@acme.test", "organization_id": org_id}})),
    )
    .await;
    assert_eq!(code, 201, "{user}");
    let user_id = user["user"]["id"].as_u64().unwrap();
    advance(&r, "1h").await;
    let (code, _) = call(
        &r,
        "DELETE",
        &format!("/api/v2/organizations/{org_id}.json"),
        None,
    )
    .await;
    assert_eq!(code, 204);
    // Past the export's one-minute window, read from after the user's creation.
    advance(&r, "2m").await;
    let since = T0 + 1800;
    let (code, export) = call(
        &r,
        "GET",
        &format!("/api/v2/incremental/users.json?start_time={since}"),
        None,
    )
    .await;
    assert_eq!(code, 200, "{export}");
    let users = export["users"].as_array().unwrap();
    let ann = users
        .iter()
        .find(|u| u["id"] == user_id)
        .unwrap_or_else(|| panic!("the user's change is exported: {export}"));
    assert_eq!(ann["organization_id"], Value::Null);
    assert_eq!(ann["updated_at"], "2024-02-08T18:44:38Z");
    r.shutdown().await;
}

#[tokio::test]
async fn a_scenarios_advance_moves_the_exports_rules_too() {
    use fakedesk::scenario::report::{Outcome, Paint, render};
    // A scenario's clock starts at the current minute (or the next, if the minute
    // turns meanwhile): 30 seconds after it is too recent either way.
    let wall = time::OffsetDateTime::now_utc().unix_timestamp();
    let recent = wall - wall.rem_euclid(60) + 30;
    let yaml = format!(
        "name: exports-on-the-scenario-clock
vendors:
  zendesk:
    incremental: {{ per_minute: 1 }}
steps:
  - name: too recent
    call: zendesk
    path: /api/v2/incremental/tickets.json?start_time={recent}
    status: 422
  - advance: 2m
  - name: old enough two minutes later
    call: zendesk
    path: /api/v2/incremental/tickets.json?start_time={recent}
    status: 200
  - name: the minute's budget is spent
    call: zendesk
    path: /api/v2/incremental/users.json?start_time=0
    status: 429
  - advance: 1m
  - name: a new minute, a new budget
    call: zendesk
    path: /api/v2/incremental/users.json?start_time=0
    status: 200
"
    );
    let dir = std::env::temp_dir().join(format!("fakedesk-it-{}-zhooks", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("exports-clock.yaml");
    std::fs::write(&path, yaml).unwrap();
    let loaded = fakedesk::scenario::load::load(&path).unwrap();
    let (_tx, cancel) = tokio::sync::watch::channel(false);
    let report = fakedesk::scenario::run::run(&loaded, &Default::default(), cancel).await;
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        matches!(report.outcome, Outcome::Passed),
        "{}",
        render(&report, Paint(false))
    );
}

#[tokio::test]
async fn other_subdomains_accounts_run_on_the_same_clock() {
    let r = start(None, |_| {}).await;
    let http = reqwest::Client::new();
    let acme = |method: reqwest::Method, path: &str| {
        http.request(method, format!("{}{path}", r.url("zendesk")))
            .header("host", "acme.zendesk.com")
            .basic_auth(EMAIL, Some(TOKEN))
    };
    let me: Value = acme(reqwest::Method::GET, "/api/v2/users/me.json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = acme(reqwest::Method::POST, "/api/v2/tickets.json")
        .json(&json!({"ticket": {"subject": "s", "comment": {"body": "b"},
                       "assignee_id": me["user"]["id"], "status": "solved"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["ticket"]["id"].clone();
    // Zendesk's four days (REFERENCE 1.6).
    advance(&r, "96h").await;
    let t: Value = acme(reqwest::Method::GET, &format!("/api/v2/tickets/{id}.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(t["ticket"]["status"], "closed");
    let own = state(&r).await;
    assert_eq!(
        own["tickets"],
        json!([]),
        "the ticket is acme's, not the default account's"
    );
    r.shutdown().await;
}

#[tokio::test]
async fn an_automations_webhook_notification_is_delivered_once_and_logged() {
    let hook = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&hook)
        .await;
    let r = start(Some(&hook), |_| {}).await;
    let hook_id = hook_id(&r).await;
    let (code, a) = call(&r, "POST", "/api/v2/automations.json", Some(json!({"automation": {
        "title": "Open for two hours",
        "conditions": {"all": [{"field": "OPEN", "operator": "greater_than", "value": "2"},
                               {"field": "status", "operator": "is", "value": "open"}], "any": []},
        "actions": [{"field": "notification_webhook",
                     "value": [hook_id, "{\"ticket\": \"{{ticket.id}}\", \"rule\": \"open-2h\"}"]}]
    }}))).await;
    assert_eq!(code, 201, "{a}");
    let id = ticket(&r, "open").await;
    // The trigger's delivery for the new ticket.
    settled(&r, &hook_id, 1).await;
    advance(&r, "3h").await;
    let all = settled(&r, &hook_id, 2).await;
    assert_eq!(all.len(), 2);
    advance(&r, "5h").await;
    let from_rule = |got: &[wiremock::Request]| {
        got.iter()
            .filter_map(|g| serde_json::from_slice::<Value>(&g.body).ok())
            .filter(|b| b["rule"] == "open-2h")
            .collect::<Vec<_>>()
    };
    let got = received(&hook, 2).await;
    assert_eq!(
        from_rule(&got),
        [json!({"ticket": id.to_string(), "rule": "open-2h"})],
        "the hour-3 run notified once; later runs did not"
    );
    assert_eq!(settled(&r, &hook_id, 2).await.len(), 2);
    r.shutdown().await;
}

#[tokio::test]
async fn invocations_beyond_the_per_minute_limit_are_throttled_until_the_clock_moves() {
    let hook = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&hook)
        .await;
    let r = start(Some(&hook), |c| {
        c.zendesk.webhooks.invocations_per_minute = 1
    })
    .await;
    let hook_id = hook_id(&r).await;
    ticket(&r, "open").await;
    settled(&r, &hook_id, 1).await;
    ticket(&r, "open").await;
    let all = settled(&r, &hook_id, 2).await;
    // Captured: a throttled invocation has no status code; it is not sent.
    assert_eq!(
        all[0],
        json!({"id": all[0]["id"], "status": "throttled", "latest_completed_at": "2024-02-08T17:44:38Z"})
    );
    advance(&r, "1m").await;
    ticket(&r, "open").await;
    let all = settled(&r, &hook_id, 3).await;
    assert_eq!(all[0]["status"], "success");
    assert_eq!(received(&hook, 2).await.len(), 2);
    r.shutdown().await;
}

//! `POST /expect` on the control API: the scenario engine's matcher and its
//! closest-exchange explanation, over real sockets on OS-chosen ports.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fakedesk::clock::SystemClock;
use fakedesk::config::RunConfig;
use fakedesk::server::{self, Harness, Running};
use serde_json::{Value, json};

async fn running() -> Running {
    let harness = Harness::new(RunConfig::ephemeral(), Arc::new(SystemClock)).unwrap();
    server::start(harness).await.unwrap()
}

async fn create_ticket(r: &Running, subject: &str) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v2/tickets.json", r.url("zendesk")))
        .basic_auth(
            "admin@fakedesk.test/token",
            Some("fakedesk0zendesk0api0token0000000000000"),
        )
        .json(&json!({"ticket": {"subject": subject, "comment": {"body": "B"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

async fn expect(r: &Running, body: Value) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(format!("{}/expect", r.url("control")))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn expect_waits_for_traffic_that_arrives_while_it_waits() {
    let r = running().await;
    let url = r.url("zendesk");
    let started = Instant::now();
    let late = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        create_ticket(&r, "Late").await;
    };
    let ((status, reply), ()) = tokio::join!(
        expect(
            &r,
            json!({"vendor": "zendesk", "method": "post", "path": "/api/v2/tickets.json",
                   "body": {"ticket": {"subject": "Late"}}, "status": 201, "within": "5s"})
        ),
        late
    );
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["matched"], true, "{reply}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    let x = &reply["exchanges"][0];
    assert_eq!(
        (&x["method"], &x["path"], &x["status"]),
        (&json!("POST"), &json!("/api/v2/tickets.json"), &json!(201))
    );
    assert!(url.starts_with("http://127.0.0.1:"));
    r.shutdown().await;
}

#[tokio::test]
async fn a_miss_waits_within_then_names_the_closest_exchange_and_its_differences() {
    let r = running().await;
    create_ticket(&r, "Printer on fire").await;
    let started = Instant::now();
    let (status, reply) = expect(
        &r,
        json!({"vendor": "zendesk", "method": "POST", "path": "/api/v2/tickets.json",
               "body": {"ticket": {"subject": "Printer fixed"}}, "within": "300ms"}),
    )
    .await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!((status, &reply["matched"]), (200, &json!(false)), "{reply}");
    let message = reply["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "no zendesk inbound exchange matched within 300ms (wanted 1, found 0)\n\
             closest: #1 zendesk inbound POST /api/v2/tickets.json → 201\n  \
             body.ticket.subject: expected \"Printer fixed\", got \"Printer on fire\"\n"
        ),
        "{message}"
    );
    r.shutdown().await;
}

#[tokio::test]
async fn count_zero_passes_on_silence_and_since_skips_older_entries() {
    let r = running().await;
    let (_, quiet) = expect(
        &r,
        json!({"vendor": "braze", "count": 0, "within": "100ms"}),
    )
    .await;
    assert_eq!(quiet["matched"], true, "{quiet}");
    create_ticket(&r, "One").await;
    let (_, seen) = expect(
        &r,
        json!({"vendor": "zendesk", "count": 0, "within": "100ms"}),
    )
    .await;
    assert_eq!(seen["matched"], false, "{seen}");
    assert!(
        seen["message"]
            .as_str()
            .unwrap()
            .starts_with("expected no matching exchange, but got:\n  #1 zendesk inbound POST"),
        "{seen}"
    );
    let (_, later) = expect(
        &r,
        json!({"vendor": "zendesk", "since": 2, "within": "100ms"}),
    )
    .await;
    assert_eq!(later["matched"], false, "{later}");
    r.shutdown().await;
}

#[tokio::test]
async fn bad_requests_get_a_json_error_and_unknown_vendors_the_known_ones() {
    let r = running().await;
    let (status, reply) = expect(&r, json!({"vendor": "zendsk"})).await;
    assert_eq!(status, 404);
    assert_eq!(reply["error"], "unknown vendor `zendsk`");
    assert!(
        reply["hint"]["known"]
            .as_array()
            .unwrap()
            .contains(&json!("zendesk"))
    );
    for (body, needle) in [
        (
            json!({"vendor": "zendesk", "direction": "sideways"}),
            "`direction`",
        ),
        (
            json!({"vendor": "zendesk", "within": "forever"}),
            "`within`",
        ),
        (json!({"vendor": "zendesk", "within": "2m"}), "at most 60s"),
        (json!({"vendor": "zendesk", "stauts": 200}), "stauts"),
        (json!(["zendesk"]), "JSON object"),
    ] {
        let (status, reply) = expect(&r, body.clone()).await;
        assert_eq!(status, 400, "{body}: {reply}");
        assert!(
            reply["error"].as_str().unwrap().contains(needle),
            "{body}: {reply}"
        );
    }
    r.shutdown().await;
}

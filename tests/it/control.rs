//! The control API and the journal, over real sockets on OS-chosen ports.

use std::sync::Arc;

use fakedesk::clock::SystemClock;
use fakedesk::config::RunConfig;
use fakedesk::server::{self, Harness, Running};
use serde_json::{Value, json};

async fn running(tweak: impl FnOnce(&mut RunConfig)) -> Running {
    let mut config = RunConfig::ephemeral();
    tweak(&mut config);
    let harness = Harness::new(config, Arc::new(SystemClock)).unwrap();
    server::start(harness).await.unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn zendesk(
    r: &Running,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = client()
        .request(method, format!("{}{path}", r.url("zendesk")))
        .basic_auth(
            "admin@fakedesk.test/token",
            Some("fakedesk0zendesk0api0token0000000000000"),
        );
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

async fn get(url: String) -> (u16, Value) {
    let r = client().get(url).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_listener_binds_127_0_0_1_on_its_own_os_chosen_port() {
    let r = running(|_| {}).await;
    let (control, zendesk, braze) = (r.addrs["control"], r.addrs["zendesk"], r.addrs["braze"]);
    assert!(control.ip().is_loopback() && zendesk.ip().is_loopback() && braze.ip().is_loopback());
    assert_ne!(control.port(), zendesk.port());
    assert_ne!(braze.port(), zendesk.port());
    let (status, health) = get(format!("{}/health", r.url("control"))).await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert_eq!(
        health["vendors"],
        json!([
            {"name": "zendesk", "url": r.url("zendesk")},
            {"name": "braze", "url": r.url("braze")},
            {"name": "freshchat", "url": r.url("freshchat")},
            {"name": "mammut", "url": r.url("mammut")},
            {"name": "smartsupp", "url": r.url("smartsupp")},
            {"name": "blip", "url": r.url("blip")},
            {"name": "ferndesk", "url": r.url("ferndesk")}
        ])
    );
    r.shutdown().await;
}

#[tokio::test]
async fn the_journal_records_each_exchange_in_order_with_both_halves() {
    let r = running(|_| {}).await;
    let created = zendesk(
        &r,
        reqwest::Method::POST,
        "/api/v2/tickets.json?x=1",
        Some(json!({"ticket": {"subject": "S", "comment": {"body": "B"}}})),
    )
    .await;
    assert_eq!(created.status(), 201);
    zendesk(&r, reqwest::Method::GET, "/api/v2/tickets/1", None).await;
    client()
        .get(format!("{}/api/v2/tickets.json", r.url("zendesk")))
        .send()
        .await
        .unwrap();

    let (_, j) = get(format!("{}/journal", r.url("control"))).await;
    let entries = j["entries"].as_array().unwrap();
    let summary: Vec<(u64, &str, &str, &str, u64)> = entries
        .iter()
        .map(|e| {
            (
                e["seq"].as_u64().unwrap(),
                e["vendor"].as_str().unwrap(),
                e["method"].as_str().unwrap(),
                e["path"].as_str().unwrap(),
                e["response"]["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, "zendesk", "POST", "/api/v2/tickets.json", 201),
            (2, "zendesk", "GET", "/api/v2/tickets/1", 200),
            (3, "zendesk", "GET", "/api/v2/tickets.json", 401)
        ]
    );
    let first = &entries[0];
    assert_eq!(first["direction"], "inbound");
    assert_eq!(first["query"], "x=1");
    assert_eq!(
        first["request"]["body"]["ticket"]["subject"], "S",
        "JSON bodies are stored as JSON"
    );
    assert!(
        first["request"]["headers"]["authorization"]
            .as_str()
            .unwrap()
            .starts_with("Basic ")
    );
    assert_eq!(
        first["response"]["headers"]["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(first["response"]["body"]["ticket"]["id"], 1);
    assert!(first["started_at"].as_str().unwrap().ends_with('Z'));
    assert!(first["duration_us"].is_u64());
    assert_eq!(j["next_since"], 4);
    r.shutdown().await;
}

#[tokio::test]
async fn journal_filters_by_vendor_since_and_limit_and_rejects_bad_parameters() {
    let r = running(|_| {}).await;
    for _ in 0..4 {
        zendesk(&r, reqwest::Method::GET, "/api/v2/users/me.json", None).await;
    }
    let control = r.url("control");
    let seqs = |j: &Value| -> Vec<u64> {
        j["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_u64().unwrap())
            .collect()
    };
    let (_, j) = get(format!("{control}/journal?vendor=zendesk&since=2&limit=2")).await;
    assert_eq!(seqs(&j), [2, 3]);
    assert_eq!(j["next_since"], 4);
    let (status, j) = get(format!("{control}/journal?since=abc")).await;
    assert_eq!(status, 400);
    assert!(j["error"].as_str().unwrap().contains("since"));
    let (status, j) = get(format!("{control}/journal?vendor=zendsk")).await;
    assert_eq!(status, 404);
    assert_eq!(
        j["hint"]["known"],
        json!([
            "zendesk",
            "braze",
            "freshchat",
            "mammut",
            "smartsupp",
            "blip",
            "ferndesk"
        ])
    );
    r.shutdown().await;
}

#[tokio::test]
async fn a_full_journal_evicts_the_oldest_and_says_how_many() {
    let r = running(|c| c.journal_capacity = 3).await;
    for _ in 0..5 {
        zendesk(&r, reqwest::Method::GET, "/api/v2/users/me.json", None).await;
    }
    let (_, j) = get(format!("{}/journal", r.url("control"))).await;
    let stats = &j["stats"];
    assert_eq!(
        [
            &stats["len"],
            &stats["capacity"],
            &stats["evicted"],
            &stats["next_seq"]
        ],
        [3, 3, 2, 6]
    );
    assert_eq!(stats["evicted_by"]["capacity"]["count"], 2);
    assert!(stats["evicted_by"]["capacity"]["bytes"].as_u64().unwrap() > 0);
    assert_eq!(
        stats["evicted_by"]["bytes"],
        json!({"count": 0, "bytes": 0})
    );
    assert_eq!(j["entries"][0]["seq"], 3);
    r.shutdown().await;
}

#[tokio::test]
async fn state_shows_tickets_with_comments_and_reset_returns_to_the_seed() {
    let r = running(|_| {}).await;
    zendesk(
        &r,
        reqwest::Method::POST,
        "/api/v2/tickets.json",
        Some(json!({"ticket": {"subject": "S", "comment": {"body": "B"}}})),
    )
    .await;
    let control = r.url("control");
    let (status, state) = get(format!("{control}/state/zendesk")).await;
    assert_eq!(status, 200);
    assert_eq!(state["tickets"][0]["subject"], "S");
    assert_eq!(state["tickets"][0]["comments"][0]["body"], "B");
    assert_eq!(state["users"][0]["email"], "admin@fakedesk.test");

    let reset = client()
        .post(format!("{control}/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    let (_, state) = get(format!("{control}/state/zendesk")).await;
    assert_eq!(state["tickets"], json!([]));
    let (_, j) = get(format!("{control}/journal")).await;
    assert_eq!(j["entries"], json!([]));
    let again = zendesk(
        &r,
        reqwest::Method::POST,
        "/api/v2/tickets.json",
        Some(json!({"ticket": {"comment": {"body": "B"}}})),
    )
    .await;
    assert_eq!(
        again.json::<Value>().await.unwrap()["ticket"]["id"],
        1,
        "ids start over after a reset"
    );
    r.shutdown().await;
}

#[tokio::test]
async fn delete_journal_clears_it_and_unknown_control_paths_are_json_404s() {
    let r = running(|_| {}).await;
    zendesk(&r, reqwest::Method::GET, "/api/v2/users/me.json", None).await;
    let control = r.url("control");
    let del = client()
        .delete(format!("{control}/journal"))
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    let (_, j) = get(format!("{control}/journal")).await;
    assert_eq!(j["stats"]["len"], 0);
    let (status, body) = get(format!("{control}/api/v2/tickets.json")).await;
    assert_eq!(status, 404);
    assert!(
        body["error"].is_string(),
        "vendor paths are not served on the control port"
    );
    let (status, _) = get(format!("{control}/state/nobody")).await;
    assert_eq!(status, 404);
    r.shutdown().await;
}

#[tokio::test]
async fn concurrent_clients_are_all_journaled_exactly_once() {
    let r = running(|c| c.rate_limits = false).await;
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let url = r.url("zendesk");
            tokio::spawn(async move {
                for n in 0..10 {
                    let body = json!({"ticket": {"subject": format!("{i}-{n}"), "comment": {"body": "b"}}});
                    let res = client()
                        .post(format!("{url}/api/v2/tickets.json"))
                        .basic_auth("admin@fakedesk.test/token", Some("fakedesk0zendesk0api0token0000000000000"))
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(res.status(), 201);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let (_, j) = get(format!("{}/journal?limit=1000", r.url("control"))).await;
    let entries = j["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 80);
    let seqs: Vec<u64> = entries.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=80).collect::<Vec<_>>());
    let (_, state) = get(format!("{}/state/zendesk", r.url("control"))).await;
    let mut ids: Vec<u64> = state["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_u64().unwrap())
        .collect();
    ids.dedup();
    assert_eq!(
        ids,
        (1..=80).collect::<Vec<_>>(),
        "every ticket got a distinct sequential id"
    );
    r.shutdown().await;
}

#[tokio::test]
async fn a_write_over_a_socket_records_the_clients_address_in_the_audit() {
    // The client connects from 127.0.0.2 (any 127/8 address is loopback), so the
    // address recorded can only come from the connection, not from a default.
    let r = running(|_| {}).await;
    let from = std::net::IpAddr::from([127, 0, 0, 2]);
    let client = reqwest::Client::builder()
        .no_proxy()
        .local_address(from)
        .build()
        .unwrap();
    let res = client
        .post(format!("{}/api/v2/tickets.json", r.url("zendesk")))
        .basic_auth(
            "admin@fakedesk.test/token",
            Some("fakedesk0zendesk0api0token0000000000000"),
        )
        .json(&json!({"ticket": {"subject": "from afar", "comment": {"body": "hi"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["audit"]["metadata"]["system"]["ip_address"], "127.0.0.2",
        "{body:#}"
    );
}

//! Limits that keep a run alive whatever clients do: read timeouts, a shutdown
//! that ends, a control API a web page cannot drive, paged journal reads. Timeouts
//! are configured short (hundreds of milliseconds) so each test is quick; every
//! wait is bounded.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fakedesk::clock::SystemClock;
use fakedesk::config::RunConfig;
use fakedesk::server::{self, Harness, Running};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ZD_AUTH: &str = "Basic YWRtaW5AZmFrZWRlc2sudGVzdC90b2tlbjpmYWtlZGVzazB6ZW5kZXNrMGFwaTB0b2tlbjAwMDAwMDAwMDAwMDA=";

async fn running(tweak: impl FnOnce(&mut RunConfig)) -> Running {
    let mut config = RunConfig::ephemeral();
    config.timeouts.header = Duration::from_millis(300);
    config.timeouts.body = Duration::from_millis(300);
    config.timeouts.keep_alive = Duration::from_millis(600);
    tweak(&mut config);
    let harness = Harness::new(config, Arc::new(SystemClock)).unwrap();
    server::start(harness).await.unwrap()
}

/// Everything the server sends until it closes, bounded by `within`.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut out = Vec::new();
    let read = tokio::time::timeout(within, stream.read_to_end(&mut out)).await;
    read.ok()
        .map(|_| String::from_utf8_lossy(&out).into_owned())
}

fn addr(r: &Running, name: &str) -> std::net::SocketAddr {
    r.addrs[name]
}

async fn journal(r: &Running) -> Value {
    let url = format!("{}/journal?limit=10000", r.url("control"));
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn a_header_that_stalls_gets_zendesks_408_is_journaled_and_the_connection_closes() {
    let r = running(|_| {}).await;
    let mut slow = TcpStream::connect(addr(&r, "zendesk")).await.unwrap();
    slow.write_all(b"POST /api/v2/tickets.json HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let reply = read_until_closed(&mut slow, Duration::from_secs(5))
        .await
        .expect("closed within the bound");
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(250), "{took:?}");
    assert!(reply.starts_with("HTTP/1.1 408 "), "{reply}");
    let body: Value = serde_json::from_str(reply.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    // Zendesk's error envelope: {"error": ..., "description": ...}.
    assert!(body["error"].is_string(), "{body}");
    let j = journal(&r).await;
    let e = &j["entries"][0];
    assert_eq!(
        (
            e["method"].clone(),
            e["path"].clone(),
            e["response"]["status"].clone()
        ),
        (json!("POST"), json!("/api/v2/tickets.json"), json!(408))
    );
    assert!(e["error"].as_str().unwrap().contains("header timeout"));
    r.shutdown().await;
}

#[tokio::test]
async fn a_body_that_pauses_gets_the_vendors_408_and_is_journaled() {
    let r = running(|_| {}).await;
    let mut slow = TcpStream::connect(addr(&r, "zendesk")).await.unwrap();
    let head = format!(
        "POST /api/v2/tickets.json HTTP/1.1\r\nHost: x\r\nAuthorization: {ZD_AUTH}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"ticket\":"
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let reply = read_until_closed(&mut slow, Duration::from_secs(5))
        .await
        .expect("closed within the bound");
    assert!(reply.starts_with("HTTP/1.1 408 "), "{reply}");
    let j = journal(&r).await;
    let e = &j["entries"][0];
    assert_eq!(e["response"]["status"], 408);
    assert_eq!(e["request"]["truncated"], true);
    r.shutdown().await;
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_keep_alive_timeout() {
    let r = running(|_| {}).await;
    let mut conn = TcpStream::connect(addr(&r, "control")).await.unwrap();
    conn.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 12];
    conn.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let started = Instant::now();
    read_until_closed(&mut conn, Duration::from_secs(5))
        .await
        .expect("closed within the bound");
    let idle = started.elapsed();
    assert!(idle >= Duration::from_millis(500), "{idle:?}");
    r.shutdown().await;
}

#[tokio::test]
async fn shutdown_ends_within_its_deadline_despite_a_half_sent_request() {
    let r = running(|c| {
        // Longer than the shutdown deadline, so only the deadline can end it.
        c.timeouts.header = Duration::from_secs(30);
        c.timeouts.keep_alive = Duration::from_secs(30);
        c.shutdown_timeout = Duration::from_millis(300);
    })
    .await;
    let mut half = TcpStream::connect(addr(&r, "zendesk")).await.unwrap();
    half.write_all(b"GET /api/v2/tickets.json HTTP/1.1\r\nHo")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    let stopped = tokio::time::timeout(Duration::from_secs(5), r.shutdown())
        .await
        .expect("shutdown ended");
    let took = started.elapsed();
    assert!(!stopped.drained);
    assert!(took < Duration::from_millis(1300), "{took:?}");
    assert!(
        read_until_closed(&mut half, Duration::from_secs(2))
            .await
            .is_some()
    );
}

#[tokio::test]
async fn shutdown_without_anything_in_flight_is_immediate_and_drained() {
    let r = running(|c| c.shutdown_timeout = Duration::from_secs(30)).await;
    let started = Instant::now();
    assert!(r.shutdown().await.drained);
    assert!(started.elapsed() < Duration::from_secs(2));
}

async fn control(
    r: &Running,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, Value) {
    let mut req = reqwest::Client::new().request(
        method.parse().unwrap(),
        format!("{}{path}", r.url("control")),
    );
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.body(body.to_vec()).send().await.unwrap();
    let status = res.status().as_u16();
    let ctype = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ctype, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_control_api_refuses_foreign_hosts_origins_and_non_json_bodies() {
    let r = running(|_| {}).await;
    let (status, _, body) =
        control(&r, "POST", "/reset", &[("host", "evil.example:4710")], b"").await;
    assert_eq!(status, 403);
    assert!(body["error"].as_str().unwrap().contains("Host"));
    let (status, _, _) = control(
        &r,
        "POST",
        "/reset",
        &[("origin", "https://evil.example")],
        b"",
    )
    .await;
    assert_eq!(status, 403);
    // What a cross-site form or a "simple" fetch can send.
    for ctype in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let (status, _, body) = control(
            &r,
            "POST",
            "/zendesk/actions/ticket_create",
            &[("content-type", ctype)],
            TICKET,
        )
        .await;
        assert_eq!(status, 415, "{ctype}");
        assert!(body["error"].is_string());
    }
    let before = zendesk_tickets(&r).await;
    // The same request as JSON from a local tool goes through.
    let (status, _, _) = control(
        &r,
        "POST",
        "/zendesk/actions/ticket_create",
        &[
            ("content-type", "application/json"),
            ("host", "localhost:1"),
        ],
        TICKET,
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        zendesk_tickets(&r).await,
        before + 1,
        "only the JSON one created a ticket"
    );
    let (status, _, _) = control(&r, "POST", "/reset", &[("host", "localhost:1")], b"").await;
    assert_eq!(status, 200);
    r.shutdown().await;
}

const TICKET: &[u8] = br#"{"ticket":{"subject":"x","comment":{"body":"y"}}}"#;

async fn zendesk_tickets(r: &Running) -> usize {
    let url = format!("{}/state/zendesk", r.url("control"));
    let state: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    state["tickets"].as_array().expect("tickets").len()
}

#[tokio::test]
async fn a_control_token_is_required_on_every_route_when_set() {
    let r = running(|c| c.control_token = Some("s3cret".to_owned())).await;
    for (method, path) in [
        ("GET", "/health"),
        ("GET", "/journal"),
        ("POST", "/reset"),
        ("GET", "/nope"),
    ] {
        let (status, _, body) = control(&r, method, path, &[], b"").await;
        assert_eq!(status, 401, "{method} {path}");
        assert!(body["error"].is_string());
        let (status, _, _) =
            control(&r, method, path, &[("authorization", "Bearer wrong")], b"").await;
        assert_eq!(status, 401);
    }
    let (status, _, _) = control(
        &r,
        "GET",
        "/health",
        &[("authorization", "Bearer s3cret")],
        b"",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        r.harness
            .env_lines()
            .contains(&"FAKEDESK_CONTROL_TOKEN=s3cret".to_owned())
    );
    r.shutdown().await;
}

#[tokio::test]
async fn an_oversized_control_body_is_a_json_413() {
    let r = running(|c| c.max_body_bytes = 4096).await;
    let big = vec![b' '; 10_000];
    let (status, ctype, body) = control(
        &r,
        "POST",
        "/zendesk/actions/ticket_create",
        &[("content-type", "application/json")],
        &big,
    )
    .await;
    assert_eq!(status, 413);
    assert!(ctype.starts_with("application/json"), "{ctype}");
    assert!(body["error"].as_str().unwrap().contains("4096"));
    // A body the route cannot parse is a JSON error too, not the extractor's text.
    let (status, ctype, body) = control(
        &r,
        "POST",
        "/zendesk/actions/ticket_create",
        &[("content-type", "application/json")],
        b"{not json",
    )
    .await;
    assert!((400..500).contains(&status), "{status}");
    assert!(ctype.starts_with("application/json"), "{ctype} {body}");
    r.shutdown().await;
}

#[tokio::test]
async fn get_journal_pages_by_a_default_limit_with_next_since() {
    let r = running(|_| {}).await;
    let zd = r.url("zendesk");
    let client = reqwest::Client::new();
    for _ in 0..1_005 {
        client
            .get(format!("{zd}/api/v2/tickets.json"))
            .send()
            .await
            .unwrap();
    }
    let url = format!("{}/journal", r.url("control"));
    let first: Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
    assert_eq!(first["entries"].as_array().unwrap().len(), 1_000);
    assert_eq!(
        (first["more"].clone(), first["next_since"].clone()),
        (json!(true), json!(1001))
    );
    let rest: Value = reqwest::get(format!("{url}?since=1001"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest["entries"].as_array().unwrap().len(), 5);
    assert_eq!(
        (rest["more"].clone(), rest["next_since"].clone()),
        (json!(false), json!(1006))
    );
    assert_eq!(rest["stats"]["evicted_by"]["bytes"]["count"], 0);
    r.shutdown().await;
}

#[tokio::test]
async fn large_bodies_are_journaled_as_capped_copies_within_the_byte_budget() {
    let r = running(|c| {
        c.journal_bytes = 1024 * 1024;
        c.journal_body_bytes = 64 * 1024;
    })
    .await;
    let client = reqwest::Client::new();
    let zd = r.url("zendesk");
    let big = format!(
        "{{\"ticket\":{{\"subject\":\"{}\"}}}}",
        "x".repeat(1_000_000)
    );
    for _ in 0..20 {
        let res = client
            .post(format!("{zd}/api/v2/tickets.json"))
            .header("authorization", ZD_AUTH)
            .header("content-type", "application/json")
            .body(big.clone())
            .send()
            .await
            .unwrap();
        assert!(res.status().is_client_error() || res.status().is_success());
    }
    let health: Value = reqwest::get(format!("{}/health", r.url("control")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stats = &health["journal"];
    assert!(stats["bytes"].as_u64().unwrap() <= 1024 * 1024, "{stats}");
    // 20 entries of a 64 KiB copy each (plus answers) do not fit in 1 MiB.
    assert!(
        stats["evicted_by"]["bytes"]["count"].as_u64().unwrap() > 0,
        "{stats}"
    );
    let j = journal(&r).await;
    let last = j["entries"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["request"]["truncated"], true);
    assert_eq!(last["request"]["original_length"], big.len());
    r.shutdown().await;
}

//! Zendesk accounts by subdomain: each subdomain (named by the `Host`,
//! `{sub}.zendesk.com` or `{sub}.localhost`) is an account of its own, seeded from
//! the configured one, credentials included. REFERENCE 1.1: the base URL is
//! `https://{subdomain}.zendesk.com/api/v2/`.

use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};

use crate::common::{Fake, HOST, Resp, fake, oneshot, token_auth};

async fn at(z: &Fake, host: &str, method: &str, path: &str, body: Option<Value>) -> Resp {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", host)
        .header("content-type", "application/json")
        .header("authorization", token_auth())
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap();
    oneshot(&z.zendesk, req).await
}

async fn create(z: &Fake, host: &str, subject: &str) -> u64 {
    let r = at(
        z,
        host,
        "POST",
        "/api/v2/tickets.json",
        Some(json!({"ticket": {"subject": subject, "comment": {"body": "b"}}})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json["ticket"]["id"].as_u64().unwrap()
}

async fn subjects(z: &Fake, host: &str) -> Vec<String> {
    let r = at(z, host, "GET", "/api/v2/tickets.json", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["subject"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn each_subdomain_is_an_account_of_its_own() {
    let z = fake();
    let acme = create(&z, "acme.zendesk.com", "acme's").await;
    create(&z, "globex.localhost:4711", "globex's").await;
    assert_eq!(subjects(&z, "acme.zendesk.com").await, ["acme's"]);
    assert_eq!(subjects(&z, "globex.zendesk.com").await, ["globex's"]);
    assert!(subjects(&z, HOST).await.is_empty(), "the default account");
    let shown = at(
        &z,
        "globex.zendesk.com",
        "GET",
        &format!("/api/v2/tickets/{acme}.json"),
        None,
    )
    .await;
    // globex's first ticket may share the number; it is not acme's.
    assert_ne!(shown.json["ticket"]["subject"], "acme's");
    let url = at(
        &z,
        "acme.zendesk.com",
        "GET",
        &format!("/api/v2/tickets/{acme}.json"),
        None,
    )
    .await
    .json["ticket"]["url"]
        .clone();
    assert_eq!(
        url,
        format!("http://acme.zendesk.com/api/v2/tickets/{acme}.json")
    );

    // Journal entries carry the subdomain.
    let accounts: Vec<Option<String>> = z
        .harness
        .journal
        .entries(&Default::default())
        .iter()
        .map(|e| e.exchange.request.account.as_deref().map(str::to_owned))
        .collect();
    assert_eq!(accounts[0].as_deref(), Some("acme"));
    assert_eq!(accounts[1].as_deref(), Some("globex"));
    let default = z.harness.config.zendesk.subdomain.clone();
    assert!(accounts.contains(&Some(default)));
}

#[tokio::test]
async fn credentials_come_from_the_template_and_bad_ones_are_refused() {
    let z = fake();
    let r = at(
        &z,
        "newco.zendesk.com",
        "GET",
        "/api/v2/users/me.json",
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["user"]["email"], "admin@fakedesk.test");
    let req = Request::builder()
        .uri("/api/v2/users/me.json")
        .header("host", "newco.zendesk.com")
        .header(
            "authorization",
            crate::common::basic("admin@fakedesk.test/token:wrong"),
        )
        .body(Body::empty())
        .unwrap();
    assert_eq!(oneshot(&z.zendesk, req).await.status, 401);
}

#[tokio::test]
async fn state_and_reset_take_a_subdomain() {
    let z = fake();
    create(&z, "acme.zendesk.com", "acme's").await;
    create(&z, "globex.zendesk.com", "globex's").await;
    let control = fakedesk::server::control::router(z.harness.clone());
    let get = |path: &str| Request::builder().uri(path).body(Body::empty()).unwrap();
    let state = |r: Resp| -> Vec<String> {
        r.json["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["subject"].as_str().unwrap().to_owned())
            .collect()
    };
    let acme = oneshot(&control, get("/state/zendesk?subdomain=acme")).await;
    assert_eq!(state(acme), ["acme's"]);
    let whole = oneshot(&control, get("/state/zendesk")).await;
    assert!(state(whole).is_empty(), "the default account's state");
    let bad = oneshot(&control, get("/state/zendesk?subdomain=a.b")).await;
    assert_eq!(bad.status, 400);

    let reset = Request::builder()
        .method("POST")
        .uri("/reset?subdomain=acme")
        .body(Body::empty())
        .unwrap();
    assert_eq!(oneshot(&control, reset).await.status, 200);
    let acme = oneshot(&control, get("/state/zendesk?subdomain=acme")).await;
    assert!(state(acme).is_empty());
    let globex = oneshot(&control, get("/state/zendesk?subdomain=globex")).await;
    assert_eq!(state(globex), ["globex's"]);
    let journal = z.harness.journal.entries(&Default::default()).len();
    assert!(journal > 0, "a subdomain's reset keeps the journal");

    let all = Request::builder()
        .method("POST")
        .uri("/reset")
        .body(Body::empty())
        .unwrap();
    oneshot(&control, all).await;
    let globex = oneshot(&control, get("/state/zendesk?subdomain=globex")).await;
    assert!(
        state(globex).is_empty(),
        "a full reset forgets every account"
    );
}

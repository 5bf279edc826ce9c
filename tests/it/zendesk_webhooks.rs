//! Zendesk's Webhooks and Triggers APIs, and signed deliveries to a receiver
//! (wiremock stands in for the system under test). REFERENCE 1.10–1.12.

use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

use crate::common::{Fake, fake, fake_with, received};

/// Checks `x-zendesk-webhook-signature` the way a receiver would, following the
/// documented algorithm with its own HMAC: base64(HMAC-SHA256(secret, ts + body)).
struct ValidZendeskSignature {
    secret: String,
}

impl Match for ValidZendeskSignature {
    fn matches(&self, req: &Request) -> bool {
        let header = |k: &str| {
            req.headers
                .get(k)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (Some(sig), Some(ts)) = (
            header("x-zendesk-webhook-signature"),
            header("x-zendesk-webhook-signature-timestamp"),
        ) else {
            return false;
        };
        let mut mac =
            <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(self.secret.as_bytes()).unwrap();
        mac.update(ts.as_bytes());
        mac.update(&req.body);
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()) == sig
    }
}

/// The errors of journaled outbound attempts, waiting (at most 10 s) for `at_least`.
async fn journaled_errors(z: &Fake, at_least: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let errors: Vec<String> = z
            .harness
            .journal
            .entries(&Default::default())
            .iter()
            .filter_map(|e| e.exchange.error.clone())
            .collect();
        if errors.len() >= at_least || Instant::now() > deadline {
            return errors;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn create_webhook(z: &Fake, endpoint: &str, auth: Value) -> (String, String) {
    let r = z
        .call("POST", "/api/v2/webhooks", Some(json!({"webhook": {"name": "To the SUT", "endpoint": endpoint, "http_method": "POST", "request_format": "json", "status": "active", "subscriptions": ["conditional_ticket_events"], "authentication": auth}})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json["webhook"]["id"].as_str().unwrap().to_owned();
    let secret = z
        .call(
            "GET",
            &format!("/api/v2/webhooks/{id}/signing_secret"),
            None,
        )
        .await
        .json["signing_secret"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    (id, secret)
}

/// A trigger that notifies `webhook` with `body` whenever a ticket is created.
async fn on_create(z: &Fake, title: &str, webhook: &str, body: &str) -> u64 {
    create_trigger(
        z,
        title,
        json!({"all": [{"field": "update_type", "operator": "is", "value": "Create"}]}),
        webhook,
        body,
    )
    .await
}

async fn create_trigger(
    z: &Fake,
    title: &str,
    conditions: Value,
    webhook: &str,
    body: &str,
) -> u64 {
    let r = z
        .call("POST", "/api/v2/triggers.json", Some(json!({"trigger": {"title": title, "conditions": conditions, "actions": [{"field": "notification_webhook", "value": [webhook, body]}]}})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json["trigger"]["id"].as_u64().unwrap()
}

#[tokio::test]
async fn webhooks_api_creates_shows_updates_and_deletes_like_zendesk() {
    let z = fake();
    let r = z
        .call("POST", "/api/v2/webhooks", Some(json!({"webhook": {"name": "Example Webhook", "endpoint": "https://example.com/status/200", "http_method": "POST", "request_format": "json", "status": "active", "subscriptions": ["conditional_ticket_events"], "authentication": {"type": "basic_auth", "data": {"username": "u", "password": "p"}, "add_position": "header"}}})))
        .await;
    assert_eq!(r.status, 201);
    let w = &r.json["webhook"];
    let captured: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/fixtures/vendors/zendesk/webhook.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    let mut fake_keys = keys(w);
    fake_keys.retain(|k| k != "description");
    let mut captured_keys = keys(&captured["webhook"]);
    captured_keys.sort();
    fake_keys.sort();
    assert_eq!(fake_keys, captured_keys);
    assert_eq!(
        w["authentication"], captured["webhook"]["authentication"],
        "data is write-only"
    );
    assert!(
        w["created_by"].is_string(),
        "created_by is a string, as captured"
    );
    let id = w["id"].as_str().unwrap();
    assert_eq!(id.len(), 26, "ULID");

    let put = z.call("PUT", &format!("/api/v2/webhooks/{id}"), Some(json!({"webhook": {"name": "Renamed", "endpoint": "https://example.com/x", "http_method": "PUT", "request_format": "json", "status": "inactive"}}))).await;
    assert_eq!((put.status, put.text.as_str()), (204, ""));
    let patch = z
        .call(
            "PATCH",
            &format!("/api/v2/webhooks/{id}"),
            Some(json!({"webhook": {"status": "active"}})),
        )
        .await;
    assert_eq!(patch.status, 204);
    let shown = z.call("GET", &format!("/api/v2/webhooks/{id}"), None).await;
    assert_eq!(
        (
            shown.json["webhook"]["name"].as_str(),
            shown.json["webhook"]["http_method"].as_str(),
            shown.json["webhook"]["status"].as_str()
        ),
        (Some("Renamed"), Some("PUT"), Some("active"))
    );
    let list = z.call("GET", "/api/v2/webhooks", None).await;
    assert_eq!(list.json["webhooks"].as_array().unwrap().len(), 1);
    assert_eq!(list.json["meta"]["has_more"], false);

    assert_eq!(
        z.call("DELETE", &format!("/api/v2/webhooks/{id}"), None)
            .await
            .status,
        204
    );
    let gone = z.call("GET", &format!("/api/v2/webhooks/{id}"), None).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json["errors"][0]["code"], "WebhookNotFound");
}

#[tokio::test]
async fn webhook_validation_errors_use_the_json_api_shape() {
    let z = fake();
    let r = z
        .call(
            "POST",
            "/api/v2/webhooks",
            Some(json!({"webhook": {"endpoint": "ftp://x", "http_method": "FETCH"}})),
        )
        .await;
    assert_eq!(r.status, 400);
    let errors = r.json["errors"].as_array().unwrap();
    assert!(errors.len() >= 3, "{errors:?}");
    assert!(
        errors
            .iter()
            .all(|e| e["code"].is_string() && e["title"].is_string() && e["detail"].is_string())
    );
    let bad_json = z
        .raw(
            "POST",
            "/api/v2/webhooks",
            Some(&crate::common::token_auth()),
            axum::body::Body::from("{"),
        )
        .await;
    assert_eq!(bad_json.status, 400);
    assert!(bad_json.json["errors"].is_array());
}

#[tokio::test]
async fn signing_secret_can_be_shown_and_reset() {
    let z = fake();
    let (id, secret) = create_webhook(&z, "http://127.0.0.1:9/hook", Value::Null).await;
    assert_eq!(secret.len(), 44);
    let reset = z
        .call(
            "POST",
            &format!("/api/v2/webhooks/{id}/signing_secret"),
            None,
        )
        .await;
    assert_eq!(reset.status, 200);
    assert_eq!(reset.json["signing_secret"]["algorithm"], "SHA256");
    let new = reset.json["signing_secret"]["secret"].as_str().unwrap();
    assert_ne!(new, secret);
    let shown = z
        .call(
            "GET",
            &format!("/api/v2/webhooks/{id}/signing_secret"),
            None,
        )
        .await;
    assert_eq!(shown.json["signing_secret"]["secret"], new);
}

#[tokio::test]
async fn triggers_api_validates_and_orders_by_position() {
    let z = fake();
    let (hook, _) = create_webhook(&z, "http://127.0.0.1:9/hook", Value::Null).await;
    let bad = z.call("POST", "/api/v2/triggers.json", Some(json!({"trigger": {"title": "x", "conditions": {"all": [{"field": "status", "operator": "is", "value": "open"}]}, "actions": [{"field": "notification_webhook", "value": ["01NOPE", "{}"]}]}}))).await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.json["details"]["actions"][0]["description"]
            .as_str()
            .unwrap()
            .contains("01NOPE")
    );
    let untitled = z.call("POST", "/api/v2/triggers.json", Some(json!({"trigger": {"conditions": {"all": [{"field": "status", "operator": "is", "value": "open"}]}, "actions": [{"field": "notification_webhook", "value": [hook, "{}"]}]}}))).await;
    assert_eq!(untitled.status, 422);

    let a = on_create(&z, "A", &hook, "{}").await;
    let b = on_create(&z, "B", &hook, "{}").await;
    let moved = z
        .call(
            "PUT",
            &format!("/api/v2/triggers/{b}.json"),
            Some(json!({"trigger": {"position": 0}})),
        )
        .await;
    assert_eq!(moved.status, 200);
    let list = z.call("GET", "/api/v2/triggers.json", None).await;
    let ids: Vec<u64> = list.json["triggers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [b, a]);
    assert_eq!(
        z.call("DELETE", &format!("/api/v2/triggers/{a}.json"), None)
            .await
            .status,
        204
    );
    assert_eq!(
        z.call("GET", &format!("/api/v2/triggers/{a}.json"), None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn solving_a_ticket_fires_the_trigger_with_signed_headers_auth_and_rendered_placeholders() {
    let receiver = MockServer::start().await;
    let z = fake();
    let (hook, secret) = create_webhook(
        &z,
        &format!("{}/zendesk", receiver.uri()),
        json!({"type": "bearer_token", "data": {"token": "sut-token"}, "add_position": "header"}),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/zendesk"))
        .and(ValidZendeskSignature { secret })
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&receiver)
        .await;
    let body = r#"{"ticket_id":"{{ticket.id}}","status":"{{ticket.status}}","title":"{{ticket.title}}","requester":"{{ticket.requester.email}}","requester_name":"{{ticket.requester.name}}","external_id":"{{ticket.requester.external_id}}","assignee":"{{ticket.assignee.email}}","tags":"{{ticket.tags}}","by":"{{current_user.email}}","url":"{{ticket.url}}","nope":"{{ticket.no_such_placeholder}}"}"#;
    create_trigger(
        &z,
        "Notify on solve",
        json!({"all": [{"field": "status", "operator": "value", "value": "solved"}]}),
        &hook,
        body,
    )
    .await;

    let admin = z.admin_id().await;
    let r = z.call("POST", "/api/v2/tickets.json", Some(json!({"ticket": {"subject": "Fire", "tags": ["vip", "printer"], "comment": {"body": "help"}, "requester": {"name": "Jane Roe", "email": "jane@example.com"}}}))).await;
    let id = r.json["ticket"]["id"].as_u64().unwrap();
    z.call(
        "PUT",
        &format!("/api/v2/tickets/{id}.json"),
        Some(json!({"ticket": {"status": "pending", "assignee_id": admin}})),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        receiver.received_requests().await.unwrap().is_empty(),
        "not solved yet: no delivery"
    );
    z.call(
        "PUT",
        &format!("/api/v2/tickets/{id}.json"),
        Some(json!({"ticket": {"status": "solved"}})),
    )
    .await;

    let got = received(&receiver, 1).await;
    assert_eq!(got.len(), 1);
    let req = &got[0];
    let header = |k: &str| req.headers.get(k).unwrap().to_str().unwrap().to_owned();
    assert_eq!(header("authorization"), "Bearer sut-token");
    assert_eq!(header("x-zendesk-webhook-id"), hook);
    assert_eq!(header("x-zendesk-account-id"), "18525119");
    // A ULID, as captured (rules-metrics reference 7.1).
    let invocation = header("x-zendesk-webhook-invocation-id");
    assert_eq!(invocation.len(), 26);
    assert!(
        invocation
            .bytes()
            .all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b))
    );
    assert_eq!(
        header("x-zendesk-webhook-signature-timestamp"),
        "2024-02-08T17:44:38Z"
    );
    assert_eq!(header("content-type"), "application/json");
    let sent: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(
        sent,
        json!({"ticket_id": id.to_string(), "status": "Solved", "title": "Fire", "requester": "jane@example.com", "requester_name": "Jane Roe", "external_id": "", "assignee": "admin@fakedesk.test", "tags": "vip printer", "by": "admin@fakedesk.test", "url": format!("fakedesk.zendesk.com/agent/tickets/{id}"), "nope": ""})
    );
    receiver.verify().await;

    // The delivery is journaled as outbound traffic with the receiver's answer, once
    // the sender has read that answer (just after the receiver recorded the request).
    let deadline = Instant::now() + Duration::from_secs(10);
    let out = loop {
        let entries = z.harness.journal.entries(&Default::default());
        if let Some(e) = entries
            .iter()
            .find(|e| e.exchange.direction == fakedesk::journal::Direction::Outbound)
        {
            break e.clone();
        }
        assert!(
            Instant::now() < deadline,
            "the delivery was never journaled"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let o = out.exchange.outbound.as_ref().unwrap();
    assert_eq!(
        (o.url.clone(), o.attempt),
        (format!("{}/zendesk", receiver.uri()), 1)
    );
    assert_eq!(out.exchange.response.as_ref().unwrap().status, 200);
}

#[tokio::test]
async fn conditions_select_which_triggers_fire_each_at_most_once_per_update() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let z = fake();
    let (hook, _) = create_webhook(&z, &format!("{}/hook", receiver.uri()), Value::Null).await;
    let t = |name: &str| format!(r#"{{"trigger":"{name}","ticket":"{{{{ticket.id}}}}"}}"#);
    on_create(&z, "created", &hook, &t("created")).await;
    create_trigger(&z, "vip", json!({"all": [{"field": "current_tags", "operator": "includes", "value": "vip"}, {"field": "update_type", "operator": "is", "value": "Change"}]}), &hook, &t("vip")).await;
    create_trigger(&z, "urgent-or-high", json!({"any": [{"field": "priority", "operator": "is", "value": "urgent"}, {"field": "priority", "operator": "is", "value": "high"}]}), &hook, &t("urgent-or-high")).await;
    create_trigger(
        &z,
        "left-new",
        json!({"all": [{"field": "status", "operator": "value_previous", "value": "new"}]}),
        &hook,
        &t("left-new"),
    )
    .await;
    create_trigger(&z, "assignee-set", json!({"all": [{"field": "assignee_id", "operator": "is_not", "value": ""}, {"field": "assignee_id", "operator": "changed"}]}), &hook, &t("assignee-set")).await;
    create_trigger(&z, "via-api", json!({"all": [{"field": "via_id", "operator": "is", "value": 5}, {"field": "status", "operator": "is_not", "value": "solved"}]}), &hook, &t("via-api")).await;

    let admin = z.admin_id().await;
    let id = z.ticket("x").await; // created, via-api
    z.call(
        "PUT",
        &format!("/api/v2/tickets/{id}.json"),
        Some(json!({"ticket": {"tags": ["vip"], "priority": "high"}})),
    )
    .await; // vip, urgent-or-high, via-api
    z.call(
        "PUT",
        &format!("/api/v2/tickets/{id}.json"),
        Some(json!({"ticket": {"assignee_id": admin}})),
    )
    .await; // vip, urgent-or-high, left-new, assignee-set, via-api
    let got = received(&receiver, 10).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let got_after = receiver.received_requests().await.unwrap();
    assert_eq!(got.len(), got_after.len(), "no late extra deliveries");
    let mut fired: Vec<String> = got_after
        .iter()
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["trigger"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    fired.sort();
    let mut expected = vec![
        "created",
        "via-api",
        "vip",
        "urgent-or-high",
        "via-api",
        "vip",
        "urgent-or-high",
        "left-new",
        "assignee-set",
        "via-api",
    ];
    expected.sort();
    assert_eq!(fired, expected);
}

#[tokio::test]
async fn deliveries_retry_409_then_stop_on_success_and_never_retry_a_500() {
    let receiver = MockServer::start().await;
    Mock::given(path("/conflict"))
        .respond_with(ResponseTemplate::new(409))
        .up_to_n_times(2)
        .mount(&receiver)
        .await;
    Mock::given(path("/conflict"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    Mock::given(path("/broken"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&receiver)
        .await;
    let z = fake_with(|c| c.zendesk.webhooks.retry_base_delay_ms = 5);
    for target in ["conflict", "broken"] {
        let (hook, _) =
            create_webhook(&z, &format!("{}/{target}", receiver.uri()), Value::Null).await;
        on_create(&z, target, &hook, "{}").await;
    }
    z.ticket("x").await;
    let got = received(&receiver, 4).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let count = |p: &str| got.iter().filter(|r| r.url.path() == p).count();
    assert_eq!((count("/conflict"), count("/broken")), (3, 1));
    let mut attempts: Vec<(String, u32, u16)> = z
        .harness
        .journal
        .entries(&Default::default())
        .iter()
        .filter_map(|e| {
            let o = e.exchange.outbound.as_ref()?;
            Some((
                e.exchange.request.path.clone(),
                o.attempt,
                e.exchange.response.as_ref()?.status,
            ))
        })
        .collect();
    attempts.sort();
    assert_eq!(
        attempts,
        [
            ("/broken".to_owned(), 1, 500),
            ("/conflict".to_owned(), 1, 409),
            ("/conflict".to_owned(), 2, 409),
            ("/conflict".to_owned(), 3, 200)
        ]
    );
}

#[tokio::test]
async fn an_unreachable_receiver_is_journaled_as_an_error_and_retried() {
    let z = fake_with(|c| {
        c.zendesk.webhooks.retry_base_delay_ms = 1;
        c.zendesk.webhooks.timeout_ms = 500;
    });
    // A port nothing listens on: bind, learn the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (hook, _) = create_webhook(&z, &format!("http://127.0.0.1:{port}/hook"), Value::Null).await;
    on_create(&z, "t", &hook, "{}").await;
    z.ticket("x").await;
    let errors = journaled_errors(&z, 6).await;
    assert_eq!(errors.len(), 6, "first try and 5 retries: {errors:?}");
}

#[tokio::test]
async fn a_receiver_slower_than_the_timeout_is_a_journaled_timeout_and_is_retried() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(400)))
        .mount(&receiver)
        .await;
    let z = fake_with(|c| {
        c.zendesk.webhooks.timeout_ms = 50;
        c.zendesk.webhooks.retry_base_delay_ms = 1;
    });
    let (hook, _) = create_webhook(&z, &format!("{}/slow", receiver.uri()), json!({"type": "api_key", "data": {"name": "X-Api-Key", "value": "k1"}, "add_position": "header"})).await;
    on_create(&z, "t", &hook, "{}").await;
    z.ticket("x").await;
    // The journal is the record of attempts: on a loaded machine an attempt can time
    // out before the receiver has even read it.
    let errors = journaled_errors(&z, 6).await;
    assert_eq!(
        errors,
        vec!["timed out".to_owned(); 6],
        "first try and 5 retries"
    );
    let got = received(&receiver, 1).await;
    assert!(!got.is_empty());
    assert!(
        got.iter()
            .all(|r| r.headers.get("x-api-key").is_some_and(|v| v == "k1")),
        "api_key auth on every attempt"
    );
}

#[tokio::test]
async fn seeded_webhooks_and_triggers_push_without_api_calls_and_survive_a_reset() {
    let receiver = MockServer::start().await;
    let secret = "seeded-secret-known-to-the-receiver";
    Mock::given(method("POST"))
        .and(path("/hooks"))
        .and(ValidZendeskSignature {
            secret: secret.to_owned(),
        })
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let endpoint = format!("{}/hooks", receiver.uri());
    let z = fake_with(|c| {
        c.zendesk.seed_webhooks = vec![json!({
            "name": "Receiver", "endpoint": endpoint, "http_method": "POST",
            "request_format": "json", "status": "active",
            "subscriptions": ["conditional_ticket_events"],
            "signing_secret": {"secret": secret},
        })];
        c.zendesk.seed_triggers = vec![json!({
            "title": "New tickets out",
            "conditions": {"all": [{"field": "update_type", "operator": "is", "value": "Create"}]},
            "actions": [{"field": "notification_webhook", "value": ["Receiver", "{\"id\": \"{{ticket.id}}\"}"]}],
        })];
    });
    let webhooks = z.call("GET", "/api/v2/webhooks", None).await;
    assert_eq!(webhooks.json["webhooks"][0]["name"], "Receiver");
    assert_eq!(webhooks.json["webhooks"][0]["endpoint"], json!(endpoint));
    let triggers = z.call("GET", "/api/v2/triggers.json", None).await;
    let hook_id = webhooks.json["webhooks"][0]["id"].clone();
    assert_eq!(
        triggers.json["triggers"][0]["actions"][0]["value"][0], hook_id,
        "the trigger names the seeded webhook by its id"
    );
    let id = z.ticket("Seeded push").await;
    let got = received(&receiver, 1).await;
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body, json!({"id": id.to_string()}));

    z.harness.vendor("zendesk").unwrap().reset();
    let after = z.call("GET", "/api/v2/webhooks", None).await;
    assert_eq!(
        after.json["webhooks"][0]["id"], hook_id,
        "a reset seeds the same webhook"
    );
}

#[test]
fn seeds_that_the_apis_would_refuse_are_configuration_errors() {
    let mut c = fakedesk::config::RunConfig::ephemeral();
    c.zendesk.seed_webhooks = vec![json!({"name": "No endpoint"})];
    c.zendesk.seed_triggers = vec![json!({
        "title": "Points nowhere",
        "conditions": {"all": [{"field": "status", "operator": "value", "value": "solved"}]},
        "actions": [{"field": "notification_webhook", "value": ["Missing", "{}"]}],
    })];
    let problems = c.zendesk.problems();
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("vendors.zendesk.seed_webhooks[0]: ") && p.contains("endpoint")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("vendors.zendesk.seed_triggers[0]: ") && p.contains("Missing")),
        "{problems:?}"
    );
}

/// Ticket trigger categories against Zendesk's OpenAPI document: string ids,
/// create answering 200, `PATCH` updates, the documented error codes and titles,
/// and no deleting a category an active trigger is in.
#[tokio::test]
async fn trigger_categories_group_triggers() {
    let z = fake();
    let created = z
        .call(
            "POST",
            "/api/v2/trigger_categories.json",
            Some(json!({"trigger_category": {"name": "All Notification Triggers", "position": 0}})),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let c = &created.json["trigger_category"];
    assert_eq!(c["name"], json!("All Notification Triggers"));
    assert_eq!(c["position"], json!(0));
    let id = c["id"].as_str().expect("a string id").to_owned();
    let blank = z
        .call(
            "POST",
            "/api/v2/trigger_categories",
            Some(json!({"trigger_category": {"name": ""}})),
        )
        .await;
    assert_eq!(blank.status, 400);
    assert_eq!(
        blank.json,
        json!({"errors": [{"code": "InvalidTriggerCategory", "title": "Name cannot be blank"}]})
    );
    let patched = z
        .call(
            "PATCH",
            &format!("/api/v2/trigger_categories/{id}.json"),
            Some(json!({"trigger_category": {"name": "All Notification Triggers Updated", "position": 10}})),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.json["trigger_category"]["position"], json!(10));
    z.call(
        "POST",
        "/api/v2/trigger_categories",
        Some(json!({"trigger_category": {"name": "SMS Triggers", "position": 1}})),
    )
    .await;
    let list = z
        .call("GET", "/api/v2/trigger_categories?sort=position", None)
        .await;
    let names: Vec<&str> = list.json["trigger_categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["SMS Triggers", "All Notification Triggers Updated"]);
    let trigger = z
        .call(
            "POST",
            "/api/v2/triggers.json",
            Some(json!({"trigger": {"title": "close", "category_id": id,
                "conditions": {"all": [{"field": "status", "operator": "is", "value": "solved"}]},
                "actions": [{"field": "status", "value": "closed"}]}})),
        )
        .await;
    assert_eq!(trigger.status, 201, "{}", trigger.text);
    let busy = z
        .call("DELETE", &format!("/api/v2/trigger_categories/{id}"), None)
        .await;
    assert_eq!(busy.status, 400);
    assert_eq!(
        busy.json["errors"][0]["code"],
        json!("TriggerCategoryNotEmpty")
    );
    let missing = z
        .call("GET", "/api/v2/trigger_categories/12345", None)
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.json["errors"][0]["code"],
        json!("TriggerCategoryNotFound")
    );
}

/// `POST /api/v2/webhooks/test` [DOC recollection, reference 7.2]: one request
/// sent now, as the webhook would send it (signed, with the extra headers), and
/// the receiver's answer reported as `{"response": {headers, payload, status}}`.
/// A webhook not yet created signs with Zendesk's static test secret; with
/// `webhook_id`, with that webhook's secret.
#[tokio::test]
async fn a_webhook_test_sends_one_signed_request_and_reports_the_answer() {
    let z = fake();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(202).set_body_string("thanks"))
        .mount(&server)
        .await;
    let endpoint = format!("{}/hook", server.uri());
    let tested = z
        .call(
            "POST",
            "/api/v2/webhooks/test",
            Some(json!({"request": {"endpoint": endpoint, "http_method": "POST", "request_format": "json", "headers": [{"key": "X-Trace", "value": "t-1"}], "payload": "{\"ping\": true}"}})),
        )
        .await;
    assert_eq!(tested.status, 200, "{}", tested.text);
    assert_eq!(tested.json["response"]["status"], json!(202));
    assert_eq!(tested.json["response"]["payload"], json!("thanks"));
    assert!(
        tested.json["response"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["key"].is_string())
    );
    let got = received(&server, 1).await;
    assert_eq!(got.len(), 1);
    let req = &got[0];
    assert_eq!(req.body, b"{\"ping\": true}");
    assert_eq!(req.headers.get("x-trace").unwrap(), "t-1");
    let stamp = req
        .headers
        .get("x-zendesk-webhook-signature-timestamp")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let signature = req
        .headers
        .get("x-zendesk-webhook-signature")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let sign = |secret: &str| {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(stamp.as_bytes());
        mac.update(&req.body);
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    };
    // REFERENCE 1.11: the docs' static test secret, used as the literal string.
    assert_eq!(
        signature,
        sign("dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==")
    );

    // As an existing webhook: its own secret.
    let (id, secret) = create_webhook(&z, &endpoint, Value::Null).await;
    let tested = z
        .call(
            "POST",
            &format!("/api/v2/webhooks/test?webhook_id={id}"),
            Some(json!({"request": {"payload": "{}"}})),
        )
        .await;
    assert_eq!(tested.status, 200, "{}", tested.text);
    let got = received(&server, 2).await;
    let req = &got[1];
    let stamp = req
        .headers
        .get("x-zendesk-webhook-signature-timestamp")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(stamp.as_bytes());
    mac.update(&req.body);
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(
        req.headers.get("x-zendesk-webhook-signature").unwrap(),
        expected.as_str()
    );

    // Nobody listening: reported, not failed.
    let refused = z
        .call(
            "POST",
            "/api/v2/webhooks/test",
            Some(json!({"request": {"endpoint": "http://127.0.0.1:9/", "http_method": "POST", "request_format": "json"}})),
        )
        .await;
    assert_eq!(refused.status, 200, "{}", refused.text);
    assert_eq!(refused.json["response"]["status"], json!(502));
    let bad = z
        .call(
            "POST",
            "/api/v2/webhooks/test",
            Some(json!({"request": {"endpoint": "ftp://x"}})),
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    let unknown = z
        .call(
            "POST",
            "/api/v2/webhooks/test?webhook_id=nope",
            Some(json!({"request": {}})),
        )
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
}

/// `GET /triggers/definitions` has the shape of Zendesk's `TriggerDefinitionObject`
/// (OpenAPI: `actions`, `conditions_all`, `conditions_any`; entries `group`,
/// `nullable`, `repeatable`, `subject`, `title`, `type`, conditions with `operators`
/// of `terminal`, `title`, `value`, `values` of `enabled`, `title`, `value`, and no
/// `values` under `conditions_any`), and a trigger built only from what it lists
/// fires.
#[tokio::test]
async fn trigger_definitions_list_what_a_trigger_may_name_and_a_trigger_built_from_them_fires() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let z = fake();
    let (hook, _) = create_webhook(&z, &format!("{}/hook", receiver.uri()), Value::Null).await;
    let admin = z.admin_id().await;
    let r = z
        .call("GET", "/api/v2/triggers/definitions.json", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let d = &r.json["definitions"];
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let entry = [
        "group",
        "nullable",
        "repeatable",
        "subject",
        "title",
        "type",
    ];
    for (list, values) in [("conditions_all", true), ("conditions_any", false)] {
        let all = d[list].as_array().unwrap();
        assert!(!all.is_empty());
        for c in all {
            let mut want: Vec<&str> = entry.iter().copied().chain(["operators"]).collect();
            if values && c.get("values").is_some() {
                want.push("values");
            }
            want.sort();
            assert_eq!(keys(c), want, "{c}");
            for o in c["operators"].as_array().unwrap() {
                assert_eq!(keys(o), ["terminal", "title", "value"]);
            }
            assert!(values || c.get("values").is_none());
        }
    }
    let by_subject = |list: &str, s: &str| {
        d[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["subject"] == s)
            .unwrap_or_else(|| panic!("{s} in {list}"))
            .clone()
    };
    let assignee = by_subject("conditions_all", "assignee_id");
    assert!(
        assignee["values"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["value"].as_str() == Some(admin.to_string().as_str())),
        "the seeded admin is an assignee: {assignee}"
    );
    let notify = d["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["subject"] == "notification_webhook")
        .unwrap()
        .clone();
    let listed = notify["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["title"] == "To the SUT")
        .unwrap()["value"]
        .clone();
    assert_eq!(listed, hook);

    // A trigger from the listed names only: status "Changed to" Solved.
    let status = by_subject("conditions_all", "status");
    let changed_to = status["operators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["title"] == "Changed to")
        .unwrap()["value"]
        .clone();
    let solved = status["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["title"] == "Solved")
        .unwrap()["value"]
        .clone();
    let r = z
        .call("POST", "/api/v2/triggers.json", Some(json!({"trigger": {"title": "From the definitions", "conditions": {"all": [{"field": status["subject"], "operator": changed_to, "value": solved}]}, "actions": [{"field": notify["subject"], "value": [listed, "{\"solved\": \"{{ticket.id}}\"}"]}]}})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = z.ticket("x").await;
    let r = z
        .call(
            "PUT",
            &format!("/api/v2/tickets/{id}.json"),
            Some(json!({"ticket": {"status": "solved", "assignee_id": admin}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let got = received(&receiver, 1).await;
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body, json!({"solved": id.to_string()}));
}

//! Event-subscription webhooks: `zen:event-type:*` subscriptions get one signed JSON
//! POST per matching change (REFERENCE 1.10: payload `account_id`, `detail`,
//! `event`, `id`, `subject`, `time`, `type`, `zendesk_event_version`).

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{fake, received};

fn signed(secret: &str, req: &wiremock::Request) -> bool {
    let h = |k: &str| {
        req.headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(h("x-zendesk-webhook-signature-timestamp").as_bytes());
    mac.update(&req.body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        == h("x-zendesk-webhook-signature")
}

#[tokio::test]
async fn subscribed_changes_are_delivered_signed_once_each() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let z = fake();
    let subscriptions = [
        "zen:event-type:ticket.created",
        "zen:event-type:ticket.status_changed",
        "zen:event-type:organization.created",
    ];
    let r = z
        .call("POST", "/api/v2/webhooks", Some(json!({"webhook": {"name": "events", "endpoint": format!("{}/events", receiver.uri()),
            "http_method": "POST", "request_format": "json", "status": "active", "subscriptions": subscriptions}})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let hook = r.json["webhook"]["id"].as_str().unwrap().to_owned();
    let secret = z
        .call(
            "GET",
            &format!("/api/v2/webhooks/{hook}/signing_secret"),
            None,
        )
        .await
        .json["signing_secret"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = z.ticket("evented").await;
    let admin = z.admin_id().await;
    let u = z
        .call(
            "PUT",
            &format!("/api/v2/tickets/{id}.json"),
            Some(json!({"ticket": {"status": "open", "assignee_id": admin, "tags": ["x"]}})),
        )
        .await;
    assert_eq!(u.status, 200);
    z.call(
        "POST",
        "/api/v2/organizations.json",
        Some(json!({"organization": {"name": "Evented"}})),
    )
    .await;
    let got = received(&receiver, 3).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let got = if got.len() == 3 {
        receiver.received_requests().await.unwrap()
    } else {
        got
    };
    let mut types: Vec<String> = Vec::new();
    for req in &got {
        assert!(signed(&secret, req), "signed like the other webhooks");
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        let mut keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "account_id",
                "detail",
                "event",
                "id",
                "subject",
                "time",
                "type",
                "zendesk_event_version"
            ]
        );
        types.push(body["type"].as_str().unwrap().to_owned());
        if body["type"] == "zen:event-type:ticket.status_changed" {
            assert_eq!(body["event"], json!({"current": "open", "previous": "new"}));
            assert_eq!(body["subject"], format!("zen:ticket:{id}"));
            assert_eq!(body["detail"]["id"], id);
        }
    }
    types.sort();
    // Only subscribed types: no tags_changed or agent_assignment_changed.
    assert_eq!(
        types,
        [
            "zen:event-type:organization.created",
            "zen:event-type:ticket.created",
            "zen:event-type:ticket.status_changed"
        ]
    );
}

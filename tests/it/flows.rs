//! Flows that cross vendors, over real sockets, as the vendors' integration guide
//! describes them: a Braze webhook campaign creates a Zendesk ticket; solving it
//! fires a Zendesk trigger whose webhook calls Braze's /users/track; the event lands
//! on the Braze profile.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fakedesk::clock::SystemClock;
use fakedesk::config::RunConfig;
use fakedesk::server::{self, Harness};
use serde_json::{Value, json};

use crate::common::BRAZE_KEY;

const ZENDESK_TOKEN: &str = "fakedesk0zendesk0api0token0000000000000";

/// The guide's ticket body, with its choices made: a real type, a subject, and the
/// captured comment escaped for JSON (the guide's raw newlines would not parse).
const CAMPAIGN_BODY: &str = r#"{% assign ticket_type = 'question' %}
{% assign ticket_subject = 'Unhappy with the app' %}
{% capture ticket_body %}{{${first_name}}} answered "No" to "Do you like our app?"{% endcapture %}
{% assign ticket_status = 'new' %}
{
"ticket": {
"requester": { "name": "{{${first_name}}} {{${last_name}}}", "email": "{{${email_address}}}", "phone": "{{${phone_number}}}"},
"type": "{{ ticket_type }}",
"subject": "{{ticket_subject}}",
"comment": { "body": "{{ticket_body | json_escape}}" },
"priority": "urgent",
"status": "{{ ticket_status }}"
}
}"#;

/// The trigger's webhook body: a Braze event for the ticket's requester.
const TRIGGER_BODY: &str = r#"{"events":[{"email":"{{ticket.requester.email}}","app_id":"zendesk","name":"zendesk_ticket_solved","time":"{{ticket.updated_at}}","properties":{"ticket_id":"{{ticket.id}}","status":"{{ticket.status}}","subject":"{{ticket.title}}"}}]}"#;

async fn json_of(r: reqwest::RequestBuilder) -> (u16, Value) {
    let res = r.send().await.expect("request");
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn braze_campaign_creates_a_zendesk_ticket_and_solving_it_tracks_a_braze_event() {
    let harness = Harness::new(RunConfig::ephemeral(), Arc::new(SystemClock)).unwrap();
    let running = server::start(harness).await.unwrap();
    let (zendesk, braze, control) = (
        running.url("zendesk"),
        running.url("braze"),
        running.url("control"),
    );
    let http = reqwest::Client::new();
    let zd =
        |r: reqwest::RequestBuilder| r.basic_auth("admin@fakedesk.test/token", Some(ZENDESK_TOKEN));

    // Arrange: a Braze user, the guide's campaign, and the guide's Zendesk webhook + trigger.
    let (status, _) = json_of(http.post(format!("{braze}/users/track")).bearer_auth(BRAZE_KEY).json(&json!({"attributes": [{"external_id": "u1", "first_name": "Ana", "last_name": "Souza", "email": "ana@example.com", "phone": "+5511999999999"}]}))).await;
    assert_eq!(status, 201);
    let campaign = json!({"name": "Unhappy users to Zendesk", "url": format!("{zendesk}/api/v2/tickets.json"), "method": "POST",
        "headers": {"Authorization": format!("Basic {{{{ 'admin@fakedesk.test/token:{ZENDESK_TOKEN}' | base64_encode }}}}"), "Content-Type": "application/json"},
        "body": CAMPAIGN_BODY});
    let (status, created) = json_of(
        http.post(format!("{control}/braze/campaigns"))
            .json(&campaign),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let campaign_id = created["campaign"]["id"].as_str().unwrap().to_owned();
    let (status, hook) = json_of(zd(http.post(format!("{zendesk}/api/v2/webhooks"))).json(&json!({"webhook": {"name": "Braze users/track", "endpoint": format!("{braze}/users/track"), "http_method": "POST", "request_format": "json", "status": "active", "subscriptions": ["conditional_ticket_events"], "authentication": {"type": "bearer_token", "data": {"token": BRAZE_KEY}, "add_position": "header"}}}))).await;
    assert_eq!(status, 201, "{hook}");
    let hook_id = hook["webhook"]["id"].as_str().unwrap();
    let (status, _) = json_of(zd(http.post(format!("{zendesk}/api/v2/triggers.json"))).json(&json!({"trigger": {"title": "Tell Braze about solved tickets", "conditions": {"all": [{"field": "status", "operator": "value", "value": "solved"}]}, "actions": [{"field": "notification_webhook", "value": [hook_id, TRIGGER_BODY]}]}}))).await;
    assert_eq!(status, 201);

    // Act 1: the campaign is sent for the user and creates the ticket.
    let (status, sent) = json_of(
        http.post(format!(
            "{control}/braze/campaigns/{campaign_id}/send?wait=true"
        ))
        .json(&json!({"external_id": "u1"})),
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["delivered"], true, "{sent}");
    let (_, list) = json_of(zd(http.get(format!("{zendesk}/api/v2/tickets.json")))).await;
    let ticket = &list["tickets"][0];
    assert_eq!(
        (
            ticket["subject"].as_str(),
            ticket["type"].as_str(),
            ticket["priority"].as_str(),
            ticket["status"].as_str()
        ),
        (
            Some("Unhappy with the app"),
            Some("question"),
            Some("urgent"),
            Some("new")
        )
    );
    assert_eq!(
        ticket["description"],
        "Ana answered \"No\" to \"Do you like our app?\""
    );
    let requester = ticket["requester_id"].as_u64().unwrap();
    let (_, user) = json_of(zd(
        http.get(format!("{zendesk}/api/v2/users/{requester}.json"))
    ))
    .await;
    assert_eq!(
        (
            user["user"]["name"].as_str(),
            user["user"]["email"].as_str()
        ),
        (Some("Ana Souza"), Some("ana@example.com"))
    );

    // Act 2: an agent solves it through the API.
    let id = ticket["id"].as_u64().unwrap();
    let (_, me) = json_of(zd(http.get(format!("{zendesk}/api/v2/users/me.json")))).await;
    let (status, _) = json_of(zd(http.put(format!("{zendesk}/api/v2/tickets/{id}.json"))).json(&json!({"ticket": {"status": "solved", "assignee_id": me["user"]["id"], "comment": {"body": "Sorry about that, fixed in 2.1"}}}))).await;
    assert_eq!(status, 200);

    // Assert: the event lands on the Braze profile (the trigger's delivery is asynchronous).
    let deadline = Instant::now() + Duration::from_secs(10);
    let event = loop {
        let (_, state) = json_of(http.get(format!("{control}/state/braze"))).await;
        let events = state["users"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|u| u["external_id"] == "u1")
            .flat_map(|u| u["events"].as_array().cloned().unwrap_or_default())
            .collect::<Vec<_>>();
        if let Some(e) = events
            .into_iter()
            .find(|e| e["name"] == "zendesk_ticket_solved")
        {
            break e;
        }
        assert!(
            Instant::now() < deadline,
            "no zendesk_ticket_solved event on the profile within 10 s: {state}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        event["properties"],
        json!({"ticket_id": id.to_string(), "status": "Solved", "subject": "Unhappy with the app"})
    );

    // Assert: each hop, in order, in the one journal.
    let (_, journal) = json_of(http.get(format!("{control}/journal?limit=1000"))).await;
    let hops: Vec<(String, String, String, String, u64)> = journal["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["vendor"].as_str().unwrap().to_owned(),
                e["direction"].as_str().unwrap().to_owned(),
                e["method"].as_str().unwrap().to_owned(),
                e["path"].as_str().unwrap().to_owned(),
                e["response"]["status"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let solve_path = format!("/api/v2/tickets/{id}.json");
    let wanted = [
        ("zendesk", "inbound", "POST", "/api/v2/tickets.json", 201), // the campaign's request, as Zendesk saw it
        ("braze", "outbound", "POST", "/api/v2/tickets.json", 201), // the campaign's delivery, journaled when it ended
        ("zendesk", "inbound", "PUT", solve_path.as_str(), 200),
        ("braze", "inbound", "POST", "/users/track", 201), // the trigger's webhook, as Braze saw it
        ("zendesk", "outbound", "POST", "/users/track", 201), // the trigger's delivery
    ];
    let mut at = 0;
    for w in wanted {
        let found = hops[at..]
            .iter()
            .position(|h| (h.0.as_str(), h.1.as_str(), h.2.as_str(), h.3.as_str(), h.4) == w);
        let Some(offset) = found else {
            panic!("hop {w:?} not found after position {at} in {hops:#?}")
        };
        at += offset + 1;
    }
    let entries = journal["entries"].as_array().unwrap();
    let delivery = entries
        .iter()
        .find(|e| e["vendor"] == "zendesk" && e["direction"] == "outbound")
        .unwrap();
    assert_eq!(
        delivery["request"]["headers"]["authorization"],
        format!("Bearer {BRAZE_KEY}")
    );
    assert!(delivery["request"]["headers"]["x-zendesk-webhook-signature"].is_string());
    let campaign_call = entries
        .iter()
        .find(|e| e["vendor"] == "braze" && e["direction"] == "outbound")
        .unwrap();
    let expected_auth = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("admin@fakedesk.test/token:{ZENDESK_TOKEN}")
        )
    );
    assert_eq!(
        campaign_call["request"]["headers"]["authorization"],
        expected_auth
    );
    running.shutdown().await;
}

//! Fake Braze: `/users/track` and `/users/export/ids` through the router
//! (REFERENCE 2.2, 2.3), and webhook campaigns sent from the control API to a
//! receiver (wiremock stands in for the system under test; REFERENCE 2.4).

use std::time::Duration;

use axum::body::Body;
use base64::Engine as _;
use fakedesk::journal::{Direction, Filter};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{BRAZE_KEY, BrazeFake, braze, braze_with, received};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/fixtures/vendors/braze/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture exists")
}

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

/// The profile of `external_id` in `GET /state/braze`.
async fn profile(b: &BrazeFake, external_id: &str) -> Value {
    let state = b.control("GET", "/state/braze", None).await;
    assert_eq!(state.status, 200, "{}", state.text);
    state.json["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["external_id"] == external_id)
        .cloned()
        .unwrap_or_else(|| panic!("no profile {external_id}: {}", state.text))
}

fn event(external_id: &str, name: &str) -> Value {
    json!({"external_id": external_id, "name": name, "time": "2024-02-08T17:00:00Z"})
}

#[tokio::test]
async fn the_documented_request_gets_201_with_exact_counts_and_lands_on_the_profiles() {
    let b = braze();
    let body = fixture("users_track_request.json");
    let r = b
        .raw(
            "POST",
            "/users/track",
            Some(&bearer(BRAZE_KEY)),
            Body::from(body),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"message": "success", "attributes_processed": 1, "events_processed": 2, "purchases_processed": 1})
    );
    assert_eq!(r.header("content-type"), Some("application/json"));

    // Attributes first, then events: the event keyed by email reaches the profile
    // the attributes object just gave that email.
    let p = profile(&b, "user_identifier").await;
    assert_eq!(p["attributes"], json!({"email": "test@braze.com"}));
    assert_eq!(
        p["custom_attributes"],
        json!({"string_attribute": "fruit", "boolean_attribute_1": true, "integer_attribute": 26, "array_attribute": ["banana", "apple"]})
    );
    assert_eq!(
        p["events"],
        json!([{
            "name": "rented_movie",
            "time": "2022-12-06T18:20:45.000Z",
            "app_id": "your_app_identifier",
            "properties": {"release": {"studio": "FilmStudio", "year": "2022"}, "cast": [{"name": "Actor1"}, {"name": "Actor2"}]}
        }])
    );
    assert_eq!(p["purchases"][0]["product_id"], "product_name");
    assert_eq!(p["purchases"][0]["quantity"], 6);

    // The alias-keyed event creates an alias-only user.
    let state = b.control("GET", "/state/braze", None).await;
    let users = state.json["users"].as_array().unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(users[1]["external_id"], Value::Null);
    assert_eq!(
        users[1]["user_aliases"],
        json!([{"alias_name": "device123", "alias_label": "my_device_identifier"}])
    );
    assert_eq!(users[1]["events"][0]["time"], "2013-07-16T18:20:50.000Z");
}

#[tokio::test]
async fn processed_counts_appear_only_for_the_arrays_sent() {
    let b = braze();
    let r = b
        .post("/users/track", json!({"events": [event("u1", "opened")]}))
        .await;
    assert_eq!(
        (r.status, r.json),
        (201, json!({"message": "success", "events_processed": 1}))
    );
}

#[tokio::test]
async fn more_than_75_objects_in_an_array_is_a_fatal_400_and_nothing_is_stored() {
    let b = braze();
    let events: Vec<Value> = (0..76).map(|i| event(&format!("u{i}"), "e")).collect();
    let r = b
        .post(
            "/users/track",
            json!({"attributes": [{"external_id": "a"}], "events": events}),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.json["message"], "Max Input Length Exceeded");
    assert!(r.json["errors"][0].as_str().unwrap().contains("events"));
    let state = b.control("GET", "/state/braze", None).await;
    assert_eq!(state.json["users"], json!([]));

    let events: Vec<Value> = (0..75).map(|i| event(&format!("u{i}"), "e")).collect();
    let r = b.post("/users/track", json!({"events": events})).await;
    assert_eq!((r.status, &r.json["events_processed"]), (201, &json!(75)));
}

#[tokio::test]
async fn an_object_without_identifier_is_a_minor_error_and_the_others_are_processed() {
    let b = braze();
    let r = b
        .post(
            "/users/track",
            json!({"attributes": [
                {"external_id": "u1", "first_name": "Ana"},
                {"first_name": "Nobody"},
                {"external_id": "u2", "first_name": "Bo"}
            ]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.json,
        json!({
            "message": "success",
            "attributes_processed": 2,
            "errors": [{"type": "'external_id' or 'braze_id' or 'user_alias' is required", "input_array": "attributes", "index": 1}]
        })
    );
    assert_eq!(profile(&b, "u2").await["attributes"]["first_name"], "Bo");
}

#[tokio::test]
async fn events_and_purchases_missing_required_fields_are_minor_errors() {
    let b = braze();
    let r = b
        .post(
            "/users/track",
            json!({
                "events": [{"external_id": "u1", "time": "2024-01-01T00:00:00Z"}, {"external_id": "u1", "name": "x", "time": "not a time"}],
                "purchases": [{"external_id": "u1", "product_id": "p", "currency": "USD", "time": "2024-01-01T00:00:00Z"}]
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["events_processed"], 0);
    assert_eq!(r.json["purchases_processed"], 0);
    let where_: Vec<(&str, u64)> = r.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["input_array"].as_str().unwrap(),
                e["index"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(where_, [("events", 0), ("events", 1), ("purchases", 0)]);
}

#[tokio::test]
async fn unknown_or_missing_keys_are_401_and_keys_without_the_permission_are_403() {
    let b = braze_with(|c| {
        c.braze.api_keys.push(fakedesk::vendors::braze::ApiKey {
            key: "0e4a0000-0000-4000-8000-000000000001".to_owned(),
            permissions: vec!["users.export.ids".to_owned()],
        });
    });
    let body = || Body::from(json!({"events": [event("u1", "e")]}).to_string());
    let wrong = b
        .raw("POST", "/users/track", Some("Bearer nope"), body())
        .await;
    assert_eq!(
        (wrong.status, wrong.json),
        (401, json!({"message": "Invalid API key: nope"}))
    );
    let missing = b.raw("POST", "/users/track", None, body()).await;
    assert_eq!(
        (missing.status, missing.json),
        (401, json!({"message": "Invalid API key: "}))
    );
    let limited = b
        .raw(
            "POST",
            "/users/track",
            Some("Bearer 0e4a0000-0000-4000-8000-000000000001"),
            body(),
        )
        .await;
    assert_eq!(limited.status, 403, "{}", limited.text);
    assert_eq!(
        limited.json,
        json!({"message": "Forbidden: the API key does not have the 'users.track' permission"})
    );
    let allowed = b
        .raw(
            "POST",
            "/users/export/ids",
            Some("Bearer 0e4a0000-0000-4000-8000-000000000001"),
            Body::from(json!({"external_ids": ["u1"]}).to_string()),
        )
        .await;
    assert_eq!(allowed.status, 201, "{}", allowed.text);
    let state = b.control("GET", "/state/braze", None).await;
    assert_eq!(
        state.json["users"],
        json!([]),
        "refused requests change nothing"
    );
}

#[tokio::test]
async fn the_401_text_is_configurable() {
    let b = braze_with(|c| c.braze.messages.invalid_api_key = "Bad key {key}!".to_owned());
    let r = b
        .raw("POST", "/users/track", Some("Bearer x"), Body::from("{}"))
        .await;
    assert_eq!((r.status, r.json), (401, json!({"message": "Bad key x!"})));
}

#[tokio::test]
async fn the_deprecated_api_key_in_the_query_or_body_still_works() {
    let b = braze();
    let in_query = b
        .raw(
            "POST",
            &format!("/users/track?api_key={BRAZE_KEY}"),
            None,
            Body::from(json!({"events": [event("u1", "e")]}).to_string()),
        )
        .await;
    assert_eq!(in_query.status, 201, "{}", in_query.text);
    let in_body = b
        .raw(
            "POST",
            "/users/track",
            None,
            Body::from(json!({"api_key": BRAZE_KEY, "events": [event("u1", "e")]}).to_string()),
        )
        .await;
    assert_eq!(in_body.status, 201, "{}", in_body.text);
    assert_eq!(in_body.json["events_processed"], 1);
}

#[tokio::test]
async fn every_reply_has_rate_limit_headers_and_a_small_budget_gives_429() {
    let b = braze_with(|c| c.braze.rate_limit.users_track.requests = 2);
    // 2024-02-08T17:44:38Z is epoch 1707414278; the 3 s window ends at ...279.
    let mut seen = Vec::new();
    for auth in [
        bearer(BRAZE_KEY),
        "Bearer wrong".to_owned(),
        bearer(BRAZE_KEY),
    ] {
        let r = b
            .raw(
                "POST",
                "/users/track",
                Some(&auth),
                Body::from(json!({"events": [event("u1", "e")]}).to_string()),
            )
            .await;
        seen.push((
            r.status,
            r.header("x-ratelimit-limit").map(str::to_owned),
            r.header("x-ratelimit-remaining").map(str::to_owned),
            r.header("x-ratelimit-reset").map(str::to_owned),
        ));
        if r.status == 429 {
            assert_eq!(r.json, json!({"message": "Rate Limit Exceeded"}));
        }
    }
    let s = |x: &str| Some(x.to_owned());
    assert_eq!(
        seen,
        [
            (201, s("2"), s("1"), s("1707414279")),
            (401, s("2"), s("0"), s("1707414279")),
            (429, s("2"), s("0"), s("1707414279")),
        ]
    );
    b.clock.advance(Duration::from_secs(1));
    let r = b
        .post("/users/track", json!({"events": [event("u1", "e")]}))
        .await;
    assert_eq!(r.status, 201, "a new window");
    assert_eq!(r.header("x-ratelimit-reset"), Some("1707414282"));
    // Export has its own budget: 250 per minute.
    let r = b
        .post("/users/export/ids", json!({"external_ids": ["u1"]}))
        .await;
    assert_eq!(
        (
            r.header("x-ratelimit-limit"),
            r.header("x-ratelimit-remaining"),
            r.header("x-ratelimit-reset")
        ),
        (Some("250"), Some("249"), Some("1707414300"))
    );
}

#[tokio::test]
async fn the_global_switch_turns_429s_off_but_keeps_the_headers() {
    let b = braze_with(|c| {
        c.braze.rate_limit.users_track.requests = 1;
        c.rate_limits = false;
    });
    for _ in 0..3 {
        let r = b
            .post("/users/track", json!({"events": [event("u1", "e")]}))
            .await;
        assert_eq!(r.status, 201);
        assert_eq!(r.header("x-ratelimit-remaining"), Some("1"));
    }
}

#[tokio::test]
async fn malformed_bodies_and_unknown_paths_get_json_errors() {
    let b = braze();
    for body in ["{\"events\": ", "not json", "", "[1,2]", "{\"events\": {}}"] {
        let r = b
            .raw(
                "POST",
                "/users/track",
                Some(&bearer(BRAZE_KEY)),
                Body::from(body),
            )
            .await;
        assert_eq!(r.status, 400, "body {body:?}: {}", r.text);
        assert!(r.json["message"].is_string(), "body {body:?}: {}", r.text);
        assert!(r.header("x-ratelimit-limit").is_some());
    }
    for (m, p) in [
        ("POST", "/users/nope"),
        ("GET", "/users/track"),
        ("GET", "/"),
    ] {
        let r = b.raw(m, p, Some(&bearer(BRAZE_KEY)), Body::empty()).await;
        assert_eq!(
            (r.status, &r.json),
            (404, &json!({"message": "Not Found"})),
            "{m} {p}"
        );
    }
}

#[tokio::test]
async fn export_ids_returns_each_known_user_with_tallies_and_lists_the_unknown_ids() {
    let b = braze();
    let r = b
        .post(
            "/users/track",
            json!({
                "attributes": [{"external_id": "u1", "first_name": "Ana", "email": "ana@example.com", "plan": "gold", "visits": 2}],
                "events": [
                    {"external_id": "u1", "name": "opened", "time": "2024-01-02T00:00:00Z"},
                    {"external_id": "u1", "name": "opened", "time": "2024-01-01T00:00:00Z"},
                    {"external_id": "u1", "name": "closed", "time": "2024-01-03T00:00:00Z"}
                ],
                "purchases": [
                    {"external_id": "u1", "product_id": "p1", "currency": "EUR", "price": 2.5, "quantity": 2, "time": "2024-01-05T00:00:00Z"}
                ]
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = b
        .post(
            "/users/export/ids",
            json!({"external_ids": ["u1", "ghost"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["message"], "success");
    assert_eq!(r.json["invalid_user_ids"], json!(["ghost"]));
    let u = &r.json["users"][0];
    assert_eq!(u["external_id"], "u1");
    assert_eq!(u["first_name"], "Ana");
    assert_eq!(u["email"], "ana@example.com");
    assert_eq!(u["braze_id"].as_str().unwrap().len(), 24);
    assert_eq!(u["created_at"], "2024-02-08 17:44:38.000 UTC");
    assert_eq!(u["custom_attributes"], json!({"plan": "gold", "visits": 2}));
    assert_eq!(
        u["custom_events"],
        json!([
            {"name": "opened", "first": "2024-01-01T00:00:00.000Z", "last": "2024-01-02T00:00:00.000Z", "count": 2},
            {"name": "closed", "first": "2024-01-03T00:00:00.000Z", "last": "2024-01-03T00:00:00.000Z", "count": 1}
        ])
    );
    assert_eq!(
        u["purchases"],
        json!([{"name": "p1", "first": "2024-01-05T00:00:00.000Z", "last": "2024-01-05T00:00:00.000Z", "count": 2}])
    );
    assert_eq!(u["total_revenue"], 5.0);

    let by_email = b
        .post(
            "/users/export/ids",
            json!({"email_address": "ana@example.com", "fields_to_export": ["first_name", "custom_events"]}),
        )
        .await;
    assert_eq!(by_email.status, 201, "{}", by_email.text);
    let keys: Vec<&String> = by_email.json["users"][0]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, ["custom_events", "first_name"]);
    assert!(by_email.json.get("invalid_user_ids").is_none());

    let bad = b.post("/users/export/ids", json!({})).await;
    assert_eq!(bad.status, 400, "{}", bad.text);
}

// ---- webhook campaigns ---------------------------------------------------------

fn fast(c: &mut fakedesk::config::RunConfig) {
    c.braze.webhooks.retry_base_delay_ms = 1;
    c.braze.webhooks.timeout_ms = 2_000;
}

async fn create_campaign(b: &BrazeFake, campaign: Value) -> String {
    let r = b.control("POST", "/braze/campaigns", Some(campaign)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json["campaign"]["id"].as_str().unwrap().to_owned()
}

async fn ana(b: &BrazeFake) {
    let r = b
        .post(
            "/users/track",
            json!({"attributes": [{"external_id": "u1", "first_name": "Ana", "last_name": "Lima", "email": "ana@example.com", "phone": "+34600000000", "plan": "gold"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

/// `(attempt, status)` of each journaled outbound attempt of `delivery`.
fn journaled(b: &BrazeFake, delivery: &str) -> Vec<(u32, Option<u16>, Option<String>)> {
    let filter = Filter {
        vendor: Some("braze".to_owned()),
        ..Filter::default()
    };
    b.harness
        .journal
        .entries(&filter)
        .iter()
        .filter(|e| e.exchange.direction == Direction::Outbound)
        .filter_map(|e| {
            let o = e.exchange.outbound.as_ref()?;
            (o.delivery == delivery).then(|| {
                (
                    o.attempt,
                    e.exchange.response.as_ref().map(|r| r.status),
                    e.exchange.error.clone(),
                )
            })
        })
        .collect()
}

#[tokio::test]
async fn the_guides_zendesk_ticket_webhook_renders_from_the_profile() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/tickets.json"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    let b = braze_with(fast);
    ana(&b).await;
    let id = create_campaign(
        &b,
        json!({
            "name": "Zendesk ticket",
            "url": format!("{}/api/v2/tickets.json", server.uri()),
            "headers": {
                "Authorization": "Basic {{ 'agent@example.com/token:tok' | base64_encode }}",
                "Content-Type": "application/json"
            },
            "body": fixture("zendesk_ticket_webhook.liquid")
        }),
    )
    .await;
    let r = b
        .control(
            "POST",
            &format!("/braze/campaigns/{id}/send?wait=true"),
            Some(json!({"external_id": "u1"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["delivered"], true);
    assert_eq!(r.json["attempts"], json!([{"attempt": 1, "status": 201}]));

    let got = received(&server, 1).await;
    assert_eq!(got.len(), 1);
    let req = &got[0];
    let header = |k: &str| req.headers.get(k).and_then(|v| v.to_str().ok());
    let expected_auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("agent@example.com/token:tok")
    );
    assert_eq!(header("authorization"), Some(expected_auth.as_str()));
    assert_eq!(
        expected_auth, "Basic YWdlbnRAZXhhbXBsZS5jb20vdG9rZW46dG9r",
        "independent value (coreutils base64)"
    );
    assert_eq!(header("content-type"), Some("application/json"));
    assert!(header("user-agent").unwrap().starts_with("Braze Sender "));

    // The guide's own `<< Choose one >>` annotation is template text, so Braze sends
    // it; the ticket JSON follows with the profile's values. The captured
    // ticket_body keeps its newlines, so the body is exactly what Braze would send
    // from this template, not strict JSON.
    let body = String::from_utf8(req.body.clone()).unwrap();
    let expected = concat!(
        " << Choose one >>\n",
        "\n\n\n\n",
        "{\n",
        "\"ticket\": {\n",
        "\"requester_id\": \"u1\",\n",
        "\"requester\": { \"name\": \"Ana Lima\", \"email\": \"ana@example.com\", \"phone\": \"+34600000000\"},\n",
        "\"type\": \"question/incident/task/problem\",\n",
        "\"subject\": \"\",\n",
        "\"comment\": { \"body\": \"\n<< Your message here >>\n\" },\n",
        "\"priority\": \"urgent\",\n",
        "\"status\": \"New\"\n",
        "}\n",
        "}\n",
    );
    assert_eq!(body, expected);
    let json_part = &body[body.find('{').unwrap()..];
    assert!(serde_json::from_str::<Value>(json_part).is_err());
    let escaped = json_part.replace("\"\n<< Your message here >>\n\"", "\"msg\"");
    assert_eq!(
        serde_json::from_str::<Value>(&escaped).unwrap(),
        json!({"ticket": {
            "requester_id": "u1",
            "requester": {"name": "Ana Lima", "email": "ana@example.com", "phone": "+34600000000"},
            "type": "question/incident/task/problem",
            "subject": "",
            "comment": {"body": "msg"},
            "priority": "urgent",
            "status": "New"
        }})
    );
    assert_eq!(
        journaled(&b, r.json["delivery"].as_str().unwrap()),
        [(1, Some(201), None)]
    );
}

#[tokio::test]
async fn a_503_twice_then_200_is_three_journaled_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(2)
        .mount(&server)
        .await;
    let b = braze_with(fast);
    ana(&b).await;
    let id = create_campaign(
        &b,
        json!({"name": "Hook", "url": format!("{}/hook", server.uri()), "body": "{{${first_name}}}"}),
    )
    .await;
    let r = b
        .control(
            "POST",
            &format!("/braze/campaigns/{id}/send?wait=true"),
            Some(json!({"external_id": "u1"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json["attempts"],
        json!([{"attempt": 1, "status": 503}, {"attempt": 2, "status": 503}, {"attempt": 3, "status": 200}])
    );
    let delivery = r.json["delivery"].as_str().unwrap();
    assert_eq!(
        journaled(&b, delivery),
        [
            (1, Some(503), None),
            (2, Some(503), None),
            (3, Some(200), None)
        ]
    );
    let got = received(&server, 3).await;
    assert!(
        got.iter().all(|q| q.body == b"Ana"),
        "the same payload each time"
    );
    let state = b.control("GET", "/state/braze", None).await;
    assert_eq!(state.json["sends"][0]["status"], "delivered");
}

#[tokio::test]
async fn a_400_is_not_retried_and_a_dead_host_is_retried_to_the_limit() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400))
        .mount(&server)
        .await;
    let b = braze_with(|c| {
        fast(c);
        c.braze.webhooks.max_retries = 2;
    });
    ana(&b).await;
    let id = create_campaign(
        &b,
        json!({"name": "Hook", "url": format!("{}/hook", server.uri()), "body": "x"}),
    )
    .await;
    let r = b
        .control(
            "POST",
            &format!("/braze/campaigns/{id}/send?wait=true"),
            Some(json!({"external_id": "u1"})),
        )
        .await;
    assert_eq!(r.json["delivered"], false);
    assert_eq!(r.json["attempts"], json!([{"attempt": 1, "status": 400}]));

    // A port nothing listens on: connection refused, retried twice.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    let id = create_campaign(&b, json!({"name": "Dead", "url": dead, "body": "x"})).await;
    let r = b
        .control(
            "POST",
            &format!("/braze/campaigns/{id}/send?wait=true"),
            Some(json!({"external_id": "u1"})),
        )
        .await;
    let attempts = r.json["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3, "{}", r.text);
    assert!(attempts.iter().all(|a| a["error"].is_string()));
    let journal = journaled(&b, r.json["delivery"].as_str().unwrap());
    assert_eq!(journal.iter().map(|j| j.0).collect::<Vec<_>>(), [1, 2, 3]);
    let state = b.control("GET", "/state/braze", None).await;
    assert_eq!(state.json["sends"][1]["status"], "failed");
}

#[tokio::test]
async fn a_send_without_wait_is_202_and_delivers_in_the_background() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/users/u1"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let b = braze_with(fast);
    let id = create_campaign(
        &b,
        json!({
            "name": "Profile sync",
            "url": format!("{}/users/{{{{${{user_id}}}}}}", server.uri()),
            "method": "PUT",
            "request_format": "json_key_value_pairs",
            "pairs": {
                "greeting": "Hi {{${first_name} | default: 'there'}}",
                "plan": "{{custom_attribute.${plan}}}",
                "movie": "{{event_properties.${title}}}",
                "campaign": "{{campaign.${name}}}",
                "sig": "{{ 'payload' | hmac_sha256_hex: 'secret' }}"
            }
        }),
    )
    .await;
    let r = b
        .control(
            "POST",
            &format!("/braze/campaigns/{id}/send"),
            Some(json!({"user": {"external_id": "u1", "plan": "gold"}, "event_properties": {"title": "Heat"}})),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.json["campaign"]["name"], "Profile sync");
    let got = received(&server, 1).await;
    assert_eq!(got.len(), 1);
    let req = &got[0];
    assert_eq!(req.method.as_str(), "PUT");
    assert_eq!(
        req.headers.get("content-type").unwrap().to_str().unwrap(),
        "application/json"
    );
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(
        body,
        json!({
            "greeting": "Hi there",
            "plan": "gold",
            "movie": "Heat",
            "campaign": "Profile sync",
            // HMAC-SHA256("payload", key "secret"), computed with openssl dgst.
            "sig": "b82fcb791acec57859b989b430a826488ce2e479fdf92326bd0a2e8375a42ba4"
        })
    );
}

#[tokio::test]
async fn render_errors_are_422_naming_the_campaign_and_the_liquid_error() {
    let b = braze_with(fast);
    ana(&b).await;
    let id = create_campaign(
        &b,
        json!({"name": "Broken", "url": "http://127.0.0.1:9/x", "body": "{{ 10 | divided_by: 0 }}"}),
    )
    .await;
    let r = b
        .control(
            "POST",
            &format!("/braze/campaigns/{id}/send"),
            Some(json!({"external_id": "u1"})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let error = r.json["error"].as_str().unwrap();
    assert!(error.contains("`Broken`") && error.contains(&id), "{error}");
    assert_eq!(r.json["hint"]["part"], "body");
    assert!(r.json["hint"]["liquid_error"].is_string());

    let id = create_campaign(
        &b,
        json!({"name": "No URL", "url": "{{custom_attribute.${endpoint}}}", "body": ""}),
    )
    .await;
    let r = b
        .control(
            "POST",
            &format!("/braze/campaigns/{id}/send"),
            Some(json!({"external_id": "u1"})),
        )
        .await;
    assert_eq!((r.status, &r.json["hint"]["part"]), (422, &json!("url")));
    let state = b.control("GET", "/state/braze", None).await;
    assert_eq!(state.json["sends"], json!([]), "nothing was sent");
}

#[tokio::test]
async fn campaign_control_errors_are_json() {
    let b = braze();
    let bad_liquid = b
        .control(
            "POST",
            "/braze/campaigns",
            Some(json!({"name": "x", "url": "http://h/{% if %}", "body": ""})),
        )
        .await;
    assert_eq!(bad_liquid.status, 422, "{}", bad_liquid.text);
    assert!(bad_liquid.json["hint"][0].as_str().unwrap().contains("url"));
    let unknown_field = b
        .control(
            "POST",
            "/braze/campaigns",
            Some(json!({"name": "x", "url": "http://h/", "verb": "POST"})),
        )
        .await;
    assert_eq!(unknown_field.status, 422, "{}", unknown_field.text);
    let not_json = b.control("POST", "/braze/campaigns", None).await;
    assert_eq!(not_json.status, 422, "an empty body has no name or url");
    let unknown = b
        .control(
            "POST",
            "/braze/campaigns/nope/send",
            Some(json!({"external_id": "u1"})),
        )
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    let id = create_campaign(&b, json!({"name": "x", "url": "http://h/"})).await;
    let nobody = b
        .control(
            "POST",
            &format!("/braze/campaigns/{id}/send"),
            Some(json!({"external_id": "ghost"})),
        )
        .await;
    assert_eq!(nobody.status, 404, "{}", nobody.text);
    let no_one = b
        .control("POST", &format!("/braze/campaigns/{id}/send"), None)
        .await;
    assert_eq!(no_one.status, 400, "{}", no_one.text);
    let wrong_method = b
        .control("DELETE", &format!("/braze/campaigns/{id}"), None)
        .await;
    assert_eq!(wrong_method.status, 405, "{}", wrong_method.text);
    assert!(wrong_method.json["error"].is_string());
}

#[tokio::test]
async fn config_campaigns_survive_reset_and_api_ones_and_profiles_do_not() {
    let b = braze_with(|c| {
        c.braze.campaigns = vec![
            serde_json::from_value(
                json!({"id": "cfg-1", "name": "From config", "url": "http://h/x"}),
            )
            .unwrap(),
        ];
    });
    ana(&b).await;
    create_campaign(&b, json!({"name": "From the API", "url": "http://h/y"})).await;
    let list = b.control("GET", "/braze/campaigns", None).await;
    let names: Vec<&str> = list.json["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["From config", "From the API"]);
    let one = b.control("GET", "/braze/campaigns/cfg-1", None).await;
    assert_eq!(one.json["campaign"]["method"], "POST");
    assert_eq!(one.json["campaign"]["request_format"], "raw_text");

    let reset = b.control("POST", "/reset", None).await;
    assert_eq!(reset.status, 200);
    let state = b.control("GET", "/state/braze", None).await;
    assert_eq!(state.json["users"], json!([]));
    let ids: Vec<&str> = state.json["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["cfg-1"]);
}

#[test]
fn the_seeded_key_is_exported_for_clients() {
    let b = braze();
    let v = b.harness.vendor("braze").unwrap();
    let creds: Vec<(&str, String)> = v
        .credentials()
        .into_iter()
        .map(|c| (c.key, c.value))
        .collect();
    assert_eq!(creds, [("API_KEY", BRAZE_KEY.to_owned())]);
}

mod properties {
    //! Arbitrary bodies sent to fake Braze never produce a 5xx or a panic, and every
    //! reply is JSON. Case counts are bounded for a 2-core CI.

    use axum::body::Body;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use crate::common::{BRAZE_KEY, braze};

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            (-1e6f64..1e6).prop_map(|f| json!(f)),
            "[a-z_$é]{0,8}".prop_map(Value::String),
            Just(json!("2024-01-01T00:00:00Z")),
            Just(json!("2013-07-16T19:20:30:450+0\u{e9}1")),
            Just(json!({"alias_name": "a", "alias_label": "l"})),
            Just(json!({"inc": 1})),
            Just(json!({"add": ["x"]})),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("external_id".to_owned()),
                        Just("user_alias".to_owned()),
                        Just("braze_id".to_owned()),
                        Just("email".to_owned()),
                        Just("phone".to_owned()),
                        Just("name".to_owned()),
                        Just("time".to_owned()),
                        Just("product_id".to_owned()),
                        Just("currency".to_owned()),
                        Just("price".to_owned()),
                        Just("quantity".to_owned()),
                        Just("properties".to_owned()),
                        Just("gender".to_owned()),
                        Just("dob".to_owned()),
                        Just("_update_existing_only".to_owned()),
                        "[a-z$]{1,6}",
                    ],
                    inner,
                    0..6,
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn body() -> impl Strategy<Value = Value> {
        let array = proptest::collection::vec(value(), 0..4).prop_map(Value::Array);
        (
            prop_oneof![
                Just("attributes"),
                Just("events"),
                Just("purchases"),
                Just("external_ids"),
                Just("user_aliases"),
                Just("fields_to_export")
            ],
            prop_oneof![array, value()],
            proptest::option::of(value()),
        )
            .prop_map(|(k, v, extra)| {
                let mut o = json!({k: v});
                if let Some(e) = extra {
                    o["email_address"] = e;
                }
                o
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn arbitrary_bodies_never_get_a_5xx(b in body(), export in any::<bool>()) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            let fake = braze();
            let path = if export { "/users/export/ids" } else { "/users/track" };
            let r = rt.block_on(fake.raw("POST", path, Some(&format!("Bearer {BRAZE_KEY}")), Body::from(b.to_string())));
            prop_assert!(r.status < 500, "{} {}: {}", r.status, b, r.text);
            prop_assert!(r.json.is_object(), "not JSON: {}", r.text);
            let state = rt.block_on(fake.control("GET", "/state/braze", None));
            prop_assert_eq!(state.status, 200);
        }
    }
}

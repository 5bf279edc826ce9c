//! Fake Braze: `/users/track` and `/users/export/ids` through the router
//! (REFERENCE 2.2, 2.3).

use std::time::Duration;

use axum::body::Body;
use serde_json::{Value, json};

use crate::common::{BRAZE_KEY, BrazeFake, braze, braze_with};

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

//! Authentication, error envelopes, bad input and rate limits (REFERENCE 1.2, 1.3,
//! 1.7, 1.9). Bad input always gets a Zendesk-shaped 4xx and never loses what the
//! journal already holds.

use std::time::Duration;

use axum::body::Body;
use serde_json::{Value, json};

use crate::common::{basic, fake, fake_with, token_auth};

#[tokio::test]
async fn token_password_and_oauth_credentials_all_sign_in() {
    let z = fake();
    for auth in [
        token_auth(),
        basic("admin@fakedesk.test:fakedesk-password"),
        basic("ADMIN@fakedesk.test:fakedesk-password"),
        "Bearer fakedesk-zendesk-oauth-token".to_owned(),
    ] {
        let r = z
            .raw("GET", "/api/v2/users/me.json", Some(&auth), Body::empty())
            .await;
        assert_eq!(r.status, 200, "{auth}");
    }
}

#[tokio::test]
async fn anything_else_is_the_captured_401() {
    let z = fake();
    let expected = json!({"error": "Couldn't authenticate you"});
    for auth in [
        None,
        Some(basic("admin@fakedesk.test/token:wrong")),
        Some(basic("admin@fakedesk.test:wrong")),
        Some(basic(
            "other@fakedesk.test/token:fakedesk0zendesk0api0token0000000000000",
        )),
        Some("Bearer wrong".to_owned()),
        Some("Token fakedesk0zendesk0api0token0000000000000".to_owned()),
        Some("Basic not-base64!".to_owned()),
    ] {
        let r = z
            .raw(
                "GET",
                "/api/v2/tickets.json",
                auth.as_deref(),
                Body::empty(),
            )
            .await;
        assert_eq!((r.status, &r.json), (401, &expected), "{auth:?}");
        assert_eq!(
            r.header("content-type"),
            Some("application/json; charset=utf-8")
        );
    }
}

#[tokio::test]
async fn malformed_json_and_missing_root_keys_are_zendesk_400s() {
    let z = fake();
    for body in [
        "{\"ticket\": ",
        "not json",
        "",
        "[1,2]",
        "{\"tickets\": {}}",
        "{\"ticket\": null}",
        "{\"ticket\": \"text\"}",
    ] {
        let r = z
            .raw(
                "POST",
                "/api/v2/tickets.json",
                Some(&token_auth()),
                Body::from(body),
            )
            .await;
        assert_eq!(r.status, 400, "body {body:?}: {}", r.text);
        assert!(
            r.json["error"].is_string() && r.json["description"].is_string(),
            "{}",
            r.text
        );
    }
}

#[tokio::test]
async fn wrong_types_are_422_naming_each_field() {
    let z = fake();
    let r = z.call("POST", "/api/v2/tickets.json", Some(json!({"ticket": {"comment": {"body": 5}, "priority": "super", "tags": {"a": 1}, "due_at": "tomorrow"}}))).await;
    assert_eq!(r.status, 422);
    let fields: Vec<&String> = r.json["details"].as_object().unwrap().keys().collect();
    assert_eq!(fields, ["comment", "due_at", "priority", "tags"]);
    assert_eq!(r.json["description"], "Record validation errors");
}

#[tokio::test]
async fn unknown_fields_are_refused_by_default_and_warned_about_when_configured() {
    let z = fake();
    let body = json!({"ticket": {"comment": {"body": "b"}, "subjcet": "typo"}});
    let r = z
        .call("POST", "/api/v2/tickets.json", Some(body.clone()))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json["details"]["subjcet"][0]["error"], "InvalidValue");

    let lenient = fake_with(|c| {
        c.zendesk.unknown_fields = fakedesk::vendors::zendesk::wire::UnknownFields::Warn
    });
    let r = lenient
        .call("POST", "/api/v2/tickets.json", Some(body))
        .await;
    assert_eq!(r.status, 201);
    assert!(
        r.header("x-zendesk-api-warn")
            .unwrap()
            .contains("\"ticket.subjcet\"")
    );
}

#[tokio::test]
async fn read_only_keys_are_ignored_with_the_captured_warning_header() {
    let z = fake();
    let id = z.ticket("x").await;
    let r = z
        .call(
            "PUT",
            &format!("/api/v2/tickets/{id}.json"),
            Some(json!({"ticket": {"id": 999, "subject": "y"}})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["ticket"]["id"], json!(id));
    assert_eq!(
        r.header("x-zendesk-api-warn"),
        Some(
            "{:allowed_parameters=>{:controller=>\"tickets\", :action=>\"update\", :unpermitted_keys=>[\"ticket.id\"], :invalid_values=>[]}}"
        )
    );
}

#[tokio::test]
async fn an_oversized_body_is_a_zendesk_413_and_is_journaled_truncated() {
    let z = fake_with(|c| c.max_body_bytes = 4096);
    let big = format!(
        "{{\"ticket\":{{\"comment\":{{\"body\":\"{}\"}}}}}}",
        "x".repeat(10_000)
    );
    let r = z
        .raw(
            "POST",
            "/api/v2/tickets.json",
            Some(&token_auth()),
            Body::from(big),
        )
        .await;
    assert_eq!(r.status, 413);
    assert_eq!(r.json["error"], "RequestTooLarge");
    let entries = z.harness.journal.entries(&Default::default());
    let last = &entries.last().unwrap().exchange;
    assert!(last.request.truncated);
    assert_eq!(last.response.as_ref().unwrap().status, 413);
}

#[tokio::test]
async fn unknown_endpoints_and_methods_are_zendesk_404s() {
    let z = fake();
    for (method, path) in [
        ("GET", "/api/v2/nope.json"),
        ("GET", "/journal"),
        ("PATCH", "/api/v2/tickets.json"),
        ("POST", "/api/v2/tickets/1/comments.json"),
        ("GET", "/"),
    ] {
        let r = z.call(method, path, None).await;
        assert_eq!(r.status, 404, "{method} {path}");
        assert_eq!(
            r.json,
            json!({"error": "InvalidEndpoint", "description": "Not found"}),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn bad_input_never_loses_what_was_recorded() {
    let z = fake();
    z.ticket("kept").await;
    z.raw(
        "POST",
        "/api/v2/tickets.json",
        Some(&token_auth()),
        Body::from(vec![0xff, 0xfe, 0x00]),
    )
    .await;
    z.raw(
        "PUT",
        "/api/v2/tickets/1.json",
        Some(&token_auth()),
        Body::from("{"),
    )
    .await;
    let entries = z.harness.journal.entries(&Default::default());
    let statuses: Vec<u16> = entries
        .iter()
        .map(|e| e.exchange.response.as_ref().unwrap().status)
        .collect();
    assert_eq!(statuses, [201, 400, 400]);
    assert_eq!(
        z.harness.vendor("zendesk").unwrap().state()["tickets"][0]["subject"],
        "kept"
    );
}

#[tokio::test]
async fn every_response_carries_the_rate_limit_headers() {
    let z = fake();
    for (auth, path) in [
        (Some(token_auth()), "/api/v2/tickets.json"),
        (None, "/api/v2/tickets.json"),
        (Some(token_auth()), "/nope"),
    ] {
        let r = z.raw("GET", path, auth.as_deref(), Body::empty()).await;
        for h in [
            "ratelimit-limit",
            "ratelimit-remaining",
            "ratelimit-reset",
            "x-rate-limit",
            "x-rate-limit-remaining",
            "x-zendesk-api-version",
        ] {
            assert!(
                r.header(h).is_some(),
                "{h} missing on {path} ({})",
                r.status
            );
        }
        assert_eq!(r.header("ratelimit-limit"), Some("700"));
    }
    let r = z.call("GET", "/api/v2/tickets.json", None).await;
    assert_eq!(
        r.header("ratelimit-reset"),
        Some("22"),
        "seconds to the next minute at 17:44:38"
    );
    assert!(
        r.header("zendesk-ratelimit-tickets-index")
            .unwrap()
            .starts_with("total=100; remaining=")
    );
}

#[tokio::test]
async fn over_the_budget_is_429_with_retry_after_until_the_next_minute() {
    let z = fake_with(|c| c.zendesk.rate_limit.per_minute = 3);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(z.call("GET", "/api/v2/users/me.json", None).await.status);
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    let r = z.call("GET", "/api/v2/users/me.json", None).await;
    assert_eq!(r.header("retry-after"), Some("22"));
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.text, "Too Many Requests");
    assert_eq!(r.header("ratelimit-remaining"), Some("0"));
    z.clock.advance(Duration::from_secs(22));
    assert_eq!(
        z.call("GET", "/api/v2/users/me.json", None).await.status,
        200
    );
}

#[tokio::test]
async fn rate_limits_can_be_switched_off_per_vendor_and_globally() {
    for tweak in [
        (|c: &mut fakedesk::config::RunConfig| c.zendesk.rate_limit.enabled = false) as fn(&mut _),
        |c| c.rate_limits = false,
    ] {
        let z = fake_with(|c| {
            c.zendesk.rate_limit.per_minute = 2;
            tweak(c);
        });
        for _ in 0..6 {
            assert_eq!(
                z.call("GET", "/api/v2/users/me.json", None).await.status,
                200
            );
        }
    }
}

#[tokio::test]
async fn the_list_endpoint_has_its_own_budget() {
    let z = fake_with(|c| c.zendesk.rate_limit.tickets_index_per_minute = 1);
    assert_eq!(
        z.call("GET", "/api/v2/tickets.json", None).await.status,
        200
    );
    let r = z.call("GET", "/api/v2/tickets.json", None).await;
    assert_eq!(r.status, 429);
    assert_eq!(
        z.call("GET", "/api/v2/users/me.json", None).await.status,
        200,
        "other endpoints still answer"
    );
    let _: Value = r.json;
}

//! The redaction rules and the file format, on made-up traffic.

mod files;

use std::sync::Arc;

use serde_json::Value;

use super::*;
use crate::journal::{Body, Direction, Entry, Headers};
use crate::journal::{Exchange, OutboundInfo, RequestRecord, ResponseRecord};
use axum::http::HeaderMap;
use bytes::Bytes;
use proptest::prelude::*;
use serde_json::json;
use time::macros::datetime;

const ACME: &str = "http://127.0.0.1:41234";

fn redactor() -> Redactor {
    Redactor::new(vec![(ACME.to_owned(), "fakedesk.acme.url".to_owned())])
}

fn headers(pairs: &[(&str, &str)]) -> Headers {
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        map.append(
            axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    Headers::from_map(&map)
}

fn json_body(v: &Value) -> Body {
    Body(Bytes::from(serde_json::to_vec(v).unwrap()))
}

fn entry(seq: u64, exchange: Exchange) -> Arc<Entry> {
    Arc::new(Entry::new(seq, exchange))
}

/// `POST /api/v2/tickets.json` as fake Acme journals it.
fn ticket_create() -> Exchange {
    let ticket_url = format!("{ACME}/api/v2/tickets/7.json");
    Exchange {
        vendor: "acme",
        direction: Direction::Inbound,
        request: RequestRecord {
            method: "POST".to_owned(),
            path: "/api/v2/tickets.json".to_owned(),
            query: None,
            headers: headers(&[
                ("host", "127.0.0.1:41234"),
                ("user-agent", "curl/8.5.0"),
                ("accept", "*/*"),
                (
                    "authorization",
                    "Basic YWRtaW5AZmFrZWRlc2sudGVzdC90b2tlbjpzZWNyZXQ=",
                ),
                ("content-type", "application/json"),
                ("content-length", "97"),
            ]),
            body: json_body(&json!({"ticket": {
                "subject": "My printer is on fire!",
                "comment": {"body": "The smoke is very colorful."},
            }})),
            truncated: false,
            account: None,
        },
        response: Some(ticket_created(&ticket_url)),
        error: None,
        outbound: None,
        started_at: datetime!(2026-11-23 10:00:00.123 UTC),
        duration_us: 812,
        fault: None,
        unmatched: false,
    }
}

/// Zendesk's 201 to a ticket creation, with its `Location` and a generated header or two.
fn ticket_created(ticket_url: &str) -> ResponseRecord {
    ResponseRecord {
        status: 201,
        headers: headers(&[
            ("content-type", "application/json; charset=utf-8"),
            ("location", ticket_url),
            ("date", "Mon, 23 Nov 2026 10:00:00 GMT"),
            ("x-rate-limit", "700"),
            ("x-runtime", "0.000713"),
            ("content-length", "512"),
        ]),
        body: json_body(&json!({
            "ticket": {
                "id": 7,
                "url": ticket_url,
                "subject": "My printer is on fire!",
                "status": "new",
                "requester_id": 9_876_543_210_123_u64,
                "submitter_id": 9_876_543_210_123_u64,
                "collaborator_ids": [],
                "created_at": "2026-11-23T10:00:00Z",
                "updated_at": "2026-11-23T10:00:00Z",
            },
            "audit": {
                "id": 2_234_567_890_123_u64,
                "ticket_id": 7,
                "created_at": "2026-11-23T10:00:00Z",
                "events": [{"id": 2_234_567_890_251_u64, "type": "Comment", "public": true}],
            },
        })),
    }
}

/// A signed webhook delivery to the system under test.
fn webhook_delivery() -> Exchange {
    let url = "http://127.0.0.1:8088/acme?ticket_id=7";
    Exchange {
        vendor: "acme",
        direction: Direction::Outbound,
        request: RequestRecord {
            method: "POST".to_owned(),
            path: "/acme".to_owned(),
            query: Some("ticket_id=7".to_owned()),
            headers: headers(&[
                ("x-acme-account-id", "10000001"),
                ("x-acme-webhook-id", "01JD5QK8Z3M4N5P6Q7R8S9T0VW"),
                ("x-acme-webhook-invocation-id", "8350205"),
                (
                    "x-acme-webhook-signature",
                    "gf3v0LzLRHPUnIdhbvwRDVEvzSb07/QN0GYjSNlkBT0=",
                ),
                ("x-acme-webhook-signature-timestamp", "2026-11-23T10:00:00Z"),
                ("user-agent", "Acme Webhook"),
                ("content-type", "application/json"),
                ("authorization", "Bearer s3cret"),
                ("content-length", "40"),
            ]),
            body: json_body(&json!({"ticket": "7", "status": "Solved"})),
            truncated: false,
            account: None,
        },
        response: Some(ResponseRecord {
            status: 200,
            headers: headers(&[("content-length", "0")]),
            body: Body::default(),
        }),
        error: None,
        outbound: Some(OutboundInfo {
            url: url.to_owned(),
            attempt: 1,
            delivery: "8350205".to_owned(),
        }),
        started_at: datetime!(2026-11-23 10:00:00.456 UTC),
        duration_us: 1_503,
        fault: None,
        unmatched: false,
    }
}

fn ticket_show() -> Exchange {
    let mut x = ticket_create();
    x.request.method = "GET".to_owned();
    x.request.path = "/api/v2/tickets/7.json".to_owned();
    x.request.body = Body::default();
    x
}

/// How [`ticket_create`] and [`webhook_delivery`] render, redacted.
const TICKET_AND_DELIVERY: &str = r#"=== 1 acme inbound: POST /api/v2/tickets.json -> 201
{
  "seq": 1,
  "vendor": "acme",
  "direction": "inbound",
  "method": "POST",
  "path": "/api/v2/tickets.json",
  "request": {
    "headers": {
      "accept": "*/*",
      "authorization": "Basic [token:1]",
      "content-type": "application/json",
      "host": "${fakedesk.acme.url}"
    },
    "body": {
      "ticket": {
        "comment": {
          "body": "The smoke is very colorful."
        },
        "subject": "My printer is on fire!"
      }
    }
  },
  "response": {
    "status": 201,
    "headers": {
      "content-type": "application/json; charset=utf-8",
      "location": "${fakedesk.acme.url}/api/v2/tickets/[id:1].json",
      "x-rate-limit": "700"
    },
    "body": {
      "audit": {
        "created_at": "[time:1]",
        "events": [
          {
            "id": "[id:2]",
            "public": true,
            "type": "Comment"
          }
        ],
        "id": "[id:3]",
        "ticket_id": "[id:1]"
      },
      "ticket": {
        "collaborator_ids": [],
        "created_at": "[time:1]",
        "id": "[id:1]",
        "requester_id": "[id:4]",
        "status": "new",
        "subject": "My printer is on fire!",
        "submitter_id": "[id:4]",
        "updated_at": "[time:1]",
        "url": "${fakedesk.acme.url}/api/v2/tickets/[id:1].json"
      }
    }
  }
}

=== 2 acme outbound: POST http://127.0.0.1:[port:1]/acme?ticket_id=[id:1] (attempt 1) -> 200
{
  "seq": 2,
  "vendor": "acme",
  "direction": "outbound",
  "method": "POST",
  "path": "/acme",
  "query": "ticket_id=[id:1]",
  "url": "http://127.0.0.1:[port:1]/acme?ticket_id=[id:1]",
  "attempt": 1,
  "delivery": "[id:5]",
  "request": {
    "headers": {
      "authorization": "Bearer [token:2]",
      "content-type": "application/json",
      "x-acme-account-id": "[id:6]",
      "x-acme-webhook-id": "[id:7]",
      "x-acme-webhook-invocation-id": "[id:5]",
      "x-acme-webhook-signature": "[signature:1]",
      "x-acme-webhook-signature-timestamp": "[time:1]"
    },
    "body": {
      "status": "Solved",
      "ticket": "7"
    }
  },
  "response": {
    "status": 200,
    "headers": {}
  }
}
"#;

#[test]
fn a_ticket_create_and_a_signed_delivery_render_as_expected() {
    let entries = [entry(1, ticket_create()), entry(2, webhook_delivery())];
    let text = traffic(&entries, &mut redactor());
    assert_eq!(text, TICKET_AND_DELIVERY, "got:\n{text}");
}

#[test]
fn an_id_keeps_its_placeholder_across_body_path_and_header() {
    // The path names the ticket before any body does (GET first).
    let entries = [
        entry(1, ticket_show()),
        entry(2, ticket_create()),
        entry(3, webhook_delivery()),
    ];
    let text = traffic(&entries, &mut redactor());
    assert!(text.contains("=== 1 acme inbound: GET /api/v2/tickets/[id:1].json -> 201"));
    assert!(text.contains(r#""path": "/api/v2/tickets/[id:1].json""#));
    assert!(text.contains(r#""location": "${fakedesk.acme.url}/api/v2/tickets/[id:1].json""#));
    assert!(text.contains(r#""ticket_id": "[id:1]""#));
    assert!(text.contains(r#""query": "ticket_id=[id:1]""#));
    assert!(!text.contains("/7.json"), "{text}");
    // The webhook id in a later path is the header's placeholder.
    let mut r = redactor();
    let mut hook = webhook_delivery();
    hook.request.path = "/hooks/01JD5QK8Z3M4N5P6Q7R8S9T0VW".to_owned();
    let text = traffic(&[entry(1, hook)], &mut r);
    assert!(text.contains(r#""path": "/hooks/[id:1]""#), "{text}");
    assert!(text.contains(r#""x-acme-webhook-id": "[id:1]""#), "{text}");
}

#[test]
fn dropped_fields_never_appear() {
    let text = traffic(
        &[entry(1, ticket_create()), entry(2, webhook_delivery())],
        &mut redactor(),
    );
    for gone in [
        "started_at",
        "duration_us",
        "content-length",
        "user-agent",
        "x-runtime",
        "curl/8.5.0",
        "41234",
        "8088",
        "s3cret",
        "2026-11-23",
        "9876543210123",
        "8350205",
    ] {
        assert!(!text.contains(gone), "{gone} in\n{text}");
    }
}

#[test]
fn values_are_redacted_by_key_and_by_shape() {
    let mut r = redactor();
    let v = r.redact_value(&json!({
        "id": 3,
        "user_ids": [3, "ab"],
        "externalId": "u1",
        "count": 3,
        "seq": 12,
        "big": 12_345_678_901_u64,
        "note": "ticket 12345678901 at 2026-11-23T10:00:00.123+02:00, again 12345678901",
        "uuid": "see 9f1c3a52-8a0e-4c0b-9b1e-2f0d4c6e8a10.",
        "job": "Completed at 2024-02-08 17:44:38 +0000",
        "created": 1_764_000_000,
        "sent_at": "1764000000123",
        "due_date": "2026-12-01",
        "timestamp": 5,
        "signing_secret": {"algorithm": "SHA256", "secret": "abc"},
        "api_key": "k",
        "apiKey": "k",
        "token_type": "bearer",
        "hmac": "deadbeef",
        "callback": "http://localhost:9000/x and 127.0.0.1:41234 and 127.0.0.1:412345",
    }));
    assert_eq!(
        v,
        json!({
            "api_key": "[token:1]",
            "apiKey": "[token:1]",
            "big": "[id:1]",
            "callback": "http://localhost:[port:1]/x and ${fakedesk.acme.url} and 127.0.0.1:412345",
            "count": 3,
            "created": "[time:1]",
            "due_date": "2026-12-01",
            "externalId": "[id:2]",
            "hmac": "[signature:1]",
            "id": "[id:3]",
            "job": "Completed at [time:2]",
            "note": "ticket [id:1] at [time:3], again [id:1]",
            "sent_at": "[time:4]",
            "seq": 12,
            "signing_secret": {"algorithm": "SHA256", "secret": "[token:2]"},
            "timestamp": 5,
            "token_type": "bearer",
            "user_ids": ["[id:3]", "[id:4]"],
            "uuid": "see [id:5].",
        })
    );
}

#[test]
fn authorization_keeps_its_scheme_and_the_same_credentials_their_token() {
    let mut r = redactor();
    assert_eq!(r.header("authorization", "Basic abc"), "Basic [token:1]");
    assert_eq!(r.header("authorization", "Bearer xyz"), "Bearer [token:2]");
    assert_eq!(r.header("authorization", "Key abc"), "Key [token:1]");
    assert_eq!(r.header("authorization", "opaque"), "[token:3]");
    assert_eq!(r.header("x-api-key", "xyz"), "[token:2]");
    assert_eq!(
        r.header("date", "Mon, 23 Nov 2026 10:00:00 GMT"),
        "[time:1]"
    );
    assert_eq!(r.header("x-ratelimit-reset", "1764000060"), "[time:2]");
    assert_eq!(r.header("ratelimit-reset", "42"), "[time:3]");
    assert_eq!(r.header("x-acme-account-id", "17"), "[id:1]");
    assert_eq!(r.header("x-request-id", "17"), "17");
    assert_eq!(
        r.header("x-request-id", "9f1c3a52-8a0e-4c0b-9b1e-2f0d4c6e8a10"),
        "[id:2]"
    );
}

#[test]
fn a_url_that_is_a_prefix_of_another_port_is_not_replaced_inside_it() {
    let mut r = Redactor::new(vec![
        ("http://127.0.0.1:4123/".to_owned(), "a".to_owned()),
        ("http://127.0.0.1:41234".to_owned(), "b".to_owned()),
    ]);
    assert_eq!(
        r.redact_str("http://127.0.0.1:41234/x http://127.0.0.1:4123/y 127.0.0.1:4123"),
        "${b}/x ${a}/y ${a}"
    );
}

#[test]
fn form_bodies_and_queries_follow_the_key_rules() {
    let mut r = redactor();
    assert_eq!(r.redact_value(&json!({"id": 1})), json!({"id": "[id:1]"}));
    assert_eq!(
        r.query("ids=1,2&page[size]=2&api_key=k&start_time=1764000000&q=x"),
        "ids=[id:1],[id:2]&page[size]=2&api_key=[token:1]&start_time=[time:1]&q=x"
    );
    // An id learnt from a key is redacted in any parameter; other numbers are not.
    assert_eq!(r.query("page=2&after=1"), "page=2&after=[id:1]");
    let mut form = ticket_create();
    form.request.headers = headers(&[("content-type", "application/x-www-form-urlencoded")]);
    form.request.body = Body(Bytes::from_static(b"ticket_id=7&token=abc&note=hi"));
    let text = traffic(&[entry(1, form)], &mut redactor());
    assert!(
        text.contains(r#""body": "ticket_id=[id:1]&token=[token:1]&note=hi""#),
        "{text}"
    );
}

#[test]
fn binary_and_text_bodies_are_kept_as_the_journal_shows_them() {
    let mut x = ticket_create();
    x.request.body = Body(Bytes::from_static(&[0xff, 0x00]));
    x.response.as_mut().unwrap().body = Body(Bytes::from_static(b"Too Many Requests"));
    let text = traffic(&[entry(1, x)], &mut redactor());
    assert!(
        text.contains(
            r#""body": {
      "base64": "/wA="
    }"#
        ),
        "{text}"
    );
    assert!(text.contains(r#""body": "Too Many Requests""#), "{text}");
}

#[test]
fn a_failed_delivery_shows_its_error() {
    let mut x = webhook_delivery();
    x.response = None;
    x.error = Some("error sending request for url (http://127.0.0.1:8088/acme)".to_owned());
    let text = traffic(&[entry(4, x)], &mut redactor());
    assert!(text.starts_with("=== 4 acme outbound: POST http://127.0.0.1:[port:1]/acme?ticket_id=[id:1] (attempt 1) -> no response\n"), "{text}");
    assert!(
        text.contains(
            r#""error": "error sending request for url (http://127.0.0.1:[port:1]/acme)""#
        ),
        "{text}"
    );
    assert!(!text.contains("\"response\""), "{text}");
}

#[test]
fn redacting_redacted_traffic_changes_nothing() {
    let mut r = redactor();
    let v = r.redact_value(
        &json!({"id": 7, "at": "2026-11-23T10:00:00Z", "url": format!("{ACME}/tickets/7.json")}),
    );
    assert_eq!(redactor().redact_value(&v), v);
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let text = prop_oneof![
        ".{0,12}",
        Just("2026-11-23T10:00:00Z".to_owned()),
        Just("http://127.0.0.1:41234/api/v2/tickets/7.json?ids=1,7".to_owned()),
        Just("localhost:99999".to_owned()),
        Just("9f1c3a52-8a0e-4c0b-9b1e-2f0d4c6e8a10".to_owned()),
        Just("01JD5QK8Z3M4N5P6Q7R8S9T0VW".to_owned()),
        Just("[id:1]".to_owned()),
        Just("/a/7/b.c,7".to_owned()),
    ];
    let key = prop_oneof![
        "[a-zA-Z_]{0,8}",
        Just("id".to_owned()),
        Just("user_ids".to_owned()),
        Just("created_at".to_owned()),
        Just("token".to_owned()),
        Just("signature".to_owned()),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text.prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn redaction_never_panics_and_is_deterministic(v in arbitrary_json()) {
        let once = redactor().redact_value(&v);
        let twice = redactor().redact_value(&v);
        prop_assert_eq!(&once, &twice);
    }
}

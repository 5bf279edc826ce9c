//! Property tests: arbitrary paths, methods and bodies sent to fake Zendesk never
//! produce a 5xx or a panic. Case counts are bounded for a 2-core CI.

use axum::body::Body;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::common::{fake, token_auth};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn path() -> impl Strategy<Value = String> {
    let prefix = prop_oneof![
        Just("/api/v2/tickets".to_owned()),
        Just("/api/v2/tickets/1".to_owned()),
        Just("/api/v2/tickets/1/comments".to_owned()),
        Just("/api/v2/tickets/create_many".to_owned()),
        Just("/api/v2/tickets/update_many".to_owned()),
        Just("/api/v2/tickets/destroy_many".to_owned()),
        Just("/api/v2/users".to_owned()),
        Just("/api/v2/users/search".to_owned()),
        Just("/api/v2/users/create_or_update".to_owned()),
        Just("/api/v2/job_statuses/V3-x".to_owned()),
        Just("/api/v2/incremental/tickets/cursor".to_owned()),
        Just("/api/v2/incremental/ticket_events".to_owned()),
        Just("/api/v2/search".to_owned()),
        Just("/api/v2/search/export".to_owned()),
        Just("/api/v2/requests".to_owned()),
        Just("/api/v2/organizations".to_owned()),
        Just(String::new()),
    ];
    let segment = "[a-zA-Z0-9_.%\\[\\]-]{0,12}";
    let query = prop_oneof![
        Just(String::new()),
        "(page|per_page|page\\[size\\]|page\\[after\\]|page\\[before\\]|ids|query|external_id|start_time|cursor|filter\\[type\\]|include)=[a-zA-Z0-9,=%:-]{0,24}".prop_map(|q| format!("?{q}")),
    ];
    (
        prefix,
        proptest::collection::vec(segment, 0..3),
        prop::bool::ANY,
        query,
    )
        .prop_map(|(p, segs, json, q)| {
            let mut s = p;
            for seg in segs {
                s.push('/');
                s.push_str(&seg);
            }
            if json {
                s.push_str(".json");
            }
            if !s.starts_with('/') {
                s.insert(0, '/');
            }
            format!("{s}{q}")
        })
}

/// JSON in Zendesk's vocabulary: its statuses and keys, and anything else.
fn json_value() -> impl Strategy<Value = Value> {
    let words = prop_oneof![
        ".{0,16}",
        prop_oneof![
            Just("new"),
            Just("open"),
            Just("solved"),
            Just("closed"),
            Just("urgent"),
            Just("1")
        ]
        .prop_map(str::to_owned),
    ];
    let keys = prop_oneof![
        Just("ticket".to_owned()),
        Just("tickets".to_owned()),
        Just("user".to_owned()),
        Just("comment".to_owned()),
        Just("body".to_owned()),
        Just("status".to_owned()),
        Just("assignee_id".to_owned()),
        Just("requester".to_owned()),
        Just("email".to_owned()),
        Just("tags".to_owned()),
        Just("custom_fields".to_owned()),
        Just("id".to_owned()),
        "[a-z_]{1,10}",
    ];
    crate::common::json_with(words, keys)
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        json_value().prop_map(|v| json!({"ticket": v}).to_string().into_bytes()),
        json_value().prop_map(|v| json!({"user": v}).to_string().into_bytes()),
    ]
}

fn method() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("GET"),
        Just("POST"),
        Just("PUT"),
        Just("PATCH"),
        Just("DELETE"),
        Just("HEAD"),
        Just("OPTIONS")
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_requests_never_get_a_5xx(requests in proptest::collection::vec((method(), path(), body(), prop::bool::weighted(0.9)), 1..6)) {
        let rt = runtime();
        // One fake per case, with a ticket to act on, so later requests see earlier state.
        let z = fake();
        rt.block_on(z.ticket("seed"));
        for (method, path, body, authed) in requests {
            let auth = authed.then(token_auth);
            let r = rt.block_on(z.raw(method, &path, auth.as_deref(), Body::from(body)));
            prop_assert!(r.status < 500, "{} {} -> {} {}", method, path, r.status, r.text);
            if r.status != 204 && method != "HEAD" {
                prop_assert!(r.json.is_object() || r.status == 429, "{} {} -> non-JSON {}", method, path, r.text);
            }
        }
    }

    #[test]
    fn arbitrary_ticket_updates_keep_the_lifecycle_invariants(updates in proptest::collection::vec(json_value(), 1..8)) {
        let rt = runtime();
        let z = fake();
        let id = rt.block_on(z.ticket("seed"));
        let path = format!("/api/v2/tickets/{id}.json");
        let mut was_open = false;
        let mut was_closed = false;
        for u in updates {
            let r = rt.block_on(z.call("PUT", &path, Some(json!({"ticket": u}))));
            prop_assert!(r.status < 500);
            let shown = rt.block_on(z.call("GET", &path, None));
            let status = shown.json["ticket"]["status"].as_str().unwrap_or_default().to_owned();
            if was_closed {
                prop_assert_eq!(r.status, 422, "closed is terminal");
                prop_assert_eq!(status.as_str(), "closed");
            }
            if was_open {
                prop_assert_ne!(status.as_str(), "new", "never back to new");
            }
            if status == "solved" || status == "closed" {
                prop_assert!(shown.json["ticket"]["assignee_id"].is_u64(), "solved needs an assignee");
            }
            was_open |= status != "new";
            was_closed |= status == "closed";
        }
    }
}

fn vendor_path(prefixes: &'static [&'static str]) -> impl Strategy<Value = String> {
    (
        proptest::sample::select(prefixes),
        proptest::collection::vec("[a-zA-Z0-9_.%-]{0,10}", 0..3),
        prop_oneof![
            Just(String::new()),
            "(startDate|page|q)=[a-zA-Z0-9%-]{0,12}".prop_map(|q| format!("?{q}")),
        ],
    )
        .prop_map(|(p, segs, q)| {
            let mut s = p.to_owned();
            for seg in segs {
                s.push('/');
                s.push_str(&seg);
            }
            format!("{s}{q}")
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn smartsupp_and_ferndesk_ports_never_answer_5xx(
        vendor in prop_oneof![Just("smartsupp"), Just("ferndesk")],
        requests in proptest::collection::vec((method(), vendor_path(&["/", "/support-endpoint.json", "/v2/conversations", "/v2/conversations/1/messages"]), body()), 1..5),
    ) {
        let rt = runtime();
        let f = crate::common::vendor_with(vendor, |_| {});
        for (method, path, body) in requests {
            let r = rt.block_on(f.raw(method, &path, None, Body::from(body)));
            prop_assert!(r.status < 500, "{} {} {} -> {} {}", vendor, method, path, r.status, r.text);
            if method != "HEAD" {
                prop_assert!(r.json.is_object(), "{} {} -> non-JSON {}", method, path, r.text);
            }
        }
    }

    #[test]
    fn smartsupp_and_ferndesk_actions_never_answer_5xx(
        action in prop_oneof![
            Just("/smartsupp/actions/chat_finished"), Just("/smartsupp/actions/chat_missed"),
            Just("/smartsupp/actions/offline_message"), Just("/smartsupp/actions/hook"),
            Just("/smartsupp/actions/webhook"), Just("/ferndesk/actions/pull")
        ],
        body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..64),
            json_value().prop_map(|v| v.to_string().into_bytes()),
        ],
    ) {
        let rt = runtime();
        // Nothing listens on that port: deliveries fail fast, without retries.
        let port = crate::common::unused_port();
        let f = crate::common::vendor_with("smartsupp", |c| {
            c.smartsupp.hook.url = format!("http://127.0.0.1:{port}/hook");
            c.smartsupp.webhooks.url = format!("http://127.0.0.1:{port}/webhooks");
            c.smartsupp.webhooks.max_retries = 0;
        });
        let req = axum::http::Request::builder()
            .method("POST")
            .uri(action)
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
        let r = rt.block_on(crate::common::oneshot(&f.control, req));
        prop_assert!(r.status < 500, "{} -> {} {}", action, r.status, r.text);
    }
}

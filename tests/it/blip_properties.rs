//! Property tests of fake Blip over valid envelopes (tickets in every status and
//! message contents from the library's generators, Desk commands): round trips,
//! and no 5xx or panic from fake Blip whatever it is sent. Case counts are bounded
//! for a 2-core CI.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use fakedesk::clock::ManualClock;
use fakedesk::config::RunConfig;
use fakedesk::fuzz::r#gen::blip::{content, identity, ticket_resource as ticket};
use fakedesk::fuzz::r#gen::text;
use fakedesk::server::Harness;
use fakedesk::vendors::blip::wire::{self, Ticket, TicketStatus};
use proptest::prelude::*;
use serde_json::{Value, json};
use time::macros::datetime;

use crate::common::{Resp, json_with, oneshot};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Fake Blip's router and its seeded key.
fn blip() -> (Router, String) {
    let config = RunConfig::ephemeral();
    let key = format!("Key {}", config.blip.bots[0].key);
    let clock = Arc::new(ManualClock::new(datetime!(2024-02-08 17:44:38 UTC)));
    let harness = Harness::new(config, clock).expect("valid");
    let router = harness.vendor_app(harness.vendor("blip").expect("blip is registered"));
    (router, key)
}

async fn post(router: &Router, path: &str, auth: Option<&str>, body: Vec<u8>) -> Resp {
    request(router, "POST", path, auth, body).await
}

async fn request(
    router: &Router,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: Vec<u8>,
) -> Resp {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "http.msging.test")
        .header("content-type", "application/json");
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    oneshot(router, req.body(Body::from(body)).expect("request")).await
}

/// A message envelope to `to`, with optional fields present or absent.
pub(crate) fn message_to(to: String) -> impl Strategy<Value = Value> {
    (
        content(),
        proptest::option::of("[a-zA-Z0-9:-]{1,36}"),
        proptest::option::of(proptest::collection::btree_map(
            "#?[a-z.]{1,10}",
            "\\PC{0,10}",
            0..3,
        )),
    )
        .prop_map(move |((type_, content), id, metadata)| {
            let mut m = json!({"to": to, "type": type_, "content": content});
            if let Some(id) = id {
                m["id"] = json!(id);
            }
            if let Some(md) = metadata {
                m["metadata"] = json!(md);
            }
            m
        })
}

/// A Desk command, valid as an envelope, on a ticket that may or may not exist.
pub(crate) fn command(ticket: String) -> impl Strategy<Value = Value> {
    let status = proptest::sample::select(TicketStatus::ALL.to_vec());
    let id = prop_oneof![Just(ticket), "[a-z0-9-]{1,12}"];
    (
        id,
        status,
        identity(),
        text(),
        0usize..8,
        proptest::option::of("[a-z]{1,8}@blip\\.ai"),
    )
        .prop_map(|(id, status, customer, said, which, agent)| {
            let (method, uri, type_, resource) = match which {
                0 => (
                    "set",
                    "/tickets/change-status".to_owned(),
                    Some(wire::TICKET_TYPE),
                    Some(json!({"id": id, "status": status.as_str(), "agentIdentity": agent})),
                ),
                1 => (
                    "set",
                    "/tickets".to_owned(),
                    Some(wire::TICKET_TYPE),
                    Some(json!({"customerIdentity": customer})),
                ),
                2 => (
                    "set",
                    format!("/tickets/{customer}"),
                    Some("text/plain"),
                    Some(json!(said)),
                ),
                3 => (
                    "set",
                    format!("/tickets/{id}/close"),
                    Some(wire::TICKET_TYPE),
                    Some(json!({"closedBy": agent, "tags": [said]})),
                ),
                4 => (
                    "set",
                    format!("/tickets/{id}/transfer"),
                    Some(wire::TICKET_TYPE),
                    Some(json!({"team": said})),
                ),
                5 => ("get", format!("/ticket/{id}"), None, None),
                6 => ("get", format!("/tickets/{id}/messages"), None, None),
                _ => ("get", "/tickets?$skip=0&$take=100".to_owned(), None, None),
            };
            let mut c =
                json!({"id": "cmd", "to": wire::DESK_POSTMASTER, "method": method, "uri": uri});
            if let (Some(t), Some(r)) = (type_, resource) {
                c["type"] = json!(t);
                c["resource"] = r;
            }
            c
        })
}

/// Bodies in Blip's vocabulary, and anything else.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let words = prop_oneof![
        ".{0,16}",
        prop_oneof![
            Just("set"),
            Just("get"),
            Just("/tickets"),
            Just("/tickets/change-status"),
            Just("postmaster@desk.msging.net"),
            Just("text/plain"),
            Just("Open"),
            Just("ClosedAttendant"),
            Just("x@desk.msging.net/Webhook"),
        ]
        .prop_map(str::to_owned),
    ];
    let keys = prop_oneof![
        Just("id".to_owned()),
        Just("to".to_owned()),
        Just("from".to_owned()),
        Just("method".to_owned()),
        Just("uri".to_owned()),
        Just("type".to_owned()),
        Just("resource".to_owned()),
        Just("content".to_owned()),
        Just("event".to_owned()),
        Just("status".to_owned()),
        Just("metadata".to_owned()),
        "[a-zA-Z]{1,10}",
    ];
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        json_with(words, keys).prop_map(|v| v.to_string().into_bytes()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn tickets_round_trip_and_leave_absent_fields_out(t in ticket()) {
        let v = t.to_value();
        let back: Ticket = serde_json::from_value(v.clone()).unwrap();
        prop_assert_eq!(&back, &t);
        prop_assert!(v.as_object().unwrap().values().all(|x| !x.is_null()));
        prop_assert_eq!(v["status"].as_str(), Some(t.status.as_str()));
        prop_assert_eq!(v["closed"].as_bool(), Some(t.status.is_closed()));
    }

    #[test]
    fn generated_messages_parse_and_are_accepted(msg in message_to("nobody@desk.msging.net/Webhook".to_owned())) {
        prop_assert!(wire::parse_message(msg.as_object().unwrap()).is_ok(), "{}", msg);
        let (router, key) = blip();
        let r = runtime().block_on(post(&router, "/messages", Some(&key), msg.to_string().into_bytes()));
        prop_assert_eq!(r.status, 202);
    }

    #[test]
    fn generated_commands_always_get_a_command_response(cmds in proptest::collection::vec(command("t".to_owned()), 1..6)) {
        let rt = runtime();
        let (router, key) = blip();
        for c in cmds {
            let r = rt.block_on(post(&router, "/commands", Some(&key), c.to_string().into_bytes()));
            prop_assert_eq!(r.status, 200, "{} -> {}", c, r.text);
            prop_assert!(r.json["status"] == "success" || r.json["status"] == "failure");
            prop_assert_eq!(&r.json["id"], &json!("cmd"));
            prop_assert_eq!(&r.json["method"], &c["method"]);
        }
    }

    #[test]
    fn arbitrary_requests_never_get_a_5xx(
        requests in proptest::collection::vec((
            prop_oneof![Just("POST"), Just("GET"), Just("PUT"), Just("DELETE"), Just("OPTIONS")],
            prop_oneof![
                Just("/commands".to_owned()),
                Just("/messages".to_owned()),
                Just("/notifications".to_owned()),
                "/[a-z/]{0,12}"
            ],
            body(),
            prop::bool::weighted(0.9),
        ), 1..6)
    ) {
        let rt = runtime();
        let (router, key) = blip();
        for (method, path, body, authed) in requests {
            let auth = authed.then_some(key.as_str());
            let r = rt.block_on(request(&router, method, &path, auth, body));
            prop_assert!(r.status < 500, "{} {} -> {} {}", method, path, r.status, r.text);
            if r.status != 202 {
                prop_assert!(r.json.is_object(), "{} -> non-JSON {}", path, r.text);
            }
        }
    }
}

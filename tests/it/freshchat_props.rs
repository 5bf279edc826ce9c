//! Property tests of fake Freshchat and fake Mammut: generated webhook payloads of
//! all four events, signed after generation, always verify and round-trip; the bot's
//! rules never panic on them; arbitrary requests to either router never get a 5xx.
//! Case counts are bounded for a 2-core CI.

use axum::body::Body;
use axum::http::Request;
use fakedesk::vendors::freshchat::webhook::{self, SigningKey};
use fakedesk::vendors::mammut::store::{Decision, decide};
use http_body_util::BodyExt;
use proptest::prelude::*;
use serde_json::Value;
use tower::ServiceExt;

/// Every event, as the library's fuzzing generators make them.
fn payload() -> impl Strategy<Value = Value> {
    fakedesk::fuzz::r#gen::freshchat::webhook()
}

/// A payload with its signature, computed over the exact bytes after generation.
fn signed() -> impl Strategy<Value = (Vec<u8>, String)> {
    payload().prop_map(|p| {
        let bytes = p.to_string().into_bytes();
        let sig = SigningKey::generated().sign(&bytes);
        (bytes, sig)
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn method() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("GET"),
        Just("POST"),
        Just("PUT"),
        Just("DELETE"),
        Just("PATCH")
    ]
}

fn path() -> impl Strategy<Value = String> {
    let prefix = prop_oneof![
        Just("/v2/users"),
        Just("/v2/users/lookup"),
        Just("/api/v2/agents"),
        Just("/v2/groups"),
        Just("/v2/channels"),
        Just("/v2/conversations"),
        Just("/app:mammut-1/graph/user"),
        Just("/app:mammut-1/graph/user:4136"),
        Just("/v2/files/upload"),
        Just("/v2/images/upload"),
        Just("/v2/reports/raw"),
        Just("/v2/metrics/historical"),
        Just("/v2/metrics/instant"),
        Just("/v2/outbound-messages/whatsapp"),
        Just("/v2/csat"),
        Just("/v2/agents/status"),
        Just("/attachments"),
        Just("/extracts"),
        Just("/app:mammut-1/graph:2/room:4136/with::thought"),
        Just("/app:mammut-1/graph/user:4136/send:=thought"),
        Just("/app:mammut-1/unique-vertex"),
        Just("/channels/freshchat/"),
        Just(""),
    ];
    (
        prefix,
        proptest::collection::vec("[a-zA-Z0-9_:%.-]{0,10}", 0..3),
        "(\\?[a-z_]{1,10}=[a-z0-9%-]{0,8})?",
    )
        .prop_map(|(p, segs, q)| {
            let mut s = p.to_owned();
            for seg in segs {
                s.push('/');
                s.push_str(&seg);
            }
            if !s.starts_with('/') {
                s.insert(0, '/');
            }
            format!("{s}{q}")
        })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let words = prop_oneof![
        ".{0,12}",
        Just("user".to_owned()),
        Just("agent".to_owned()),
        Just("resolved".to_owned()),
        Just("machine".to_owned()),
    ];
    let keys = prop_oneof![
        Just("message_parts".to_owned()),
        Just("actor_type".to_owned()),
        Just("status".to_owned()),
        Just("users".to_owned()),
        Just("user-type".to_owned()),
        Just("freshchat-app-id".to_owned()),
        Just("text".to_owned()),
        "[a-z_]{1,8}",
    ];
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..48),
        crate::common::json_with(words, keys).prop_map(|v| v.to_string().into_bytes()),
        payload().prop_map(|v| v.to_string().into_bytes()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn generated_payloads_verify_once_signed_and_not_once_changed((bytes, sig) in signed(), flip in any::<prop::sample::Index>()) {
        let key = SigningKey::generated();
        prop_assert!(webhook::verify(&key.public_pem(), &bytes, &sig));
        let mut changed = bytes;
        let i = flip.index(changed.len());
        changed[i] ^= 0x01;
        prop_assert!(!webhook::verify(&key.public_pem(), &changed, &sig));
    }

    #[test]
    fn generated_payloads_round_trip_and_the_bot_never_panics_on_them(p in payload()) {
        let back: Value = serde_json::from_slice(p.to_string().as_bytes()).unwrap();
        prop_assert_eq!(&back, &p);
        prop_assert!(webhook::EVENTS.contains(&p["action"].as_str().unwrap()));
        let from_user = p["action"] == "message_create"
            && p["data"]["message"]["actor_type"] == "user"
            && p["data"]["message"]["message_type"] != "private";
        match decide(&p, &[], &[]) {
            Decision::Ignore(_) => prop_assert!(!from_user),
            Decision::Learn { .. } => prop_assert!(from_user),
            Decision::Answer { .. } => prop_assert!(false, "no knowledge, no answer"),
        }
    }

    #[test]
    fn arbitrary_requests_to_freshchat_and_mammut_never_get_a_5xx(
        requests in proptest::collection::vec((method(), path(), body(), prop::bool::weighted(0.8), prop::bool::ANY), 1..6)
    ) {
        let rt = runtime();
        let harness = fakedesk::server::Harness::new(
            fakedesk::config::RunConfig::ephemeral(),
            std::sync::Arc::new(fakedesk::clock::SystemClock),
        ).unwrap();
        let fc = harness.vendor_app(harness.vendor("freshchat").unwrap());
        let mammut = harness.vendor_app(harness.vendor("mammut").unwrap());
        for (method, path, body, authed, to_mammut) in requests {
            let mut req = Request::builder().method(method).uri(&path).header("content-type", "application/json");
            if authed {
                req = req.header("authorization", format!("Bearer {}", fakedesk::vendors::freshchat::FreshchatSettings::default().api_token));
            }
            let router = if to_mammut { mammut.clone() } else { fc.clone() };
            let res = rt.block_on(router.oneshot(req.body(Body::from(body)).unwrap())).unwrap();
            let status = res.status().as_u16();
            let bytes = rt.block_on(res.into_body().collect()).unwrap().to_bytes();
            prop_assert!(status < 500, "{} {} -> {} {}", method, path, status, String::from_utf8_lossy(&bytes));
            let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            prop_assert!(json.is_object(), "{} {} -> non-JSON {}", method, path, String::from_utf8_lossy(&bytes));
        }
    }
}

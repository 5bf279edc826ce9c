//! Freshchat webhook events (REFERENCE 3.8): `message_create`,
//! `conversation_assignment`, `conversation_resolution` and `conversation_reopen`,
//! in Freshchat's envelope.
//!
//! # The generators in your own property tests
//!
//! The payloads `fakedesk fuzz` sends are proptest strategies, so a Rust
//! integrator can feed them straight to the parser, without HTTP. `proptest` is
//! re-exported ([`crate::payload::proptest`]) so the versions match:
//!
//! ```
//! use fakedesk::fuzz::proptest::prelude::*;
//! use fakedesk::fuzz::proptest::test_runner::{Config, TestRunner};
//! use fakedesk::vendors::freshchat::fuzz as freshchat;
//!
//! /// The integrator's parser: the text of a message's first part, if any.
//! fn first_text(event: &serde_json::Value) -> Option<&str> {
//!     let parts = event["data"]["message"]["message_parts"].as_array()?;
//!     parts.first()?["text"]["content"].as_str()
//! }
//!
//! let mut runner = TestRunner::new(Config { cases: 64, ..Config::default() });
//! runner
//!     .run(&freshchat::message_create(), |event| {
//!         // Freshchat may send a message without parts, or whose first part is
//!         // not text: the parser must answer None, not panic.
//!         let has_text = event["data"]["message"]["message_parts"][0]["text"].is_object();
//!         prop_assert_eq!(first_text(&event).is_some(), has_text);
//!         Ok(())
//!     })
//!     .unwrap();
//! ```
//!
//! In a test module, `proptest! { #[test] fn parses(e in freshchat::webhook()) { ... } }`
//! does the same with shrinking reported by the test harness.

use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::payload::r#gen::{iso_millis, object, one_of, optional, text, uuid};
use crate::payload::{BadKey, BodySigner, KeyKind, Scheme, Target};
use crate::vendors::freshchat::webhook::{self, Actor, SigningKey};

/// `actor`: who did it.
pub fn actor() -> BoxedStrategy<Actor> {
    (one_of(&["user", "agent", "system"]), uuid())
        .prop_map(|(actor_type, actor_id)| Actor {
            actor_type,
            actor_id,
        })
        .boxed()
}

/// `interaction_id`: fifteen digits, a dash, epoch milliseconds.
pub fn interaction_id() -> BoxedStrategy<String> {
    ("[1-9][0-9]{14}", 1_420_070_400_000u64..2_051_222_400_000)
        .prop_map(|(a, ms)| format!("{a}-{ms}"))
        .boxed()
}

/// One part of a message (schema `message_part`): text, image, file, URL button,
/// quick-reply button, or a collection of those.
pub fn message_part() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        text().prop_map(|t| json!({"text": {"content": t}})),
        "[a-z]{1,10}".prop_map(|n| json!({"image": {"url": format!("https://cdn.example.com/{n}.png")}})),
        (text(), 0u64..50_000_000, one_of(&["application/pdf", "text/plain", "image/jpeg"])).prop_map(
            |(name, size, ct)| json!({"file": {"name": name, "url": "https://cdn.example.com/f", "file_size_in_bytes": size, "content_type": ct}})
        ),
        (text(), one_of(&["_blank", "_self"])).prop_map(
            |(label, target)| json!({"url_button": {"url": "https://example.com/", "label": label, "target": target}})
        ),
        (text(), text()).prop_map(
            |(label, reply)| json!({"quick_reply_button": {"label": label, "custom_reply_text": reply}})
        ),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop::collection::vec(inner, 0..4)
            .prop_map(|parts| json!({"collection": {"sub_parts": parts}}))
    })
    .boxed()
}

/// The conversation as events show it.
pub fn conversation(status: &'static str) -> BoxedStrategy<Value> {
    (uuid(), uuid(), uuid(), optional(uuid()), optional(uuid()))
        .prop_map(move |(id, app, channel, group, agent)| {
            object(vec![
                ("conversation_id", Some(json!(id))),
                ("app_id", Some(json!(app))),
                ("status", Some(json!(status))),
                ("channel_id", Some(json!(channel))),
                ("skill_id", Some(json!(0))),
                ("sla_policy_id", Some(json!(0))),
                ("sla_breached", Some(json!(false))),
                ("assigned_group_id", group.map(Value::from)),
                ("assigned_agent_id", agent.map(Value::from)),
            ])
        })
        .boxed()
}

/// `message_create`: `message_parts` may be empty, `message_type`,
/// `message_source`, `org_actor_id` and `freshchat_conversation_id` may be absent.
pub fn message_create() -> BoxedStrategy<Value> {
    let ids = (uuid(), uuid(), uuid(), uuid(), uuid(), interaction_id());
    let extras = (
        optional(one_of(&["normal", "private"])),
        optional(one_of(&["web", "mobile", "api", "system"])),
        optional("[1-9][0-9]{17}"),
        optional(1u64..10_000_000_000),
    );
    (
        actor(),
        iso_millis(),
        prop::collection::vec(message_part(), 0..4),
        ids,
        extras,
        any::<(bool, bool)>(),
    )
        .prop_map(
            |(a, time, parts, (id, app, channel, conv, user, interaction), extras, flags)| {
                let (message_type, source, org_actor, numeric_conv) = extras;
                let user_id = if a.actor_type == "user" {
                    a.actor_id.clone()
                } else {
                    user
                };
                let message = object(vec![
                    ("message_parts", Some(json!(parts))),
                    ("app_id", Some(json!(app))),
                    ("actor_id", Some(json!(a.actor_id))),
                    ("org_actor_id", org_actor.map(Value::from)),
                    ("id", Some(json!(id))),
                    ("channel_id", Some(json!(channel))),
                    ("conversation_id", Some(json!(conv))),
                    ("freshchat_conversation_id", numeric_conv.map(Value::from)),
                    ("interaction_id", Some(json!(interaction))),
                    ("message_type", message_type.map(Value::from)),
                    ("message_source", source.map(Value::from)),
                    ("actor_type", Some(json!(a.actor_type))),
                    ("created_time", Some(json!(time))),
                    ("user_id", Some(json!(user_id))),
                    ("restrictResponse", Some(json!(flags.0))),
                    ("botsPrivateNote", Some(json!(flags.1))),
                ]);
                webhook::envelope("message_create", &a, &time, json!({ "message": message }))
            },
        )
        .boxed()
}

/// `conversation_assignment`: to an agent and a group, from one or from none
/// (`""`).
pub fn conversation_assignment() -> BoxedStrategy<Value> {
    let from = prop_oneof![Just(String::new()), uuid()];
    (
        actor(),
        iso_millis(),
        conversation("assigned"),
        (uuid(), uuid(), from.clone(), from),
        interaction_id(),
    )
        .prop_map(
            |(a, time, c, (to_agent, to_group, from_agent, from_group), i)| {
                let asg = webhook::Assignment {
                    from_agent_id: from_agent,
                    from_group_id: from_group,
                    to_agent_id: to_agent,
                    to_group_id: to_group,
                };
                webhook::envelope(
                    "conversation_assignment",
                    &a,
                    &time,
                    webhook::assignment_data(&a, &asg, c, &i),
                )
            },
        )
        .boxed()
}

/// `conversation_resolution`.
pub fn conversation_resolution() -> BoxedStrategy<Value> {
    (
        actor(),
        iso_millis(),
        conversation("resolved"),
        interaction_id(),
    )
        .prop_map(|(a, time, c, i)| {
            webhook::envelope(
                "conversation_resolution",
                &a,
                &time,
                webhook::resolve_data(&a, c, &i),
            )
        })
        .boxed()
}

/// `conversation_reopen`.
pub fn conversation_reopen() -> BoxedStrategy<Value> {
    (
        actor(),
        iso_millis(),
        conversation("reopened"),
        interaction_id(),
    )
        .prop_map(|(a, time, c, i)| {
            webhook::envelope(
                "conversation_reopen",
                &a,
                &time,
                webhook::reopen_data(&a, c, &i),
            )
        })
        .boxed()
}

/// Any of the four events.
pub fn webhook() -> BoxedStrategy<Value> {
    prop_oneof![
        message_create(),
        conversation_assignment(),
        conversation_resolution(),
        conversation_reopen(),
    ]
    .boxed()
}

/// Freshchat's signing (REFERENCE 3.8): base64 RSA PKCS#1 v1.5 SHA-256 signature of
/// the body, with the bundled test key unless another is given.
pub const SCHEME: Scheme = Scheme {
    describe: "x-freshchat-signature = base64(RSA PKCS#1 v1.5 SHA-256 of the body)",
    signature_header: Some("x-freshchat-signature"),
    timestamped: false,
    default_secret: None,
    key: Some(&KEY),
    request: |e| {
        let signature = match e.private_key {
            Some(k) => k.sign(&e.body),
            None => test_key().sign(&e.body),
        };
        super::webhook::request(e.url, &e.body, &signature, "1", 1)
    },
};

/// Freshchat's RSA keys, in PEM (PKCS#1 or PKCS#8).
const KEY: KeyKind = KeyKind {
    parse: |pem| match SigningKey::from_pem(pem) {
        Ok(k) => Ok(Arc::new(k)),
        Err(e) => Err(BadKey(e.to_string())),
    },
    bundled: || test_key(),
    note: "Freshchat payloads are signed with a bundled test key unless --private-key is given;\n\
           configure your receiver with its public key:",
};

/// The payloads `fakedesk fuzz` sends as Freshchat.
pub const PAYLOADS: &[Target] = &[
    Target {
        name: "freshchat.webhook",
        summary: "any of the four webhook events",
        generate: webhook,
        scheme: &SCHEME,
        user_agent: None,
    },
    Target {
        name: "freshchat.message_create",
        summary: "the message_create event",
        generate: message_create,
        scheme: &SCHEME,
        user_agent: None,
    },
    Target {
        name: "freshchat.conversation_assignment",
        summary: "the conversation_assignment event",
        generate: conversation_assignment,
        scheme: &SCHEME,
        user_agent: None,
    },
    Target {
        name: "freshchat.conversation_resolution",
        summary: "the conversation_resolution event",
        generate: conversation_resolution,
        scheme: &SCHEME,
        user_agent: None,
    },
    Target {
        name: "freshchat.conversation_reopen",
        summary: "the conversation_reopen event",
        generate: conversation_reopen,
        scheme: &SCHEME,
        user_agent: None,
    },
];

const TEST_KEY_PEM: &str = include_str!("fuzz_test_key.pem");

/// The RSA key fuzzing signs Freshchat payloads with unless given another: a fixed
/// key for tests only, so a receiver can be configured with its public key
/// ([`SigningKey::public_pem`]) once.
pub fn test_key() -> &'static SigningKey {
    static KEY: std::sync::OnceLock<SigningKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| SigningKey::from_pem(TEST_KEY_PEM).expect("the bundled test key parses"))
}

impl BodySigner for SigningKey {
    fn sign(&self, body: &[u8]) -> String {
        Self::sign(self, body)
    }
    fn public_pem(&self) -> String {
        Self::public_pem(self)
    }
}

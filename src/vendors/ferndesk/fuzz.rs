//! Ferndesk: the document a custom support endpoint serves (REFERENCE 7.1),
//! `{"conversations": [...]}`, as the contract allows it: unique ids,
//! `lastMessageAt` the newest message's `createdAt`, ISO-8601 UTC times with or
//! without milliseconds, the optional `url` present or absent, and the roles `user`,
//! `agent` and the guide example's `support_agent`.

use std::ops::Range;

use proptest::prelude::*;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::clock::{iso_millis, iso_seconds};
use crate::payload::r#gen::{object, one_of, optional, text, unix_seconds, uuid};
use crate::payload::{Scheme, Target};

/// The roles messages get: the guide's text names `user` and `agent`, its example
/// `support_agent`.
pub const ROLES: &[&str] = &["user", "agent", "support_agent"];

/// An id: the index (which keeps ids unique in their list) after a prefix, and
/// perhaps an opaque tail.
fn id(prefix: &'static [&'static str]) -> BoxedStrategy<(String, Option<String>)> {
    (
        one_of(prefix),
        optional(prop_oneof![
            "[a-zA-Z0-9_]{1,24}",
            uuid(),
            "[\\p{L}\\p{N}]{1,16}"
        ]),
    )
        .boxed()
}

fn id_at(i: usize, (prefix, tail): (String, Option<String>)) -> String {
    match tail {
        Some(t) => format!("{prefix}{i}-{t}"),
        None => format!("{prefix}{i}"),
    }
}

/// A conversation's link back to the helpdesk.
fn url() -> BoxedStrategy<String> {
    prop_oneof![
        "https://support\\.[a-z]{1,10}\\.com/conversations/[0-9]{1,12}",
        "http://[a-z]{1,10}\\.example/c/[a-zA-Z0-9_-]{1,32}",
    ]
    .boxed()
}

fn format_ms(ms: i64, millis: bool) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    if millis {
        iso_millis(t)
    } else {
        iso_seconds(t)
    }
}

/// A conversation's parts but its id, which needs its place in the list: the id's
/// prefix and tail, `url`, `lastMessageAt` and the messages, oldest first, up to a
/// day apart, `lastMessageAt` the newest one's time.
type Parts = ((String, Option<String>), Option<String>, String, Vec<Value>);

fn conversation(messages: Range<usize>) -> BoxedStrategy<Parts> {
    let message = (
        id(&["msg_", "", "m-"]),
        one_of(ROLES),
        text(),
        prop_oneof![3 => 0i64..600_000, 1 => 600_000i64..86_400_000],
    );
    (
        id(&["conv_", "", "c-"]),
        optional(url()),
        (unix_seconds(), 0i64..1000),
        any::<bool>(),
        prop::collection::vec(message, messages),
    )
        .prop_map(|(cid, url, (s, ms), millis, msgs)| {
            // Times in whole seconds when written without milliseconds.
            let step = if millis { 1 } else { 1000 };
            let mut t = s * 1000 + if millis { ms } else { 0 };
            let messages: Vec<Value> = msgs
                .into_iter()
                .enumerate()
                .map(|(j, (mid, role, content, gap))| {
                    t += gap - gap % step;
                    json!({
                        "id": id_at(j, mid),
                        "role": role,
                        "content": content,
                        "createdAt": format_ms(t, millis),
                    })
                })
                .collect();
            (cid, url, format_ms(t, millis), messages)
        })
        .boxed()
}

/// A document with a number of conversations in `conversations`, each with a
/// number of messages in `messages`.
pub fn document_of(conversations: Range<usize>, messages: Range<usize>) -> BoxedStrategy<Value> {
    prop::collection::vec(conversation(messages), conversations)
        .prop_map(|convs| {
            let list: Vec<Value> = convs
                .into_iter()
                .enumerate()
                .map(|(i, (cid, url, last, messages))| {
                    object(vec![
                        ("id", Some(json!(id_at(i, cid)))),
                        ("url", url.map(Value::from)),
                        ("lastMessageAt", Some(json!(last))),
                        ("messages", Some(json!(messages))),
                    ])
                })
                .collect();
            json!({ "conversations": list })
        })
        .boxed()
}

/// A custom support endpoint's document: up to five conversations of up to eight
/// messages (either list may be empty).
pub fn document() -> BoxedStrategy<Value> {
    document_of(0..6, 0..9)
}

/// The payloads `fakedesk fuzz` sends as Ferndesk, unsigned.
pub const PAYLOADS: &[Target] = &[Target {
    name: "ferndesk.document",
    summary: "a custom support endpoint's document, POSTed to its consumer",
    generate: document,
    scheme: &Scheme::UNSIGNED,
    user_agent: None,
}];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::ferndesk::check::{Fetch, IngestRule, Severity, Verdict, check};

    fn served(doc: &Value) -> Fetch {
        Fetch::Answered {
            status: 200,
            content_type: Some("application/json".to_owned()),
            www_authenticate: None,
            location: None,
            body: doc.to_string().into_bytes(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn documents_pass_the_checker_without_errors(doc in document()) {
            let r = check("https://company.example/support-endpoint.json", &served(&doc), None, IngestRule::AllOrNothing);
            prop_assert_eq!(r.count(Severity::Error), 0, "{:?}", r.findings);
            prop_assert_eq!(r.verdict, Verdict::Ingestible);
            let convs = doc["conversations"].as_array().unwrap();
            prop_assert_eq!(r.summary.ingested_conversations, convs.len());
            // The only warnings: what the contract leaves open (the example's role,
            // empty or markup-like text, empty lists).
            for f in &r.findings {
                let open = f.pointer.ends_with("/role")
                    || f.pointer.ends_with("/content")
                    || f.pointer.ends_with("/messages")
                    || f.pointer == "/conversations";
                prop_assert!(open, "{:?}", f);
            }
        }
    }

    #[test]
    fn documents_shrink_to_no_conversations() {
        let v = crate::payload::r#gen::minimal(&document());
        assert_eq!(v, json!({"conversations": []}));
        let v = crate::payload::r#gen::minimal(&document_of(1..2, 1..2));
        let c = &v["conversations"][0];
        assert_eq!(c["id"], "conv_0", "{v}");
        assert!(c.get("url").is_none(), "{v}");
        assert_eq!(c["messages"][0]["id"], "msg_0", "{v}");
        assert_eq!(c["messages"][0]["role"], "user", "{v}");
        assert_eq!(c["messages"][0]["content"], "", "{v}");
    }
}

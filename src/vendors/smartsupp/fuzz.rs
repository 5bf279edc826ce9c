//! Smartsupp: the POST hook's conversation export (REFERENCE 5.1) and the REST
//! webhooks' `event_callback` envelope (REFERENCE 5.3).
//!
//! Conversations are scripts (who wrote what, how long after, who closed) turned
//! into the export by fake Smartsupp's own generator, so every derived field
//! (`beginAt`, `endAt`, `duration`, response times, counts, flags, system messages)
//! agrees with the messages as it does in what Smartsupp sends. Webhook events wrap
//! such a conversation the way fake Smartsupp does.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::Value;

use crate::payload::r#gen::{big_id, email, name, one_of, optional, text, unix_seconds};
use crate::payload::{Scheme, Target};
use crate::vendors::smartsupp::HookStyle;
use crate::vendors::smartsupp::store::{
    AgentSpec, Author, ChatIds, ChatKind, ChatSpec, ClosedBy, Line, VisitorSpec, generate,
};
use crate::vendors::smartsupp::webhook::{event_data, iso_ms};
use crate::vendors::smartsupp::wire::{
    DOCUMENTED_EVENTS, EventCallback, HookPayload, PathVisit, THIRD_PARTY_EVENTS, Variable,
};

/// How a chat ended: missed first (the smallest export), then offline, then
/// finished.
pub fn kind() -> BoxedStrategy<ChatKind> {
    select(vec![
        ChatKind::Missed,
        ChatKind::Offline,
        ChatKind::Finished,
    ])
    .boxed()
}

/// A visitor variable's value: a string or a number.
fn variable() -> BoxedStrategy<Variable> {
    let value = prop_oneof![
        text().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
    ];
    (text(), value)
        .prop_map(|(label, value)| Variable { label, value })
        .boxed()
}

/// An IPv4 or IPv6 address.
fn ip_address() -> BoxedStrategy<String> {
    prop_oneof![
        3 => any::<[u8; 4]>().prop_map(|b| Ipv4Addr::from(b).to_string()),
        1 => any::<[u16; 8]>().prop_map(|s| Ipv6Addr::from(s).to_string()),
    ]
    .boxed()
}

/// An absolute URL of a page, sometimes with a query or Unicode path.
fn page_url() -> BoxedStrategy<String> {
    prop_oneof![
        3 => ("(http|https)", "[a-z]{1,12}", "[a-z0-9/_-]{0,40}")
            .prop_map(|(scheme, host, path)| format!("{scheme}://{host}.example.com/{path}")),
        1 => ("[\\p{L}]{1,12}", "[a-z]{1,8}=[a-z0-9%]{0,12}")
            .prop_map(|(path, query)| format!("https://shop.example.com/{path}?{query}")),
        1 => (500usize..4_000).prop_map(|n| format!("https://example.com/{}", "p/".repeat(n))),
    ]
    .boxed()
}

/// The visitor: every field may be unknown (`null`), variables may be none.
pub fn visitor() -> BoxedStrategy<VisitorSpec> {
    let who = (
        optional(name()),
        optional(email()),
        optional(text()),
        optional("[a-z0-9_]{1,12}"),
        optional(ip_address()),
        optional(name()),
    );
    let user_agents = &[
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_8_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2272.89 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    ];
    let browser = (
        optional("[A-Z]{2}"),
        optional(name()),
        optional(prop_oneof![one_of(user_agents), text()]),
        optional(one_of(&[
            "MacIntel",
            "Win32",
            "Linux x86_64",
            "iPhone",
            "Android",
        ])),
        optional(prop_oneof![Just(String::new()), page_url()]),
        prop::collection::btree_map("[a-zA-Z][a-zA-Z0-9_]{0,15}", variable(), 0..4),
    );
    (who, browser)
        .prop_map(
            |(
                (name, email, note, group, ip_address, city),
                (country_code, country, user_agent, platform, referer, variables),
            )| VisitorSpec {
                name,
                email,
                note,
                group,
                ip_address,
                city,
                country_code,
                country,
                user_agent,
                platform,
                referer,
                variables: variables.into_iter().collect::<BTreeMap<_, _>>(),
            },
        )
        .boxed()
}

/// The agent who answers.
pub fn agent() -> BoxedStrategy<AgentSpec> {
    (big_id(), name())
        .prop_map(|(id, name)| AgentSpec { id, name })
        .boxed()
}

/// Milliseconds between two messages: `None` (the fake's default), seconds, or up
/// to a day.
fn gap() -> BoxedStrategy<Option<u64>> {
    optional(prop_oneof![3 => 0u64..120_000, 1 => 120_000u64..86_400_000])
}

/// One line by `author` (`trigger` names the trigger of trigger lines).
fn line_by(author: BoxedStrategy<Author>) -> BoxedStrategy<Line> {
    (author, text(), gap(), optional(name()))
        .prop_map(|(from, text, after_ms, trigger)| Line {
            from,
            text,
            after_ms,
            trigger: if from == Author::Trigger {
                trigger
            } else {
                None
            },
        })
        .boxed()
}

/// A chat's script that fits `kind`: perhaps a trigger message first, then the
/// visitor writes; only a finished chat has agent lines, and it has at least one.
pub fn script(kind: ChatKind) -> BoxedStrategy<Vec<Line>> {
    let authors = match kind {
        ChatKind::Finished => vec![Author::Visitor, Author::Trigger, Author::Agent],
        ChatKind::Missed | ChatKind::Offline => vec![Author::Visitor, Author::Trigger],
    };
    let trigger = line_by(Just(Author::Trigger).boxed());
    let visitor = line_by(Just(Author::Visitor).boxed());
    let answer = line_by(Just(Author::Agent).boxed());
    (
        optional(trigger),
        visitor,
        prop::collection::vec(line_by(select(authors).boxed()), 0..8),
        answer,
        any::<Index>(),
    )
        .prop_map(move |(opening, first, mut rest, answer, at)| {
            if kind == ChatKind::Finished {
                rest.insert(at.index(rest.len() + 1), answer);
            }
            opening.into_iter().chain([first]).chain(rest).collect()
        })
        .boxed()
}

/// Everything a chat of `kind` is made of.
pub fn chat_spec(kind: ChatKind) -> BoxedStrategy<ChatSpec> {
    let path = (page_url(), text()).prop_map(|(url, title)| PathVisit { url, title });
    (
        visitor(),
        agent(),
        script(kind),
        optional(1i64..=5),
        optional(text()),
        prop::collection::vec(path, 0..4),
        select(vec![ClosedBy::Visitor, ClosedBy::Agent]),
    )
        .prop_map(
            |(visitor, agent, lines, rating, rating_desc, paths, closed_by)| ChatSpec {
                visitor,
                agent,
                messages: Some(lines),
                rating,
                rating_desc,
                paths: Some(paths),
                closed_by,
            },
        )
        .boxed()
}

/// A kind of chat and a script that fits it.
pub fn kind_and_spec() -> BoxedStrategy<(ChatKind, ChatSpec)> {
    prop_oneof![
        chat_spec(ChatKind::Missed).prop_map(|s| (ChatKind::Missed, s)),
        chat_spec(ChatKind::Offline).prop_map(|s| (ChatKind::Offline, s)),
        chat_spec(ChatKind::Finished).prop_map(|s| (ChatKind::Finished, s)),
    ]
    .boxed()
}

/// The chat's ids: numbers up to the largest, and the visitor's key shaped as the
/// documented one (35 letters and digits, then 13 digits).
fn ids() -> BoxedStrategy<ChatIds> {
    (big_id(), big_id(), "[a-zA-Z0-9]{35}[1-9][0-9]{12}")
        .prop_map(|(chat, visitor, visitor_key)| ChatIds {
            chat,
            visitor,
            visitor_key,
        })
        .boxed()
}

/// A conversation export as fake Smartsupp builds it, in either documented
/// edition (developer docs or help center).
pub fn conversation() -> BoxedStrategy<HookPayload> {
    (
        kind_and_spec(),
        big_id(),
        ids(),
        (unix_seconds(), 0i64..1000),
        select(vec![HookStyle::Developers, HookStyle::HelpCenter]),
    )
        .prop_map(|((kind, spec), account, ids, (s, ms), style)| {
            generate(kind, &spec, account, &ids, s * 1000 + ms, style)
        })
        .boxed()
}

/// The POST hook's body: one conversation export.
pub fn hook() -> BoxedStrategy<Value> {
    conversation()
        .prop_map(|p| serde_json::to_value(&p).unwrap_or(Value::Null))
        .boxed()
}

/// Every event name: the documented ones first, then those third-party
/// integrations handle.
pub fn event() -> BoxedStrategy<String> {
    let all: Vec<&'static str> = DOCUMENTED_EVENTS
        .iter()
        .chain(THIRD_PARTY_EVENTS)
        .copied()
        .collect();
    select(all).prop_map(str::to_owned).boxed()
}

/// A webhook event about a conversation, sent up to an hour after its last
/// message.
pub fn event_callback() -> BoxedStrategy<EventCallback> {
    (
        event(),
        conversation(),
        0i64..3_600_000,
        big_id(),
        "[a-zA-Z0-9]{9}",
    )
        .prop_map(|(event, chat, delay, account, app_id)| EventCallback {
            kind: "event_callback".to_owned(),
            data: event_data(&event, &chat, &iso_ms),
            event,
            timestamp: iso_ms(chat.end_at + delay),
            account_id: account.to_string(),
            app_id,
        })
        .boxed()
}

/// The REST webhooks' body: one `event_callback`.
pub fn webhook() -> BoxedStrategy<Value> {
    event_callback()
        .prop_map(|e| serde_json::to_value(&e).unwrap_or(Value::Null))
        .boxed()
}

/// Smartsupp's REST v2 webhook signing (REFERENCE 5.3): hex HMAC-SHA256 of the body.
pub const SCHEME: Scheme = Scheme {
    describe: "x-smartsupp-hmac = hex(HMAC-SHA256(client secret, body))",
    signature_header: Some(super::webhook::HMAC_HEADER),
    timestamped: false,
    // REFERENCE 5.3: the docs' placeholder.
    default_secret: Some("YOUR_CLIENT_SECRET"),
    key: None,
    request: |e| super::webhook::signed_request(e.url, e.body.clone(), e.secret, ""),
};

/// The payloads `fakedesk fuzz` sends as Smartsupp: the POST hook is unsigned.
pub const PAYLOADS: &[Target] = &[
    Target {
        name: "smartsupp.hook",
        summary: "the POST hook's chat export (legacy \"Export to 3rd party system\")",
        generate: hook,
        scheme: &Scheme::UNSIGNED,
        user_agent: None,
    },
    Target {
        name: "smartsupp.webhook",
        summary: "a REST v2 webhook event (event_callback envelope)",
        generate: webhook,
        scheme: &SCHEME,
        user_agent: None,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    fn millis(v: &Value) -> OffsetDateTime {
        let s = v.as_str().unwrap_or_default();
        assert!(
            s.len() == 24 && s.ends_with('Z') && s.as_bytes()[19] == b'.',
            "{s}"
        );
        OffsetDateTime::parse(s, &Rfc3339).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Closing and rating find the conversation finished; every other
        /// conversation event finds it open, not yet finished.
        #[test]
        fn a_conversation_is_open_unless_the_event_closes_or_rates_it(v in webhook()) {
            let event = v["event"].as_str().unwrap();
            if let Some(c) = v["data"].get("conversation") {
                let closing = crate::vendors::smartsupp::webhook::CLOSED_EVENTS.contains(&event);
                prop_assert_eq!(&c["status"], if closing { "closed" } else { "open" }, "{}", event);
                prop_assert_eq!(c["finished_at"].is_null(), !closing, "{}", event);
            } else {
                prop_assert!(!event.starts_with("conversation."), "{}", event);
            }
        }

        #[test]
        fn hooks_are_conversation_exports_as_documented(v in hook()) {
            let p: HookPayload = serde_json::from_value(v.clone()).unwrap();
            prop_assert_eq!(&serde_json::to_value(&p).unwrap(), &v);
            let msgs = v["messages"].as_array().unwrap();
            prop_assert!(!msgs.is_empty());
            let at = |m: &Value| m["sentAt"].as_i64().unwrap();
            // Epoch milliseconds, oldest first, from beginAt to endAt.
            prop_assert!(msgs.windows(2).all(|w| at(&w[0]) <= at(&w[1])));
            prop_assert_eq!(v["beginAt"].as_i64(), Some(at(&msgs[0])));
            prop_assert_eq!(v["endAt"].as_i64(), Some(at(&msgs[msgs.len() - 1])));
            prop_assert!(p.begin_at >= 1_420_070_400_000);
            let c = &v["channel"];
            prop_assert_eq!(c["duration"].as_i64(), Some((p.end_at - p.begin_at) / 1000));
            // Rated or not: rating 1-5 with a comment, or both null.
            prop_assert_eq!(c["rating"].is_null(), c["ratingDesc"].is_null());
            prop_assert!(c["rating"].is_null() || (1..=5).contains(&c["rating"].as_i64().unwrap()));
            prop_assert!(!(c["isMissed"] == true && c["isCompleted"] == true));
            // One edition or the other: groupKey with emails on messages, or group without.
            let developers = v["visitor"].get("groupKey").is_some();
            prop_assert_ne!(developers, v["visitor"].get("group").is_some());
            for m in msgs {
                let kind = m["type"].as_str().unwrap();
                prop_assert!(["visitor", "agent", "system"].contains(&kind), "{}", kind);
                prop_assert_eq!(m.get("email").is_some(), developers);
                if !m["triggeredBy"].is_null() {
                    prop_assert_eq!(kind, "agent");
                    prop_assert!(m["from"].is_null() || m["from"] == "system");
                }
                if kind == "visitor" {
                    prop_assert!(m["from"].is_string());
                }
            }
        }

        #[test]
        fn webhooks_are_event_callbacks_as_documented(v in webhook()) {
            let e: EventCallback = serde_json::from_value(v.clone()).unwrap();
            prop_assert_eq!(v["type"].as_str(), Some("event_callback"));
            prop_assert!(
                DOCUMENTED_EVENTS.contains(&e.event.as_str()) || THIRD_PARTY_EVENTS.contains(&e.event.as_str()),
                "{}", e.event
            );
            // account_id a string of digits, unlike the hook's number.
            prop_assert!(v["account_id"].is_string());
            prop_assert!(!e.account_id.is_empty() && e.account_id.bytes().all(|b| b.is_ascii_digit()));
            prop_assert!(e.app_id.len() == 9 && e.app_id.bytes().all(|b| b.is_ascii_alphanumeric()));
            let sent = millis(&v["timestamp"]);
            let data = &v["data"];
            if e.event.starts_with("conversation.") {
                let c = &data["conversation"];
                prop_assert!(["pending", "open", "served", "closed"].contains(&c["status"].as_str().unwrap()));
                prop_assert!(c["id"].is_string() && c["contact_id"].is_string());
                let created = millis(&c["created_at"]);
                let updated = millis(&c["updated_at"]);
                prop_assert!(created <= updated && updated <= sent);
                prop_assert_eq!(c["finished_at"].is_null(), c["status"] != "closed");
                match e.event.as_str() {
                    "conversation.closed" => prop_assert_eq!(&data["close_type"], "agent_close"),
                    "conversation.rated" => prop_assert!(data.get("rating_value").is_some() && data.get("rating_text").is_some()),
                    "conversation.agent_replied" | "conversation.contact_replied" | "conversation.bot_replied" => {
                        let m = &data["message"];
                        if !m.is_null() {
                            prop_assert_eq!(&m["type"], "message");
                            prop_assert!(["agent", "bot", "contact", "system", "trigger"].contains(&m["sub_type"].as_str().unwrap()));
                            prop_assert!(millis(&m["created_at"]) <= sent);
                        }
                    }
                    _ => {}
                }
            } else {
                let key = e.event.split('.').next().unwrap();
                prop_assert_eq!(data.as_object().unwrap().len(), 1);
                prop_assert!(data[key]["id"].is_string());
            }
        }
    }

    #[test]
    fn hooks_shrink_to_one_empty_message() {
        let v = crate::payload::r#gen::minimal(&hook());
        let msgs = v["messages"].as_array().unwrap();
        assert_eq!(msgs.len(), 1, "{v}");
        assert_eq!(msgs[0]["content"], "", "{v}");
        assert_eq!(v["paths"], serde_json::json!([]), "{v}");
        assert_eq!(v["visitor"]["variables"], serde_json::json!({}), "{v}");
        assert!(v["visitor"]["name"].is_null(), "{v}");
        assert!(v["channel"]["rating"].is_null(), "{v}");
        assert!(v.to_string().len() < 800, "{v}");
    }

    #[test]
    fn webhooks_shrink_to_the_first_event_of_a_small_chat() {
        let v = crate::payload::r#gen::minimal(&webhook());
        assert_eq!(v["event"], DOCUMENTED_EVENTS[0], "{v}");
        assert_eq!(
            v["data"]["conversation"]["variables"],
            serde_json::json!({})
        );
        assert!(v.to_string().len() < 800, "{v}");
    }
}

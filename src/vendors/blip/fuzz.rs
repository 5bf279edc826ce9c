//! Take Blip: what a custom attendance channel receives (REFERENCE 6.4), built by
//! fake Blip's own builders: the ticket message (a LIME message whose content is
//! the ticket, id `Ticket:{id}:{status}`) and customers' messages forwarded with
//! id `fwd:fwd:{message id}`, both from the ticket's node
//! `{ticket id}@desk.msging.net/Webhook` and without `to`.

use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::clock::iso_millis;
use crate::payload::r#gen::{custom_fields, name, one_of, optional, text, unix_seconds, uuid};
use crate::payload::{Scheme, Target};
use crate::vendors::blip::webhook::{forwarded_message, ticket_message};
use crate::vendors::blip::wire::{self, Ticket, TicketStatus};

/// The LIME content types [`content`] generates, in the order it shrinks through.
pub const CONTENT_TYPES: &[&str] = &[
    "text/plain",
    "application/vnd.lime.media-link+json",
    "application/vnd.lime.web-link+json",
    "application/vnd.lime.location+json",
    "application/vnd.lime.reply+json",
    "application/vnd.lime.chatstate+json",
    "application/json",
];

/// A customer's identity, `name@domain`, on one of Blip's channels.
pub fn identity() -> BoxedStrategy<String> {
    (
        prop_oneof!["[0-9]{6,14}", uuid()],
        one_of(&[
            "wa.gw.msging.net",
            "messenger.gw.msging.net",
            "instagram.gw.msging.net",
            "telegram.gw.msging.net",
            "0mn.io",
            "tunnel.msging.net",
        ]),
    )
        .prop_map(|(n, d)| format!("{n}@{d}"))
        .boxed()
}

/// A bot's identity: `{identifier}@msging.net`.
pub fn bot() -> BoxedStrategy<String> {
    "[a-z][a-z0-9]{0,24}"
        .prop_map(|b| format!("{b}@{}", wire::BOT_DOMAIN))
        .boxed()
}

/// An agent's identity: the e-mail with `@` as `%40`, at `blip.ai`.
pub fn agent() -> BoxedStrategy<String> {
    "[a-z][a-z0-9.]{0,11}%40[a-z]{1,10}\\.com@blip\\.ai".boxed()
}

/// A number with a short exact decimal form (`k / 4096`), so it reads back equal.
fn exact(range: std::ops::RangeInclusive<i64>) -> BoxedStrategy<f64> {
    range.prop_map(|k| k as f64 / 4096.0).boxed()
}

fn link() -> BoxedStrategy<String> {
    prop_oneof![
        "https://[a-z]{1,10}\\.example\\.com/[a-z0-9]{1,12}\\.(jpg|png|pdf|ogg|mp4)",
        "https://[a-z]{1,10}\\.example\\.com/[\\p{L}0-9/]{0,30}",
    ]
    .boxed()
}

/// `(type, content)` of a message a customer sends: text, a media link, a web
/// link, a location, a reply to an earlier message, a chat state, or any JSON
/// document. Text content is a string; the others are objects.
pub fn content() -> BoxedStrategy<(String, Value)> {
    let state = one_of(&["starting", "composing", "paused", "deleting", "gone"])
        .prop_map(|s| json!({"state": s}));
    let typed =
        |i: usize, s: BoxedStrategy<Value>| s.prop_map(move |c| (CONTENT_TYPES[i].to_owned(), c));
    prop_oneof![
        4 => typed(0, text().prop_map(Value::from).boxed()),
        2 => typed(1, media_content()),
        1 => typed(2, web_content()),
        1 => typed(3, location_content()),
        1 => typed(4, reply_content()),
        1 => typed(5, state.boxed()),
        1 => typed(6, custom_fields().prop_map(Value::Object).boxed()),
    ]
    .boxed()
}

/// A media link's content: its MIME type and URI, perhaps a title, text, size and
/// preview.
fn media_content() -> BoxedStrategy<Value> {
    (
        one_of(&[
            "image/jpeg",
            "image/png",
            "audio/ogg",
            "video/mp4",
            "application/pdf",
        ]),
        link(),
        optional(text()),
        optional(text()),
        optional(prop_oneof![0u64..10_000_000, Just(u64::from(u32::MAX))]),
        optional(link()),
    )
        .prop_map(|(mime, uri, title, said, size, preview)| {
            let mut c = json!({"type": mime, "uri": uri});
            if let Some(t) = title {
                c["title"] = json!(t);
            }
            if let Some(t) = said {
                c["text"] = json!(t);
            }
            if let Some(s) = size {
                c["size"] = json!(s);
            }
            if let Some(p) = preview {
                c["previewUri"] = json!(p);
            }
            c
        })
        .boxed()
}

/// A web link's content: its URI, perhaps a title and text.
fn web_content() -> BoxedStrategy<Value> {
    (link(), optional(text()), optional(text()))
        .prop_map(|(uri, title, said)| {
            let mut c = json!({"uri": uri});
            if let Some(t) = title {
                c["title"] = json!(t);
            }
            if let Some(t) = said {
                c["text"] = json!(t);
            }
            c
        })
        .boxed()
}

/// A location's content: latitude and longitude, perhaps altitude and text.
fn location_content() -> BoxedStrategy<Value> {
    (
        exact(-90 * 4096..=90 * 4096),
        exact(-180 * 4096..=180 * 4096),
        optional(exact(-400 * 4096..=9_000 * 4096)),
        optional(text()),
    )
        .prop_map(|(lat, lon, alt, said)| {
            let mut c = json!({"latitude": lat, "longitude": lon});
            if let Some(a) = alt {
                c["altitude"] = json!(a);
            }
            if let Some(t) = said {
                c["text"] = json!(t);
            }
            c
        })
        .boxed()
}

/// A reply's content: what is said, and the earlier message it answers.
fn reply_content() -> BoxedStrategy<Value> {
    (text(), uuid(), text(), one_of(&["sent", "received"]))
        .prop_map(|(said, id, earlier, direction)| {
            json!({
                "replied": {"type": "text/plain", "value": said},
                "inReplyTo": {"id": id, "type": "text/plain", "value": earlier, "direction": direction},
            })
        })
        .boxed()
}

/// Epoch milliseconds from 2015 to 2035.
fn moment() -> BoxedStrategy<i64> {
    (unix_seconds(), 0i64..1000)
        .prop_map(|(s, ms)| s * 1000 + ms)
        .boxed()
}

/// Up to a week, in milliseconds.
fn later() -> BoxedStrategy<i64> {
    (0i64..7 * 86_400_000).boxed()
}

fn iso(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    iso_millis(t)
}

/// A custom channel's ticket in any status, consistent as Blip keeps it: `closed`
/// and `closeDate` exactly for the closing statuses, an agent when `Open` or
/// `Assigned`, dates after `storageDate`, `customerInput` `{}` or `{type, value}`.
pub fn ticket_resource() -> BoxedStrategy<Ticket> {
    (
        ticket_ids(),
        ticket_people(),
        ticket_times(),
        ticket_extras(),
    )
        .prop_map(|(ids, people, times, extras)| assemble(ids, people, times, extras))
        .boxed()
}

/// A ticket's id, sequential id and suffix, whether it has an external id, and
/// which earlier ticket is its parent.
type Ids = (String, u64, Option<String>, bool, Option<Index>);

/// Who owns (and may route) a ticket, its customer, its agent (and the agent of an
/// open one without), and who of customer, agent and owner closed it.
type People = (
    String,
    Option<String>,
    String,
    Option<String>,
    String,
    Option<usize>,
);

/// A ticket's status, storage time, the gaps to its opening, closing and status
/// change, its expiry, first response, and an opening of a ticket not open now.
type Times = (
    TicketStatus,
    i64,
    (i64, i64, i64),
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// Rating, team, unread messages, queue position, tags, average response time,
/// the customer's input and priority.
type Extras = (
    i32,
    Option<String>,
    u64,
    Option<i64>,
    Option<Vec<String>>,
    Option<f64>,
    Option<(String, Value)>,
    i32,
);

fn ticket_ids() -> BoxedStrategy<Ids> {
    (
        uuid(),
        prop_oneof![1u64..1_000, 1_000u64..=i32::MAX as u64],
        optional("[A-Z]{1,4}"),
        any::<bool>(),
        optional(any::<Index>()),
    )
        .boxed()
}

fn ticket_people() -> BoxedStrategy<People> {
    (
        bot(),
        optional(bot()),
        identity(),
        optional(agent()),
        agent(),
        optional(select(vec![0usize, 1, 2])),
    )
        .boxed()
}

fn ticket_times() -> BoxedStrategy<Times> {
    (
        select(TicketStatus::ALL.to_vec()),
        moment(),
        (later(), later(), later()),
        optional(later()),
        optional(later()),
        optional(later()),
    )
        .boxed()
}

fn ticket_extras() -> BoxedStrategy<Extras> {
    (
        prop_oneof![Just(0i32), 1i32..=5],
        optional(prop_oneof![Just("Default".to_owned()), name()]),
        prop_oneof![0u64..10, 10u64..=i64::MAX as u64],
        optional(0i64..10_000),
        optional(prop::collection::vec(text(), 0..4)),
        optional(exact(0..=86_400 * 4096)),
        optional(content()),
        prop_oneof![Just(0i32), 1i32..=10],
    )
        .boxed()
}

/// The ticket the drawn parts make, kept consistent as Blip keeps it.
fn assemble(ids: Ids, people: People, times: Times, extras: Extras) -> Ticket {
    let (id, sequential_id, sequential_suffix, external, parent) = ids;
    let (owner, routing, customer, agent, fallback_agent, closer) = people;
    let (status, storage, (to_open, to_close, to_status), expires, first, open_anyway) = times;
    let (rating, team, unread, queue, tags, average, input, priority) = extras;
    let closed = status.is_closed();
    let agent = if matches!(status, TicketStatus::Open | TicketStatus::Assigned) {
        agent.or(Some(fallback_agent))
    } else {
        agent
    };
    let open_at = (status == TicketStatus::Open || open_anyway.is_some())
        .then(|| storage + to_open + open_anyway.unwrap_or(0));
    let close_at = closed.then(|| open_at.unwrap_or(storage) + to_close);
    let closed_by = closed
        .then(|| {
            closer.map(|c| match c {
                0 => customer.clone(),
                1 => agent.clone().unwrap_or_else(|| owner.clone()),
                _ => owner.clone(),
            })
        })
        .flatten();
    Ticket {
        external_id: external.then(|| id.clone()),
        id,
        sequential_id,
        sequential_suffix,
        routing_owner_identity: routing,
        owner_identity: owner,
        customer_domain: wire::domain_of(&customer),
        customer_identity: customer,
        agent_identity: agent,
        provider: "Webhook".to_owned(),
        status,
        storage_date: iso(storage),
        expiration_date: expires.map(|e| iso(storage + e)),
        open_date: open_at.map(iso),
        close_date: close_at.map(iso),
        status_date: Some(iso(close_at.unwrap_or(storage + to_status))),
        first_response_date: first.map(|f| iso(open_at.unwrap_or(storage) + f)),
        rating,
        team,
        unread_messages: unread,
        queue_position: queue,
        closed,
        closed_by,
        tags,
        average_agent_response_time: average,
        parent_sequential_id: parent
            .filter(|_| sequential_id > 1)
            .map(|i| 1 + i.index(usize::try_from(sequential_id - 1).unwrap_or(1)) as u64),
        customer_input: input.map_or_else(|| json!({}), |(t, v)| wire::document_container(&t, &v)),
        priority,
    }
}

/// The ticket message Blip POSTs to the channel: a new ticket, or one whose
/// status changed.
pub fn ticket() -> BoxedStrategy<Value> {
    ticket_resource().prop_map(|t| ticket_message(&t)).boxed()
}

/// A LIME message id: a GUID, or any other unique string a bot gave it.
pub fn message_id() -> BoxedStrategy<String> {
    prop_oneof![uuid(), "[a-zA-Z0-9:._-]{1,40}"].boxed()
}

/// A customer's message forwarded to the channel.
pub fn message() -> BoxedStrategy<Value> {
    (uuid(), message_id(), content())
        .prop_map(|(ticket, id, (type_, c))| {
            // Only the ticket's id shows in a forwarded message (its node).
            let t = Ticket {
                id: ticket,
                ..placeholder_ticket()
            };
            forwarded_message(&t, &id, &type_, &c)
        })
        .boxed()
}

fn placeholder_ticket() -> Ticket {
    Ticket {
        id: String::new(),
        sequential_id: 1,
        sequential_suffix: None,
        routing_owner_identity: None,
        owner_identity: String::new(),
        customer_identity: String::new(),
        customer_domain: String::new(),
        agent_identity: None,
        provider: "Webhook".to_owned(),
        status: TicketStatus::Open,
        storage_date: String::new(),
        expiration_date: None,
        open_date: None,
        close_date: None,
        status_date: None,
        first_response_date: None,
        external_id: None,
        rating: 0,
        team: None,
        unread_messages: 0,
        queue_position: None,
        closed: false,
        closed_by: None,
        tags: None,
        average_agent_response_time: None,
        parent_sequential_id: None,
        customer_input: json!({}),
        priority: 0,
    }
}

/// Blip's custom attendance channel (REFERENCE 6.4): the channel's key in
/// `Authorization`.
pub const SCHEME: Scheme = Scheme {
    describe: "the channel's authentication key in Authorization",
    signature_header: Some("authorization"),
    timestamped: false,
    default_secret: Some("fakedesk-channel-key"),
    key: None,
    request: |e| {
        super::webhook::request_bytes(
            e.url,
            axum::http::header::AUTHORIZATION.as_str(),
            e.secret,
            e.body.clone(),
        )
    },
};

/// The payloads `fakedesk fuzz` sends as Blip.
pub const PAYLOADS: &[Target] = &[
    Target {
        name: "blip.ticket",
        summary: "a new ticket pushed to a custom attendance channel",
        generate: ticket,
        scheme: &SCHEME,
        user_agent: None,
    },
    Target {
        name: "blip.message",
        summary: "a customer's message forwarded to a custom attendance channel",
        generate: message,
        scheme: &SCHEME,
        user_agent: None,
    },
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::vendors::blip::wire::{Node, check_content, is_media_type, parse_message};
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};
    use time::format_description::well_known::Rfc3339;

    /// The envelope as a LIME message: the channel's envelopes have no `to`, so
    /// the receiver's own node is added, as a receiver would read it.
    fn as_lime(v: &Value) -> Result<wire::Message, String> {
        let mut o = v.as_object().cloned().unwrap_or_default();
        o.insert("to".to_owned(), json!("attendance@example.com"));
        parse_message(&o)
    }

    /// The ticket id a channel takes from `from`: the node's name at
    /// `desk.msging.net`, instance `Webhook`.
    fn ticket_of(v: &Value) -> String {
        let n = Node::parse(v["from"].as_str().unwrap()).unwrap();
        assert_eq!(n.domain, wire::DESK_DOMAIN);
        assert_eq!(n.instance.as_deref(), Some(wire::WEBHOOK_INSTANCE));
        n.name
    }

    fn millis(v: &Value) -> OffsetDateTime {
        let s = v.as_str().unwrap();
        assert!(s.len() == 24 && s.ends_with('Z'), "{s}");
        OffsetDateTime::parse(s, &Rfc3339).unwrap()
    }

    fn is_guid(s: &str) -> bool {
        let parts: Vec<&str> = s.split('-').collect();
        parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
            && s.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn ticket_messages_are_lime_messages_of_the_ticket(v in ticket()) {
            let m = as_lime(&v).unwrap();
            prop_assert_eq!(m.type_.as_str(), wire::TICKET_TYPE);
            prop_assert!(v.get("to").is_none());
            let t: Ticket = serde_json::from_value(v["content"].clone()).unwrap();
            prop_assert!(is_guid(&t.id), "{}", t.id);
            prop_assert_eq!(&ticket_of(&v), &t.id);
            prop_assert_eq!(v["id"].as_str().unwrap(), format!("Ticket:{}:{}", t.id, t.status.as_str()));
            prop_assert_eq!(&v["content"]["status"], t.status.as_str());
            prop_assert_eq!(t.provider.as_str(), "Webhook");
            prop_assert_eq!(t.closed, t.status.is_closed());
            prop_assert_eq!(t.close_date.is_some(), t.closed);
            prop_assert!(t.closed_by.is_none() || t.closed);
            if matches!(t.status, TicketStatus::Open | TicketStatus::Assigned) {
                prop_assert!(t.agent_identity.is_some());
            }
            if let Some(a) = &t.agent_identity {
                prop_assert!(a.ends_with("@blip.ai") && a.contains("%40"), "{}", a);
            }
            prop_assert!(t.owner_identity.ends_with("@msging.net"));
            prop_assert_eq!(&t.customer_domain, &Node::parse(&t.customer_identity).unwrap().domain);
            prop_assert!(t.parent_sequential_id.is_none_or(|p| p < t.sequential_id));
            let stored = millis(&v["content"]["storageDate"]);
            for k in ["openDate", "closeDate", "statusDate", "firstResponseDate", "expirationDate"] {
                if let Some(d) = v["content"].get(k) {
                    prop_assert!(millis(d) >= stored, "{} before storageDate", k);
                }
            }
            let input = v["content"]["customerInput"].as_object().unwrap();
            if !input.is_empty() {
                let ty = input["type"].as_str().unwrap();
                prop_assert!(is_media_type(ty));
                prop_assert!(check_content(ty, &input["value"]).is_ok());
            }
        }

        #[test]
        fn forwarded_messages_are_lime_messages_from_the_tickets_node(v in message()) {
            let m = as_lime(&v).unwrap();
            prop_assert!(is_media_type(&m.type_));
            prop_assert!(CONTENT_TYPES.contains(&m.type_.as_str()));
            prop_assert!(check_content(&m.type_, &v["content"]).is_ok());
            prop_assert!(v.get("to").is_none());
            let id = v["id"].as_str().unwrap();
            let original = id.strip_prefix("fwd:fwd:").unwrap();
            prop_assert!(!original.is_empty());
            prop_assert!(is_guid(&ticket_of(&v)));
        }
    }

    #[test]
    fn every_content_type_is_generated() {
        let mut runner = TestRunner::new(Config::default());
        let s = content();
        let seen: BTreeSet<String> = (0..400)
            .map(|_| s.new_tree(&mut runner).unwrap().current().0)
            .collect();
        let want: BTreeSet<String> = CONTENT_TYPES.iter().map(|t| (*t).to_owned()).collect();
        assert_eq!(seen, want);
    }

    #[test]
    fn every_status_is_generated() {
        let mut runner = TestRunner::new(Config::default());
        let s = ticket();
        let seen: BTreeSet<String> = (0..400)
            .map(|_| s.new_tree(&mut runner).unwrap().current()["content"]["status"].to_string())
            .collect();
        assert_eq!(seen.len(), TicketStatus::ALL.len(), "{seen:?}");
    }

    #[test]
    fn tickets_shrink_to_a_bare_ticket() {
        let v = crate::payload::r#gen::minimal(&ticket());
        let c = v["content"].as_object().unwrap();
        assert_eq!(c["status"], "None", "{v}");
        assert_eq!(c["customerInput"], json!({}), "{v}");
        for k in [
            "agentIdentity",
            "tags",
            "team",
            "closeDate",
            "openDate",
            "parentSequentialId",
        ] {
            assert!(!c.contains_key(k), "{k} in {v}");
        }
        assert!(v.to_string().len() < 600, "{v}");
    }

    #[test]
    fn messages_shrink_to_empty_text() {
        let v = crate::payload::r#gen::minimal(&message());
        assert_eq!(v["type"], "text/plain", "{v}");
        assert_eq!(v["content"], "", "{v}");
        assert!(v.to_string().len() < 200, "{v}");
    }
}
